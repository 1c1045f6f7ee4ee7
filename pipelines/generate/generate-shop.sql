-- A Tmall/Taobao-like women's apparel shop with known behaviour. Set by generate-shop.ts:
-- variables seed, members, days, end_date, ladder (list of step probabilities), max_occasions,
-- and the tables gen_categories, gen_products, gen_preferences, gen_campaign_plan, gen_region_tiers.
-- Randomness is hash-based (u(...) in [0, 1)), so the output does not depend on threads or order.

-- One string per draw: DuckDB's multi-argument hash(seed, a, b, c) mixes poorly (draws for
-- consecutive c correlate at about 0.6), the hash of the joined text does not.
create or replace macro u(a, b, c) as hash(concat_ws('|', getvariable('seed'), a, b, c)) / 18446744073709551616.0;
-- Standard normal by Box-Muller from two uniforms.
create or replace macro z(a, b) as sqrt(-2 * ln(greatest(u(a, b, 'z1'), 1e-12))) * cos(2 * pi() * u(a, b, 'z2'));

create or replace table gen_hours as
select hour, weight, sum(weight) over (order by hour) / sum(weight) over () as cum_to,
       (sum(weight) over (order by hour) - weight) / sum(weight) over () as cum_from
from (values (0, 3), (1, 1.5), (2, 0.7), (3, 0.4), (4, 0.3), (5, 0.3), (6, 0.6), (7, 1.2), (8, 2), (9, 3),
             (10, 4), (11, 4.2), (12, 4), (13, 4.3), (14, 4.5), (15, 4.4), (16, 4.2), (17, 4), (18, 4),
             (19, 5), (20, 6.5), (21, 7.5), (22, 7), (23, 5)) as hours(hour, weight);

create or replace table gen_cities as
select province, city, weight, sum(weight) over (order by city_tier, province, city) / sum(weight) over () as cum_to,
       (sum(weight) over (order by city_tier, province, city) - weight) / sum(weight) over () as cum_from
from (select *, [5, 3, 2, 1, 0.5, 0.3][city_tier] as weight from gen_region_tiers);

create or replace table gen_category_mix as
select *, sum(share) over (order by category) as cum_to, sum(share) over (order by category) - share as cum_from
from gen_categories;

-- Members: about one in seven joins and never buys (潜客).
create or replace table gen_members as
select
  i as member_no,
  'tb_' || lpad(i::varchar, 8, '0') as member_id,
  getvariable('end_date')::date - getvariable('days') + 1 + floor(u(i, 'join', 0) * getvariable('days'))::integer as join_date,
  u(i, 'buyer', 0) >= 0.14 as is_buyer,
  (select category from gen_category_mix where u(i, 'category', 0) >= cum_from and u(i, 'category', 0) < cum_to) as favourite_category,
  (select province from gen_cities where u(i, 'city', 0) >= cum_from and u(i, 'city', 0) < cum_to) as province,
  (select city from gen_cities where u(i, 'city', 0) >= cum_from and u(i, 'city', 0) < cum_to) as city,
  case when u(i, 'gender', 0) < 0.82 then 'F' else 'M' end as gender,
  1965 + floor(u(i, 'birth', 0) * 41)::integer as birth_year,
  ['tmall', 'taobao', 'douyin', 'offline'][1 + floor(u(i, 'source', 0) * 4)::integer] as source,
  '1' || ['3', '5', '8', '9'][1 + floor(u(i, 'phone', 0) * 4)::integer] || lpad(floor(u(i, 'phone', 1) * 1e9)::bigint::varchar, 9, '0') as phone
from range(1, getvariable('members') + 1) as members(i);

-- Occasion count: after occasion n a member goes on to n+1 with probability ladder[n] (the last
-- value holds for all further steps), within maturity: the interval is capped below 365 days.
create or replace table gen_occasion_counts as
select member_no, coalesce(min(step) filter (where u(member_no, 'continue', step) >= getvariable('ladder')[least(step, len(getvariable('ladder')))]), getvariable('max_occasions')) as occasions
from gen_members
cross join range(1, getvariable('max_occasions')) as steps(step)
where is_buyer
group by member_no;

