{{ config(severity='warn', meta={'dagster': {'ref': {'name': 'fct_budget_executions'}}}) }}

-- Estimates and execution are expected to be non-negative. A warning, not an error: a
-- budget line may legitimately be negative (a refund larger than the year's revenue),
-- so a negative amount is reported for a look, and the build goes on.
with

executions as (
    select * from {{ ref('fct_budget_executions') }}
),

final as (
    select
        budget_execution_id,
        estimate_superior_bn_vnd,
        estimate_council_bn_vnd,
        execution_bn_vnd
    from executions
    where
        estimate_superior_bn_vnd < 0
        or estimate_council_bn_vnd < 0
        or execution_bn_vnd < 0
)

select * from final
