import type { LikelihoodFit } from '../../forecast/maximize-likelihood.js';
import type { ColumnType } from './computation.js';

/** How a fit table's parameters came about. */
export type FitStatus = 'fitted' | 'kept_last_good' | 'not_fitted';

/** The columns every fit table has after its parameters. */
export const fitColumns = {
  log_likelihood: 'double',
  members: 'bigint',
  distinct_rows: 'bigint',
  iterations: 'integer',
  seconds: 'double',
  converged: 'boolean',
  status: 'varchar',
  note: 'varchar',
} as const satisfies Record<string, ColumnType>;

export interface FitOutcome<Params> {
  params: Params | null;
  log_likelihood: number | null;
  iterations: number | null;
  seconds: number | null;
  /** Whether this build's fit converged; NULL when it was not attempted. */
  converged: boolean | null;
  status: FitStatus;
  note: string | null;
}

/**
 * Fits unless the data cannot carry a fit (too few members, or `unfit` says why not). A fit that
 * does not converge (or fails) gives the last good parameters, `lastGood`, with their
 * log-likelihood on this build's data, or none; the note says which.
 */
export function fitOrKeep<Params>(options: {
  label: string;
  members: number;
  memberNoun: string;
  minMembers: number;
  unfit: string | null;
  fit: () => LikelihoodFit & { fitted: Params };
  logLikelihood: (params: Params) => number;
  lastGood: Params | undefined;
}): FitOutcome<Params> {
  const notFitted = (reason: string): FitOutcome<Params> => ({
    params: null,
    log_likelihood: null,
    iterations: null,
    seconds: null,
    converged: null,
    status: 'not_fitted',
    note: `${options.label} not fitted: ${reason}, so no forecast`,
  });
  if (options.members < options.minMembers)
    return notFitted(`${options.members} ${options.memberNoun}, fewer than forecast_min_members (${options.minMembers})`);
  if (options.unfit) return notFitted(options.unfit);
  const started = performance.now();
  let fit: (LikelihoodFit & { fitted: Params }) | undefined;
  let failure: string;
  try {
    fit = options.fit();
    failure = `did not converge in ${fit.iterations} iterations (${fit.message})`;
  } catch (error) {
    failure = `failed (${(error as Error).message})`;
  }
  const attempt = { iterations: fit?.iterations ?? null, seconds: fit?.seconds ?? (performance.now() - started) / 1000 };
  if (fit?.converged)
    return { params: fit.fitted, log_likelihood: fit.logLikelihood, ...attempt, converged: true, status: 'fitted', note: null };
  if (options.lastGood === undefined)
    return { ...notFitted(`the fit ${failure} and no earlier fit converged`), ...attempt, converged: false };
  return {
    params: options.lastGood,
    log_likelihood: options.logLikelihood(options.lastGood),
    ...attempt,
    converged: false,
    status: 'kept_last_good',
    note: `${options.label}: the fit ${failure}; kept the parameters of the last good fit`,
  };
}

/** The previous table's parameters if they were good (fitted, or kept from a good fit). */
export function lastGoodRow<Row extends Record<string, unknown>>(previous: Row[] | undefined, usable: (row: Row) => boolean) {
  return previous?.find((row) => (row.status === 'fitted' || row.status === 'kept_last_good') && usable(row));
}
