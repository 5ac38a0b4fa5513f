-- One row per dossier, in its latest extracted state, with the flags of Decision
-- 766/QĐ-TTg. On time: finished on or before the due date extended by the supplement
-- wait (working days), with at most one supplement request; a dossier still in progress
-- is on time while it is not yet due at its status date (the day its state was
-- extracted); a refused, stopped or withdrawn dossier is neither (null). The reporting
-- unit is what the throughput mart counts the dossier under: the district of its desk
-- before the reform, the commune itself after it, none for city departments.
with

dossiers as (
    select * from {{ ref('stg_procedures__dossiers') }}
),

admin_units as (
    select * from {{ ref('dim_admin_units') }}
),

calendar as (
    select * from {{ ref('int_calendar_days_numbered') }}
),

dated as (
    select
        dossiers.*,
        admin_units.district_admin_unit_id,
        case
            when dossiers.desk_level = 'city' then null
            when admin_units.district_admin_unit_id is not null
                then admin_units.district_admin_unit_id
            else dossiers.admin_unit_id
        end as reporting_admin_unit_id,
        deadline.calendar_date as extended_due_date,
        dossiers.extracted_at as status_as_of_at,
        dossiers.extracted_at::date as status_as_of_date
    from dossiers
    left join admin_units
        on dossiers.admin_unit_id = admin_units.admin_unit_id
    left join calendar as due_day
        on dossiers.due_at::date = due_day.calendar_date
    left join calendar as deadline
        on
            deadline.is_working_day
            and due_day.working_days_before + dossiers.supplement_wait_days
            = deadline.working_days_before
),

flagged as (
    select
        *,
        finished_at is not null as is_finished,
        finished_at is null and ended_at is not null as is_ended,
        finished_at is null and ended_at is null as is_in_progress,
        case
            when finished_at is not null
                then finished_at::date <= extended_due_date and supplement_requests <= 1
            when ended_at is null
                then status_as_of_date < extended_due_date and supplement_requests <= 1
        end as is_on_time,
        coalesce(
            finished_at::date = received_at::date and returned_at::date = received_at::date,
            false
        ) as is_same_day
    from dated
),

final as (
    select
        dossier_id,
        procedure_code,
        admin_unit_id,
        district_admin_unit_id,
        reporting_admin_unit_id,
        desk_level,
        strftime(received_at, '%Y-%m') as period_id,
        first_export_month,
        channel,
        status,
        received_at,
        due_at,
        finished_at,
        returned_at,
        ended_at,
        received_at::date as received_date,
        due_at::date as due_date,
        extended_due_date,
        finished_at::date as finished_date,
        ended_at::date as ended_date,
        status_as_of_at,
        status_as_of_date,
        supplement_requests,
        supplement_wait_days,
        is_finished,
        returned_at is not null as is_returned,
        is_ended,
        is_in_progress,
        is_on_time,
        is_same_day,
        channel = 2 as is_online,
        is_paid_online,
        is_fee_bearing,
        is_digitised,
        has_e_result,
        rating,
        case
            when is_finished then date_diff('second', received_at, finished_at) / 86400.0
        end::double as resolution_days
    from flagged
)

select * from final
