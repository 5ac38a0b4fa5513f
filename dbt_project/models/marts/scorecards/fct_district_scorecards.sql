-- One row per district and period of the district era (to the last day of the district
-- level, 2025-06-30) within the span of the data: each year 2021..2024 and each first
-- half 2021-H1..2025-H1, every district valid the whole period, with or without data.
-- Budget execution and disbursement are cumulative from 1 January, so a second half is
-- never reported on its own: the periods are the year (12-month budget report, last
-- disbursement report of the year) and the first half (6-month report, last disbursement
-- report on or before 30 June), the half also for the years before 2025, so 2025-H1
-- compares with 2024-H1.
--
-- Missing data is never a result: a district without rows in a domain has null measures
-- there, an incomplete throughput period (a missing month) has null measures, and a rank
-- is given only among the districts with a value (rank() over those), with the number
-- ranked beside it (`*_ranked_count`). Basis columns name where each domain comes from:
-- the budget report and the end of its execution, the disbursement report's as-of date
-- and plan year, who assigned the estimate.
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

indices as (
    select * from {{ ref('fct_governance_index_scores') }}
),

district_level as (
    select
        min(valid_from) as first_day,
        max(valid_to) as last_day
    from units
    where admin_level = 'district'
),

-- The first and the last day any of the domains has data for.
data_dates as (
    select
        min(execution_start_date) as first_date,
        max(execution_end_date) as last_date
    from budget
    union all
    select
        min(date_trunc('month', as_of_date)::date) as first_date,
        max(last_day(as_of_date)) as last_date
    from disbursement
    union all
    select
        min(period_start_date) as first_date,
        max(period_end_date) as last_date
    from throughputs
),

data_span as (
    select
        min(first_date) as first_date,
        max(last_date) as last_date
    from data_dates
),

scorecard_periods as (
    select
        periods.period_id,
        periods.period_type,
        periods.period_year,
        periods.start_date,
        periods.end_date,
        case when periods.period_type = 'year' then '12T' else '6T' end as budget_report_period
    from periods
    cross join district_level
    cross join data_span
    where
        (
            periods.period_type = 'year'
            or (periods.period_type = 'half' and month(periods.start_date) = 1)
        )
        and periods.start_date >= data_span.first_date
        and periods.end_date <= least(district_level.last_day, data_span.last_date)
),

district_periods as (
    select
        units.admin_unit_id,
        units.short_name_vi as district_name,
        scorecard_periods.period_id,
        scorecard_periods.period_type,
        scorecard_periods.period_year,
        scorecard_periods.start_date as period_start_date,
        scorecard_periods.end_date as period_end_date,
        scorecard_periods.budget_report_period
    from units
    inner join scorecard_periods
        on
            units.valid_from <= scorecard_periods.start_date
            and coalesce(units.valid_to, date '9999-12-31') >= scorecard_periods.end_date
    where units.admin_level = 'district'
),

