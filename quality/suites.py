"""great-expectations suites as plain data: one per raw source table, one per checked mart.

A :class:`Suite` lists :class:`Rule` objects, each a GX 1.x expectation (its class name in
``great_expectations.expectations`` and its arguments) with a severity: ``error`` blocks
what comes after, ``warn`` only notifies. A rule validates one *frame*:

- ``rows``: the rows of the partition being loaded (a mart: the whole mart, which is
  small by construction: units x periods);
- ``schema``: one row per column: ``column_name``, its Arrow ``data_type``
  (``decimal128(24, 6)``) and the ``expected_type`` the suite declares, so that column
  types go through GX like any value;
- a fact: a small frame computed in DuckDB by the suite's :class:`Fact` SQL, for what
  needs the whole table (uniqueness across partitions, row count against the previous
  partition, roll-up identities, reconciliation).

Arguments may name run-time parameters the GX way (``{"$PARAMETER": "period_start"}``);
:func:`partition_parameters` gives their values for a partition key. Nothing here
imports great-expectations (it costs ~9 s): :mod:`quality.runner` does, lazily.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

import pyarrow as pa

from sources.loading.ingest import METADATA_SCHEMA
from sources.loading.registry import specs
from sources.readers.procedures import STATUSES

Severity = Literal["error", "warn"]
ROWS = "rows"
SCHEMA = "schema"
PARTITION_COLUMN = "_partition_key"


class SuiteError(RuntimeError):
    """A suite that cannot run (missing table, a column it names does not exist, an
    expectation that raised): never a pass."""


@dataclass(frozen=True)
class Rule:
    """One expectation: ``expectation`` is a GX 1.x class name (``ExpectColumnValuesToBeBetween``),
    ``kwargs`` its arguments, ``frame`` the frame it validates."""

    expectation: str
    kwargs: Mapping[str, Any]
    severity: Severity = "error"
    frame: str = ROWS
    notes: str = ""

    @property
    def columns(self) -> tuple[str, ...]:
        """Columns of its frame the rule names (it cannot run without them)."""
        names: list[str] = []
        for key in ("column", "column_A", "column_B"):
            if key in self.kwargs:
                names.append(self.kwargs[key])
        names.extend(self.kwargs.get("column_list", ()))
        return tuple(names)

    @property
    def parameters(self) -> tuple[str, ...]:
        """Run-time parameters it needs (``{"$PARAMETER": name}`` arguments)."""
        return tuple(
            v["$PARAMETER"]
            for v in self.kwargs.values()
            if isinstance(v, Mapping) and "$PARAMETER" in v
        )

    @property
    def expectation_type(self) -> str:
        """``ExpectColumnValuesToBeBetween`` -> ``expect_column_values_to_be_between``."""
        return re.sub(r"(?<!^)(?=[A-Z])", "_", self.expectation).lower()

    @property
    def label(self) -> str:
        """What reports and audit rows call it: ``expect_..._between(column)``."""
        cols = self.columns
        return f"{self.expectation_type}({', '.join(cols)})" if cols else self.expectation_type


@dataclass(frozen=True)
class Fact:
    """A table-wide fact computed in DuckDB and handed to GX as a small frame.

    ``sql`` may use ``$partition_key`` (then it is computed per partition). Its rules are
    the suite's rules whose ``frame`` is ``name``; ``index_columns`` identify offending
    rows of the fact frame in results.
    """

    name: str
    sql: str
    index_columns: tuple[str, ...] = ()

    @property
    def per_partition(self) -> bool:
        return "$partition_key" in self.sql


@dataclass(frozen=True)
class Suite:
    """Expectations on one table: its partition's rows, its schema and table-wide facts."""

    name: str
    table: str  # schema.table in the build database
    description: str
    rules: tuple[Rule, ...]
    partition_column: str | None = None  # None: the table is validated whole (marts)
    facts: tuple[Fact, ...] = ()
    index_columns: tuple[str, ...] = ()  # identify offending rows of the rows frame
    column_types: tuple[tuple[str, str], ...] = ()  # (column, Arrow type) for the schema frame

    def rules_for(self, frame: str) -> tuple[Rule, ...]:
        return tuple(r for r in self.rules if r.frame == frame)

    @property
    def frames(self) -> tuple[str, ...]:
        """Frames the suite validates, in a stable order (rows, schema, then facts)."""
        order = [ROWS, SCHEMA, *(f.name for f in self.facts)]
        used = {r.frame for r in self.rules}
        return tuple(name for name in order if name in used) + tuple(sorted(used - set(order)))


