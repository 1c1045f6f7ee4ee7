import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { type DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import { literal } from '../warehouse/sql-text.js';
import { toJsRow } from '../warehouse/to-js-value.js';

export interface GenerateOptions {
  members: number;
  days: number;
  /** Last day of history, YYYY-MM-DD (the command's default: yesterday in the shop time zone). */
  endDate: string;
  seed: number;
  outDir: string;
  /** P(occasion n+1 within maturity | occasion n), n = 1, 2, …; the last value holds for all further steps. */
  ladder?: number[];
  /** The shop's time zone (seeds/parameters.csv): orders written in UTC are converted from it. */
  shopTimeZone: string;
  /** Where region_tiers.csv comes from (default: ./seeds). */
  seedsDir?: string;
}

/** The planted truth written beside the data as truth.json. */
export interface ShopTruth {
  seed: number;
  members: number;
  days: number;
  end_date: string;
  ladder: { purchase_grain: 'day'; maturity_days: number; conversion: number[]; note: string };
  categories: Array<{ category: string; category_zh: string; cycle_median_days: number; cycle_sigma: number }>;
  intervals: string;
  /** What the order files come to: purchases and net revenue after the later files, and the orders written in UTC with their shop time. */
  orders: {
    orders: number;
    purchases: number;
    net_revenue: number;
    refunded_later: number;
    restated_without_refund_column: number;
    partially_refunded_purchases: number;
    written_in_utc: Array<{ order_id: string; created_at: string }>;
  };
  recategorised: { product_id: string; from: string; to: string; days_before_end: number; since: string };
  /** Members planted to prefer one attribute value: most of their lines are the product's variant with it. */
  preferences: Array<
    Preference & {
      /** Share of the catalogue's base products that have the value: the rate others meet it at. */
      base_share: number;
      /** The planted members (buyer ids, as in the files). */
      members: string[];
    }
  >;
  /** The planted service experiences and the repurchase rate of each arm they come to. */
  service: {
    maturity_days: number;
    ship_within_hours: number;
    plan: ServiceArm[];
    /**
     * Per experience and arm, as marts.service_experience_repurchase defines them, over the members
     * whose experience's order is old enough to judge at the end date: how many, and how many came back.
     */
    arms: Array<{ experience: string; arm: string; judged_members: number; repurchased: number; repurchase_rate: number }>;
  };
  campaigns: Array<
    CampaignPlan & {
      targeted: number;
      treatment_size: number;
      control_size: number;
      eligible_share: number;
      true_uplift: number;
      /** Delivered treatment contacts with a window purchase carrying the campaign's own code. */
      redeemed_coupons: number;
      /** Net value of treatment window purchases that fall in another campaign's window of the same member too. */
      overlap_revenue: number;
    }
  >;
  rows: Record<string, number>;
}

interface CampaignPlan {
  campaign_id: string;
  name: string;
  channel: string;
  days_before_end: number;
  target_rule: 'lapsing_60_180' | 'sleeping_180_365' | 'recent_buyers_30' | 'prospects';
  control_fraction: number;
  /**
   * P(a delivered treatment member whose next purchase is due after the window buys within the
   * window instead). Campaigns move purchases earlier and never add one, so the planted ladder holds.
   */
  pull_forward: number;
  cost_per_contact: number;
  coupon_value: number;
  attribution_days: number;
  pool: number;
}

// The women's apparel ladder of the course notes (docs/metrics.md, Reference figures): 26%, 45%, 57%, 64%, 68%, then flat.
export const womensApparelLadder = [0.26, 0.45, 0.57, 0.64, 0.68];

const categories = [
  { category: 'accessories', category_zh: '配饰', share: 0.1, cycle_median_days: 120, cycle_sigma: 0.5 },
  { category: 'dresses', category_zh: '连衣裙', share: 0.25, cycle_median_days: 90, cycle_sigma: 0.45 },
  { category: 'pants', category_zh: '裤装', share: 0.2, cycle_median_days: 75, cycle_sigma: 0.45 },
  { category: 'tops', category_zh: '上衣', share: 0.3, cycle_median_days: 60, cycle_sigma: 0.5 },
  { category: 'underwear', category_zh: '内衣袜子', share: 0.15, cycle_median_days: 40, cycle_sigma: 0.4 },
];

const products: Record<string, Array<[string, number]>> = {
  accessories: [
    ['真丝小方巾', 89],
    ['珍珠耳钉', 59],
    ['羊毛贝雷帽', 129],
    ['编织腰带', 69],
    ['托特包', 299],
    ['发夹套装', 39],
  ],
  dresses: [
    ['法式碎花连衣裙', 259],
    ['针织长裙', 329],
    ['衬衫裙', 219],
    ['小黑裙', 399],
    ['吊带裙', 169],
    ['旗袍改良款', 459],
  ],
  pants: [
    ['高腰阔腿裤', 179],
    ['直筒牛仔裤', 199],
    ['西装裤', 229],
    ['运动束脚裤', 129],
    ['半身裙', 159],
    ['打底裤', 59],
  ],
  tops: [
    ['纯棉T恤', 79],
    ['真丝衬衫', 289],
    ['羊绒开衫', 499],
    ['卫衣', 189],
    ['雪纺衫', 139],
    ['针织背心', 99],
  ],
  underwear: [
    ['莫代尔内裤三条装', 69],
    ['无痕文胸', 129],
    ['棉袜五双装', 39],
    ['丝袜三双装', 45],
    ['家居服套装', 199],
    ['保暖内衣', 159],
  ],
};

// A product the shop moved to another category: its lines of the last 180 days carry the new one.
const recategorised = { product_id: 'TOP006', from: 'tops', to: 'underwear', days_before_end: 180 };

// The products file's attributes: a product's value of each is picked by its place in the catalogue.
const attributeValues = {
  style: ['通勤', '休闲', '甜美', '运动'],
  colour: ['黑色', '白色', '米色', '蓝色', '红色'],
  material: ['棉', '真丝', '羊毛', '化纤'],
  season: ['春夏', '秋冬', '四季'],
};
type Attribute = keyof typeof attributeValues;

interface Preference {
  attribute: Attribute;
  value: string;
  /** Suffix of the variant product ids with the value (DRE002-CM). */
  variant_code: string;
  /** Share of all members planted with it (the groups do not overlap). */
  member_share: number;
  /** Share of a planted member's lines that are the variant with the value. */
  line_share: number;
}

const preferences: Preference[] = [
  { attribute: 'style', value: '通勤', variant_code: 'CM', member_share: 0.06, line_share: 0.95 },
  { attribute: 'colour', value: '黑色', variant_code: 'BK', member_share: 0.06, line_share: 0.95 },
];

// Days within which a next purchase counts as coming back (seeds/parameters.csv maturity_days).
const maturityDays = 365;

interface ServiceArm {
  experience: 'first_order_shipping' | 'review_rating' | 'refund_reason';
  arm: string;
  /** The text the file carries for the arm (好评, 质量问题); shipping carries times instead. */
  text: string | null;
  /** P(arm) for an order after which the member came back within maturity_days, and for one after which not. */
  p_back: number;
  p_gone: number;
}

// Shipping later than 24 h of payment, a bad review and a quality refund go with members who do not
// come back; the other arms share what is left. Shipping within 24 h is 0.5–23.5 h, later 25–96 h.
const servicePlan: ServiceArm[] = [
  { experience: 'first_order_shipping', arm: 'within_24h', text: null, p_back: 0.9, p_gone: 0.7 },
  { experience: 'first_order_shipping', arm: 'later', text: null, p_back: 0.1, p_gone: 0.3 },
  { experience: 'review_rating', arm: 'good', text: '好评', p_back: 0.86, p_gone: 0.62 },
  { experience: 'review_rating', arm: 'neutral', text: '中评', p_back: 0.08, p_gone: 0.14 },
  { experience: 'review_rating', arm: 'bad', text: '差评', p_back: 0.06, p_gone: 0.24 },
  { experience: 'refund_reason', arm: 'quality', text: '质量问题', p_back: 0.08, p_gone: 0.6 },
  { experience: 'refund_reason', arm: 'size', text: '尺码不合适', p_back: 0.4, p_gone: 0.15 },
  { experience: 'refund_reason', arm: 'no_reason', text: '七天无理由', p_back: 0.3, p_gone: 0.1 },
  { experience: 'refund_reason', arm: 'changed_mind', text: '不喜欢/不想要', p_back: 0.12, p_gone: 0.06 },
  { experience: 'refund_reason', arm: 'wrong_item', text: '发错货', p_back: 0.05, p_gone: 0.05 },
  { experience: 'refund_reason', arm: 'logistics', text: '物流问题', p_back: 0.05, p_gone: 0.04 },
];

const campaignPlan: CampaignPlan[] = [
  {
    campaign_id: 'C01',
    name: '老客召回短信',
    channel: 'sms',
    days_before_end: 330,
    target_rule: 'lapsing_60_180',
    control_fraction: 0.15,
    pull_forward: 0.4,
    cost_per_contact: 0.04,
    coupon_value: 10,
    attribution_days: 7,
    pool: 0,
  },
  {
    campaign_id: 'C02',
    name: '沉睡会员唤醒券',
    channel: 'coupon',
    days_before_end: 270,
    target_rule: 'sleeping_180_365',
    control_fraction: 0.2,
    pull_forward: 0.3,
    cost_per_contact: 0.05,
    coupon_value: 20,
    attribution_days: 7,
    pool: 1,
  },
  {
    campaign_id: 'C03',
    name: '新品上市邮件',
    channel: 'edm',
    days_before_end: 200,
    target_rule: 'recent_buyers_30',
    control_fraction: 0.1,
    pull_forward: 0.1,
    cost_per_contact: 0.01,
    coupon_value: 0,
    attribution_days: 7,
    pool: 2,
  },
  {
    campaign_id: 'C04',
    name: '旺旺关怀回购',
    channel: 'wangwang',
    days_before_end: 150,
    target_rule: 'lapsing_60_180',
    control_fraction: 0.15,
    pull_forward: 0.5,
    cost_per_contact: 0.02,
    coupon_value: 5,
    attribution_days: 7,
    pool: 3,
  },
  {
    campaign_id: 'C05',
    name: '潜客首单推送',
    channel: 'push',
    days_before_end: 90,
    target_rule: 'prospects',
    control_fraction: 0.2,
    pull_forward: 0.3,
    cost_per_contact: 0.01,
    coupon_value: 10,
    attribution_days: 7,
    pool: 4,
  },
  {
    campaign_id: 'C06',
    name: '双十一预热短信',
    channel: 'sms',
    days_before_end: 45,
    target_rule: 'lapsing_60_180',
    control_fraction: 0,
    pull_forward: 0.4,
    cost_per_contact: 0.04,
    coupon_value: 10,
    attribution_days: 7,
    pool: 5,
  },
  {
    campaign_id: 'C07',
    name: '年末沉睡唤醒',
    channel: 'sms',
    days_before_end: 20,
    target_rule: 'sleeping_180_365',
    control_fraction: 0.15,
    pull_forward: 0.3,
    cost_per_contact: 0.05,
    coupon_value: 15,
    attribution_days: 7,
    pool: 6,
  },
  // Three days after C06, to the same pool and rule: the two windows overlap for members in both.
  // It moves no purchase (its true uplift is 0); a purchase in both windows counts in each.
  {
    campaign_id: 'C08',
    name: '双十一会员日提醒',
    channel: 'push',
    days_before_end: 42,
    target_rule: 'lapsing_60_180',
    control_fraction: 0.15,
    pull_forward: 0,
    cost_per_contact: 0.01,
    coupon_value: 0,
    attribution_days: 7,
    pool: 5,
  },
];

const script = readFileSync(new URL('./generate-shop.sql', import.meta.url), 'utf8');

/**
 * Writes the canonical input tables of a sample shop into outDir, with truth.json. Everything
 * is computed in DuckDB (spilling to disk when large), so memory stays bounded at any size.
 */
export async function generateShop(options: GenerateOptions, log: (line: string) => void = () => {}): Promise<ShopTruth> {
  const outDir = resolve(options.outDir);
  mkdirSync(outDir, { recursive: true });
  const seedsDir = resolve(options.seedsDir ?? 'seeds');
  const endDate = isoDate(options.endDate);
  const ladder = options.ladder ?? womensApparelLadder;
  const instance = await DuckDBInstance.create(':memory:', {
    memory_limit: '2GB',
    temp_directory: join(outDir, '.tmp'),
    autoinstall_known_extensions: 'false',
    autoload_known_extensions: 'false',
  });
  const connection = await instance.connect();
  try {
    await connection.run(`
      set variable seed = ${Math.trunc(options.seed)};
      set variable members = ${Math.trunc(options.members)};
      set variable days = ${Math.trunc(options.days)};
      set variable end_date = ${literal(endDate)};
      set variable shop_time_zone = ${literal(options.shopTimeZone)};
      set variable ladder = [${ladder.join(', ')}]::double[];
      set variable max_occasions = 40;
      set variable maturity_days = ${maturityDays};
      create table gen_categories as select * from (values ${categories.map((c) => `(${literal(c.category)}, ${literal(c.category_zh)}, ${c.share}, ${c.cycle_median_days}, ${c.cycle_sigma})`).join(', ')})
        as t(category, category_zh, share, cycle_median_days, cycle_sigma);
      create table gen_products as select * from (values ${Object.entries(products)
        .flatMap(([category, list]) =>
          list.map(
            ([name, price], slot) =>
              `(${literal(category)}, ${slot}, ${literal(`${category.slice(0, 3).toUpperCase()}${String(slot + 1).padStart(3, '0')}`)}, ${literal(name)}, ${price}::decimal(18, 2), ${baseAttributes(slot, category).map(literal).join(', ')})`,
          ),
        )
        .join(', ')})
        as t(category, slot, product_id, product_name, unit_price, ${Object.keys(attributeValues).join(', ')});
      create table gen_preferences as select *, sum(member_share) over (order by preference_no) - member_share as share_from,
        sum(member_share) over (order by preference_no) as share_to
        from (values ${preferences
          .map(
            (p, index) =>
              `(${index + 1}, ${literal(p.attribute)}, ${literal(p.value)}, ${literal(p.variant_code)}, ${p.member_share}, ${p.line_share})`,
          )
          .join(', ')})
        as t(preference_no, attribute, value, variant_code, member_share, line_share);
      create table gen_service_plan as select * from (values ${servicePlan
        .map(
          (a, index) =>
            `(${literal(a.experience)}, ${index + 1}, ${literal(a.arm)}, ${a.text === null ? 'null' : literal(a.text)}, ${a.p_back}, ${a.p_gone})`,
        )
        .join(', ')})
        as t(experience, arm_order, arm, arm_text, p_back, p_gone);
      create table gen_campaign_plan as select *, getvariable('end_date')::date - days_before_end as sent_date,
        -- A campaign with a coupon has its own code, which its responders' orders carry.
        case when coupon_value > 0 then campaign_id || 'Q' || coupon_value end as coupon_code
        from (values ${campaignPlan
          .map(
            (c) =>
              `(${literal(c.campaign_id)}, ${literal(c.name)}, ${literal(c.channel)}, ${c.days_before_end}, ${literal(c.target_rule)}, ${c.control_fraction}, ${c.pull_forward}, ${c.cost_per_contact}, ${c.coupon_value}, ${c.attribution_days}, ${c.pool})`,
          )
          .join(', ')})
        as t(campaign_id, name, channel, days_before_end, target_rule, control_fraction, pull_forward, cost_per_contact, coupon_value, attribution_days, pool);
      create table gen_region_tiers as select * from read_csv(${literal(join(seedsDir, 'region_tiers.csv'))}, header = true);`);
    log(`generating ${options.members.toLocaleString('en-US')} members over ${options.days} days (seed ${options.seed})`);
    await connection.run(script);
    const rows: Record<string, number> = {};
    for (const [file, query] of Object.entries(outputQueries)) {
      const path = join(outDir, `${file}.csv`);
      const result = await connection.run(`copy (${query}) to ${literal(path)} (header, delimiter ',')`);
      rows[file] = result.rowsChanged;
      log(`  ${file}.csv: ${rows[file].toLocaleString('en-US')} rows`);
    }
    const truth: ShopTruth = {
      seed: options.seed,
      members: options.members,
      days: options.days,
      end_date: endDate,
      ladder: {
        purchase_grain: 'day',
        maturity_days: maturityDays,
        conversion: ladder,
        note: 'P(an (n+1)-th purchase occasion within maturity_days of the n-th | n occasions); the last value holds for every further step. Campaign responders move later purchases earlier, never add or remove one.',
      },
      categories: categories.map(({ category, category_zh, cycle_median_days, cycle_sigma }) => ({
        category,
        category_zh,
        cycle_median_days,
        cycle_sigma,
      })),
      intervals:
        'days between consecutive occasions of a member: round(exp(ln(median) + sigma * N(0,1))) of the favourite category, clamped to 12..340; Double 11, 618 and the Spring Festival then move some dates forward by up to 10 days',
      campaigns: await campaignTruth(connection),
      orders: await orderTruth(connection),
      recategorised: { ...recategorised, since: shiftDate(endDate, -recategorised.days_before_end) },
      preferences: await preferenceTruth(connection),
      service: { maturity_days: maturityDays, ship_within_hours: 24, plan: servicePlan, arms: await serviceTruth(connection) },
      rows,
    };
    writeFileSync(join(outDir, 'truth.json'), `${JSON.stringify(truth, null, 2)}\n`);
    return truth;
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

// What the refund and restated files, and the orders written in UTC, must come to once loaded.
async function orderTruth(connection: DuckDBConnection): Promise<ShopTruth['orders']> {
  const reader = await connection.runAndReadAll(`
    with orders as (
      select *, status in ('paid', 'shipped', 'completed') and not refunded_later and paid_amount > refund_amount as purchase
      from gen_order_export
    )
    select
      count(*)::integer as orders,
      count(*) filter (where purchase)::integer as purchases,
      sum(paid_amount - refund_amount) filter (where purchase)::double as net_revenue,
      count(*) filter (where refunded_later)::integer as refunded_later,
      count(*) filter (where restated)::integer as restated_without_refund_column,
      count(*) filter (where partial_refund and purchase)::integer as partially_refunded_purchases,
      to_json(list({
        order_id: ${orderId('order_no')},
        created_at: ${shopTime('created_at')}
      } order by order_no) filter (where written_in_utc))::varchar as written_in_utc
    from orders`);
  const row = reader.getRowObjectsJS()[0]!;
  return {
    orders: Number(row.orders),
    purchases: Number(row.purchases),
    net_revenue: Number(row.net_revenue),
    refunded_later: Number(row.refunded_later),
    restated_without_refund_column: Number(row.restated_without_refund_column),
    partially_refunded_purchases: Number(row.partially_refunded_purchases),
    written_in_utc: JSON.parse(String(row.written_in_utc)),
  };
}

// Measured lift compares all treatment members (delivered or not) with control: the true
// uplift is pull_forward x P(delivered) x P(eligible: a later purchase scheduled, none in the window).
async function campaignTruth(connection: DuckDBConnection): Promise<ShopTruth['campaigns']> {
  const reader = await connection.runAndReadAll(`
    with eligibility as (
      select targets.campaign_id, targets.member_no, targets.arm,
             coalesce(min(schedule.purchase_date) filter (where schedule.purchase_date >= targets.sent_date) > targets.sent_date + targets.attribution_days, false) as eligible
      from gen_targets as targets
      left join gen_schedule as schedule on schedule.member_no = targets.member_no
      group by targets.campaign_id, targets.member_no, targets.arm, targets.sent_date, targets.attribution_days
    )
    select campaign_id, count(*)::integer as targeted,
           count(*) filter (where arm = 'treatment')::integer as treatment_size,
           count(*) filter (where arm = 'control')::integer as control_size,
           avg(eligible::integer) as eligible_share
    from eligibility group by campaign_id order by campaign_id`);
  // What the exported orders come to in each campaign's window, from the generator's own tables:
  // contacts at 10:00 on the sending day, a window of attribution_days after, purchases at their
  // payment time (refunded in full later: none).
  const windows = await connection.runAndReadAll(`
    with contacts as (
      select targets.campaign_id, targets.member_no, targets.arm, targets.delivered, plan.coupon_code,
             targets.sent_date + to_hours(10) as contacted_at, targets.sent_date + to_hours(10) + to_days(targets.attribution_days) as window_end
      from gen_targets as targets inner join gen_campaign_plan as plan using (campaign_id)
    ),
    purchases as (
      select order_no, member_no, paid_at, paid_amount - refund_amount as net_amount, coupon_code
      from gen_order_export
      where status in ('paid', 'shipped', 'completed') and not refunded_later and paid_amount > refund_amount
    ),
    window_purchases as (
      select contacts.*, purchases.order_no, purchases.net_amount, purchases.coupon_code as order_coupon_code
      from contacts inner join purchases on purchases.member_no = contacts.member_no
       and purchases.paid_at > contacts.contacted_at and purchases.paid_at <= contacts.window_end
    ),
    treated as (select * from window_purchases where arm = 'treatment')
    select
      campaign_id,
      count(distinct member_no) filter (where delivered and order_coupon_code = coupon_code)::integer as redeemed_coupons,
      coalesce(sum(net_amount) filter (where exists (
        select 1 from treated as other where other.order_no = treated.order_no and other.campaign_id <> treated.campaign_id
      )), 0)::double as overlap_revenue
    from treated group by campaign_id`);
  const inWindows = new Map(
    windows
      .getRowObjects()
      .map(toJsRow)
      .map((row) => [row.campaign_id as string, row]),
  );
  const measured = new Map(
    reader
      .getRowObjects()
      .map(toJsRow)
      .map((row) => [row.campaign_id as string, row]),
  );
  return campaignPlan.map((plan) => {
    const row = measured.get(plan.campaign_id);
    const eligibleShare = Number(row?.eligible_share ?? 0);
    return {
      ...plan,
      targeted: Number(row?.targeted ?? 0),
      treatment_size: Number(row?.treatment_size ?? 0),
      control_size: Number(row?.control_size ?? 0),
      eligible_share: eligibleShare,
      true_uplift: plan.pull_forward * 0.97 * eligibleShare,
      redeemed_coupons: Number(inWindows.get(plan.campaign_id)?.redeemed_coupons ?? 0),
      overlap_revenue: Number(inWindows.get(plan.campaign_id)?.overlap_revenue ?? 0),
    };
  });
}

// A product's attributes by its place in the catalogue, so that each value is spread over categories and prices.
function baseAttributes(slot: number, category: string): string[] {
  const offset = Object.keys(products).indexOf(category);
  return Object.values(attributeValues).map((values, index) => values[(slot + offset * (index + 1)) % values.length]!);
}

async function preferenceTruth(connection: DuckDBConnection): Promise<ShopTruth['preferences']> {
  const reader = await connection.runAndReadAll(`
    select preference_no, to_json(list(member_id order by member_no))::varchar as members
    from gen_member_preferences inner join gen_members using (member_no) group by preference_no`);
  const planted = new Map(reader.getRowObjectsJS().map((row) => [Number(row.preference_no), JSON.parse(String(row.members)) as string[]]));
  const catalogue = Object.entries(products).flatMap(([category, list]) => list.map((_, slot) => baseAttributes(slot, category)));
  const attributes = Object.keys(attributeValues);
  return preferences.map((preference, index) => ({
    ...preference,
    base_share:
      catalogue.filter((values) => values[attributes.indexOf(preference.attribute)] === preference.value).length / catalogue.length,
    members: planted.get(index + 1) ?? [],
  }));
}

// The arms as marts.service_experience_repurchase defines them, over the generator's own tables:
// the first purchase's shipping, and buyers without a refund, by their first occasion; each
// member's first review of each rating, and the first refund's reason, by that order.
async function serviceTruth(connection: DuckDBConnection): Promise<ShopTruth['service']['arms']> {
  const reader = await connection.runAndReadAll(`
    with by_occasion as (
      select 'first_order_shipping' as experience, if(bool_or(is_late), 'later', 'within_24h') as arm, member_no
      from gen_shipments where occasion_number = 1 group by member_no
      union all
      select 'refund_reason', 'no_refund', member_no
      from gen_occasion_outcomes where occasion_number = 1 and member_no not in (select member_no from gen_refunds)
    ),
    by_order as (
      select 'review_rating' as experience, rating as arm, arg_min(order_no, (rated_at, order_no)) as order_no
      from gen_reviews group by member_no, rating
      union all
      select 'refund_reason', arg_min(reason, (requested_at, order_no)), arg_min(order_no, (requested_at, order_no))
      from gen_refunds group by member_no
    ),
    experiences as (
      select experience, arm, outcomes.judged, outcomes.came_back
      from by_occasion inner join gen_occasion_outcomes as outcomes on outcomes.member_no = by_occasion.member_no and outcomes.occasion_number = 1
      union all
      select experience, arm, outcomes.judged, outcomes.came_back
      from by_order inner join gen_order_outcomes as outcomes using (order_no)
    )
    select experience, arm, count(*)::integer as judged_members, count(*) filter (where came_back)::integer as repurchased
    from experiences
    where judged
    group by experience, arm
    order by experience, arm`);
  return reader.getRowObjectsJS().map((row) => ({
    experience: String(row.experience),
    arm: String(row.arm),
    judged_members: Number(row.judged_members),
    repurchased: Number(row.repurchased),
    repurchase_rate: Number(row.repurchased) / Number(row.judged_members),
  }));
}

function shiftDate(date: string, days: number): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);
}

function isoDate(text: string): string {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(text) || Number.isNaN(Date.parse(text))) throw new Error(`not a date (YYYY-MM-DD): '${text}'`);
  return text;
}

