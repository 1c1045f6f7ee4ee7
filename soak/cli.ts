import { defineCommand, runMain } from 'citty';
import { loadConfig } from '../pipelines/config.js';
import { logger } from '../pipelines/logger.js';
import { runSoak } from './run-soak.js';

const soak = defineCommand({
  meta: {
    name: 'soak',
    description:
      'deliver a small generated shop night by night, refreshing each night with random SIGKILLs, then check the invariants (docs/operations.md, Reliability)',
  },
  args: {
    nights: { type: 'string', description: 'nights of deliveries', default: '200' },
    members: { type: 'string', description: 'members of the generated shop', default: '2000' },
    seed: { type: 'string', description: 'seed of the shop and of the kills', default: '19' },
    'kill-rate': { type: 'string', description: 'share of nights whose refresh is killed', default: '0.15' },
  },
  run: async ({ args }) => {
    const { figures, invariants } = await runSoak(loadConfig(), {
      nights: Number(args.nights),
      members: Number(args.members),
      seed: Number(args.seed),
      killRate: Number(args['kill-rate']),
      log: logger.log,
    });
    const lines = [
      '| figure | value |',
      '|---|---|',
      ...Object.entries(figures).map(([name, value]) => `| ${name} | ${value} |`),
      '',
      '| invariant | holds | |',
      '|---|---|---|',
      ...invariants.map((invariant) => `| ${invariant.name} | ${invariant.holds ? 'yes' : '**no**'} | ${invariant.detail} |`),
    ];
    process.stdout.write(`${lines.join('\n')}\n`);
    if (invariants.some((invariant) => !invariant.holds)) process.exit(1);
  },
});

await runMain(soak);
