-- Coverage of the dossier source: one row per source × reporting unit × month of receipt
-- from the first to the last month loaded. The reporting units are the ones the throughput
-- mart reports: the city departments' desks (admin_unit_id '01'), each district (its own
-- desk and its communes' desks) while districts exist, each commune after the reform.
-- Expected: every such unit valid for the whole month. Received: the month's own export
-- (the regular file of that receipt month or a re-extraction of it) delivered at least
-- one dossier of the unit; dossiers of the month that only arrived as later updates do
-- not count, so a month whose file is missing shows as missing, not as a small number.
with

dossiers as (
    select * from {{ ref('fct_dossiers') }}
),

admin_units as (
    select * from {{ ref('dim_admin_units') }}
),

periods as (
    select * from {{ ref('dim_periods') }}
),

unit_months_received as (
    select
        coalesce(reporting_admin_unit_id, '01') as admin_unit_id,
        period_id,
        count(*) as dossier_count,
        count_if(first_export_month = period_id) as exported_dossier_count,
        max(status_as_of_at) as extracted_at
    from dossiers
    group by coalesce(reporting_admin_unit_id, '01'), period_id
),

span as (
    select
        min(period_id) as first_period_id,
        max(period_id) as last_period_id
    from unit_months_received
),

months as (
    select
        periods.period_id,
        periods.start_date,
        periods.end_date
    from periods
    cross join span
    where
        periods.period_type = 'month'
        and periods.period_id between span.first_period_id and span.last_period_id
),

reporting_units as (
    {{ procedure_reporting_units() }}
),

expected as (
    select
        reporting_units.admin_unit_id,
        reporting_units.admin_level,
        months.period_id,
        months.start_date as month_start_date
    from reporting_units
    inner join months
        on
            reporting_units.valid_from <= months.start_date
            and reporting_units.valid_to >= months.end_date
),

joined as (
    select
        coalesce(expected.admin_unit_id, unit_months_received.admin_unit_id) as admin_unit_id,
        coalesce(expected.period_id, unit_months_received.period_id) as period_id,
        expected.admin_level,
        expected.month_start_date,
        expected.admin_unit_id is not null as is_expected,
        coalesce(unit_months_received.exported_dossier_count, 0) > 0 as is_received,
        coalesce(unit_months_received.dossier_count, 0) as dossier_count,
        unit_months_received.extracted_at
    from expected
    full outer join unit_months_received
        on
            expected.admin_unit_id = unit_months_received.admin_unit_id
            and expected.period_id = unit_months_received.period_id
),

final as (
    select
        'procedures|' || joined.admin_unit_id || '|' || joined.period_id
            as procedure_coverage_id,
        'procedures' as source_name,
        joined.admin_unit_id,
        coalesce(joined.admin_level, admin_units.admin_level) as admin_level,
        joined.period_id,
        coalesce(joined.month_start_date, periods.start_date) as month_start_date,
        joined.is_expected,
        joined.is_received,
        joined.is_expected and not joined.is_received as is_missing,
        joined.dossier_count::bigint as dossier_count,
        joined.extracted_at
    from joined
    left join admin_units
        on joined.admin_unit_id = admin_units.admin_unit_id
    left join periods
        on joined.period_id = periods.period_id
)

select * from final
