"""The suite of each raw source table: the load boundary great-expectations guards.

Facts about one column (type, required, accepted values, hard bounds) come from the
source's column declaration (``SPEC.columns``, :mod:`sources.loading.columns`); what is
not a fact about one column (order between columns, uniqueness, ranges that depend on
the partition, soft ``warn`` bounds, patterns) is written here, per source.
"""

from __future__ import annotations

from collections.abc import Iterable

import pyarrow as pa

from quality.rules import (
    PARTITION_COLUMN,
    SCHEMA,
    Fact,
    Rule,
    Suite,
    arrow_type_name,
    at_least,
    between,
    columns_are,
    each_between,
    equal_columns,
    in_set,
    matches,
    not_null,
    param,
    unique,
)
from sources.loading.columns import Column
from sources.loading.ingest import METADATA_SCHEMA
from sources.loading.registry import specs
from sources.sql import quote_ident

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


def previous_partition_fact(table: str) -> Fact:
    """Rows of each partition of the run per slot kind (``-6T``, ``-province``; one kind
    for monthly sources) against the latest earlier partition with that kind: ratio null
    when there is none (GX then skips it)."""
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
            where _partition_key <= (select max(k) from unnest($partition_keys) as t (k))
            group by _partition_key, _slot
        ),
        current_counts as (
            select * from counts where partition_key in (select unnest($partition_keys))
        ),
        previous_counts as (
            select
                current_counts.partition_key,
                current_counts.slot_kind,
                counts.partition_key as previous_partition,
                counts.row_count as previous_row_count
            from current_counts
            inner join counts
                on counts.slot_kind = current_counts.slot_kind
                and counts.partition_key < current_counts.partition_key
            qualify row_number() over (
                partition by current_counts.partition_key, current_counts.slot_kind
                order by counts.partition_key desc
            ) = 1
        )
        select
            current_counts.partition_key,
            current_counts.slot_kind,
            current_counts.row_count,
            previous_counts.previous_partition,
            previous_counts.previous_row_count,
            current_counts.row_count / previous_counts.previous_row_count as row_count_ratio
        from current_counts
        left join previous_counts
            on current_counts.partition_key = previous_counts.partition_key
            and current_counts.slot_kind = previous_counts.slot_kind
        order by current_counts.partition_key, current_counts.slot_kind
        """,
        index_columns=("slot_kind", "previous_partition"),
    )


def duplicate_keys_fact(table: str, key: Iterable[str]) -> Fact:
    """Per partition of the run: natural keys of the partition that occur more than once
    in the whole table (in this partition or another), with up to five examples."""
    cols = ", ".join(quote_ident(k) for k in key)
    label = " || '|' || ".join(f"coalesce({quote_ident(k)}::varchar, '∅')" for k in key)
    return Fact(
        "duplicate_keys",
        f"""
        with run_partitions as (
            select unnest($partition_keys) as partition_key
        ),
        here as (
            select distinct _partition_key as partition_key, {cols}
            from {table}
            where _partition_key in (select partition_key from run_partitions)
        ),
        duplicated as (
            select
                {cols},
                {label} as natural_key,
                count(*) as occurrences,
                string_agg(distinct _partition_key, ', ' order by _partition_key) as partitions
            from {table}
            semi join here using ({cols})
            group by {cols}
            having count(*) > 1
        ),
        per_partition as (
            select
                here.partition_key,
                count(*) as duplicate_keys,
                (list(
                    duplicated.natural_key || ' x' || duplicated.occurrences || ' in '
                    || duplicated.partitions
                    order by duplicated.natural_key
                ))[1:5] as examples
            from here
            inner join duplicated using ({cols})
            group by here.partition_key
        )
        select
            run_partitions.partition_key,
            coalesce(per_partition.duplicate_keys, 0) as duplicate_keys,
            coalesce(array_to_string(per_partition.examples, '; '), '') as examples
        from run_partitions
        left join per_partition using (partition_key)
        order by run_partitions.partition_key
        """,
        index_columns=("examples",),
    )


def column_rules(columns: Iterable[Column]) -> tuple[Rule, ...]:
    """The rules a column declaration states: ``required`` -> not null, ``accepted`` -> in
    set, ``minimum``/``maximum`` -> between (all ``error``)."""
    cols = tuple(columns)
    return (
        *not_null(*(c.name for c in cols if c.required)),
        *(in_set(c.name, c.accepted) for c in cols if c.accepted is not None),
        *(
            between(c.name, c.minimum, c.maximum, notes=c.bounds_note)
            for c in cols
            if c.minimum is not None or c.maximum is not None
        ),
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
    metadata, the rules of the column declaration, the source's own rules, row count
    against the previous partition and the natural key's uniqueness across partitions."""
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
        *column_rules(spec.columns),
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
    disbursement = raw_suite(
        "disbursement",
        (
            equal_columns("report_month", PARTITION_COLUMN),
            between("as_of_date", param("period_start"), param("period_end")),
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
            between("budget_year", param("year"), param("year")),
            *each_between(
                (
                    "estimate_superior_bn_vnd",
                    "estimate_council_bn_vnd",
                    "execution_cumulative_bn_vnd",
                ),
                0,
                severity="warn",
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
            equal_columns("release_id", PARTITION_COLUMN),
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
            # A file of month M holds the dossiers received in M and later states of
            # dossiers received before M (mutable records: the latest state is kept).
            at_least(PARTITION_COLUMN, "receipt_month"),
            at_least(PARTITION_COLUMN, "first_export_month"),
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
            unique("dossier_id"),
            matches("admin_unit_id", ADMIN_UNIT_ID),
        ),
        table_key=("dossier_id",),
        index_columns=("dossier_id",),
    )
    governance = raw_suite(
        "governance_indices",
        (
            between("index_year", param("year"), param("year")),
            at_least("ranked_units", "rank"),
            unique("index_code", "unit_code"),
        ),
        table_key=("index_year", "index_code", "unit_code"),
        index_columns=("index_code", "unit_code"),
    )
    return {s.name: s for s in (budget, disbursement, grdp, procedures, governance)}


RAW_SUITES: dict[str, Suite] = _raw_suites()  # by suite name: raw_<source>


def raw_suite_for(source: str) -> Suite:
    return RAW_SUITES[f"raw_{source}"]
