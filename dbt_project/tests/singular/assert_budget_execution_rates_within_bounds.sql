{{ config(severity='error', meta={'dagster': {'ref': {'name': 'fct_budget_executions'}}}) }}

-- Execution rates and y/y ratios are plausible: between 0 and 1000 percent. They are
-- never capped in the mart, so a value outside points at a unit or loading error.
with

executions as (
    select * from {{ ref('fct_budget_executions') }}
),

final as (
    select
        budget_execution_id,
        execution_rate_superior_estimate_pct,
        execution_rate_council_estimate_pct,
        execution_yoy_ratio_pct
    from executions
    where
        execution_rate_superior_estimate_pct not between 0 and 1000
        or execution_rate_council_estimate_pct not between 0 and 1000
        or execution_yoy_ratio_pct not between 0 and 1000
)

select * from final
