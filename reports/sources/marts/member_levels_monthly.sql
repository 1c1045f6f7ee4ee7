select * from marts.member_levels_monthly
