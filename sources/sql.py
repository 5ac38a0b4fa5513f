"""SQL text helpers shared by every part of sources/ and quality/: quoting and the one
"does this table exist" query. Values go in as bound parameters wherever DuckDB allows;
these are for identifiers and for the few places (views, ``read_csv`` options) where a
literal must be written into the statement."""

from __future__ import annotations

import duckdb


def quote_ident(name: str) -> str:
    """One identifier, double-quoted, inner double quotes doubled."""
    return '"' + name.replace('"', '""') + '"'


def quote_table(table: str) -> str:
    """A dotted name (``raw.disbursement``), each part quoted as an identifier."""
    return ".".join(quote_ident(part) for part in table.split("."))


def sql_literal(text: str) -> str:
    """A string literal, single-quoted, inner single quotes doubled."""
    return "'" + text.replace("'", "''") + "'"


def table_exists(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> bool:
    """Whether ``schema.table`` exists (a table or a view) in the connection's database."""
    found = con.execute(
        "select count(*) from duckdb_tables() where schema_name = ? and table_name = ? "
        "union all "
        "select count(*) from duckdb_views() where schema_name = ? and view_name = ?",
        [schema, table, schema, table],
    ).fetchall()
    return any(n for (n,) in found)
