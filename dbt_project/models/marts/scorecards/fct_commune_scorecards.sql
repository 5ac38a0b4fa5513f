-- One row per commune and period of the two-level government (from the first day of the
-- communes that have no district, 2025-07-01): every commune valid the whole period, with
-- or without data (126 a period). Periods, from dim_periods: each half and year that
-- starts on or after that day and ends by the last month any domain has data for (data
-- end), and the year to date of that month (2026-YTD11 in the sample) unless it is a half
-- or year already there. The communes' 2025 starts on 2025-07-01, so 2025-H2 is their
-- 2025 (its budget is the 12-month report of 2025, whose commune rows start on 2025-07-01).
--
-- Each domain takes its latest report within the period and says which: budget from the
-- latest report of the period's year whose execution ends within the period
-- (`budget_report_period`, execution dates), estimates assigned by the city (the
-- commune's superior); disbursement from the last monthly report cut within the period
-- for the period's plan year (`disbursement_as_of_date`), commune-level investors only,
-- against the city's and the Prime Minister's (TTg) plan; throughput for the period
-- itself.
--
-- Missing data is never a result: a commune without rows in a domain has null measures
-- there, an incomplete throughput period (a missing month) has null measures, and a rank
-- is given only among the communes with a value (rank() over those), with the number
-- ranked beside it (`*_ranked_count`).
with

units as (
    select * from {{ ref('dim_admin_units') }}
),

periods as (
    select * from {{ ref('dim_periods') }}
),

budget as (
    select * from {{ ref('fct_budget_executions') }}
),

disbursement as (
    select * from {{ ref('fct_disbursement_progress') }}
),

throughputs as (
    select * from {{ ref('fct_procedure_throughputs') }}
),

commune_era as (
    select min(valid_from) as first_day
    from units
    where admin_level = 'commune' and district_admin_unit_id is null
),

-- The last day of the last month any domain has data for.
last_dates as (
    select max(execution_end_date) as last_date from budget
    union all
    select max(last_day(as_of_date)) as last_date from disbursement
    union all
    select max(period_end_date) as last_date from throughputs
),

data_span as (
    select max(last_date) as last_date
    from last_dates
),

halves_and_years as (
    select periods.*
    from periods
    cross join commune_era
    cross join data_span
    where
        periods.period_type in ('half', 'year')
        and periods.start_date >= commune_era.first_day
        and periods.end_date <= data_span.last_date
),

latest_year_to_date as (
    select periods.*
    from periods
    cross join commune_era
    cross join data_span
    where
        periods.period_type = 'year_to_date'
        and periods.start_date >= commune_era.first_day
        and periods.end_date = data_span.last_date
        and periods.end_date not in (select halves_and_years.end_date from halves_and_years)
),

scorecard_periods as (
    select * from halves_and_years
    union all
    select * from latest_year_to_date
),

commune_periods as (
    select
        units.admin_unit_id,
        units.short_name_vi as commune_name,
        units.unit_type,
        scorecard_periods.period_id,
        scorecard_periods.period_type,
        scorecard_periods.period_year,
        scorecard_periods.start_date as period_start_date,
        scorecard_periods.end_date as period_end_date
    from units
    inner join scorecard_periods
        on
            units.valid_from <= scorecard_periods.start_date
            and coalesce(units.valid_to, date '9999-12-31') >= scorecard_periods.end_date
    where units.admin_level = 'commune'
),

-- The latest budget report of the period's year whose execution (the city's row) ends
-- within the period.
budget_report_candidates as (
    select
        scorecard_periods.period_id,
        budget.budget_year,
        budget.report_period,
        budget.execution_end_date
    from scorecard_periods
    inner join budget
        on
            scorecard_periods.period_year = budget.budget_year
            and budget.execution_end_date
            between scorecard_periods.start_date and scorecard_periods.end_date
    where budget.unit_scope = 'city_total' and budget.budget_category_id = 'A'
),

