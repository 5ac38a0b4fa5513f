{{ config(severity='warn', meta={'dagster': {'ref': {'name': 'stg_procedures__dossiers'}}}) }}

-- The status of a dossier agrees with its timestamps (the marts count by timestamps):
-- finished statuses have a finish time, DA_TRA_KET_QUA also a return time; refused,
-- stopped and withdrawn dossiers an end time and no finish time; open dossiers none.
-- Warn: a disagreement is the case system's, the timestamps still count.
with

dossiers as (
    select * from {{ ref('stg_procedures__dossiers') }}
),

final as (
    select
        dossier_id,
        status,
        finished_at,
        returned_at,
        ended_at
    from dossiers
    where
        (status = 'DA_TRA_KET_QUA') is distinct from (returned_at is not null)
        or (status in ('DA_HOAN_THANH', 'DA_TRA_KET_QUA')) is distinct from (
            finished_at is not null
        )
        or (status in ('TU_CHOI', 'DUNG_XU_LY', 'CONG_DAN_RUT')) is distinct from (
            ended_at is not null and finished_at is null
        )
)

select * from final
