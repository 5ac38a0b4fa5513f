-- Dossier throughput of the city and of each reporting unit per period (month, quarter,
-- half, year, year to date), by the stock-flow of Decision 766/QĐ-TTg: to process =
-- backlog at the end of the previous period + received; on-time rate (2.1) = (finished on
-- time + in progress and not yet due at period end) / to process. Before the reform a
-- district counts its own desk and its communes' desks; from 2025-07-01 each commune
-- counts its own desk; the city counts every desk (its departments plus the districts, or
-- plus the communes).
--
-- Completeness: a period in which an expected reporting unit delivered nothing for a month
-- (fct_procedure_coverages) is flagged (is_complete false, missing_unit_count) and its
-- measures are null, never zero. Stocks of later periods are counted from the dossiers
-- loaded, so they lack the dossiers of a missing month that are still open.
--
-- Set-based for tens of millions of dossiers: the dossier events (received, finished,
-- ended, became late while open, closed while late) are counted per desk and month in
-- int_dossier_flows_counted (shared with fct_procedure_throughputs_restated) and summed
-- per reporting unit here; stocks at each month end are running sums of those counts;
-- longer periods are built from their months.
with

reporting_flows as (
    select * from {{ ref('int_dossier_flows_counted') }}
),

coverage as (
    select * from {{ ref('fct_procedure_coverages') }}
),

admin_units as (
    select * from {{ ref('dim_admin_units') }}
),

periods as (
    select * from {{ ref('dim_periods') }}
),

city as (
    select admin_unit_id from admin_units
    where admin_level = 'city'
),

unit_flows as (
    select
        reporting_flows.*,
        reporting_flows.reporting_admin_unit_id as admin_unit_id
    from reporting_flows
    where reporting_flows.reporting_admin_unit_id is not null
    union all
    select
        reporting_flows.*,
        city.admin_unit_id
    from reporting_flows
    cross join city
),

monthly_flows as (
    select
        admin_unit_id,
        month_start_date,
        coalesce(sum(received_count), 0) as received_count,
        coalesce(sum(same_day_count), 0) as same_day_count,
        coalesce(sum(online_count), 0) as online_count,
        coalesce(sum(fee_bearing_count), 0) as fee_bearing_count,
        coalesce(sum(paid_online_count), 0) as paid_online_count,
        coalesce(sum(digitised_count), 0) as digitised_count,
        coalesce(sum(finished_count), 0) as finished_count,
        coalesce(sum(finished_on_time_count), 0) as finished_on_time_count,
        coalesce(sum(resolution_days_sum), 0) as resolution_days_sum,
        coalesce(sum(ended_count), 0) as ended_count,
        coalesce(sum(late_started_count), 0) as late_started_count,
        coalesce(sum(late_closed_count), 0) as late_closed_count
    from unit_flows
    group by admin_unit_id, month_start_date
),

span as (
    select
        min(month_start_date) as first_month_start_date,
        last_day(max(month_start_date)) as last_month_end_date
    from coverage
),

covered_periods as (
    select periods.*
    from periods
    cross join span
    where
        periods.period_type in ('month', 'quarter', 'half', 'year', 'year_to_date')
        and periods.start_date >= span.first_month_start_date
        and periods.end_date <= span.last_month_end_date
),

covered_months as (
    select
        start_date as month_start_date,
        end_date as month_end_date
    from covered_periods
    where period_type = 'month'
),

reporting_units as (
    select
        admin_unit_id,
        admin_level,
        valid_from,
        coalesce(valid_to, date '9999-12-31') as valid_to
    from admin_units
    where
        admin_level in ('city', 'district')
        or (admin_level = 'commune' and district_admin_unit_id is null)
),

unit_months as (
    select
        reporting_units.admin_unit_id,
        reporting_units.admin_level,
        covered_months.month_start_date,
        covered_months.month_end_date
    from reporting_units
    inner join covered_months
        on
            reporting_units.valid_from <= covered_months.month_start_date
            and reporting_units.valid_to >= covered_months.month_end_date
),

-- Expected units that delivered nothing for a month: the unit's own row, and every unit
-- for the city row (the city's departments' desks included).
missing_unit_months as (
    select
        coverage.admin_unit_id as missing_admin_unit_id,
        coverage.month_start_date,
        coverage.admin_unit_id
    from coverage
    where coverage.is_missing and coverage.admin_level <> 'city'
    union all
    select
        coverage.admin_unit_id as missing_admin_unit_id,
        coverage.month_start_date,
        city.admin_unit_id
    from coverage
    cross join city
    where coverage.is_missing
),

monthly as (
    select
        unit_months.admin_unit_id,
        unit_months.admin_level,
        unit_months.month_start_date,
        coalesce(monthly_flows.received_count, 0) as received_count,
        coalesce(monthly_flows.same_day_count, 0) as same_day_count,
        coalesce(monthly_flows.online_count, 0) as online_count,
        coalesce(monthly_flows.fee_bearing_count, 0) as fee_bearing_count,
        coalesce(monthly_flows.paid_online_count, 0) as paid_online_count,
        coalesce(monthly_flows.digitised_count, 0) as digitised_count,
        coalesce(monthly_flows.finished_count, 0) as finished_count,
        coalesce(monthly_flows.finished_on_time_count, 0) as finished_on_time_count,
        coalesce(monthly_flows.resolution_days_sum, 0) as resolution_days_sum,
        coalesce(monthly_flows.ended_count, 0) as ended_count,
        coalesce(monthly_flows.late_started_count, 0)
        - coalesce(monthly_flows.late_closed_count, 0) as late_change_count
    from unit_months
    left join monthly_flows
        on
            unit_months.admin_unit_id = monthly_flows.admin_unit_id
            and unit_months.month_start_date = monthly_flows.month_start_date
),

