{{ config(severity='error', meta={'dagster': {'ref': {'name': 'fct_disbursement_progress'}}}) }}

-- The city row of every report equals the city-level projects plus all district rows:
-- same project count, plans, in-period and cumulative amounts.
with

progress as (
    select * from {{ ref('fct_disbursement_progress') }}
),

project_disbursements as (
    select * from {{ ref('fct_project_disbursements') }}
),

city_rows as (
    select * from progress
    where admin_level = 'city'
),

district_rows as (
    select * from progress
    where admin_level = 'district'
),

city_level_projects as (
    select * from project_disbursements
    where is_city_level_project
),

parts as (
    select
        period_id,
        project_count,
        plan_ttg_bn_vnd,
        plan_city_bn_vnd,
        disbursed_in_period_bn_vnd,
        disbursed_cumulative_bn_vnd
    from district_rows
    union all
    select
        period_id,
        1 as project_count,
        plan_ttg_bn_vnd,
        plan_city_bn_vnd,
        disbursed_in_period_bn_vnd,
        disbursed_cumulative_bn_vnd
    from city_level_projects
),

summed_parts as (
    select
        period_id,
        sum(project_count) as project_count,
        sum(plan_ttg_bn_vnd) as plan_ttg_bn_vnd,
        sum(plan_city_bn_vnd) as plan_city_bn_vnd,
        sum(disbursed_in_period_bn_vnd) as disbursed_in_period_bn_vnd,
        sum(disbursed_cumulative_bn_vnd) as disbursed_cumulative_bn_vnd
    from parts
    group by period_id
),

compared as (
    select
        coalesce(city_rows.period_id, summed_parts.period_id) as period_id,
        city_rows.project_count as city_project_count,
        summed_parts.project_count as parts_project_count,
        city_rows.plan_ttg_bn_vnd as city_plan_ttg_bn_vnd,
        summed_parts.plan_ttg_bn_vnd as parts_plan_ttg_bn_vnd,
        city_rows.plan_city_bn_vnd as city_plan_city_bn_vnd,
        summed_parts.plan_city_bn_vnd as parts_plan_city_bn_vnd,
        city_rows.disbursed_in_period_bn_vnd as city_in_period_bn_vnd,
        summed_parts.disbursed_in_period_bn_vnd as parts_in_period_bn_vnd,
        city_rows.disbursed_cumulative_bn_vnd as city_cumulative_bn_vnd,
        summed_parts.disbursed_cumulative_bn_vnd as parts_cumulative_bn_vnd
    from city_rows
    full outer join summed_parts
        on city_rows.period_id = summed_parts.period_id
),

final as (
    select * from compared
    where
        city_project_count is distinct from parts_project_count
        or city_plan_ttg_bn_vnd is distinct from parts_plan_ttg_bn_vnd
        or city_plan_city_bn_vnd is distinct from parts_plan_city_bn_vnd
        or city_in_period_bn_vnd is distinct from parts_in_period_bn_vnd
        or city_cumulative_bn_vnd is distinct from parts_cumulative_bn_vnd
)

select * from final
