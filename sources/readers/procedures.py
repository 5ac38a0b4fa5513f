"""Procedure throughput: one row per dossier (hồ sơ), in its latest extracted state.

Dossiers are mutable records: a dossier received in March may finish in May. Every row
carries the time its state was extracted from the case system, and the loader
(:func:`sources.loading.ingest.ingest_file`, mutable mode because the schema has
``extracted_at``) keeps the newest extraction of each dossier across files: a later
state replaces the loaded one (which moves to ``raw.procedures__history``); an older
one is skipped and noted in ``raw.procedures__rejects`` ("older extraction (...) than
the loaded state (...): kept the newer"), counted in the load's warnings.

Files (partition: the receipt month in the name), both read into the same raw schema:

- ``ho_so_YYYY-MM.csv``: the case system's monthly export (format documented in
  :mod:`sources.sample.procedures`): the dossiers received in that month, plus later
  states of dossiers received before it; UTF-8 (BOM optional), ``,`` delimiter, text in
  double quotes, timestamps ``dd/MM/yyyy HH:mm:ss`` in local time (Asia/Ho_Chi_Minh).
  The extraction time is the column ``thoi_diem_trich_xuat``. A legacy encoding
  (``cp1258``, ``tcvn3``) must be declared on the spec.
- ``ho_so_YYYY-MM_YYYYMMDDTHHMM.csv``: a re-extraction of that receipt month taken at
  the time in the name (same partition and slot). The column may then be left out
  (the name's time applies) or blank; when given it must equal the name's time.
- ``ho_so_YYYY-MM.jsonl`` (or with the time in the name): the same records fetched from
  the case system's API by :func:`sources.loading.http.fetch_month`, one JSON object per line
  (always UTF-8), with the CSV's field names and each page's ``extracted_at`` as
  ``thoi_diem_trich_xuat``; timestamps ISO 8601 with an offset
  (``2024-01-31T08:00:00+07:00`` or ``...Z``), converted to local time. Integers are
  JSON numbers (or numeric strings).

Both are read by DuckDB with every column as text (``read_csv`` / ``read_json`` with
explicit columns) and parsed in SQL: a month of millions of dossiers never becomes
Python objects.

Raw columns (``raw.procedures``): :data:`COLUMNS` declares each one (type, file column,
required, accepted values, range, description) once. ``receipt_month`` is derived from the
received date, ``admin_unit_id`` from the receiving unit's name (the unit valid on the
received date), ``first_export_month`` by the loader (the least receipt month of the files
that delivered the dossier). Status and channel codes outside their vocabularies
(:data:`STATUSES`, :data:`CHANNELS`) load and fail the checks downstream.

Timestamps are ``TIMESTAMP`` (no zone) holding local time of Asia/Ho_Chi_Minh (UTC+07:00
all year, no daylight saving), as the desks and the CSV export state them; JSON
instants with another offset are converted to that local time.

Names: a commune desk written as its Public Administrative Service Centre (``Trung tâm
Phục vụ hành chính công phường Ba Đình``) is matched by the commune's name.

Row-level rejects (``raw.procedures__rejects``, the rest of the file loads): blank
required values; timestamps that do not parse (CSV ``dd/MM/yyyy HH:mm:ss``; JSON ISO
8601 with offset); a received date after the file's month (dates outside the
partition); a received, finished, returned or end time after the extraction time; an
extraction time other than the file name's; an unknown level; flags other than 0/1;
integers that are not whole numbers in range; impossible time order (finished, ended or
due before received, returned before finished); a receiving unit or district name that
maps to no unit valid on the received date, or to several (a district named after
2025-06-30: "no district level after 2025-06-30"; a pre-reform ward after it: the
reason names the unit(s) it went to, :mod:`sources.loading.units`); a district-desk row whose
``quan_huyen`` is another district than its receiving unit. Repeated dossier ids are
rejected (all occurrences) by :func:`sources.loading.ingest.ingest_file`. Names are
NFC-normalised before matching, so NFD-written names load.

Whole-file failures (:class:`~sources.loading.spec.SourceFileError`, nothing loads): empty or
truncated files, bytes that are not UTF-8 (or the declared encoding), a missing column
(``thoi_diem_trich_xuat`` is required unless the name carries the time; extra columns
only warn), a header without rows, a CSV row with a wrong field count, malformed JSON, a
JSON lines file with blank lines or records spread over several lines, and a rejected
share above the spec's threshold (1%). (A JSON line that is valid JSON but not an object
reads as a row of nulls, rejected for its blank required values.)
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import logging
import re
import time
from pathlib import Path

import duckdb
import pyarrow as pa

from sources.formats.csvfile import (
    check_columns,
    check_text_file,
    count_line_breaks,
    stage_text_file,
)
from sources.formats.tabular import Field, check, good_rows, integer, parse_rows, rejects_of, text
from sources.loading.columns import Column, file_columns, schema_of
from sources.loading.spec import (
    FileSlot,
    ReadContext,
    ReadResult,
    SourceFileError,
    SourceSpec,
    month_slot,
)
from sources.loading.units import map_units_sql, resolve_units
from sources.sql import quote_ident, sql_literal

log = logging.getLogger(__name__)

STATUSES = (
    "DA_TIEP_NHAN",
    "DANG_XU_LY",
    "YEU_CAU_BO_SUNG",
    "DA_HOAN_THANH",
    "DA_TRA_KET_QUA",
    "TU_CHOI",
    "DUNG_XU_LY",
    "CONG_DAN_RUT",
)
CHANNELS = (1, 2, 3)  # 1 direct at the desk, 2 online, 3 postal
DESK_LEVELS = ("city", "district", "commune")
_TS = pa.timestamp("us")
# The raw columns of ``raw.procedures``, declared once (sources/loading/columns.py); the
# file columns of the CSV/JSON export are in file order.
COLUMNS = (
    Column("receipt_month", pa.string(), required=True,
           description="Month of receipt of the dossier (YYYY-MM)."),
    Column("dossier_id", pa.string(), required=True, file_column="ma_ho_so",
           description="Dossier id (mã hồ sơ), the natural key."),
    Column("procedure_code", pa.string(), required=True, file_column="ma_tthc",
           description="Procedure code (mã TTHC, e.g. 1.004227), a string."),
    Column("procedure_name", pa.string(), required=True, file_column="ten_tthc",
           description="Procedure name (tên TTHC)."),
    Column("procedure_field", pa.string(), file_column="linh_vuc",
           description="Field of the procedure (lĩnh vực)."),
    Column("desk_level", pa.string(), required=True, accepted=DESK_LEVELS,
           file_column="cap_thuc_hien",
           description="Level of the receiving desk (cấp thực hiện) - city, district or commune."),
    Column("receiving_unit_name", pa.string(), required=True, file_column="don_vi_tiep_nhan",
           description="Receiving unit (đơn vị tiếp nhận) as written."),
    Column("district_name", pa.string(), file_column="quan_huyen",
           description="District of the receiving unit (quận/huyện) as written; null at city "
           "level."),
    Column("admin_unit_id", pa.string(), required=True,
           description="Receiving unit valid on the received date - the commune, the district, "
           "or '01' for the city departments."),
    Column("channel", pa.int8(), required=True, accepted=CHANNELS, file_column="kenh_thuc_hien",
           description="Channel (kênh thực hiện) - 1 direct, 2 online, 3 postal."),
    Column("received_at", _TS, required=True, file_column="ngay_tiep_nhan",
           description="Received (ngày tiếp nhận)."),
    Column("due_at", _TS, required=True, file_column="ngay_hen_tra",
           description="Due (ngày hẹn trả)."),
    Column("finished_at", _TS, file_column="ngay_hoan_thanh",
           description="Processing finished (ngày hoàn thành); null if not."),
    Column("returned_at", _TS, file_column="ngay_tra_ket_qua",
           description="Result returned (ngày trả kết quả); null if not."),
    Column("ended_at", _TS, file_column="ngay_ket_thuc",
           description="Refused, stopped or withdrawn at (ngày kết thúc); null otherwise."),
    Column("status", pa.string(), required=True, accepted=STATUSES, file_column="trang_thai",
           description="Status at extraction (trạng thái)."),
    Column("supplement_requests", pa.int16(), required=True, file_column="so_lan_bo_sung",
           description="Supplement requests so far (số lần bổ sung)."),
    Column("supplement_wait_days", pa.int16(), required=True,
           file_column="thoi_gian_bo_sung_ngay",
           description="Working days spent waiting for the citizen's supplement."),
    Column("is_fee_bearing", pa.bool_(), required=True, file_column="co_phi",
           description="The procedure bears a fee or charge (có phí)."),
    Column("is_paid_online", pa.bool_(), required=True, file_column="thanh_toan_truc_tuyen",
           description="The fee was paid online (thanh toán trực tuyến)."),
    Column("is_digitised", pa.bool_(), required=True, file_column="so_hoa",
           description="Components and result digitised (số hóa)."),
    Column("has_e_result", pa.bool_(), required=True, file_column="ket_qua_dien_tu",
           description="An electronic result was issued (kết quả điện tử)."),
    Column("rating", pa.int8(), minimum=1, maximum=5, file_column="danh_gia",
           description="Citizen rating 1..5 (đánh giá); null when not rated."),
    Column("extracted_at", _TS, required=True, file_column="thoi_diem_trich_xuat",
           description="When this state was extracted (thời điểm trích xuất), local time."),
    Column("first_export_month", pa.string(), required=True,
           description="Receipt month of the first file (export or re-extraction) that "
           "delivered the dossier; kept by the loader across the dossier's later states."),
)  # fmt: skip
SCHEMA = schema_of(COLUMNS)
FILE_COLUMNS = file_columns(COLUMNS)  # file column -> raw column, in file order
EXTRACTED_AT_COLUMN = "thoi_diem_trich_xuat"
LEVELS = {"cấp tỉnh": "city", "cấp huyện": "district", "cấp xã": "commune"}
# A commune's Public Administrative Service Centre is written with this prefix before the
# commune's name; it is removed (case-insensitively) before the name is matched.
CENTRE_PREFIX = "trung tâm phục vụ hành chính công"
FILE_STAMP = "%Y%m%dT%H%M"  # the extraction time in a re-extraction's file name
_SQL_TYPES = {pa.int8(): "tinyint", pa.int16(): "smallint", pa.bool_(): "boolean"}
CSV_TIMESTAMP = "%d/%m/%Y %H:%M:%S"
_JSON_TIMESTAMPS = ["%Y-%m-%dT%H:%M:%S%z", "%Y-%m-%dT%H:%M:%S.%f%z"]
_LOCAL_OFFSET_US = 7 * 3600 * 1_000_000  # Asia/Ho_Chi_Minh: UTC+07:00, no DST since 1975
_TEXT_TABLE = "_procedures_text"
# (later, earlier, file column blamed): a dossier cannot be due, finished or ended before it
# was received, nor returned before it was finished.
_ORDER = (
    ("due_at", "received_at", "ngay_hen_tra"),
    ("finished_at", "received_at", "ngay_hoan_thanh"),
    ("ended_at", "received_at", "ngay_ket_thuc"),
    ("returned_at", "finished_at", "ngay_tra_ket_qua"),
)


# --- fields ------------------------------------------------------------------------


def _flag(column: str, name: str) -> Field:
    src = f"trim({quote_ident(column)})"
    return Field(
        name,
        f"case {src} when '1' then true when '0' then false end",
        ok=f"{src} in ('0', '1')",
        column=column,
        reason=f"case when nullif({src}, '') is null then 'required value is blank' "
        "else 'flag must be 0 or 1' end",
    )


def _timestamp(column: str, name: str, kind: str, *, required: bool) -> Field:
    src = f"nullif(trim({quote_ident(column)}), '')"
    if kind == "csv":
        parse = f"try_strptime({src}, {sql_literal(CSV_TIMESTAMP)})"
        expected = "not a timestamp dd/MM/yyyy HH:mm:ss"
    else:
        formats = "[" + ", ".join(sql_literal(f) for f in _JSON_TIMESTAMPS) + "]"
        instant = f"try_strptime(regexp_replace({src}, '[zZ]$', '+00:00'), {formats})"
        parse = f"make_timestamp(epoch_us({instant}) + {_LOCAL_OFFSET_US})"
        expected = "not an ISO 8601 timestamp with offset (2024-01-31T08:00:00+07:00)"
    blank_ok = "false" if required else "true"
    return Field(
        name,
        parse,
        ok=f"case when {src} is null then {blank_ok} else ({parse}) is not null end",
        column=column,
        reason=f"case when {src} is null then 'required value is blank' "
        f"else {sql_literal(expected)} end",
    )


def _level() -> Field:
    src = quote_ident("cap_thuc_hien")
    cases = " ".join(f"when {sql_literal(k)} then {sql_literal(v)}" for k, v in LEVELS.items())
    parse = f"case lower(trim({src})) {cases} end"
    return Field(
        "desk_level",
        parse,
        ok=f"({parse}) is not null",
        column="cap_thuc_hien",
        reason="'unknown level (expected Cấp tỉnh, Cấp huyện or Cấp xã)'",
        nfc=("cap_thuc_hien",),
    )


def _status() -> Field:
    """Any non-blank status code loads: the vocabulary (:data:`STATUSES`) is a business
    rule that the staging model's accepted_values test and the raw quality suite hold,
    so an unknown code fails the build and is named there instead of vanishing here."""
    return text("trang_thai", "status")


def _extracted_at(kind: str, stamp: dt.datetime | None) -> Field:
    """The extraction time: the column, else the time in the file name; when both are
    given they must agree."""
    column = _timestamp(EXTRACTED_AT_COLUMN, "extracted_at", kind, required=stamp is None)
    if stamp is None:
        return column
    named = f"timestamp '{stamp:%Y-%m-%d %H:%M:%S}'"
    src = f"nullif(trim({quote_ident(EXTRACTED_AT_COLUMN)}), '')"
    return Field(
        "extracted_at",
        f"coalesce({column.parse}, {named})",
        ok=f"({column.ok}) and coalesce({column.parse} = {named}, true)",
        column=EXTRACTED_AT_COLUMN,
        reason=f"case when {src} is not null and ({column.parse}) is not null then "
        f"'extraction time differs from the file name''s {stamp:%Y-%m-%d %H:%M}' "
        f"else {column.reason} end",
    )


def fields(kind: str, stamp: dt.datetime | None = None) -> list[Field]:
    """How each raw column is parsed from the text of a ``kind`` ('csv' | 'json') file
    (``stamp``: the extraction time the file name states, if any)."""
    ts = {c: n for c, n in FILE_COLUMNS.items() if n.endswith("_at") and n != "extracted_at"}
    out = [
        text("ma_ho_so", "dossier_id"),
        text("ma_tthc", "procedure_code"),
        text("ten_tthc", "procedure_name", required=False),
        text("linh_vuc", "procedure_field", required=False),
        _level(),
        text("don_vi_tiep_nhan", "receiving_unit_name"),
        text("quan_huyen", "district_name", required=False),
        integer("kenh_thuc_hien", "channel", low=0, high=99, sql_type="tinyint"),
        *(_timestamp(c, n, kind, required=n in ("received_at", "due_at")) for c, n in ts.items()),
        _status(),
        integer("so_lan_bo_sung", "supplement_requests", low=0, high=32767,
                sql_type="smallint"),
        integer("thoi_gian_bo_sung_ngay", "supplement_wait_days", low=0, high=32767,
                sql_type="smallint"),
        _flag("co_phi", "is_fee_bearing"),
        _flag("thanh_toan_truc_tuyen", "is_paid_online"),
        _flag("so_hoa", "is_digitised"),
        _flag("ket_qua_dien_tu", "has_e_result"),
        integer("danh_gia", "rating", required=False, low=1, high=5, sql_type="tinyint",
                reason="rating must be a whole number from 1 to 5"),
        _extracted_at(kind, stamp),
    ]  # fmt: skip
    return out


def checks(slot: FileSlot) -> list[Field]:
    """Rules across columns, over the parsed values. A file of month M holds the
    dossiers received in M and the later states of dossiers received before M, so only
    a receipt after M is outside the partition."""
    end = slot.period_end
    return [
        check(
            "in_partition",
            f"received_at is null or received_at::date <= date '{end}'",
            f"'received date after the file''s month {slot.partition_key} "
            "(dates outside the partition)'",
            column="ngay_tiep_nhan",
        ),
        *(
            check(
                f"{later}_order",
                f"not coalesce({later} < {earlier}, false)",
                sql_literal(f"{later.removesuffix('_at')} before {earlier.removesuffix('_at')}"),
                column=column,
            )
            for later, earlier, column in _ORDER
        ),
        *(
            check(
                f"{name}_extracted",
                f"not coalesce({name} > extracted_at, false)",
                sql_literal(f"{name.removesuffix('_at')} after the extraction time"),
                column=column,
            )
            for column, name in FILE_COLUMNS.items()
            if name.endswith("_at") and name not in ("extracted_at", "due_at")
        ),
    ]


# --- staging -----------------------------------------------------------------------


def _required(stamp: dt.datetime | None) -> list[str]:
    """File columns that must be present: all, except the extraction time when the file
    name states it."""
    return [c for c in FILE_COLUMNS if not (c == EXTRACTED_AT_COLUMN and stamp is not None)]


def _add_missing_columns(ctx: ReadContext, present: list[str]) -> None:
    for column in FILE_COLUMNS:
        if column not in present:
            ctx.con.execute(f"alter table {_TEXT_TABLE} add column {quote_ident(column)} varchar")


def _stage_csv(ctx: ReadContext, stamp: dt.datetime | None) -> tuple[int, list[str]]:
    staged = stage_text_file(
        ctx,
        delimiter=",",
        required=_required(stamp),
        optional=(EXTRACTED_AT_COLUMN,),
        table=_TEXT_TABLE,
    )
    _add_missing_columns(ctx, staged.header)
    return staged.rows, staged.warnings


def _stage_jsonl(ctx: ReadContext, stamp: dt.datetime | None) -> tuple[int, list[str]]:
    """Read a JSON lines file into the text table: line number, then every field as text.

    JSON is UTF-8 by definition, so a declared legacy encoding does not apply."""
    path = check_text_file(ctx.path, ctx.file_name, None, ctx.work_dir)
    with path.open("rb") as f:
        first = f.readline()
    try:
        record = json.loads(first)
    except ValueError as exc:
        raise SourceFileError(ctx.file_name, f"not a JSON object: {exc}", row=1) from None
    if not isinstance(record, dict):
        raise SourceFileError(ctx.file_name, "a line is not a JSON object", row=1)
    warnings = check_columns(
        ctx.file_name, list(record), _required(stamp), optional=(EXTRACTED_AT_COLUMN,)
    )
    columns = "{" + ", ".join(f"{sql_literal(c)}: 'VARCHAR'" for c in FILE_COLUMNS) + "}"
    try:
        ctx.con.execute(
            f"""
            create or replace temp table {_TEXT_TABLE} as
            select (row_number() over ())::bigint as _source_row_number, *
            from read_json(
                {sql_literal(str(path))}, format = 'newline_delimited', records = true,
                columns = {columns}
            )
            """
        )
    except duckdb.Error as exc:
        message = str(exc).splitlines()[0].replace(str(path), ctx.file_name)
        message = re.sub(r"^[A-Za-z ]*Error: ", "", message).strip()
        raise SourceFileError(ctx.file_name, f"not valid JSON lines: {message}") from None
    rows = ctx.con.execute(f"select count(*) from {_TEXT_TABLE}").fetchall()[0][0]
    lines = count_line_breaks(path)
    if rows != lines:
        raise SourceFileError(
            ctx.file_name,
            f"{lines} lines but {rows} JSON records: expected exactly one record per line "
            "(no blank lines, no record spread over several lines), so that row numbers "
            "are line numbers",
        )
    return rows, warnings


# --- reader ------------------------------------------------------------------------


def _district_check(con: duckdb.DuckDBPyConnection, table: str, on_date: str) -> None:
    """A district desk's ``quan_huyen`` must name its own district (the receiving unit):
    add a problem to rows where it maps to no district, several, or another one."""
    desks = (
        "(select _source_row_number, district_name, received_at, "
        f"admin_unit_id as _receiving_unit_id from {table} "
        "where desk_level = 'district' and admin_unit_id is not null)"
    )
    mapped = map_units_sql(
        con, desks, level="'district'", name="district_name", district=None, on_date=on_date
    )
    con.execute(
        f"""
        update {table} as t set _problems = list_append(t._problems, {{
            'c': 'quan_huyen', 'v': t.district_name,
            'r': coalesce(m.unit_reject_reason, 'district ' || coalesce(t.district_name, '∅')
                || ' is not the receiving unit ' || t.receiving_unit_name)
        }})
        from ({mapped}) as m
        where t._source_row_number = m._source_row_number
            and m.admin_unit_id is distinct from m._receiving_unit_id
        """
    )


def read(ctx: ReadContext) -> ReadResult:
    """Read one CSV or JSON lines file of dossiers (dispatching on its suffix)."""
    suffix = Path(ctx.file_name).suffix.lower()
    stamp = extraction_stamp(ctx.slot)
    clock = time.perf_counter()
    if suffix == ".csv":
        rows_read, warnings = _stage_csv(ctx, stamp)
        kind = "csv"
    elif suffix == ".jsonl":
        rows_read, warnings = _stage_jsonl(ctx, stamp)
        kind = "json"
    else:
        raise SourceFileError(ctx.file_name, f"unsupported suffix {suffix!r} (.csv or .jsonl)")
    timings = {"stage": time.perf_counter() - clock}
    clock = time.perf_counter()
    parsed, _ = parse_rows(
        ctx.con, _TEXT_TABLE, fields(kind, stamp), checks=checks(ctx.slot), keep_text=False
    )
    timings["parse"] = time.perf_counter() - clock
    clock = time.perf_counter()
    # A commune centre is matched by its commune's name, within its district when one is
    # written (a district named after 2025-06-30 is rejected: no district level).
    centre = sql_literal("^" + CENTRE_PREFIX + r"\s+")
    unit_name = f"regexp_replace(receiving_unit_name, {centre}, '', 'i')"
    on_date = f"coalesce(received_at::date, date '{ctx.slot.period_end}')"
    units = resolve_units(
        ctx.con,
        parsed,
        level="desk_level",
        name=f"case when desk_level = 'city' then null else {unit_name} end",
        district="case when desk_level = 'commune' then district_name end",
        on_date=on_date,
        column="don_vi_tiep_nhan",
    )
    _district_check(ctx.con, units, on_date)
    timings["units"] = time.perf_counter() - clock
    log.debug(
        "%s: %d rows read; %s",
        ctx.file_name, rows_read, ", ".join(f"{k} {v:.2f} s" for k, v in timings.items()),
        extra={"timings": timings},
    )  # fmt: skip
    derived = ("receipt_month", "first_export_month")
    names = [n for n in SCHEMA.names if n not in derived]
    rows = good_rows(ctx.con, units, names)
    typed = ", ".join(
        f"{quote_ident(f.name)}::{_SQL_TYPES[f.type]} as {quote_ident(f.name)}"
        if f.type in _SQL_TYPES
        else quote_ident(f.name)
        for f in SCHEMA
        if f.name not in derived
    )
    rows = rows.select(
        f"strftime(received_at, '%Y-%m') as receipt_month, {typed}, "
        f"{sql_literal(ctx.slot.partition_key)} as first_export_month, _source_row_number"
    )
    return ReadResult(rows, rejects_of(ctx.con, units), rows_read, warnings)


def _slot_of(m: re.Match[str]) -> FileSlot:
    """The receipt month, for a re-extraction too (a time in the name, kept in
    ``detail``): files of mutable records do not restate each other whole, the loader
    merges them dossier by dossier, so the month stays one slot."""
    slot = month_slot(int(m["year"]), int(m["month"]))
    if not m["stamp"]:
        return slot
    stamp = dt.datetime.strptime(m["stamp"], FILE_STAMP)  # ValueError: not our name
    return dataclasses.replace(slot, detail={"extracted_at": stamp.isoformat(sep=" ")})


def extraction_stamp(slot: FileSlot) -> dt.datetime | None:
    """The extraction time a file name states (``ho_so_<YYYY-MM>_<YYYYMMDDTHHMM>``)."""
    value = slot.detail.get("extracted_at")
    return dt.datetime.fromisoformat(value) if value else None


SPEC = SourceSpec(
    name="procedures",
    description=(
        "Dossiers received at the city's, districts' and communes' one-stop desks, one row "
        "per dossier in its latest extracted state, from the monthly CSV export or the case "
        "system's API (JSON lines)."
    ),
    group="procedures",
    file_pattern=re.compile(
        r"ho_so_(?P<year>\d{4})-(?P<month>\d{2})(?:_(?P<stamp>\d{8}T\d{4}))?\.(?:csv|jsonl)"
    ),
    file_example="ho_so_2024-01.csv",
    partitioning="month",
    cadence="monthly",
    slot_of=_slot_of,
    reader=read,
    columns=COLUMNS,
    natural_key=("dossier_id",),
    kinds=frozenset({"duckdb", "csv", "json"}),
)
