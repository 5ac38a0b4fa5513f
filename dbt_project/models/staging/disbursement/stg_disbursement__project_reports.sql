with

source as (
    select * from {{ source('disbursement', 'disbursement') }}
),

renamed as (
    select
        report_month || '|' || plan_year || '|' || project_code as project_report_id,
        report_month,
        project_code,
        project_name,
        investor,
        funding_source,
        unit_name,
        admin_unit_id,
        as_of_date,
        plan_year::integer as plan_year,
        plan_ttg_bn_vnd,
        plan_city_bn_vnd,
        disbursed_in_period_bn_vnd,
        disbursed_cumulative_bn_vnd,
        _load_id,
        _source_file_name,
        _source_file_sha256,
        _source_row_number,
        _loaded_at
    from source
)

select * from renamed
