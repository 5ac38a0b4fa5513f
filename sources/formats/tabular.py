"""Turn a temp table of text columns into typed rows and row-level rejects, in SQL.

Each :class:`Field` says how to parse one output column and when the text is acceptable;
every failed check becomes one reject (row, column, value, reason). A row with any
reject is kept out of the loaded rows. Nothing here iterates over rows in Python.
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


def text(column: str, name: str, *, required: bool = True) -> Field:
    """A text column, NFC and trimmed; blank is null (a reject when required)."""
    src = quote_ident(column)
    return Field(
        name,
        f"nullif(trim(nfc_normalize({src})), '')",
        ok=f"nullif(trim({src}), '') is not null" if required else "true",
        column=column,
        reason="'required value is blank'",
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
) -> tuple[str, duckdb.DuckDBPyRelation]:
    """Create temp table ``<text_table>_parsed``: the text columns, the parsed fields
    and a ``_problems`` list; return (its name, the rejects relation). ``checks`` run
    over that table, so they may use both the file's columns and the fields' names."""
    parsed = f"{text_table}_parsed"
    selects = ", ".join(f"{f.parse} as {quote_ident(f.name)}" for f in fields)
    problems = _problems(fields, source="t")
    con.execute(
        f"""
        create or replace temp table {parsed} as
        select t.*, {selects}, {problems} as _problems
        from {text_table} as t
        """
    )
    if checks:
        more = _problems(list(checks), source="p")
        con.execute(
            f"""
            create or replace temp table {parsed} as
            select p.* replace (list_concat(p._problems, {more}) as _problems)
            from {parsed} as p
            """
        )
    return parsed, rejects_of(con, parsed)


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