-- Intervals: log-normal around the favourite category's cycle, 12..340 days. The floor keeps
-- occasions on distinct days after the seasonal shifts below (each moves a date forward by at
-- most 10 days); the cap keeps every interval within maturity_days (365) after them.
create or replace table gen_schedule as
with gaps as (
  select
    members.member_no,
    occasion_number,
    case when occasion_number = 1 then floor(u(members.member_no, 'first', 0) * 30)::integer
         else least(340, greatest(12, round(exp(ln(categories.cycle_median_days) + categories.cycle_sigma * z(members.member_no, occasion_number)))))::integer
    end as gap_days
  from gen_members as members
  inner join gen_occasion_counts as counts on counts.member_no = members.member_no
  inner join gen_categories as categories on categories.category = members.favourite_category
  cross join lateral (select unnest(range(1, counts.occasions + 1)) as occasion_number)
),
base as (
  select member_no, occasion_number,
         (select join_date from gen_members where gen_members.member_no = gaps.member_no)
           + (sum(gap_days) over (partition by member_no order by occasion_number))::integer as base_date
  from gaps
),
-- Seasonality: Double 11 and 618 pull purchases of the ten days before them onto the day;
-- the Spring Festival week pushes purchases a week or more later.
shifted as (
  select member_no, occasion_number, base_date,
    case
      when month(base_date) = 11 and day(base_date) between 1 and 10 and u(member_no, 'd11', occasion_number) < 0.6
        then make_date(year(base_date), 11, 11)
      when month(base_date) = 6 and day(base_date) between 8 and 17 and u(member_no, '618', occasion_number) < 0.5
        then make_date(year(base_date), 6, 18)
      when exists (select 1 from (values (date '2024-02-10'), (date '2025-01-29'), (date '2026-02-17'), (date '2027-02-06')) as festivals(new_year)
                   where base_date between new_year - 3 and new_year + 3) and u(member_no, 'festival', occasion_number) < 0.7
        then base_date + 7 + floor(u(member_no, 'festival_delay', occasion_number) * 4)::integer
      else base_date
    end as purchase_date
  from base
)
select * from shifted;

-- Campaigns: each member belongs to at most one campaign's pool (by hash), and is targeted if
-- the campaign's rule holds at sending time. Treatment members who received the message buy,
-- with probability pull_forward, their next purchase within the window instead of later.
create or replace table gen_targets as
with pools as (
  select plan.*, members.member_no
  from gen_campaign_plan as plan
  inner join gen_members as members on floor(u(members.member_no, 'pool', 0) * 10)::integer = plan.pool
),
state_at_send as (
  select pools.campaign_id, pools.member_no, pools.target_rule, pools.sent_date,
         max(schedule.purchase_date) filter (where schedule.purchase_date < pools.sent_date) as last_purchase_date,
         count(schedule.purchase_date) filter (where schedule.purchase_date < pools.sent_date) as purchases_before
  from pools
  left join gen_schedule as schedule on schedule.member_no = pools.member_no
  group by all
)
select state_at_send.*, plan.control_fraction, plan.pull_forward, plan.attribution_days,
       case when u(state_at_send.member_no, state_at_send.campaign_id, 'arm') < plan.control_fraction then 'control' else 'treatment' end as arm,
       u(state_at_send.member_no, state_at_send.campaign_id, 'delivered') < 0.97 as delivered
from state_at_send
inner join gen_campaign_plan as plan on plan.campaign_id = state_at_send.campaign_id
where case state_at_send.target_rule
  when 'lapsing_60_180' then state_at_send.sent_date - last_purchase_date between 60 and 180
  when 'sleeping_180_365' then state_at_send.sent_date - last_purchase_date between 181 and 365
  when 'recent_buyers_30' then state_at_send.sent_date - last_purchase_date between 1 and 30
  when 'prospects' then purchases_before = 0 and (select join_date from gen_members where gen_members.member_no = state_at_send.member_no) < state_at_send.sent_date
end;

