"""Reading delimited text files with DuckDB: encodings, headers, vi-VN numbers.

Row numbers are line numbers as an editor shows them (the header is line 1), so a
message "row 7" points at line 7 of the file. Files are read by DuckDB with every
column as text; parsing to types happens in SQL, where a value that does not parse
becomes a reject naming its row, column and value.
"""

from __future__ import annotations

import codecs
import csv
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import duckdb

from sources.formats.tcvn3 import decode_tcvn3_line
from sources.loading.spec import ReadContext, SourceFileError
from sources.sql import sql_literal

CHUNK = 1 << 20
LEGACY_ENCODINGS = ("cp1258", "tcvn3")


def check_text_file(path: Path, file_name: str, encoding: str | None, work_dir: Path) -> Path:
    """The UTF-8 file to read: ``path`` itself, or a decoded copy when the source's spec
    declares a legacy encoding. Rejects empty, truncated and mis-encoded files whole."""
    size = path.stat().st_size
    if size == 0:
        raise SourceFileError(file_name, "file is empty")
    with path.open("rb") as f:
        f.seek(size - 1)
        if f.read(1) not in (b"\n", b"\r"):
            raise SourceFileError(
                file_name,
                "file ends in the middle of a row (no final line break): it looks truncated; "
                "land the complete file again",
                row=count_line_breaks(path) + 1,
            )
    if encoding is None:
        _check_utf8(path, file_name)
        return path
    if encoding not in LEGACY_ENCODINGS:
        raise SourceFileError(
            file_name, f"unsupported encoding {encoding!r}: use {LEGACY_ENCODINGS}"
        )
    work_dir.mkdir(parents=True, exist_ok=True)
    decoded = work_dir / f"{path.stem}.utf8{path.suffix}"
    with (
        path.open("rb") as src,
        decoded.open("w", encoding="utf-8", newline="") as dst,
    ):
        for line_no, raw in enumerate(src, start=1):
            try:
                text = decode_tcvn3_line(raw) if encoding == "tcvn3" else raw.decode(encoding)
            except UnicodeDecodeError as exc:
                raise SourceFileError(
                    file_name, f"not valid {encoding}: {exc.reason}", row=line_no
                ) from None
            dst.write(unicodedata.normalize("NFC", text))
    return decoded


def count_line_breaks(path: Path) -> int:
    """Line breaks (``\\n``) in the file, read in chunks: the number of complete lines."""
    lines = 0
    with path.open("rb") as f:
        while chunk := f.read(CHUNK):
            lines += chunk.count(b"\n")
    return lines


def _check_utf8(path: Path, file_name: str) -> None:
    decoder = codecs.getincrementaldecoder("utf-8")()
    line = 1
    with path.open("rb") as f:
        while chunk := f.read(CHUNK):
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError as exc:
                line += chunk[: exc.start].count(b"\n")
                raise SourceFileError(
                    file_name,
                    f"is not UTF-8 (byte 0x{chunk[exc.start]:02x}): if the publisher writes a "
                    "legacy encoding (Windows-1258, TCVN3), declare it as the source's encoding",
                    row=line,
                ) from None
            line += chunk.count(b"\n")
        decoder.decode(b"", final=True)


def read_header(path: Path, file_name: str, delimiter: str) -> list[str]:
    """Column names of the first line, NFC, without a byte-order mark."""
    with path.open(encoding="utf-8-sig", newline="") as f:
        first = f.readline()
    names = next(csv.reader([first], delimiter=delimiter), [])
    names = [unicodedata.normalize("NFC", n).strip() for n in names]
    if not any(names):
        raise SourceFileError(file_name, "the first line holds no column names", row=1)
    return names


def check_columns(
    file_name: str, header: list[str], required: list[str], optional: tuple[str, ...] = ()
) -> list[str]:
    """Raise on a missing or repeated column; return warnings for unexpected ones."""
    repeated = sorted({n for n in header if header.count(n) > 1})
    if repeated:
        raise SourceFileError(file_name, f"column {repeated[0]!r} appears twice", row=1)
    missing = [c for c in required if c not in header]
    if missing:
        raise SourceFileError(
            file_name,
            f"missing required column(s) {', '.join(map(repr, missing))}; found {header}",
            row=1,
            column=missing[0],
        )
    extra = [c for c in header if c not in required and c not in optional]
    return [f"{file_name}: unexpected column {c!r} ignored" for c in extra]


