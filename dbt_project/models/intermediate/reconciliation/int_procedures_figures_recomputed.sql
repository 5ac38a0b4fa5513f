-- Published figures of the procedures domain recomputed from fct_dossiers:
-- P1 (a lower bound) share of the dossiers received in 2022 at Hoàn Kiếm's ward one-stop
-- desks (commune-level desks of district 01-002) that were finished and returned on the
-- day they were received ("TTHC không chờ"), in percent of those received.
-- P2..P5 dossiers received at commune-level desks from 2025-07-01 to 2025-09-23: shares
-- received online, in person and by post (of all received), and the share resolved on
-- time of those resolved (finished) by 2025-09-23 - not the Decision 766 to-process
-- denominator. (P6..P8, the counts, are context rows: they hold at the real volume only.)
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

communes_2025_window as (
    select
        *,
        coalesce(finished_date <= date '2025-09-23', false) as is_resolved
    from dossiers
    where
        desk_level = 'commune'
        and received_date between date '2025-07-01' and date '2025-09-23'
),

window_counts as (
    select
        count(*) as received_count,
        count_if(channel = 2) as online_count,
        count_if(channel = 1) as in_person_count,
        count_if(channel = 3) as postal_count,
        count_if(is_resolved) as resolved_count,
        count_if(is_resolved and is_on_time) as resolved_on_time_count
    from communes_2025_window
),

final as (
    select
        'P1' as figure_id,
        (100.0 * count_if(is_same_day) / nullif(count(*), 0))::double as warehouse_value
    from hoan_kiem_wards_2022
    union all
    select
        'P2' as figure_id,
        (100.0 * online_count / nullif(received_count, 0))::double as warehouse_value
    from window_counts
    union all
    select
        'P3' as figure_id,
        (100.0 * in_person_count / nullif(received_count, 0))::double as warehouse_value
    from window_counts
    union all
    select
        'P4' as figure_id,
        (100.0 * postal_count / nullif(received_count, 0))::double as warehouse_value
    from window_counts
    union all
    select
        'P5' as figure_id,
        (100.0 * resolved_on_time_count / nullif(resolved_count, 0))::double as warehouse_value
    from window_counts
)

select * from final
