import type { Macros } from '../run/read-macros.js';

/** How a model was built: in full, only its changed keys, or kept as it was. */
export type BuildMode = 'full' | 'incremental' | 'unchanged';

/** What the models of one build share. */
export interface BuildContext {
  runId: number;
  /** The pipelines' code: a new version rebuilds every model once. */
  code: string;
  seedsDir: string;
  /** The session macros: a model depends on the text, variables and seeds of those it calls, transitively. */
  macros: Macros;
  /** Rebuild every model, incremental ones in full (`build --full-refresh`). */
  fullRefresh: boolean;
  /** Every model of the project. */
  models: Set<string>;
  /** Every incremental model of the project. */
  incrementalModels: Set<string>;
  /** Newest file id in ops.loaded_files: the watermark recorded with every incremental model. */
  newestFileId: number;
  /** Incremental models rebuilt in full in this build: their incremental dependents must be too. */
  rebuiltInFull: Set<string>;
  /** Incremental models updated in this build → temp table of their rows before and after. */
  deltas: Map<string, string>;
  /** Each model built so far → its state (`fingerprint:watermark`): readers compare it with the last build's. */
  states: Map<string, string>;
}