// An order's id from its number, and a shop time as the shop writes it.
const orderId = (orderNo: string) => `'3' || lpad(${orderNo}::varchar, 17, '0')`;
const shopTime = (column: string) => `strftime(${column}, '%Y-%m-%d %H:%M:%S')`;

// A shop time as text: as the shop writes it, or for orders written in UTC the instant with 'Z'.
const exportedTime = (column: string) => `case when written_in_utc
  then strftime(timezone('UTC', timezone(getvariable('shop_time_zone'), ${column})), '%Y-%m-%dT%H:%M:%SZ')
  else ${shopTime(column)} end`;

const orderColumns = `
  ${orderId('order_no')} as order_id,
  members.member_id,
  ${exportedTime('created_at')} as created_at,
  ${exportedTime('paid_at')} as paid_at,
  status,
  paid_amount`;

const orderDetails = `
  item_count,
  members.province,
  members.city,
  members.phone,
  case when u(order_no, 'channel', 0) < 0.82 then 'mobile' else 'pc' end as channel,
  coupon_code`;

// The order lines as order_items.csv gives them (a planted preference's variants included), for the reviews too.
const orderItems = `
    select ${orderId('lines.order_no')} as order_id,
           coalesce(variants.product_id, lines.product_id) as product_id, coalesce(variants.product_name, lines.product_name) as product_name,
           case when lines.product_id = ${literal(recategorised.product_id)} and lines.created_at::date >= getvariable('end_date')::date - ${recategorised.days_before_end}
             then ${literal(recategorised.to)} else lines.category end as category,
           lines.quantity, lines.unit_price, (lines.unit_price * lines.quantity)::decimal(18, 2) as amount
    from gen_order_lines as lines
    left join gen_member_preferences as planted
      on planted.member_no = lines.member_no and u(lines.member_no, 'prefers', lines.order_no * 4 + lines.line_number) < planted.line_share
    left join gen_product_variants as variants on variants.base_product_id = lines.product_id and variants.preference_no = planted.preference_no`;

