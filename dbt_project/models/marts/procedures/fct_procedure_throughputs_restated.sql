-- Dossier throughput on today's boundaries (the 126 communes in force since the reform,
-- and '01' for the city desks), per period from the first month loaded, to follow a place
-- across the reform. The monthly events of every desk, allocated to today's units
-- (int_dossier_flows_allocated, which says how), are turned into stocks and periods as in
-- fct_procedure_throughputs, by the same macros (macros/procedure_throughput_periods.sql);
-- rates are recomputed from the allocated numerator and denominator, never averaged.
-- Allocated counts are rounded to 1e-9 (floating-point noise, not dossiers). Missing
-- months (fct_procedure_coverages) give null measures, never zeros.
with

monthly_flows as (
    select * from {{ ref('int_dossier_flows_allocated') }}
),

crosswalks as (
    select * from {{ ref('dim_admin_unit_crosswalks') }}
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

{{ procedure_reform_units() }}

{{ procedure_covered_periods() }}

report_units as (
    select
        admin_unit_id,
        'commune' as unit_scope
    from current_communes
    union all
    select
        admin_unit_id,
        'city_desks' as unit_scope
    from city
),

unit_months as (
    select
        report_units.admin_unit_id,
        report_units.unit_scope,
        covered_months.month_start_date
    from report_units
    cross join covered_months
),

monthly as (
    select
        unit_months.admin_unit_id,
        unit_months.unit_scope,
        unit_months.month_start_date,
        {{ procedure_monthly_counts('monthly_flows') }}
        coalesce(monthly_flows.late_change_count, 0) as late_change_count,
        coalesce(monthly_flows.pre_reform_backlog_change_count, 0)
            as pre_reform_backlog_change_count,
        coalesce(monthly_flows.district_desk_received_count, 0)
            as district_desk_received_count,
        monthly_flows.allocation_basis
    from unit_months
    left join monthly_flows
        on
            unit_months.admin_unit_id = monthly_flows.admin_unit_id
            and unit_months.month_start_date = monthly_flows.month_start_date
),

monthly_stocks as (
    select
        *,
        {{ procedure_monthly_stocks() }},
        sum(pre_reform_backlog_change_count) over unit_history as pre_reform_backlog_end_count
    from monthly
    window unit_history as (partition by admin_unit_id order by month_start_date)
),

-- A row's month is missing when a reporting unit feeding it delivered nothing: before
-- the reform a district, for every unit its communes' pieces reach; after it the commune
-- itself; the city departments' desks for the row '01'.
missing_unit_months as (
    select distinct
        coverage.admin_unit_id as missing_admin_unit_id,
        coverage.month_start_date,
        crosswalks.new_admin_unit_id as admin_unit_id
    from coverage
    inner join communes
        on
            coverage.admin_unit_id = communes.district_admin_unit_id
            and coverage.month_start_date >= communes.valid_from
            and communes.valid_to >= last_day(coverage.month_start_date)
    inner join crosswalks
        on
            communes.admin_unit_id = crosswalks.old_admin_unit_id
            and crosswalks.crosswalk_type = 'to_current'
    where coverage.is_missing and coverage.admin_level = 'district'
    union all
    select
        admin_unit_id as missing_admin_unit_id,
        month_start_date,
        admin_unit_id
    from coverage
    where coverage.is_missing and coverage.admin_level in ('commune', 'city')
),

rolled_up as (
    select
        monthly_stocks.admin_unit_id,
        monthly_stocks.unit_scope,
        covered_periods.period_id,
        covered_periods.period_type,
        covered_periods.start_date as period_start_date,
        covered_periods.end_date as period_end_date,
        {{ procedure_period_rollup() }},
        arg_min(
            monthly_stocks.pre_reform_backlog_end_count
            - monthly_stocks.pre_reform_backlog_change_count,
            monthly_stocks.month_start_date
        ) as pre_reform_backlog_count,
        sum(monthly_stocks.district_desk_received_count) as district_desk_received_count,
        string_agg(distinct monthly_stocks.allocation_basis, ' + ')
            as allocation_basis_list
    from monthly_stocks
    inner join covered_periods
        on
            monthly_stocks.month_start_date between covered_periods.start_date
            and covered_periods.end_date
    group by
        monthly_stocks.admin_unit_id,
        monthly_stocks.unit_scope,
        covered_periods.period_id,
        covered_periods.period_type,
        covered_periods.start_date,
        covered_periods.end_date
),

missing_by_period as (
    {{ procedure_missing_by_period() }}
),

measured as (
    select
        rolled_up.*,
        coalesce(missing_by_period.missing_unit_count, 0) as missing_unit_count,
        coalesce(missing_by_period.missing_unit_count, 0) = 0 as is_complete,
        rolled_up.unit_scope = 'commune'
        and rolled_up.period_start_date < reform.reform_date as is_restated,
        {{ procedure_derived_counts('rolled_up') }},
        -- The bases of the row's months, each listed once, in a stable order; a period
        -- after the reform that starts with dossiers received before it open says so.
        array_to_string(
            list_sort(list_distinct(list_concat(
                string_split(rolled_up.allocation_basis_list, ' + '),
                case
                    when
                        rolled_up.period_start_date >= reform.reform_date
                        and rolled_up.pre_reform_backlog_count > 1e-9
                        then ['pre_reform_carryover']
                    else []::varchar[]
                end
            ))),
            ' + '
        ) as allocation_basis
    from rolled_up
    cross join reform
    left join missing_by_period
        on
            rolled_up.admin_unit_id = missing_by_period.admin_unit_id
            and rolled_up.period_id = missing_by_period.period_id
),

final as (
    select
        admin_unit_id || '|' || period_id as procedure_throughput_restated_id,
        admin_unit_id,
        unit_scope,
        period_id,
        period_type,
        period_start_date,
        period_end_date,
        is_restated,
        case
            when unit_scope = 'city_desks' then 'city_desks'
            when allocation_basis <> '' then allocation_basis
            when is_restated then 'no_dossiers'
            else 'observed'
        end as allocation_basis,
        is_complete,
        missing_unit_count::bigint as missing_unit_count,
        {{ procedure_counts_if_complete(procedure_throughput_counts() + [
            'resolution_days_sum', 'pre_reform_backlog_count', 'district_desk_received_count',
        ], rounded=true) }}
        {{ procedure_throughput_rates() }}
    from measured
)

select * from final
