{{ config(
    severity='error',
    meta={'dagster': {'ref': {'name': 'fct_procedure_throughputs_restated'}}},
) }}

-- The restated series loses and invents nothing: in every period in which the city row of
-- fct_procedure_throughputs is complete, each additive measure summed over the restated
-- rows (the 126 communes and the city desks) equals the city's. A failing row names the
-- period and the measure. Tolerance: 1e-6 of the city value (at least 1e-6 of a dossier).
-- Allocated counts are sums of weight x count whose weights sum to 1 per desk up to
-- floating-point rounding (relative errors near 1e-12 even at 10^7 dossiers), while one
-- dossier lost from a month of the city's real volume (about 150,000) is 7e-6 of it, and
-- a crosswalk whose weights miss 0.1 % of a ward, or a ward dropped whole, is far more.
with

restated as (
    select * from {{ ref('fct_procedure_throughputs_restated') }}
),

throughputs as (
    select * from {{ ref('fct_procedure_throughputs') }}
),

city_rows as (
    select
        period_id,
        backlog_count,
        received_count,
        to_process_count,
        finished_count,
        finished_on_time_count,
        finished_late_count,
        ended_count,
        in_progress_on_time_count,
        in_progress_late_count,
        backlog_end_count,
        same_day_count,
        online_count,
        fee_bearing_count,
        paid_online_count,
        digitised_count,
        avg_resolution_days * finished_count as resolution_days_sum
    from throughputs
    where admin_level = 'city' and is_complete
),

restated_totals as (
    select
        period_id,
        count(*) as row_count,
        count_if(not is_complete) as incomplete_row_count,
        sum(backlog_count) as backlog_count,
        sum(received_count) as received_count,
        sum(to_process_count) as to_process_count,
        sum(finished_count) as finished_count,
        sum(finished_on_time_count) as finished_on_time_count,
        sum(finished_late_count) as finished_late_count,
        sum(ended_count) as ended_count,
        sum(in_progress_on_time_count) as in_progress_on_time_count,
        sum(in_progress_late_count) as in_progress_late_count,
        sum(backlog_end_count) as backlog_end_count,
        sum(same_day_count) as same_day_count,
        sum(online_count) as online_count,
        sum(fee_bearing_count) as fee_bearing_count,
        sum(paid_online_count) as paid_online_count,
        sum(digitised_count) as digitised_count,
        sum(resolution_days_sum) as resolution_days_sum
    from restated
    group by period_id
),

paired as (
    select
        city_rows.period_id,
        restated_totals.row_count,
        restated_totals.incomplete_row_count,
        unnest([
            {
                'measure': 'backlog_count',
                'city_value': city_rows.backlog_count::double,
                'restated_value': restated_totals.backlog_count::double
            },
            {
                'measure': 'received_count',
                'city_value': city_rows.received_count::double,
                'restated_value': restated_totals.received_count::double
            },
            {
                'measure': 'to_process_count',
                'city_value': city_rows.to_process_count::double,
                'restated_value': restated_totals.to_process_count::double
            },
            {
                'measure': 'finished_count',
                'city_value': city_rows.finished_count::double,
                'restated_value': restated_totals.finished_count::double
            },
            {
                'measure': 'finished_on_time_count',
                'city_value': city_rows.finished_on_time_count::double,
                'restated_value': restated_totals.finished_on_time_count::double
            },
            {
                'measure': 'finished_late_count',
                'city_value': city_rows.finished_late_count::double,
                'restated_value': restated_totals.finished_late_count::double
            },
            {
                'measure': 'ended_count',
                'city_value': city_rows.ended_count::double,
                'restated_value': restated_totals.ended_count::double
            },
            {
                'measure': 'in_progress_on_time_count',
                'city_value': city_rows.in_progress_on_time_count::double,
                'restated_value': restated_totals.in_progress_on_time_count::double
            },
            {
                'measure': 'in_progress_late_count',
                'city_value': city_rows.in_progress_late_count::double,
                'restated_value': restated_totals.in_progress_late_count::double
            },
            {
                'measure': 'backlog_end_count',
                'city_value': city_rows.backlog_end_count::double,
                'restated_value': restated_totals.backlog_end_count::double
            },
            {
                'measure': 'same_day_count',
                'city_value': city_rows.same_day_count::double,
                'restated_value': restated_totals.same_day_count::double
            },
            {
                'measure': 'online_count',
                'city_value': city_rows.online_count::double,
                'restated_value': restated_totals.online_count::double
            },
            {
                'measure': 'fee_bearing_count',
                'city_value': city_rows.fee_bearing_count::double,
                'restated_value': restated_totals.fee_bearing_count::double
            },
            {
                'measure': 'paid_online_count',
                'city_value': city_rows.paid_online_count::double,
                'restated_value': restated_totals.paid_online_count::double
            },
            {
                'measure': 'digitised_count',
                'city_value': city_rows.digitised_count::double,
                'restated_value': restated_totals.digitised_count::double
            },
            {
                'measure': 'resolution_days_sum',
                'city_value': city_rows.resolution_days_sum::double,
                'restated_value': restated_totals.resolution_days_sum::double
            }
        ]) as measured
    from city_rows
    left join restated_totals
        on city_rows.period_id = restated_totals.period_id
),

compared as (
    select
        paired.period_id,
        paired.row_count,
        paired.incomplete_row_count,
        paired.measured.measure,
        paired.measured.city_value,
        paired.measured.restated_value
    from paired
),

final as (
    select
        period_id,
        measure,
        city_value,
        restated_value,
        restated_value - city_value as difference,
        row_count,
        incomplete_row_count
    from compared
    where
        restated_value is null
        or coalesce(incomplete_row_count, 0) > 0
        or abs(restated_value - city_value) > 1e-6 * greatest(1, abs(city_value))
)

select * from final
