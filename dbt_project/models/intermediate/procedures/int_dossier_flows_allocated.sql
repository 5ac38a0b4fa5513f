-- Dossier events of every desk allocated to the units in force today, per month of the
-- event: the input of fct_procedure_throughputs_restated. A desk's events
-- (int_dossier_flows_counted) are multiplied by its weight and summed per unit:
-- - a commune desk of an ended version (579 or 526 list): its composed crosswalk
--   (dim_admin_unit_crosswalks, to_current), that crosswalk's allocation_basis;
-- - a district desk (no commune detail): to the district's communes valid in the month
--   of receipt, by their share of the district's commune-desk dossiers received that
--   month, then through their to_current pieces (district_desk_via_commune_share;
--   district_desk_via_equal_commune_split when the commune desks received nothing);
-- - a desk of today's communes: the commune itself (observed);
-- - the city departments' desks and the city centre: the city row (city_desks).
-- The month of receipt fixes a dossier's allocation, so all its events (also those after
-- the reform: pre_reform_carryover) go to the same places and stocks add up.
with

flows as (
    select * from {{ ref('int_dossier_flows_counted') }}
),

crosswalks as (
    select * from {{ ref('dim_admin_unit_crosswalks') }}
    where crosswalk_type = 'to_current'
),

admin_units as (
    select * from {{ ref('dim_admin_units') }}
),

{{ procedure_reform_units() }}

-- Ended commune versions through the composed crosswalk, today's to themselves.
commune_targets as (
    select
        crosswalks.old_admin_unit_id as commune_admin_unit_id,
        crosswalks.new_admin_unit_id as admin_unit_id,
        crosswalks.allocation_weight,
        crosswalks.allocation_basis
    from crosswalks
    union all
    select
        admin_unit_id as commune_admin_unit_id,
        admin_unit_id,
        1.0 as allocation_weight,
        'observed' as allocation_basis
    from current_communes
),

commune_desk_received as (
    select
        reporting_admin_unit_id as district_admin_unit_id,
        desk_admin_unit_id as commune_admin_unit_id,
        received_month_start_date,
        sum(received_count) as received_count
    from flows
    where desk_level = 'commune' and month_start_date = received_month_start_date
    group by reporting_admin_unit_id, desk_admin_unit_id, received_month_start_date
),

district_desk_cohorts as (
    select distinct
        desk_admin_unit_id as district_admin_unit_id,
        received_month_start_date
    from flows
    where desk_level = 'district'
),

district_cohort_communes as (
    select
        district_desk_cohorts.district_admin_unit_id,
        district_desk_cohorts.received_month_start_date,
        communes.admin_unit_id as commune_admin_unit_id,
        coalesce(commune_desk_received.received_count, 0) as received_count
    from district_desk_cohorts
    inner join communes
        on
            district_desk_cohorts.district_admin_unit_id = communes.district_admin_unit_id
            and district_desk_cohorts.received_month_start_date >= communes.valid_from
            and communes.valid_to >= last_day(district_desk_cohorts.received_month_start_date)
    left join commune_desk_received
        on
            communes.admin_unit_id = commune_desk_received.commune_admin_unit_id
            and district_desk_cohorts.received_month_start_date
            = commune_desk_received.received_month_start_date
),

district_commune_shares as (
    select
        district_admin_unit_id,
        received_month_start_date,
        commune_admin_unit_id,
        case
            when sum(received_count) over cohort > 0
                then received_count / sum(received_count) over cohort
            else 1.0 / count(*) over cohort
        end as commune_share,
        case
            when sum(received_count) over cohort > 0
                then 'district_desk_via_commune_share'
            else 'district_desk_via_equal_commune_split'
        end as allocation_basis
    from district_cohort_communes
    window cohort as (partition by district_admin_unit_id, received_month_start_date)
),

district_desk_weights as (
    select
        district_commune_shares.district_admin_unit_id as desk_admin_unit_id,
        district_commune_shares.received_month_start_date,
        commune_targets.admin_unit_id,
        sum(district_commune_shares.commune_share * commune_targets.allocation_weight)
            as allocation_weight,
        district_commune_shares.allocation_basis
    from district_commune_shares
    inner join commune_targets
        on district_commune_shares.commune_admin_unit_id = commune_targets.commune_admin_unit_id
    group by
        district_commune_shares.district_admin_unit_id,
        district_commune_shares.received_month_start_date,
        commune_targets.admin_unit_id,
        district_commune_shares.allocation_basis
),

allocated_parts as (
    select
        commune_targets.admin_unit_id,
        commune_targets.allocation_weight,
        commune_targets.allocation_basis,
        flows.*
    from flows
    inner join commune_targets
        on flows.desk_admin_unit_id = commune_targets.commune_admin_unit_id
    where flows.desk_level = 'commune'
    union all by name
    select
        district_desk_weights.admin_unit_id,
        district_desk_weights.allocation_weight,
        district_desk_weights.allocation_basis,
        flows.*
    from flows
    inner join district_desk_weights
        on
            flows.desk_admin_unit_id = district_desk_weights.desk_admin_unit_id
            and flows.received_month_start_date
            = district_desk_weights.received_month_start_date
    where flows.desk_level = 'district'
    union all by name
    select
        city.admin_unit_id,
        1.0 as allocation_weight,
        'city_desks' as allocation_basis,
        flows.*
    from flows
    cross join city
    where flows.desk_level = 'city'
),

labelled_parts as (
    select
        allocated_parts.*,
        allocated_parts.received_month_start_date < reform.reform_date as is_pre_reform_dossier,
        case
            when allocated_parts.allocation_basis = 'city_desks' then 'city_desks'
            when allocated_parts.month_start_date < reform.reform_date
                then allocated_parts.allocation_basis
            when allocated_parts.received_month_start_date < reform.reform_date
                then 'pre_reform_carryover'
            else 'observed'
        end as row_basis
    from allocated_parts
    cross join reform
),

final as (
    select
        admin_unit_id,
        month_start_date,
        sum(allocation_weight * received_count) as received_count,
        sum(allocation_weight * same_day_count) as same_day_count,
        sum(allocation_weight * online_count) as online_count,
        sum(allocation_weight * fee_bearing_count) as fee_bearing_count,
        sum(allocation_weight * paid_online_count) as paid_online_count,
        sum(allocation_weight * digitised_count) as digitised_count,
        sum(allocation_weight * finished_count) as finished_count,
        sum(allocation_weight * finished_on_time_count) as finished_on_time_count,
        sum(allocation_weight * resolution_days_sum) as resolution_days_sum,
        sum(allocation_weight * ended_count) as ended_count,
        sum(allocation_weight * (late_started_count - late_closed_count)) as late_change_count,
        sum(allocation_weight * (received_count - finished_count - ended_count))
        filter (where is_pre_reform_dossier) as pre_reform_backlog_change_count,
        sum(allocation_weight * received_count)
        filter (where allocation_basis like 'district_desk%') as district_desk_received_count,
        string_agg(distinct row_basis, ' + ' order by row_basis) as allocation_basis
    from labelled_parts
    group by admin_unit_id, month_start_date
)

select * from final