# --- rule helpers --------------------------------------------------------------------


def not_null(*columns: str, severity: Severity = "error", frame: str = ROWS) -> tuple[Rule, ...]:
    return tuple(
        Rule("ExpectColumnValuesToNotBeNull", {"column": c}, severity, frame) for c in columns
    )


def in_set(
    column: str, values: Iterable[Any], *, severity: Severity = "error", frame: str = ROWS
) -> Rule:
    return Rule(
        "ExpectColumnValuesToBeInSet",
        {"column": column, "value_set": list(values)},
        severity,
        frame,
    )


def between(
    column: str,
    min_value: Any = None,
    max_value: Any = None,
    *,
    severity: Severity = "error",
    frame: str = ROWS,
    notes: str = "",
) -> Rule:
    kwargs: dict[str, Any] = {"column": column}
    if min_value is not None:
        kwargs["min_value"] = min_value
    if max_value is not None:
        kwargs["max_value"] = max_value
    return Rule("ExpectColumnValuesToBeBetween", kwargs, severity, frame, notes)


def each_between(
    columns: Iterable[str], min_value: Any = None, max_value: Any = None, **kw: Any
) -> tuple[Rule, ...]:
    return tuple(between(c, min_value, max_value, **kw) for c in columns)


def unique(*columns: str, severity: Severity = "error") -> Rule:
    if len(columns) == 1:
        return Rule("ExpectColumnValuesToBeUnique", {"column": columns[0]}, severity)
    return Rule("ExpectCompoundColumnsToBeUnique", {"column_list": list(columns)}, severity)


def equal_columns(a: str, b: str, *, severity: Severity = "error") -> Rule:
    return Rule("ExpectColumnPairValuesToBeEqual", {"column_A": a, "column_B": b}, severity)


def at_least(a: str, b: str, *, severity: Severity = "error") -> Rule:
    """Column ``a`` >= column ``b`` where both are present."""
    return Rule(
        "ExpectColumnPairValuesAToBeGreaterThanB",
        {
            "column_A": a,
            "column_B": b,
            "or_equal": True,
            "ignore_row_if": "either_value_is_missing",
        },
        severity,
    )


def matches(column: str, regex: str, *, severity: Severity = "error") -> Rule:
    return Rule("ExpectColumnValuesToMatchRegex", {"column": column, "regex": regex}, severity)


def columns_are(columns: Iterable[str], *, severity: Severity = "error") -> Rule:
    return Rule(
        "ExpectTableColumnsToMatchSet",
        {"column_set": list(columns), "exact_match": True},
        severity,
        notes="the contract's columns, no more, no fewer",
    )


def param(name: str) -> dict[str, str]:
    """A run-time parameter (see :func:`partition_parameters`)."""
    return {"$PARAMETER": name}


def arrow_type_name(data_type: pa.DataType) -> str:
    """The type as the schema frame spells it (time zones ``Etc/UTC`` -> ``UTC``; string
    layouts are one type)."""
    name = str(data_type).replace("tz=Etc/UTC", "tz=UTC")
    return {"large_string": "string", "string_view": "string"}.get(name, name)


def partition_parameters(partition_key: str | None) -> dict[str, Any]:
    """Values of the run-time parameters for a partition key (``2024-06`` or ``2024``):
    ``partition_key``, ``year``, ``period_start`` / ``period_end`` (dates) and
    ``period_start_at`` / ``period_end_at`` (timestamps, the end at the last microsecond)."""
    if partition_key is None:
        return {}
    m = re.fullmatch(r"(\d{4})(?:-(\d{2}))?", partition_key)
    if not m:
        raise SuiteError(f"partition key {partition_key!r} is neither YYYY nor YYYY-MM")
    year = int(m[1])
    if m[2]:
        start = dt.date(year, int(m[2]), 1)
        after = (start + dt.timedelta(days=32)).replace(day=1)
    else:
        start, after = dt.date(year, 1, 1), dt.date(year + 1, 1, 1)
    end = after - dt.timedelta(days=1)
    return {
        "partition_key": partition_key,
        "year": year,
        "period_start": start,
        "period_end": end,
        "period_start_at": dt.datetime.combine(start, dt.time()),
        "period_end_at": dt.datetime.combine(after, dt.time()) - dt.timedelta(microseconds=1),
    }


# --- raw suites ----------------------------------------------------------------------

