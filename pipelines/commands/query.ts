import { defineCommand } from 'citty';
import { type QueryFormat, queryFormats, runQuery } from '../warehouse/run-query.js';
import { withWarehouse } from './command-options.js';

export default defineCommand({
  meta: { name: 'query', description: 'run SQL against the warehouse (read-only) and print the result' },
  args: {
    sql: { type: 'positional', description: 'the statement', required: true },
    format: { type: 'string', description: queryFormats.join(' | '), default: 'table' },
  },
  run: ({ args }) =>
    withWarehouse('read-only', async ({ db }) => {
      if (!(queryFormats as readonly string[]).includes(args.format))
        throw new Error(
          `--format must be ${new Intl.ListFormat('en-GB', { type: 'disjunction' }).format(queryFormats)}, not '${args.format}'`,
        );
      process.stdout.write(await runQuery(db, args.sql, args.format as QueryFormat));
    }),
});
