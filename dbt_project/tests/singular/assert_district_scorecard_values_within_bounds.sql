{{ config(severity='error', meta={'dagster': {'ref': {'name': 'fct_district_scorecards'}}}) }}

-- The scorecard's values stay in their ranges: execution and disbursement rates between
-- 0 and 1000 percent (bounded, never capped), shares of a count 0..100, dossier counts
-- not negative, and every rank (the District PAR Index's too) between 1 and the number
-- of districts of the period, every ranked count between 0 and that number.
with

scorecards as (
    select
        *,
        count(*) over (partition by period_id) as district_count
    from {{ ref('fct_district_scorecards') }}
),

final as (
    select
        district_scorecard_id,
        district_count,
        revenue_execution_rate_superior_estimate_pct,
        disbursement_rate_city_plan_pct,
        on_time_rate_pct,
        online_share_pct,
        same_day_share_pct,
        dossiers_received,
        dossiers_finished,
        district_par_index_rank,
        revenue_execution_rate_rank,
        disbursement_rate_city_plan_rank,
        on_time_rate_rank,
        online_share_rank
    from scorecards
    where
        revenue_execution_rate_superior_estimate_pct not between 0 and 1000
        or disbursement_rate_city_plan_pct not between 0 and 1000
        or on_time_rate_pct not between 0 and 100
        or online_share_pct not between 0 and 100
        or same_day_share_pct not between 0 and 100
        or dossiers_received < 0
        or dossiers_finished < 0
        or district_par_index_rank not between 1 and district_count
        or revenue_execution_rate_rank not between 1 and district_count
        or disbursement_rate_city_plan_rank not between 1 and district_count
        or on_time_rate_rank not between 1 and district_count
        or online_share_rank not between 1 and district_count
        or revenue_execution_rate_ranked_count not between 0 and district_count
        or disbursement_rate_city_plan_ranked_count not between 0 and district_count
        or on_time_rate_ranked_count not between 0 and district_count
        or online_share_ranked_count not between 0 and district_count
)

select * from final
