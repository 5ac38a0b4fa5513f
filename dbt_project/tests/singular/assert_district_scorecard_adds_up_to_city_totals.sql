{{ config(severity='error', meta={'dagster': {'ref': {'name': 'fct_district_scorecards'}}}) }}

-- For every year of the scorecard: the additive columns summed over the districts, plus
-- what city-level units did, equal the city totals of the domain marts.
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

projects as (
    select * from {{ ref('fct_project_disbursements') }}
),

throughputs as (
    select * from {{ ref('fct_procedure_throughputs') }}
),

dossiers as (
    select * from {{ ref('fct_dossiers') }}
),

district_sums as (
    select
        period_year,
        count(*) as districts,
        sum(revenue_execution_bn_vnd) as revenue_bn_vnd,
        sum(disbursed_bn_vnd) as disbursed_bn_vnd,
        sum(dossiers_received) as dossiers_received
    from scorecards
    group by period_year
),

city_revenue as (
    select
        budget_year as period_year,
        sum(case when unit_scope = 'city_total' then execution_bn_vnd else 0 end)
        - sum(case when unit_scope = 'city_agencies' then execution_bn_vnd else 0 end)
            as revenue_bn_vnd
    from budget
    where report_period = '12T' and budget_category_id = 'A'
    group by budget_year
),

city_disbursed as (
    select
        plan_year as period_year,
        disbursed_cumulative_bn_vnd as total_bn_vnd
    from disbursement
    where admin_unit_id = '01' and unit_scope = 'city_total' and month(as_of_date) = 12
),

city_level_projects as (
    select
        year(as_of_date) as period_year,
        sum(disbursed_cumulative_bn_vnd) as city_level_bn_vnd
    from projects
    where admin_unit_id = '01' and month(as_of_date) = 12
    group by year(as_of_date)
),

city_received as (
    select
        period_id::integer as period_year,
        received_count
    from throughputs
    where admin_unit_id = '01' and period_type = 'year'
),

city_desks as (
    select
        year(received_date) as period_year,
        count(*) as city_desk_received
    from dossiers
    where desk_level = 'city'
    group by year(received_date)
),

final as (
    select
        district_sums.period_year,
        district_sums.districts,
        district_sums.revenue_bn_vnd,
        city_revenue.revenue_bn_vnd as expected_revenue_bn_vnd,
        district_sums.disbursed_bn_vnd,
        city_disbursed.total_bn_vnd
        - coalesce(city_level_projects.city_level_bn_vnd, 0) as expected_disbursed_bn_vnd,
        district_sums.dossiers_received,
        city_received.received_count
        - coalesce(city_desks.city_desk_received, 0) as expected_dossiers_received
    from district_sums
    left join city_revenue
        on district_sums.period_year = city_revenue.period_year
    left join city_disbursed
        on district_sums.period_year = city_disbursed.period_year
    left join city_level_projects
        on district_sums.period_year = city_level_projects.period_year
    left join city_received
        on district_sums.period_year = city_received.period_year
    left join city_desks
        on district_sums.period_year = city_desks.period_year
)

select * from final
where
    districts <> 30
    or abs(revenue_bn_vnd - expected_revenue_bn_vnd) > 0.001
    or abs(disbursed_bn_vnd - expected_disbursed_bn_vnd) > 0.001
    or dossiers_received is distinct from expected_dossiers_received
