"""DuckDB access for the build database and the published copy, with errors a user can act on.

Rules from ../shared/notes/STACK.md: one writer per file, and dbt runs as a subprocess,
so every connection here is opened for one step and closed before the step ends.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pyarrow as pa

from orchestration.settings import EgovError, Settings

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
        con.execute(f'create schema if not exists "{schema}"')
        con.register("_incoming", data)
        con.execute(f'create or replace table "{schema}"."{table}" as select * from _incoming')
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


# BI sees the marts (dimensions, facts, reconciliation) and the check history: nothing else.
PUBLISHED_AUDIT_TABLES = ("audit.check_results",)


@dataclass(frozen=True)
class Publication:
    path: Path
    published_at: dt.datetime
    tables: dict[str, int]


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def publish(build_db: Path, published_db: Path, run_id: str) -> Publication:
    """Copy the BI-facing schemas of ``build_db`` into a new file and swap it in atomically.

    The new file is written under a temporary name beside the target, flushed to disk
    and renamed over ``published_db``: a reader that has the old file open keeps its
    snapshot, a reader that opens later sees the new one, and a failure before the
    rename leaves the published file as it was.
    """
    published_db.parent.mkdir(parents=True, exist_ok=True)
    tmp = published_db.with_name(f".{published_db.name}.{uuid.uuid4().hex}.tmp")
    published_at = dt.datetime.now(dt.UTC).replace(microsecond=0)
    tables: dict[str, int] = {}
    try:
        with connect(tmp) as con:
            con.execute(f"attach '{build_db}' as build (read_only)")
            listed = con.execute(
                "select schema_name, table_name from duckdb_tables() "
                "where database_name = 'build' "
                "and (schema_name = 'marts' or schema_name || '.' || table_name in ?) "
                "order by all",
                [list(PUBLISHED_AUDIT_TABLES)],
            ).fetchall()
            if not any(schema == "marts" for schema, _ in listed):
                raise EgovError(f"{build_db} has no marts: nothing to publish")
            for schema, table in listed:
                con.execute(f'create schema if not exists "{schema}"')
                con.execute(
                    f'create table "{schema}"."{table}" as select * from build."{schema}"."{table}"'
                )
                tables[f"{schema}.{table}"] = con.execute(
                    f'select count(*) from "{schema}"."{table}"'
                ).fetchall()[0][0]
            con.execute("detach build")
            con.execute("create schema if not exists audit")
            con.execute(
                "create table audit.publication as select ? as run_id, ? as published_at, "
                "? as source_build_db",
                [run_id, published_at, str(build_db)],
            )
            con.execute(
                "create table audit.published_tables as "
                "select unnest(?) as table_name, unnest(?) as row_count",
                [list(tables), list(tables.values())],
            )
            con.execute("checkpoint")
        _fsync(tmp)
        os.replace(tmp, published_db)
        _fsync(published_db.parent)
    finally:
        tmp.unlink(missing_ok=True)
    return Publication(published_db, published_at, tables)
