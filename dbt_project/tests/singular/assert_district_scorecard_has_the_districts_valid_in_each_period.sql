{{ config(severity='error', meta={'dagster': {'ref': {'name': 'fct_district_scorecards'}}}) }}

-- Every period of the district scorecard has exactly the districts of dim_admin_units
-- valid the whole period (30), with or without data: one missing or one too many fails,
-- and so does a period ending after the last day of the district level.
with

scorecards as (
    select * from {{ ref('fct_district_scorecards') }}
),

units as (
    select * from {{ ref('dim_admin_units') }}
),

district_level as (
    select max(valid_to) as last_day
    from units
    where admin_level = 'district'
),

scorecard_periods as (
    select distinct
        period_id,
        period_start_date,
        period_end_date
    from scorecards
),

expected as (
    select
        units.admin_unit_id,
        scorecard_periods.period_id
    from scorecard_periods
    inner join units
        on
            scorecard_periods.period_start_date >= units.valid_from
            and scorecard_periods.period_end_date <= coalesce(units.valid_to, date '9999-12-31')
    where units.admin_level = 'district'
),

compared as (
    select
        coalesce(expected.period_id, scorecards.period_id) as period_id,
        coalesce(expected.admin_unit_id, scorecards.admin_unit_id) as admin_unit_id,
        case
            when scorecards.admin_unit_id is null then 'valid district missing'
            else 'not a district valid the whole period'
        end as problem
    from expected
    full outer join scorecards
        on
            expected.admin_unit_id = scorecards.admin_unit_id
            and expected.period_id = scorecards.period_id
    where expected.admin_unit_id is null or scorecards.admin_unit_id is null
),

late_periods as (
    select
        scorecard_periods.period_id,
        null as admin_unit_id,
        'period ends after the district level' as problem
    from scorecard_periods
    cross join district_level
    where scorecard_periods.period_end_date > district_level.last_day
),

final as (
    select * from compared
    union all
    select * from late_periods
)

select * from final