monthly_stocks as (
    select
        *,
        sum(received_count - finished_count - ended_count) over (
            partition by admin_unit_id order by month_start_date
        ) as backlog_end_count,
        sum(late_change_count) over (
            partition by admin_unit_id order by month_start_date
        ) as in_progress_late_count
    from monthly
),

rolled_up as (
    select
        monthly_stocks.admin_unit_id,
        monthly_stocks.admin_level,
        covered_periods.period_id,
        covered_periods.period_type,
        covered_periods.start_date as period_start_date,
        covered_periods.end_date as period_end_date,
        covered_periods.month_count,
        count(*) as months_present,
        arg_min(
            monthly_stocks.backlog_end_count
            - monthly_stocks.received_count
            + monthly_stocks.finished_count
            + monthly_stocks.ended_count,
            monthly_stocks.month_start_date
        ) as backlog_count,
        sum(monthly_stocks.received_count) as received_count,
        sum(monthly_stocks.finished_count) as finished_count,
        sum(monthly_stocks.finished_on_time_count) as finished_on_time_count,
        sum(monthly_stocks.ended_count) as ended_count,
        arg_max(monthly_stocks.backlog_end_count, monthly_stocks.month_start_date)
            as backlog_end_count,
        arg_max(monthly_stocks.in_progress_late_count, monthly_stocks.month_start_date)
            as in_progress_late_count,
        sum(monthly_stocks.resolution_days_sum) as resolution_days_sum,
        sum(monthly_stocks.same_day_count) as same_day_count,
        sum(monthly_stocks.online_count) as online_count,
        sum(monthly_stocks.fee_bearing_count) as fee_bearing_count,
        sum(monthly_stocks.paid_online_count) as paid_online_count,
        sum(monthly_stocks.digitised_count) as digitised_count
    from monthly_stocks
    inner join covered_periods
        on
            monthly_stocks.month_start_date between covered_periods.start_date
            and covered_periods.end_date
    group by
        monthly_stocks.admin_unit_id,
        monthly_stocks.admin_level,
        covered_periods.period_id,
        covered_periods.period_type,
        covered_periods.start_date,
        covered_periods.end_date,
        covered_periods.month_count
),

missing_by_period as (
    select
        missing_unit_months.admin_unit_id,
        covered_periods.period_id,
        count(distinct missing_unit_months.missing_admin_unit_id) as missing_unit_count
    from missing_unit_months
    inner join covered_periods
        on
            missing_unit_months.month_start_date between covered_periods.start_date
            and covered_periods.end_date
    group by missing_unit_months.admin_unit_id, covered_periods.period_id
),

complete_periods as (
    select
        rolled_up.*,
        coalesce(missing_by_period.missing_unit_count, 0) as missing_unit_count,
        coalesce(missing_by_period.missing_unit_count, 0) = 0 as is_complete
    from rolled_up
    left join missing_by_period
        on
            rolled_up.admin_unit_id = missing_by_period.admin_unit_id
            and rolled_up.period_id = missing_by_period.period_id
    where rolled_up.months_present = rolled_up.month_count
),

measured as (
    select
        admin_unit_id,
        admin_level,
        period_id,
        period_type,
        period_start_date,
        period_end_date,
        is_complete,
        missing_unit_count,
        backlog_count,
        received_count,
        backlog_count + received_count as to_process_count,
        finished_count,
        finished_on_time_count,
        finished_count - finished_on_time_count as finished_late_count,
        ended_count,
        backlog_end_count - in_progress_late_count as in_progress_on_time_count,
        in_progress_late_count,
        backlog_end_count,
        same_day_count,
        online_count,
        fee_bearing_count,
        paid_online_count,
        digitised_count,
        resolution_days_sum
    from complete_periods
),

final as (
    select
        admin_unit_id || '|' || period_id as procedure_throughput_id,
        admin_unit_id,
        admin_level,
        period_id,
        period_type,
        period_start_date,
        period_end_date,
        is_complete,
        missing_unit_count::bigint as missing_unit_count,
        case when is_complete then backlog_count end::bigint as backlog_count,
        case when is_complete then received_count end::bigint as received_count,
        case when is_complete then to_process_count end::bigint as to_process_count,
        case when is_complete then finished_count end::bigint as finished_count,
        case when is_complete then finished_on_time_count end::bigint
            as finished_on_time_count,
        case when is_complete then finished_late_count end::bigint as finished_late_count,
        case when is_complete then ended_count end::bigint as ended_count,
        case when is_complete then in_progress_on_time_count end::bigint
            as in_progress_on_time_count,
        case when is_complete then in_progress_late_count end::bigint
            as in_progress_late_count,
        case when is_complete then backlog_end_count end::bigint as backlog_end_count,
        case when is_complete then same_day_count end::bigint as same_day_count,
        case when is_complete then online_count end::bigint as online_count,
        case when is_complete then fee_bearing_count end::bigint as fee_bearing_count,
        case when is_complete then paid_online_count end::bigint as paid_online_count,
        case when is_complete then digitised_count end::bigint as digitised_count,
        {{ procedure_throughput_rates() }}
    from measured
)

select * from final
