-- Where the territory of every commune version that ended went: `step` rows link
-- consecutive versions (the 2025-01-01 mergers, the 2025-07-01 reform), `to_current`
-- rows compose them into the communes in force today. A weight is the share of the old
-- unit going to the new one; allocation_basis says what it measures.
with

crosswalks as (
    select * from {{ ref('stg_reference__admin_unit_crosswalks') }}
),

final as (
    select
        crosswalk_type || ':' || old_admin_unit_id || '>' || new_admin_unit_id as crosswalk_id,
        old_admin_unit_id,
        new_admin_unit_id,
        allocation_weight,
        is_primary,
        allocation_method,
        allocation_basis,
        crosswalk_type,
        change_date
    from crosswalks
)

select * from final
