with

source as (
    select * from {{ source('reference', 'admin_units') }}
),

renamed as (
    select
        admin_unit_id,
        gso_code,
        level as admin_level,
        unit_type,
        name_vi,
        short_name_vi,
        name_ascii,
        parent_id as parent_admin_unit_id,
        area_km2,
        valid_from,
        valid_to
    from source
)

select * from renamed
