{{ config(severity='error', meta={'dagster': {'ref': {'name': 'fct_grdp_growths'}}}) }}

-- In every vintage and period, the sector shares of GRDP at current prices sum to 100 %
-- (within 0.01 point) and the total's share is 100 %; a missing share fails.
with

growths as (
    select * from {{ ref('fct_grdp_growths') }}
),

sums as (
    select
        vintage,
        period_id,
        sum(share_of_grdp_current_prices_pct) filter (
            where sector_code != 'TONG'
        ) as sectors_share_pct,
        max(share_of_grdp_current_prices_pct) filter (
            where sector_code = 'TONG'
        ) as total_share_pct
    from growths
    group by vintage, period_id
),

final as (
    select * from sums
    where
        sectors_share_pct is null
        or total_share_pct is null
        or abs(sectors_share_pct - 100) > 0.01
        or abs(total_share_pct - 100) > 0.01
)

select * from final
