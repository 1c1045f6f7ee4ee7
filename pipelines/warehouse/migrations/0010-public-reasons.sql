-- The reason as published (marts.data_quarantine): the column and the kind of problem, never a
-- value, which may be personal data (a phone number in a wrong column). Rows quarantined before
-- it get their reason with the quoted values cut out.
alter table ops.quarantine add column public_reason varchar;
update ops.quarantine set public_reason = regexp_replace(reason, '(?s)([a-z_]+): ''.*?'' is not a ', '\1 is not a ', 'g');
