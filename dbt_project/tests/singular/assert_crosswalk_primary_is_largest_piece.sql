{{ config(meta={'dagster': {'ref': {'name': 'dim_admin_unit_crosswalks'}}}) }}

-- Each old unit has exactly one primary row per crosswalk_type and it is its largest
-- piece; a weight below 1 never claims the basis `whole`, and an old unit going to one
-- unit only is `whole`. Failing rows name the unit.
with

crosswalks as (
    select * from {{ ref('dim_admin_unit_crosswalks') }}
),

units as (
    select * from {{ ref('dim_admin_units') }}
),

per_old_unit as (
    select
        crosswalk_type,
        old_admin_unit_id,
        count(*) as pieces,
        count(*) filter (where is_primary) as primaries,
        max(allocation_weight) as largest_weight,
        max(allocation_weight) filter (where is_primary) as primary_weight,
        count(*) filter (
            where allocation_basis = 'whole' and abs(allocation_weight - 1) > 1e-9
        ) as partial_wholes,
        count(*) filter (where allocation_basis != 'whole') as split_rows
    from crosswalks
    group by crosswalk_type, old_admin_unit_id
),

problems as (
    select
        crosswalk_type,
        old_admin_unit_id,
        case
            when primaries != 1 then primaries || ' primary rows instead of 1'
            when primary_weight < largest_weight - 1e-12
                then 'the primary row is not the largest piece'
            when partial_wholes > 0 then 'a weight below 1 with basis whole'
            when pieces = 1 and split_rows > 0 then 'one destination but a split basis'
        end as problem
    from per_old_unit
),

final as (
    select
        problems.crosswalk_type,
        problems.old_admin_unit_id,
        units.name_vi as old_unit_name,
        problems.problem
    from problems
    left join units
        on problems.old_admin_unit_id = units.admin_unit_id
    where problems.problem is not null
)

select * from final
