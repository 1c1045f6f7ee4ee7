select * from marts.member_levels
