-- Published figures of the grdp domain recomputed from the grdp marts: one row per
-- figure of published_figures.csv with domain grdp and use reproduce or bound.
-- Each figure is read from its row: indicator grdp_growth_yoy[_<sector_slug>] (y/y
-- growth at constant prices, no suffix = total GRDP) or grdp_sector_share_<sector_slug>
-- (share of GRDP at current prices); period = period_id (2024-H1, 2024-Q2 = discrete
-- second quarter, 2024 = whole year); vintage '<YYYY-MM> estimate' = the release
-- YYYY-MM (fct_grdp_release_growths), '<YYYY> revision' = the latest vintage of
-- fct_grdp_growths, which must come from a release published in YYYY.
with

figures as (
    select * from {{ ref('stg_reference__published_figures') }}
    where domain = 'grdp' and use in ('reproduce', 'bound')
),

sectors as (
    select * from {{ ref('dim_grdp_sectors') }}
),

release_growths as (
    select * from {{ ref('fct_grdp_release_growths') }}
),

growths as (
    select * from {{ ref('fct_grdp_growths') }}
),

parsed as (
    select
        figure_id,
        admin_unit,
        period as period_id,
        case
            when indicator like 'grdp\_growth\_yoy%' escape '\' then 'growth'
            when indicator like 'grdp\_sector\_share\_%' escape '\' then 'share'
        end as measure,
        coalesce(
            nullif(
                regexp_extract(indicator, '^grdp_(growth_yoy|sector_share)_?(.*)$', 2),
                ''
            ),
            'total'
        ) as sector_slug,
        regexp_extract(vintage, '^(\d{4}-\d{2}) estimate$', 1) as estimate_release_id,
        regexp_extract(vintage, '^(\d{4}) revision$', 1) as revision_year
    from figures
),

with_sector as (
    select
        parsed.figure_id,
        parsed.admin_unit,
        parsed.period_id,
        parsed.measure,
        sectors.sector_code,
        nullif(parsed.estimate_release_id, '') as estimate_release_id,
        nullif(parsed.revision_year, '') as revision_year
    from parsed
    left join sectors
        on parsed.sector_slug = sectors.sector_slug
),

estimates as (
    select
        with_sector.figure_id,
        with_sector.measure,
        release_growths.growth_yoy_constant_prices_pct,
        release_growths.share_of_grdp_current_prices_pct
    from with_sector
    inner join release_growths
        on
            with_sector.estimate_release_id = release_growths.release_id
            and with_sector.period_id = release_growths.period_id
            and with_sector.sector_code = release_growths.sector_code
            and with_sector.admin_unit = release_growths.admin_unit_id
),

revisions as (
    select
        with_sector.figure_id,
        with_sector.measure,
        growths.growth_yoy_constant_prices_pct,
        growths.share_of_grdp_current_prices_pct
    from with_sector
    inner join growths
        on
            with_sector.period_id = growths.period_id
            and with_sector.sector_code = growths.sector_code
            and with_sector.admin_unit = growths.admin_unit_id
            and growths.vintage = 'latest'
            and with_sector.revision_year = left(growths.release_id, 4)
),

unioned as (
    select * from estimates
    union all
    select * from revisions
),

final as (
    select
        figure_id::varchar as figure_id,
        (
            case measure
                when 'growth' then growth_yoy_constant_prices_pct
                when 'share' then share_of_grdp_current_prices_pct
            end
        )::double as warehouse_value
    from unioned
)

select * from final
