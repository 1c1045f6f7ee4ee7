import type { LikelihoodFit } from '../../forecast/maximize-likelihood.js';
import type { ColumnType } from './computation.js';

/** How a fit table's parameters came about. */
export type FitStatus = 'fitted' | 'kept_last_good' | 'not_fitted';

/**
 * The columns every fit table has after its parameters. No fit time: a table holds only what the
 * same data always give (the run log has the time).
 */
export const fitColumns = {
  log_likelihood: 'double',
  members: 'bigint',
  distinct_rows: 'bigint',
  iterations: 'integer',
  converged: 'boolean',
  status: 'varchar',
  note: 'varchar',
} as const satisfies Record<string, ColumnType>;

export interface FitOutcome<Params> {
  params: Params | null;
  log_likelihood: number | null;
  iterations: number | null;
  /** Whether this build's fit converged; NULL when it was not attempted. */
  converged: boolean | null;
  status: FitStatus;
  /** Why there are no parameters, or only earlier ones; NULL when this build's fit converged. */
  note: string | null;
  /** For the run log: the note, or that the fit converged, with the fit's time. */
  message: string;
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
  const notFitted = (reason: string) => `${options.label} not fitted: ${reason}, so no forecast`;
  const unfit =
    options.members < options.minMembers
      ? `${options.members} ${options.memberNoun}, fewer than forecast_min_members (${options.minMembers})`
      : options.unfit;
  if (unfit !== null) {
    const note = notFitted(unfit);
    return { params: null, log_likelihood: null, iterations: null, converged: null, status: 'not_fitted', note, message: note };
  }
  const started = performance.now();
  let fit: (LikelihoodFit & { fitted: Params }) | undefined;
  let failure: string;
  try {
    fit = options.fit();
    failure = `did not converge in ${fit.iterations} iterations (${fit.message})`;
  } catch (error) {
    failure = `failed (${(error as Error).message})`;
  }
  const took = `${((performance.now() - started) / 1000).toFixed(2)} s`;
  const iterations = fit?.iterations ?? null;
  if (fit?.converged) {
    const message = `${options.label} fitted in ${took} (${fit.iterations} iterations)`;
    return { params: fit.fitted, log_likelihood: fit.logLikelihood, iterations, converged: true, status: 'fitted', note: null, message };
  }
  if (options.lastGood === undefined) {
    const note = notFitted(`the fit ${failure} and no earlier fit converged`);
    return { params: null, log_likelihood: null, iterations, converged: false, status: 'not_fitted', note, message: `${note}; ${took}` };
  }
  const note = `${options.label}: the fit ${failure}; kept the parameters of the last good fit`;
  return {
    params: options.lastGood,
    log_likelihood: options.logLikelihood(options.lastGood),
    iterations,
    converged: false,
    status: 'kept_last_good',
    note,
    message: `${note}; ${took}`,
  };
}

/** The previous table's parameters if they were good (fitted, or kept from a good fit). */
export function lastGoodRow<Row extends Record<string, unknown>>(previous: Row[] | undefined, usable: (row: Row) => boolean) {
  return previous?.find((row) => (row.status === 'fitted' || row.status === 'kept_last_good') && usable(row));
}
