{{ config(severity='error', meta={'dagster': {'ref': {'name': 'fct_disbursement_progress'}}}) }}

-- Disbursement rates are bounded, not capped: between 0 and 1000 percent under both
-- plan bases (execution above the plan is kept; beyond 10 times it is an error).
with

progress as (
    select * from {{ ref('fct_disbursement_progress') }}
),

final as (
    select
        disbursement_progress_id,
        disbursement_rate_ttg_plan_pct,
        disbursement_rate_city_plan_pct
    from progress
    where
        disbursement_rate_ttg_plan_pct not between 0 and 1000
        or disbursement_rate_city_plan_pct not between 0 and 1000
)

select * from final
