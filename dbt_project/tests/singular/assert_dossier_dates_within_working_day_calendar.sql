{{ config(meta={'dagster': {'ref': {'name': 'stg_procedures__dossiers'}}}) }}

-- Deadlines count working days, so every dossier date must fall in a year of the
-- working-day calendar (ref_vietnam_calendar_years, with its days off and make-up
-- working days), and so must every deadline extended by the supplement wait. A year
-- missing from the calendar fails the build naming the year: it is never counted as
-- weekends only. Covered years must also be contiguous.
with

dossiers as (
    select * from {{ ref('stg_procedures__dossiers') }}
),

calendar_years as (
    select * from {{ ref('ref_vietnam_calendar_years') }}
),

calendar as (
    select * from {{ ref('int_calendar_days_numbered') }}
),

dossier_dates as (
    select
        'received_at' as date_column,
        received_at::date as dossier_date
    from dossiers
    union all
    select
        'due_at' as date_column,
        due_at::date as dossier_date
    from dossiers
    union all
    select
        'finished_at' as date_column,
        finished_at::date as dossier_date
    from dossiers
    union all
    select
        'returned_at' as date_column,
        returned_at::date as dossier_date
    from dossiers
    union all
    select
        'ended_at' as date_column,
        ended_at::date as dossier_date
    from dossiers
),

dossier_years as (
    select
        year(dossier_date) as calendar_year,
        date_column,
        count(*) as dossier_dates,
        min(dossier_date) as first_date
    from dossier_dates
    where dossier_date is not null
    group by year(dossier_date), date_column
),

uncovered_dates as (
    select
        dossier_years.calendar_year as missing_calendar_year,
        'working-day calendar has no year ' || dossier_years.calendar_year || ': '
        || dossier_years.dossier_dates || ' dossier ' || dossier_years.date_column
        || ' dates from ' || dossier_years.first_date
        || '; add the year to ref_vietnam_calendar_years with its days off '
        || '(sources/loading/workdays.py)'
            as problem
    from dossier_years
    left join calendar_years
        on dossier_years.calendar_year = calendar_years.calendar_year
    where calendar_years.calendar_year is null
),

year_range as (
    select
        min(calendar_year) as first_year,
        max(calendar_year) as last_year
    from calendar_years
),

calendar_end as (
    select max(working_days_before) as last_working_days_before
    from calendar
    where is_working_day
),

extended as (
    select count(*) as dossiers
    from dossiers
    inner join calendar as due_day
        on dossiers.due_at::date = due_day.calendar_date
    cross join calendar_end
    where
        due_day.working_days_before + coalesce(dossiers.supplement_wait_days, 0)
        > calendar_end.last_working_days_before
),

uncovered_deadlines as (
    select
        year_range.last_year + 1 as missing_calendar_year,
        'working-day calendar has no year ' || (year_range.last_year + 1) || ': '
        || extended.dossiers
        || ' deadlines extended by the supplement wait run past its last day' as problem
    from extended
    cross join year_range
    where extended.dossiers > 0
),

spanned_years as (
    select unnest(range(first_year, last_year + 1)) as calendar_year
    from year_range
),

gaps as (
    select
        spanned_years.calendar_year as missing_calendar_year,
        'working-day calendar has no year ' || spanned_years.calendar_year
        || ' between its first and last year' as problem
    from spanned_years
    left join calendar_years
        on spanned_years.calendar_year = calendar_years.calendar_year
    where calendar_years.calendar_year is null
),

final as (
    select * from uncovered_dates
    union all
    select * from uncovered_deadlines
    union all
    select * from gaps
)

select * from final
