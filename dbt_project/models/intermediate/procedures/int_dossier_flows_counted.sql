{{ config(materialized='table') }}

-- Dossier events counted per receiving desk, month of receipt (the cohort) and month of
-- the event, by the stock-flow of Decision 766/QĐ-TTg: received (with its same-day,
-- online, fee-bearing, paid-online and digitised flags), finished (on time, resolution
-- days), ended (refused, stopped, withdrawn), became late while open and closed while
-- late. Stocks at a month end are running sums of these flows. fct_procedure_throughputs
-- sums them per reporting unit; fct_procedure_throughputs_restated allocates them from
-- each desk to today's communes, the cohort month fixing a dossier's allocation so that
-- all its events go to the same places.
--
-- Set-based: each dossier is reduced to the months of its events, so the table grows with
-- desks x months x event months, not with the dossiers. A table, not ephemeral: both
-- marts read it, and the scan of the dossiers is done once.
with

dossiers as (
    select * from {{ ref('fct_dossiers') }}
),

dossier_months as (
    select
        admin_unit_id as desk_admin_unit_id,
        desk_level,
        reporting_admin_unit_id,
        date_trunc('month', received_date)::date as received_month,
        date_trunc('month', finished_date)::date as finished_month,
        date_trunc('month', ended_date)::date as ended_month,
        date_trunc('month', coalesce(finished_date, ended_date))::date as closed_month,
        -- In progress at the end of a month from this month on, the dossier is late there:
        -- past its extended deadline, or at once with more than one supplement request.
        date_trunc(
            'month',
            case when supplement_requests > 1 then received_date else extended_due_date end
        )::date as late_month,
        is_on_time,
        is_same_day,
        is_online,
        is_fee_bearing,
        is_paid_online,
        is_digitised,
        resolution_days
    from dossiers
),

late_while_open as (
    select * from dossier_months
    where closed_month is null or closed_month > late_month
),

received_flows as (
    select
        desk_admin_unit_id,
        desk_level,
        reporting_admin_unit_id,
        received_month,
        received_month as month_start_date,
        count(*) as received_count,
        count_if(is_same_day) as same_day_count,
        count_if(is_online) as online_count,
        count_if(is_fee_bearing) as fee_bearing_count,
        count_if(is_fee_bearing and is_paid_online) as paid_online_count,
        count_if(is_digitised) as digitised_count
    from dossier_months
    group by desk_admin_unit_id, desk_level, reporting_admin_unit_id, received_month
),

finished_flows as (
    select
        desk_admin_unit_id,
        desk_level,
        reporting_admin_unit_id,
        received_month,
        finished_month as month_start_date,
        count(*) as finished_count,
        count_if(is_on_time) as finished_on_time_count,
        sum(resolution_days) as resolution_days_sum
    from dossier_months
    where finished_month is not null
    group by
        desk_admin_unit_id, desk_level, reporting_admin_unit_id, received_month, finished_month
),

ended_flows as (
    select
        desk_admin_unit_id,
        desk_level,
        reporting_admin_unit_id,
        received_month,
        ended_month as month_start_date,
        count(*) as ended_count
    from dossier_months
    where ended_month is not null
    group by
        desk_admin_unit_id, desk_level, reporting_admin_unit_id, received_month, ended_month
),

late_started_flows as (
    select
        desk_admin_unit_id,
        desk_level,
        reporting_admin_unit_id,
        received_month,
        late_month as month_start_date,
        count(*) as late_started_count
    from late_while_open
    group by
        desk_admin_unit_id, desk_level, reporting_admin_unit_id, received_month, late_month
),

late_closed_flows as (
    select
        desk_admin_unit_id,
        desk_level,
        reporting_admin_unit_id,
        received_month,
        closed_month as month_start_date,
        count(*) as late_closed_count
    from late_while_open
    where closed_month is not null
    group by
        desk_admin_unit_id, desk_level, reporting_admin_unit_id, received_month, closed_month
),

flows as (
    select * from received_flows
    union all by name
    select * from finished_flows
    union all by name
    select * from ended_flows
    union all by name
    select * from late_started_flows
    union all by name
    select * from late_closed_flows
),

final as (
    select
        desk_admin_unit_id,
        desk_level,
        reporting_admin_unit_id,
        received_month as received_month_start_date,
        month_start_date,
        {{ procedure_summed_flow_counts() }}
    from flows
    group by
        desk_admin_unit_id,
        desk_level,
        reporting_admin_unit_id,
        received_month,
        month_start_date
)

select * from final
