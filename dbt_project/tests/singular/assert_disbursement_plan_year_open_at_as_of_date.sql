{{ config(severity='error', meta={'dagster': {'ref': {'name': 'fct_project_disbursements'}}}) }}

-- A plan year runs from 1 January to 31 January of the next year (its extension
-- month): every row's as-of date falls in its plan year, or in the January after it.
with

project_disbursements as (
    select * from {{ ref('fct_project_disbursements') }}
),

final as (
    select
        project_report_id,
        plan_year,
        as_of_date,
        is_extension_month
    from project_disbursements
    where
        not (
            year(as_of_date) = plan_year
            or (year(as_of_date) = plan_year + 1 and month(as_of_date) = 1)
        )
        or is_extension_month != (year(as_of_date) = plan_year + 1)
)

select * from final
