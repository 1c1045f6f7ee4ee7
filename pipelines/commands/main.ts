import { defineCommand } from 'citty';
import { log } from './command-options.js';

export default defineCommand({
  meta: {
    name: 'main',
    description:
      'what npm start runs: generate the sample shop (once), then refresh the warehouse from it: load, build, test, publish, site',
  },
  run: async () => {
    const { loadConfig } = await import('../config.js');
    const { runMainJob } = await import('../refresh/main-job.js');
    await runMainJob(loadConfig(), log);
  },
});
