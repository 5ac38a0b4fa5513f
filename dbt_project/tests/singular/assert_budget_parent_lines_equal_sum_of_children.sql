{{ config(severity='error', meta={'dagster': {'ref': {'name': 'fct_budget_lines'}}}) }}

-- Every parent line equals the sum of its children (within 0.001 bn VND), for each
-- report, unit, stage and plan basis where the parent and its children are complete:
-- the parent carries a number and every child a number or "-" (not applicable at this
-- level, which adds nothing). A blank child ('') is unknown, so the parent is skipped.
with

amounts as (
    select * from {{ ref('fct_budget_lines') }}
),

categories as (
    select * from {{ ref('dim_budget_categories') }}
),

children as (
    select
        amounts.budget_year,
        amounts.report_period,
        amounts.admin_unit_id,
        amounts.unit_scope,
        amounts.stage,
        amounts.plan_basis,
        categories.parent_budget_category_id,
        amounts.amount_bn_vnd,
        amounts.amount_marker
    from amounts
    inner join categories
        on amounts.budget_category_id = categories.budget_category_id
    where categories.parent_budget_category_id is not null
),

children_summed as (
    select
        budget_year,
        report_period,
        admin_unit_id,
        unit_scope,
        stage,
        plan_basis,
        parent_budget_category_id,
        sum(amount_bn_vnd) as children_bn_vnd,
        count(*) as child_rows,
        count(*) filter (where amount_bn_vnd is null and amount_marker is distinct from '-')
            as unknown_child_rows
    from children
    group by
        budget_year,
        report_period,
        admin_unit_id,
        unit_scope,
        stage,
        plan_basis,
        parent_budget_category_id
),

compared as (
    select
        amounts.budget_amount_id,
        amounts.amount_bn_vnd as parent_bn_vnd,
        children_summed.children_bn_vnd,
        children_summed.child_rows,
        coalesce(children_summed.children_bn_vnd, 0) - amounts.amount_bn_vnd as difference_bn_vnd
    from amounts
    inner join children_summed
        on
            amounts.budget_year = children_summed.budget_year
            and amounts.report_period = children_summed.report_period
            and amounts.admin_unit_id = children_summed.admin_unit_id
            and amounts.unit_scope = children_summed.unit_scope
            and amounts.stage = children_summed.stage
            and amounts.plan_basis is not distinct from children_summed.plan_basis
            and amounts.budget_category_id = children_summed.parent_budget_category_id
    where
        amounts.amount_bn_vnd is not null
        and children_summed.unknown_child_rows = 0
),

final as (
    select * from compared
    where abs(difference_bn_vnd) > 0.001
)

select * from final
