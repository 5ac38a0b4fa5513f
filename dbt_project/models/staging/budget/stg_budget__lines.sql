with

source as (
    select * from {{ source('budget', 'budget') }}
),

renamed as (
    select
        budget_year::varchar || '-' || report_period || '/' || sheet_name
        || coalesce('/' || nullif(unit_name, sheet_name), '') || '/' || line_path
            as budget_line_id,
        budget_year,
        report_period,
        sheet_name,
        unit_name,
        admin_unit_id,
        unit_scope,
        execution_start_date,
        execution_end_date,
        budget_index,
        outline_code,
        line_path,
        outline_level,
        is_leaf,
        item_name,
        budget_code,
        estimate_superior_bn_vnd,
        estimate_council_bn_vnd,
        execution_cumulative_bn_vnd,
        estimate_superior_marker,
        estimate_council_marker,
        execution_marker,
        pct_of_superior_estimate as published_execution_rate_superior_estimate_pct,
        pct_of_council_estimate as published_execution_rate_council_estimate_pct,
        source_unit,
        _load_id,
        _loaded_at,
        _source_file_name,
        _source_sheet,
        _source_row_number,
        _slot
    from source
)

select * from renamed
