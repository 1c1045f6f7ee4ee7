import { type Insertable, type Kysely, sql } from 'kysely';
import type { Database } from '../warehouse/database.js';
import { relationColumns } from '../warehouse/relation-columns.js';
import type { BuildShadows } from './build-shadows.js';
import { compileTest, grainTests } from './compile-test.js';
import { type Assertion, type Model, ModelError, type ModelTest, pointedMessage } from './model.js';
import { replaceRelations } from './replace-relations.js';

export interface TestOutcome {
  model: string;
  file: string;
  test: string;
  failingRows: number;
  sample: Record<string, unknown>[];
}

export class DataTestError extends Error {
  constructor(readonly failures: TestOutcome[]) {
    super(
      `${failures.length} data test${failures.length === 1 ? '' : 's'} failed, so the build was rolled back:\n${failures.map(describeFailure).join('\n')}`,
    );
    this.name = 'DataTestError';
  }
}

export type TestResult = Omit<Insertable<Database['ops.test_results']>, 'run_id'>;

// On this build's new relations (`shadows.reads`), where there are any.
export async function runDataTests(
  db: Kysely<Database>,
  models: Model[],
  assertions: Assertion[],
  shadows: BuildShadows,
  log: (line: string) => void,
) {
  const finite = new Map<string, ModelTest[]>();
  for (const model of models) finite.set(model.name, await finiteTests(db, model, shadows.readOf(model.name)));
  let scoped = 0;
  const checks = [
    ...models.flatMap((model) =>
      [...grainTests(model), ...model.tests, ...(finite.get(model.name) ?? [])].map((test) => {
        const changed = shadows.changedRows.get(model.name);
        const narrow = changed !== undefined && holdsRowByRow(model, test, shadows.kept.has(model.name));
        if (narrow) scoped++;
        return {
          model: model.name,
          file: model.file,
          test: test.text,
          fromFile: false,
          query: replaceRelations(compileTest(model, test), narrow ? new Map([...shadows.reads, [model.name, changed]]) : shadows.reads),
        };
      }),
    ),
    ...(await Promise.all(
      assertions.map(async (assertion) => ({
        model: `assertion.${assertion.name}`,
        file: assertion.file,
        test: assertion.description || assertion.name,
        // The assertion's own SQL, from the statement's first line: DuckDB's lines are the file's.
        fromFile: true,
        query: await shadows.reading(db, assertion.file, assertion.sql),
      })),
    )),
  ];
  const failures: TestOutcome[] = [];
  const results: TestResult[] = [];
  const started = performance.now();
  for (const check of checks) {
    let outcome: TestOutcome;
    try {
      const counted = await sql.raw<{ n: number }>(`select count(*) as n from (${check.query})`).execute(db);
      const failingRows = counted.rows[0]?.n ?? 0;
      const sample =
        failingRows > 0 ? (await sql.raw<Record<string, unknown>>(`select * from (${check.query}) limit 5`).execute(db)).rows : [];
      outcome = { model: check.model, file: check.file, test: check.test, failingRows, sample };
    } catch (error) {
      const { problem, statementLine } = pointedMessage((error as Error).message);
      throw new ModelError(check.file, `test '${check.test}' cannot run: ${problem}`, check.fromFile ? statementLine : undefined);
    }
    if (outcome.failingRows > 0) failures.push(outcome);
    results.push({
      model: check.model,
      test: check.test,
      status: outcome.failingRows > 0 ? 'fail' : 'pass',
      failing_rows: outcome.failingRows,
      message: outcome.failingRows > 0 ? describeFailure(outcome) : null,
      sample_rows: outcome.failingRows > 0 ? toJson(outcome.sample) : null,
      finished_at: new Date(),
    });
  }
  log(
    `${checks.length - failures.length} of ${checks.length} data tests passed (${((performance.now() - started) / 1000).toFixed(1)}s${scoped > 0 ? `; ${scoped} on the rows this build changed only` : ''})`,
  );
  return { results, failures };
}

// Whether the test can read only the rows this build changed: it judges each row by itself (or,
// for uniqueness, each key's rows together, or a model kept whole), and reads nothing else that
// could have changed without rebuilding the model in full (a seed could not).
function holdsRowByRow(model: Model, test: ModelTest, kept: boolean): boolean {
  switch (test.name) {
    case 'unique':
      return kept || (model.incrementalKey !== undefined && test.args.includes(model.incrementalKey));
    case 'relationships':
      return test.args[1]?.startsWith('seeds.') ?? false;
    default:
      return true;
  }
}

/** Every DOUBLE column of a mart must hold a number or NULL, never NaN or ±infinity. */
async function finiteTests(db: Kysely<Database>, model: Model, relation: string): Promise<ModelTest[]> {
  if (model.schema !== 'marts') return [];
  const columns = ((await relationColumns(db, relation)) ?? [])
    .filter((column) => ['DOUBLE', 'FLOAT'].includes(column.type))
    .map((column) => column.name);
  if (columns.length === 0) return [];
  return [{ text: `finite(${columns.join(', ')})`, name: 'finite', args: columns }];
}

function describeFailure(failure: TestOutcome): string {
  const sample = failure.sample.map((row) => `    ${toJson(row)}`).join('\n');
  return `  ${failure.file}: ${failure.test}: ${failure.failingRows} failing row${failure.failingRows === 1 ? '' : 's'}, e.g.\n${sample}`;
}

function toJson(value: unknown): string {
  return JSON.stringify(value, (_key, item) => (typeof item === 'bigint' ? item.toString() : item));
}
