"""Yearly governance indices: PAR INDEX, SIPAS, PAPI, PCI and the city's district PAR index.

Two files per year (partition: the year), both UTF-8 CSV with ``,`` and ``.`` decimals:

- ``chi_so_cap_tinh_<YYYY>.csv``: one row per (index, province): ``chi_so`` (PAR_INDEX,
  SIPAS, PAPI, PCI), ``nam``, ``ma_tinh`` (2-digit code), ``tinh_thanh``, ``diem``
  (blank where the publisher gives no score: PCI beyond rank 30 from 2023),
  ``xep_hang``, ``so_don_vi_xep_hang``, and optionally ``nguon`` (where the values
  come from: the sample's 2025 table says ``tổng hợp (số liệu mẫu)``, synthetic);
- ``par_index_quan_huyen_<YYYY>.csv``: the city's own PAR index of its districts:
  ``ma_quan_huyen`` (3-digit code), ``ten_don_vi``, ``diem``, ``xep_hang`` (of 30), and
  optionally ``nguon``.

The year is the year the index scores; it is published the year after (the 2025
indices in 2026), so nothing scores 2026 yet.

Provinces merged on 2025-07-01 (63 -> 34): a table of a year before 2025 ranks the 63
provinces, from 2025 on the 34 (the units of ``vietnamadminunits``' data, read as
:mod:`sources.loading.admin_units` reads it). A row whose ``so_don_vi_xep_hang`` is not the
year's count (a 2025 table of 63 is rejected row by row: "ranks of 34 after the merger
of provinces on 2025-07-01"), whose rank exceeds it, or whose province code is not a
province of that year is rejected. The district level ends on 2025-06-30: the city
scored its districts for 2024 (published early 2025) and there is no district table
for 2025 on; such rows are rejected with "no district level after 2025-06-30".

Raw table ``raw.governance_indices``: one row per (index, unit). Hanoi's province rows
and the district rows carry ``admin_unit_id``; a district's code must agree with its
name, else the row is rejected. ``source_note`` keeps ``nguon`` (null when the file has
no such column). :data:`COLUMNS` declares each raw column (type, required, accepted
values, range, description) once.
"""

from __future__ import annotations

import functools
import re
import sqlite3

import pyarrow as pa

from sources.formats.csvfile import stage_text_file
from sources.formats.tabular import (
    Field,
    check,
    decimal,
    good_rows,
    integer,
    parse_rows,
    rejects_of,
    text,
)
from sources.loading.admin_units import legacy_provinces, package_data_dir
from sources.loading.columns import Column, schema_of
from sources.loading.spec import FileSlot, ReadContext, ReadResult, SourceSpec, year_slot
from sources.loading.units import resolve_units
from sources.sql import sql_literal