-- A responder's next purchase moves into the window (days 1..W-1 after sending, so it falls
-- inside the window measured from the contact time), and the rest of its schedule moves with it.
create or replace table gen_pulls as
select targets.campaign_id, targets.member_no, min(schedule.occasion_number) as occasion_number,
       (min(schedule.purchase_date) - (any_value(targets.sent_date) + 1 + floor(u(targets.member_no, targets.campaign_id, 'pull_day') * (any_value(targets.attribution_days) - 1))::integer))::integer as pulled_days
from gen_targets as targets
inner join gen_schedule as schedule on schedule.member_no = targets.member_no and schedule.purchase_date >= targets.sent_date
where targets.arm = 'treatment' and targets.delivered and u(targets.member_no, targets.campaign_id, 'respond') < targets.pull_forward
group by targets.campaign_id, targets.member_no
having min(schedule.purchase_date) > any_value(targets.sent_date) + any_value(targets.attribution_days);

-- The purchase occasions that happened by the end date.
create or replace table gen_occasions as
with moved as (
  select schedule.member_no, schedule.occasion_number,
         schedule.purchase_date - case when schedule.occasion_number >= pulls.occasion_number then pulls.pulled_days else 0 end as purchase_date
  from gen_schedule as schedule
  left join gen_pulls as pulls on pulls.member_no = schedule.member_no
)
select * from moved where purchase_date <= getvariable('end_date')::date;

-- Orders: one purchase per occasion, a second same-day order for 5%, plus orders that are no
-- purchase (unpaid, closed, refunded). Recent purchases are still paid or shipped.
create or replace table gen_orders as
with purchase_orders as (
  select member_no, occasion_number, purchase_date, 0 as extra, 'purchase' as kind from gen_occasions
  union all
  select member_no, occasion_number, purchase_date, 1, 'purchase' from gen_occasions where u(member_no, 'same_day', occasion_number) < 0.05
  union all
  select member_no, occasion_number, purchase_date, 2, 'unpaid' from gen_occasions where u(member_no, 'unpaid', occasion_number) < 0.04
  union all
  select member_no, occasion_number, purchase_date, 3, 'closed' from gen_occasions where u(member_no, 'closed', occasion_number) < 0.03
  union all
  select member_no, occasion_number, purchase_date, 4, 'refunded' from gen_occasions where u(member_no, 'refunded', occasion_number) < 0.02
  union all
  -- Prospects who put something in the cart and never paid.
  select member_no, 0, join_date + floor(u(member_no, 'prospect_cart', 0) * 20)::integer, 2, 'unpaid'
  from gen_members where not is_buyer and u(member_no, 'prospect_cart', 1) < 0.2 and join_date + 20 <= getvariable('end_date')::date
),
timed as (
  select *,
    (select hour from gen_hours where u(member_no, 'hour', occasion_number * 10 + extra) >= cum_from and u(member_no, 'hour', occasion_number * 10 + extra) < cum_to) as hour,
    floor(u(member_no, 'minute', occasion_number * 10 + extra) * 3600)::integer as second_of_hour
  from purchase_orders
)
select
  member_no, occasion_number, extra, kind,
  purchase_date + to_hours(hour) + to_seconds(second_of_hour) as created_at,
  case
    when kind = 'unpaid' then 'created'
    when kind = 'closed' then 'closed'
    when kind = 'refunded' then 'refunded'
    when getvariable('end_date')::date - purchase_date < 3 then 'paid'
    when getvariable('end_date')::date - purchase_date < 10 then 'shipped'
    else 'completed'
  end as status,
  u(member_no, 'coupon', occasion_number * 10 + extra) < 0.15 as used_coupon,
  u(member_no, 'partial_refund', occasion_number * 10 + extra) < 0.04 and kind = 'purchase' as partial_refund
from timed;

