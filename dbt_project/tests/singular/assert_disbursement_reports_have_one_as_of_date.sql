{{ config(severity='error', meta={'dagster': {'ref': {'name': 'fct_project_disbursements'}}}) }}

-- Every monthly report is cut at a single date, so a unit's cumulative figures in
-- fct_disbursement_progress never mix cut-off dates.
with

project_disbursements as (
    select * from {{ ref('fct_project_disbursements') }}
),

cut_dates as (
    select
        period_id,
        min(as_of_date) as first_as_of_date,
        max(as_of_date) as last_as_of_date
    from project_disbursements
    group by period_id
),

final as (
    select * from cut_dates
    where first_as_of_date <> last_as_of_date
)

select * from final