PROVINCE_INDICES = ("PAR_INDEX", "SIPAS", "PAPI", "PCI")
DISTRICT_INDEX = "DISTRICT_PAR_INDEX"
HANOI = "01"
MERGER_YEAR = 2025  # provinces merged 63 -> 34 on 2025-07-01: from the 2025 indices on
LAST_DISTRICT_YEAR = 2024  # no district level after 2025-06-30
DISTRICTS_RANKED = 30
NO_DISTRICTS = "no district level after 2025-06-30"
# The raw columns of ``raw.governance_indices``, declared once (sources/loading/columns.py).
COLUMNS = (
    Column("index_year", pa.int32(), required=True, description="Year the index scores."),
    Column("index_code", pa.string(), required=True,
           accepted=(*PROVINCE_INDICES, DISTRICT_INDEX),
           description="PAR_INDEX, SIPAS, PAPI, PCI or DISTRICT_PAR_INDEX."),
    Column("scope", pa.string(), required=True, accepted=("province", "district"),
           description="province (ranked among provinces) or district (Hanoi's 30 units)."),
    Column("unit_code", pa.string(), required=True,
           description="2-digit province code or 3-digit district code, a string."),
    Column("unit_name", pa.string(), required=True, description="Unit name as published."),
    Column("admin_unit_id", pa.string(),
           description="Unit key for Hanoi ('01') and its districts ('01-NNN'); null for other "
           "provinces."),
    Column("score", pa.decimal128(18, 6), minimum=0, maximum=100,
           description="Published score; null where the publisher gives none (PCI beyond rank "
           "30 from 2023)."),
    Column("rank", pa.int32(), required=True, minimum=1,
           description="Published rank (ties share a rank)."),
    # 63 provinces, 34 from 2025 (merger of 2025-07-01); 30 districts to 2024.
    Column("ranked_units", pa.int32(), required=True, accepted=(DISTRICTS_RANKED, 34, 63),
           description="Number of units ranked (63 provinces before 2025, 34 from 2025; 30 "
           "districts)."),
    Column("source_note", pa.string(),
           description="Column nguon of the file (where the values come from); null when "
           "absent."),
)  # fmt: skip
SCHEMA = schema_of(COLUMNS)
PROVINCE_COLUMNS = [
    "chi_so",
    "nam",
    "ma_tinh",
    "tinh_thanh",
    "diem",
    "xep_hang",
    "so_don_vi_xep_hang",
]
DISTRICT_COLUMNS = ["ma_quan_huyen", "ten_don_vi", "diem", "xep_hang"]
NOTE_COLUMN = "nguon"
_PATTERN = re.compile(r"(?P<kind>chi_so_cap_tinh|par_index_quan_huyen)_(?P<year>\d{4})\.csv")


def _slot(m: re.Match[str]) -> FileSlot:
    scope = "province" if m["kind"] == "chi_so_cap_tinh" else "district"
    return year_slot(int(m["year"]), f"{m['year']}-{scope}", scope=scope)


@functools.cache
def _current_provinces() -> tuple[tuple[str, str], ...]:
    uri = f"file:{package_data_dir() / 'dataset.db'}?mode=ro"
    with sqlite3.connect(uri, uri=True) as conn:
        rows = conn.execute(
            "select distinct provinceCode, province from admin_units order by provinceCode"
        ).fetchall()
    return tuple((str(code), str(name)) for code, name in rows)


def provinces_of_year(year: int) -> list[tuple[str, str]]:
    """(code, name) of the provinces an index of ``year`` ranks: the 63 before the merger
    of 2025-07-01, the 34 from 2025 on (``vietnamadminunits``' legacy and current units)."""
    return list(_current_provinces()) if year >= MERGER_YEAR else legacy_provinces()


def _rank_fields(ranked: int) -> list[Field]:
    return [
        decimal("diem", "score", required=False),
        integer("xep_hang", "rank", low=1),
        check(
            "rank_within",
            f"rank is null or rank <= {ranked}",
            f"'rank beyond the {ranked} ranked units'",
            column="xep_hang",
        ),
    ]


def _note_field(header: list[str]) -> Field:
    if NOTE_COLUMN in header:
        return text(NOTE_COLUMN, "source_note", required=False)
    return Field("source_note", "null::varchar", column=NOTE_COLUMN, value="null")


def _ranked_units_field(year: int, ranked: int) -> Field:
    era = (
        f"ranks of {ranked} after the merger of provinces on 2025-07-01"
        if year >= MERGER_YEAR
        else f"ranks of {ranked} before the merger of provinces on 2025-07-01"
    )
    return integer(
        "so_don_vi_xep_hang",
        "ranked_units",
        low=ranked,
        high=ranked,
        reason=f"{era}: an index of {year} ranks {ranked} provinces",
    )


