{#- Every period of a scorecard has exactly the units of `admin_level` in dim_admin_units
    valid the whole period, with or without data: one missing or one too many fails, and so
    does a period outside the era of the scorecard (from the first day to the last day of
    the units `era_units`, a filter on dim_admin_units: the district level for the
    district scorecard, the communes that have no district for the commune scorecard). A
    failing row names the period and the unit, and says what is wrong. -#}
{% test scorecard_has_the_units_valid_in_each_period(model, admin_level, era_units) %}

with

scorecards as (
    select * from {{ model }}
),

units as (
    select * from {{ ref('dim_admin_units') }}
),

era as (
    select
        min(valid_from) as first_day,
        max(coalesce(valid_to, date '9999-12-31')) as last_day
    from units
    where {{ era_units }}
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
    where units.admin_level = '{{ admin_level }}'
),

compared as (
    select
        coalesce(expected.period_id, scorecards.period_id) as period_id,
        coalesce(expected.admin_unit_id, scorecards.admin_unit_id) as admin_unit_id,
        case
            when scorecards.admin_unit_id is null then 'valid {{ admin_level }} missing'
            else 'not a {{ admin_level }} valid the whole period'
        end as problem
    from expected
    full outer join scorecards
        on
            expected.admin_unit_id = scorecards.admin_unit_id
            and expected.period_id = scorecards.period_id
    where expected.admin_unit_id is null or scorecards.admin_unit_id is null
),

periods_outside_era as (
    select
        scorecard_periods.period_id,
        null as admin_unit_id,
        case
            when scorecard_periods.period_start_date < era.first_day
                then 'period starts before the {{ admin_level }} era'
            else 'period ends after the {{ admin_level }} era'
        end as problem
    from scorecard_periods
    cross join era
    where
        scorecard_periods.period_start_date < era.first_day
        or scorecard_periods.period_end_date > era.last_day
),

final as (
    select * from compared
    union all
    select * from periods_outside_era
)

select * from final

{% endtest %}
