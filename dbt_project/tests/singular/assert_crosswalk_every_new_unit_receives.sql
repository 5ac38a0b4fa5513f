{{ config(meta={'dagster': {'ref': {'name': 'dim_admin_unit_crosswalks'}}}) }}

-- Every commune version formed by a change (the 2025-01-01 mergers, the 2025-07-01
-- reform) receives territory in the steps, and every commune in force today receives
-- territory in to_current: a new unit receiving nothing means a lost piece.
with

units as (
    select * from {{ ref('dim_admin_units') }}
),

crosswalks as (
    select * from {{ ref('dim_admin_unit_crosswalks') }}
),

communes as (
    select
        admin_unit_id,
        name_vi,
        valid_from,
        valid_to
    from units
    where admin_level = 'commune'
),

first_day as (
    select min(valid_from) as valid_from
    from communes
),

expected as (
    select
        communes.admin_unit_id,
        communes.name_vi,
        communes.valid_from,
        'step' as crosswalk_type
    from communes
    cross join first_day
    where communes.valid_from > first_day.valid_from
    union all
    select
        admin_unit_id,
        name_vi,
        valid_from,
        'to_current' as crosswalk_type
    from communes
    where valid_to is null
),

received as (
    select distinct
        crosswalk_type,
        new_admin_unit_id
    from crosswalks
),

final as (
    select
        expected.admin_unit_id as new_admin_unit_id,
        expected.name_vi as new_unit_name,
        expected.valid_from,
        expected.crosswalk_type,
        'receives nothing from the units that ended' as problem
    from expected
    left join received
        on
            expected.admin_unit_id = received.new_admin_unit_id
            and expected.crosswalk_type = received.crosswalk_type
    where received.new_admin_unit_id is null
)

select * from final
