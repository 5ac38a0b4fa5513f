{{ config(severity='error', meta={'dagster': {'ref': {'name': 'reference_reconciliation'}}}) }}

-- Every published figure to reproduce or bound has its reconciliation row: a figure the
-- warehouse cannot resolve is missing, never silently passed.
with

figures as (
    select * from {{ ref('stg_reference__published_figures') }}
),

reconciliation as (
    select * from {{ ref('reference_reconciliation') }}
),

final as (
    select
        figures.figure_id,
        figures.domain,
        figures.indicator
    from figures
    anti join reconciliation
        on figures.figure_id = reconciliation.figure_id
    where figures.use in ('reproduce', 'bound')
)

select * from final
