"""Public-investment disbursement: monthly reports by project (.csv, vi-VN numbers).

File ``giai_ngan_YYYY-MM.csv`` (partition and slot: the report month; a new file for the
month restates all its rows, of every plan year). UTF-8 (BOM optional), ``;``
delimiter, vi-VN numbers ``1.234.567,8``, amounts in the unit their column names
state (``Kế hoạch vốn TTg giao (triệu đồng)``), converted to bn VND. One row per project
and plan year; the cumulative column restates the plan year to the as-of date.

Plan year (``Năm kế hoạch``): capital of a plan year may be disbursed until 31 January
of the next year, so a January report holds the previous plan year (its extension
month) and the new one, and a project financed in both appears twice. The natural key
within a file is therefore (plan year, project code). Reports from 2025-01 (the current
layout) must have the column; in older reports it may be absent, and the plan year is
then the as-of date's year. A plan year that is not open on the as-of date (a 2024 row
in a March 2025 report) is a reject.

Raw columns (``raw.disbursement``): :data:`COLUMNS` declares each one (type, file column,
required, range, description) once.

Units (``Đơn vị``): ``Thành phố`` (the city's own investors) or, for as-of dates before
2025-07-01, a district; from 2025-07-01, when Hanoi has no districts, a commune-level
unit (its people's committee or project board is the investor). Names are resolved to
the unit version valid on the as-of date. From 2025-07-01 a row whose unit or investor
names a district (``Quận Hoàn Kiếm``, ``UBND huyện Ba Vì``, ``Q. Hoàn Kiếm``) is
rejected: "no district level after 2025-06-30" (28 of the 30 district names are also
the names of new communes, so such a row would otherwise land on the wrong unit).
"""

from __future__ import annotations

import datetime as dt
import re

import pyarrow as pa

from sources.formats.csvfile import stage_text_file
from sources.formats.tabular import (
    Field,
    check,
    dmy_date,
    good_rows,
    integer,
    parse_rows,
    rejects_of,
    text,
    vi_amount,
)
from sources.loading.admin_units import REFORM_DATE
from sources.loading.columns import Column, column, file_columns, schema_of
from sources.loading.spec import ReadContext, ReadResult, SourceSpec, month_slot
from sources.loading.units import resolve_units

AMOUNT = pa.decimal128(24, 6)
# The raw columns of ``raw.disbursement``, declared once (sources/loading/columns.py), with
# the file column each is read from (amounts: the header before its unit).
COLUMNS = (
    Column("report_month", pa.string(), required=True,
           description="Month of the report file (YYYY-MM), the load partition."),
    Column("project_code", pa.string(), required=True, file_column="Mã dự án",
           description="Project code (mã dự án), a string."),
    Column("project_name", pa.string(), required=True, file_column="Tên dự án",
           description="Project name (tên dự án)."),
    Column("investor", pa.string(), file_column="Chủ đầu tư",
           description="Investor (chủ đầu tư); may be blank."),
    Column("funding_source", pa.string(), required=True, file_column="Nguồn vốn",
           description="Funding source (nguồn vốn), e.g. Ngân sách thành phố, Vốn ODA."),
    Column("unit_name", pa.string(), required=True, file_column="Đơn vị",
           description="Reporting unit as written in the file: Thành phố, a district (before "
           "2025-07-01) or a commune-level unit (from 2025-07-01)."),
    Column("admin_unit_id", pa.string(), required=True,
           description="Unit resolved from unit_name at the as-of date: '01', a district "
           "'01-NNN' or a commune-level unit '01-NNNNN'."),
    Column("as_of_date", pa.date32(), required=True, file_column="Ngày số liệu",
           description="Date the figures are cut at (ngày số liệu)."),
    Column("plan_year", pa.int32(), required=True, file_column="Năm kế hoạch",
           description="Plan year of the row (năm kế hoạch), from 1 January to 31 January of "
           "the next year; the as-of date's year in reports before 2025, which have no such "
           "column."),
    Column("plan_ttg_bn_vnd", AMOUNT, required=True, minimum=0,
           bounds_note="amounts are never negative",
           file_column="Kế hoạch vốn TTg giao",
           description="Capital plan assigned by the Prime Minister (kế hoạch vốn TTg giao), "
           "bn VND."),
    Column("plan_city_bn_vnd", AMOUNT, required=True, minimum=0,
           bounds_note="amounts are never negative",
           file_column="Kế hoạch vốn TP giao",
           description="Capital plan assigned by the city (kế hoạch vốn TP giao), bn VND."),
    Column("disbursed_in_period_bn_vnd", AMOUNT, required=True, minimum=0,
           bounds_note="amounts are never negative",
           file_column="Giải ngân trong kỳ",
           description="Disbursed during the report period (giải ngân trong kỳ), bn VND."),
    Column("disbursed_cumulative_bn_vnd", AMOUNT, required=True, minimum=0,
           bounds_note="amounts are never negative",
           file_column="Lũy kế giải ngân từ đầu năm",
           description="Disbursed since the start of the plan year to the as-of date (lũy kế), "
           "bn VND."),
)  # fmt: skip
SCHEMA = schema_of(COLUMNS)
PLAN_YEAR = column(COLUMNS, "plan_year").file_column
# File column -> raw column: amounts (their header before the unit), then the other
# columns every layout has (the plan year is required from 2025-01 only).
AMOUNTS = {c.file_column: c.name for c in COLUMNS if c.type == AMOUNT}
TEXT_COLUMNS = {
    f: n for f, n in file_columns(COLUMNS).items() if f != PLAN_YEAR and n not in AMOUNTS.values()
}
PLAN_YEAR_REQUIRED_FROM = dt.date(2025, 1, 1)  # the current layout: reports from 2025-01
_CITY = r"^(thanh pho|tp\.?)( ha noi)?$"
_LAST_DISTRICT_DAY = REFORM_DATE - dt.timedelta(days=1)
NO_DISTRICT_LEVEL = f"no district level after {_LAST_DISTRICT_DAY}"
# A district named in a unit or an investor: the type word (lower-cased NFC text: quận,
# huyện, thị xã) or its abbreviation (Q., H., TX.) before a name.
_DISTRICT_WORD = (
    r"(^|[^\p{L}])(quận|huyện|thị xã)\s+\p{L}"
    r"|(^|[^\p{L}])(q|h|tx)\.\s*\p{L}"
)


