{{ config(severity='error', meta={'dagster': {'ref': {'name': 'fct_procedure_throughputs'}}}) }}

-- Roll-up check: in every complete period, the dossiers received by the city (row '01')
-- are those received at the city departments' desks plus those of the reporting units -
-- the districts (each with its communes' desks) before 2025-07-01, the communes from then
-- on. The units' monthly rows are summed over the period, so a period across the reform
-- (2025, 2025-H2 ...) adds districts and communes each for the months they existed.
with

throughputs as (
    select * from {{ ref('fct_procedure_throughputs') }}
),

dossiers as (
    select * from {{ ref('fct_dossiers') }}
),

periods as (
    select * from {{ ref('dim_periods') }}
),

city_desks_by_month as (
    select
        date_trunc('month', received_date)::date as month_start_date,
        count(*) as city_desk_count
    from dossiers
    where desk_level = 'city'
    group by date_trunc('month', received_date)
),

units_by_month as (
    select
        period_start_date as month_start_date,
        sum(received_count) as units_received_count,
        count_if(admin_level = 'district') as district_rows,
        count_if(admin_level = 'commune') as commune_rows
    from throughputs
    where period_type = 'month' and admin_level in ('district', 'commune')
    group by period_start_date
),

months as (
    select
        coalesce(
            city_desks_by_month.month_start_date, units_by_month.month_start_date
        ) as month_start_date,
        coalesce(city_desks_by_month.city_desk_count, 0) as city_desk_count,
        coalesce(units_by_month.units_received_count, 0) as units_received_count
    from city_desks_by_month
    full outer join units_by_month
        on city_desks_by_month.month_start_date = units_by_month.month_start_date
),

parts as (
    select
        periods.period_id,
        sum(months.city_desk_count) as city_desk_count,
        sum(months.units_received_count) as units_received_count
    from months
    inner join periods
        on months.month_start_date between periods.start_date and periods.end_date
    group by periods.period_id
),

city_rows as (
    select
        period_id,
        received_count as city_received_count
    from throughputs
    where admin_level = 'city' and is_complete
),

final as (
    select
        city_rows.period_id,
        city_rows.city_received_count,
        coalesce(parts.city_desk_count, 0) as city_desk_count,
        coalesce(parts.units_received_count, 0) as units_received_count
    from city_rows
    left join parts
        on city_rows.period_id = parts.period_id
    where
        city_rows.city_received_count
        <> coalesce(parts.city_desk_count, 0) + coalesce(parts.units_received_count, 0)
)

select * from final
