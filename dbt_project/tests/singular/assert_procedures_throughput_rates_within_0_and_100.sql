{{ config(severity='error', meta={'dagster': {'ref': {'name': 'fct_procedure_throughputs'}}}) }}

-- Every rate and share of the throughput mart is a percentage of a count that contains its
-- numerator, so it lies within 0..100 (null when the denominator is zero).
with

throughputs as (
    select * from {{ ref('fct_procedure_throughputs') }}
),

final as (
    select
        procedure_throughput_id,
        on_time_rate_pct,
        late_rate_pct,
        same_day_share_pct,
        online_share_pct,
        online_payment_share_pct,
        digitised_share_pct
    from throughputs
    where
        not on_time_rate_pct between 0 and 100
        or not late_rate_pct between 0 and 100
        or not same_day_share_pct between 0 and 100
        or not online_share_pct between 0 and 100
        or not online_payment_share_pct between 0 and 100
        or not digitised_share_pct between 0 and 100
)

select * from final
