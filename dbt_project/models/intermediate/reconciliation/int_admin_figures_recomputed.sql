-- Published figures of the admin domain recomputed from dim_admin_units:
-- A1 district-level units of Hanoi, A2 wards of Hoàn Kiếm, over 2021..2024.
with

units as (
    select * from {{ ref('dim_admin_units') }}
),

in_force as (
    select * from units
    where
        valid_from <= date '2021-01-01'
        and coalesce(valid_to, date '9999-12-31') >= date '2024-12-31'
),

final as (
    select
        'A1' as figure_id,
        count(*)::double as warehouse_value
    from in_force
    where admin_level = 'district'
    union all
    select
        'A2' as figure_id,
        count(*)::double as warehouse_value
    from in_force
    where parent_admin_unit_id = '01-002' and admin_level = 'commune'
)

select * from final