-- The budget report of each period (the city's row says when its execution ends).
budget_reports as (
    select
        scorecard_periods.period_id,
        budget.report_period as budget_report_period,
        budget.execution_end_date as budget_execution_end_date
    from scorecard_periods
    inner join budget
        on
            scorecard_periods.period_year = budget.budget_year
            and scorecard_periods.budget_report_period = budget.report_period
    where budget.unit_scope = 'city_total' and budget.budget_category_id = 'A'
),

district_budget as (
    select
        scorecard_periods.period_id,
        budget.admin_unit_id,
        max(budget.estimate_superior_assigned_by) as budget_estimate_assigned_by,
        max(budget.execution_bn_vnd) filter (where budget.budget_category_id = 'A')
            as revenue_execution_bn_vnd,
        max(budget.execution_rate_superior_estimate_pct) filter (
            where budget.budget_category_id = 'A'
        ) as revenue_execution_rate_superior_estimate_pct,
        max(budget.execution_bn_vnd) filter (where budget.budget_category_id = 'B')
            as expenditure_execution_bn_vnd
    from scorecard_periods
    inner join budget
        on
            scorecard_periods.period_year = budget.budget_year
            and scorecard_periods.budget_report_period = budget.report_period
    where budget.unit_scope = 'district' and budget.budget_category_id in ('A', 'B')
    group by scorecard_periods.period_id, budget.admin_unit_id
),

-- The last disbursement report of the plan year cut within the period.
disbursement_reports as (
    {{ scorecard_disbursement_reports() }}
),

district_disbursement as (
    {{ scorecard_unit_disbursement('district') }}
),

district_throughputs as (
    select
        admin_unit_id,
        period_id,
        is_complete,
        received_count,
        finished_count,
        on_time_rate_pct,
        online_share_pct,
        same_day_share_pct
    from throughputs
    where admin_level = 'district'
),

district_par_index as (
    select
        admin_unit_id,
        index_year::varchar as period_id,
        score as district_par_index_score,
        rank as district_par_index_rank
    from indices
    where index_code = 'DISTRICT_PAR_INDEX'
),

joined as (
    select
        district_periods.admin_unit_id,
        district_periods.district_name,
        district_periods.period_id,
        district_periods.period_type,
        district_periods.period_year,
        district_periods.period_start_date,
        district_periods.period_end_date,
        budget_reports.budget_report_period,
        budget_reports.budget_execution_end_date,
        district_budget.budget_estimate_assigned_by,
        district_budget.revenue_execution_bn_vnd,
        district_budget.revenue_execution_rate_superior_estimate_pct,
        district_budget.expenditure_execution_bn_vnd,
        disbursement_reports.disbursement_as_of_date,
        disbursement_reports.disbursement_plan_year,
        district_disbursement.plan_ttg_bn_vnd as disbursement_plan_ttg_bn_vnd,
        district_disbursement.plan_city_bn_vnd as disbursement_plan_city_bn_vnd,
        district_disbursement.disbursed_cumulative_bn_vnd as disbursed_bn_vnd,
        district_disbursement.disbursement_rate_ttg_plan_pct,
        district_disbursement.disbursement_rate_city_plan_pct,
        district_throughputs.is_complete as throughput_is_complete,
        district_throughputs.received_count as dossiers_received,
        district_throughputs.finished_count as dossiers_finished,
        district_throughputs.on_time_rate_pct,
        district_throughputs.online_share_pct,
        district_throughputs.same_day_share_pct,
        district_par_index.district_par_index_score,
        district_par_index.district_par_index_rank
    from district_periods
    left join budget_reports
        on district_periods.period_id = budget_reports.period_id
    left join district_budget
        on
            district_periods.admin_unit_id = district_budget.admin_unit_id
            and district_periods.period_id = district_budget.period_id
    left join disbursement_reports
        on district_periods.period_id = disbursement_reports.period_id
    left join district_disbursement
        on
            district_periods.admin_unit_id = district_disbursement.admin_unit_id
            and district_periods.period_id = district_disbursement.period_id
    left join district_throughputs
        on
            district_periods.admin_unit_id = district_throughputs.admin_unit_id
            and district_periods.period_id = district_throughputs.period_id
    left join district_par_index
        on
            district_periods.admin_unit_id = district_par_index.admin_unit_id
            and district_periods.period_id = district_par_index.period_id
),

-- Ranks among the districts with a value only; the others get none.
ranked as (
    select
        *,
        {{ scorecard_ranks([
            {'column': 'revenue_execution_rate_superior_estimate_pct',
             'name': 'revenue_execution_rate'},
            {'column': 'disbursement_rate_city_plan_pct', 'name': 'disbursement_rate_city_plan'},
            {'column': 'on_time_rate_pct', 'name': 'on_time_rate'},
            {'column': 'online_share_pct', 'name': 'online_share'},
        ]) }}
    from joined
),

final as (
    select
        admin_unit_id || '/' || period_id as district_scorecard_id,
        admin_unit_id,
        district_name,
        period_id,
        period_type,
        period_year,
        period_start_date,
        period_end_date,
        budget_report_period,
        budget_execution_end_date,
        budget_estimate_assigned_by,
        revenue_execution_bn_vnd,
        revenue_execution_rate_superior_estimate_pct,
        expenditure_execution_bn_vnd,
        disbursement_as_of_date,
        disbursement_plan_year,
        disbursement_plan_ttg_bn_vnd,
        disbursement_plan_city_bn_vnd,
        disbursed_bn_vnd,
        disbursement_rate_ttg_plan_pct,
        disbursement_rate_city_plan_pct,
        throughput_is_complete,
        dossiers_received,
        dossiers_finished,
        on_time_rate_pct,
        online_share_pct,
        same_day_share_pct,
        district_par_index_score,
        district_par_index_rank,
        revenue_execution_rate_rank,
        revenue_execution_rate_ranked_count,
        disbursement_rate_city_plan_rank,
        disbursement_rate_city_plan_ranked_count,
        on_time_rate_rank,
        on_time_rate_ranked_count,
        online_share_rank,
        online_share_ranked_count
    from ranked
)

select * from final
