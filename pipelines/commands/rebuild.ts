import { defineCommand } from 'citty';
import { log, runContext, setArg, waitArg, waitSeconds } from './command-options.js';

export default defineCommand({
  meta: {
    name: 'rebuild',
    description:
      'move the warehouse file aside (a damaged one, kept as warehouse.duckdb.damaged-<time>) and rebuild it from the archived files: load, build, test, publish',
  },
  args: {
    set: setArg,
    site: { type: 'boolean', description: 'build the report site (--no-site: warehouse and published marts only)', default: true },
    wait: waitArg,
  },
  run: async ({ args }) => {
    const { rebuildWarehouse } = await import('../refresh/rebuild.js');
    const rebuilt = await rebuildWarehouse(await runContext(), { site: args.site, waitSeconds: waitSeconds(args.wait) });
    log(`rebuilt from ${rebuilt.files} archived files${rebuilt.aside ? `; the previous file is kept as ${rebuilt.aside}` : ''}`);
  },
});
