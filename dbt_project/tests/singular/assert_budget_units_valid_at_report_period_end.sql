{{ config(severity='error', meta={'dagster': {'ref': {'name': 'fct_budget_lines'}}}) }}

-- Every budget unit is the version of dim_admin_units valid on the last day of the
-- report's period (31 March for 3T, 30 June for 6T, 30 September for 9T, 31 December
-- for 12T).
with

amounts as (
    select * from {{ ref('fct_budget_lines') }}
),

periods as (
    select * from {{ ref('dim_periods') }}
),

units as (
    select * from {{ ref('dim_admin_units') }}
),

report_units as (
    select distinct
        amounts.admin_unit_id,
        amounts.period_id,
        periods.end_date
    from amounts
    inner join periods
        on amounts.period_id = periods.period_id
),

final as (
    select
        report_units.admin_unit_id,
        report_units.period_id,
        report_units.end_date,
        units.valid_from,
        units.valid_to
    from report_units
    left join units
        on report_units.admin_unit_id = units.admin_unit_id
    where
        units.admin_unit_id is null
        or report_units.end_date < units.valid_from
        or report_units.end_date > coalesce(units.valid_to, date '9999-12-31')
)

select * from final
