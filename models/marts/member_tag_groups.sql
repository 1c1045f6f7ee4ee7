-- The tag groups, for the Behaviour page: per attribute and value of marts.member_tags, the members
-- with that tag and their share of the members tagged on the attribute. group_label names the
-- group (属性：值, from seeds/code_labels.csv; a value without a label as written) for a chart;
-- value_order keeps the price bands' order; group_rank ranks the groups by members across
-- attributes (ties: attribute, then value, in text order).
-- grain: attribute, value
-- tests: not_null(attribute_label, value_label, group_label, members, member_share, group_rank); accepted_range(member_share, 0, 1)
with

member_tags as (select * from marts.member_tags),

code_labels as (select * from intermediate.int_code_labels),

groups as (
  select
    attribute,
    any_value(attribute_label) as attribute_label,
    value,
    any_value(value_label) as value_label,
    any_value(value_order) as value_order,
    count(*) as members
  from member_tags
  group by attribute, value
),

final as (
  select
    groups.attribute,
    groups.attribute_label,
    groups.value,
    groups.value_label,
    groups.value_order,
    coalesce(attribute_labels.label_zh, groups.attribute) || '：' || groups.value_label as group_label,
    groups.members,
    groups.members::float8 / sum(groups.members) over (partition by groups.attribute) as member_share,
    row_number() over (order by groups.members desc nulls last, groups.attribute, groups.value) as group_rank
  from groups
  left join code_labels as attribute_labels on attribute_labels.code_set = 'tag_attribute' and attribute_labels.code = groups.attribute
)

select * from final
