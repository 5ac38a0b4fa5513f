"""DuckDB access for the build database and the published copy, with errors a user can act on.

Rules from ../shared/notes/STACK.md: one writer per file, and dbt runs as a subprocess,
so every connection here is opened for one step and closed before the step ends.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pyarrow as pa

from orchestration.settings import EgovError, Settings
from sources.sql import quote_ident, quote_table

_LOCK = re.compile(r"Conflicting lock is held in (?P<prog>\S+) \(PID (?P<pid>\d+)\)")


@contextlib.contextmanager
def connect(
    path: Path, *, read_only: bool = False, config: dict[str, str] | None = None
) -> Iterator[duckdb.DuckDBPyConnection]:
    """Open ``path``; a locked or corrupt file raises :class:`EgovError` naming it."""
    if read_only and not path.exists():
        raise EgovError(f"database {path} does not exist yet: run `egov run` first")
    try:
        con = duckdb.connect(str(path), read_only=read_only, config=config or {})
    except duckdb.IOException as exc:
        text = str(exc)
        lock = _LOCK.search(text)
        if lock:
            raise EgovError(
                f"database {path} is locked by process {lock['pid']} ({lock['prog']}): wait for "
                "that run to finish, or stop it, then try again"
            ) from None
        if "not a valid DuckDB database file" in text:
            raise EgovError(
                f"database {path} is corrupt (not a DuckDB file): move it aside and run "
                "`egov run` to rebuild it"
            ) from None
        raise EgovError(f"cannot open database {path}: {text}") from None
    try:
        yield con
    finally:
        con.close()


def replace_table(con: duckdb.DuckDBPyConnection, schema: str, table: str, data: pa.Table) -> int:
    """Replace ``schema.table`` with ``data`` in one transaction; returns the row count."""
    con.execute("begin transaction")
    try:
        con.execute(f"create schema if not exists {quote_ident(schema)}")
        con.register("_incoming", data)
        con.execute(
            f"create or replace table {quote_table(f'{schema}.{table}')} as select * from _incoming"
        )
        con.unregister("_incoming")
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        raise
    return data.num_rows


def build_connection(
    settings: Settings,
) -> contextlib.AbstractContextManager[duckdb.DuckDBPyConnection]:
    """The build database, writable, with the memory limit and spill folder of settings."""
    settings.duckdb_temp_dir.mkdir(parents=True, exist_ok=True)
    return connect(
        settings.build_db,
        config={
            "memory_limit": settings.duckdb_memory_limit,
            "temp_directory": str(settings.duckdb_temp_dir),
        },
    )
