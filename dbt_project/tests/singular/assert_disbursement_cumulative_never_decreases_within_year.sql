{{ config(severity='error', meta={'dagster': {'ref': {'name': 'fct_project_disbursements'}}}) }}

-- Within a plan year (1 January to 31 January of the next year, the extension month),
-- a project's cumulative disbursement (lũy kế từ đầu năm) never falls from one report
-- to the next. A January report restates two plan years: each is compared with its own
-- earlier reports.
with

project_disbursements as (
    select * from {{ ref('fct_project_disbursements') }}
),

with_previous as (
    select
        project_code,
        plan_year,
        period_id,
        as_of_date,
        disbursed_cumulative_bn_vnd,
        lag(disbursed_cumulative_bn_vnd) over (
            partition by project_code, plan_year
            order by as_of_date
        ) as previous_cumulative_bn_vnd
    from project_disbursements
),

final as (
    select * from with_previous
    where disbursed_cumulative_bn_vnd < previous_cumulative_bn_vnd
)

select * from final
