-- A table model's rows as one digest (its columns, row count and the sum of its rows' hashes): a
-- model rebuilt into the same rows leaves its readers as they were, as an unchanged one does.
alter table ops.model_state add column content varchar;
-- An incremental model cut at the as-of date: the date it was last built as of (as_of_cut).
alter table ops.model_state add column as_of date;
