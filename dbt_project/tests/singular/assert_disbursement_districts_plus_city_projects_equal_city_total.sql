{{ config(severity='error', meta={'dagster': {'ref': {'name': 'fct_disbursement_progress'}}}) }}

-- For every report and plan year, the city_total row equals the city-level projects
-- plus the local rows of the era of its as-of date: the districts while the district
-- level exists (reports cut before 2025-07-01), the commune-level units after it (same
-- project count, plans, in-period and cumulative amounts). The city_level row equals the
-- city-level projects. The era comes from dim_admin_units: a report may have district
-- rows only while some district is valid on its as-of date, and commune rows only when
-- none is.
with

progress as (
    select * from {{ ref('fct_disbursement_progress') }}
),

project_disbursements as (
    select * from {{ ref('fct_project_disbursements') }}
),

admin_units as (
    select * from {{ ref('dim_admin_units') }}
),

district_validity as (
    select
        valid_from,
        coalesce(valid_to, date '9999-12-31') as valid_to
    from admin_units
    where admin_level = 'district'
),

reports as (
    select distinct
        period_id,
        plan_year,
        as_of_date
    from progress
),

report_eras as (
    select
        reports.period_id,
        reports.plan_year,
        count(district_validity.valid_from) > 0 as has_district_level
    from reports
    left join district_validity
        on reports.as_of_date between district_validity.valid_from and district_validity.valid_to
    group by reports.period_id, reports.plan_year
),

city_rows as (
    select * from progress
    where unit_scope in ('city_total', 'city_level')
),

local_rows as (
    select
        progress.*,
        report_eras.has_district_level
    from progress
    inner join report_eras
        on
            progress.period_id = report_eras.period_id
            and progress.plan_year = report_eras.plan_year
    where progress.unit_scope in ('district', 'commune')
),

city_level_projects as (
    select
        period_id,
        plan_year,
        count(*) as project_count,
        sum(plan_ttg_bn_vnd) as plan_ttg_bn_vnd,
        sum(plan_city_bn_vnd) as plan_city_bn_vnd,
        sum(disbursed_in_period_bn_vnd) as disbursed_in_period_bn_vnd,
        sum(disbursed_cumulative_bn_vnd) as disbursed_cumulative_bn_vnd
    from project_disbursements
    where is_city_level_project
    group by period_id, plan_year
),

parts as (
    select
        period_id,
        plan_year,
        project_count,
        plan_ttg_bn_vnd,
        plan_city_bn_vnd,
        disbursed_in_period_bn_vnd,
        disbursed_cumulative_bn_vnd
    from local_rows
    union all
    select
        period_id,
        plan_year,
        project_count,
        plan_ttg_bn_vnd,
        plan_city_bn_vnd,
        disbursed_in_period_bn_vnd,
        disbursed_cumulative_bn_vnd
    from city_level_projects
),

summed_parts as (
    select
        period_id,
        plan_year,
        sum(project_count) as project_count,
        sum(plan_ttg_bn_vnd) as plan_ttg_bn_vnd,
        sum(plan_city_bn_vnd) as plan_city_bn_vnd,
        sum(disbursed_in_period_bn_vnd) as disbursed_in_period_bn_vnd,
        sum(disbursed_cumulative_bn_vnd) as disbursed_cumulative_bn_vnd
    from parts
    group by period_id, plan_year
),

-- What each city row must equal: city_total the city-level projects plus the local
-- rows, city_level the city-level projects.
expected_rows as (
    select
        'city_total' as unit_scope,
        summed_parts.*
    from summed_parts
    union all by name
    select
        'city_level' as unit_scope,
        city_level_projects.*
    from city_level_projects
),

compared as (
    select
        coalesce(city_rows.period_id, expected_rows.period_id) as period_id,
        coalesce(city_rows.plan_year, expected_rows.plan_year) as plan_year,
        case coalesce(city_rows.unit_scope, expected_rows.unit_scope)
            when 'city_total' then 'city_total is not city_level + local units'
            else 'city_level is not the city-level projects'
        end as problem,
        city_rows.project_count as city_project_count,
        expected_rows.project_count as parts_project_count,
        city_rows.plan_ttg_bn_vnd as city_plan_ttg_bn_vnd,
        expected_rows.plan_ttg_bn_vnd as parts_plan_ttg_bn_vnd,
        city_rows.plan_city_bn_vnd as city_plan_city_bn_vnd,
        expected_rows.plan_city_bn_vnd as parts_plan_city_bn_vnd,
        city_rows.disbursed_in_period_bn_vnd as city_in_period_bn_vnd,
        expected_rows.disbursed_in_period_bn_vnd as parts_in_period_bn_vnd,
        city_rows.disbursed_cumulative_bn_vnd as city_cumulative_bn_vnd,
        expected_rows.disbursed_cumulative_bn_vnd as parts_cumulative_bn_vnd
    from city_rows
    full outer join expected_rows
        on
            city_rows.unit_scope = expected_rows.unit_scope
            and city_rows.period_id = expected_rows.period_id
            and city_rows.plan_year = expected_rows.plan_year
),

mismatches as (
    select * from compared
    where
        city_project_count is distinct from parts_project_count
        or city_plan_ttg_bn_vnd is distinct from parts_plan_ttg_bn_vnd
        or city_plan_city_bn_vnd is distinct from parts_plan_city_bn_vnd
        or city_in_period_bn_vnd is distinct from parts_in_period_bn_vnd
        or city_cumulative_bn_vnd is distinct from parts_cumulative_bn_vnd
),

wrong_era as (
    select
        period_id,
        plan_year,
        unit_scope || ' row ' || admin_unit_id || ' in a report of the other era' as problem,
        project_count as city_project_count,
        null::integer as parts_project_count,
        plan_ttg_bn_vnd as city_plan_ttg_bn_vnd,
        null::decimal(24, 6) as parts_plan_ttg_bn_vnd,
        plan_city_bn_vnd as city_plan_city_bn_vnd,
        null::decimal(24, 6) as parts_plan_city_bn_vnd,
        disbursed_in_period_bn_vnd as city_in_period_bn_vnd,
        null::decimal(24, 6) as parts_in_period_bn_vnd,
        disbursed_cumulative_bn_vnd as city_cumulative_bn_vnd,
        null::decimal(24, 6) as parts_cumulative_bn_vnd
    from local_rows
    where (unit_scope = 'district') != has_district_level
),

final as (
    select * from mismatches
    union all
    select * from wrong_era
)

select * from final
