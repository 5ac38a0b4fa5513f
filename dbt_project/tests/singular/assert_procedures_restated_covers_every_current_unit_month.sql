{{ config(
    severity='error',
    meta={'dagster': {'ref': {'name': 'fct_procedure_throughputs_restated'}}},
) }}

-- The restated series covers every commune in force today (dim_admin_units, by validity)
-- and the city desks for every month from the first to the last month loaded
-- (fct_procedure_coverages). A failing row names the unit and the month without a row.
with

restated as (
    select * from {{ ref('fct_procedure_throughputs_restated') }}
),

admin_units as (
    select * from {{ ref('dim_admin_units') }}
),

coverage as (
    select * from {{ ref('fct_procedure_coverages') }}
),

periods as (
    select * from {{ ref('dim_periods') }}
),

span as (
    select
        min(month_start_date) as first_month_start_date,
        max(month_start_date) as last_month_start_date
    from coverage
),

months as (
    select periods.period_id
    from periods
    cross join span
    where
        periods.period_type = 'month'
        and periods.start_date between span.first_month_start_date
        and span.last_month_start_date
),

units as (
    select admin_unit_id from admin_units
    where (admin_level = 'commune' and is_current) or admin_level = 'city'
),

expected as (
    select
        units.admin_unit_id,
        months.period_id
    from units
    cross join months
),

final as (
    select
        expected.admin_unit_id,
        expected.period_id
    from expected
    left join restated
        on
            expected.admin_unit_id = restated.admin_unit_id
            and expected.period_id = restated.period_id
    where restated.admin_unit_id is null
)

select * from final