create or replace table gen_order_lines as
with numbered as (
  select row_number() over (order by created_at, member_no, occasion_number, extra) as order_no, *
  from gen_orders
),
lines as (
  select numbered.*, line_number,
    case when line_number = 1 or u(member_no, 'line_category', order_no * 4 + line_number) < 0.6
      then (select favourite_category from gen_members where gen_members.member_no = numbered.member_no)
      else (select category from gen_category_mix where u(member_no, 'line_mix', order_no * 4 + line_number) >= cum_from and u(member_no, 'line_mix', order_no * 4 + line_number) < cum_to)
    end as category
  from numbered
  cross join lateral (select unnest(range(1, 1 + (1 + floor(u(member_no, 'lines', order_no) * 2.2))::integer)) as line_number)
)
select lines.*, products.product_id, products.product_name, products.unit_price,
       1 + (u(member_no, 'quantity', order_no * 4 + line_number) < 0.15)::integer as quantity
from lines
inner join gen_products as products
  on products.category = lines.category
 and products.slot = floor(u(lines.member_no, 'product', lines.order_no * 4 + lines.line_number) * 6)::integer;

-- Orders as the shop exports them, with what later exports change. Of the same-day second
-- orders, 40% are completed and then refunded in full after the sale, in a later file of refunds:
-- no purchase, and no occasion lost (the day's first order stands). Orders with a partial refund
-- are delivered again, restated after confirmation, in a file without the refund column: the
-- refund must stand. 2% of the orders placed between 00:00 and 08:00 shop time are written as
-- UTC instants ('…Z'), which fall on the day before.
create or replace table gen_order_export as
with totals as (
  select order_no, any_value(member_no) as member_no, any_value(occasion_number) as occasion_number, any_value(created_at) as created_at,
         any_value(status) as status, any_value(kind) as kind, any_value(extra) as extra, any_value(used_coupon) as used_coupon,
         any_value(partial_refund) as partial_refund, sum(unit_price * quantity) as gross_amount, sum(quantity) as item_count
  from gen_order_lines group by order_no
),
-- Coupons: 60% of the purchases a coupon campaign pulled forward redeem its own code; of the other
-- orders with a coupon, 10% carry some coupon campaign's code (used outside its window or by
-- someone it never reached) and the rest a platform coupon (CPN5, CPN15, CPN30 by order size).
campaign_codes as (
  select coupon_code, coupon_value, row_number() over (order by campaign_id) as code_number, count(*) over () as codes
  from gen_campaign_plan
  where coupon_code is not null
),
coded as (
  select
    totals.*,
    case
      when pulled.coupon_code is not null and totals.kind = 'purchase' and totals.extra = 0 and u(totals.order_no, 'redeem', 0) < 0.6
        then pulled.coupon_code
      when totals.used_coupon and u(totals.order_no, 'other_code', 0) < 0.1
        then (select coupon_code from campaign_codes where code_number = 1 + floor(u(totals.order_no, 'which_code', 0) * codes)::integer)
      when totals.used_coupon
        then 'CPN' || case when gross_amount >= 300 then 30 when gross_amount >= 150 then 15 else 5 end
    end as coupon_code
  from totals
  left join (
    select pulls.member_no, pulls.occasion_number, plan.coupon_code
    from gen_pulls as pulls
    inner join gen_campaign_plan as plan on plan.campaign_id = pulls.campaign_id
    where plan.coupon_code is not null
  ) as pulled on pulled.member_no = totals.member_no and pulled.occasion_number = totals.occasion_number
),
priced as (
  select
    coded.*,
    coalesce(campaign_codes.coupon_value, try_cast(regexp_extract(coded.coupon_code, '^CPN(\d+)$', 1) as integer), 0) as coupon_amount,
    case when status = 'created' then null else created_at + to_seconds(5 + floor(u(order_no, 'pay', 0) * 300)::integer) end as paid_at,
    created_at + to_days(7 + floor(u(order_no, 'late_refund_day', 0) * 30)::integer) as late_refund_at,
    created_at + to_days(15) as restated_at
  from coded
  left join campaign_codes on campaign_codes.coupon_code = coded.coupon_code
)
select
  priced.*,
  (gross_amount - coupon_amount)::decimal(18, 2) as paid_amount,
  case when status = 'refunded' then gross_amount - coupon_amount
       when partial_refund then round((gross_amount - coupon_amount) * 0.3, 2)
       else 0 end::decimal(18, 2) as refund_amount,
  kind = 'purchase' and extra = 1 and status = 'completed' and not partial_refund and u(order_no, 'late_refund', 0) < 0.4
    and late_refund_at::date <= getvariable('end_date')::date as refunded_later,
  partial_refund and status = 'completed' and restated_at::date <= getvariable('end_date')::date as restated,
  hour(created_at) < 8 and u(order_no, 'utc', 0) < 0.02 as written_in_utc
