import { defineCommand } from 'citty';
import { queryWarehouse } from '../warehouse/query-warehouse.js';
import { type QueryFormat, queryFormats } from '../warehouse/run-query.js';
import { withWarehouse } from './command-options.js';

export default defineCommand({
  meta: { name: 'query', description: 'run one SELECT on the warehouse (which reads nothing else) and print the result' },
  args: {
    sql: { type: 'positional', description: 'the statement', required: true },
    format: { type: 'string', description: queryFormats.join(' | '), default: 'table' },
  },
  run: ({ args }) =>
    withWarehouse('read-only', async (warehouse) => {
      if (!(queryFormats as readonly string[]).includes(args.format))
        throw new Error(
          `--format must be ${new Intl.ListFormat('en-GB', { type: 'disjunction' }).format(queryFormats)}, not '${args.format}'`,
        );
      process.stdout.write(await queryWarehouse(warehouse, args.sql, args.format as QueryFormat));
    }),
});
