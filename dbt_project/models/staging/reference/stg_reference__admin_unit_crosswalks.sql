with

source as (
    select * from {{ source('reference', 'admin_unit_crosswalk') }}
),

renamed as (
    select
        old_admin_unit_id,
        new_admin_unit_id,
        allocation_weight,
        is_primary,
        method as allocation_method,
        allocation_basis,
        crosswalk_type,
        change_date
    from source
)

select * from renamed