def _read_provinces(ctx: ReadContext, year: int) -> tuple[str, list[str], int]:
    staged = stage_text_file(ctx, delimiter=",", required=PROVINCE_COLUMNS, optional=(NOTE_COLUMN,))
    provinces = provinces_of_year(year)
    ranked = len(provinces)
    codes = ", ".join(sql_literal(code) for code, _ in provinces)
    era = "after the merger of 2025-07-01" if year >= MERGER_YEAR else "before 2025-07-01"
    rank_fields = _rank_fields(ranked)
    fields = [
        text("chi_so", "index_code"),
        integer("nam", "_year", low=year, high=year),
        text("ma_tinh", "unit_code"),
        text("tinh_thanh", "unit_name"),
        _ranked_units_field(year, ranked),
        rank_fields[0],
        rank_fields[1],
        _note_field(staged.header),
    ]
    checks = [
        rank_fields[2],
        check(
            "index",
            f"index_code is null or index_code in {PROVINCE_INDICES}",
            f"'unknown index (expected one of {', '.join(PROVINCE_INDICES)})'",
            column="chi_so",
        ),
        check(
            "code",
            "unit_code is null or regexp_full_match(unit_code, '[0-9]{2}')",
            "'province code must be 2 digits'",
            column="ma_tinh",
        ),
        check(
            "province",
            f"unit_code is null or not regexp_full_match(unit_code, '[0-9]{{2}}') "
            f"or unit_code in ({codes})",
            f"'no province ' || unit_code || ' {era} ({ranked} provinces)'",
            column="ma_tinh",
        ),
    ]
    parsed, _ = parse_rows(ctx.con, "_text", fields, checks=checks)
    ctx.con.execute(
        f"""
        create or replace temp table _indices as
        select *, 'province' as scope, {year}::integer as index_year,
            case when unit_code = '{HANOI}' then '{HANOI}' end as admin_unit_id
        from {parsed}
        """
    )
    return "_indices", staged.warnings, staged.rows


def _read_districts(ctx: ReadContext, year: int) -> tuple[str, list[str], int]:
    staged = stage_text_file(ctx, delimiter=",", required=DISTRICT_COLUMNS, optional=(NOTE_COLUMN,))
    rank_fields = _rank_fields(DISTRICTS_RANKED)
    fields = [
        text("ma_quan_huyen", "unit_code"),
        text("ten_don_vi", "unit_name"),
        rank_fields[0],
        rank_fields[1],
        _note_field(staged.header),
    ]
    checks = [rank_fields[2]]
    if year > LAST_DISTRICT_YEAR:
        checks.insert(
            0,
            check(
                "district_level",
                "false",
                f"'{NO_DISTRICTS}: the district PAR index ends with {LAST_DISTRICT_YEAR}'",
                column="ma_quan_huyen",
            ),
        )
    parsed, _ = parse_rows(ctx.con, "_text", fields, checks=checks)
    units = resolve_units(
        ctx.con, parsed, level="'district'", name="unit_name", district=None,
        on_date=f"date '{ctx.slot.period_end}'", column="ten_don_vi",
    )  # fmt: skip
    ctx.con.execute(
        f"""
        create or replace temp table _indices as
        select * replace (
                case when admin_unit_id is not null and admin_unit_id <> '01-' || unit_code
                    then list_append(_problems, {{
                        'c': 'ma_quan_huyen', 'v': unit_code,
                        'r': 'code does not match ' || unit_name || ' (' || admin_unit_id || ')'
                    }})
                    else _problems end as _problems),
            '{DISTRICT_INDEX}' as index_code, 'district' as scope,
            {year}::integer as index_year, {DISTRICTS_RANKED}::integer as ranked_units
        from {units}
        """
    )
    return "_indices", staged.warnings, staged.rows


def read(ctx: ReadContext) -> ReadResult:
    year = int(ctx.slot.partition_key)
    if ctx.slot.detail["scope"] == "province":
        table, warnings, rows_read = _read_provinces(ctx, year)
    else:
        table, warnings, rows_read = _read_districts(ctx, year)
    rows = good_rows(ctx.con, table, SCHEMA.names)
    return ReadResult(rows, rejects_of(ctx.con, table), rows_read, warnings)


SPEC = SourceSpec(
    name="governance_indices",
    description="Yearly PAR INDEX, SIPAS, PAPI, PCI of the provinces and the district PAR index.",
    group="governance_indices",
    file_pattern=_PATTERN,
    file_example="chi_so_cap_tinh_2024.csv or par_index_quan_huyen_2024.csv",
    partitioning="year",
    cadence="yearly",
    slot_of=_slot,
    reader=read,
    columns=COLUMNS,
    natural_key=("index_code", "unit_code"),
    kinds=frozenset({"duckdb", "csv"}),
)
