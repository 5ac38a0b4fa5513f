with

crosswalks as (
    select * from {{ ref('stg_reference__admin_unit_crosswalks') }}
),

final as (
    select
        old_admin_unit_id || '>' || new_admin_unit_id as crosswalk_id,
        old_admin_unit_id,
        new_admin_unit_id,
        allocation_weight,
        is_primary,
        allocation_method
    from crosswalks
)

select * from final
