-- Who the members are: members, buyers and net revenue by gender and by age band
-- (seeds/genders.csv, seeds/age_bands.csv: age = as-of year − birth year, bounds inclusive;
-- members without either show as unknown), each with its share of all members, buyers and
-- revenue, AOV (笔单价, revenue per purchase) and second-purchase rate (二次购买率: among buyers
-- whose first occasion is at least maturity_days before the as-of date, judged_buyers, the share
-- with a second within maturity_days of it; NULL when fewer than min_rate_members are judged).
-- The band_label is 中文 English (a gender's English is its code).
-- grain: dimension, band
-- tests: accepted_values(dimension, 'gender', 'age_band'); not_null(band_zh, band_label, members, buyers); accepted_range(second_purchase_rate, 0, 1)
with

members as (select * from staging.stg_members),

member_facts as (select * from marts.member_facts),

first_purchases as (select * from intermediate.int_member_first_purchases),

as_of as (select * from intermediate.int_as_of_date_resolved),

genders as (select * from seeds.genders),

age_bands as (select * from seeds.age_bands),

-- Members first counted by their raw gender text and birth year (a few hundred groups), then
-- banded: the seeds are joined to those groups, not to every member.
profiles as (
  select
    trim(members.gender) as gender_text,
    members.birth_year,
    count(*) as members,
    count(*) filter (where member_facts.occasions > 0) as buyers,
    sum(member_facts.revenue) as revenue,
    sum(member_facts.purchases) as purchases,
    count(*) filter (where old_enough_to_judge(first_purchases.first_date, as_of.as_of_date)) as judged_buyers,
    count(*) filter (
      where old_enough_to_judge(first_purchases.first_date, as_of.as_of_date)
        and next_purchase_in_time(first_purchases.second_date - first_purchases.first_date)
    ) as second_purchasers
  from member_facts
  cross join as_of
  left join members on members.member_id = member_facts.member_id
  left join first_purchases on first_purchases.member_id = member_facts.member_id
  group by trim(members.gender), members.birth_year
),

banded as (
  select
    'gender' as dimension,
    coalesce(genders.gender, 'unknown') as band,
    coalesce(genders.gender_zh, '未知') as band_zh,
    coalesce(genders.gender, 'unknown') as band_en,
    coalesce(genders.band_order, 99) as band_order,
    profiles.*
  from profiles
  left join genders on genders.gender_text = profiles.gender_text
  union all
  select
    'age_band' as dimension,
    coalesce(age_bands.band, 'unknown') as band,
    coalesce(age_bands.band_zh, '未知') as band_zh,
    coalesce(age_bands.band_en, 'unknown') as band_en,
    coalesce(age_bands.band_order, 99) as band_order,
    profiles.*
  from profiles
  cross join as_of
  left join age_bands
    on extract(year from as_of.as_of_date) - profiles.birth_year between coalesce(age_bands.min_age, 0) and coalesce(age_bands.max_age, 200)
),

by_band as (
  select
    dimension,
    band,
    band_zh,
    band_en,
    band_order,
    sum(members)::bigint as members,
    sum(buyers)::bigint as buyers,
    sum(revenue) as revenue,
    sum(purchases) as purchases,
    sum(judged_buyers)::bigint as judged_buyers,
    sum(second_purchasers)::bigint as second_purchasers
  from banded
  group by dimension, band, band_zh, band_en, band_order
),

final as (
  select
    dimension,
    band,
    band_zh,
    band_zh || ' ' || band_en as band_label,
    band_order,
    members,
    members::float8 / sum(members) over (partition by dimension) as member_share,
    buyers,
    buyers::float8 / nullif(sum(buyers) over (partition by dimension), 0) as buyer_share,
    revenue::decimal(18, 2) as revenue,
    revenue::float8 / nullif(sum(revenue) over (partition by dimension), 0) as revenue_share,
    money_ratio(revenue, 1, purchases) as aov,
    judged_buyers,
    second_purchasers,
    rate_over(second_purchasers, judged_buyers) as second_purchase_rate
  from by_band
)

select * from final
