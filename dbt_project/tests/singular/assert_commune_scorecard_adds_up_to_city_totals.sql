{{ config(severity='error', meta={'dagster': {'ref': {'name': 'fct_commune_scorecards'}}}) }}

-- For every period of the commune scorecard, the additive columns summed over the
-- communes plus what the city level did equal the city totals of the domain marts:
--   procedures    city ('01') received = city departments' desks + communes;
--   budget        city_total = city_agencies + communes (+ in 2025 the district budgets
--                 closed on 2025-06-30, former_districts), revenue and expenditure
--                 executed, of the scorecard's budget report;
--   disbursement  city_total = city_level + communes, plan (city) and disbursed, of the
--                 scorecard's disbursement report.
-- Compared only where both sides have data: throughput and budget when every commune of
-- the period has a value and the city's row exists (and, for throughput, is complete);
-- disbursement when the city's report exists (a commune without projects has null, which
-- adds nothing). A comparison left out is not a pass of the other side: the missing-data
-- tests cover the nulls.
with

scorecards as (
    select * from {{ ref('fct_commune_scorecards') }}
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

commune_sums as (
    select
        period_id,
        period_year,
        period_start_date,
        period_end_date,
        max(budget_report_period) as budget_report_period,
        max(disbursement_as_of_date) as disbursement_as_of_date,
        max(disbursement_plan_year) as disbursement_plan_year,
        count(*) as communes,
        count(dossiers_received) as communes_with_dossiers,
        count(revenue_execution_bn_vnd) as communes_with_revenue,
        count(expenditure_execution_bn_vnd) as communes_with_expenditure,
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
        commune_sums.period_id,
        max(budget.execution_bn_vnd) filter (
            where budget.unit_scope = 'city_total' and budget.budget_category_id = 'A'
        ) as city_revenue_bn_vnd,
        max(budget.execution_bn_vnd) filter (
            where budget.unit_scope = 'city_total' and budget.budget_category_id = 'B'
        ) as city_expenditure_bn_vnd,
        coalesce(sum(budget.execution_bn_vnd) filter (
            where budget.unit_scope <> 'city_total' and budget.budget_category_id = 'A'
            and budget.unit_scope <> 'commune'
        ), 0) as other_revenue_bn_vnd,
        coalesce(sum(budget.execution_bn_vnd) filter (
            where budget.unit_scope <> 'city_total' and budget.budget_category_id = 'B'
            and budget.unit_scope <> 'commune'
        ), 0) as other_expenditure_bn_vnd
    from commune_sums
    inner join budget
        on
            commune_sums.period_year = budget.budget_year
            and commune_sums.budget_report_period = budget.report_period
    where budget.budget_category_id in ('A', 'B')
    group by commune_sums.period_id
),

city_disbursement as (
    select
        commune_sums.period_id,
        max(disbursement.plan_city_bn_vnd) filter (
            where disbursement.unit_scope = 'city_total'
        ) as city_plan_city_bn_vnd,
        max(disbursement.disbursed_cumulative_bn_vnd) filter (
            where disbursement.unit_scope = 'city_total'
        ) as city_disbursed_bn_vnd,
        coalesce(max(disbursement.plan_city_bn_vnd) filter (
            where disbursement.unit_scope = 'city_level'
        ), 0) as city_level_plan_city_bn_vnd,
        coalesce(max(disbursement.disbursed_cumulative_bn_vnd) filter (
            where disbursement.unit_scope = 'city_level'
        ), 0) as city_level_disbursed_bn_vnd
    from commune_sums
    inner join disbursement
        on
            commune_sums.disbursement_plan_year = disbursement.plan_year
            and commune_sums.disbursement_as_of_date = disbursement.as_of_date
    group by commune_sums.period_id
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
        commune_sums.period_id,
        count(dossiers.dossier_id) as city_desk_received
    from commune_sums
    inner join dossiers
        on
            commune_sums.period_start_date <= dossiers.received_date
            and commune_sums.period_end_date >= dossiers.received_date
    where dossiers.desk_level = 'city'
    group by commune_sums.period_id
),

compared as (
    select
        commune_sums.period_id,
        'dossiers_received' as measure,
        commune_sums.dossiers_received::double as communes_value,
        (city_throughputs.received_count - coalesce(city_desks.city_desk_received, 0))::double
            as expected_value,
        0 as tolerance
    from commune_sums
    inner join city_throughputs
        on commune_sums.period_id = city_throughputs.period_id
    left join city_desks
        on commune_sums.period_id = city_desks.period_id
    where
        city_throughputs.is_complete
        and commune_sums.communes_with_dossiers = commune_sums.communes
    union all
    select
        commune_sums.period_id,
        'revenue_execution_bn_vnd' as measure,
        commune_sums.revenue_bn_vnd::double as communes_value,
        (city_budget.city_revenue_bn_vnd - city_budget.other_revenue_bn_vnd)::double
            as expected_value,
        0.001 as tolerance
    from commune_sums
    inner join city_budget
        on commune_sums.period_id = city_budget.period_id
    where
        city_budget.city_revenue_bn_vnd is not null
        and commune_sums.communes_with_revenue = commune_sums.communes
    union all
    select
        commune_sums.period_id,
        'expenditure_execution_bn_vnd' as measure,
        commune_sums.expenditure_bn_vnd::double as communes_value,
        (city_budget.city_expenditure_bn_vnd - city_budget.other_expenditure_bn_vnd)::double
            as expected_value,
        0.001 as tolerance
    from commune_sums
    inner join city_budget
        on commune_sums.period_id = city_budget.period_id
    where
        city_budget.city_expenditure_bn_vnd is not null
        and commune_sums.communes_with_expenditure = commune_sums.communes
    union all
    select
        commune_sums.period_id,
        'disbursement_plan_city_bn_vnd' as measure,
        commune_sums.plan_city_bn_vnd::double as communes_value,
        (
            city_disbursement.city_plan_city_bn_vnd
            - city_disbursement.city_level_plan_city_bn_vnd
        )::double as expected_value,
        0.001 as tolerance
    from commune_sums
    inner join city_disbursement
        on commune_sums.period_id = city_disbursement.period_id
    where city_disbursement.city_plan_city_bn_vnd is not null
    union all
    select
        commune_sums.period_id,
        'disbursed_bn_vnd' as measure,
        commune_sums.disbursed_bn_vnd::double as communes_value,
        (
            city_disbursement.city_disbursed_bn_vnd
            - city_disbursement.city_level_disbursed_bn_vnd
        )::double as expected_value,
        0.001 as tolerance
    from commune_sums
    inner join city_disbursement
        on commune_sums.period_id = city_disbursement.period_id
    where city_disbursement.city_disbursed_bn_vnd is not null
),

final as (
    select * from compared
    where
        communes_value is null
        or expected_value is null
        or abs(communes_value - expected_value) > tolerance
)

select * from final
