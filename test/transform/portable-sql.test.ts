import { describe, expect, it } from 'vitest';
import { portabilityProblems } from '../../pipelines/transform/portable-sql.js';
import { withWarehouse } from '../helpers/temp-warehouse.js';

const problems = (query: string, macros: string[] = []) =>
  withWarehouse(async ({ db }) => (await portabilityProblems(db, query, macros)).map(({ construct, line }) => `${line}: ${construct}`));

describe('the portable SQL subset', () => {
  it('refuses each construct that PostgreSQL does not run or runs otherwise, naming its line', async () => {
    const refused: Array<[string, ...string[]]> = [
      ['select a\nfrom t\nqualify row_number() over (partition by a order by b) = 1', '3: qualify'],
      ['select a, count(*) as n from t group by all', '1: group by all'],
      ['select t.a from t semi join u on u.a = t.a', '1: semi join'],
      ['select t.a from t anti join u on u.a = t.a', '1: anti join'],
      ['select t.a from t asof join u on u.a = t.a and u.d <= t.d', '1: asof join'],
      ['select a from t union all by name select a from u', '1: union by name'],
      ['select list_transform(xs, x -> x + 1) as ys from t', '1: list_transform(…)', '1: a lambda'],
      ['select * exclude (b) from t', '1: * exclude, replace, rename or columns(…)'],
      ["select {'a': 1} as s", '1: struct_pack(…)'],
      ['select arg_max(a, (b, c)) as a from t', '1: row(…)'],
      ['select s.x.y as y from t as s', '1: s.x.y'],
      ['select xs[1] as x from t', '1: an element or field of a list or struct'],
      ['select *\nfrom\n(select 1 as a)', '3: a subquery in from without an alias'],
      ["select printf('%d', a) as s from t", '1: printf(…)'],
      ["select format('{}', a) as s from t", '1: format(…)'],
      ['select median(a) as m from t', '1: median(…)'],
      ['select quantile_cont(a, 0.9) as q from t', '1: quantile_cont(…)'],
      ['select * from range(1, 3) as r(n)', '1: range(…)'],
      ['select hour(ts) as h from t', '1: hour(…)'],
      ['select d + to_months(1) as e from t', '1: to_months(…)'],
      ['select a / b as r from t', '1: a division whose dividend is not ::float8'],
      ['select (a / b)::decimal(18, 2) as r from t', '1: a division cast to DECIMAL', '1: a division whose dividend is not ::float8'],
      ['select a // b as r from t', '1: //'],
      ['select round(a) as r from t', '1: round(…)'],
      ['select a::hugeint as r from t', '1: ::hugeint'],
      ['select * from (unpivot t on a, b into name k value v) as p', '1: pivot or unpivot'],
      ['select shop_secret(a) as r from t', '1: shop_secret(…)'],
      ['select a::double as r from t', '1: double'],
      ['select if(a > 0, 1, 0) as r, ifnull(a, 0) as s from t', '1: if(…)', '1: ifnull(…)'],
      ['select try_cast(a as integer) as r from t', '1: try_cast(…)'],
      ['select a from t\norder by a desc', '2: desc'],
    ];
    const found = await Promise.all(refused.map(([query]) => problems(query)));
    expect(found).toEqual(refused.map(([, ...constructs]) => constructs));
  });

  it('takes the portable spellings, the compatibility functions and the macros', async () => {
    const accepted = [
      'with ranked as (select a, row_number() over (partition by a order by b) as a_rank from t) select a from ranked where a_rank = 1',
      'select a, count(*) as n from t group by a',
      'select t.a from t where exists (select 1 from u where u.a = t.a)',
      'select a::float8 / nullif(b, 0) as r, b::double precision as s from t order by a desc nulls last',
      'select percentile_cont(0.5) within group (order by a) as m from t',
      'select n from generate_series(1, 3) as s(n)',
      "select extract(hour from ts) as h, d + 1 * interval '1 month' as e from t",
      'select round(a::decimal(18, 4), 2) as r, floor(a + 0.5) as h from t',
      "select arg_max(a, b) as a, last_day(d) as e, date_diff('day', d, e) as days, getvariable('p') as p from t",
      "select m.month, f.metric from m cross join lateral (values ('a', m.a::float8)) as f(metric, value)",
      'select money_ratio(revenue, 1, purchases) as aov from t',
    ];
    const found = await Promise.all(accepted.map((query) => problems(query, ['money_ratio'])));
    expect(found).toEqual(accepted.map(() => []));
  });
});
