-- The last 200 loaded files (Data page): rows read, loaded, quarantined and skipped (records of a
-- mapped file that no table's rows condition takes, with the reason; rows_read = rows_loaded +
-- rows_quarantined + rows_skipped), and the three most frequent reasons rows of the file were
-- quarantined, as published: the column and the kind of problem, never the value.
-- grain: file_id
-- materialized: view
-- tests: not_null(path, file_name, table_name, rows_read)
with

loaded_files as (select * from ops.loaded_files),

quarantine as (select * from ops.quarantine),

reasons_ranked as (
  select
    file_id,
    public_reason,
    count(*) as rows,
    row_number() over (partition by file_id order by count(*) desc nulls last, public_reason) as reason_rank
  from quarantine
  group by file_id, public_reason
),

reason_counts as (
  select file_id, public_reason, rows from reasons_ranked where reason_rank <= 3
),

top_reasons as (
  select file_id, string_agg(public_reason, '; ' order by rows desc nulls last, public_reason) as top_reasons
  from reason_counts
  group by file_id
),

final as (
  select
    loaded_files.file_id,
    loaded_files.path,
    regexp_extract(loaded_files.path, '[^/\\]+$') as file_name, -- the page shows names, not server paths
    loaded_files.table_name,
    loaded_files.loaded_at,
    loaded_files.rows_read,
    loaded_files.rows_loaded,
    loaded_files.rows_quarantined,
    loaded_files.rows_skipped,
    loaded_files.skip_reason,
    top_reasons.top_reasons
  from loaded_files
  left join top_reasons on top_reasons.file_id = loaded_files.file_id
  order by loaded_files.file_id desc nulls last
  limit 200
)

select * from final
