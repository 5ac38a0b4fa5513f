{{ config(meta={'dagster': {'ref': {'name': 'dim_admin_unit_crosswalks'}}}) }}

-- Every old commune is allocated whole: its weights sum to 1, both to the next version
-- (step) and to the communes in force today (to_current).
with

weights as (
    select
        crosswalk_type,
        old_admin_unit_id,
        sum(allocation_weight) as total_weight
    from {{ ref('dim_admin_unit_crosswalks') }}
    group by crosswalk_type, old_admin_unit_id
),

final as (
    select * from weights
    where abs(total_weight - 1) > 1e-9
)

select * from final
