import { defineCommand, runMain } from 'citty';
import { loadConfig } from '../pipelines/config.js';
import { logger } from '../pipelines/logger.js';
import { type BenchSize, benchSizes, runBench } from './run-bench.js';

const bench = defineCommand({
  meta: {
    name: 'bench',
    description: 'time load, build, refresh and the site on generated shops beside the floor (one SQL script); see BENCHMARKS.md',
  },
  args: {
    sizes: {
      type: 'string',
      description: `shop sizes, comma separated: ${Object.entries(benchSizes)
        .map(([size, members]) => `${size} = ${members.toLocaleString('en-US')} members`)
        .join(', ')}`,
      default: 'S,M',
    },
    runs: { type: 'string', description: 'runs of each step; the report shows medians', default: '3' },
    site: {
      type: 'boolean',
      description: 'also time refreshes that build the site (bundled in full, and on new data only)',
      default: true,
    },
    polars: {
      type: 'boolean',
      description:
        'also time nodejs-polars and in-memory DuckDB computing the same marts (polars is installed into bench/ by npm run bench)',
      default: true,
    },
  },
  run: async ({ args }) => {
    const sizes = String(args.sizes)
      .split(',')
      .map((size) => size.trim().toUpperCase());
    const unknown = sizes.filter((size) => !(size in benchSizes));
    if (unknown.length > 0) throw new Error(`--sizes: unknown size ${unknown.join(', ')} (known: ${Object.keys(benchSizes).join(', ')})`);
    const runs = Number(args.runs);
    if (!Number.isInteger(runs) || runs < 1) throw new Error(`--runs must be a whole number ≥ 1, not '${args.runs}'`);
    const { report } = await runBench(loadConfig(), {
      sizes: sizes as BenchSize[],
      runs,
      site: args.site,
      polars: args.polars,
      log: logger.log,
    });
    process.stdout.write(`${report}\n`);
  },
});

await runMain(bench);
