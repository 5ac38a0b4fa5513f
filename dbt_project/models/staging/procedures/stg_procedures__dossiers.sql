with

source as (
    select * from {{ source('procedures', 'procedures') }}
),

renamed as (
    select
        dossier_id,
        receipt_month,
        procedure_code,
        procedure_name,
        procedure_field,
        desk_level,
        receiving_unit_name,
        district_name,
        admin_unit_id,
        channel::integer as channel,
        received_at,
        due_at,
        finished_at,
        returned_at,
        ended_at,
        status,
        supplement_requests::integer as supplement_requests,
        supplement_wait_days::integer as supplement_wait_days,
        is_fee_bearing,
        is_paid_online,
        is_digitised,
        has_e_result,
        rating::integer as rating,
        extracted_at,
        first_export_month,
        _load_id,
        _source_file_name,
        _source_file_sha256,
        _source_row_number,
        _loaded_at
    from source
)

select * from renamed
