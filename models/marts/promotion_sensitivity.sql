-- Repeat buyers (two or more purchase occasions) by promotion sensitivity (促销敏感度: the share of
-- their purchases made with a coupon, in the bands of seeds/promotion_bands.csv), and the
-- coupon-only buyers (低质量客户, the seed's coupon_only row, counted under high too): buyers, their
-- share, net revenue and its share, and AOV (笔单价: revenue per purchase); segment_label =
-- 中文 English. Judged on repeat
-- buyers only, since a one-time buyer's share is 0 or 1 and a share between the cut points needs
-- several purchases: over all buyers the bands would differ by purchase count by construction
-- (every medium buyer a repeat buyer). Whether a coupon brings buyers back is first_purchase_coupon.
-- grain: segment
-- tests: not_null(segment_zh, segment_label, buyers, revenue); accepted_range(buyer_share, 0, 1); accepted_range(revenue_share, 0, 1)
with

coupon_use as (select * from intermediate.int_member_coupon_use),

member_facts as (select * from marts.member_facts),

bands as (select * from seeds.promotion_bands),

repeat_buyers as (
  select coupon_use.*, member_facts.revenue
  from coupon_use
  inner join member_facts on member_facts.member_id = coupon_use.member_id
  where member_facts.occasions >= 2
),

segments as (
  select bands.band as segment, bands.band_zh as segment_zh, bands.band_zh || ' ' || bands.band_en as segment_label, bands.band_order as segment_order, repeat_buyers.member_id, repeat_buyers.purchases, repeat_buyers.revenue
  from bands
  left join repeat_buyers
    on repeat_buyers.promotion_band = bands.band
    or (bands.band = 'coupon_only' and repeat_buyers.coupon_only)
),

by_segment as (
  select
    segment,
    segment_zh,
    segment_label,
    segment_order,
    count(member_id) as buyers,
    coalesce(sum(revenue), 0) as revenue,
    sum(purchases) as purchases
  from segments
  group by segment, segment_zh, segment_label, segment_order
),

final as (
  select
    segment,
    segment_zh,
    segment_label,
    segment_order,
    buyers,
    buyers::float8 / nullif((select count(*) from repeat_buyers), 0) as buyer_share,
    revenue::decimal(18, 2) as revenue,
    revenue::float8 / nullif((select sum(revenue) from repeat_buyers), 0) as revenue_share,
    money_ratio(revenue, 1, purchases) as aov
  from by_segment
)

select * from final
