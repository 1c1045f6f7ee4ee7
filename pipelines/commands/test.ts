import { defineCommand } from 'citty';
import { log, parseSets, selectArg, selectors, setArg, waitArg, withWarehouse } from './command-options.js';

export default defineCommand({
  meta: { name: 'test', description: 'run the data tests of the models as built, without building them again' },
  args: { select: selectArg, set: setArg, wait: waitArg },
  run: ({ args }) =>
    withWarehouse({ command: 'test', wait: args.wait }, async (warehouse) => {
      const { withRun } = await import('../refresh/run-log.js');
      const { testWarehouse } = await import('../transform/build-warehouse.js');
      const { db, config } = warehouse;
      await withRun(warehouse, 'test', (runId) =>
        testWarehouse(db, config, { runId, select: selectors(args.select), parameters: parseSets(), log }),
      );
    }),
});
