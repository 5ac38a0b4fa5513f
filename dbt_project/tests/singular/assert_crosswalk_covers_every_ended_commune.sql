{{ config(meta={'dagster': {'ref': {'name': 'dim_admin_unit_crosswalks'}}}) }}

-- Every commune version that ended has a step to the version(s) that started the next
-- day and a to_current row to communes in force today; no other unit is an old one.
-- Failing rows name the unit.
with

units as (
    select * from {{ ref('dim_admin_units') }}
),

crosswalks as (
    select * from {{ ref('dim_admin_unit_crosswalks') }}
),

ended as (
    select
        admin_unit_id,
        name_vi,
        valid_to
    from units
    where admin_level = 'commune' and valid_to is not null
),

crosswalk_types as (
    select t.crosswalk_type
    from (values ('step'), ('to_current')) as t (crosswalk_type)
),

expected as (
    select
        ended.admin_unit_id,
        ended.name_vi,
        crosswalk_types.crosswalk_type
    from ended
    cross join crosswalk_types
),

uncovered as (
    select
        expected.admin_unit_id as old_admin_unit_id,
        expected.name_vi as old_unit_name,
        null::varchar as new_admin_unit_id,
        'no ' || expected.crosswalk_type || ' row for an ended commune' as problem
    from expected
    left join crosswalks
        on
            expected.admin_unit_id = crosswalks.old_admin_unit_id
            and expected.crosswalk_type = crosswalks.crosswalk_type
    where crosswalks.old_admin_unit_id is null
),

dated as (
    select
        crosswalks.old_admin_unit_id,
        crosswalks.new_admin_unit_id,
        crosswalks.crosswalk_type,
        crosswalks.change_date,
        old_units.admin_unit_id as ended_id,
        old_units.name_vi as old_unit_name,
        old_units.valid_to as old_valid_to,
        new_units.valid_from as new_valid_from,
        new_units.valid_to as new_valid_to
    from crosswalks
    left join ended as old_units
        on crosswalks.old_admin_unit_id = old_units.admin_unit_id
    left join units as new_units
        on crosswalks.new_admin_unit_id = new_units.admin_unit_id
),

misdated as (
    select
        old_admin_unit_id,
        old_unit_name,
        new_admin_unit_id,
        case
            when ended_id is null then 'old unit is not an ended commune'
            when
                crosswalk_type = 'step' and new_valid_from != old_valid_to + 1
                then 'step target does not start the day after the old unit ended'
            when crosswalk_type = 'to_current' and new_valid_to is not null
                then 'to_current target is not in force today'
            when change_date != new_valid_from
                then 'change_date is not the first day of the new unit'
        end as problem
    from dated
),

final as (
    select * from uncovered
    union all
    select * from misdated
    where problem is not null
)

select * from final
