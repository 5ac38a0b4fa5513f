-- Published figures of the budget domain recomputed from fct_budget_executions: one
-- row per budget figure_id of published_figures.csv (use reproduce or bound).
-- Revenue on the territory is line A (Tổng thu NSNN trên địa bàn) of the report: period
-- YYYY = the 12T report, YYYY-H1 = the 6T report; unit 01 = the whole city (city_total
-- sheet), 01-xxx = the district's sheet. Rates use the superior-assigned estimate
-- (statutory, dự toán pháp lệnh); the y/y ratio compares with the same report of the
-- previous year.
with

figures as (
    select * from {{ ref('stg_reference__published_figures') }}
    where domain = 'budget' and use in ('reproduce', 'bound')
),

executions as (
    select * from {{ ref('fct_budget_executions') }}
    where budget_category_id = 'A'
),

matched as (
    select
        figures.figure_id,
        figures.indicator,
        executions.execution_bn_vnd,
        executions.execution_rate_superior_estimate_pct,
        executions.execution_yoy_ratio_pct
    from figures
    inner join executions
        on
            figures.admin_unit = executions.admin_unit_id
            and figures.period = executions.period_id
            and executions.unit_scope
            = case when figures.admin_unit = '01' then 'city_total' else 'district' end
),

final as (
    select
        figure_id::varchar as figure_id,
        case indicator
            when 'state_budget_revenue_on_territory' then execution_bn_vnd::double
            when 'state_budget_revenue_execution_rate' then execution_rate_superior_estimate_pct
            when 'state_budget_revenue_yoy_ratio' then execution_yoy_ratio_pct
        end::double as warehouse_value
    from matched
)

select * from final
