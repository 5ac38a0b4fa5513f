{{ config(meta={'dagster': {'ref': {'name': 'dim_admin_unit_crosswalks'}}}) }}

-- Every old commune is allocated whole: its crosswalk weights sum to 1.
with

weights as (
    select
        old_admin_unit_id,
        sum(allocation_weight) as total_weight
    from {{ ref('dim_admin_unit_crosswalks') }}
    group by old_admin_unit_id
),

final as (
    select * from weights
    where abs(total_weight - 1) > 1e-9
)

select * from final
