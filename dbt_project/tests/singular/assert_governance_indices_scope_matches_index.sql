{{ config(severity='error', meta={'dagster': {'ref': {'name': 'fct_governance_index_scores'}}}) }}

-- The district PAR index, and only it, scores district-level units, and every district
-- row is resolved to a Hanoi district valid in its year.
with

scores as (
    select * from {{ ref('fct_governance_index_scores') }}
),

admin_units as (
    select * from {{ ref('dim_admin_units') }}
),

joined as (
    select
        scores.governance_index_score_id,
        scores.index_code,
        scores.index_year,
        scores.scope,
        scores.admin_unit_id,
        admin_units.admin_level,
        admin_units.valid_from,
        admin_units.valid_to
    from scores
    left join admin_units
        on scores.admin_unit_id = admin_units.admin_unit_id
),

final as (
    select * from joined
    where
        (scope = 'district') <> (index_code = 'DISTRICT_PAR_INDEX')
        or (
            scope = 'district'
            and (
                admin_level is distinct from 'district'
                or make_date(index_year, 12, 31) < valid_from
                or make_date(index_year, 1, 1) > coalesce(valid_to, date '9999-12-31')
            )
        )
)

select * from final
