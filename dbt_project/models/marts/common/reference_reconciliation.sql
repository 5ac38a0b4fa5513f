-- Every published figure the warehouse must reproduce (use = reproduce) or respect
-- (use = bound, a published lower bound such as "more than 70%"), with the value the
-- warehouse computes and whether it matches at the published precision.
with

figures as (
    select * from {{ ref('stg_reference__published_figures') }}
    where use in ('reproduce', 'bound')
),

recomputed as (
    select * from {{ ref('int_admin_figures_recomputed') }}
    union all
    select * from {{ ref('int_budget_figures_recomputed') }}
    union all
    select * from {{ ref('int_disbursement_figures_recomputed') }}
    union all
    select * from {{ ref('int_grdp_figures_recomputed') }}
    union all
    select * from {{ ref('int_procedures_figures_recomputed') }}
    union all
    select * from {{ ref('int_governance_indices_figures_recomputed') }}
),

joined as (
    select
        figures.figure_id,
        figures.domain,
        figures.indicator,
        figures.admin_unit,
        figures.period,
        figures.basis,
        figures.vintage,
        figures.use,
        figures.source,
        figures.value as published_value,
        figures.value::double as published_value_num,
        coalesce(length(split_part(figures.value, '.', 2)), 0)::integer as published_decimals,
        recomputed.warehouse_value
    from figures
    left join recomputed
        on figures.figure_id = recomputed.figure_id
),

final as (
    select
        figure_id,
        domain,
        indicator,
        admin_unit,
        period,
        basis,
        vintage,
        use,
        source,
        published_value,
        published_decimals,
        warehouse_value,
        round(warehouse_value, published_decimals) as warehouse_value_at_precision,
        round(warehouse_value, published_decimals) - published_value_num as difference,
        coalesce(
            case
                when use = 'bound' then warehouse_value >= published_value_num
                else round(warehouse_value, published_decimals) = published_value_num
            end,
            false
        ) as is_match
    from joined
)

select * from final
