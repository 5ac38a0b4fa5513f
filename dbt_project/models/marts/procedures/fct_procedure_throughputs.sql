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
-- longer periods are built from their months. Those steps are written once, as macros
-- shared with the restated series (macros/procedure_throughput_periods.sql).
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
        {{ procedure_summed_flow_counts() }}
    from unit_flows
    group by admin_unit_id, month_start_date
),

{{ procedure_covered_periods() }}

reporting_units as (
    {{ procedure_reporting_units() }}
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
        {{ procedure_monthly_counts('monthly_flows') }}
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
        {{ procedure_monthly_stocks() }}
    from monthly
    window unit_history as (partition by admin_unit_id order by month_start_date)
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
        {{ procedure_period_rollup() }}
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
    {{ procedure_missing_by_period() }}
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
        complete_periods.*,
        {{ procedure_derived_counts('complete_periods') }}
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
        {{ procedure_counts_if_complete(procedure_throughput_counts()) }}
        {{ procedure_throughput_rates() }}
    from measured
)

select * from final
