{{ config(severity='error', meta={'dagster': {'ref': {'name': 'fct_procedure_throughputs'}}}) }}

-- Roll-up check: in every period, the dossiers received by the city (row '01') are those
-- received at the city departments' desks plus those of every district row (each district
-- counts its own desk and its communes' desks). Desks outside any district other than the
-- city's (communes from 2025-07-01) are added to the city-desk side, so the claim holds
-- across the reform.
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

outside_districts_by_month as (
    select
        date_trunc('month', received_date)::date as month_start_date,
        count_if(desk_level = 'city') as city_desk_count,
        count_if(desk_level <> 'city' and district_admin_unit_id is null) as no_district_count
    from dossiers
    group by date_trunc('month', received_date)
),

outside_districts as (
    select
        periods.period_id,
        sum(outside_districts_by_month.city_desk_count) as city_desk_count,
        sum(outside_districts_by_month.no_district_count) as no_district_count
    from outside_districts_by_month
    inner join periods
        on
            outside_districts_by_month.month_start_date between periods.start_date
            and periods.end_date
    group by periods.period_id
),

district_totals as (
    select
        period_id,
        sum(received_count) as districts_received_count
    from throughputs
    where admin_level = 'district'
    group by period_id
),

city_rows as (
    select
        period_id,
        received_count as city_received_count
    from throughputs
    where admin_level = 'city'
),

final as (
    select
        city_rows.period_id,
        city_rows.city_received_count,
        coalesce(outside_districts.city_desk_count, 0) as city_desk_count,
        coalesce(outside_districts.no_district_count, 0) as no_district_count,
        coalesce(district_totals.districts_received_count, 0) as districts_received_count
    from city_rows
    left join outside_districts
        on city_rows.period_id = outside_districts.period_id
    left join district_totals
        on city_rows.period_id = district_totals.period_id
    where
        city_rows.city_received_count
        <> coalesce(outside_districts.city_desk_count, 0)
        + coalesce(outside_districts.no_district_count, 0)
        + coalesce(district_totals.districts_received_count, 0)
)

select * from final
