{{ config(severity='error', meta={'dagster': {'ref': {'name': 'reference_reconciliation'}}}) }}

-- Every reconciliation row says how the figure is used (reproduce or bound), what was
-- published and whether it matches: a null is_match is no pass (the reconcile test
-- selects `not is_match`, which a null escapes).
with

reconciliation as (
    select * from {{ ref('reference_reconciliation') }}
),

final as (
    select
        figure_id,
        use,
        published_value,
        is_match
    from reconciliation
    where
        use is null
        or use not in ('reproduce', 'bound')
        or published_value is null
        or is_match is null
)

select * from final
