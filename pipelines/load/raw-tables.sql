-- The canonical input tables (docs/pipeline.md). `not null` marks the columns a file must
-- have and fill; the others may be absent. _file_id and _line say where each row came from.
-- A row breaking a check constraint is quarantined with the rule it breaks; so is one breaking a
-- rule of seeds/load_rules.csv (plausible dates and amounts), with that rule's reason. A text
-- column named *_id is an identifier: trimmed at load, and missing when nothing is left.
create table if not exists raw.orders (
  order_id varchar not null,
  member_id varchar not null,
  created_at timestamp not null, -- shop time zone
  paid_at timestamp,
  status varchar not null,
  paid_amount decimal(18, 2) not null,
  refund_amount decimal(18, 2),
  item_count integer,
  province varchar,
  city varchar,
  phone varchar,
  channel varchar,
  coupon_code varchar,
  _file_id bigint not null,
  _line bigint not null,
  check (paid_amount >= 0),
  check (refund_amount >= 0),
  check (refund_amount <= paid_amount),
  check (item_count >= 0)
);

create table if not exists raw.order_items (
  order_id varchar not null,
  product_id varchar not null,
  product_name varchar,
  category varchar,
  quantity integer not null,
  unit_price decimal(18, 2),
  amount decimal(18, 2) not null,
  _file_id bigint not null,
  _line bigint not null,
  check (quantity >= 0),
  check (unit_price >= 0),
  check (amount >= 0)
);

create table if not exists raw.members (
  member_id varchar not null,
  joined_at timestamp,
  gender varchar,
  birth_year integer,
  province varchar,
  city varchar,
  source varchar,
  _file_id bigint not null,
  _line bigint not null
);

create table if not exists raw.campaigns (
  campaign_id varchar not null,
  name varchar not null,
  channel varchar not null,
  sent_at timestamp not null,
  cost_per_contact decimal(18, 4) not null,
  coupon_value decimal(18, 2),
  attribution_days integer,
  _file_id bigint not null,
  _line bigint not null,
  check (cost_per_contact >= 0),
  check (coupon_value >= 0),
  check (attribution_days > 0)
);

create table if not exists raw.campaign_contacts (
  campaign_id varchar not null,
  member_id varchar not null,
  contacted_at timestamp not null,
  arm varchar not null,
  delivered boolean,
  _file_id bigint not null,
  _line bigint not null,
  check (arm in ('treatment', 'control'))
);

-- Columns added after the first release, so that every warehouse has them in the same order.
-- When the row's state was true (a status update's time), where the export gives one.
alter table raw.orders add column if not exists updated_at timestamp;
-- The order line's own id (Tmall's 子订单编号): a later row with it replaces that line only.
alter table raw.order_items add column if not exists line_id varchar;
-- The campaign's own coupon: orders carrying it redeem it.
alter table raw.campaigns add column if not exists coupon_code varchar;

-- Added later (optional): members who unsubscribed from a channel, or from every channel when the
-- channel is empty; without a time, since always. Audience exports leave them out.
create table if not exists raw.opt_outs (
  member_id varchar not null,
  channel varchar,
  opted_out_at timestamp,
  _file_id bigint not null,
  _line bigint not null
);

-- Added later (optional): the shop's products with their attributes, a fixed set of well-known
-- columns (other columns of the file are reported as ignored): the tag rules stay in SQL over
-- named columns, and a new attribute is a column here and a part of int_product_attributes' union. A
-- later row for a product replaces the values it gives (stg_products).
create table if not exists raw.products (
  product_id varchar not null,
  product_name varchar,
  category varchar,
  style varchar,
  colour varchar,
  material varchar,
  season varchar,
  _file_id bigint not null,
  _line bigint not null
);

-- Added later (optional): the service journey of an order. A row of shipments is one parcel (an
-- order may have several; stg_shipments takes the first shipment and the last signing); a later
-- row for the same parcel, review or refund replaces the values it gives (latest delivery wins).
create table if not exists raw.shipments (
  order_id varchar not null,
  shipped_at timestamp not null, -- shop time zone
  carrier varchar,
  tracking_no varchar,
  signed_at timestamp,
  is_exception boolean, -- the export flags abnormal logistics (异常物流)
  exception_text varchar,
  _file_id bigint not null,
  _line bigint not null,
  check (signed_at >= shipped_at)
);

-- rating as exported (好评, 中评, 差评, or 1–5 stars): seeds/review_ratings.csv maps it.
create table if not exists raw.reviews (
  order_id varchar not null,
  product_id varchar not null,
  rated_at timestamp not null,
  rating varchar not null,
  has_photo boolean,
  review_text varchar,
  _file_id bigint not null,
  _line bigint not null
);

-- reason and status as exported (质量问题, 退款成功): seeds/refund_reasons.csv and
-- seeds/refund_statuses.csv map them. A refund explains refunded money; net revenue stays the
-- orders' paid − refunded amounts.
create table if not exists raw.refunds (
  refund_id varchar not null,
  order_id varchar not null,
  requested_at timestamp not null,
  finished_at timestamp,
  amount decimal(18, 2) not null,
  reason varchar,
  status varchar not null,
  _file_id bigint not null,
  _line bigint not null,
  check (amount >= 0),
  check (finished_at >= requested_at)
);
