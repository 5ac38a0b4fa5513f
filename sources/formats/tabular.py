"""Turn a temp table of text columns into typed rows and row-level rejects, in SQL.

Each :class:`Field` says how to parse one output column and when the text is acceptable;
every failed check becomes one reject (row, column, value, reason). A row with any
reject is kept out of the loaded rows. Nothing here iterates over rows in Python.

Cost at volume (millions of rows): the text columns a field reads in NFC are normalised
once per distinct value, not per row (a month of dossiers repeats a few hundred unit and
procedure names); the parsed values, the fields' checks and the cross-column checks are
one query, one table written.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb

from sources.sql import quote_ident, sql_literal


@dataclass(frozen=True)
class Field:
    """One output column: ``parse`` and ``ok`` are SQL over the text table's columns."""

    name: str
    parse: str
    ok: str = "true"
    column: str = ""  # the file column named in a reject (defaults to name)
    value: str = ""  # SQL for the offending value (defaults to the file column)
    reason: str = "'invalid value'"  # SQL expression
    nfc: tuple[str, ...] = ()  # text columns read in NFC (normalised first by parse_rows)


def text(column: str, name: str, *, required: bool = True) -> Field:
    """A text column, NFC and trimmed; blank is null (a reject when required)."""
    src = quote_ident(column)
    return Field(
        name,
        f"nullif(trim({src}), '')",
        ok=f"nullif(trim({src}), '') is not null" if required else "true",
        column=column,
        reason="'required value is blank'",
        nfc=(column,),
    )


def integer(
    column: str,
    name: str,
    *,
    required: bool = True,
    low: int | None = None,
    high: int | None = None,
    sql_type: str = "bigint",
    reason: str | None = None,
) -> Field:
    """A whole number written with digits only (``1.5``, ``1e2``, ``0x10`` and ``1_000``
    are rejected, where a bare cast would round or convert them), within ``low..high``."""
    src = f"trim({quote_ident(column)})"
    blank_ok = "false" if required else "true"
    whole = f"regexp_full_match({src}, '[+-]?[0-9]{{1,18}}')"
    lo = low if low is not None else -(10**18)
    hi = high if high is not None else 10**18
    why = reason or f"expected a whole number{_range(low, high)}"
    return Field(
        name,
        f"case when {whole} then try_cast({src} as {sql_type}) end",
        ok=f"case when nullif({src}, '') is null then {blank_ok} "
        f"else {whole} and coalesce(try_cast({src} as bigint) between {lo} and {hi}, false) end",
        column=column,
        reason=f"case when nullif({src}, '') is null then 'required value is blank' "
        f"else {sql_literal(why)} end",
    )


def _range(low: int | None, high: int | None) -> str:
    if low is not None and high is not None:
        return f" from {low} to {high}"
    return ""


def vi_amount(column: str, name: str, factor: float, *, required: bool = True) -> Field:
    """A vi-VN number (``1.234.567,8``) times ``factor`` (the unit conversion)."""
    src = quote_ident(column)
    blank_ok = "true" if not required else f"nullif(trim({src}), '') is not null"
    return Field(
        name,
        f"(vi_number({src}) * {factor!r})::decimal(24, 6)",
        ok=f"vi_number_ok({src}) and ({blank_ok})",
        column=column,
        reason=(
            f"case when nullif(trim({src}), '') is null then 'required value is blank' "
            f"else 'not a vi-VN number (expected 1.234.567,8)' end"
        ),
    )


def decimal(column: str, name: str, *, required: bool = True) -> Field:
    """A number written with a decimal point (``91.43``)."""
    src = quote_ident(column)
    blank_ok = "true" if not required else "false"
    return Field(
        name,
        f"try_cast(nullif(trim({src}), '') as decimal(18, 6))",
        ok=f"(case when nullif(trim({src}), '') is null then {blank_ok} "
        f"else try_cast(trim({src}) as decimal(18, 6)) is not null end)",
        column=column,
        reason="case when nullif(trim(" + src + "), '') is null then 'required value is blank' "
        "else 'not a number (expected 91.43)' end",
    )


def dmy_date(column: str, name: str, *, required: bool = True) -> Field:
    """A ``dd/mm/yyyy`` date."""
    src = quote_ident(column)
    blank_ok = "true" if not required else "false"
    return Field(
        name,
        f"try_strptime(nullif(trim({src}), ''), '%d/%m/%Y')::date",
        ok=f"(case when nullif(trim({src}), '') is null then {blank_ok} "
        f"else try_strptime(trim({src}), '%d/%m/%Y') is not null end)",
        column=column,
        reason="'not a date dd/mm/yyyy'",
    )


