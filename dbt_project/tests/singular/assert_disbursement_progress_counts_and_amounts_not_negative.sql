{{ config(severity='error', meta={'dagster': {'ref': {'name': 'fct_disbursement_progress'}}}) }}

-- Every row of the disbursement progress counts at least one project, and its plans and
-- disbursed amounts (in the period and cumulative) are never negative: a negative amount
-- is a loading or sign error, never a refund the source reports.
with

progress as (
    select * from {{ ref('fct_disbursement_progress') }}
),

final as (
    select
        disbursement_progress_id,
        project_count,
        plan_ttg_bn_vnd,
        plan_city_bn_vnd,
        disbursed_in_period_bn_vnd,
        disbursed_cumulative_bn_vnd
    from progress
    where
        project_count < 1
        or plan_ttg_bn_vnd < 0
        or plan_city_bn_vnd < 0
        or disbursed_in_period_bn_vnd < 0
        or disbursed_cumulative_bn_vnd < 0
)

select * from final
