-- Records of a mapped file that no table of its mapping takes (a `rows` condition leaves them out),
-- counted on the file's first table like its unreadable lines, so that on every row
-- rows_read = rows_loaded + rows_quarantined + rows_skipped.
alter table ops.loaded_files add column rows_skipped bigint default 0;
alter table ops.loaded_files add column skip_reason varchar; -- NULL when none skipped
