import { join } from 'node:path';
import { defineCommand } from 'citty';
import { log, waitArg, withWarehouse } from './command-options.js';

export default defineCommand({
  meta: {
    name: 'worklists',
    description:
      "write the service staff's work lists as of the warehouse's as-of date, 中差评服务 (bad and neutral reviews) and 异常物流 (parcels overdue or flagged), to data/worklists/<as-of date>/",
  },
  args: { wait: waitArg },
  run: ({ args }) =>
    withWarehouse({ command: 'worklists', wait: args.wait }, async (warehouse) => {
      const { withRun } = await import('../run/run-log.js');
      const { writeWorklists } = await import('../audience/write-worklists.js');
      const { files } = await withRun(warehouse.db, 'worklists', () =>
        writeWorklists(warehouse.db, join(warehouse.config.dataDir, 'worklists')),
      );
      for (const file of files) log(`wrote ${file.path}: ${file.rows} rows`);
    }),
});
