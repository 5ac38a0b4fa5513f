{{ config(severity='error', meta={'dagster': {'ref': {'name': 'fct_procedure_throughputs'}}}) }}

-- Every throughput row names its unit level and its kind of period, from the known sets
-- (a null would drop the row from every roll-up that selects on them).
with

throughputs as (
    select * from {{ ref('fct_procedure_throughputs') }}
),

final as (
    select
        procedure_throughput_id,
        admin_level,
        period_type
    from throughputs
    where
        admin_level is null
        or period_type is null
        or period_type not in ('month', 'quarter', 'half', 'year', 'year_to_date')
)

select * from final
