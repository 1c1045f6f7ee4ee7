import { defineCommand } from 'citty';
import { fullRefreshArg, runContext, selectArg, selectors, setArg, waitArg, withWarehouse } from './command-options.js';

export default defineCommand({
  meta: {
    name: 'build',
    description:
      'build the models (all, or --select) in the warehouse and run their data tests; it does not load files, publish the marts or the site, or export audiences (refresh does those; npm run dev shows changes on pages)',
  },
  args: { select: selectArg, set: setArg, 'full-refresh': fullRefreshArg, wait: waitArg },
  run: ({ args }) =>
    withWarehouse({ command: 'build', wait: args.wait }, async (warehouse) => {
      const { withRun } = await import('../run/run-log.js');
      const { buildWarehouse } = await import('../transform/build-warehouse.js');
      const context = await runContext(warehouse.config);
      await withRun(warehouse, 'build', (runId) =>
        buildWarehouse(warehouse.db, { ...context, runId }, { select: selectors(args.select), fullRefresh: args['full-refresh'] }),
      );
    }),
});