budget_reports as (
    select
        period_id,
        arg_max(budget_year, execution_end_date) as budget_year,
        arg_max(report_period, execution_end_date) as budget_report_period
    from budget_report_candidates
    group by period_id
),

commune_budget as (
    select
        budget_reports.period_id,
        budget.admin_unit_id,
        min(budget.execution_start_date) as budget_execution_start_date,
        max(budget.execution_end_date) as budget_execution_end_date,
        max(budget.estimate_superior_assigned_by) as budget_estimate_assigned_by,
        max(budget.estimate_superior_bn_vnd) filter (where budget.budget_category_id = 'A')
            as revenue_estimate_superior_bn_vnd,
        max(budget.execution_bn_vnd) filter (where budget.budget_category_id = 'A')
            as revenue_execution_bn_vnd,
        max(budget.execution_rate_superior_estimate_pct) filter (
            where budget.budget_category_id = 'A'
        ) as revenue_execution_rate_superior_estimate_pct,
        max(budget.estimate_superior_bn_vnd) filter (where budget.budget_category_id = 'B')
            as expenditure_estimate_superior_bn_vnd,
        max(budget.execution_bn_vnd) filter (where budget.budget_category_id = 'B')
            as expenditure_execution_bn_vnd,
        max(budget.execution_rate_superior_estimate_pct) filter (
            where budget.budget_category_id = 'B'
        ) as expenditure_execution_rate_superior_estimate_pct
    from budget_reports
    inner join budget
        on
            budget_reports.budget_year = budget.budget_year
            and budget_reports.budget_report_period = budget.report_period
    where budget.unit_scope = 'commune' and budget.budget_category_id in ('A', 'B')
    group by budget_reports.period_id, budget.admin_unit_id
),

-- The last disbursement report of the period's plan year cut within the period.
disbursement_reports as (
    {{ scorecard_disbursement_reports() }}
),

commune_disbursement as (
    {{ scorecard_unit_disbursement('commune') }}
),

commune_throughputs as (
    select
        admin_unit_id,
        period_id,
        is_complete,
        received_count,
        to_process_count,
        finished_count,
        finished_late_count,
        backlog_end_count,
        on_time_rate_pct,
        same_day_share_pct,
        online_share_pct,
        online_payment_share_pct,
        digitised_share_pct,
        avg_resolution_days
    from throughputs
    where admin_level = 'commune'
),

joined as (
    select
        commune_periods.admin_unit_id,
        commune_periods.commune_name,
        commune_periods.unit_type,
        commune_periods.period_id,
        commune_periods.period_type,
        commune_periods.period_year,
        commune_periods.period_start_date,
        commune_periods.period_end_date,
        commune_throughputs.is_complete as throughput_is_complete,
        commune_throughputs.received_count as dossiers_received,
        commune_throughputs.to_process_count as dossiers_to_process,
        commune_throughputs.finished_count as dossiers_finished,
        commune_throughputs.finished_late_count as dossiers_finished_late,
        commune_throughputs.backlog_end_count as dossiers_backlog_end,
        commune_throughputs.on_time_rate_pct,
        commune_throughputs.same_day_share_pct,
        commune_throughputs.online_share_pct,
        commune_throughputs.online_payment_share_pct,
        commune_throughputs.digitised_share_pct,
        commune_throughputs.avg_resolution_days,
        budget_reports.budget_report_period,
        commune_budget.budget_execution_start_date,
        commune_budget.budget_execution_end_date,
        commune_budget.budget_estimate_assigned_by,
        commune_budget.revenue_estimate_superior_bn_vnd,
        commune_budget.revenue_execution_bn_vnd,
        commune_budget.revenue_execution_rate_superior_estimate_pct,
        commune_budget.expenditure_estimate_superior_bn_vnd,
        commune_budget.expenditure_execution_bn_vnd,
        commune_budget.expenditure_execution_rate_superior_estimate_pct,
        disbursement_reports.disbursement_as_of_date,
        disbursement_reports.disbursement_plan_year,
        commune_disbursement.project_count as disbursement_project_count,
        commune_disbursement.plan_ttg_bn_vnd as disbursement_plan_ttg_bn_vnd,
        commune_disbursement.plan_city_bn_vnd as disbursement_plan_city_bn_vnd,
        commune_disbursement.disbursed_cumulative_bn_vnd as disbursed_bn_vnd,
        commune_disbursement.disbursement_rate_ttg_plan_pct,
        commune_disbursement.disbursement_rate_city_plan_pct
    from commune_periods
    left join commune_throughputs
        on
            commune_periods.admin_unit_id = commune_throughputs.admin_unit_id
            and commune_periods.period_id = commune_throughputs.period_id
    left join budget_reports
        on commune_periods.period_id = budget_reports.period_id
    left join commune_budget
        on
            commune_periods.admin_unit_id = commune_budget.admin_unit_id
            and commune_periods.period_id = commune_budget.period_id
    left join disbursement_reports
        on commune_periods.period_id = disbursement_reports.period_id
    left join commune_disbursement
        on
            commune_periods.admin_unit_id = commune_disbursement.admin_unit_id
            and commune_periods.period_id = commune_disbursement.period_id
),

