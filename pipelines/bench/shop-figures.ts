import { DuckDBInstance } from '@duckdb/node-api';

/**
 * Figures both the warehouse and the dataframe alternative compute from the same orders, for
 * checking that they agree: buyers, purchase occasions and net revenue; the naive ladder (members
 * with at least N occasions, N = 1..10); buyers and revenue per month. Money in cents.
 */
export interface ShopFigures {
  buyers: number;
  occasions: number;
  revenueCents: number;
  ladder: number[];
  months: Array<{ month: string; buyers: number; revenueCents: number }>;
}

/** The figures as the marts of a database file (the warehouse or the floor) hold them. */
export async function martsFigures(database: string): Promise<ShopFigures> {
  const instance = await DuckDBInstance.create(database, { access_mode: 'READ_ONLY' });
  const connection = await instance.connect();
  const rows = async (query: string) => (await connection.runAndReadAll(query)).getRowObjectsJS();
  try {
    const [totals] = await rows(`select count(*) filter (where occasions > 0)::integer as buyers, sum(occasions)::integer as occasions,
      round(sum(revenue) * 100)::bigint as cents from marts.member_facts`);
    const ladder = await rows(`select reached_n::integer as n from marts.repurchase_ladder where variant = 'naive' order by step_n`);
    const months = await rows(`select strftime(month, '%Y-%m') as month, buyers::integer as buyers, round(revenue * 100)::bigint as cents
      from marts.kpi_monthly where buyers > 0 order by month`);
    return {
      buyers: Number(totals!.buyers), occasions: Number(totals!.occasions), revenueCents: Number(totals!.cents),
      ladder: ladder.map((row) => Number(row.n)),
      months: months.map((row) => ({ month: String(row.month), buyers: Number(row.buyers), revenueCents: Number(row.cents) })),
    };
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}
