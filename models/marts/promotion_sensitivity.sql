-- Buyers by promotion sensitivity (促销敏感度: the share of their purchases made with a coupon,
-- in the bands of seeds/promotion_bands.csv), and the coupon-only buyers (低质量客户, the seed's
-- coupon_only row, counted under high too): buyers, their share, net revenue and its share, and their repurchase rate (the
-- share with two or more purchase occasions).
-- grain: segment
-- tests: not_null(segment_zh, buyers); accepted_range(repurchase_rate, 0, 1)
with

coupon_use as (select * from intermediate.int_member_coupon_use),

member_facts as (select * from marts.member_facts),

bands as (select * from seeds.promotion_bands),

buyers as (
  select coupon_use.*, member_facts.occasions, member_facts.revenue
  from coupon_use
  inner join member_facts on member_facts.member_id = coupon_use.member_id
),

segments as (
  select bands.band as segment, bands.band_zh as segment_zh, bands.band_order as segment_order, buyers.member_id, buyers.occasions, buyers.revenue
  from bands
  left join buyers
    on buyers.promotion_band = bands.band
    or (bands.band = 'coupon_only' and buyers.coupon_only)
),

by_segment as (
  select
    segment,
    segment_zh,
    segment_order,
    count(member_id) as buyers,
    coalesce(sum(revenue), 0) as revenue,
    count(*) filter (where occasions >= 2) as repeat_buyers
  from segments
  group by segment, segment_zh, segment_order
),

final as (
  select
    segment,
    segment_zh,
    segment_order,
    buyers,
    buyers / nullif((select count(*) from buyers), 0) as buyer_share,
    revenue::decimal(18, 2) as revenue,
    (revenue / nullif((select sum(revenue) from buyers), 0))::double as revenue_share,
    repeat_buyers / nullif(buyers, 0) as repurchase_rate
  from by_segment
)

select * from final
