import { defineCommand } from 'citty';

export default defineCommand({
  meta: { name: 'status', description: 'show the lock, the last runs, the freshness check and what is published; it changes nothing' },
  run: async () => {
    const { loadConfig } = await import('../config.js');
    const { describeStatus } = await import('../refresh/status.js');
    process.stdout.write(await describeStatus(loadConfig()));
  },
});
