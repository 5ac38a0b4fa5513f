-- Published figures of the grdp domain recomputed from the warehouse:
-- one row per figure_id of published_figures.csv (use reproduce or bound).
-- Placeholder until the grdp marts exist: no rows.
with

final as (
    select
        null::varchar as figure_id,
        null::double as warehouse_value
    where false
)

select * from final
