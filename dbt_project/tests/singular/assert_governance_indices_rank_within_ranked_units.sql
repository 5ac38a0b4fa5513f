{{ config(severity='error', meta={'dagster': {'ref': {'name': 'fct_governance_index_scores'}}}) }}

-- Every published rank lies between 1 and the number of ranked units.
with

scores as (
    select * from {{ ref('fct_governance_index_scores') }}
),

final as (
    select
        governance_index_score_id,
        rank,
        ranked_units
    from scores
    where rank < 1 or rank > ranked_units
)

select * from final
