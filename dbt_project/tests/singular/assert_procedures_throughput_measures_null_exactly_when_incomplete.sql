{{ config(severity='error', meta={'dagster': {'ref': {'name': 'fct_procedure_throughputs'}}}) }}

-- A complete row has every count; an incomplete row (a unit month missing) has none: its
-- measures are null, never zeros, so that a missing export never reads as a quiet month.
with

throughputs as (
    select * from {{ ref('fct_procedure_throughputs') }}
),

final as (
    select
        procedure_throughput_id,
        is_complete,
        missing_unit_count,
        received_count,
        backlog_end_count
    from throughputs
    where
        is_complete is distinct from (received_count is not null)
        or is_complete is distinct from (backlog_end_count is not null)
        or (not is_complete and received_count = 0)
)

select * from final
