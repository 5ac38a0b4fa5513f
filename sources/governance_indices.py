"""Yearly governance indices: PAR INDEX, SIPAS, PAPI, PCI and the city's district PAR index.

Two files per year (partition: the year), both UTF-8 CSV with ``,`` and ``.`` decimals:

- ``chi_so_cap_tinh_<YYYY>.csv``: one row per (index, province): ``chi_so`` (PAR_INDEX,
  SIPAS, PAPI, PCI), ``nam``, ``ma_tinh`` (2-digit code), ``tinh_thanh``, ``diem``
  (blank where the publisher gives no score: PCI beyond rank 30 from 2023),
  ``xep_hang``, ``so_don_vi_xep_hang``;
- ``par_index_quan_huyen_<YYYY>.csv``: the city's own PAR index of its districts:
  ``ma_quan_huyen`` (3-digit code), ``ten_don_vi``, ``diem``, ``xep_hang`` (of 30).

Raw table ``raw.governance_indices``: one row per (index, unit). Hanoi's province rows
and the district rows carry ``admin_unit_id``; a district's code must agree with its
name, else the row is rejected.
"""

from __future__ import annotations

import re

import pyarrow as pa

from sources.csvfile import stage_text_file
from sources.spec import FileSlot, ReadContext, ReadResult, SourceSpec, year_slot
from sources.tabular import Field, check, decimal, good_rows, integer, parse_rows, rejects_of, text
from sources.units import resolve_units

PROVINCE_INDICES = ("PAR_INDEX", "SIPAS", "PAPI", "PCI")
DISTRICT_INDEX = "DISTRICT_PAR_INDEX"
HANOI = "01"
SCHEMA = pa.schema(
    [
        ("index_year", pa.int32()),
        ("index_code", pa.string()),
        ("scope", pa.string()),
        ("unit_code", pa.string()),
        ("unit_name", pa.string()),
        ("admin_unit_id", pa.string()),
        ("score", pa.decimal128(18, 6)),
        ("rank", pa.int32()),
        ("ranked_units", pa.int32()),
    ]
)
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
_PATTERN = re.compile(r"(?P<kind>chi_so_cap_tinh|par_index_quan_huyen)_(?P<year>\d{4})\.csv")


def _slot(m: re.Match[str]) -> FileSlot:
    scope = "province" if m["kind"] == "chi_so_cap_tinh" else "district"
    return year_slot(int(m["year"]), f"{m['year']}-{scope}", scope=scope)


def _rank_fields(ranked: str) -> list[Field]:
    return [
        decimal("diem", "score", required=False),
        integer("xep_hang", "rank", low=1),
        check(
            "rank_within",
            f"rank is null or rank <= ({ranked})",
            f"'rank beyond the ' || ({ranked})::varchar || ' ranked units'",
            column="xep_hang",
        ),
    ]


def read(ctx: ReadContext) -> ReadResult:
    year = int(ctx.slot.partition_key)
    scope = ctx.slot.detail["scope"]
    on_date = f"date '{ctx.slot.period_end}'"
    if scope == "province":
        staged = stage_text_file(ctx, delimiter=",", required=PROVINCE_COLUMNS)
        fields = [
            text("chi_so", "index_code"),
            integer("nam", "_year", low=year, high=year),
            text("ma_tinh", "unit_code"),
            text("tinh_thanh", "unit_name"),
            integer("so_don_vi_xep_hang", "ranked_units", low=1),
        ]
        rank_fields = _rank_fields("ranked_units")
        fields.append(rank_fields[0])
        fields.append(rank_fields[1])
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
        ]
        parsed, _ = parse_rows(ctx.con, "_text", fields, checks=checks)
        ctx.con.execute(
            f"""
            create or replace temp table _indices as
            select *, '{scope}' as scope, {year}::integer as index_year,
                case when unit_code = '{HANOI}' then '{HANOI}' end as admin_unit_id
            from {parsed}
            """
        )
        table = "_indices"
    else:
        staged = stage_text_file(ctx, delimiter=",", required=DISTRICT_COLUMNS)
        rank_fields = _rank_fields("30")
        fields = [
            text("ma_quan_huyen", "unit_code"),
            text("ten_don_vi", "unit_name"),
            rank_fields[0],
            rank_fields[1],
        ]
        parsed, _ = parse_rows(ctx.con, "_text", fields, checks=[rank_fields[2]])
        units = resolve_units(
            ctx.con, parsed, level="'district'", name="unit_name", district=None,
            on_date=on_date, column="ten_don_vi",
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
                '{DISTRICT_INDEX}' as index_code, '{scope}' as scope,
                {year}::integer as index_year, 30::integer as ranked_units
            from {units}
            """
        )
        table = "_indices"
    rows = good_rows(ctx.con, table, SCHEMA.names)
    return ReadResult(rows, rejects_of(ctx.con, table), staged.rows, staged.warnings)


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
    schema=SCHEMA,
    natural_key=("index_code", "unit_code"),
    kinds=frozenset({"duckdb", "csv"}),
)
