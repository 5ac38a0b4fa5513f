with

source as (
    select * from {{ source('governance_indices', 'governance_indices') }}
),

renamed as (
    select
        index_code || '|' || index_year || '|' || unit_code as governance_index_score_id,
        index_code,
        index_year,
        scope,
        unit_code,
        unit_name,
        admin_unit_id,
        score,
        rank,
        ranked_units,
        source_note,
        _load_id,
        _source_file_name,
        _source_file_sha256,
        _source_row_number,
        _loaded_at
    from source
)

select * from renamed
