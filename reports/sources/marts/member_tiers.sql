select * from marts.member_tiers
