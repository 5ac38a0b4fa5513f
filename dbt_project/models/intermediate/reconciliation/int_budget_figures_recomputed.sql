-- Published figures of the budget domain recomputed from fct_budget_executions: one
-- row per budget figure_id of the published-figure files (use reproduce or bound).
-- The indicator names the line: revenue on the territory is line A (Tổng thu NSNN trên
-- địa bàn), local expenditure line B, and a group (domestic, import-export, crude oil;
-- development investment, recurrent) the level-I line of that subgroup. The period
-- names the report: YYYY = 12T, YYYY-H1 = 6T, YYYY-<n>M = the n-month report (9M =
-- 9T, period YYYY-YTD09). Unit 01 = the whole city (city_total), 01-xxx = a district.
-- Rates use the superior-assigned estimate (the centre's statutory estimate, dự toán
-- pháp lệnh); the y/y ratio compares with the same report of the previous year.
with

figures as (
    select * from {{ ref('stg_reference__published_figures') }}
    where domain = 'budget' and use in ('reproduce', 'bound')
),

executions as (
    select * from {{ ref('fct_budget_executions') }}
),

figure_lines as (
    select
        figure_id,
        indicator,
        admin_unit,
        case
            when regexp_full_match(period, '\d{4}-\d{1,2}M')
                then
                    split_part(period, '-', 1) || '-YTD'
                    || lpad(regexp_extract(period, '-(\d{1,2})M', 1), 2, '0')
            else period
        end as period_id,
        case
            when admin_unit = '01' then 'city_total' else 'district'
        end as unit_scope,
        case
            when indicator like 'local_budget_expenditure%' then 'expenditure'
            else 'revenue'
        end as category_group,
        case indicator
            when 'state_budget_revenue_domestic' then 'domestic'
            when 'state_budget_revenue_import_export' then 'import_export'
            when 'state_budget_revenue_crude_oil' then 'crude_oil'
            when 'local_budget_expenditure_development_investment'
                then 'development_investment'
            when 'local_budget_expenditure_recurrent' then 'recurrent'
        end as category_subgroup,
        case
            when indicator like '%_execution_rate' then 'rate_superior_estimate'
            when indicator like '%_yoy_ratio' then 'yoy_ratio'
            else 'execution'
        end as measure
    from figures
),

matched as (
    select
        figure_lines.figure_id,
        figure_lines.measure,
        executions.execution_bn_vnd,
        executions.execution_rate_superior_estimate_pct,
        executions.execution_yoy_ratio_pct
    from figure_lines
    inner join executions
        on
            figure_lines.admin_unit = executions.admin_unit_id
            and figure_lines.period_id = executions.period_id
            and figure_lines.unit_scope = executions.unit_scope
            and figure_lines.category_group = executions.category_group
            and (
                (figure_lines.category_subgroup is null and executions.outline_level = 0)
                or (
                    figure_lines.category_subgroup = executions.category_subgroup
                    and executions.outline_level = 1
                )
            )
),

final as (
    select
        figure_id::varchar as figure_id,
        case measure
            when 'execution' then execution_bn_vnd::double
            when 'rate_superior_estimate' then execution_rate_superior_estimate_pct
            when 'yoy_ratio' then execution_yoy_ratio_pct
        end::double as warehouse_value
    from matched
)

select * from final
