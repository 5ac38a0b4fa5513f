{#- For every period of a scorecard of `admin_level` units ('district', 'commune'), the
    additive columns summed over the units plus what the other units did equal the city
    totals of the domain marts:
      dossiers_received              city ('01') received = city departments' desks +
                                     the units;
      revenue_execution_bn_vnd,      budget city_total = the units + every other scope
      expenditure_execution_bn_vnd   of the report (city_agencies; in 2025 the district
                                     budgets closed on 2025-06-30, former_districts), of
                                     the scorecard's budget report;
      disbursement_plan_city_bn_vnd, disbursement city_total = city_level + the units, of
      disbursed_bn_vnd               the scorecard's disbursement report.
    `measures` names those compared. Compared only where both sides have data: dossiers
    and budget when every unit of the period has a value and the city's row exists (for
    dossiers, is complete: a missing month leaves the unit's and the city's period null,
    never 0); disbursement when the city's report exists (a unit without projects has
    null, which adds nothing). A comparison left out is not a pass of the other side: the
    missing-data tests cover the nulls. A failing row names the period and the measure. -#}
{% test scorecard_adds_up_to_city_totals(model, admin_level, measures) %}

{%- set units = admin_level ~ 's' %}
{%- set budget_measures = {
    'revenue_execution_bn_vnd': 'revenue',
    'expenditure_execution_bn_vnd': 'expenditure',
} %}
{%- set disbursement_measures = {
    'disbursement_plan_city_bn_vnd': 'plan_city',
    'disbursed_bn_vnd': 'disbursed',
} %}

with

scorecards as (
    select * from {{ model }}
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

dossiers as (
    select * from {{ ref('fct_dossiers') }}
),

unit_sums as (
    select
        period_id,
        period_year,
        period_start_date,
        period_end_date,
        max(budget_report_period) as budget_report_period,
        max(disbursement_as_of_date) as disbursement_as_of_date,
        max(disbursement_plan_year) as disbursement_plan_year,
        count(*) as units,
        count(dossiers_received) as units_with_dossiers,
        count(revenue_execution_bn_vnd) as units_with_revenue,
        count(expenditure_execution_bn_vnd) as units_with_expenditure,
        sum(dossiers_received) as dossiers_received,
        sum(revenue_execution_bn_vnd) as revenue_bn_vnd,
        sum(expenditure_execution_bn_vnd) as expenditure_bn_vnd,
        coalesce(sum(disbursement_plan_city_bn_vnd), 0) as plan_city_bn_vnd,
        coalesce(sum(disbursed_bn_vnd), 0) as disbursed_bn_vnd
    from scorecards
    group by period_id, period_year, period_start_date, period_end_date
),

city_budget as (
    select
        unit_sums.period_id,
        max(budget.execution_bn_vnd) filter (
            where budget.unit_scope = 'city_total' and budget.budget_category_id = 'A'
        ) as city_revenue_bn_vnd,
        max(budget.execution_bn_vnd) filter (
            where budget.unit_scope = 'city_total' and budget.budget_category_id = 'B'
        ) as city_expenditure_bn_vnd,
        coalesce(sum(budget.execution_bn_vnd) filter (
            where budget.unit_scope not in ('city_total', '{{ admin_level }}')
            and budget.budget_category_id = 'A'
        ), 0) as other_revenue_bn_vnd,
        coalesce(sum(budget.execution_bn_vnd) filter (
            where budget.unit_scope not in ('city_total', '{{ admin_level }}')
            and budget.budget_category_id = 'B'
        ), 0) as other_expenditure_bn_vnd
    from unit_sums
    inner join budget
        on
            unit_sums.period_year = budget.budget_year
            and unit_sums.budget_report_period = budget.report_period
    where budget.budget_category_id in ('A', 'B')
    group by unit_sums.period_id
),

city_disbursement as (
    select
        unit_sums.period_id,
        max(disbursement.plan_city_bn_vnd) filter (
            where disbursement.unit_scope = 'city_total'
        ) as city_plan_city_bn_vnd,
        max(disbursement.disbursed_cumulative_bn_vnd) filter (
            where disbursement.unit_scope = 'city_total'
        ) as city_disbursed_bn_vnd,
        coalesce(max(disbursement.plan_city_bn_vnd) filter (
            where disbursement.unit_scope = 'city_level'
        ), 0) as other_plan_city_bn_vnd,
        coalesce(max(disbursement.disbursed_cumulative_bn_vnd) filter (
            where disbursement.unit_scope = 'city_level'
        ), 0) as other_disbursed_bn_vnd
    from unit_sums
    inner join disbursement
        on
            unit_sums.disbursement_plan_year = disbursement.plan_year
            and unit_sums.disbursement_as_of_date = disbursement.as_of_date
    group by unit_sums.period_id
),

city_throughputs as (
    select
        period_id,
        is_complete,
        received_count
    from throughputs
    where admin_level = 'city'
),

city_desks as (
    select
        unit_sums.period_id,
        count(dossiers.dossier_id) as city_desk_received
    from unit_sums
    inner join dossiers
        on
            unit_sums.period_start_date <= dossiers.received_date
            and unit_sums.period_end_date >= dossiers.received_date
    where dossiers.desk_level = 'city'
    group by unit_sums.period_id
),

compared as (
    {%- for measure in measures %}
    {%- if measure == 'dossiers_received' %}
    select
        unit_sums.period_id,
        'dossiers_received' as measure,
        unit_sums.dossiers_received::double as {{ units }}_value,
        (city_throughputs.received_count - coalesce(city_desks.city_desk_received, 0))::double
            as expected_value,
        0 as tolerance
    from unit_sums
    inner join city_throughputs
        on unit_sums.period_id = city_throughputs.period_id
    left join city_desks
        on unit_sums.period_id = city_desks.period_id
    where
        city_throughputs.is_complete
        and unit_sums.units_with_dossiers = unit_sums.units
    {%- elif measure in budget_measures %}
    {%- set part = budget_measures[measure] %}
    select
        unit_sums.period_id,
        '{{ measure }}' as measure,
        unit_sums.{{ part }}_bn_vnd::double as {{ units }}_value,
        (city_budget.city_{{ part }}_bn_vnd - city_budget.other_{{ part }}_bn_vnd)::double
            as expected_value,
        0.001 as tolerance
    from unit_sums
    inner join city_budget
        on unit_sums.period_id = city_budget.period_id
    where
        city_budget.city_{{ part }}_bn_vnd is not null
        and unit_sums.units_with_{{ part }} = unit_sums.units
    {%- elif measure in disbursement_measures %}
    {%- set part = disbursement_measures[measure] %}
    select
        unit_sums.period_id,
        '{{ measure }}' as measure,
        unit_sums.{{ part }}_bn_vnd::double as {{ units }}_value,
        (
            city_disbursement.city_{{ part }}_bn_vnd
            - city_disbursement.other_{{ part }}_bn_vnd
        )::double as expected_value,
        0.001 as tolerance
    from unit_sums
    inner join city_disbursement
        on unit_sums.period_id = city_disbursement.period_id
    where city_disbursement.city_{{ part }}_bn_vnd is not null
    {%- else %}
    {{ exceptions.raise_compiler_error('scorecard_adds_up_to_city_totals: unknown measure ' ~ measure) }}
    {%- endif %}
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}
),

final as (
    select * from compared
    where
        {{ units }}_value is null
        or expected_value is null
        or abs({{ units }}_value - expected_value) > tolerance
)

select * from final

{% endtest %}