def load_text_rows(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    file_name: str,
    header: list[str],
    *,
    delimiter: str,
    table: str,
) -> int:
    """Read ``path`` into temp table ``table``: every column as text, plus
    ``_source_row_number`` (the line number). A row with too few or too many fields
    fails the file whole: the columns after it cannot be trusted."""
    columns = "{" + ", ".join(f"{sql_literal(n)}: 'VARCHAR'" for n in header) + "}"
    con.execute("drop table if exists reject_errors; drop table if exists reject_scans")
    try:
        con.execute(
            f"""
            create or replace temp table {table} as
            select (row_number() over () + 1)::bigint as _source_row_number, *
            from read_csv(
                {sql_literal(str(path))}, delim = {sql_literal(delimiter)}, quote = '"',
                escape = '"', header = true, auto_detect = false, columns = {columns},
                store_rejects = true, encoding = 'utf-8'
            )
            """
        )
    except duckdb.Error as exc:
        detail = str(exc).splitlines()[0].removeprefix("Invalid Input Error: ")
        raise SourceFileError(
            file_name,
            f"cannot be read as CSV ({detail}): mixed line endings or a stray quote?",
        ) from None
    bad = con.execute(
        "select line, error_type, error_message from reject_errors order by line limit 1"
    ).fetchall()
    if bad:
        line, kind, message = bad[0]
        raise SourceFileError(
            file_name,
            f"{kind.lower()}: {message.splitlines()[0]} (is the delimiter {delimiter!r}?)",
            row=int(line),
        )
    rows = con.execute(f"select count(*) from {table}").fetchall()[0][0]
    if rows == 0:
        raise SourceFileError(file_name, "file has a header but no data rows")
    return rows


VI_NUMBER_MACROS = r"""
create or replace temp macro vi_number_ok(s) as
    s is null or trim(s) = ''
    or regexp_full_match(trim(s), '-?[0-9]{1,3}(\.[0-9]{3})*(,[0-9]+)?')
    or regexp_full_match(trim(s), '-?[0-9]+(,[0-9]+)?');
create or replace temp macro vi_number(s) as
    case when vi_number_ok(s) and trim(s) <> ''
        then replace(replace(trim(s), '.', ''), ',', '.')::decimal(38, 6)
    end;
"""


def install_vi_number_macros(con: duckdb.DuckDBPyConnection) -> None:
    """``vi_number(text)``: a vi-VN number (``1.234.567,8``) as a decimal, null when
    blank; ``vi_number_ok(text)``: false for anything else (``1,234.5``, text)."""
    con.execute(VI_NUMBER_MACROS)


@dataclass
class StagedText:
    """A text file read into a temp table, every column as text."""

    header: list[str]
    rows: int
    warnings: list[str]
    amounts: dict[str, tuple[str, float]]  # amount base name -> (file column, factor to bn VND)


def stage_text_file(
    ctx: ReadContext,
    *,
    delimiter: str,
    required: list[str],
    optional: tuple[str, ...] = (),
    amounts: tuple[str, ...] = (),
    table: str = "_text",
) -> StagedText:
    """Check, decode and read a landed text file into temp table ``table``. Amount
    columns are named ``<base> (<unit>)``; their unit is parsed and converted to bn VND.
    Installs the vi-VN number macros."""
    readable = check_text_file(ctx.path, ctx.file_name, ctx.encoding, ctx.work_dir)
    header = read_header(readable, ctx.file_name, delimiter)
    found = {base: amount_column(ctx.file_name, header, base) for base in amounts}
    warnings = check_columns(
        ctx.file_name, header, required, (*optional, *(c for c, _ in found.values()))
    )
    rows = load_text_rows(
        ctx.con, readable, ctx.file_name, header, delimiter=delimiter, table=table
    )
    install_vi_number_macros(ctx.con)
    return StagedText(header, rows, warnings, found)


AMOUNT_UNITS = {"đồng": 1e-9, "nghìn đồng": 1e-6, "triệu đồng": 1e-3, "tỷ đồng": 1.0}


def amount_column(file_name: str, header: list[str], base: str) -> tuple[str, float]:
    """The column ``<base> (<unit>)`` and the factor converting its unit to bn VND."""
    for name in header:
        if name.startswith(base + " (") and name.endswith(")"):
            unit = name[len(base) + 2 : -1].strip().lower()
            if unit not in AMOUNT_UNITS:
                raise SourceFileError(
                    file_name,
                    f"unknown unit {unit!r} (known: {', '.join(AMOUNT_UNITS)})",
                    row=1,
                    column=name,
                )
            return name, AMOUNT_UNITS[unit]
    raise SourceFileError(
        file_name, f"missing required column {base!r} (with its unit in parentheses)", row=1,
        column=base,
    )  # fmt: skip
