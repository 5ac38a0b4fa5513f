{{ config(severity='error', meta={'dagster': {'ref': {'name': 'reference_reconciliation'}}}) }}

-- Every published figure is reproduced by the warehouse (or its bound respected).
with

final as (
    select
        figure_id,
        published_value,
        warehouse_value
    from {{ ref('reference_reconciliation') }}
    where not is_match
)

select * from final
