-- Budget execution against both estimates, per unit, report period and outline line:
-- one row per (admin_unit_id, unit_scope, period_id, budget_category_id). Rates are
-- execution / estimate x 100 on each plan basis; the y/y ratio compares the execution
-- with the same report (3T, 6T, 9T or 12T) of the previous budget year of the same unit,
-- only when both cover the same span a year apart (the communes' 2025, which starts on
-- 2025-07-01, is no base for their 2026). Rates are not capped.
with

lines as (
    select * from {{ ref('fct_budget_lines') }}
),

categories as (
    select * from {{ ref('dim_budget_categories') }}
),

pivoted as (
    select
        budget_year,
        report_period,
        period_id,
        admin_unit_id,
        unit_scope,
        execution_start_date,
        execution_end_date,
        budget_category_id,
        max(amount_bn_vnd) filter (
            where stage = 'estimate' and plan_basis = 'superior_assigned'
        ) as estimate_superior_bn_vnd,
        max(estimate_assigned_by) filter (
            where stage = 'estimate' and plan_basis = 'superior_assigned'
        ) as estimate_superior_assigned_by,
        max(amount_bn_vnd) filter (
            where stage = 'estimate' and plan_basis = 'council_approved'
        ) as estimate_council_bn_vnd,
        max(estimate_assigned_by) filter (
            where stage = 'estimate' and plan_basis = 'council_approved'
        ) as estimate_council_approved_by,
        max(amount_bn_vnd) filter (where stage = 'execution') as execution_bn_vnd
    from lines
    group by
        budget_year,
        report_period,
        period_id,
        admin_unit_id,
        unit_scope,
        execution_start_date,
        execution_end_date,
        budget_category_id
),

with_prior_year as (
    select
        pivoted.*,
        prior_year.execution_bn_vnd as execution_prior_year_bn_vnd
    from pivoted
    left join pivoted as prior_year
        on
            pivoted.admin_unit_id = prior_year.admin_unit_id
            and pivoted.unit_scope = prior_year.unit_scope
            and pivoted.report_period = prior_year.report_period
            and pivoted.budget_category_id = prior_year.budget_category_id
            and pivoted.budget_year = prior_year.budget_year + 1
            and (pivoted.execution_start_date - interval 1 year)::date
            is not distinct from prior_year.execution_start_date
            and (pivoted.execution_end_date - interval 1 year)::date
            is not distinct from prior_year.execution_end_date
),

rated as (
    select
        *,
        execution_bn_vnd::double / nullif(estimate_superior_bn_vnd, 0)::double * 100
            as execution_rate_superior_estimate_pct,
        execution_bn_vnd::double / nullif(estimate_council_bn_vnd, 0)::double * 100
            as execution_rate_council_estimate_pct,
        execution_bn_vnd::double / nullif(execution_prior_year_bn_vnd, 0)::double * 100
            as execution_yoy_ratio_pct
    from with_prior_year
),

final as (
    select
        rated.period_id
        || '/' || rated.unit_scope
        || '/' || rated.admin_unit_id
        || '/' || rated.budget_category_id as budget_execution_id,
        rated.admin_unit_id,
        rated.unit_scope,
        rated.period_id,
        rated.budget_year,
        rated.report_period,
        rated.execution_start_date,
        rated.execution_end_date,
        rated.budget_category_id,
        categories.item_name,
        categories.outline_level,
        categories.category_group,
        categories.category_subgroup,
        categories.is_leaf,
        rated.estimate_superior_bn_vnd::decimal(24, 6) as estimate_superior_bn_vnd,
        rated.estimate_superior_assigned_by,
        rated.estimate_council_bn_vnd::decimal(24, 6) as estimate_council_bn_vnd,
        rated.estimate_council_approved_by,
        rated.execution_bn_vnd::decimal(24, 6) as execution_bn_vnd,
        rated.execution_prior_year_bn_vnd::decimal(24, 6) as execution_prior_year_bn_vnd,
        rated.execution_rate_superior_estimate_pct,
        rated.execution_rate_council_estimate_pct,
        rated.execution_yoy_ratio_pct
    from rated
    left join categories
        on rated.budget_category_id = categories.budget_category_id
)

select * from final
