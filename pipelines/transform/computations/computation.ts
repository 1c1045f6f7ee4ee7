import type { z } from 'zod';
import type { JsValue } from '../../warehouse/to-js-value.js';

/** The column types a computation's table may have. */
export type ColumnType = 'varchar' | 'boolean' | 'integer' | 'bigint' | 'double';

export type Row = Record<string, JsValue>;

export interface ComputationResult {
  rows: Row[];
  /** What a reader of the run log should know (e.g. a fit that did not converge); NULL if nothing. */
  note: string | null;
}

/** A computation as the build runs it (see defineComputation). */
export interface Computation {
  description: string;
  /** Columns the model's SQL must give. */
  input: readonly string[];
  /** The table's columns, in order, with their types. */
  output: Readonly<Record<string, ColumnType>>;
  /** The parameters (seeds/parameters.csv) it reads. */
  parameterNames: readonly string[];
  /** Whether it reads the table as the previous build left it (`previous`). */
  readsPrevious: boolean;
  run(input: { rows: Row[]; parameters: Record<string, unknown>; previous: Row[] | undefined }): ComputationResult;
}

/**
 * A TypeScript computation behind a model with `-- compute: <name>`: the model's SQL gives the
 * input rows, the computation turns them into the model's table. It reads the parameters its
 * schema names (checked before it runs) and, with readsPrevious, the table as the previous build
 * left it (undefined when there is none).
 */
export function defineComputation<Shape extends z.ZodRawShape>(definition: {
  description: string;
  input: readonly string[];
  output: Readonly<Record<string, ColumnType>>;
  parameters: z.ZodObject<Shape>;
  readsPrevious?: boolean;
  compute(input: { rows: Row[]; parameters: z.infer<z.ZodObject<Shape>>; previous: Row[] | undefined }): ComputationResult;
}): Computation {
  return {
    description: definition.description,
    input: definition.input,
    output: definition.output,
    parameterNames: Object.keys(definition.parameters.shape),
    readsPrevious: definition.readsPrevious ?? false,
    run: ({ rows, parameters, previous }) => {
      const parsed = definition.parameters.safeParse(parameters);
      if (!parsed.success)
        throw new Error(`parameters: ${parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ')}`);
      return definition.compute({ rows, parameters: parsed.data, previous });
    },
  };
}
