-- Every code a page may show, with its bilingual label (label = 中文 English): the code sets of
-- seeds/code_labels.csv, and the lifecycle stages, RFM segments and member levels of their own
-- seeds (code sets stage, segment, level), so that a mart labels any code by one join.
-- grain: code_set, code
-- tests: not_null(label_zh, label_en, label)
with

code_labels as (select * from seeds.code_labels),

lifecycle_stages as (select * from seeds.lifecycle_stages),

segment_labels as (select * from seeds.segment_labels),

member_levels as (select * from seeds.member_levels),

all_codes as (
  select code_set, code, label_zh, label_en, code_order from code_labels
  union all
  select 'stage' as code_set, stage as code, stage_zh as label_zh, stage as label_en, stage_order as code_order from lifecycle_stages
  union all
  select 'segment' as code_set, segment as code, segment_zh as label_zh, replace(segment, '_', ' ') as label_en, segment_order as code_order from segment_labels
  union all
  select 'level' as code_set, level as code, level_zh as label_zh, replace(level, '_', ' ') as label_en, level_rank as code_order from member_levels
),

final as (
  select *, label_zh || ' ' || label_en as label
  from all_codes
)

select * from final