LOADER_REQUIRED = (
    "_load_id",
    "_source_file_name",
    "_source_file_sha256",
    "_source_row_number",
    "_partition_key",
    "_slot",
    "_loaded_at",
)
# city, district, commune; `@2025-01-01` marks a commune formed by the 2025-01-01 mergers
# (sources/loading/admin_units.py, README "Administrative units")
ADMIN_UNIT_ID = r"^01(?:-\d{3})?(?:-\d{5}(?:@2025-01-01)?)?$"


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def previous_partition_fact(table: str) -> Fact:
    """Rows of the partition per slot kind (``-6T``, ``-province``; one kind for monthly
    sources) against the latest earlier partition with that kind: ratio null when there
    is none (GX then skips it)."""
    return Fact(
        "previous_partition",
        f"""
        with counts as (
            select
                _partition_key as partition_key,
                coalesce(nullif(replace(_slot, _partition_key, ''), ''), '(whole partition)')
                    as slot_kind,
                count(*) as row_count
            from {table}
            where _partition_key <= $partition_key
            group by _partition_key, _slot
        ),
        current_counts as (
            select * from counts where partition_key = $partition_key
        ),
        previous_counts as (
            select
                current_counts.slot_kind,
                counts.partition_key as previous_partition,
                counts.row_count as previous_row_count
            from current_counts
            inner join counts
                on counts.slot_kind = current_counts.slot_kind
                and counts.partition_key < current_counts.partition_key
            qualify row_number() over (
                partition by current_counts.slot_kind order by counts.partition_key desc
            ) = 1
        )
        select
            current_counts.slot_kind,
            current_counts.row_count,
            previous_counts.previous_partition,
            previous_counts.previous_row_count,
            current_counts.row_count / previous_counts.previous_row_count as row_count_ratio
        from current_counts
        left join previous_counts on current_counts.slot_kind = previous_counts.slot_kind
        order by current_counts.slot_kind
        """,
        index_columns=("slot_kind", "previous_partition"),
    )


def duplicate_keys_fact(table: str, key: Iterable[str]) -> Fact:
    """Natural keys of the partition that occur more than once in the whole table (in
    this partition or another), with up to five examples."""
    cols = ", ".join(_quote(k) for k in key)
    label = " || '|' || ".join(f"coalesce({_quote(k)}::varchar, '∅')" for k in key)
    return Fact(
        "duplicate_keys",
        f"""
        with here as (
            select distinct {cols} from {table} where _partition_key = $partition_key
        ),
        duplicated as (
            select
                {label} as natural_key,
                count(*) as occurrences,
                string_agg(distinct _partition_key, ', ' order by _partition_key) as partitions
            from {table}
            semi join here using ({cols})
            group by {cols}
            having count(*) > 1
        )
        select
            count(*) as duplicate_keys,
            coalesce(
                array_to_string(
                    (list(natural_key || ' x' || occurrences || ' in ' || partitions
                          order by natural_key))[1:5],
                    '; '
                ),
                ''
            ) as examples
        from duplicated
        """,
        index_columns=("examples",),
    )


def raw_suite(
    source: str,
    rules: Iterable[Rule],
    *,
    table_key: Iterable[str],
    min_row_ratio: float = 0.5,
    index_columns: Iterable[str] = (),
) -> Suite:
    """The suite of ``raw.<source>``: the spec's columns and Arrow types, the loader's
    metadata, the source's own rules, row count against the previous partition and the
    natural key's uniqueness across partitions."""
    spec = specs()[source]
    table = f"raw.{source}"
    table_key = tuple(table_key)
    schema = pa.schema([*spec.schema, *METADATA_SCHEMA])
    common = (
        columns_are(schema.names),
        Rule(
            "ExpectColumnPairValuesToBeEqual",
            {"column_A": "data_type", "column_B": "expected_type"},
            "error",
            SCHEMA,
            notes="every column has the Arrow type its source spec declares",
        ),
        *not_null(*LOADER_REQUIRED),
        between(
            "row_count_ratio",
            min_row_ratio,
            frame="previous_partition",
            notes=f"a partition with fewer than {min_row_ratio:.0%} of the rows of the "
            "previous one (same slot kind) is a truncated file until shown otherwise",
        ),
        between(
            "duplicate_keys",
            max_value=0,
            frame="duplicate_keys",
            notes="natural key " + " + ".join(table_key) + " unique in the whole table",
        ),
    )
    return Suite(
        name=f"raw_{source}",
        table=table,
        description=f"Raw {source} rows of one partition, as loaded from the landed files.",
        rules=(*common, *rules),
        partition_column=PARTITION_COLUMN,
        facts=(previous_partition_fact(table), duplicate_keys_fact(table, table_key)),
        index_columns=tuple(index_columns),
        column_types=tuple((f.name, arrow_type_name(f.type)) for f in schema),
    )


