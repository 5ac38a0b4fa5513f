{{ config(severity='error', meta={'dagster': {'ref': {'name': 'fct_district_scorecards'}}}) }}

-- The missing-data rule of the district scorecard, measure by measure: a district with a
-- null measure has no rank; one with a value has the rank 1 + the number of districts of
-- the period with a better value (ties share a rank), so ranks run from 1 to the ranked
-- count; and the ranked count is the number of districts of the period with a value.
-- `score` is the measure signed so that higher is better.
with

scorecards as (
    select * from {{ ref('fct_district_scorecards') }}
),

measures as (
    select
        district_scorecard_id as scorecard_id,
        period_id,
        'revenue_execution_rate' as measure_name,
        revenue_execution_rate_superior_estimate_pct::double as score,
        revenue_execution_rate_rank as measure_rank,
        revenue_execution_rate_ranked_count as ranked_count
    from scorecards
    union all
    select
        district_scorecard_id as scorecard_id,
        period_id,
        'disbursement_rate_city_plan' as measure_name,
        disbursement_rate_city_plan_pct::double as score,
        disbursement_rate_city_plan_rank as measure_rank,
        disbursement_rate_city_plan_ranked_count as ranked_count
    from scorecards
    union all
    select
        district_scorecard_id as scorecard_id,
        period_id,
        'on_time_rate' as measure_name,
        on_time_rate_pct::double as score,
        on_time_rate_rank as measure_rank,
        on_time_rate_ranked_count as ranked_count
    from scorecards
    union all
    select
        district_scorecard_id as scorecard_id,
        period_id,
        'online_share' as measure_name,
        online_share_pct::double as score,
        online_share_rank as measure_rank,
        online_share_ranked_count as ranked_count
    from scorecards
),

expected as (
    select
        measures.scorecard_id,
        measures.measure_name,
        measures.score,
        measures.measure_rank,
        measures.ranked_count,
        1 + count(rivals.score) filter (where rivals.score > measures.score)
            as expected_rank,
        count(rivals.score) as expected_ranked_count
    from measures
    inner join measures as rivals
        on
            measures.period_id = rivals.period_id
            and measures.measure_name = rivals.measure_name
    group by
        measures.scorecard_id,
        measures.measure_name,
        measures.score,
        measures.measure_rank,
        measures.ranked_count
),

final as (
    select * from expected
    where
        ranked_count is distinct from expected_ranked_count
        or (score is null and measure_rank is not null)
        or (score is not null and measure_rank is distinct from expected_rank)
)

select * from final
