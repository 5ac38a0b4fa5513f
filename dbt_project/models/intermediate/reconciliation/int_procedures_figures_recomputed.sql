-- Published figures of the procedures domain recomputed from fct_dossiers:
-- P1 (a lower bound) share of the dossiers received in 2022 at Hoàn Kiếm's ward one-stop
-- desks (commune-level desks of district 01-002) that were finished and returned on the
-- day they were received ("TTHC không chờ"), in percent of those received.
with

dossiers as (
    select * from {{ ref('fct_dossiers') }}
),

hoan_kiem_wards_2022 as (
    select * from dossiers
    where
        desk_level = 'commune'
        and district_admin_unit_id = '01-002'
        and received_date between date '2022-01-01' and date '2022-12-31'
),

final as (
    select
        'P1' as figure_id,
        (100.0 * count_if(is_same_day) / nullif(count(*), 0))::double as warehouse_value
    from hoan_kiem_wards_2022
)

select * from final
