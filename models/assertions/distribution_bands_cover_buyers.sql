-- Every buyer falls in exactly one band of each dimension: band counts add up to the buyers.
with

bands as (select * from marts.distribution_bands),

buyers as (select count(*) as buyers from marts.member_facts where occasions > 0),

totals as (
  select dimension, sum(members) as members
  from bands
  group by dimension
)

select totals.dimension, totals.members, buyers.buyers
from totals
cross join buyers
where totals.members <> buyers.buyers
