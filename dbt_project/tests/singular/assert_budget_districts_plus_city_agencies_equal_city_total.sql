{{ config(severity='error', meta={'dagster': {'ref': {'name': 'fct_budget_lines'}}}) }}

-- Roll-up identity of every report before the reform (its period ends by the last day
-- of the district level, from dim_admin_units): for each line, stage and plan basis the
-- whole city (city_total) equals the city agencies plus the districts, within 0.001 bn
-- VND, and no commune or closed-district part is there. A null (blank or "-") on one
-- side only fails too. Reports after the reform:
-- assert_budget_communes_plus_city_level_equal_city_total.
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
        count(*) filter (where amounts.unit_scope = 'city_agencies') as city_agencies_rows,
        count(*) filter (where amounts.unit_scope = 'district') as district_rows,
        count(*) filter (where amounts.unit_scope in ('commune', 'former_districts'))
            as after_reform_rows
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
        rolled_up.period_end_date <= district_level.last_day
        and (
            rolled_up.city_total_rows <> 1
            or rolled_up.city_agencies_rows <> 1
            or rolled_up.district_rows = 0
            or rolled_up.after_reform_rows <> 0
            or (rolled_up.city_total_bn_vnd is null) <> (rolled_up.parts_bn_vnd is null)
            or abs(rolled_up.city_total_bn_vnd - rolled_up.parts_bn_vnd) > 0.001
        )
)

select * from final