from priced;

-- Planted preferences (gen_preferences): a share of the buyers prefers one attribute value, and
-- most of their lines are the variant of the product with that value (same category and price,
-- so that orders stay as they are; a product that has the value is its own variant).
create or replace table gen_member_preferences as
select members.member_no, preferences.preference_no, preferences.line_share
from gen_members as members
inner join gen_preferences as preferences
  on u(members.member_no, 'preference', 0) >= preferences.share_from and u(members.member_no, 'preference', 0) < preferences.share_to
where members.is_buyer;

create or replace table gen_product_variants as
with variants as (
  select
    products.*,
    preferences.preference_no,
    preferences.attribute,
    preferences.value,
    preferences.variant_code,
    case preferences.attribute
      when 'style' then products.style
      when 'colour' then products.colour
      when 'material' then products.material
      else products.season
    end = preferences.value as has_value
  from gen_products as products
  cross join gen_preferences as preferences
)
select
  product_id as base_product_id,
  preference_no,
  case when has_value then product_id else product_id || '-' || variant_code end as product_id,
  case when has_value then product_name else product_name || ' ' || value end as product_name,
  category,
  case when attribute = 'style' then value else style end as style,
  case when attribute = 'colour' then value else colour end as colour,
  case when attribute = 'material' then value else material end as material,
  case when attribute = 'season' then value else season end as season
from variants;

-- The service journey (gen_service_plan: per experience, the probability of each arm for an order
-- whose member came back within maturity_days after it, p_back, and for one whose member did not,
-- p_gone; after the occasion for shipping, after the order itself for reviews and refunds). So the association with coming back is planted, and known: a late
-- shipment, a bad review, a quality refund go more often with members who do not come back. The
-- draws are purposes of their own ('svc_…'), so every other file stays as it was.
create or replace macro by_end(t) as least(t, getvariable('end_date')::date + interval 1 day - interval 1 second);

-- Each arm's range of draws; the last ends at 1 whatever the sums round to, so every draw has an arm.
create or replace table gen_service_arms as
select *,
  sum(p_back) over arms - p_back as back_from, if(is_last, 1, sum(p_back) over arms) as back_to,
  sum(p_gone) over arms - p_gone as gone_from, if(is_last, 1, sum(p_gone) over arms) as gone_to
from (select *, arm_order = max(arm_order) over (partition by experience) as is_last from gen_service_plan)
window arms as (partition by experience order by arm_order);

create or replace macro service_arm(which, came_back, draw) as (
  select arm from gen_service_arms
  where experience = which
    and draw >= case when came_back then back_from else gone_from end
    and draw < case when came_back then back_to else gone_to end
);

-- Each occasion: whether the member's next came within maturity_days, and whether it is old
-- enough to judge at the end date (the as-of date of the generated shop).
create or replace table gen_occasion_outcomes as
select
  member_no,
  occasion_number,
  purchase_date,
  coalesce(lead(purchase_date) over (partition by member_no order by occasion_number) - purchase_date <= getvariable('maturity_days'), false)
    as came_back,
  purchase_date <= getvariable('end_date')::date - getvariable('maturity_days') as judged
from gen_occasions;

