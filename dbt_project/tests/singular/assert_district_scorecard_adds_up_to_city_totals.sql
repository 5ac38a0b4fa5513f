{{ config(severity='error', meta={'dagster': {'ref': {'name': 'fct_district_scorecards'}}}) }}

-- For every period of the district scorecard, the additive columns summed over the
-- districts plus what city-level units did equal the city totals of the domain marts:
--   budget        revenue executed: city_total = city_agencies + districts, of the
--                 scorecard's budget report;
--   disbursement  disbursed: city_total = city_level + districts, of the scorecard's
--                 disbursement report;
--   procedures    city ('01') received = city departments' desks + districts.
-- Compared only where both sides have data: revenue and dossiers when every district of
-- the period has a value and the city's row exists (for dossiers, is complete: a missing
-- month leaves the district's and the city's period null, never 0); disbursement when the
-- city's report exists (a district without projects has null, which adds nothing).
with

scorecards as (
    select * from {{ ref('fct_district_scorecards') }}
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

district_sums as (
    select
        period_id,
        period_year,
        period_start_date,
        period_end_date,
        max(budget_report_period) as budget_report_period,
        max(disbursement_as_of_date) as disbursement_as_of_date,
        max(disbursement_plan_year) as disbursement_plan_year,
        count(*) as districts,
        count(revenue_execution_bn_vnd) as districts_with_revenue,
        count(dossiers_received) as districts_with_dossiers,
        sum(revenue_execution_bn_vnd) as revenue_bn_vnd,
        coalesce(sum(disbursed_bn_vnd), 0) as disbursed_bn_vnd,
        sum(dossiers_received) as dossiers_received
    from scorecards
    group by period_id, period_year, period_start_date, period_end_date
),

city_revenue as (
    select
        district_sums.period_id,
        max(budget.execution_bn_vnd) filter (where budget.unit_scope = 'city_total')
            as city_total_bn_vnd,
        coalesce(
            max(budget.execution_bn_vnd) filter (where budget.unit_scope = 'city_agencies'), 0
        ) as city_agencies_bn_vnd
    from district_sums
    inner join budget
        on
            district_sums.period_year = budget.budget_year
            and district_sums.budget_report_period = budget.report_period
    where budget.budget_category_id = 'A'
    group by district_sums.period_id
),

city_disbursement as (
    select
        district_sums.period_id,
        max(disbursement.disbursed_cumulative_bn_vnd) filter (
            where disbursement.unit_scope = 'city_total'
        ) as city_total_bn_vnd,
        coalesce(max(disbursement.disbursed_cumulative_bn_vnd) filter (
            where disbursement.unit_scope = 'city_level'
        ), 0) as city_level_bn_vnd
    from district_sums
    inner join disbursement
        on
            district_sums.disbursement_plan_year = disbursement.plan_year
            and district_sums.disbursement_as_of_date = disbursement.as_of_date
    group by district_sums.period_id
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
        district_sums.period_id,
        count(dossiers.dossier_id) as city_desk_received
    from district_sums
    inner join dossiers
        on
            district_sums.period_start_date <= dossiers.received_date
            and district_sums.period_end_date >= dossiers.received_date
    where dossiers.desk_level = 'city'
    group by district_sums.period_id
),

compared as (
    select
        district_sums.period_id,
        'revenue_execution_bn_vnd' as measure,
        district_sums.revenue_bn_vnd::double as districts_value,
        (city_revenue.city_total_bn_vnd - city_revenue.city_agencies_bn_vnd)::double
            as expected_value,
        0.001 as tolerance
    from district_sums
    inner join city_revenue
        on district_sums.period_id = city_revenue.period_id
    where
        city_revenue.city_total_bn_vnd is not null
        and district_sums.districts_with_revenue = district_sums.districts
    union all
    select
        district_sums.period_id,
        'disbursed_bn_vnd' as measure,
        district_sums.disbursed_bn_vnd::double as districts_value,
        (city_disbursement.city_total_bn_vnd - city_disbursement.city_level_bn_vnd)::double
            as expected_value,
        0.001 as tolerance
    from district_sums
    inner join city_disbursement
        on district_sums.period_id = city_disbursement.period_id
    where city_disbursement.city_total_bn_vnd is not null
    union all
    select
        district_sums.period_id,
        'dossiers_received' as measure,
        district_sums.dossiers_received::double as districts_value,
        (city_throughputs.received_count - coalesce(city_desks.city_desk_received, 0))::double
            as expected_value,
        0 as tolerance
    from district_sums
    inner join city_throughputs
        on district_sums.period_id = city_throughputs.period_id
    left join city_desks
        on district_sums.period_id = city_desks.period_id
    where
        city_throughputs.is_complete
        and district_sums.districts_with_dossiers = district_sums.districts
),

final as (
    select * from compared
    where
        districts_value is null
        or expected_value is null
        or abs(districts_value - expected_value) > tolerance
)

select * from final
