-- The shop's own ladders (both variants, steps 1 to 5) beside the reference shops' of the course
-- notes, for one chart: ladder_label is the source's label of code set ladder_source of
-- seeds/code_labels.csv (本店 this shop, 参考 reference) before the variant's or the shop type's.
-- grain: source, ladder, step_n
-- tests: accepted_values(source, 'shop', 'reference'); accepted_range(conversion, 0, 1); not_null(ladder_label, step_n)
with

repurchase_ladder as (select * from marts.repurchase_ladder where step_n <= 5),

reference_ladders as (select * from marts.reference_ladders),

code_labels as (select * from intermediate.int_code_labels where code_set = 'ladder_source'),

ladders as (
  select 'shop' as source, variant as ladder, variant_label as ladder_name, step_n, conversion from repurchase_ladder
  union all
  select 'reference' as source, shop_type as ladder, shop_type_label as ladder_name, step_n, conversion from reference_ladders
),

final as (
  select ladders.source, ladders.ladder, code_labels.label_zh || ' ' || ladders.ladder_name as ladder_label, ladders.step_n, ladders.conversion
  from ladders
  left join code_labels on code_labels.code = ladders.source
)

select * from final
