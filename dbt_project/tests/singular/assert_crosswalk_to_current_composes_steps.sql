{{ config(meta={'dagster': {'ref': {'name': 'dim_admin_unit_crosswalks'}}}) }}

-- The to_current rows are the steps composed: following every step from an old commune
-- to the communes in force today, with the weights multiplied along the way.
with recursive

units as (
    select * from {{ ref('dim_admin_units') }}
),

crosswalks as (
    select * from {{ ref('dim_admin_unit_crosswalks') }}
),

steps as (
    select
        old_admin_unit_id,
        new_admin_unit_id,
        allocation_weight
    from crosswalks
    where crosswalk_type = 'step'
),

paths as (
    select
        old_admin_unit_id,
        new_admin_unit_id,
        allocation_weight
    from steps
    union all
    select
        paths.old_admin_unit_id,
        steps.new_admin_unit_id,
        paths.allocation_weight * steps.allocation_weight as allocation_weight
    from paths
    inner join steps
        on paths.new_admin_unit_id = steps.old_admin_unit_id
),

composed as (
    select
        paths.old_admin_unit_id,
        paths.new_admin_unit_id,
        sum(paths.allocation_weight) as allocation_weight
    from paths
    inner join units
        on paths.new_admin_unit_id = units.admin_unit_id
    where units.valid_to is null
    group by paths.old_admin_unit_id, paths.new_admin_unit_id
),

to_current as (
    select
        old_admin_unit_id,
        new_admin_unit_id,
        allocation_weight
    from crosswalks
    where crosswalk_type = 'to_current'
),

final as (
    select
        coalesce(composed.old_admin_unit_id, to_current.old_admin_unit_id)
            as old_admin_unit_id,
        coalesce(composed.new_admin_unit_id, to_current.new_admin_unit_id)
            as new_admin_unit_id,
        composed.allocation_weight as composed_weight,
        to_current.allocation_weight as to_current_weight
    from composed
    full outer join to_current
        on
            composed.old_admin_unit_id = to_current.old_admin_unit_id
            and composed.new_admin_unit_id = to_current.new_admin_unit_id
    where
        composed.old_admin_unit_id is null
        or to_current.old_admin_unit_id is null
        or abs(composed.allocation_weight - to_current.allocation_weight) > 1e-9
)

select * from final
