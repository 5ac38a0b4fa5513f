-- Disbursement progress per monthly report for the city and each district-level unit.
-- A district row sums the projects the district reports; the city row ('01') sums
-- every project of the city: the city-level projects plus all district projects.
-- Rates are cumulative disbursed since 1 January of the plan year over the plan, in
-- percent, under both plan bases; they are not capped (execution can exceed the plan)
-- and are null where the plan is zero.
with

project_disbursements as (
    select * from {{ ref('fct_project_disbursements') }}
),

district_totals as (
    select
        admin_unit_id,
        'district' as admin_level,
        period_id,
        ytd_period_id,
        plan_year,
        max(as_of_date) as as_of_date,
        count(*) as project_count,
        sum(plan_ttg_bn_vnd) as plan_ttg_bn_vnd,
        sum(plan_city_bn_vnd) as plan_city_bn_vnd,
        sum(disbursed_in_period_bn_vnd) as disbursed_in_period_bn_vnd,
        sum(disbursed_cumulative_bn_vnd) as disbursed_cumulative_bn_vnd
    from project_disbursements
    where not is_city_level_project
    group by admin_unit_id, period_id, ytd_period_id, plan_year
),

city_totals as (
    select
        '01' as admin_unit_id,
        'city' as admin_level,
        period_id,
        ytd_period_id,
        plan_year,
        max(as_of_date) as as_of_date,
        count(*) as project_count,
        sum(plan_ttg_bn_vnd) as plan_ttg_bn_vnd,
        sum(plan_city_bn_vnd) as plan_city_bn_vnd,
        sum(disbursed_in_period_bn_vnd) as disbursed_in_period_bn_vnd,
        sum(disbursed_cumulative_bn_vnd) as disbursed_cumulative_bn_vnd
    from project_disbursements
    group by period_id, ytd_period_id, plan_year
),

unit_totals as (
    select * from district_totals
    union all
    select * from city_totals
),

final as (
    select
        admin_unit_id || '|' || period_id as disbursement_progress_id,
        admin_unit_id,
        admin_level,
        period_id,
        ytd_period_id,
        plan_year::integer as plan_year,
        as_of_date,
        as_of_date = last_day(as_of_date) as is_cut_at_month_end,
        project_count::integer as project_count,
        plan_ttg_bn_vnd::decimal(24, 6) as plan_ttg_bn_vnd,
        plan_city_bn_vnd::decimal(24, 6) as plan_city_bn_vnd,
        disbursed_in_period_bn_vnd::decimal(24, 6) as disbursed_in_period_bn_vnd,
        disbursed_cumulative_bn_vnd::decimal(24, 6) as disbursed_cumulative_bn_vnd,
        100 * disbursed_cumulative_bn_vnd::double
        / nullif(plan_ttg_bn_vnd, 0)::double as disbursement_rate_ttg_plan_pct,
        100 * disbursed_cumulative_bn_vnd::double
        / nullif(plan_city_bn_vnd, 0)::double as disbursement_rate_city_plan_pct
    from unit_totals
)

select * from final
