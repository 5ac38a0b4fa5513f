-- Published figures of the grdp domain (both reference files, use reproduce or bound)
-- resolved to what they name in the grdp marts, read from each figure's row:
-- * indicator grdp_growth_yoy[_<sector_slug>]: y/y growth at constant prices (no suffix =
--   total GRDP); grdp_sector_share_<sector_slug>: share of GRDP at current prices;
-- * period: 2024-H1 six months, 2025-9M nine months (period_id 2025-YTD09), 2024-Q2 or
--   2025-Q3 the discrete quarter, 2025 the whole year;
-- * vintage '<YYYY-MM> estimate ...': the first release published in or after YYYY-MM
--   ('2025-12 estimate (released 2026-01)' is the whole-year release 2026-01, as
--   '2025-01 estimate' is the release 2025-01); '<YYYY> revision': the latest release
--   published in YYYY that states the growth of the period (holds the year before);
-- * names_first_published: the vintage says the figure is the first published one.
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

releases as (
    select distinct release_id from release_growths
),

parsed as (
    select
        figure_id,
        admin_unit as admin_unit_id,
        case
            when regexp_full_match(period, '\d{4}-9M') then left(period, 4) || '-YTD09'
            when regexp_full_match(period, '\d{4}-6M') then left(period, 4) || '-H1'
            else period
        end as period_id,
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
        nullif(regexp_extract(vintage, '^(\d{4}-\d{2}) estimate\b', 1), '') as estimate_month,
        nullif(regexp_extract(vintage, '^(\d{4}) revision$', 1), '') as revision_year,
        coalesce(vintage ilike '%first published%', false) as names_first_published
    from figures
),

with_sector as (
    select
        parsed.figure_id,
        parsed.admin_unit_id,
        parsed.period_id,
        parsed.measure,
        sectors.sector_code,
        parsed.estimate_month,
        parsed.revision_year,
        parsed.names_first_published
    from parsed
    left join sectors
        on parsed.sector_slug = sectors.sector_slug
),

estimate_releases as (
    select
        with_sector.figure_id,
        min(releases.release_id) as release_id
    from with_sector
    inner join releases
        on with_sector.estimate_month <= releases.release_id
    group by with_sector.figure_id
),

revision_releases as (
    select
        with_sector.figure_id,
        max(release_growths.release_id) as release_id
    from with_sector
    inner join release_growths
        on
            with_sector.period_id = release_growths.period_id
            and with_sector.sector_code = release_growths.sector_code
            and with_sector.admin_unit_id = release_growths.admin_unit_id
            and with_sector.revision_year = left(release_growths.release_id, 4)
            and release_growths.has_previous_year
    group by with_sector.figure_id
),

final as (
    select
        with_sector.figure_id,
        with_sector.admin_unit_id,
        with_sector.period_id,
        with_sector.measure,
        with_sector.sector_code,
        coalesce(estimate_releases.release_id, revision_releases.release_id) as release_id,
        with_sector.names_first_published
    from with_sector
    left join estimate_releases
        on with_sector.figure_id = estimate_releases.figure_id
    left join revision_releases
        on with_sector.figure_id = revision_releases.figure_id
)

select * from final
