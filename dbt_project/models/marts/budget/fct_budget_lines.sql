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

superior_estimates as (
    select
        budget_line_id,
        budget_year,
        report_period,
        period_id,
        admin_unit_id,
        unit_scope,
        execution_start_date,
        execution_end_date,
        budget_index,
        line_path,
        'estimate' as stage,  -- noqa: RF04
        'superior_assigned' as plan_basis,
        superior_assigned_by as estimate_assigned_by,
        estimate_superior_bn_vnd as amount_bn_vnd,
        estimate_superior_marker as amount_marker,
        source_unit
    from line_periods
),

council_estimates as (
    select
        budget_line_id,
        budget_year,
        report_period,
        period_id,
        admin_unit_id,
        unit_scope,
        execution_start_date,
        execution_end_date,
        budget_index,
        line_path,
        'estimate' as stage,  -- noqa: RF04
        'council_approved' as plan_basis,
        council_approved_by as estimate_assigned_by,
        estimate_council_bn_vnd as amount_bn_vnd,
        estimate_council_marker as amount_marker,
        source_unit
    from line_periods
),

executions as (
    select
        budget_line_id,
        budget_year,
        report_period,
        period_id,
        admin_unit_id,
        unit_scope,
        execution_start_date,
        execution_end_date,
        budget_index,
        line_path,
        'execution' as stage,  -- noqa: RF04
        null::varchar as plan_basis,
        null::varchar as estimate_assigned_by,
        execution_cumulative_bn_vnd as amount_bn_vnd,
        execution_marker as amount_marker,
        source_unit
    from line_periods
),

unioned as (
    select * from superior_estimates
    union all
    select * from council_estimates
    union all
    select * from executions
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
