import { defineCommand } from 'citty';
import { runContext, selectArg, selectors, setArg, waitArg, withWarehouse } from './command-options.js';

export default defineCommand({
  meta: { name: 'test', description: 'run the data tests of the models as built, without building them again' },
  args: { select: selectArg, set: setArg, wait: waitArg },
  run: ({ args }) =>
    withWarehouse({ command: 'test', wait: args.wait }, async (warehouse) => {
      const { withRun } = await import('../run/run-log.js');
      const { testWarehouse } = await import('../transform/build-warehouse.js');
      const context = await runContext(warehouse.config);
      await withRun(warehouse, 'test', (runId) => testWarehouse(warehouse.db, { ...context, runId }, { select: selectors(args.select) }));
    }),
});