/** The files a generated shop is delivered as, in load order (a folder loads sorted by name). */
const outputQueries: Record<string, string> = {
  orders: `
    select ${orderColumns}, refund_amount, ${orderDetails}
    from gen_order_export inner join gen_members as members using (member_no)
    order by order_no`,
  orders_refunds: `
    select ${orderColumns}, paid_amount as refund_amount, ${orderDetails},
           ${shopTime('late_refund_at')} as updated_at
    from gen_order_export inner join gen_members as members using (member_no)
    where refunded_later
    order by order_no`,
  orders_restated: `
    select ${orderColumns}, ${orderDetails}, ${shopTime('restated_at')} as updated_at
    from gen_order_export inner join gen_members as members using (member_no)
    where restated
    order by order_no`,
  order_items: `
${orderItems}
    order by lines.order_no, lines.line_number`,
  // The catalogue and the variants the planted members buy; a product in its current category.
  products: `
    select product_id, product_name,
           case when split_part(product_id, '-', 1) = ${literal(recategorised.product_id)} then ${literal(recategorised.to)} else category end as category,
           style, colour, material, season
    from (
      select product_id, product_name, category, style, colour, material, season from gen_products
      union
      select product_id, product_name, category, style, colour, material, season from gen_product_variants
    )
    order by product_id`,
  // The service journey (generate-shop.sql): parcels, reviews per order line, refunds with money.
  shipments: `
    select ${orderId('order_no')} as order_id, ${shopTime('shipped_at')} as shipped_at,
           ['顺丰', '中通', '圆通', '韵达', '申通', '京东'][carrier_no] as carrier,
           ['SF', 'ZTO', 'YT', 'YD', 'STO', 'JD'][carrier_no] || lpad(order_no::varchar, 12, '0') as tracking_no,
           ${shopTime('signed_at')} as signed_at, is_exception,
           case when is_exception then ['包裹滞留', '派送异常', '揽收后无物流更新'][1 + floor(u(order_no, 'svc_exception_text', 0) * 3)::integer] end
             as exception_text
    from gen_shipments order by order_no`,
  reviews: `
    select items.order_id, items.product_id, ${shopTime('reviews.rated_at')} as rated_at, arms.arm_text as rating, reviews.has_photo,
           case when u(reviews.order_no, 'svc_text', 0) < 0.7 then
             case reviews.rating when 'good' then ['质量很好，穿着舒服', '版型好看，物流快', '和图片一样，满意']
                                 when 'neutral' then ['一般吧', '颜色有点色差', '还行，物流慢了点']
                                 else ['质量太差', '做工粗糙，线头多', '尺码偏小，不合身'] end[1 + floor(u(reviews.order_no, 'svc_text', 1) * 3)::integer]
           end as review_text
    from gen_reviews as reviews
    inner join gen_service_arms as arms on arms.experience = 'review_rating' and arms.arm = reviews.rating
    inner join (select distinct order_id, product_id from (${orderItems})) as items on items.order_id = ${orderId('reviews.order_no')}
    order by items.order_id, items.product_id`,
  refunds: `
    select '9' || lpad(order_no::varchar, 17, '0') as refund_id, ${orderId('order_no')} as order_id,
           ${shopTime('requested_at')} as requested_at, ${shopTime('finished_at')} as finished_at, amount::decimal(18, 2) as amount,
           arms.arm_text as reason, '退款成功' as status
    from gen_refunds as refunds
    inner join gen_service_arms as arms on arms.experience = 'refund_reason' and arms.arm = refunds.reason
    order by order_no`,
  members: `
    select member_id, strftime(join_date + to_hours(8 + floor(u(member_no, 'join_hour', 0) * 14)::integer), '%Y-%m-%d %H:%M:%S') as joined_at,
           gender, birth_year, province, city, source
    from gen_members order by member_no`,
  campaigns: `
    select campaign_id, name, channel, strftime(sent_date + to_hours(10), '%Y-%m-%d %H:%M:%S') as sent_at,
           cost_per_contact::decimal(18, 4) as cost_per_contact, coupon_value::decimal(18, 2) as coupon_value, attribution_days, coupon_code
    from gen_campaign_plan order by campaign_id`,
  campaign_contacts: `
    select targets.campaign_id, members.member_id, strftime(targets.sent_date + to_hours(10), '%Y-%m-%d %H:%M:%S') as contacted_at,
           targets.arm, case when targets.arm = 'control' then false else targets.delivered end as delivered
    from gen_targets as targets inner join gen_members as members using (member_no)
    order by targets.campaign_id, targets.member_no`,
};
