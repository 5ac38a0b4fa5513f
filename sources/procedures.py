"""Procedure throughput: one row per dossier (hồ sơ) received at a one-stop desk.

Files (partition: the month of receipt), both read into the same raw schema:

- ``ho_so_YYYY-MM.csv``: the case system's monthly export (format documented in
  :mod:`sources.sample.procedures`): UTF-8 (BOM optional), ``,`` delimiter, text in
  double quotes, timestamps ``dd/MM/yyyy HH:mm:ss`` in local time (Asia/Ho_Chi_Minh).
  A legacy encoding (``cp1258``, ``tcvn3``) must be declared on the spec.
- ``ho_so_YYYY-MM.jsonl``: the same records fetched from the case system's API by
  :func:`sources.http.fetch_month`, one JSON object per line (always UTF-8), with the
  CSV's field names; timestamps ISO 8601 with an offset (``2024-01-31T08:00:00+07:00``
  or ``...Z``), converted to local time. Integers are JSON numbers (or numeric strings).

Both are read by DuckDB with every column as text (``read_csv`` / ``read_json`` with
explicit columns) and parsed in SQL: a month of millions of dossiers never becomes
Python objects.

Raw schema (``raw.procedures``):

====================  ===========  ======================================================
column                type         meaning (file column)
====================  ===========  ======================================================
receipt_month         string       ``YYYY-MM`` of the file (= the partition)
dossier_id            string       ``ma_ho_so``; the natural key
procedure_code        string       ``ma_tthc`` (``1.004227``: text, never a number)
procedure_name        string       ``ten_tthc``
procedure_field       string       ``linh_vuc``
desk_level            string       ``cap_thuc_hien``: 'city' | 'district' | 'commune'
receiving_unit_name   string       ``don_vi_tiep_nhan`` as written (NFC, trimmed)
district_name         string       ``quan_huyen`` as written (NFC, trimmed); null at city
admin_unit_id         string       receiving unit valid on the received date: the commune
                                   (within its district), the district, or '01' for the
                                   city departments
channel               int8         ``kenh_thuc_hien``: 1 direct, 2 online, 3 postal
                                   (other codes load and fail the checks downstream)
received_at           timestamp    ``ngay_tiep_nhan``
due_at                timestamp    ``ngay_hen_tra``
finished_at           timestamp    ``ngay_hoan_thanh`` (null: not finished)
returned_at           timestamp    ``ngay_tra_ket_qua`` (null: not returned)
ended_at              timestamp    ``ngay_ket_thuc`` (refused / stopped / withdrawn)
status                string       ``trang_thai`` (expected: :data:`STATUSES`, checked
                                   downstream)
supplement_requests   int16        ``so_lan_bo_sung``
supplement_wait_days  int16        ``thoi_gian_bo_sung_ngay`` (working days)
is_fee_bearing        bool         ``co_phi`` (0/1)
is_paid_online        bool         ``thanh_toan_truc_tuyen`` (0/1)
is_digitised          bool         ``so_hoa`` (0/1)
has_e_result          bool         ``ket_qua_dien_tu`` (0/1)
rating                int8         ``danh_gia``: 1..5, null when not rated
====================  ===========  ======================================================

Timestamps are ``TIMESTAMP`` (no zone) holding local time of Asia/Ho_Chi_Minh (UTC+07:00
all year, no daylight saving), as the desks and the CSV export state them; JSON
instants with another offset are converted to that local time.

Row-level rejects (``raw.procedures__rejects``, the rest of the file loads): blank
required values; timestamps that do not parse (CSV ``dd/MM/yyyy HH:mm:ss``; JSON ISO
8601 with offset); a received date outside the file's month (dates outside the
partition); an unknown level; flags other than 0/1; integers that
are not whole numbers in range; impossible time order (finished, ended or due before
received, returned before finished); a receiving unit or district name that maps to no
unit valid on the received date, or to several; a district-desk row whose
``quan_huyen`` is another district than its receiving unit. Repeated dossier ids are
rejected (all occurrences) by :func:`sources.ingest.ingest_file`. Names are
NFC-normalised before matching, so NFD-written names load.

Whole-file failures (:class:`~sources.spec.SourceFileError`, nothing loads): empty or
truncated files, bytes that are not UTF-8 (or the declared encoding), a missing column
(extra columns only warn), a header without rows, a CSV row with a wrong field count,
malformed JSON, a JSON lines file with blank lines or records spread over several lines,
and a rejected share above the spec's threshold (1%). (A JSON line that is valid JSON but
not an object reads as a row of nulls, rejected for its blank required values.)
"""

from __future__ import annotations

import json
import logging
import re
import time
from pathlib import Path

import duckdb
import pyarrow as pa

