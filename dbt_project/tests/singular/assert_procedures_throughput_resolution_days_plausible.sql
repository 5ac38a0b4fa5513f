{{ config(severity='warn', meta={'dagster': {'ref': {'name': 'fct_procedure_throughputs'}}}) }}

-- The average resolution time is expected within a year. A warning: a few very old
-- dossiers finished in a period can lift it past a year without any error in the data.
with

throughputs as (
    select * from {{ ref('fct_procedure_throughputs') }}
),

final as (
    select
        procedure_throughput_id,
        avg_resolution_days
    from throughputs
    where avg_resolution_days not between 0 and 365
)

select * from final
