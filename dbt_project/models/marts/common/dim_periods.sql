-- Calendar periods 2015..2030: months, quarters, halves, years and year-to-date
-- spans (January to month m), each with its first and last day.
with

months as (
    select
        year(t.month_start)::integer as period_year,
        month(t.month_start)::integer as period_month,
        t.month_start::date as start_date
    from range(date '2015-01-01', date '2031-01-01', interval 1 month) as t (month_start)
),

month_periods as (
    select
        strftime(start_date, '%Y-%m') as period_id,
        'month' as period_type,
        period_year,
        start_date,
        last_day(start_date) as end_date,
        1 as month_count
    from months
),

quarter_periods as (
    select
        period_year || '-Q' || ((period_month + 2) // 3) as period_id,
        'quarter' as period_type,
        period_year,
        min(start_date) as start_date,
        last_day(max(start_date)) as end_date,
        count(*) as month_count
    from months
    group by period_year, (period_month + 2) // 3
),

half_periods as (
    select
        period_year || '-H' || ((period_month + 5) // 6) as period_id,
        'half' as period_type,
        period_year,
        min(start_date) as start_date,
        last_day(max(start_date)) as end_date,
        count(*) as month_count
    from months
    group by period_year, (period_month + 5) // 6
),

year_periods as (
    select
        period_year::varchar as period_id,
        'year' as period_type,
        period_year,
        min(start_date) as start_date,
        last_day(max(start_date)) as end_date,
        count(*) as month_count
    from months
    group by period_year
),

ytd_periods as (
    select
        period_year || '-YTD' || lpad(period_month::varchar, 2, '0') as period_id,
        'year_to_date' as period_type,
        period_year,
        make_date(period_year, 1, 1) as start_date,
        last_day(start_date) as end_date,
        period_month as month_count
    from months
),

unioned as (
    select * from month_periods
    union all
    select * from quarter_periods
    union all
    select * from half_periods
    union all
    select * from year_periods
    union all
    select * from ytd_periods
),

final as (
    select
        period_id,
        period_type,
        period_year,
        start_date,
        end_date,
        month_count::integer as month_count
    from unioned
)

select * from final
