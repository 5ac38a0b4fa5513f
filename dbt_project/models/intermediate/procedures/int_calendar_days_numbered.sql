-- One row per calendar day of the years the working-day calendar covers
-- (ref_vietnam_calendar_years): whether it is a working day (Monday to Friday and not an
-- official day off, or a make-up working Saturday) and how many working days come before
-- it. A deadline of "n working days after day d" (rolled forward to a working day, as
-- numpy's busday_offset) is then the working day whose working_days_before equals that
-- of d plus n: an equi-join. Days outside the covered years have no row: a dossier date
-- there fails assert_dossier_dates_within_working_day_calendar, naming the year.
with

days_off as (
    select * from {{ ref('ref_vietnam_official_days_off') }}
),

make_up_days as (
    select * from {{ ref('ref_vietnam_make_up_working_days') }}
),

calendar_years as (
    select * from {{ ref('ref_vietnam_calendar_years') }}
),

bounds as (
    select
        make_date(min(calendar_year), 1, 1) as first_day,
        make_date(max(calendar_year) + 1, 1, 1) as end_day
    from calendar_years
),

days as (
    select unnest(generate_series(first_day, end_day - 1, interval 1 day))::date as calendar_date
    from bounds
),

flagged as (
    select
        days.calendar_date,
        year(days.calendar_date) as calendar_year,
        make_up_days.working_date is not null as is_make_up_working_day,
        (isodow(days.calendar_date) <= 5 and days_off.day_off_date is null)
        or make_up_days.working_date is not null as is_working_day
    from days
    left join days_off
        on days.calendar_date = days_off.day_off_date
    left join make_up_days
        on days.calendar_date = make_up_days.working_date
),

final as (
    select
        calendar_date,
        calendar_year,
        is_working_day,
        is_make_up_working_day,
        (
            sum(is_working_day::integer) over (order by calendar_date)
            - is_working_day::integer
        )::integer as working_days_before
    from flagged
)

select * from final
