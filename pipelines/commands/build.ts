import { defineCommand } from 'citty';
import { withRun } from '../refresh/run-log.js';
import { buildWarehouse } from '../transform/build-warehouse.js';
import { fullRefreshArg, log, parseSets, selectArg, selectors, setArg, waitArg, withWarehouse } from './command-options.js';

export default defineCommand({
  meta: { name: 'build', description: 'build models (all, or --select) and run their data tests' },
  args: { select: selectArg, set: setArg, 'full-refresh': fullRefreshArg, wait: waitArg },
  run: ({ args }) =>
    withWarehouse({ command: 'build', wait: args.wait }, async (warehouse) => {
      const { db, config } = warehouse;
      await withRun(warehouse, 'build', (runId) =>
        buildWarehouse(db, config, {
          runId,
          select: selectors(args.select),
          parameters: parseSets(),
          fullRefresh: args['full-refresh'],
          log,
        }),
      );
    }),
});
