import { defineCommand } from 'citty';
import { runContext } from './command-options.js';

export default defineCommand({
  meta: {
    name: 'main',
    description:
      'what npm start runs: generate the sample shop (once), then refresh the warehouse from it: load, build, test, publish, site',
  },
  run: async () => {
    const { runMainJob } = await import('../refresh/main-job.js');
    await runMainJob(await runContext());
  },
});
