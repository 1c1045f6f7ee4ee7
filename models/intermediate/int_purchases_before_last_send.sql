-- The purchases of int_purchases_keyed made before the last campaign was sent or before its last
-- contact, whichever is later; all that the campaign profiles at sending time read. A new day's purchases, after every
-- campaign, leave these rows as they were, and the profiles are then kept, not computed again (a
-- table rebuilt into its own rows leaves its readers as they were); a refund of an earlier
-- purchase changes them, and the profiles follow.
-- grain: order_id
with

purchases as (select * from intermediate.int_purchases_keyed),

campaigns as (select * from staging.stg_campaigns),

contacts as (select * from staging.stg_campaign_contacts),

last_send as (
  select greatest((select max(sent_at) from campaigns), (select max(contacted_at) from contacts)) as cut_at
),

final as (
  select purchases.*
  from purchases
  cross join last_send
  where purchases.purchased_at < last_send.cut_at
)

select * from final
