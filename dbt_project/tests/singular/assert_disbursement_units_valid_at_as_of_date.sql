{{ config(severity='error', meta={'dagster': {'ref': {'name': 'fct_project_disbursements'}}}) }}

-- A project reports under a unit whose version is valid on the report's as-of date, at
-- a level of that era: the city or a district while districts exist (reports cut
-- before 2025-07-01), the city or a commune-level unit directly under the city after
-- (a pre-reform commune, under a district, is never a reporting unit).
with

project_disbursements as (
    select * from {{ ref('fct_project_disbursements') }}
),

admin_units as (
    select * from {{ ref('dim_admin_units') }}
),

joined as (
    select
        project_disbursements.project_report_id,
        project_disbursements.admin_unit_id,
        project_disbursements.as_of_date,
        admin_units.admin_level,
        admin_units.parent_admin_unit_id,
        admin_units.valid_from,
        admin_units.valid_to
    from project_disbursements
    left join admin_units
        on project_disbursements.admin_unit_id = admin_units.admin_unit_id
),

final as (
    select * from joined
    where
        admin_level is null
        or not (
            admin_level in ('city', 'district')
            or (admin_level = 'commune' and parent_admin_unit_id = '01')
        )
        or as_of_date < valid_from
        or as_of_date > coalesce(valid_to, date '9999-12-31')
)

select * from final