def check(name: str, ok: str, reason: str, *, column: str, value: str | None = None) -> Field:
    """A rule over parsed or text columns that produces no output column."""
    return Field(f"_check_{name}", "null", ok=ok, column=column, value=value or "", reason=reason)


def parse_rows(
    con: duckdb.DuckDBPyConnection,
    text_table: str,
    fields: list[Field],
    *,
    checks: list[Field] = (),
    keep_text: bool = True,
) -> tuple[str, duckdb.DuckDBPyRelation]:
    """Create temp table ``<text_table>_parsed``: the text columns (unless not
    ``keep_text``: then only ``_source_row_number``), the parsed fields and a
    ``_problems`` list; return (its name, the rejects relation). ``checks`` run over the
    parsed values, so they may use both the file's columns and the fields' names. The
    text columns the fields read in NFC (``Field.nfc``) are NFC in the parsed table."""
    parsed = f"{text_table}_parsed"
    source = _nfc_source(con, text_table, sorted({c for f in [*fields, *checks] for c in f.nfc}))
    selects = ", ".join(f"{f.parse} as {quote_ident(f.name)}" for f in fields)
    problems = _problems(list(fields), source="p")
    if checks:
        problems = f"list_concat({problems}, {_problems(list(checks), source='p')})"
    kept = (
        "p.*"
        if keep_text
        else ", ".join(["p._source_row_number", *(f"p.{quote_ident(f.name)}" for f in fields)])
    )
    con.execute(
        f"""
        create or replace temp table {parsed} as
        select {kept}, {problems} as _problems
        from (select t.*, {selects} from ({source}) as t) as p
        """
    )
    con.execute("drop table if exists _nfc_map")
    return parsed, rejects_of(con, parsed)


def _nfc_source(con: duckdb.DuckDBPyConnection, table: str, columns: list[str]) -> str:
    """SQL selecting ``table`` with ``columns`` in Unicode NFC. Each distinct value is
    normalised once (temp table ``_nfc_map``: column, value, NFC value, for the values
    that change: usually none); rows are mapped by a join, in row order."""
    if not columns:
        return f"select * from {table}"
    distinct = " union all ".join(
        f"select {sql_literal(c)} as c, v from (select distinct {quote_ident(c)} as v from {table})"
        for c in columns
    )
    # Two statements: in one, the optimiser pushes the filter below the distinct, and
    # normalises every row again.
    con.execute(f"create or replace temp table _nfc_map as {distinct}")
    con.execute(
        """
        create or replace temp table _nfc_map as
        select c, v, nfc_normalize(v) as n from _nfc_map where v <> nfc_normalize(v)
        """
    )
    changed = sorted(r[0] for r in con.execute("select distinct c from _nfc_map").fetchall())
    if not changed:
        return f"select * from {table}"
    replace = ", ".join(
        f"coalesce(m{i}.n, t.{quote_ident(c)}) as {quote_ident(c)}" for i, c in enumerate(changed)
    )
    joins = " ".join(
        f"left join _nfc_map as m{i} on m{i}.c = {sql_literal(c)} and t.{quote_ident(c)} = m{i}.v"
        for i, c in enumerate(changed)
    )
    return f"select t.* replace ({replace}) from {table} as t {joins} order by t._source_row_number"


def rejects_of(con: duckdb.DuckDBPyConnection, table: str) -> duckdb.DuckDBPyRelation:
    """One reject per problem recorded in ``table``'s ``_problems`` lists."""
    return con.sql(
        f"""
        select null::varchar as sheet, _source_row_number as row_number,
            x.c as column_name, x.v as value, x.r as reason
        from (select _source_row_number, unnest(_problems) as x from {table})
        """
    )


def _problems(fields: list[Field], *, source: str) -> str:
    items = []
    for f in fields:
        column = f.column or f.name
        value = f.value or f"{source}.{quote_ident(column)}::varchar"
        items.append(
            f"case when not coalesce(({f.ok}), false) then {{'c': {sql_literal(column)}, "
            f"'v': ({value})::varchar, 'r': ({f.reason})::varchar}} end"
        )
    return f"list_filter([{', '.join(items)}], lambda x: x is not null)"


def good_rows(
    con: duckdb.DuckDBPyConnection, parsed: str, columns: list[str]
) -> duckdb.DuckDBPyRelation:
    """The parsed rows without problems, with ``columns`` and ``_source_row_number``."""
    cols = ", ".join(quote_ident(c) for c in columns)
    return con.sql(f"select {cols}, _source_row_number from {parsed} where len(_problems) = 0")
