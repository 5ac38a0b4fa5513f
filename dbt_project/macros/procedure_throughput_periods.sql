{#- The pieces fct_procedure_throughputs and fct_procedure_throughputs_restated share:
    one definition each of the months and periods a throughput covers, the monthly event
    counts, the stocks, the roll-up of months into a period (quarter, half, year, year to
    date) and the count of units missing in a period. They expect CTEs named as below. -#}

{#- The additive event counts of a desk and month (int_dossier_flows_counted), in the
    order the marts show them; late_started/late_closed are kept apart (they make the
    late stock). -#}
{% macro procedure_flow_counts() %}
    {{- return([
        'received_count',
        'same_day_count',
        'online_count',
        'fee_bearing_count',
        'paid_online_count',
        'digitised_count',
        'finished_count',
        'finished_on_time_count',
        'resolution_days_sum',
        'ended_count',
    ]) -}}
{% endmacro %}

{#- The stock and flow counts of a throughput row, in the order the marts show them (the
    rates follow, procedure_throughput_rates). -#}
{% macro procedure_throughput_counts() %}
    {{- return([
        'backlog_count',
        'received_count',
        'to_process_count',
        'finished_count',
        'finished_on_time_count',
        'finished_late_count',
        'ended_count',
        'in_progress_on_time_count',
        'in_progress_late_count',
        'backlog_end_count',
        'same_day_count',
        'online_count',
        'fee_bearing_count',
        'paid_online_count',
        'digitised_count',
    ]) -}}
{% endmacro %}

{#- CTEs `span`, `covered_periods` and `covered_months`: every month, quarter, half, year
    and year to date of dim_periods (CTE `periods`) inside the months loaded
    (fct_procedure_coverages, CTE `coverage`). Emits CTE definitions, each followed by a
    comma. -#}
{% macro procedure_covered_periods() %}
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
{%- endmacro %}

{#- The event counts of `relation` for a unit-month, 0 where it has no row: select
    columns, each followed by a comma. -#}
{% macro procedure_monthly_counts(relation) %}
    {%- for count in procedure_flow_counts() %}
        coalesce({{ relation }}.{{ count }}, 0) as {{ count }},
    {%- endfor %}
{%- endmacro %}

{#- The stocks at each month end, running sums over the window `unit_history`
    (partition by admin_unit_id order by month_start_date): the backlog (received minus
    finished minus ended) and the dossiers in progress that are late. -#}
{% macro procedure_monthly_stocks() %}
        sum(received_count - finished_count - ended_count) over unit_history
            as backlog_end_count,
        sum(late_change_count) over unit_history as in_progress_late_count
{%- endmacro %}

{#- A period from its months (CTE `monthly_stocks` joined to `covered_periods`): the
    backlog at its start and the stocks at its end from its first and last month, the
    events summed. Aggregate select columns. -#}
{% macro procedure_period_rollup() %}
        arg_min(
            monthly_stocks.backlog_end_count
            - monthly_stocks.received_count
            + monthly_stocks.finished_count
            + monthly_stocks.ended_count,
            monthly_stocks.month_start_date
        ) as backlog_count,
        arg_max(monthly_stocks.backlog_end_count, monthly_stocks.month_start_date)
            as backlog_end_count,
        arg_max(monthly_stocks.in_progress_late_count, monthly_stocks.month_start_date)
            as in_progress_late_count,
    {%- for count in procedure_flow_counts() %}
        sum(monthly_stocks.{{ count }}) as {{ count }}{{ ',' if not loop.last }}
    {%- endfor %}
{%- endmacro %}

{#- The body of CTE `missing_by_period`: per row unit and covered period, how many
    expected reporting units delivered nothing for a month of it (CTE
    `missing_unit_months`: missing_admin_unit_id, month_start_date, admin_unit_id). -#}
{% macro procedure_missing_by_period() %}
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
{%- endmacro %}

{#- CTEs `city`, `current_communes`, `reform` (the first day of today's communes) and
    `communes` (every commune version, open-ended valid_to as 9999-12-31) from
    dim_admin_units (CTE `admin_units`): the units the restated series is built on, for
    int_dossier_flows_allocated and fct_procedure_throughputs_restated. Emits CTE
    definitions, each followed by a comma. -#}
{% macro procedure_reform_units() %}
city as (
    select admin_unit_id from admin_units
    where admin_level = 'city'
),

current_communes as (
    select
        admin_unit_id,
        valid_from
    from admin_units
    where admin_level = 'commune' and is_current
),

reform as (
    select min(valid_from) as reform_date from current_communes
),

communes as (
    select
        admin_unit_id,
        district_admin_unit_id,
        valid_from,
        coalesce(valid_to, date '9999-12-31') as valid_to
    from admin_units
    where admin_level = 'commune'
),
{%- endmacro %}

{#- The counts a period's stock-flow derives (Decision 766/QĐ-TTg): to process = backlog
    at the start + received; finished late = finished - finished on time; in progress on
    time = backlog at the end - in progress late. Select columns from `relation` (a CTE
    of procedure_period_rollup's columns). -#}
{% macro procedure_derived_counts(relation) %}
        {{ relation }}.backlog_count + {{ relation }}.received_count as to_process_count,
        {{ relation }}.finished_count - {{ relation }}.finished_on_time_count
            as finished_late_count,
        {{ relation }}.backlog_end_count - {{ relation }}.in_progress_late_count
            as in_progress_on_time_count
{%- endmacro %}

{#- The body of CTE `reporting_units`: the units that deliver a monthly dossier export
    (dim_admin_units, CTE `admin_units`): the city, the districts, and the communes that
    have no district (from the 2025-07-01 reform); open-ended valid_to as 9999-12-31. One
    definition for fct_procedure_coverages (who is expected) and fct_procedure_throughputs
    (who has a row). -#}
{% macro procedure_reporting_units() %}
    select
        admin_unit_id,
        admin_level,
        valid_from,
        coalesce(valid_to, date '9999-12-31') as valid_to
    from admin_units
    where
        admin_level in ('city', 'district')
        or (admin_level = 'commune' and district_admin_unit_id is null)
{%- endmacro %}

{#- The counts `counts` of a row, each null unless the period is complete (is_complete):
    a missing month gives null measures, never zeros. As bigint, or, `rounded` (allocated
    counts, sums of weight x count), rounded to 1e-9 (floating-point noise, not
    dossiers). Select columns, each followed by a comma. -#}
{% macro procedure_counts_if_complete(counts, rounded=false) %}
    {%- for count in counts %}
        {%- if rounded %}
        round(case when is_complete then {{ count }} end, 9) + 0.0 as {{ count }},
        {%- else %}
        case when is_complete then {{ count }} end::bigint as {{ count }},
        {%- endif %}
    {%- endfor %}
{%- endmacro %}

{#- The event counts summed over a group, 0 for none: aggregate select columns for
    procedure_flow_counts() and the late-stock events, the last without a comma. -#}
{% macro procedure_summed_flow_counts() %}
    {%- for count in procedure_flow_counts() + ['late_started_count', 'late_closed_count'] %}
        coalesce(sum({{ count }}), 0) as {{ count }}{{ ',' if not loop.last }}
    {%- endfor %}
{%- endmacro %}
