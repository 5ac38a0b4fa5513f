-- One row per project and monthly disbursement report. The report month is the
-- period; the figures are cut at as_of_date (month end, except the November 2023
-- report cut on 2023-11-15), and the cumulative figure runs from 1 January of the
-- plan year to as_of_date.
with

project_reports as (
    select * from {{ ref('stg_disbursement__project_reports') }}
),

final as (
    select
        project_report_id,
        project_code,
        project_name,
        report_month as period_id,
        left(report_month, 4) || '-YTD' || right(report_month, 2) as ytd_period_id,
        plan_year,
        as_of_date,
        as_of_date = last_day(as_of_date) as is_cut_at_month_end,
        admin_unit_id,
        admin_unit_id = '01' as is_city_level_project,
        investor,
        funding_source,
        plan_ttg_bn_vnd::decimal(24, 6) as plan_ttg_bn_vnd,
        plan_city_bn_vnd::decimal(24, 6) as plan_city_bn_vnd,
        disbursed_in_period_bn_vnd::decimal(24, 6) as disbursed_in_period_bn_vnd,
        disbursed_cumulative_bn_vnd::decimal(24, 6) as disbursed_cumulative_bn_vnd
    from project_reports
)

select * from final
