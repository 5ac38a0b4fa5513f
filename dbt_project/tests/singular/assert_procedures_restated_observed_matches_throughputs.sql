{{ config(
    severity='error',
    meta={'dagster': {'ref': {'name': 'fct_procedure_throughputs_restated'}}},
) }}

-- After the reform a commune's restated row is its observed row: the counts of the
-- dossiers received in the period equal those of fct_procedure_throughputs, and so does
-- every measure once no dossier received before the reform is carried over (allocation
-- basis 'observed'). A failing row names the unit, the period and the measure.
with

restated as (
    select * from {{ ref('fct_procedure_throughputs_restated') }}
),

throughputs as (
    select * from {{ ref('fct_procedure_throughputs') }}
),

paired as (
    select
        restated.admin_unit_id,
        restated.period_id,
        restated.allocation_basis = 'observed' as is_observed_only,
        unnest([
            {
                'measure': 'is_complete',
                'is_received_based': true,
                'restated_value': restated.is_complete::integer::double,
                'observed_value': throughputs.is_complete::integer::double
            },
            {
                'measure': 'received_count',
                'is_received_based': true,
                'restated_value': restated.received_count::double,
                'observed_value': throughputs.received_count::double
            },
            {
                'measure': 'same_day_count',
                'is_received_based': true,
                'restated_value': restated.same_day_count::double,
                'observed_value': throughputs.same_day_count::double
            },
            {
                'measure': 'online_count',
                'is_received_based': true,
                'restated_value': restated.online_count::double,
                'observed_value': throughputs.online_count::double
            },
            {
                'measure': 'fee_bearing_count',
                'is_received_based': true,
                'restated_value': restated.fee_bearing_count::double,
                'observed_value': throughputs.fee_bearing_count::double
            },
            {
                'measure': 'paid_online_count',
                'is_received_based': true,
                'restated_value': restated.paid_online_count::double,
                'observed_value': throughputs.paid_online_count::double
            },
            {
                'measure': 'digitised_count',
                'is_received_based': true,
                'restated_value': restated.digitised_count::double,
                'observed_value': throughputs.digitised_count::double
            },
            {
                'measure': 'backlog_count',
                'is_received_based': false,
                'restated_value': restated.backlog_count::double,
                'observed_value': throughputs.backlog_count::double
            },
            {
                'measure': 'finished_count',
                'is_received_based': false,
                'restated_value': restated.finished_count::double,
                'observed_value': throughputs.finished_count::double
            },
            {
                'measure': 'finished_on_time_count',
                'is_received_based': false,
                'restated_value': restated.finished_on_time_count::double,
                'observed_value': throughputs.finished_on_time_count::double
            },
            {
                'measure': 'ended_count',
                'is_received_based': false,
                'restated_value': restated.ended_count::double,
                'observed_value': throughputs.ended_count::double
            },
            {
                'measure': 'in_progress_late_count',
                'is_received_based': false,
                'restated_value': restated.in_progress_late_count::double,
                'observed_value': throughputs.in_progress_late_count::double
            },
            {
                'measure': 'backlog_end_count',
                'is_received_based': false,
                'restated_value': restated.backlog_end_count::double,
                'observed_value': throughputs.backlog_end_count::double
            },
            {
                'measure': 'on_time_rate_pct',
                'is_received_based': false,
                'restated_value': restated.on_time_rate_pct::double,
                'observed_value': throughputs.on_time_rate_pct::double
            }
        ]) as measured
    from restated
    left join throughputs
        on
            restated.admin_unit_id = throughputs.admin_unit_id
            and restated.period_id = throughputs.period_id
            and throughputs.admin_level = 'commune'
    where restated.unit_scope = 'commune' and not restated.is_restated
),

compared as (
    select
        paired.admin_unit_id,
        paired.period_id,
        paired.is_observed_only,
        paired.measured.measure,
        paired.measured.is_received_based,
        paired.measured.restated_value,
        paired.measured.observed_value
    from paired
),

final as (
    select
        admin_unit_id,
        period_id,
        measure,
        restated_value,
        observed_value
    from compared
    where
        (is_observed_only or is_received_based)
        and (
            observed_value is null and restated_value is not null
            or observed_value is not null and restated_value is null
            or abs(restated_value - observed_value) > 1e-6
        )
)

select * from final
