{{ config(severity='error', meta={'dagster': {'ref': {'name': 'fct_district_scorecards'}}}) }}

-- One scorecard row per district and period: a second row would count the district
-- twice in the city roll-up and in every rank of the period.
with

scorecards as (
    select * from {{ ref('fct_district_scorecards') }}
),

final as (
    select
        admin_unit_id,
        period_id,
        count(*) as row_count
    from scorecards
    group by admin_unit_id, period_id
    having count(*) > 1
)

select * from final
