{{ config(severity='error', meta={'dagster': {'ref': {'name': 'fct_grdp_growths'}}}) }}

-- fct_grdp_growths lets a user pick a period's first-published or latest growth. For
-- every published GRDP figure: when its release (int_grdp_figures_resolved) is the
-- first_published or the latest release of its period and sector there, that vintage
-- carries the figure at its published precision; a figure whose vintage says "first
-- published" comes from the first_published vintage. So 2025-Q3 is 8.2 first published
-- (release 2025-09) and 8.85 latest (the whole-year release 2026-01).
with

resolved as (
    select * from {{ ref('int_grdp_figures_resolved') }}
),

figures as (
    select * from {{ ref('stg_reference__published_figures') }}
),

growths as (
    select * from {{ ref('fct_grdp_growths') }}
),

vintage_values as (
    select
        vintage,
        admin_unit_id,
        period_id,
        sector_code,
        release_id,
        growth_yoy_constant_prices_pct,
        share_of_grdp_current_prices_pct
    from growths
),

joined as (
    select
        resolved.figure_id,
        resolved.release_id,
        resolved.names_first_published,
        figures.value::double as published_value,
        coalesce(length(split_part(figures.value, '.', 2)), 0)::integer as published_decimals,
        first_published.release_id as first_published_release_id,
        latest.release_id as latest_release_id,
        case resolved.measure
            when 'growth' then first_published.growth_yoy_constant_prices_pct
            when 'share' then first_published.share_of_grdp_current_prices_pct
        end as first_published_value,
        case resolved.measure
            when 'growth' then latest.growth_yoy_constant_prices_pct
            when 'share' then latest.share_of_grdp_current_prices_pct
        end as latest_value
    from resolved
    inner join figures
        on resolved.figure_id = figures.figure_id
    left join vintage_values as first_published
        on
            first_published.vintage = 'first_published'
            and resolved.admin_unit_id = first_published.admin_unit_id
            and resolved.period_id = first_published.period_id
            and resolved.sector_code = first_published.sector_code
    left join vintage_values as latest
        on
            latest.vintage = 'latest'
            and resolved.admin_unit_id = latest.admin_unit_id
            and resolved.period_id = latest.period_id
            and resolved.sector_code = latest.sector_code
),

final as (
    select * from joined
    where
        (names_first_published and first_published_release_id is distinct from release_id)
        or (
            first_published_release_id = release_id
            and round(first_published_value, published_decimals) is distinct from published_value
        )
        or (
            latest_release_id = release_id
            and round(latest_value, published_decimals) is distinct from published_value
        )
)

select * from final
