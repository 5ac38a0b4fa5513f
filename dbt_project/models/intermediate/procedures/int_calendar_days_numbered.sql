-- One row per calendar day 2015..2035: whether it is a working day (Monday to Friday and
-- not an official day off) and how many working days come before it. A deadline of
-- "n working days after day d" (rolled forward to a working day, as numpy's busday_offset)
-- is then the working day whose working_days_before equals that of d plus n: an equi-join.
with

days_off as (
    select * from {{ ref('ref_vietnam_official_days_off') }}
),

days as (
    select t.calendar_day::date as calendar_date
    from range(date '2015-01-01', date '2036-01-01', interval 1 day) as t (calendar_day)
),

flagged as (
    select
        days.calendar_date,
        isodow(days.calendar_date) <= 5 and days_off.day_off_date is null as is_working_day
    from days
    left join days_off
        on days.calendar_date = days_off.day_off_date
),

final as (
    select
        calendar_date,
        is_working_day,
        (
            sum(is_working_day::integer) over (order by calendar_date)
            - is_working_day::integer
        )::integer as working_days_before
    from flagged
)

select * from final
