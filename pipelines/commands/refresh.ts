import { defineCommand } from 'citty';
import { fullRefreshArg, runContext, setArg, waitArg, withWarehouse } from './command-options.js';

export default defineCommand({
  meta: {
    name: 'refresh',
    description: 'load new inbox files, build every model, run the data tests, publish the marts and build the site',
  },
  args: {
    set: setArg,
    site: { type: 'boolean', description: 'build the report site (--no-site: warehouse and published marts only)', default: true },
    'full-refresh': { ...fullRefreshArg, description: 'rebuild every model, incremental ones in full, and bundle the site pages again' },
    audiences: {
      type: 'boolean',
      description: "also export the automation rules' audiences (with phone numbers) after publishing: the nightly job's choice",
      default: false,
    },
    'accept-changes': {
      type: 'boolean',
      description: 'publish even when closed months or headline figures moved beyond seeds/publish_guards.csv (a deliberate restatement)',
      default: false,
    },
    wait: waitArg,
  },
  run: ({ args }) =>
    withWarehouse({ command: 'refresh', wait: args.wait }, async (warehouse) => {
      const { refresh } = await import('../refresh/refresh.js');
      await refresh(warehouse, await runContext(warehouse.config), {
        site: args.site,
        audiences: args.audiences,
        fullRefresh: args['full-refresh'],
        acceptChanges: args['accept-changes'],
      });
    }),
});
