import { defineCommand } from 'citty';
import { runContext, setArg, waitArg, withWarehouse } from './command-options.js';

// The formats and layouts are the loader's, imported for load's own help, not for every command's.
async function loadArgs() {
  const { inputFormats } = await import('../load/detect-input.js');
  const { layoutNames } = await import('../load/input-mapping.js');
  return {
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
  } as const;
}

export default defineCommand<Awaited<ReturnType<typeof loadArgs>>>({
  meta: {
    name: 'load',
    description:
      'load input files (canonical csv, parquet, jsonl, arrow; shop exports) or folders of them into raw.*, keeping a copy in the archive; it builds no model (build does)',
  },
  args: loadArgs,
  run: ({ args }) =>
    withWarehouse({ command: 'load', wait: args.wait }, async (warehouse) => {
      const { readFormat, readMapping } = await import('../load/input-mapping.js');
      const { loadFiles } = await import('../load/load-files.js');
      const { withRun } = await import('../run/run-log.js');
      const { db, config } = warehouse;
      const { parameters, log } = await runContext(config);
      const read = args.mapping ? { mapping: readMapping(args.mapping) } : args.format ? readFormat(args.format) : {};
      await withRun(warehouse, 'load', (runId) =>
        loadFiles(db, args._, {
          ...read,
          table: args.table,
          runId,
          seedsDir: config.seedsDir,
          parameters,
          log,
          archive: { dir: config.archiveDir },
        }),
      );
    }),
});