-- Ranks among the communes with a value only; the others get none.
ranked as (
    select
        *,
        {{ scorecard_ranks([
            {'column': 'on_time_rate_pct', 'name': 'on_time_rate'},
            {'column': 'online_share_pct', 'name': 'online_share'},
            {'column': 'online_payment_share_pct', 'name': 'online_payment_share'},
            {'column': 'digitised_share_pct', 'name': 'digitised_share'},
            {'column': 'avg_resolution_days', 'name': 'avg_resolution_days', 'order': 'asc'},
            {'column': 'revenue_execution_rate_superior_estimate_pct',
             'name': 'revenue_execution_rate'},
            {'column': 'expenditure_execution_rate_superior_estimate_pct',
             'name': 'expenditure_execution_rate'},
            {'column': 'disbursement_rate_city_plan_pct', 'name': 'disbursement_rate_city_plan'},
        ]) }}
    from joined
),

final as (
    select
        admin_unit_id || '/' || period_id as commune_scorecard_id,
        admin_unit_id,
        commune_name,
        unit_type,
        period_id,
        period_type,
        period_year,
        period_start_date,
        period_end_date,
        throughput_is_complete,
        dossiers_received,
        dossiers_to_process,
        dossiers_finished,
        dossiers_finished_late,
        dossiers_backlog_end,
        on_time_rate_pct,
        same_day_share_pct,
        online_share_pct,
        online_payment_share_pct,
        digitised_share_pct,
        avg_resolution_days,
        budget_report_period,
        budget_execution_start_date,
        budget_execution_end_date,
        budget_estimate_assigned_by,
        revenue_estimate_superior_bn_vnd,
        revenue_execution_bn_vnd,
        revenue_execution_rate_superior_estimate_pct,
        expenditure_estimate_superior_bn_vnd,
        expenditure_execution_bn_vnd,
        expenditure_execution_rate_superior_estimate_pct,
        disbursement_as_of_date,
        disbursement_plan_year,
        disbursement_project_count,
        disbursement_plan_ttg_bn_vnd,
        disbursement_plan_city_bn_vnd,
        disbursed_bn_vnd,
        disbursement_rate_ttg_plan_pct,
        disbursement_rate_city_plan_pct,
        on_time_rate_rank,
        on_time_rate_ranked_count,
        online_share_rank,
        online_share_ranked_count,
        online_payment_share_rank,
        online_payment_share_ranked_count,
        digitised_share_rank,
        digitised_share_ranked_count,
        avg_resolution_days_rank,
        avg_resolution_days_ranked_count,
        revenue_execution_rate_rank,
        revenue_execution_rate_ranked_count,
        expenditure_execution_rate_rank,
        expenditure_execution_rate_ranked_count,
        disbursement_rate_city_plan_rank,
        disbursement_rate_city_plan_ranked_count
    from ranked
)

select * from final
