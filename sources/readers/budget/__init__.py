"""Budget disclosure workbooks (Circular 343/2016/TT-BTC, form 93/CK-NSNN), one per report.

File ``cong_khai_ngan_sach_<YYYY>_<3T|6T|9T|12T>.xlsx``: the balance of revenue and
expenditure of one budget year, with the cumulative execution of January-March (``3T``),
January-June (``6T``), January-September (``9T``) or the (estimated) execution of the
whole year (``12T``); Circular 343 requires quarterly, half-year and year disclosure.
Partition: the year; slot ``<YYYY>-<nT>``, so the reports of a year never replace each
other (a later file for the same slot restates it).

Sheets and what they map to (the district level ended on 2025-06-30; the 126 communes
of the two-level government started on 2025-07-01; "the period end" is the last day the
report covers: 31 March, 30 June, 30 September or 31 December):

- ``Toàn thành phố``: the whole city, ``admin_unit_id`` ``01``, scope ``city_total``
  (required: a workbook without it fails whole);
- ``Khối thành phố``: the city level (city agencies), ``01``, scope ``city_agencies``;
- ``Cấp huyện ...`` (a title starting with "Cấp huyện"): the district budgets of the
  reform year as one whole, closed on 2025-06-30, ``01``, scope ``former_districts``,
  execution January-June. Only in a report of 2025 whose period ends after the reform;
  elsewhere its rows are rejected;
- ``Các xã, phường`` or any other sheet whose header groups its amount columns under
  unit names (``Phường Ba Đình`` | ``Xã Sóc Sơn`` ..., each over ``Dự toán cấp trên
  giao | Dự toán HĐND giao | Thực hiện 9 tháng``): one unit per column group (a wide
  sheet, amounts only: no % columns);
- any other sheet with the form's header: the unit named by the sheet title.

Units named by a sheet title or a column group: before the reform (period end until
2025-06-30) a district (``Hoàn Kiếm``, ``Q. Hoàn Kiếm`` ...), scope ``district``; after
it a commune (``Phường Ba Đình``), scope ``commune``; either mapped to the version valid
at the period end. A name that maps to no unit, or to several, or to a unit another part
already maps to, rejects every row of that part. After the reform a name written as a
district (``Quận Hoàn Kiếm``, ``Huyện Sóc Sơn``, or a bare name that is only a district)
is rejected with "no district level after 2025-06-30", even where a new commune bears
the same name (``Phường Hoàn Kiếm``): the district is not the ward. A post-reform
workbook has 3 or 4 sheets of 42 rows (the communes' wide sheet counts its 42 worksheet
rows), so a stray district sheet or column group is 20-25 % of its rows, far above the
1 % reject threshold: the file fails whole, nothing loads, the rejects stay on record
with the reason, and the publisher is asked for the file without it.

Sheets without the form's header (a cover or notes sheet) are skipped with a warning.

How a sheet is read (layout, lines, amounts): :mod:`sources.readers.budget.sheet`; the
form's vocabulary (report periods, budget indices, unit line, outline codes):
:mod:`sources.readers.budget.form`.

Raw table ``raw.budget`` (plus the loader's ``_`` columns): :data:`COLUMNS` declares each
column (type, required, accepted values, range, description) once. Natural key
(``sheet_name``, ``unit_name``, ``line_path``) within a slot.

Row-level rejects (``row_number`` is the worksheet row; ``column_name`` the header text,
on a wide sheet prefixed with the unit's group; the reason names the sheet and cell):
text, a date or TRUE/FALSE where a number belongs (``abc``, ``1.234,5`` stored as text;
``-`` and blank are fine), an outline code that fits no level (or is blank), a dotted
code under the wrong parent, a blank ``Nội dung``, an outline path that repeats within a
sheet, a sheet or column group that maps to no single unit. A worksheet row is one row
for the reject threshold, also on a wide sheet where it holds one line of every unit: a
bad cell rejects that unit's line and counts its row once.

Whole-file failures (:class:`SourceFileError`, message naming the file, sheet, row and
column): not a readable .xlsx, no ``Toàn thành phố`` sheet (or no recognisable sheet at
all), a header missing a required column (or a unit group missing one), no unit line or
an unknown unit, a title year or execution column that contradicts the file name, a
budget index that does not apply to the year.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata

import pyarrow as pa

from sources.formats.xlsxfile import arrow_result, title_key
from sources.loading.admin_units import LEGACY_VALID_TO, REFORM_DATE
from sources.loading.columns import Column, schema_of
from sources.loading.spec import (
    REJECT_SCHEMA,
    FileSlot,
    ReadContext,
    ReadResult,
    SourceSpec,
    year_slot,
)
from sources.loading.units import default_resolver
from sources.readers.budget.form import (
    CITY_AGENCIES_SHEET,
    CITY_SHEET,
    FORMER_DISTRICTS_PREFIX,
    INDEX_130,
    INDEX_324,
    PERIOD_MONTHS,
    period_end,
)
from sources.readers.budget.sheet import Part, Sheet, read_sheets

AMOUNT = pa.decimal128(24, 6)
PCT = pa.decimal128(9, 2)
UNIT_SCOPES = ("city_total", "city_agencies", "district", "former_districts", "commune")
MARKERS = ("", "-")  # blank, dash: why an amount is null
RATE_BOUNDS = "rates are bounded, never capped: execution can pass 100%"
# The raw columns of ``raw.budget``, declared once (sources/loading/columns.py).
COLUMNS = (
    Column("budget_year", pa.int32(), required=True,
           description="Budget year, from the file name."),
    Column("report_period", pa.string(), required=True, accepted=tuple(PERIOD_MONTHS),
           description="3T, 6T, 9T (cumulative execution to March, June, September) or 12T "
           "(estimated execution of the year)."),
    Column("sheet_name", pa.string(), required=True,
           description="Worksheet title as written (Toàn thành phố, Khối thành phố, a "
           "district, Các xã, phường)."),
    Column("unit_name", pa.string(), required=True,
           description="The unit as written, the sheet title or a wide sheet's column group "
           "(Phường Ba Đình)."),
    Column("admin_unit_id", pa.string(), required=True,
           description="'01' for the city sheets, the district's '01-xxx' or the commune's "
           "'01-xxxxx' valid at the report's period end."),
    Column("unit_scope", pa.string(), required=True, accepted=UNIT_SCOPES,
           description="city_total, city_agencies, district, former_districts or commune."),
    Column("execution_start_date", pa.date32(), required=True,
           description="First day the execution covers (1 January; 2025-07-01 for the "
           "communes of 2025)."),
    Column("execution_end_date", pa.date32(), required=True,
           description="Last day the execution covers (the period end; 2025-06-30 for "
           "former_districts)."),
    Column("budget_index", pa.string(), required=True, accepted=(INDEX_324, INDEX_130),
           description="Budget index (Mục lục NSNN) of the codes, 324/2016/TT-BTC or "
           "130/2025/TT-BTC."),
    Column("outline_code", pa.string(), required=True,
           description="Outline code of the line (STT) as text, e.g. A, I, 1, 1.1."),
    Column("line_path", pa.string(), required=True,
           description="Outline codes from the top of the branch, e.g. A/I/1/1.1."),
    Column("outline_level", pa.int32(), required=True, minimum=0, maximum=4,
           description="0 letter, 1 Roman numeral, 2 Arabic number, 3+ dotted number."),
    Column("is_leaf", pa.bool_(), required=True,
           description="True when no line sits below this one in the sheet's outline."),
    Column("item_name", pa.string(), required=True,
           description="Line label (Nội dung), NFC-normalised."),
    Column("budget_code", pa.string(),
           description="Mã số (Mục lục NSNN mục or loại code) as text; null when blank."),
    Column("estimate_superior_bn_vnd", AMOUNT,
           description="Annual estimate assigned by the superior level (Dự toán cấp trên "
           "giao), bn VND."),
    Column("estimate_council_bn_vnd", AMOUNT,
           description="Annual estimate approved by the People's Council (Dự toán HĐND giao), "
           "bn VND."),
    Column("execution_cumulative_bn_vnd", AMOUNT,
           description="Cumulative execution (Thực hiện <n> tháng / Ước thực hiện năm), bn "
           "VND."),
    Column("estimate_superior_marker", pa.string(), accepted=MARKERS,
           description="'-' (not applicable), '' (blank) or null when a number is present."),
    Column("estimate_council_marker", pa.string(), accepted=MARKERS,
           description="Idem for the council estimate."),
    Column("execution_marker", pa.string(), accepted=MARKERS,
           description="Idem for the execution."),
    Column("pct_of_superior_estimate", PCT, minimum=0, maximum=1000, bounds_note=RATE_BOUNDS,
           description="Published execution / superior estimate, percent (So sánh %)."),
    Column("pct_of_council_estimate", PCT, minimum=0, maximum=1000, bounds_note=RATE_BOUNDS,
           description="Published execution / council estimate, percent (So sánh %)."),
    Column("source_unit", pa.string(), required=True,
           description="Unit stated by the sheet (tỷ đồng, triệu đồng ...), before "
           "conversion."),
)  # fmt: skip
SCHEMA = schema_of(COLUMNS)
ROWS_SCHEMA = pa.schema(
    [*SCHEMA, ("_source_row_number", pa.int64()), ("_source_sheet", pa.string())]
)

NO_DISTRICT_LEVEL = f"no district level after {LEGACY_VALID_TO.isoformat()}"
_DISTRICT_PREFIXES = ("quận", "huyện", "thị xã", "q.", "h.", "tx.")
_COMMUNE_PREFIXES = ("phường", "xã", "thị trấn", "p.", "x.", "tt.")


def _written_level(name: str) -> str | None:
    """'district' or 'commune' when the name carries that type prefix, else None."""
    folded = " ".join(unicodedata.normalize("NFC", name).split()).casefold()
    for level, prefixes in (("district", _DISTRICT_PREFIXES), ("commune", _COMMUNE_PREFIXES)):
        for prefix in prefixes:
            if folded.startswith(prefix) and (
                prefix.endswith(".") or folded[len(prefix) : len(prefix) + 1] in ("", " ")
            ):
                return level
    return None


def _live(segments: list[dict], on: dt.date) -> tuple[str | None, str | None]:
    """(admin_unit_id, reason) of the segment covering ``on``."""
    for seg in segments:
        if seg["valid_from"] <= on <= seg["valid_to"]:
            return seg["admin_unit_id"], seg["reason"]
    return None, "no unit valid then"


def _resolve(part: Part, on: dt.date, what: str) -> None:
    """The district (before the reform) or commune (after) a sheet title or a column
    group names, valid on ``on``; or the reason it names none."""
    resolver = default_resolver()
    districts = resolver.segments("district", part.label, None)
    if on < REFORM_DATE:
        unit_id, reason = _live(districts, on)
        if unit_id is None:
            part.reason = f"the {what} names no single district on {on}: {reason}"
        else:
            part.admin_unit_id, part.scope = unit_id, "district"
        return
    commune_id, commune_reason = _live(resolver.segments("commune", part.label, None), on)
    written = _written_level(part.label)
    named_districts = sorted({s["admin_unit_id"] for s in districts if s["admin_unit_id"]})
    if written == "district" or (written is None and named_districts and commune_id is None):
        part.reason = (
            f"{NO_DISTRICT_LEVEL}: the {what} {part.label!r} names a district "
            f"({', '.join(named_districts) or 'unknown'}), and the report's period ends on {on}"
        )
    elif commune_id is None:
        part.reason = f"the {what} names no single commune on {on}: {commune_reason}"
    else:
        part.admin_unit_id, part.scope = commune_id, "commune"


def _map_parts(sheets: list[Sheet], year: int, period: str) -> None:
    """admin_unit_id, scope and execution dates of every part; unmapped parts reject
    all their lines."""
    end = period_end(year, period)
    year_start = dt.date(year, 1, 1)
    by_unit: dict[tuple[str, str], list[tuple[Sheet, Part]]] = {}
    for sheet in sheets:
        key = title_key(sheet.title)
        for part in sheet.columns.parts:
            part.starts, part.ends = year_start, end
            what = "column group" if sheet.columns.wide else "sheet title"
            if not sheet.columns.wide and key == title_key(CITY_SHEET):
                part.admin_unit_id, part.scope = "01", "city_total"
                continue
            if not sheet.columns.wide and key == title_key(CITY_AGENCIES_SHEET):
                part.admin_unit_id, part.scope = "01", "city_agencies"
                continue
            if not sheet.columns.wide and key.startswith(title_key(FORMER_DISTRICTS_PREFIX)):
                if year == REFORM_DATE.year and end >= REFORM_DATE:
                    part.admin_unit_id, part.scope = "01", "former_districts"
                    part.ends = LEGACY_VALID_TO
                elif end < REFORM_DATE:
                    part.reason = (
                        f"a {FORMER_DISTRICTS_PREFIX!r} sheet holds the district budgets closed "
                        f"on {LEGACY_VALID_TO}; until then each district has its own sheet"
                    )
                else:
                    part.reason = f"{NO_DISTRICT_LEVEL}: budget year {year} has no districts"
                continue
            _resolve(part, end, what)
            if part.scope == "commune":
                part.starts = max(year_start, REFORM_DATE)
            if part.admin_unit_id is not None:
                by_unit.setdefault((part.admin_unit_id, part.scope), []).append((sheet, part))
    for (unit, _), same in by_unit.items():
        if len(same) > 1:
            names = ", ".join(f"{p.label!r} (sheet {s.title!r})" for s, p in same)
            for _, part in same:
                part.reason = f"{names} all map to {unit}: which one is right?"
                part.admin_unit_id = None


def read(ctx: ReadContext) -> ReadResult:
    year = int(ctx.slot.partition_key)
    period = ctx.slot.detail["report_period"]
    sheets, warnings = read_sheets(ctx, year, period)
    _map_parts(sheets, year, period)
    out: dict[str, list] = {name: [] for name in ROWS_SCHEMA.names}
    rejects: dict[str, list] = {name: [] for name in REJECT_SCHEMA.names}
    rows_read = 0
    for sheet in sheets:
        for line in sheet.lines:
            rows_read += 1
            for column, value, reason in line.problems:  # the line itself: every part
                rejects["sheet"].append(sheet.title)
                rejects["row_number"].append(line.row)
                rejects["column_name"].append(column)
                rejects["value"].append(value)
                rejects["reason"].append(reason)
            if line.problems:
                continue
            for k, part in enumerate(sheet.columns.parts):
                if part.reason:
                    column = f"{part.label} (column group)" if sheet.columns.wide else "(sheet)"
                    problems = [(column, part.label, f"sheet {sheet.title!r}: {part.reason}")]
                else:
                    problems = line.part_problems[k]  # a wide sheet's header names the unit
                for column, value, reason in problems:
                    rejects["sheet"].append(sheet.title)
                    rejects["row_number"].append(line.row)
                    rejects["column_name"].append(column)
                    rejects["value"].append(value)
                    rejects["reason"].append(reason)
                if problems:
                    continue
                v, a = line.values, line.amounts[k]
                record = {
                    "budget_year": year,
                    "report_period": period,
                    "sheet_name": sheet.title,
                    "unit_name": part.label,
                    "admin_unit_id": part.admin_unit_id,
                    "unit_scope": part.scope,
                    "execution_start_date": part.starts,
                    "execution_end_date": part.ends,
                    "budget_index": sheet.index,
                    "outline_code": line.code,
                    "line_path": line.path,
                    "outline_level": line.level,
                    "is_leaf": not line.has_children,
                    "item_name": v["item_name"],
                    "budget_code": v["budget_code"],
                    "estimate_superior_bn_vnd": a["estimate_superior"],
                    "estimate_council_bn_vnd": a["estimate_council"],
                    "execution_cumulative_bn_vnd": a["execution"],
                    "estimate_superior_marker": a["estimate_superior_marker"],
                    "estimate_council_marker": a["estimate_council_marker"],
                    "execution_marker": a["execution_marker"],
                    "pct_of_superior_estimate": a["pct_superior"],
                    "pct_of_council_estimate": a["pct_council"],
                    "source_unit": sheet.unit,
                    "_source_row_number": line.row,
                    "_source_sheet": sheet.title,
                }
                for name, value in record.items():
                    out[name].append(value)
    return arrow_result(ctx.con, "budget", out, ROWS_SCHEMA, rejects, rows_read, warnings)


def _slot(m: re.Match[str]) -> FileSlot:
    year, period = int(m["year"]), m["period"]
    return year_slot(year, f"{year}-{period}", report_period=period)


SPEC = SourceSpec(
    name="budget",
    description=(
        "Budget disclosure (form 93/CK-NSNN): estimates under both bases and cumulative "
        "execution by outline line, for the city, the city level, each district (to "
        "2025-06-30) and each commune (from 2025-07-01), quarterly from 2025."
    ),
    group="budget",
    file_pattern=re.compile(r"cong_khai_ngan_sach_(?P<year>\d{4})_(?P<period>3T|6T|9T|12T)\.xlsx"),
    file_example="cong_khai_ngan_sach_2024_12T.xlsx",
    partitioning="year",
    cadence="quarterly",
    slot_of=_slot,
    reader=read,
    columns=COLUMNS,
    natural_key=("sheet_name", "unit_name", "line_path"),
    kinds=frozenset({"duckdb", "excel"}),
)
