import { defineCommand } from 'citty';
import { inputFormats } from '../load/detect-input.js';
import { layoutNames, readFormat, readMapping } from '../load/input-mapping.js';
import { loadFiles } from '../load/load-files.js';
import { withRun } from '../refresh/run-log.js';
import { log, parseSets, setArg, waitArg, withWarehouse } from './command-options.js';

export default defineCommand({
  meta: {
    name: 'load',
    description: 'load input files (canonical csv, parquet, jsonl, arrow; shop exports) or folders of them into raw.*',
  },
  args: {
    paths: { type: 'positional', description: 'files or folders', required: true },
    table: { type: 'string', description: 'the raw table, when a file name does not tell it' },
    format: {
      type: 'string',
      description: `how to read the files, overriding their extension and header: ${inputFormats.join(', ')}, or a layout (${layoutNames().join(', ')})`,
    },
    mapping: {
      type: 'string',
      description: 'read the files through a column mapping: a layout name (e.g. cdnow) or the path of a mapping file',
    },
    set: setArg,
    wait: waitArg,
  },
  run: ({ args }) =>
    withWarehouse({ command: 'load', wait: args.wait }, async (warehouse) => {
      const { db, config } = warehouse;
      const read = args.mapping ? { mapping: readMapping(args.mapping) } : args.format ? readFormat(args.format) : {};
      await withRun(warehouse, 'load', (runId) =>
        loadFiles(db, args._, {
          ...read,
          table: args.table,
          runId,
          seedsDir: config.seedsDir,
          parameters: parseSets(),
          log,
          archive: { dir: config.archiveDir },
        }),
      );
    }),
});