def _raw_suites() -> dict[str, Suite]:
    amount_columns = (
        "plan_ttg_bn_vnd",
        "plan_city_bn_vnd",
        "disbursed_in_period_bn_vnd",
        "disbursed_cumulative_bn_vnd",
    )
    disbursement = raw_suite(
        "disbursement",
        (
            *not_null(
                "report_month",
                "project_code",
                "project_name",
                "funding_source",
                "unit_name",
                "admin_unit_id",
                "as_of_date",
                "plan_year",
                *amount_columns,
            ),
            equal_columns("report_month", PARTITION_COLUMN),
            between("as_of_date", param("period_start"), param("period_end")),
            *each_between(amount_columns, 0, notes="amounts are never negative"),
            at_least("disbursed_cumulative_bn_vnd", "disbursed_in_period_bn_vnd", severity="warn"),
            # a January report holds two plan years (the previous one's extension month)
            unique("plan_year", "project_code"),
            matches("admin_unit_id", ADMIN_UNIT_ID),
        ),
        table_key=("report_month", "plan_year", "project_code"),
        # January carries two plan years, February one: about half the rows is normal
        min_row_ratio=0.3,
        index_columns=("plan_year", "project_code"),
    )
    budget = raw_suite(
        "budget",
        (
            *not_null(
                "budget_year",
                "report_period",
                "sheet_name",
                "unit_name",
                "admin_unit_id",
                "unit_scope",
                "execution_start_date",
                "execution_end_date",
                "budget_index",
                "outline_code",
                "line_path",
                "outline_level",
                "is_leaf",
                "item_name",
                "source_unit",
            ),
            between("budget_year", param("year"), param("year")),
            in_set("report_period", ["3T", "6T", "9T", "12T"]),
            in_set(
                "unit_scope",
                ["city_total", "city_agencies", "district", "former_districts", "commune"],
            ),
            in_set("budget_index", ["324/2016/TT-BTC", "130/2025/TT-BTC"]),
            between("outline_level", 0, 4),
            *(
                in_set(f"{m}_marker", ["", "-"])
                for m in ("estimate_superior", "estimate_council", "execution")
            ),
            *each_between(
                (
                    "estimate_superior_bn_vnd",
                    "estimate_council_bn_vnd",
                    "execution_cumulative_bn_vnd",
                ),
                0,
                severity="warn",
            ),
            *each_between(
                ("pct_of_superior_estimate", "pct_of_council_estimate"),
                0,
                1000,
                notes="rates are bounded, never capped: execution can pass 100%",
            ),
            unique("report_period", "sheet_name", "unit_name", "line_path"),
            matches("admin_unit_id", ADMIN_UNIT_ID),
        ),
        table_key=("_slot", "sheet_name", "unit_name", "line_path"),
        index_columns=("report_period", "sheet_name", "unit_name", "line_path"),
    )
    grdp = raw_suite(
        "grdp",
        (
            *not_null(
                "release_id",
                "price_basis",
                "year",
                "period",
                "sector_code",
                "sector_name",
                "value_bn_vnd",
            ),
            equal_columns("release_id", PARTITION_COLUMN),
            in_set("price_basis", ["current", "constant_2010"]),
            in_set("period", ["Q1", "6M", "9M", "12M"]),
            in_set("sector_code", ["TONG", "NLTS", "CNXD", "DV", "THUE"]),
            between("year", 2000, param("year")),
            between(
                "value_bn_vnd",
                0,
                severity="warn",
                notes="taxes less subsidies (THUE) could in principle be negative",
            ),
            between("published_growth_pct", -30, 30, severity="warn"),
            unique("price_basis", "year", "period", "sector_code"),
        ),
        table_key=("release_id", "price_basis", "year", "period", "sector_code"),
        # A Q1 release holds a quarter of the rows of the whole-year release before it.
        min_row_ratio=0.2,
        index_columns=("price_basis", "year", "period", "sector_code"),
    )
    procedures = raw_suite(
        "procedures",
        (
            *not_null(
                "receipt_month",
                "dossier_id",
                "procedure_code",
                "procedure_name",
                "desk_level",
                "receiving_unit_name",
                "admin_unit_id",
                "channel",
                "received_at",
                "due_at",
                "status",
                "supplement_requests",
                "supplement_wait_days",
                "is_fee_bearing",
                "is_paid_online",
                "is_digitised",
                "has_e_result",
                "extracted_at",
                "first_export_month",
            ),
            # A file of month M holds the dossiers received in M and later states of
            # dossiers received before M (mutable records: the latest state is kept).
            at_least(PARTITION_COLUMN, "receipt_month"),
            at_least(PARTITION_COLUMN, "first_export_month"),
            in_set("status", STATUSES),
            in_set("channel", [1, 2, 3]),
            in_set("desk_level", ["city", "district", "commune"]),
            between("received_at", max_value=param("period_end_at")),
            at_least("extracted_at", "received_at"),
            at_least("extracted_at", "finished_at"),
            at_least("extracted_at", "returned_at"),
            at_least("extracted_at", "ended_at"),
            at_least("due_at", "received_at"),
            at_least("finished_at", "received_at"),
            at_least("returned_at", "finished_at"),
            between("supplement_requests", 0, 50, severity="warn"),
            between("supplement_wait_days", 0, 365, severity="warn"),
            between("rating", 1, 5),
            unique("dossier_id"),
            matches("admin_unit_id", ADMIN_UNIT_ID),
        ),
        table_key=("dossier_id",),
        index_columns=("dossier_id",),
    )
    governance = raw_suite(
        "governance_indices",
        (
            *not_null(
                "index_year",
                "index_code",
                "scope",
                "unit_code",
                "unit_name",
                "rank",
                "ranked_units",
            ),
            between("index_year", param("year"), param("year")),
            in_set("index_code", ["PAR_INDEX", "SIPAS", "PAPI", "PCI", "DISTRICT_PAR_INDEX"]),
            in_set("scope", ["province", "district"]),
            between("score", 0, 100),
            between("rank", 1),
            # 63 provinces, 34 from 2025 (merger of 2025-07-01); 30 districts to 2024.
            in_set("ranked_units", [30, 34, 63]),
            at_least("ranked_units", "rank"),
            unique("index_code", "unit_code"),
        ),
        table_key=("index_year", "index_code", "unit_code"),
        index_columns=("index_code", "unit_code"),
    )
    return {s.name: s for s in (budget, disbursement, grdp, procedures, governance)}