-- Each paid order: whether a purchase occasion of its member began after it was paid, within
-- maturity_days of its day, and whether it is old enough to judge. A same-day purchase after an
-- order that is none (refunded in full) counts, as in marts.service_experience_repurchase.
create or replace table gen_order_outcomes as
with occasion_starts as (
  select member_no, occasion_number, min(paid_at) as started_at
  from gen_order_export
  where status in ('paid', 'shipped', 'completed') and not refunded_later and paid_amount > refund_amount
  group by member_no, occasion_number
)
select
  orders.order_no,
  coalesce(min(starts.started_at)::date - orders.paid_at::date <= getvariable('maturity_days'), false) as came_back,
  orders.paid_at::date <= getvariable('end_date')::date - getvariable('maturity_days') as judged
from gen_order_export as orders
left join occasion_starts as starts on starts.member_no = orders.member_no and starts.started_at > orders.paid_at
where orders.paid_at is not null
group by orders.order_no, orders.paid_at;

-- Shipping is drawn per occasion, so that the orders of a first purchase share it.
create or replace table gen_shipments as
with shipped as (
  select
    orders.order_no, orders.member_no, orders.occasion_number, orders.status, orders.paid_at,
    service_arm('first_order_shipping', outcomes.came_back, u(orders.member_no, 'svc_ship', orders.occasion_number)) = 'later' as is_late,
    u(orders.order_no, 'svc_exception', 0) < 0.03 as is_exception,
    1 + floor(u(orders.order_no, 'svc_carrier', 0) * 6)::integer as carrier_no
  from gen_order_export as orders
  inner join gen_occasion_outcomes as outcomes using (member_no, occasion_number)
  where orders.status in ('shipped', 'completed')
),
timed as (
  select *,
    by_end(paid_at + to_seconds(case when is_late then 90000 + floor(u(order_no, 'svc_ship_hours', 0) * 255600)
                                     else 1800 + floor(u(order_no, 'svc_ship_hours', 0) * 82800) end::integer)) as shipped_at
  from shipped
)
select *,
  case when status = 'completed'
    then by_end(shipped_at + to_seconds((86400 * (1 + 3 * is_exception::integer) + floor(u(order_no, 'svc_sign', 0) * 259200))::integer))
  end as signed_at
from timed;

-- About half the completed orders are reviewed; the rating is drawn by the order's outcome.
create or replace table gen_reviews as
select
  shipments.order_no,
  shipments.member_no,
  shipments.occasion_number,
  service_arm('review_rating', outcomes.came_back, u(shipments.order_no, 'svc_rating', 0)) as rating,
  u(shipments.order_no, 'svc_photo', 0) < 0.3 as has_photo,
  by_end(shipments.signed_at + to_seconds(3600 + floor(u(shipments.order_no, 'svc_rated', 0) * 255600)::integer)) as rated_at
from gen_shipments as shipments
inner join gen_order_outcomes as outcomes using (order_no)
where shipments.signed_at is not null and u(shipments.order_no, 'svc_review', 0) < 0.5;

-- Every order with refunded money has its refund (退款成功), the reason drawn by its outcome:
-- refunded before shipping (a refunded order), after signing (a partial refund), or as the later
-- file of refunds says.
create or replace table gen_refunds as
with refunded as (
  select
    orders.*,
    service_arm('refund_reason', outcomes.came_back, u(orders.order_no, 'svc_reason', 0)) as reason,
    case
      when orders.refunded_later then orders.late_refund_at - to_seconds(86400 + floor(u(orders.order_no, 'svc_requested', 0) * 172800)::integer)
      when orders.status = 'refunded' then by_end(orders.paid_at + to_seconds(3600 + floor(u(orders.order_no, 'svc_requested', 0) * 68400)::integer))
      else by_end(orders.paid_at + to_seconds(259200 + floor(u(orders.order_no, 'svc_requested', 0) * 432000)::integer))
    end as requested_at
  from gen_order_export as orders
  inner join gen_order_outcomes as outcomes using (order_no)
  where orders.refund_amount > 0 or orders.refunded_later
)
select
  order_no, member_no, occasion_number, reason, requested_at,
  case when refunded_later then late_refund_at else by_end(requested_at + to_seconds(3600 + floor(u(order_no, 'svc_finished', 0) * 255600)::integer)) end
    as finished_at,
  case when refunded_later then paid_amount else refund_amount end as amount
from refunded;
