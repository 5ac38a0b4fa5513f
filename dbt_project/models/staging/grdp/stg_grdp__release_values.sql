with

source as (
    select * from {{ source('grdp', 'grdp') }}
),

renamed as (
    select
        release_id,
        price_basis,
        year::integer as period_year,
        period as cumulative_period_code,
        sector_code,
        sector_name as sector_name_as_written,
        value_bn_vnd::decimal(24, 6) as value_bn_vnd,
        published_growth_pct::decimal(9, 2) as published_growth_yoy_pct,
        _load_id,
        _source_file_name,
        _source_file_sha256,
        _source_sheet,
        _source_row_number,
        _loaded_at
    from source
)

select * from renamed
