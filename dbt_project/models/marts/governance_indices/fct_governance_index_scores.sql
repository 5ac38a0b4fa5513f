-- Yearly governance index scores and ranks: PAR INDEX, SIPAS, PAPI and PCI of the
-- provinces (rank among 63, among 34 from 2025) and the city's own PAR index of its
-- district-level units (rank among 30, to 2024). Scores are as published; ties share a
-- rank. The source note says where values come from; "số liệu mẫu" marks sample values.
with

scores as (
    select * from {{ ref('stg_governance_indices__scores') }}
),

final as (
    select
        governance_index_score_id,
        index_code,
        index_year::integer as index_year,
        index_year::varchar as period_id,
        scope,
        unit_code,
        unit_name,
        admin_unit_id,
        scope = 'district' or unit_code = '01' as is_hanoi,
        score::decimal(18, 6) as score,
        score is not null as has_published_score,
        rank::integer as rank,
        ranked_units::integer as ranked_units,
        source_note,
        coalesce(source_note ilike '%số liệu mẫu%', false) as is_synthetic
    from scores
)

select * from final
