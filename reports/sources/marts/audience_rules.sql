select * from marts.audience_rules
