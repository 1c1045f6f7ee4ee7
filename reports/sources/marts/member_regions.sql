select * from marts.member_regions
