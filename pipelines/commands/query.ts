import { defineCommand } from 'citty';
import type { QueryFormat } from '../warehouse/run-query.js';
import { withWarehouse } from './command-options.js';

// What each of run-query's formats is for, here rather than imported, so that help does not load
// Kysely; `satisfies` keeps the two in step.
const formats = {
  table: 'aligned, for people',
  csv: 'for spreadsheets and scripts',
  json: 'an array of rows, for scripts',
} satisfies Record<QueryFormat, string>;

export default defineCommand({
  meta: { name: 'query', description: 'run one SELECT on the warehouse (which reads nothing else) and print the result' },
  args: {
    sql: { type: 'positional', description: 'the statement', required: true },
    format: {
      type: 'string',
      description: Object.entries(formats)
        .map(([format, use]) => `${format} (${use})`)
        .join(', '),
      default: 'table',
    },
  },
  run: ({ args }) =>
    withWarehouse('read-only', async (warehouse) => {
      if (!Object.hasOwn(formats, args.format))
        throw new Error(
          `--format must be ${new Intl.ListFormat('en-GB', { type: 'disjunction' }).format(Object.keys(formats))}, not '${args.format}'`,
        );
      const { queryWarehouse } = await import('../warehouse/query-warehouse.js');
      process.stdout.write(await queryWarehouse(warehouse, args.sql, args.format as QueryFormat));
    }),
});
