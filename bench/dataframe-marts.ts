import { readFileSync } from 'node:fs';
import { DuckDBInstance } from '@duckdb/node-api';

export type Row = Record<string, unknown>;

/**
 * The marts the dataframe alternative (run-polars.ts) computes, each as the query that reads the
 * same rows from a warehouse or floor file. member_rfm is compared through its RFM cells (members
 * and lookback revenue per r, f, m score), since its rows are keyed by salted member hashes.
 */
export const dataframeMartQueries = {
  kpi_monthly: 'select * from marts.kpi_monthly order by month',
  repurchase_ladder: 'select * from marts.repurchase_ladder order by variant desc, step_n',
  cohort_retention: 'select * from marts.cohort_retention order by cohort_month, month_offset',
  rfm_segments: `select segment, segment_zh, segment_order, members, share, revenue, revenue_share, avg_recency_days, avg_frequency, avg_monetary
    from marts.rfm_segments order by segment_order`,
  member_rfm_cells:
    'select r_score, f_score, m_score, count(*) as members, sum(monetary) as monetary from marts.member_rfm group by all order by all',
} as const;

/** The models whose numbers run-polars.ts reproduces; the DuckDB side of the comparison builds these and what they read. */
export const dataframeMartModels = ['marts.kpi_monthly', 'marts.repurchase_ladder', 'marts.cohort_retention', 'marts.rfm_segments'];

export type DataframeMarts = Record<keyof typeof dataframeMartQueries, Row[]>;

/**
 * Differences between marts computed another way and a database's marts, cell by cell: every
 * column of the database's rows must be present, numbers equal within 1e-9 relative (money is
 * DECIMAL in the marts, cents summed as integers in the dataframe), dates as YYYY-MM-DD.
 */
export async function dataframeMartsDiffer(database: string, other: DataframeMarts): Promise<string[]> {
  const instance = await DuckDBInstance.create(database, { access_mode: 'READ_ONLY' });
  const connection = await instance.connect();
  const differences: string[] = [];
  try {
    for (const [mart, query] of Object.entries(dataframeMartQueries) as Array<[keyof DataframeMarts, string]>) {
      const expected = (await connection.runAndReadAll(`select columns(c -> true)::varchar from (${query})`)).getRowObjectsJS() as Array<
        Record<string, string | null>
      >;
      const actual = other[mart] ?? [];
      if (actual.length !== expected.length) differences.push(`${mart}: ${actual.length} rows, the marts have ${expected.length}`);
      for (const [index, row] of expected.slice(0, actual.length).entries()) {
        for (const [column, value] of Object.entries(row)) {
          if (!sameValue(value, actual[index]![column]))
            differences.push(`${mart} row ${index + 1} ${column}: ${JSON.stringify(actual[index]![column])}, the marts have ${value}`);
        }
      }
    }
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
  return differences;
}

function sameValue(expected: string | null, actual: unknown): boolean {
  if (expected === null || actual === null || actual === undefined) return expected === null && (actual === null || actual === undefined);
  if (typeof actual === 'number') return Math.abs(actual - Number(expected)) <= 1e-9 * Math.max(1, Math.abs(Number(expected)));
  return String(actual) === expected;
}

/** Marts computed another way count only if they give the same numbers as the floor's (which equal the pipeline's). */
export async function checkDataframeMarts(computedFile: string, database: string): Promise<void> {
  const differences = await dataframeMartsDiffer(database, JSON.parse(readFileSync(computedFile, 'utf8')) as DataframeMarts);
  if (differences.length > 0)
    throw new Error(`${computedFile} differs from the marts in ${differences.length} values, e.g.\n${differences.slice(0, 10).join('\n')}`);
}
