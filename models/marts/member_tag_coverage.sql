-- Tag coverage, for the Behaviour page: per attribute of marts.member_tags, the buyers tagged on
-- it and their share of the buyers (members with a purchase line up to the as-of date). An
-- attribute no member is tagged on is left out. attribute_order is that of seeds/code_labels.csv.
-- grain: attribute
-- tests: not_null(attribute_label, tagged_members, buyers, coverage_share); accepted_range(coverage_share, 0, 1)
with

member_tags as (select * from marts.member_tags),

items as (select * from intermediate.int_member_items_priced),

code_labels as (select * from intermediate.int_code_labels),

buyers as (select count(distinct member_id) as buyers from items),

tagged as (
  select attribute, any_value(attribute_label) as attribute_label, count(*) as tagged_members
  from member_tags
  group by attribute
),

final as (
  select
    tagged.attribute,
    tagged.attribute_label,
    code_labels.code_order as attribute_order,
    tagged.tagged_members,
    buyers.buyers,
    tagged.tagged_members::float8 / buyers.buyers as coverage_share
  from tagged
  cross join buyers
  left join code_labels on code_labels.code_set = 'tag_attribute' and code_labels.code = tagged.attribute
)

select * from final
