-- The values a parameter may take where its type allows more: the enumerations of
-- seeds/parameter_values.csv, and for the shop time zone the IANA time zones DuckDB knows (the
-- loader converts times with them). One row per allowed value; domain says where they come from.
-- Variable: parameter_values_path, the seed's file.
select parameter, value, 'seeds/parameter_values.csv' as domain
from read_csv(getvariable('parameter_values_path'), header = true, all_varchar = true)

union all

select 'shop_time_zone' as parameter, name as value, 'IANA time zones of DuckDB''s pg_timezone_names(), such as Asia/Shanghai' as domain
from pg_timezone_names()
