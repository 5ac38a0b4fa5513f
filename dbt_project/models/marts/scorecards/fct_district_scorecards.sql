-- One row per district-level unit and year: the domains side by side, with each
-- district's rank among the 30 on every measure (1 = best).
with

units as (
    select * from {{ ref('dim_admin_units') }}
),

periods as (
    select * from {{ ref('dim_periods') }}
),

budget as (
    select * from {{ ref('fct_budget_executions') }}
),

disbursement as (
    select * from {{ ref('fct_disbursement_progress') }}
),

throughputs as (
    select * from {{ ref('fct_procedure_throughputs') }}
),

indices as (
    select * from {{ ref('fct_governance_index_scores') }}
),

years as (
    select distinct budget_year as period_year
    from budget
    where report_period = '12T'
),

district_years as (
    select
        units.admin_unit_id,
        units.short_name_vi as district_name,
        years.period_year,
        years.period_year::varchar as period_id
    from units
    inner join years
        on
            units.valid_from <= make_date(years.period_year, 12, 31)
            and coalesce(units.valid_to, date '9999-12-31') >= make_date(years.period_year, 12, 31)
    where units.admin_level = 'district'
),

budget_revenue as (
    select
        admin_unit_id,
        budget_year as period_year,
        execution_bn_vnd as revenue_execution_bn_vnd,
        execution_rate_superior_estimate_pct as revenue_execution_rate_superior_estimate_pct
    from budget
    where report_period = '12T' and unit_scope = 'district' and budget_category_id = 'A'
),

budget_expenditure as (
    select
        admin_unit_id,
        budget_year as period_year,
        execution_bn_vnd as expenditure_execution_bn_vnd
    from budget
    where report_period = '12T' and unit_scope = 'district' and budget_category_id = 'B'
),

year_end_disbursement as (
    select
        disbursement.admin_unit_id,
        periods.period_year,
        disbursement.plan_city_bn_vnd,
        disbursement.disbursed_cumulative_bn_vnd,
        disbursement.disbursement_rate_city_plan_pct
    from disbursement
    inner join periods
        on disbursement.period_id = periods.period_id
    where periods.period_type = 'month' and month(periods.start_date) = 12
),

yearly_throughputs as (
    select
        admin_unit_id,
        period_id,
        received_count as dossiers_received,
        finished_count as dossiers_finished,
        on_time_rate_pct,
        online_share_pct,
        same_day_share_pct
    from throughputs
    where period_type = 'year'
),

district_par_index as (
    select
        admin_unit_id,
        index_year as period_year,
        score as district_par_index_score,
        rank as district_par_index_rank
    from indices
    where index_code = 'DISTRICT_PAR_INDEX'
),

joined as (
    select
        district_years.admin_unit_id,
        district_years.district_name,
        district_years.period_id,
        district_years.period_year,
        budget_revenue.revenue_execution_bn_vnd,
        budget_revenue.revenue_execution_rate_superior_estimate_pct,
        budget_expenditure.expenditure_execution_bn_vnd,
        coalesce(year_end_disbursement.plan_city_bn_vnd, 0) as disbursement_plan_city_bn_vnd,
        coalesce(year_end_disbursement.disbursed_cumulative_bn_vnd, 0) as disbursed_bn_vnd,
        year_end_disbursement.disbursement_rate_city_plan_pct,
        coalesce(yearly_throughputs.dossiers_received, 0) as dossiers_received,
        coalesce(yearly_throughputs.dossiers_finished, 0) as dossiers_finished,
        yearly_throughputs.on_time_rate_pct,
        yearly_throughputs.online_share_pct,
        yearly_throughputs.same_day_share_pct,
        district_par_index.district_par_index_score,
        district_par_index.district_par_index_rank
    from district_years
    left join budget_revenue
        on
            district_years.admin_unit_id = budget_revenue.admin_unit_id
            and district_years.period_year = budget_revenue.period_year
    left join budget_expenditure
        on
            district_years.admin_unit_id = budget_expenditure.admin_unit_id
            and district_years.period_year = budget_expenditure.period_year
    left join year_end_disbursement
        on
            district_years.admin_unit_id = year_end_disbursement.admin_unit_id
            and district_years.period_year = year_end_disbursement.period_year
    left join yearly_throughputs
        on
            district_years.admin_unit_id = yearly_throughputs.admin_unit_id
            and district_years.period_id = yearly_throughputs.period_id
    left join district_par_index
        on
            district_years.admin_unit_id = district_par_index.admin_unit_id
            and district_years.period_year = district_par_index.period_year
),

ranked as (
    select
        *,
        rank() over (
            partition by period_year
            order by revenue_execution_rate_superior_estimate_pct desc nulls last
        ) as revenue_execution_rate_rank,
        rank() over (
            partition by period_year order by disbursement_rate_city_plan_pct desc nulls last
        ) as disbursement_rate_rank,
        rank() over (
            partition by period_year order by on_time_rate_pct desc nulls last
        ) as on_time_rate_rank,
        rank() over (
            partition by period_year order by online_share_pct desc nulls last
        ) as online_share_rank
    from joined
),

final as (
    select
        admin_unit_id || '/' || period_id as district_scorecard_id,
        admin_unit_id,
        district_name,
        period_id,
        period_year,
        revenue_execution_bn_vnd,
        revenue_execution_rate_superior_estimate_pct,
        expenditure_execution_bn_vnd,
        disbursement_plan_city_bn_vnd,
        disbursed_bn_vnd,
        disbursement_rate_city_plan_pct,
        dossiers_received,
        dossiers_finished,
        on_time_rate_pct,
        online_share_pct,
        same_day_share_pct,
        district_par_index_score,
        district_par_index_rank,
        revenue_execution_rate_rank,
        disbursement_rate_rank,
        on_time_rate_rank,
        online_share_rank
    from ranked
)

select * from final
