-- Disbursement progress per monthly report and plan year, by unit scope:
--   city_total  the city ('01'): every project of the city;
--   city_level  the city ('01'): the projects of city-level investors only;
--   district    a district: its projects (reports cut before 2025-07-01);
--   commune     a commune-level unit: the projects of its people's committee or project
--               board (reports cut from 2025-07-01, when there are no districts).
-- So city_total = city_level + the districts before the reform, + the communes after.
-- A January report carries two plan years (the previous one's extension month and the
-- new one): each has its own rows. Rates are cumulative disbursed since 1 January of the
-- plan year over that plan year's plan, in percent, under both plan bases; they are not
-- capped (execution can exceed the plan) and are null where the plan is zero.
{#- The totals of a group of projects: the same for every unit scope. -#}
{%- set project_totals -%}
max(as_of_date) as as_of_date,
        count(*) as project_count,
        sum(plan_ttg_bn_vnd) as plan_ttg_bn_vnd,
        sum(plan_city_bn_vnd) as plan_city_bn_vnd,
        sum(disbursed_in_period_bn_vnd) as disbursed_in_period_bn_vnd,
        sum(disbursed_cumulative_bn_vnd) as disbursed_cumulative_bn_vnd
{%- endset %}

with

project_disbursements as (
    select * from {{ ref('fct_project_disbursements') }}
),

local_totals as (
    select
        admin_unit_id,
        investor_level as admin_level,
        investor_level as unit_scope,
        period_id,
        ytd_period_id,
        plan_year,
        is_extension_month,
        {{ project_totals }}
    from project_disbursements
    where not is_city_level_project
    group by
        admin_unit_id, investor_level, period_id, ytd_period_id, plan_year, is_extension_month
),

city_level_totals as (
    select
        '01' as admin_unit_id,
        'city' as admin_level,
        'city_level' as unit_scope,
        period_id,
        ytd_period_id,
        plan_year,
        is_extension_month,
        {{ project_totals }}
    from project_disbursements
    where is_city_level_project
    group by period_id, ytd_period_id, plan_year, is_extension_month
),

city_totals as (
    select
        '01' as admin_unit_id,
        'city' as admin_level,
        'city_total' as unit_scope,
        period_id,
        ytd_period_id,
        plan_year,
        is_extension_month,
        {{ project_totals }}
    from project_disbursements
    group by period_id, ytd_period_id, plan_year, is_extension_month
),

unit_totals as (
    select * from local_totals
    union all
    select * from city_level_totals
    union all
    select * from city_totals
),

final as (
    select
        admin_unit_id
        || '|' || unit_scope
        || '|' || period_id
        || '|' || plan_year as disbursement_progress_id,
        admin_unit_id,
        admin_level,
        unit_scope,
        period_id,
        ytd_period_id,
        plan_year::integer as plan_year,
        is_extension_month,
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
