-- City GRDP growth and structure in two vintages per period and sector:
-- first_published (the earliest release that states the growth) and latest (the most
-- recent release that states it). A release states a growth when it holds the period
-- and the same period of the year before; for a period no loaded release states a
-- growth for (the first year loaded), the earliest / latest release holding the level
-- is used and the growth is null. All measures of a row come from its one release.
with

release_growths as (
    select * from {{ ref('fct_grdp_release_growths') }}
),

ranked as (
    select
        *,
        row_number() over (
            partition by period_id, sector_code
            order by has_previous_year desc, release_id asc
        ) as first_published_rank,
        row_number() over (
            partition by period_id, sector_code
            order by has_previous_year desc, release_id desc
        ) as latest_rank
    from release_growths
),

vintages as (
    select
        'first_published' as vintage,
        *
    from ranked
    where first_published_rank = 1
    union all
    select
        'latest' as vintage,
        *
    from ranked
    where latest_rank = 1
),

final as (
    select
        vintage || '|' || period_id || '|' || sector_code as grdp_growth_id,
        vintage,
        admin_unit_id,
        period_year,
        period_id,
        period_code,
        is_cumulative,
        sector_code,
        release_id,
        level_constant_prices_bn_vnd,
        level_previous_year_constant_prices_bn_vnd,
        growth_yoy_constant_prices_pct,
        level_current_prices_bn_vnd,
        share_of_grdp_current_prices_pct
    from vintages
)

select * from final
