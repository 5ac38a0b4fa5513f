{{ config(severity='error', meta={'dagster': {'ref': {'name': 'fct_procedure_throughputs'}}}) }}

-- Counts the stock-flow identities do not bind are never negative either: the missing
-- units, and the dossiers finished the same day, filed online, fee-bearing, paid online
-- and digitised (the stock-flow test covers backlog, received, finished, ended and in
-- progress).
with

throughputs as (
    select * from {{ ref('fct_procedure_throughputs') }}
),

final as (
    select
        procedure_throughput_id,
        missing_unit_count,
        same_day_count,
        online_count,
        fee_bearing_count,
        paid_online_count,
        digitised_count
    from throughputs
    where
        least(
            missing_unit_count, same_day_count, online_count, fee_bearing_count,
            paid_online_count, digitised_count
        ) < 0
)

select * from final