def _names_district(column: str) -> str:
    return f"coalesce(regexp_matches(lower({column}), '{_DISTRICT_WORD}'), false)"


def read(ctx: ReadContext) -> ReadResult:
    start, end = ctx.slot.period_start, ctx.slot.period_end
    current_layout = start >= PLAN_YEAR_REQUIRED_FROM
    required = [*TEXT_COLUMNS, PLAN_YEAR] if current_layout else list(TEXT_COLUMNS)
    staged = stage_text_file(
        ctx,
        delimiter=";",
        required=required,
        optional=() if current_layout else (PLAN_YEAR,),
        amounts=tuple(AMOUNTS),
    )
    fields = [text(col, name, required=name != "investor") for col, name in TEXT_COLUMNS.items()]
    fields[list(TEXT_COLUMNS.values()).index("as_of_date")] = dmy_date("Ngày số liệu", "as_of_date")
    if PLAN_YEAR in staged.header:
        fields.append(integer(PLAN_YEAR, "plan_year", low=1900, high=2999, sql_type="integer"))
    else:  # the older layout: one plan year, the as-of date's
        fields.append(
            Field(
                "plan_year",
                """year(try_strptime(nullif(trim("Ngày số liệu"), ''), '%d/%m/%Y'))::integer""",
                column="Ngày số liệu",
            )
        )
    for base, name in AMOUNTS.items():
        column, factor = staged.amounts[base]
        fields.append(vi_amount(column, name, factor))
    reform = f"date '{REFORM_DATE}'"
    after_reform = f"as_of_date is not null and as_of_date >= {reform}"
    parsed, _ = parse_rows(
        ctx.con,
        "_text",
        fields,
        checks=[
            check(
                "in_partition",
                f"as_of_date is null or as_of_date between date '{start}' and date '{end}'",
                f"'as-of date outside the file''s month {ctx.slot.partition_key}'",
                column="Ngày số liệu",
            ),
            check(
                "plan_year_open",
                "plan_year is null or as_of_date is null or plan_year = year(as_of_date) "
                "or (plan_year = year(as_of_date) - 1 and month(as_of_date) = 1)",
                "'plan year ' || plan_year || ' is not open on ' || "
                "strftime(as_of_date, '%d/%m/%Y') || ' (a plan year runs from 1 January "
                "to 31 January of the next year)'",
                column=PLAN_YEAR,
                value="plan_year::varchar",
            ),
            check(
                "unit_not_a_district",
                f"not ({after_reform} and {_names_district('unit_name')})",
                f"'{NO_DISTRICT_LEVEL}'",
                column="Đơn vị",
            ),
            check(
                "investor_not_a_district",
                f"not ({after_reform} and {_names_district('investor')})",
                f"'{NO_DISTRICT_LEVEL}'",
                column="Chủ đầu tư",
            ),
        ],
    )
    units = resolve_units(
        ctx.con,
        parsed,
        level=(
            "case when regexp_matches(lower(strip_accents(replace(replace(unit_name, 'Đ', 'D'), "
            f"'đ', 'd'))), '{_CITY}') then 'city' "
            f"when coalesce(as_of_date, date '{end}') >= {reform} then 'commune' "
            "else 'district' end"
        ),
        name="unit_name",
        district=None,
        on_date=f"coalesce(as_of_date, date '{end}')",
        column="Đơn vị",
    )
    rows = good_rows(ctx.con, units, [n for n in SCHEMA.names if n != "report_month"])
    rows = rows.select(f"'{ctx.slot.partition_key}' as report_month, *")
    rejects = rejects_of(ctx.con, units)
    return ReadResult(rows, rejects, staged.rows, staged.warnings)


SPEC = SourceSpec(
    name="disbursement",
    description="Monthly public-investment disbursement by project (plans under both bases).",
    group="disbursement",
    file_pattern=re.compile(r"giai_ngan_(?P<year>\d{4})-(?P<month>\d{2})\.csv"),
    file_example="giai_ngan_2024-01.csv",
    partitioning="month",
    cadence="monthly",
    slot_of=lambda m: month_slot(int(m["year"]), int(m["month"])),
    reader=read,
    columns=COLUMNS,
    natural_key=("plan_year", "project_code"),
    kinds=frozenset({"duckdb", "csv"}),
)