def raw_checks_fact(sources: Iterable[str]) -> Fact:
    """Raw partitions of ``sources`` whose latest great-expectations validation (in
    ``audit.check_results``, written by the raw checks) failed or could not run. A mart
    built from such a partition is not published: the raw check stopped the load, but
    the rows are in the build database until a corrected file restates them."""
    tables = ", ".join(f"'raw.{s}'" for s in sources)
    return Fact(
        "raw_checks",
        f"""
        with gx as (
            select asset_key, partition_key, run_id, outcome, check_name, checked_at
            from audit.check_results
            where
                starts_with(suite, 'great_expectations:raw_')
                and asset_key in ({tables})
                and partition_key is not null
        ),
        latest as (
            select asset_key, partition_key, run_id
            from gx
            qualify row_number() over (
                partition by asset_key, partition_key order by checked_at desc
            ) = 1
        ),
        failing as (
            select
                gx.asset_key,
                gx.partition_key,
                string_agg(distinct gx.check_name, ', ' order by gx.check_name) as expectations
            from gx
            semi join latest using (asset_key, partition_key, run_id)
            where gx.outcome in ('fail', 'error')
            group by gx.asset_key, gx.partition_key
        )
        select
            count(*) as failing_raw_partitions,
            coalesce(
                string_agg(
                    asset_key || ' ' || partition_key || ': ' || expectations,
                    '; ' order by asset_key, partition_key
                ),
                ''
            ) as examples
        from failing
        """,
        index_columns=("examples",),
    )


RAW_CHECKS_RULE = between(
    "failing_raw_partitions",
    max_value=0,
    frame="raw_checks",
    notes="built only from raw partitions whose latest checks passed",
)


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


RAW_SUITES: dict[str, Suite] = _raw_suites()  # by suite name: raw_<source>
MART_SUITES: dict[str, Suite] = _mart_suites()  # by mart name


def raw_suite_for(source: str) -> Suite:
    return RAW_SUITES[f"raw_{source}"]


def all_suites() -> dict[str, Suite]:
    return {**RAW_SUITES, **MART_SUITES}
