{{ config(severity='error', meta={'dagster': {'ref': {'name': 'fct_procedure_throughputs'}}}) }}

-- Stock-flow identities of the throughput mart, per unit and period: to process = backlog +
-- received = finished + ended + backlog at period end; finished = on time + late; the
-- backlog at period end = in progress on time + late; no count is negative; and a month's
-- backlog is the previous month's backlog at period end. Incomplete rows carry no measures
-- (null) and are skipped; so is the month after one.
with

throughputs as (
    select * from {{ ref('fct_procedure_throughputs') }}
),

months as (
    select
        *,
        lag(backlog_end_count) over (
            partition by admin_unit_id order by period_start_date
        ) as previous_backlog_end_count,
        lag(is_complete) over (
            partition by admin_unit_id order by period_start_date
        ) as is_previous_complete
    from throughputs
    where period_type = 'month'
),

unbalanced as (
    select
        procedure_throughput_id,
        'to process is not backlog + received = finished + ended + backlog at end' as problem
    from throughputs
    where
        to_process_count <> backlog_count + received_count
        or to_process_count <> finished_count + ended_count + backlog_end_count
    union all
    select
        procedure_throughput_id,
        'finished is not on time + late' as problem
    from throughputs
    where finished_count <> finished_on_time_count + finished_late_count
    union all
    select
        procedure_throughput_id,
        'backlog at end is not in progress on time + late' as problem
    from throughputs
    where backlog_end_count <> in_progress_on_time_count + in_progress_late_count
    union all
    select
        procedure_throughput_id,
        'a count is negative' as problem
    from throughputs
    where
        least(
            backlog_count, received_count, finished_on_time_count, finished_late_count,
            ended_count, in_progress_on_time_count, in_progress_late_count
        ) < 0
    union all
    select
        procedure_throughput_id,
        'backlog is not the previous month''s backlog at end' as problem
    from months
    where
        is_complete
        and coalesce(is_previous_complete, true)
        and backlog_count <> coalesce(previous_backlog_end_count, 0)
),

final as (
    select * from unbalanced
)

select * from final
