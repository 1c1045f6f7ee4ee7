select * from marts.member_demographics
