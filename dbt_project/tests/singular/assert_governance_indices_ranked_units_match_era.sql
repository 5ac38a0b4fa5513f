{{ config(severity='error', meta={'dagster': {'ref': {'name': 'fct_governance_index_scores'}}}) }}

-- Provinces are ranked of 63 before 2025 and of 34 from 2025 (merger of 2025-07-01),
-- districts of 30 and only to 2024 (no district level after 2025-06-30); every index
-- and year has exactly as many rows as units ranked, each unit once.
with

scores as (
    select * from {{ ref('fct_governance_index_scores') }}
),

tables as (
    select
        index_code,
        index_year,
        scope,
        count(*) as row_count,
        count(distinct unit_code) as unit_count,
        min(ranked_units) as min_ranked_units,
        max(ranked_units) as max_ranked_units
    from scores
    group by index_code, index_year, scope
),

expected as (
    select
        *,
        case
            when scope = 'district' and index_year <= 2024 then 30
            when scope = 'province' and index_year < 2025 then 63
            when scope = 'province' then 34
        end as expected_ranked_units
    from tables
),

final as (
    select * from expected
    where
        expected_ranked_units is null
        or min_ranked_units != expected_ranked_units
        or max_ranked_units != expected_ranked_units
        or row_count != expected_ranked_units
        or unit_count != expected_ranked_units
)

select * from final
