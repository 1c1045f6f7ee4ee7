-- The guards of each export and the automation rules. rows counts both files; guards (json) how
-- many members each guard removed and how many went to the control file, whose path is
-- control_path (the channel file at path holds the treatment arm only). A rule's export (rule set,
-- run_id the run that ran it) that failed has status 'failed', its message, and no file.
alter table ops.exports add column status varchar default 'exported'; -- exported | failed
alter table ops.exports add column message varchar;
alter table ops.exports add column rule varchar; -- seeds/audience_rules.csv; NULL: by hand
alter table ops.exports add column run_id bigint;
alter table ops.exports add column channel varchar;
alter table ops.exports add column sent_at timestamp;
alter table ops.exports add column matched bigint; -- members matching the filters, before the guards
alter table ops.exports add column guards varchar; -- json
alter table ops.exports add column control_path varchar;
