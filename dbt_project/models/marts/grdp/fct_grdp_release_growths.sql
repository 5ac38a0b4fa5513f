-- GRDP growth and structure as each release states them: for every release, period
-- (cumulative and discrete quarter) and sector, the level at constant 2010 prices,
-- the same period of the year before from the SAME release, the y/y growth computed
-- from the two levels, and the level and share of the total at current prices.
with

grdp_values as (
    select * from {{ ref('fct_grdp_values') }}
),

constant_prices as (
    select
        release_id,
        period_year,
        period_code,
        sector_code,
        value_bn_vnd,
        published_growth_yoy_pct
    from grdp_values
    where price_basis = 'constant_2010'
),

current_prices as (
    select
        release_id,
        period_id,
        sector_code,
        value_bn_vnd
    from grdp_values
    where price_basis = 'current'
),

current_price_totals as (
    select
        release_id,
        period_id,
        value_bn_vnd
    from current_prices
    where sector_code = 'TONG'
),

release_periods as (
    select distinct
        release_id,
        admin_unit_id,
        period_year,
        period_id,
        period_code,
        is_cumulative,
        sector_code
    from grdp_values
),

joined as (
    select
        release_periods.release_id,
        release_periods.admin_unit_id,
        release_periods.period_year,
        release_periods.period_id,
        release_periods.period_code,
        release_periods.is_cumulative,
        release_periods.sector_code,
        this_year.value_bn_vnd as level_constant_prices_bn_vnd,
        previous_year.value_bn_vnd as level_previous_year_constant_prices_bn_vnd,
        this_year.published_growth_yoy_pct,
        current_prices.value_bn_vnd as level_current_prices_bn_vnd,
        current_price_totals.value_bn_vnd as total_current_prices_bn_vnd
    from release_periods
    left join constant_prices as this_year
        on
            release_periods.release_id = this_year.release_id
            and release_periods.period_year = this_year.period_year
            and release_periods.period_code = this_year.period_code
            and release_periods.sector_code = this_year.sector_code
    left join constant_prices as previous_year
        on
            release_periods.release_id = previous_year.release_id
            and release_periods.period_year - 1 = previous_year.period_year
            and release_periods.period_code = previous_year.period_code
            and release_periods.sector_code = previous_year.sector_code
    left join current_prices
        on
            release_periods.release_id = current_prices.release_id
            and release_periods.period_id = current_prices.period_id
            and release_periods.sector_code = current_prices.sector_code
    left join current_price_totals
        on
            release_periods.release_id = current_price_totals.release_id
            and release_periods.period_id = current_price_totals.period_id
),

computed as (
    select
        *,
        (
            100 * (
                level_constant_prices_bn_vnd::double
                / nullif(level_previous_year_constant_prices_bn_vnd::double, 0)
                - 1
            )
        ) as growth_yoy_constant_prices_pct,
        (
            100 * level_current_prices_bn_vnd::double
            / nullif(total_current_prices_bn_vnd::double, 0)
        ) as share_of_grdp_current_prices_pct
    from joined
),

final as (
    select
        release_id || '|' || period_id || '|' || sector_code as grdp_release_growth_id,
        release_id,
        admin_unit_id,
        period_year,
        period_id,
        period_code,
        is_cumulative,
        sector_code,
        level_constant_prices_bn_vnd,
        level_previous_year_constant_prices_bn_vnd,
        growth_yoy_constant_prices_pct,
        published_growth_yoy_pct,
        level_current_prices_bn_vnd,
        share_of_grdp_current_prices_pct,
        level_previous_year_constant_prices_bn_vnd is not null as has_previous_year
    from computed
)

select * from final
