-- Published figures of the disbursement domain (D1..D11) recomputed from the city_total
-- rows of fct_disbursement_progress. Rate = cumulative disbursed since 1 January of the
-- plan year / that plan year's plan, in percent; a period 'YYYY-01-01..date' or
-- 'YYYY-H1' is the report cut at that date (2023-11-15, 2024-06-30, 2024-10-31,
-- 2025-10-20), read in the plan year of the period. A plan figure is the plan year's
-- plan in the report its vintage names (D1: the first 2024 report; D7, D8: the October
-- 2025 report, cut on 2025-10-20).
with

progress as (
    select * from {{ ref('fct_disbursement_progress') }}
),

city_reports as (
    select * from progress
    where admin_unit_id = '01' and unit_scope = 'city_total'
),

first_report_of_2024 as (
    select * from city_reports
    where plan_year = 2024
    order by as_of_date
    limit 1
),

cut_2023_11_15 as (
    select * from city_reports
    where plan_year = 2023 and as_of_date = date '2023-11-15'
),

cut_2025_10_20 as (
    select * from city_reports
    where plan_year = 2025 and as_of_date = date '2025-10-20'
),

final as (
    -- D1: the 2024 plan assigned by the Prime Minister, as of the first 2024 report.
    select
        'D1' as figure_id,
        plan_ttg_bn_vnd::double as warehouse_value
    from first_report_of_2024
    union all
    select
        'D2' as figure_id,
        disbursement_rate_ttg_plan_pct as warehouse_value
    from city_reports
    where plan_year = 2024 and as_of_date = date '2024-06-30'
    union all
    select
        'D3' as figure_id,
        disbursement_rate_ttg_plan_pct as warehouse_value
    from city_reports
    where plan_year = 2024 and as_of_date = date '2024-10-31'
    union all
    select
        'D4' as figure_id,
        disbursed_cumulative_bn_vnd::double as warehouse_value
    from cut_2023_11_15
    union all
    select
        'D5' as figure_id,
        disbursement_rate_ttg_plan_pct as warehouse_value
    from cut_2023_11_15
    union all
    select
        'D6' as figure_id,
        disbursement_rate_city_plan_pct as warehouse_value
    from cut_2023_11_15
    union all
    select
        'D7' as figure_id,
        plan_ttg_bn_vnd::double as warehouse_value
    from cut_2025_10_20
    union all
    select
        'D8' as figure_id,
        plan_city_bn_vnd::double as warehouse_value
    from cut_2025_10_20
    union all
    select
        'D9' as figure_id,
        disbursed_cumulative_bn_vnd::double as warehouse_value
    from cut_2025_10_20
    union all
    select
        'D10' as figure_id,
        disbursement_rate_ttg_plan_pct as warehouse_value
    from cut_2025_10_20
    union all
    select
        'D11' as figure_id,
        disbursement_rate_city_plan_pct as warehouse_value
    from cut_2025_10_20
)

select * from final
