{{ config(severity='warn', meta={'dagster': {'ref': {'name': 'stg_budget__lines'}}}) }}

-- The percentages printed in the form (So sánh %) agree with its amounts: execution /
-- estimate x 100 on each basis, within 0.1 point (the form prints one decimal).
with

lines as (
    select * from {{ ref('stg_budget__lines') }}
),

recomputed as (
    select
        budget_line_id,
        published_execution_rate_superior_estimate_pct,
        published_execution_rate_council_estimate_pct,
        execution_cumulative_bn_vnd::double
        / nullif(estimate_superior_bn_vnd, 0)::double * 100 as superior_rate_pct,
        execution_cumulative_bn_vnd::double
        / nullif(estimate_council_bn_vnd, 0)::double * 100 as council_rate_pct
    from lines
),

final as (
    select * from recomputed
    where
        abs(published_execution_rate_superior_estimate_pct - superior_rate_pct) > 0.1
        or abs(published_execution_rate_council_estimate_pct - council_rate_pct) > 0.1
)

select * from final
