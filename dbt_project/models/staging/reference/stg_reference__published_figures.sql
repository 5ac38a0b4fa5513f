-- Both reference files of published figures (to 2024, and 2025 on with the post-reform
-- era), copied byte for byte from ../shared/domain as seeds: one row per figure_id.
with

figures_to_2024 as (
    select * from {{ ref('published_figures') }}
),

figures_from_2025 as (
    select * from {{ ref('published_figures_2025') }}
),

unioned as (
    select * from figures_to_2024
    union all by name
    select * from figures_from_2025
),

final as (
    select
        figure_id,
        domain,
        indicator,
        admin_unit,
        period,
        value,
        unit,
        basis,
        vintage,
        source,
        use
    from unioned
)

select * from final
