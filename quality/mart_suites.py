"""Mart suites (to be removed by issue 10: the dbt tests guard the marts)."""

from __future__ import annotations

from collections.abc import Iterable

from quality.raw_suites import RAW_CHECKS_RULE, raw_checks_fact
from quality.rules import (
    Fact,
    Rule,
    Suite,
    between,
    columns_are,
    each_between,
    in_set,
    not_null,
    unique,
)
from sources.loading.registry import specs

# --- mart suites ---------------------------------------------------------------------

TOLERANCE_BN_VND = 0.001

DISBURSEMENT_PROGRESS_COLUMNS = (
    "disbursement_progress_id",
    "admin_unit_id",
    "admin_level",
    "unit_scope",
    "period_id",
    "ytd_period_id",
    "plan_year",
    "is_extension_month",
    "as_of_date",
    "is_cut_at_month_end",
    "project_count",
    "plan_ttg_bn_vnd",
    "plan_city_bn_vnd",
    "disbursed_in_period_bn_vnd",
    "disbursed_cumulative_bn_vnd",
    "disbursement_rate_ttg_plan_pct",
    "disbursement_rate_city_plan_pct",
)
BUDGET_EXECUTIONS_COLUMNS = (
    "budget_execution_id",
    "admin_unit_id",
    "unit_scope",
    "period_id",
    "budget_year",
    "report_period",
    "execution_start_date",
    "execution_end_date",
    "budget_category_id",
    "item_name",
    "outline_level",
    "category_group",
    "category_subgroup",
    "is_leaf",
    "estimate_superior_bn_vnd",
    "estimate_superior_assigned_by",
    "estimate_council_bn_vnd",
    "estimate_council_approved_by",
    "execution_bn_vnd",
    "execution_prior_year_bn_vnd",
    "execution_rate_superior_estimate_pct",
    "execution_rate_council_estimate_pct",
    "execution_yoy_ratio_pct",
)
PROCEDURE_THROUGHPUTS_COLUMNS = (
    "procedure_throughput_id",
    "admin_unit_id",
    "admin_level",
    "period_id",
    "period_type",
    "period_start_date",
    "period_end_date",
    "is_complete",
    "missing_unit_count",
    "backlog_count",
    "received_count",
    "to_process_count",
    "finished_count",
    "finished_on_time_count",
    "finished_late_count",
    "ended_count",
    "in_progress_on_time_count",
    "in_progress_late_count",
    "backlog_end_count",
    "same_day_count",
    "online_count",
    "fee_bearing_count",
    "paid_online_count",
    "digitised_count",
    "on_time_rate_pct",
    "late_rate_pct",
    "avg_resolution_days",
    "same_day_share_pct",
    "online_share_pct",
    "online_payment_share_pct",
    "digitised_share_pct",
)
DISTRICT_SCORECARD_RANKS = (
    "revenue_execution_rate",
    "disbursement_rate_city_plan",
    "on_time_rate",
    "online_share",
)
DISTRICT_SCORECARDS_COLUMNS = (
    "district_scorecard_id",
    "admin_unit_id",
    "district_name",
    "period_id",
    "period_type",
    "period_year",
    "period_start_date",
    "period_end_date",
    "budget_report_period",
    "budget_execution_end_date",
    "budget_estimate_assigned_by",
    "revenue_execution_bn_vnd",
    "revenue_execution_rate_superior_estimate_pct",
    "expenditure_execution_bn_vnd",
    "disbursement_as_of_date",
    "disbursement_plan_year",
    "disbursement_plan_ttg_bn_vnd",
    "disbursement_plan_city_bn_vnd",
    "disbursed_bn_vnd",
    "disbursement_rate_ttg_plan_pct",
    "disbursement_rate_city_plan_pct",
    "throughput_is_complete",
    "dossiers_received",
    "dossiers_finished",
    "on_time_rate_pct",
    "online_share_pct",
    "same_day_share_pct",
    "district_par_index_score",
    "district_par_index_rank",
    *(f"{name}_{end}" for name in DISTRICT_SCORECARD_RANKS for end in ("rank", "ranked_count")),
)
RECONCILIATION_COLUMNS = (
    "figure_id",
    "domain",
    "indicator",
    "admin_unit",
    "period",
    "basis",
    "vintage",
    "use",
    "source",
    "published_value",
    "published_decimals",
    "warehouse_value",
    "warehouse_value_at_precision",
    "difference",
    "is_match",
)


