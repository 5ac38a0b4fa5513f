{#- Roll-up identity of the budget reports of one side of the reform (`era`):
    'before_reform', reports whose period ends by the last day of the district level
    (dim_admin_units): the whole city (city_total) equals the city agencies plus the
    districts, and no commune or closed-district part is there; 'after_reform', reports
    ending later: city_total equals the city level (city_agencies) plus the communes, plus
    in the reform year the district budgets closed on that day (former_districts, one
    part), and no district is there. For each line, stage and plan basis, within 0.001 bn
    VND; a null (blank or "-") on one side only fails too. A failing row names the report
    (budget_year, report_period) and the line. -#}
{% test budget_parts_equal_city_total(model, era) %}

{%- if era not in ('before_reform', 'after_reform') %}
    {{ exceptions.raise_compiler_error('budget_parts_equal_city_total: unknown era ' ~ era) }}
{%- endif %}

with

amounts as (
    select * from {{ model }}
),

units as (
    select * from {{ ref('dim_admin_units') }}
),

district_level as (
    select max(valid_to) as last_day
    from units
    where admin_level = 'district'
),

rolled_up as (
    select
        amounts.budget_year,
        amounts.report_period,
        amounts.budget_category_id,
        amounts.stage,
        amounts.plan_basis,
        max(amounts.execution_end_date) filter (where amounts.unit_scope = 'city_total')
            as period_end_date,
        max(amounts.amount_bn_vnd) filter (where amounts.unit_scope = 'city_total')
            as city_total_bn_vnd,
        sum(amounts.amount_bn_vnd) filter (where amounts.unit_scope <> 'city_total')
            as parts_bn_vnd,
        count(*) filter (where amounts.unit_scope = 'city_total') as city_total_rows,
        count(*) filter (where amounts.unit_scope = 'city_agencies') as city_agencies_rows,
        count(*) filter (where amounts.unit_scope = 'district') as district_rows,
        count(*) filter (where amounts.unit_scope = 'commune') as commune_rows,
        count(*) filter (where amounts.unit_scope = 'former_districts') as former_district_rows
    from amounts
    group by
        amounts.budget_year,
        amounts.report_period,
        amounts.budget_category_id,
        amounts.stage,
        amounts.plan_basis
),

final as (
    select rolled_up.*
    from rolled_up
    cross join district_level
    where
        {%- if era == 'before_reform' %}
        rolled_up.period_end_date <= district_level.last_day
        {%- else %}
        rolled_up.period_end_date > district_level.last_day
        {%- endif %}
        and (
            rolled_up.city_total_rows <> 1
            or rolled_up.city_agencies_rows <> 1
            {%- if era == 'before_reform' %}
            or rolled_up.district_rows = 0
            or rolled_up.commune_rows + rolled_up.former_district_rows <> 0
            {%- else %}
            or rolled_up.commune_rows = 0
            or rolled_up.district_rows <> 0
            or rolled_up.former_district_rows
            <> case when rolled_up.budget_year = year(district_level.last_day) then 1 else 0 end
            {%- endif %}
            or (rolled_up.city_total_bn_vnd is null) <> (rolled_up.parts_bn_vnd is null)
            or abs(rolled_up.city_total_bn_vnd - rolled_up.parts_bn_vnd) > 0.001
        )
)

select * from final

{% endtest %}
