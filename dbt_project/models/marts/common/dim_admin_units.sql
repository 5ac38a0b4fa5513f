with

units as (
    select * from {{ ref('stg_reference__admin_units') }}
),

final as (
    select
        admin_unit_id,
        gso_code,
        admin_level,
        unit_type,
        name_vi,
        short_name_vi,
        name_ascii,
        parent_admin_unit_id,
        '01' as province_code,
        case
            when admin_level = 'district' then admin_unit_id
            when admin_level = 'commune' and valid_to is not null then parent_admin_unit_id
        end as district_admin_unit_id,
        area_km2,
        valid_from,
        valid_to,
        valid_to is null as is_current
    from units
)

select * from final
