{{ config(severity='error', meta={'dagster': {'ref': {'name': 'fct_grdp_release_growths'}}}) }}

-- Where a release printed a y/y growth, the growth computed from its levels (this year
-- and the year before, same release, constant 2010 prices) rounds to it (2 decimals).
with

release_growths as (
    select * from {{ ref('fct_grdp_release_growths') }}
),

final as (
    select
        release_id,
        period_id,
        sector_code,
        published_growth_yoy_pct,
        growth_yoy_constant_prices_pct
    from release_growths
    where
        published_growth_yoy_pct is not null
        and (
            growth_yoy_constant_prices_pct is null
            or round(growth_yoy_constant_prices_pct, 2) != published_growth_yoy_pct
        )
)

select * from final
