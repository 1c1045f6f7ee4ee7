/**
 * A model's state as its readers compare it, from its row of ops.model_state: a table's rows (its
 * content digest), else what it was computed with and the newest file it has seen.
 */
export const modelStateSql = `coalesce('rows ' || content, fingerprint || ':' || watermark || coalesce(':' || as_of, ''))`;
