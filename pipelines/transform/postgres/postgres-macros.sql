-- The macros of models/macros.sql whose DuckDB body is not portable, with PostgreSQL bodies of the
-- same meaning; PostgreSQL writes them out in place as it does every other macro (postgres-sql.ts).
-- Each says why its DuckDB body differs. The dual-engine test holds them to DuckDB's results.

-- DuckDB takes the quotient with HUGEINT and //; PostgreSQL has div() on numeric, exact.
create macro money_ratio(amount, numerator, denominator) as
  ((sign(amount) * div(round(abs(amount) * 100) * numerator * 2 + denominator, 2 * nullif(denominator, 0)))::numeric(38, 0) * 0.01)::numeric(18, 2);

-- DuckDB's format('{:,.Nf}') is to_char with a grouped pattern here.
create macro grouped_text(value, decimals) as
  to_char(round(value::numeric(38, 6), decimals), 'FM999,999,999,999,999,990' || case when decimals > 0 then '.' || repeat('0', decimals) else '' end);

-- DuckDB searches a list of structs (a correlated subquery there held every row in memory); here
-- the seed is searched by a subquery, which PostgreSQL runs per row on a table of a few levels.
create macro member_level(revenue, purchases) as
  (select member_levels.level from seeds.member_levels where revenue >= member_levels.min_revenue or purchases >= member_levels.min_purchases order by member_levels.level_rank desc limit 1);

create macro member_level_rank(revenue, purchases) as
  (select member_levels.level_rank from seeds.member_levels where revenue >= member_levels.min_revenue or purchases >= member_levels.min_purchases order by member_levels.level_rank desc limit 1);
