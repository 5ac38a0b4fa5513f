{{ config(severity='error', meta={'dagster': {'ref': {'name': 'fct_grdp_values'}}}) }}

-- In every release, price basis and period (cumulative or discrete quarter), the four
-- sectors sum to total GRDP within 0.1 bn VND.
with

grdp_values as (
    select * from {{ ref('fct_grdp_values') }}
),

sums as (
    select
        release_id,
        price_basis,
        period_id,
        sum(value_bn_vnd) filter (where sector_code != 'TONG') as sectors_bn_vnd,
        sum(value_bn_vnd) filter (where sector_code = 'TONG') as total_bn_vnd,
        count(*) filter (where sector_code != 'TONG') as sector_count
    from grdp_values
    group by release_id, price_basis, period_id
),

final as (
    select * from sums
    where
        sector_count != 4
        or total_bn_vnd is null
        or abs(sectors_bn_vnd - total_bn_vnd) > 0.1
)

select * from final
