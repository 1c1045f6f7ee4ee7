import { defineCommand } from 'citty';
import { exportAudience } from '../audience/export-audience.js';
import { list, log, waitArg, withWarehouse } from './command-options.js';

const number = (raw: unknown) => (raw === undefined ? undefined : Number(raw));

export default defineCommand({
  meta: {
    name: 'audience',
    description: 'export the audience of a campaign (with phones) as CSV, Parquet or Arrow IPC, with an optional control group',
  },
  args: {
    campaign: { type: 'string', description: 'campaign id the contacts are for', required: true },
    'send-at': { type: 'string', description: 'when the campaign is sent, YYYY-MM-DD [HH:MM]', required: true },
    out: { type: 'string', description: 'output file: .csv, .parquet or .arrow (Arrow IPC)', required: true },
    segment: { type: 'string', description: 'RFM segments, comma separated (e.g. champions,important_to_retain)' },
    stage: { type: 'string', description: 'lifecycle stages, comma separated (e.g. silent,sleeping)' },
    level: { type: 'string', description: 'member levels, comma separated (e.g. senior,vip)' },
    tier: { type: 'string', description: 'city tiers, comma separated (e.g. 1,2)' },
    'due-category': { type: 'string', description: 'category due for repurchase: last bought it between --due-window times its cycle ago' },
    'due-product': { type: 'string', description: 'product id due for repurchase, as --due-category' },
    'due-window': { type: 'string', description: 'low,high multiples of the category cycle', default: '0.8,1.2' },
    'exclude-bought-within': { type: 'string', description: 'leave out members who bought within this many days' },
    price: { type: 'string', description: 'promoted price: leave out members whose average order is below --min-value-ratio of it' },
    'min-value-ratio': { type: 'string', description: "share of --price a member's average order must reach", default: '0.5' },
    'p-alive': { type: 'string', description: 'low,high: P(alive) of the BG/NBD forecast in this range, inclusive (e.g. 0.2,0.6)' },
    'clv-decile': { type: 'string', description: '12-month CLV deciles, comma separated; 1 = the highest CLV (e.g. 1,2,3)' },
    control: { type: 'string', description: 'random share held out as control group (recorded in the file)', default: '0' },
    seed: { type: 'string', description: 'seed of the control draw', default: '1' },
    wait: waitArg,
  },
  run: ({ args }) =>
    withWarehouse({ command: 'audience', wait: args.wait }, async ({ db }) => {
      const result = await exportAudience(db, {
        campaignId: args.campaign,
        sendAt: args['send-at'],
        out: args.out,
        controlFraction: Number(args.control),
        seed: Number(args.seed),
        filters: {
          segments: list(args.segment),
          stages: list(args.stage),
          levels: list(args.level),
          tiers: list(args.tier)?.map(Number),
          dueCategory: args['due-category'],
          dueProduct: args['due-product'],
          dueWindow: list(args['due-window'])!.map(Number) as [number, number],
          excludeBoughtWithinDays: number(args['exclude-bought-within']),
          price: number(args.price),
          minOrderValueRatio: Number(args['min-value-ratio']),
          pAlive: list(args['p-alive'])?.map(Number) as [number, number] | undefined,
          clvDeciles: list(args['clv-decile'])?.map(Number),
        },
      });
      log(`wrote ${result.path}: ${result.rows} members, ${result.controlRows} held out as control`);
    }),
});
