-- Columns added with a default are filled on every row: say so, as their types in database.ts do.
alter table ops.loaded_files alter column rows_skipped set not null;
alter table ops.exports alter column status set not null;
