"""Public-investment disbursement: monthly reports by project (.csv, vi-VN numbers).

File ``giai_ngan_YYYY-MM.csv`` (partition: the month). UTF-8 (BOM optional), ``;``
delimiter, vi-VN numbers ``1.234.567,8``, amounts in the unit their column names
state (``Kế hoạch vốn TTg giao (triệu đồng)``), converted to bn VND. One row per
project; the cumulative column restates the whole year to the as-of date.
"""

from __future__ import annotations

import re

import pyarrow as pa

from sources.csvfile import stage_text_file
from sources.spec import ReadContext, ReadResult, SourceSpec, month_slot
from sources.tabular import (
    check,
    dmy_date,
    good_rows,
    parse_rows,
    rejects_of,
    text,
    vi_amount,
)
from sources.units import resolve_units

COLUMNS = {
    "Mã dự án": "project_code",
    "Tên dự án": "project_name",
    "Chủ đầu tư": "investor",
    "Nguồn vốn": "funding_source",
    "Đơn vị": "unit_name",
    "Ngày số liệu": "as_of_date",
}
AMOUNTS = {
    "Kế hoạch vốn TTg giao": "plan_ttg_bn_vnd",
    "Kế hoạch vốn TP giao": "plan_city_bn_vnd",
    "Giải ngân trong kỳ": "disbursed_in_period_bn_vnd",
    "Lũy kế giải ngân từ đầu năm": "disbursed_cumulative_bn_vnd",
}
AMOUNT = pa.decimal128(24, 6)
SCHEMA = pa.schema(
    [
        ("report_month", pa.string()),
        ("project_code", pa.string()),
        ("project_name", pa.string()),
        ("investor", pa.string()),
        ("funding_source", pa.string()),
        ("unit_name", pa.string()),
        ("admin_unit_id", pa.string()),
        ("as_of_date", pa.date32()),
        ("plan_ttg_bn_vnd", AMOUNT),
        ("plan_city_bn_vnd", AMOUNT),
        ("disbursed_in_period_bn_vnd", AMOUNT),
        ("disbursed_cumulative_bn_vnd", AMOUNT),
    ]
)
_CITY = r"^(thanh pho|tp\.?)( ha noi)?$"


def read(ctx: ReadContext) -> ReadResult:
    staged = stage_text_file(ctx, delimiter=";", required=list(COLUMNS), amounts=tuple(AMOUNTS))
    fields = [text(col, name, required=name != "investor") for col, name in COLUMNS.items()]
    fields[list(COLUMNS.values()).index("as_of_date")] = dmy_date("Ngày số liệu", "as_of_date")
    for base, name in AMOUNTS.items():
        column, factor = staged.amounts[base]
        fields.append(vi_amount(column, name, factor))
    start, end = ctx.slot.period_start, ctx.slot.period_end
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
            )
        ],
    )
    units = resolve_units(
        ctx.con,
        parsed,
        level=(
            "case when regexp_matches(lower(strip_accents(replace(replace(unit_name, 'Đ', 'D'), "
            f"'đ', 'd'))), '{_CITY}') then 'city' else 'district' end"
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
    schema=SCHEMA,
    natural_key=("project_code",),
    kinds=frozenset({"duckdb", "csv"}),
)
