import { defineCommand } from 'citty';
import { log } from './command-options.js';

// The shop time zone and the last day (default: yesterday there) only: a generated shop is no run,
// and leaves no member salt behind.
async function shopDays(end: string | undefined): Promise<{ shopTimeZone: string; endDate: string }> {
  const { loadConfig } = await import('../config.js');
  const { readParameters, requiredParameter } = await import('../run/read-parameters.js');
  const { shopToday } = await import('../shop-today.js');
  const shopTimeZone = requiredParameter(await readParameters(loadConfig().seedsDir), 'shop_time_zone');
  return { shopTimeZone, endDate: end ?? shopToday(shopTimeZone, new Date(), 1) };
}

export default defineCommand({
  meta: {
    name: 'generate',
    description: 'write a sample shop (canonical input files) with its planted truth to --out; it loads nothing (load does)',
  },
  args: {
    members: { type: 'string', description: 'members', default: '20000' },
    days: { type: 'string', description: 'days of history, ending on --end', default: '730' },
    end: { type: 'string', description: 'last day of history, YYYY-MM-DD (default: yesterday in the shop time zone)' },
    seed: { type: 'string', description: 'random seed; same seed, same bytes', default: '1' },
    out: { type: 'string', description: 'output folder', default: 'data/sample' },
  },
  run: async ({ args }) => {
    const { generateShop } = await import('../generate/generate-shop.js');
    const truth = await generateShop(
      {
        members: Number(args.members),
        days: Number(args.days),
        ...(await shopDays(args.end)),
        seed: Number(args.seed),
        outDir: args.out,
      },
      log,
    );
    log(
      `wrote ${args.out}: ${Object.entries(truth.rows)
        .map(([table, rows]) => `${rows.toLocaleString('en-US')} ${table}`)
        .join(', ')}`,
    );
  },
});
