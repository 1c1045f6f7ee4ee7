import { defineCommand } from 'citty';
import { withRun } from '../refresh/run-log.js';
import { testWarehouse } from '../transform/build-warehouse.js';
import { log, parseSets, selectArg, selectors, setArg, waitArg, withWarehouse } from './command-options.js';

export default defineCommand({
  meta: { name: 'test', description: 'run the data tests of the models as built' },
  args: { select: selectArg, set: setArg, wait: waitArg },
  run: ({ args }) =>
    withWarehouse({ command: 'test', wait: args.wait }, async (warehouse) => {
      const { db, config } = warehouse;
      await withRun(warehouse, 'test', (runId) =>
        testWarehouse(db, config, { runId, select: selectors(args.select), parameters: parseSets(), log }),
      );
    }),
});
