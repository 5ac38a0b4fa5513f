{{ config(severity='error', meta={'dagster': {'ref': {'name': 'fct_budget_lines'}}}) }}

-- Roll-up identity of every report: for each line, budget year and report period the
-- whole city's execution (city_total) equals the city agencies' plus the sum of the
-- districts', within 0.001 bn VND. A null (blank or "-") on one side only fails too.
with

executions as (
    select * from {{ ref('fct_budget_lines') }}
    where stage = 'execution'
),

rolled_up as (
    select
        budget_year,
        report_period,
        budget_category_id,
        max(amount_bn_vnd) filter (where unit_scope = 'city_total') as city_total_bn_vnd,
        sum(amount_bn_vnd) filter (where unit_scope <> 'city_total') as parts_bn_vnd,
        count(*) filter (where unit_scope = 'city_total') as city_total_rows,
        count(*) filter (where unit_scope = 'city_agencies') as city_agencies_rows,
        count(*) filter (where unit_scope = 'district') as district_rows
    from executions
    group by budget_year, report_period, budget_category_id
),

final as (
    select * from rolled_up
    where
        city_total_rows <> 1
        or city_agencies_rows <> 1
        or (city_total_bn_vnd is null) <> (parts_bn_vnd is null)
        or abs(city_total_bn_vnd - parts_bn_vnd) > 0.001
)

select * from final
