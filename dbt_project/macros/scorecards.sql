{#- The ranks of a scorecard (fct_district_scorecards, fct_commune_scorecards), one rule
    for every ranked measure: a unit is ranked only among the units of its period that
    have a value (rank() over those; ties share a rank), a unit without a value has no
    rank, and `<name>_ranked_count` says how many were ranked. `measures` lists
    {'column': ..., 'name': ..., 'order': 'desc' | 'asc'} (order: the better end first,
    desc when left out); call it as the last columns of a select over one row per unit
    and period (period_id). -#}
{% macro scorecard_ranks(measures) %}
    {%- for measure in measures %}
        case
            when {{ measure.column }} is not null
                then rank() over (
                    partition by period_id, {{ measure.column }} is null
                    order by {{ measure.column }} {{ measure.get('order', 'desc') }}
                )
        end as {{ measure.name }}_rank,
        count({{ measure.column }}) over (partition by period_id)
            as {{ measure.name }}_ranked_count{{ ',' if not loop.last }}
    {%- endfor %}
{%- endmacro %}

{#- The last disbursement report of the period's plan year cut within each scorecard
    period (the city's row), from the CTEs `scorecard_periods` and `disbursement`: one
    choice of report for both scorecards. -#}
{% macro scorecard_disbursement_reports() %}
    select
        scorecard_periods.period_id,
        disbursement.plan_year as disbursement_plan_year,
        max(disbursement.as_of_date) as disbursement_as_of_date
    from scorecard_periods
    inner join disbursement
        on
            scorecard_periods.period_year = disbursement.plan_year
            and disbursement.as_of_date
            between scorecard_periods.start_date and scorecard_periods.end_date
    where disbursement.unit_scope = 'city_total'
    group by scorecard_periods.period_id, disbursement.plan_year
{%- endmacro %}

{#- The rows of `unit_scope` ('district', 'commune') of fct_disbursement_progress (the
    CTE `disbursement`) in the report chosen by scorecard_disbursement_reports (the CTE
    `disbursement_reports`), with the measures a scorecard may show. -#}
{% macro scorecard_unit_disbursement(unit_scope) %}
    select
        disbursement_reports.period_id,
        disbursement.admin_unit_id,
        disbursement.project_count,
        disbursement.plan_ttg_bn_vnd,
        disbursement.plan_city_bn_vnd,
        disbursement.disbursed_cumulative_bn_vnd,
        disbursement.disbursement_rate_ttg_plan_pct,
        disbursement.disbursement_rate_city_plan_pct
    from disbursement_reports
    inner join disbursement
        on
            disbursement_reports.disbursement_plan_year = disbursement.plan_year
            and disbursement_reports.disbursement_as_of_date = disbursement.as_of_date
    where disbursement.unit_scope = '{{ unit_scope }}'
{%- endmacro %}