from sources.csvfile import (
    CHUNK,
    check_columns,
    check_text_file,
    quote_ident,
    sql_literal,
    stage_text_file,
)
from sources.spec import FileSlot, ReadContext, ReadResult, SourceFileError, SourceSpec, month_slot
from sources.tabular import Field, check, good_rows, integer, parse_rows, rejects_of, text
from sources.units import default_resolver, resolve_units

log = logging.getLogger(__name__)

# File column -> raw column, in file order.
COLUMNS = {
    "ma_ho_so": "dossier_id",
    "ma_tthc": "procedure_code",
    "ten_tthc": "procedure_name",
    "linh_vuc": "procedure_field",
    "cap_thuc_hien": "desk_level",
    "don_vi_tiep_nhan": "receiving_unit_name",
    "quan_huyen": "district_name",
    "kenh_thuc_hien": "channel",
    "ngay_tiep_nhan": "received_at",
    "ngay_hen_tra": "due_at",
    "ngay_hoan_thanh": "finished_at",
    "ngay_tra_ket_qua": "returned_at",
    "ngay_ket_thuc": "ended_at",
    "trang_thai": "status",
    "so_lan_bo_sung": "supplement_requests",
    "thoi_gian_bo_sung_ngay": "supplement_wait_days",
    "co_phi": "is_fee_bearing",
    "thanh_toan_truc_tuyen": "is_paid_online",
    "so_hoa": "is_digitised",
    "ket_qua_dien_tu": "has_e_result",
    "danh_gia": "rating",
}
LEVELS = {"cấp tỉnh": "city", "cấp huyện": "district", "cấp xã": "commune"}
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
SCHEMA = pa.schema(
    [
        ("receipt_month", pa.string()),
        ("dossier_id", pa.string()),
        ("procedure_code", pa.string()),
        ("procedure_name", pa.string()),
        ("procedure_field", pa.string()),
        ("desk_level", pa.string()),
        ("receiving_unit_name", pa.string()),
        ("district_name", pa.string()),
        ("admin_unit_id", pa.string()),
        ("channel", pa.int8()),
        ("received_at", pa.timestamp("us")),
        ("due_at", pa.timestamp("us")),
        ("finished_at", pa.timestamp("us")),
        ("returned_at", pa.timestamp("us")),
        ("ended_at", pa.timestamp("us")),
        ("status", pa.string()),
        ("supplement_requests", pa.int16()),
        ("supplement_wait_days", pa.int16()),
        ("is_fee_bearing", pa.bool_()),
        ("is_paid_online", pa.bool_()),
        ("is_digitised", pa.bool_()),
        ("has_e_result", pa.bool_()),
        ("rating", pa.int8()),
    ]
)
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
    parse = f"case lower(trim(nfc_normalize({src}))) {cases} end"
    return Field(
        "desk_level",
        parse,
        ok=f"({parse}) is not null",
        column="cap_thuc_hien",
        reason="'unknown level (expected Cấp tỉnh, Cấp huyện or Cấp xã)'",
    )


def _status() -> Field:
    """Any non-blank status code loads: the vocabulary (:data:`STATUSES`) is a business
    rule that the staging model's accepted_values test and the raw quality suite hold,
    so an unknown code fails the build and is named there instead of vanishing here."""
    return text("trang_thai", "status")


def fields(kind: str) -> list[Field]:
    """How each raw column is parsed from the text of a ``kind`` ('csv' | 'json') file."""
    ts = {c: n for c, n in COLUMNS.items() if n.endswith("_at")}
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
    ]  # fmt: skip
    return out


