-- Functions models may call, defined for the build session only (temp): a model that uses them
-- must be a table, so that readers never need them.

-- A member's key everywhere after staging: the salted hash of the buyer id, so that buyer ids
-- (marketplace nicks) never reach the marts.
create or replace temp macro member_key(buyer_id) as md5(getvariable('member_salt') || ':' || buyer_id);

-- A member's lifecycle stage (docs/metrics.md): the first matching rule wins; C = cycle_days.
-- Without a shop cycle (no repeat purchase yet) the recency rules do not apply.
create or replace temp macro lifecycle_stage(occasions, recency_days, cycle_days) as
  case
    when occasions = 0 then 'prospect'
    when recency_days > getvariable('churned_cycles') * cycle_days then 'churned'
    when recency_days > getvariable('sleeping_cycles') * cycle_days then 'sleeping'
    when recency_days > getvariable('silent_cycles') * cycle_days then 'silent'
    when occasions = 1 then 'new'
    when occasions = 2 then 'returning'
    else 'active'
  end;

-- The population value an RFM segment compares R, F or M with (segment_threshold: mean or median).
create or replace temp macro rfm_threshold(value) as
  case getvariable('segment_threshold') when 'median' then median(value) else avg(value) end;
