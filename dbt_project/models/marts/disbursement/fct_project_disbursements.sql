-- One row per project, plan year and monthly disbursement report. The report month is
-- the period; the figures are cut at as_of_date (month end, except the reports of
-- November 2023 and October 2025, cut on 2023-11-15 and 2025-10-20), and the cumulative
-- figure runs from 1 January of the plan year to as_of_date. A plan year runs to
-- 31 January of the next year, so a January report carries two plan years: the
-- previous one in its extension month, and the new one.
with

project_reports as (
    select * from {{ ref('stg_disbursement__project_reports') }}
),

admin_units as (
    select * from {{ ref('dim_admin_units') }}
),

with_levels as (
    select
        project_reports.*,
        admin_units.admin_level as investor_level,
        project_reports.plan_year < year(project_reports.as_of_date) as is_extension_month
    from project_reports
    left join admin_units
        on project_reports.admin_unit_id = admin_units.admin_unit_id
),

final as (
    select
        project_report_id,
        project_code,
        project_name,
        report_month as period_id,
        case
            when is_extension_month then plan_year::varchar
            else left(report_month, 4) || '-YTD' || right(report_month, 2)
        end as ytd_period_id,
        plan_year,
        is_extension_month,
        as_of_date,
        as_of_date = last_day(as_of_date) as is_cut_at_month_end,
        admin_unit_id,
        investor_level,
        admin_unit_id = '01' as is_city_level_project,
        investor,
        funding_source,
        plan_ttg_bn_vnd::decimal(24, 6) as plan_ttg_bn_vnd,
        plan_city_bn_vnd::decimal(24, 6) as plan_city_bn_vnd,
        disbursed_in_period_bn_vnd::decimal(24, 6) as disbursed_in_period_bn_vnd,
        disbursed_cumulative_bn_vnd::decimal(24, 6) as disbursed_cumulative_bn_vnd
    from with_levels
)

select * from final
