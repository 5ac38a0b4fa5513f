-- Published figures of the grdp domain recomputed from the grdp marts: one row per
-- figure of both reference files with domain grdp and use reproduce or bound. Each
-- figure is resolved from its row (indicator, period, vintage: int_grdp_figures_resolved)
-- to one release, period and sector of fct_grdp_release_growths, whose growth (constant
-- prices, from the release's levels) or share (current prices) is the warehouse value.
with

resolved as (
    select * from {{ ref('int_grdp_figures_resolved') }}
),

release_growths as (
    select * from {{ ref('fct_grdp_release_growths') }}
),

joined as (
    select
        resolved.figure_id,
        resolved.measure,
        release_growths.growth_yoy_constant_prices_pct,
        release_growths.share_of_grdp_current_prices_pct
    from resolved
    inner join release_growths
        on
            resolved.release_id = release_growths.release_id
            and resolved.period_id = release_growths.period_id
            and resolved.sector_code = release_growths.sector_code
            and resolved.admin_unit_id = release_growths.admin_unit_id
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
    from joined
)

select * from final
