-- One row per administrative procedure (mã TTHC) seen in the dossiers: its name, field
-- and fee as on the most recent dossier, and the desk levels it is performed at.
with

dossiers as (
    select * from {{ ref('stg_procedures__dossiers') }}
),

aggregated as (
    select
        procedure_code,
        arg_max(procedure_name, received_at) as procedure_name,
        arg_max(procedure_field, received_at) as procedure_field,
        arg_max(is_fee_bearing, received_at) as is_fee_bearing,
        bool_or(desk_level = 'city') as is_performed_at_city_level,
        bool_or(desk_level = 'district') as is_performed_at_district_level,
        bool_or(desk_level = 'commune') as is_performed_at_commune_level,
        count(*) as dossier_count,
        min(received_at)::date as first_received_date,
        max(received_at)::date as last_received_date
    from dossiers
    group by procedure_code
),

final as (
    select
        procedure_code,
        procedure_name,
        procedure_field,
        concat_ws(
            ', ',
            case when is_performed_at_city_level then 'city' end,
            case when is_performed_at_district_level then 'district' end,
            case when is_performed_at_commune_level then 'commune' end
        ) as desk_levels,
        is_performed_at_city_level,
        is_performed_at_district_level,
        is_performed_at_commune_level,
        is_fee_bearing,
        dossier_count,
        first_received_date,
        last_received_date
    from aggregated
)

select * from final
