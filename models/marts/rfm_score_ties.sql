-- Why a quintile RFM score can be empty (the RFM page, under the R × F grid): members with equal
-- values share a rank and so a score, and a tie larger than a fifth of the scored members fills
-- the scores above its own. One row per such tie: the scores it leaves empty, the tied value, its
-- members and their share of scored members, and the sentence saying so. With rfm_method =
-- thresholds an empty score means no member met its bound: no rows.
-- grain: dimension, tied_score
-- tests: not_null(empty_scores, tied_members, note)
with

member_rfm as (select * from marts.member_rfm),

code_labels as (select * from intermediate.int_code_labels where code_set = 'rfm_dimension'),

member_values as (
  select 'R' as dimension, recency_days::float8 as value, r_score as score from member_rfm where rfm_method = 'quintile'
  union all
  select 'F' as dimension, frequency::float8 as value, f_score as score from member_rfm where rfm_method = 'quintile'
  union all
  select 'M' as dimension, monetary::float8 as value, m_score as score from member_rfm where rfm_method = 'quintile'
),

tie_groups as (
  select
    dimension,
    value,
    score,
    count(*) as members,
    sum(count(*)) over (partition by dimension) as scored_members,
    -- The order of the scores: a higher score is fewer days (R) or a greater value (F, M).
    case dimension when 'R' then -value else value end as rank_value
  from member_values
  group by dimension, value, score
),

score_values as (
  select score from (values (1), (2), (3), (4), (5)) as scores(score)
),

empty_scores as (
  select dimensions.dimension, score_values.score
  from (select distinct dimension from tie_groups) as dimensions
  cross join score_values
  where not exists (
    select 1 from tie_groups where tie_groups.dimension = dimensions.dimension and tie_groups.score = score_values.score
  )
),

-- An empty score lies inside the rank positions of the last value scored below it: that tie.
swallowed as (
  select
    empty_scores.dimension,
    empty_scores.score as empty_score,
    arg_max(tie_groups.value, tie_groups.rank_value) as tied_value,
    arg_max(tie_groups.score, tie_groups.rank_value) as tied_score,
    arg_max(tie_groups.members, tie_groups.rank_value) as tied_members,
    any_value(tie_groups.scored_members) as scored_members
  from empty_scores
  inner join tie_groups on tie_groups.dimension = empty_scores.dimension and tie_groups.score < empty_scores.score
  group by empty_scores.dimension, empty_scores.score
),

ties as (
  select
    swallowed.dimension,
    swallowed.tied_score,
    any_value(swallowed.tied_value) as tied_value,
    any_value(swallowed.tied_members) as tied_members,
    any_value(swallowed.tied_members)::float8 / any_value(swallowed.scored_members) as tied_share,
    string_agg(swallowed.dimension || swallowed.empty_score, ', ' order by swallowed.empty_score) as empty_scores,
    -- Days and purchases are whole numbers, with separators as figure_text words them.
    case
      when any_value(swallowed.tied_value) is null then null
      when swallowed.dimension = 'M' then '¥' || grouped_text(any_value(swallowed.tied_value), 2)
      else figure_text(any_value(swallowed.tied_value)::bigint::float8, 'count')
    end as value_text
  from swallowed
  group by swallowed.dimension, swallowed.tied_score
),

final as (
  select
    ties.dimension,
    ties.tied_score,
    ties.empty_scores,
    ties.tied_value,
    ties.tied_members,
    ties.tied_share,
    ties.empty_scores || ' 无人：' || figure_text(ties.tied_members::float8, 'count') || ' 位会员（' || figure_text(ties.tied_share, 'share') || '）的'
      || code_labels.label_zh || '同为 ' || ties.value_text || '，并列同一排名，都得 ' || ties.dimension || ties.tied_score || '。 '
      || ties.empty_scores || ' empty: ' || figure_text(ties.tied_members::float8, 'count') || ' members (' || figure_text(ties.tied_share, 'share')
      || ') have the same ' || code_labels.label_en || ', ' || ties.value_text || '; tied, they share one rank and all score '
      || ties.dimension || ties.tied_score || '.' as note
  from ties
  left join code_labels on code_labels.code = ties.dimension
)

select * from final