def checks(slot: FileSlot) -> list[Field]:
    """Rules across columns, over the parsed values."""
    start, end = slot.period_start, slot.period_end
    return [
        check(
            "in_partition",
            f"received_at is null or received_at::date between date '{start}' and date '{end}'",
            f"'received date outside the file''s month {slot.partition_key} "
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
    ]


# --- staging -----------------------------------------------------------------------


def _stage_csv(ctx: ReadContext) -> tuple[int, list[str]]:
    staged = stage_text_file(ctx, delimiter=",", required=list(COLUMNS), table=_TEXT_TABLE)
    return staged.rows, staged.warnings


def _stage_jsonl(ctx: ReadContext) -> tuple[int, list[str]]:
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
    warnings = check_columns(ctx.file_name, list(record), list(COLUMNS))
    columns = "{" + ", ".join(f"{sql_literal(c)}: 'VARCHAR'" for c in COLUMNS) + "}"
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
    lines = _count_lines(path)
    if rows != lines:
        raise SourceFileError(
            ctx.file_name,
            f"{lines} lines but {rows} JSON records: expected exactly one record per line "
            "(no blank lines, no record spread over several lines), so that row numbers "
            "are line numbers",
        )
    return rows, warnings


def _count_lines(path: Path) -> int:
    lines = 0
    with path.open("rb") as f:
        while chunk := f.read(CHUNK):
            lines += chunk.count(b"\n")
    return lines


# --- reader ------------------------------------------------------------------------


def _district_check(ctx: ReadContext, table: str) -> None:
    """A district desk's ``quan_huyen`` must name its own district (the receiving unit):
    add a problem to rows where it maps to no district, several, or another one."""
    con = ctx.con
    names = con.execute(
        f"select distinct district_name from {table} "
        "where desk_level = 'district' and admin_unit_id is not null"
    ).fetchall()
    resolver = default_resolver()
    lookup = [
        {"district_name": name, **seg}
        for (name,) in names
        for seg in resolver.segments("district", name, None)
    ]
    schema = pa.schema(
        [
            ("district_name", pa.string()),
            ("valid_from", pa.date32()),
            ("valid_to", pa.date32()),
            ("admin_unit_id", pa.string()),
            ("reason", pa.string()),
        ]
    )
    con.register("_district_lookup", pa.Table.from_pylist(lookup, schema=schema))
    try:
        con.execute(
            f"""
            update {table} as t set _problems = list_append(t._problems, {{
                'c': 'quan_huyen', 'v': t.district_name,
                'r': coalesce(l.reason, 'district ' || coalesce(t.district_name, '∅')
                    || ' is not the receiving unit ' || t.receiving_unit_name)
            }})
            from (
                select t2._source_row_number, l2.admin_unit_id, l2.reason
                from {table} as t2
                left join _district_lookup as l2
                    on l2.district_name = t2.district_name
                    and t2.received_at::date between l2.valid_from and l2.valid_to
                where t2.desk_level = 'district' and t2.admin_unit_id is not null
            ) as l
            where t._source_row_number = l._source_row_number
                and l.admin_unit_id is distinct from t.admin_unit_id
            """
        )
    finally:
        con.unregister("_district_lookup")


def read(ctx: ReadContext) -> ReadResult:
    """Read one CSV or JSON lines file of dossiers (dispatching on its suffix)."""
    suffix = Path(ctx.file_name).suffix.lower()
    clock = time.perf_counter()
    if suffix == ".csv":
        rows_read, warnings = _stage_csv(ctx)
        kind = "csv"
    elif suffix == ".jsonl":
        rows_read, warnings = _stage_jsonl(ctx)
        kind = "json"
    else:
        raise SourceFileError(ctx.file_name, f"unsupported suffix {suffix!r} (.csv or .jsonl)")
    timings = {"stage": time.perf_counter() - clock}
    clock = time.perf_counter()
    parsed, _ = parse_rows(ctx.con, _TEXT_TABLE, fields(kind), checks=checks(ctx.slot))
    timings["parse"] = time.perf_counter() - clock
    clock = time.perf_counter()
    units = resolve_units(
        ctx.con,
        parsed,
        level="desk_level",
        name="case when desk_level = 'city' then null else receiving_unit_name end",
        district="case when desk_level = 'commune' then district_name end",
        on_date=f"coalesce(received_at::date, date '{ctx.slot.period_end}')",
        column="don_vi_tiep_nhan",
    )
    _district_check(ctx, units)
    timings["units"] = time.perf_counter() - clock
    log.debug(
        "%s: %d rows read; %s",
        ctx.file_name, rows_read, ", ".join(f"{k} {v:.2f} s" for k, v in timings.items()),
        extra={"timings": timings},
    )  # fmt: skip
    names = [n for n in SCHEMA.names if n != "receipt_month"]
    rows = good_rows(ctx.con, units, names)
    typed = ", ".join(
        f"{quote_ident(f.name)}::{_SQL_TYPES[f.type]} as {quote_ident(f.name)}"
        if f.type in _SQL_TYPES
        else quote_ident(f.name)
        for f in SCHEMA
        if f.name != "receipt_month"
    )
    rows = rows.select(
        f"{sql_literal(ctx.slot.partition_key)} as receipt_month, {typed}, _source_row_number"
    )
    return ReadResult(rows, rejects_of(ctx.con, units), rows_read, warnings)


SPEC = SourceSpec(
    name="procedures",
    description=(
        "Dossiers received at the city's, districts' and communes' one-stop desks, one row "
        "per dossier, from the monthly CSV export or the case system's API (JSON lines)."
    ),
    group="procedures",
    file_pattern=re.compile(r"ho_so_(?P<year>\d{4})-(?P<month>\d{2})\.(?:csv|jsonl)"),
    file_example="ho_so_2024-01.csv",
    partitioning="month",
    cadence="monthly",
    slot_of=lambda m: month_slot(int(m["year"]), int(m["month"])),
    reader=read,
    schema=SCHEMA,
    natural_key=("dossier_id",),
    kinds=frozenset({"duckdb", "csv", "json"}),
)
