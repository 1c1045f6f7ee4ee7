import { defineCommand } from 'citty';
import { loadConfig } from '../config.js';
import { describeStatus } from '../refresh/status.js';

export default defineCommand({
  meta: { name: 'status', description: 'the lock, the last runs, the freshness check and what is published' },
  run: async () => {
    process.stdout.write(await describeStatus(loadConfig()));
  },
});
