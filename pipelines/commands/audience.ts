import { defineCommand } from 'citty';
import { audienceFilterArgs, audienceFilters } from '../audience/audience-filters.js';
import { log, runContext, setArg, waitArg, withWarehouse } from './command-options.js';

const number = (raw: unknown) => (raw === undefined ? undefined : Number(raw));

export default defineCommand({
  meta: {
    name: 'audience',
    description:
      'export the audience of a campaign: the treatment arm (with phones) as CSV, Parquet or Arrow IPC, the control arm (without) beside it',
  },
  args: {
    campaign: { type: 'string', description: 'campaign id the contacts are for', required: true },
    'send-at': { type: 'string', description: 'when the campaign is sent, YYYY-MM-DD [HH:MM]', required: true },
    out: {
      type: 'string',
      description: 'the channel file: .csv, .parquet or .arrow (Arrow IPC); the control arm goes to <out>.control.<ext>',
      required: true,
    },
    channel: { type: 'string', description: 'the channel (sms, edm, coupon, wangwang, push): members opted out of it are left out' },
    name: {
      type: 'string',
      description: 'campaign name: with --channel and --cost-per-contact, writes campaigns-<campaign>.csv beside the file',
    },
    'cost-per-contact': { type: 'string', description: 'cost of one delivered message, for the campaigns row' },
    'coupon-code': { type: 'string', description: "the campaign's own coupon code, for the campaigns row" },
    'coupon-value': { type: 'string', description: "the coupon's value; above 0 makes it a discount campaign" },
    ...audienceFilterArgs,
    control: { type: 'string', description: 'random share held out as control group (in the control file)', default: '0' },
    'expected-response': {
      type: 'string',
      description:
        'expected response rate (e.g. 0.05) for the smallest lift the arms can show; default: the control response of the measured campaigns together',
    },
    seed: { type: 'string', description: 'seed of the control draw', default: '1' },
    set: setArg,
    wait: waitArg,
  },
  run: ({ args }) =>
    withWarehouse({ command: 'audience', wait: args.wait }, async ({ db, config }) => {
      const { detectableLiftLine, exportAudience } = await import('../audience/export-audience.js');
      const result = await exportAudience(
        db,
        {
          campaignId: args.campaign,
          sendAt: args['send-at'],
          out: args.out,
          controlFraction: Number(args.control),
          expectedResponseRate: number(args['expected-response']),
          seed: Number(args.seed),
          channel: args.channel,
          campaign: [args.name, args['cost-per-contact'], args['coupon-code'], args['coupon-value']].every((arg) => arg === undefined)
            ? undefined
            : {
                name: args.name ?? '',
                costPerContact: Number(args['cost-per-contact']),
                couponCode: args['coupon-code'],
                couponValue: number(args['coupon-value']),
              },
          filters: audienceFilters(args),
        },
        await runContext(config),
      );
      const removed = Object.entries(result.guards)
        .filter(([guard]) => guard !== 'control_arm_split')
        .map(([guard, members]) => `${guard} ${members}`)
        .join(', ');
      log(
        `wrote ${result.path}: ${result.rows - result.controlRows} members to contact` +
          (result.controlPath ? `; ${result.controlPath}: ${result.controlRows} held out as control` : '') +
          `; of ${result.matched} matching, the guards left out: ${removed}` +
          (result.campaignPath ? `; campaigns row ${result.campaignPath}` : ''),
      );
      log(detectableLiftLine(result.detectableLift));
    }),
});