def _differences(columns: Iterable[str], frame: str, tolerance: float) -> tuple[Rule, ...]:
    return each_between(
        columns,
        -tolerance,
        tolerance,
        frame=frame,
        notes="roll-up identity: the city equals the sum of its parts",
    )


def _mart_suites() -> dict[str, Suite]:
    disbursement = Suite(
        name="fct_disbursement_progress",
        table="marts.fct_disbursement_progress",
        description="Disbursement progress per unit and monthly report.",
        rules=(
            RAW_CHECKS_RULE,
            columns_are(DISBURSEMENT_PROGRESS_COLUMNS),
            *not_null(
                "disbursement_progress_id",
                "admin_unit_id",
                "admin_level",
                "period_id",
                "plan_year",
                "as_of_date",
                "project_count",
                "plan_ttg_bn_vnd",
                "plan_city_bn_vnd",
                "disbursed_in_period_bn_vnd",
                "disbursed_cumulative_bn_vnd",
            ),
            unique("disbursement_progress_id"),
            in_set("admin_level", ["city", "district", "commune"]),
            in_set("unit_scope", ["city_total", "city_level", "district", "commune"]),
            between("project_count", 1),
            *each_between(
                (
                    "plan_ttg_bn_vnd",
                    "plan_city_bn_vnd",
                    "disbursed_in_period_bn_vnd",
                    "disbursed_cumulative_bn_vnd",
                ),
                0,
            ),
            *each_between(
                ("disbursement_rate_ttg_plan_pct", "disbursement_rate_city_plan_pct"),
                0,
                1000,
                notes="bounded, never capped",
            ),
            *_differences(
                (
                    "project_count_difference",
                    "plan_ttg_difference_bn_vnd",
                    "plan_city_difference_bn_vnd",
                    "disbursed_in_period_difference_bn_vnd",
                    "disbursed_cumulative_difference_bn_vnd",
                ),
                "rollup",
                TOLERANCE_BN_VND,
            ),
        ),
        facts=(
            raw_checks_fact(("disbursement",)),
            Fact(
                "rollup",
                """
                with progress as (
                    select * from marts.fct_disbursement_progress
                ),
                city_rows as (
                    select * from progress where unit_scope = 'city_total'
                ),
                local_sums as (
                    -- districts before the reform, commune-level units after it
                    select
                        period_id,
                        plan_year,
                        sum(project_count) as project_count,
                        sum(plan_ttg_bn_vnd) as plan_ttg_bn_vnd,
                        sum(plan_city_bn_vnd) as plan_city_bn_vnd,
                        sum(disbursed_in_period_bn_vnd) as disbursed_in_period_bn_vnd,
                        sum(disbursed_cumulative_bn_vnd) as disbursed_cumulative_bn_vnd
                    from progress
                    where unit_scope in ('district', 'commune')
                    group by period_id, plan_year
                ),
                city_level_projects as (
                    select
                        period_id,
                        plan_year,
                        count(*) as project_count,
                        sum(plan_ttg_bn_vnd) as plan_ttg_bn_vnd,
                        sum(plan_city_bn_vnd) as plan_city_bn_vnd,
                        sum(disbursed_in_period_bn_vnd) as disbursed_in_period_bn_vnd,
                        sum(disbursed_cumulative_bn_vnd) as disbursed_cumulative_bn_vnd
                    from marts.fct_project_disbursements
                    where is_city_level_project
                    group by period_id, plan_year
                ),
                reports as (
                    select period_id, plan_year from city_rows
                    union
                    select period_id, plan_year from local_sums
                    union
                    select period_id, plan_year from city_level_projects
                )
                select
                    reports.period_id,
                    reports.plan_year,
                    coalesce(c.project_count, 0) - coalesce(d.project_count, 0)
                        - coalesce(p.project_count, 0) as project_count_difference,
                    (coalesce(c.plan_ttg_bn_vnd, 0) - coalesce(d.plan_ttg_bn_vnd, 0)
                        - coalesce(p.plan_ttg_bn_vnd, 0))::double as plan_ttg_difference_bn_vnd,
                    (coalesce(c.plan_city_bn_vnd, 0) - coalesce(d.plan_city_bn_vnd, 0)
                        - coalesce(p.plan_city_bn_vnd, 0))::double
                        as plan_city_difference_bn_vnd,
                    (coalesce(c.disbursed_in_period_bn_vnd, 0)
                        - coalesce(d.disbursed_in_period_bn_vnd, 0)
                        - coalesce(p.disbursed_in_period_bn_vnd, 0))::double
                        as disbursed_in_period_difference_bn_vnd,
                    (coalesce(c.disbursed_cumulative_bn_vnd, 0)
                        - coalesce(d.disbursed_cumulative_bn_vnd, 0)
                        - coalesce(p.disbursed_cumulative_bn_vnd, 0))::double
                        as disbursed_cumulative_difference_bn_vnd
                from reports
                left join city_rows as c
                    on reports.period_id = c.period_id and reports.plan_year = c.plan_year
                left join local_sums as d
                    on reports.period_id = d.period_id and reports.plan_year = d.plan_year
                left join city_level_projects as p
                    on reports.period_id = p.period_id and reports.plan_year = p.plan_year
                order by reports.period_id, reports.plan_year
                """,
                index_columns=("period_id", "plan_year"),
            ),
        ),
        index_columns=("disbursement_progress_id",),
    )
    budget = Suite(
        name="fct_budget_executions",
        table="marts.fct_budget_executions",
        description="Budget estimates and execution per unit, period and budget line.",
        rules=(
            RAW_CHECKS_RULE,
            columns_are(BUDGET_EXECUTIONS_COLUMNS),
            *not_null(
                "budget_execution_id",
                "admin_unit_id",
                "unit_scope",
                "period_id",
                "budget_year",
                "report_period",
                "budget_category_id",
            ),
            unique("budget_execution_id"),
            in_set(
                "unit_scope",
                ["city_total", "city_agencies", "district", "former_districts", "commune"],
            ),
            in_set("report_period", ["3T", "6T", "9T", "12T"]),
            *each_between(
                ("estimate_superior_bn_vnd", "estimate_council_bn_vnd", "execution_bn_vnd"),
                0,
                severity="warn",
            ),
            *each_between(
                (
                    "execution_rate_superior_estimate_pct",
                    "execution_rate_council_estimate_pct",
                    "execution_yoy_ratio_pct",
                ),
                0,
                1000,
                notes="bounded, never capped",
            ),
            between("city_total_rows", 1, 1, frame="rollup"),
            *_differences(
                (
                    "estimate_superior_difference_bn_vnd",
                    "estimate_council_difference_bn_vnd",
                    "execution_difference_bn_vnd",
                ),
                "rollup",
                TOLERANCE_BN_VND,
            ),
        ),
        facts=(
            raw_checks_fact(("budget",)),
            Fact(
                "rollup",
                """
                with executions as (
                    select * from marts.fct_budget_executions
                ),
                rolled_up as (
                    select
                        budget_year,
                        report_period,
                        budget_category_id,
                        count(*) filter (where unit_scope = 'city_total') as city_total_rows,
                        coalesce(max(estimate_superior_bn_vnd)
                            filter (where unit_scope = 'city_total'), 0)
                        - coalesce(sum(estimate_superior_bn_vnd)
                            filter (where unit_scope <> 'city_total'), 0)
                            as estimate_superior_difference_bn_vnd,
                        coalesce(max(estimate_council_bn_vnd)
                            filter (where unit_scope = 'city_total'), 0)
                        - coalesce(sum(estimate_council_bn_vnd)
                            filter (where unit_scope <> 'city_total'), 0)
                            as estimate_council_difference_bn_vnd,
                        coalesce(max(execution_bn_vnd)
                            filter (where unit_scope = 'city_total'), 0)
                        - coalesce(sum(execution_bn_vnd)
                            filter (where unit_scope <> 'city_total'), 0)
                            as execution_difference_bn_vnd
                    from executions
                    group by budget_year, report_period, budget_category_id
                )
                select
                    budget_year || ' ' || report_period || ' ' || budget_category_id as line,
                    city_total_rows,
                    estimate_superior_difference_bn_vnd::double
                        as estimate_superior_difference_bn_vnd,
                    estimate_council_difference_bn_vnd::double
                        as estimate_council_difference_bn_vnd,
                    execution_difference_bn_vnd::double as execution_difference_bn_vnd
                from rolled_up
                order by line
                """,
                index_columns=("line",),
            ),
        ),
        index_columns=("budget_execution_id",),
    )
    count_columns = tuple(c for c in PROCEDURE_THROUGHPUTS_COLUMNS if c.endswith("_count"))
    procedures = Suite(
        name="fct_procedure_throughputs",
        table="marts.fct_procedure_throughputs",
        description="Dossier throughput per unit and period (Decision 766 measures).",
        rules=(
            RAW_CHECKS_RULE,
            columns_are(PROCEDURE_THROUGHPUTS_COLUMNS),
            *not_null(
                "procedure_throughput_id",
                "admin_unit_id",
                "admin_level",
                "period_id",
                "period_type",
                "is_complete",
                "missing_unit_count",
            ),
            between(
                "null_measure_rows",
                0,
                0,
                frame="stock_flow",
                notes="complete rows have every count; incomplete rows none (never zeros)",
            ),
            unique("procedure_throughput_id"),
            in_set("admin_level", ["city", "district", "commune"]),
            in_set("period_type", ["month", "quarter", "half", "year", "year_to_date"]),
            *each_between(count_columns, 0),
            *each_between(
                (
                    "on_time_rate_pct",
                    "late_rate_pct",
                    "same_day_share_pct",
                    "online_share_pct",
                    "online_payment_share_pct",
                    "digitised_share_pct",
                ),
                0,
                100,
                notes="shares of a count containing their numerator",
            ),
            between("avg_resolution_days", 0, 365, severity="warn"),
            between("received_difference", 0, 0, frame="rollup"),
            between("unbalanced_rows", 0, 0, frame="stock_flow"),
        ),
        facts=(
            raw_checks_fact(("procedures",)),
            Fact(
                "rollup",
                """
                with throughputs as (
                    select * from marts.fct_procedure_throughputs
                ),
                -- city = city desks + districts (to 2025-06) + communes (from 2025-07),
                -- the units' months summed over the period
                outside_districts_by_month as (
                    select
                        date_trunc('month', received_date)::date as month_start_date,
                        count(*) filter (where desk_level = 'city') as dossier_count
                    from marts.fct_dossiers
                    group by date_trunc('month', received_date)
                ),
                outside_districts as (
                    select
                        periods.period_id,
                        sum(o.dossier_count) as dossier_count
                    from outside_districts_by_month as o
                    inner join marts.dim_periods as periods
                        on o.month_start_date between periods.start_date and periods.end_date
                    group by periods.period_id
                ),
                district_totals as (
                    select periods.period_id, sum(t.received_count) as received_count
                    from throughputs as t
                    inner join marts.dim_periods as periods
                        on t.period_start_date between periods.start_date and periods.end_date
                    where t.admin_level in ('district', 'commune') and t.period_type = 'month'
                    group by periods.period_id
                ),
                city_rows as (
                    select period_id, received_count
                    from throughputs
                    where admin_level = 'city' and is_complete
                )
                select
                    city_rows.period_id,
                    city_rows.received_count - coalesce(outside_districts.dossier_count, 0)
                        - coalesce(district_totals.received_count, 0) as received_difference
                from city_rows
                left join outside_districts
                    on city_rows.period_id = outside_districts.period_id
                left join district_totals
                    on city_rows.period_id = district_totals.period_id
                order by city_rows.period_id
                """,
                index_columns=("period_id",),
            ),
            Fact(
                "stock_flow",
                """
                with unbalanced as (
                    select procedure_throughput_id
                    from marts.fct_procedure_throughputs
                    where
                        to_process_count <> backlog_count + received_count
                        or to_process_count <> finished_count + ended_count + backlog_end_count
                        or finished_count <> finished_on_time_count + finished_late_count
                        or backlog_end_count
                            <> in_progress_on_time_count + in_progress_late_count
                ),
                null_measures as (
                    select count(*) as null_measure_rows
                    from marts.fct_procedure_throughputs
                    where
                        is_complete is distinct from (received_count is not null)
                        or is_complete is distinct from (backlog_end_count is not null)
                        or (not is_complete and received_count = 0)
                )
                select
                    (select null_measure_rows from null_measures) as null_measure_rows,
                    count(*) as unbalanced_rows,
                    coalesce(array_to_string(
                        (list(procedure_throughput_id order by procedure_throughput_id))[1:5],
                        '; '), '') as examples
                from unbalanced
                """,
                index_columns=("examples",),
            ),
        ),
        index_columns=("procedure_throughput_id",),
    )
    scorecards = Suite(
        name="fct_district_scorecards",
        table="marts.fct_district_scorecards",
        description=(
            "District x period (years, first halves) scorecard across the domains, ranked "
            "among the districts with data."
        ),
        rules=(
            RAW_CHECKS_RULE,
            columns_are(DISTRICT_SCORECARDS_COLUMNS),
            *not_null(
                "district_scorecard_id",
                "admin_unit_id",
                "district_name",
                "period_id",
                "period_year",
            ),
            unique("district_scorecard_id"),
            unique("admin_unit_id", "period_id"),
            *each_between(
                ("revenue_execution_rate_superior_estimate_pct", "disbursement_rate_city_plan_pct"),
                0,
                1000,
            ),
            *each_between(("on_time_rate_pct", "online_share_pct", "same_day_share_pct"), 0, 100),
            *each_between(
                ("district_par_index_rank", *(f"{n}_rank" for n in DISTRICT_SCORECARD_RANKS)),
                1,
                30,
            ),
            *each_between((f"{n}_ranked_count" for n in DISTRICT_SCORECARD_RANKS), 0, 30),
            *each_between(("dossiers_received", "dossiers_finished"), 0),
            between("district_count", 30, 30, frame="rollup"),
            *_differences(
                ("revenue_difference_bn_vnd", "disbursed_difference_bn_vnd"),
                "rollup",
                TOLERANCE_BN_VND,
            ),
            between("dossiers_received_difference", 0, 0, frame="rollup"),
        ),
        facts=(
            raw_checks_fact(("budget", "disbursement", "procedures", "governance_indices")),
            Fact(
                "rollup",
                # Differences only where both sides have data (null otherwise, which the
                # rules skip): revenue and dossiers when every district has a value and the
                # city's row exists (complete); disbursement when the city's report exists.
                """
                with district_sums as (
                    select
                        period_id,
                        any_value(period_year) as period_year,
                        any_value(period_start_date) as start_date,
                        any_value(period_end_date) as end_date,
                        any_value(budget_report_period) as report_period,
                        any_value(disbursement_as_of_date) as as_of_date,
                        count(*) as district_count,
                        count(*) = count(revenue_execution_bn_vnd) as has_all_revenue,
                        count(*) = count(dossiers_received) as has_all_dossiers,
                        sum(revenue_execution_bn_vnd) as revenue_bn_vnd,
                        coalesce(sum(disbursed_bn_vnd), 0) as disbursed_bn_vnd,
                        sum(dossiers_received) as dossiers_received
                    from marts.fct_district_scorecards
                    group by period_id
                ),
                city_revenue as (
                    select
                        budget_year,
                        report_period,
                        sum(case when unit_scope = 'city_total' then execution_bn_vnd end)
                        - coalesce(sum(case when unit_scope = 'city_agencies'
                              then execution_bn_vnd end), 0) as revenue_bn_vnd
                    from marts.fct_budget_executions
                    where budget_category_id = 'A'
                    group by budget_year, report_period
                ),
                city_disbursed as (
                    select
                        plan_year,
                        as_of_date,
                        sum(case when unit_scope = 'city_total'
                            then disbursed_cumulative_bn_vnd end)
                        - coalesce(sum(case when unit_scope = 'city_level'
                              then disbursed_cumulative_bn_vnd end), 0) as disbursed_bn_vnd
                    from marts.fct_disbursement_progress
                    group by plan_year, as_of_date
                ),
                city_received as (
                    select period_id, received_count
                    from marts.fct_procedure_throughputs
                    where admin_unit_id = '01' and is_complete
                ),
                city_desks as (
                    select d.period_id, count(k.dossier_id) as received_count
                    from district_sums as d
                    inner join marts.fct_dossiers as k
                        on k.received_date between d.start_date and d.end_date
                    where k.desk_level = 'city'
                    group by d.period_id
                )
                select
                    d.period_id,
                    d.district_count,
                    case when d.has_all_revenue
                        then (d.revenue_bn_vnd - r.revenue_bn_vnd)::double
                    end as revenue_difference_bn_vnd,
                    (d.disbursed_bn_vnd - c.disbursed_bn_vnd)::double
                        as disbursed_difference_bn_vnd,
                    case when d.has_all_dossiers
                        then d.dossiers_received
                        - (q.received_count - coalesce(k.received_count, 0))
                    end as dossiers_received_difference
                from district_sums as d
                left join city_revenue as r
                    on d.period_year = r.budget_year and d.report_period = r.report_period
                left join city_disbursed as c
                    on d.period_year = c.plan_year and d.as_of_date = c.as_of_date
                left join city_received as q on d.period_id = q.period_id
                left join city_desks as k on d.period_id = k.period_id
                order by d.period_id
                """,
                index_columns=("period_id",),
            ),
        ),
        index_columns=("district_scorecard_id",),
    )
    reconciliation = Suite(
        name="reference_reconciliation",
        table="marts.reference_reconciliation",
        description="Every published figure recomputed from the marts.",
        rules=(
            RAW_CHECKS_RULE,
            columns_are(RECONCILIATION_COLUMNS),
            *not_null("figure_id", "use", "published_value", "is_match"),
            unique("figure_id"),
            in_set("use", ["reproduce", "bound"]),
            Rule(
                "ExpectColumnValuesToBeInSet",
                {"column": "is_match", "value_set": [True]},
                "error",
                notes="every published figure matches the warehouse",
            ),
            between("missing_figures", 0, 0, frame="coverage"),
        ),
        facts=(
            raw_checks_fact(tuple(specs())),
            Fact(
                "coverage",
                """
                with expected as (
                    select figure_id
                    from staging.stg_reference__published_figures
                    where use in ('reproduce', 'bound')
                ),
                missing as (
                    select figure_id from expected
                    anti join marts.reference_reconciliation using (figure_id)
                )
                select
                    count(*) as missing_figures,
                    coalesce(string_agg(figure_id, ', ' order by figure_id), '') as examples
                from missing
                """,
                index_columns=("examples",),
            ),
        ),
        index_columns=("figure_id",),
    )
    return {s.name: s for s in (disbursement, budget, procedures, scorecards, reconciliation)}


MART_SUITES: dict[str, Suite] = _mart_suites()  # by mart name
