{{ config(severity='error', meta={'dagster': {'ref': {'name': 'fct_budget_lines'}}}) }}

-- Roll-up identity of every report after the reform (its period ends after the last
-- day of the district level, from dim_admin_units): for each line, stage and plan basis
-- the whole city (city_total) equals the city level (city_agencies) plus the communes,
-- plus in the reform year the district budgets closed on that day (former_districts,
-- one part), within 0.001 bn VND; no district is there. A null (blank or "-") on one
-- side only fails too.
with

amounts as (
    select * from {{ ref('fct_budget_lines') }}
),

units as (
    select * from {{ ref('dim_admin_units') }}
),

district_level as (
    select max(valid_to) as last_day
    from units
    where admin_level = 'district'
),

rolled_up as (
    select
        amounts.budget_year,
        amounts.report_period,
        amounts.budget_category_id,
        amounts.stage,
        amounts.plan_basis,
        max(amounts.execution_end_date) filter (where amounts.unit_scope = 'city_total')
            as period_end_date,
        max(amounts.amount_bn_vnd) filter (where amounts.unit_scope = 'city_total')
            as city_total_bn_vnd,
        sum(amounts.amount_bn_vnd) filter (where amounts.unit_scope <> 'city_total')
            as parts_bn_vnd,
        count(*) filter (where amounts.unit_scope = 'city_total') as city_total_rows,
        count(*) filter (where amounts.unit_scope = 'city_agencies') as city_level_rows,
        count(*) filter (where amounts.unit_scope = 'commune') as commune_rows,
        count(*) filter (where amounts.unit_scope = 'former_districts') as former_district_rows,
        count(*) filter (where amounts.unit_scope = 'district') as district_rows
    from amounts
    group by
        amounts.budget_year,
        amounts.report_period,
        amounts.budget_category_id,
        amounts.stage,
        amounts.plan_basis
),

final as (
    select rolled_up.*
    from rolled_up
    cross join district_level
    where
        rolled_up.period_end_date > district_level.last_day
        and (
            rolled_up.city_total_rows <> 1
            or rolled_up.city_level_rows <> 1
            or rolled_up.commune_rows = 0
            or rolled_up.district_rows <> 0
            or rolled_up.former_district_rows
            <> case when rolled_up.budget_year = year(district_level.last_day) then 1 else 0 end
            or (rolled_up.city_total_bn_vnd is null) <> (rolled_up.parts_bn_vnd is null)
            or abs(rolled_up.city_total_bn_vnd - rolled_up.parts_bn_vnd) > 0.001
        )
)

select * from final
