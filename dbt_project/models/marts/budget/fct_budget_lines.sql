-- Budget amounts at the lowest grain (BOOST-like long layout): one row per report
-- (budget year, 3T/6T/9T/12T), unit, outline line and stage/plan basis. Every raw line
-- gives three rows (estimate under both bases, execution); a null amount keeps its marker.
-- An estimate names who assigned it: the centre assigns the city's (city total, city
-- agencies), the city assigns a district's or a commune's (and the closed districts' of
-- 2025); each People's Council approves its own level's.
with

lines as (
    select * from {{ ref('stg_budget__lines') }}
),

line_periods as (
    select
        *,
        case report_period
            when '3T' then budget_year::varchar || '-Q1'
            when '6T' then budget_year::varchar || '-H1'
            when '9T' then budget_year::varchar || '-YTD09'
            when '12T' then budget_year::varchar
        end as period_id,
        case
            when unit_scope in ('city_total', 'city_agencies') then 'central_government'
            else 'city'
        end as superior_assigned_by,
        case
            when unit_scope in ('city_total', 'city_agencies') then 'city_council'
            when unit_scope in ('district', 'former_districts') then 'district_council'
            else 'commune_council'
        end as council_approved_by
    from lines
),

-- The three amounts of a line, one row each: the estimate the superior assigned, the
-- estimate the council approved, the execution.
amounts as (
    select
        t.stage,
        t.plan_basis
    from (
        values
        ('estimate', 'superior_assigned'),
        ('estimate', 'council_approved'),
        ('execution', null)
    ) as t (stage, plan_basis)
),

unioned as (
    select
        line_periods.budget_line_id,
        line_periods.budget_year,
        line_periods.report_period,
        line_periods.period_id,
        line_periods.admin_unit_id,
        line_periods.unit_scope,
        line_periods.execution_start_date,
        line_periods.execution_end_date,
        line_periods.budget_index,
        line_periods.line_path,
        amounts.stage,
        amounts.plan_basis,
        case amounts.plan_basis
            when 'superior_assigned' then line_periods.superior_assigned_by
            when 'council_approved' then line_periods.council_approved_by
        end as estimate_assigned_by,
        case amounts.plan_basis
            when 'superior_assigned' then line_periods.estimate_superior_bn_vnd
            when 'council_approved' then line_periods.estimate_council_bn_vnd
            else line_periods.execution_cumulative_bn_vnd
        end as amount_bn_vnd,
        case amounts.plan_basis
            when 'superior_assigned' then line_periods.estimate_superior_marker
            when 'council_approved' then line_periods.estimate_council_marker
            else line_periods.execution_marker
        end as amount_marker,
        line_periods.source_unit
    from line_periods
    cross join amounts
),

final as (
    select
        budget_line_id || '/' || stage || coalesce('/' || plan_basis, '') as budget_amount_id,
        budget_line_id,
        budget_year,
        report_period,
        period_id,
        admin_unit_id,
        unit_scope,
        execution_start_date,
        execution_end_date,
        budget_index,
        line_path as budget_category_id,
        stage,
        plan_basis,
        estimate_assigned_by,
        amount_bn_vnd::decimal(24, 6) as amount_bn_vnd,
        amount_marker,
        source_unit
    from unioned
)

select * from final
