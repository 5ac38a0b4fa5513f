{{ config(meta={'dagster': {'ref': {'name': 'dim_admin_unit_crosswalks'}}}) }}

-- Every old commune is allocated whole: its weights sum to 1, both to the next version
-- (step) and to the communes in force today (to_current). Failing rows name the unit.
with

crosswalks as (
    select * from {{ ref('dim_admin_unit_crosswalks') }}
),

units as (
    select * from {{ ref('dim_admin_units') }}
),

weights as (
    select
        crosswalk_type,
        old_admin_unit_id,
        sum(allocation_weight) as total_weight
    from crosswalks
    group by crosswalk_type, old_admin_unit_id
),

final as (
    select
        weights.crosswalk_type,
        weights.old_admin_unit_id,
        units.name_vi as old_unit_name,
        weights.total_weight
    from weights
    left join units
        on weights.old_admin_unit_id = units.admin_unit_id
    where abs(weights.total_weight - 1) > 1e-9
)

select * from final
