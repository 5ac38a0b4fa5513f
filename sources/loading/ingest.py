"""Load one landed file into DuckDB: archive, manifest, quarantine, restatement history.

Dagster-free; the ingest assets and ``egov ingest`` call :func:`ingest_file`.

- Every file is first copied to ``archive/<source>/<sha256><suffix>`` (read-only), so
  the exact bytes behind every row stay available.
- The same bytes again (under any name) are a no-op that says which load has them.
- Rows that fail parsing or mapping go to ``raw.<source>__rejects`` with file, row,
  column, value and reason. A file whose rejected share exceeds the source's threshold
  fails whole and loads nothing. Rows sharing a natural key are all rejected: which one
  is right cannot be known.
- A new file for a slot that holds rows replaces them in one transaction; the replaced
  rows move to ``raw.<source>__history`` (revisions of official data are never lost).
- Mutable records: a source whose schema has an ``extracted_at`` column (dossiers) keeps
  the latest state of each natural key across files instead: a row replaces the loaded
  row of its key only when its extraction is newer (the loaded one moves to history); a
  row with an older extraction than the loaded state never overwrites it: it goes
  straight to history (superseded by the load holding the newer state), is counted
  (``LoadOutcome.rows_kept_newer``) and the load's warnings say so ("N row(s) hold an
  older extraction than the loaded state ... older extraction (...) than the loaded
  state (...): kept the newer"); an equal extraction with equal values is a no-op, with
  other values a reject (which is right cannot be known); a key loaded with another
  ``received_at`` is another record under the same key: a reject.
  Set-based in DuckDB: one join of the file's rows with the table per load, whatever
  the volume.
- ``audit.load_manifest`` has one row per attempted load: which file (name, sha256,
  bytes, archive path) produced which rows (``_load_id`` on every raw row), with counts,
  times, status and error.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import os
import re
import shutil
import unicodedata
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pyarrow as pa

from sources.loading.spec import REJECT_COLUMNS, FileSlot, ReadContext, SourceFileError, SourceSpec
from sources.sql import quote_ident

log = logging.getLogger(__name__)

METADATA_SCHEMA = pa.schema(
    [
        ("_load_id", pa.string()),
        ("_source_file_name", pa.string()),
        ("_source_file_sha256", pa.string()),
        ("_source_sheet", pa.string()),
        ("_source_row_number", pa.int64()),
        ("_partition_key", pa.string()),
        ("_slot", pa.string()),
        ("_loaded_at", pa.timestamp("us", tz="UTC")),
    ]
)
HISTORY_SCHEMA = pa.schema(
    [("_superseded_at", pa.timestamp("us", tz="UTC")), ("_superseded_by_load_id", pa.string())]
)
REJECTS_SCHEMA = pa.schema(
    [
        ("_load_id", pa.string()),
        ("_source_file_name", pa.string()),
        ("_source_file_sha256", pa.string()),
        ("_partition_key", pa.string()),
        ("_slot", pa.string()),
        ("sheet", pa.string()),
        ("row_number", pa.int64()),
        ("column_name", pa.string()),
        ("value", pa.string()),
        ("reason", pa.string()),
        ("_rejected_at", pa.timestamp("us", tz="UTC")),
    ]
)
MANIFEST_SCHEMA = pa.schema(
    [
        ("load_id", pa.string()),
        ("source", pa.string()),
        ("partition_key", pa.string()),
        ("slot", pa.string()),
        ("file_name", pa.string()),
        ("sha256", pa.string()),
        ("bytes", pa.int64()),
        ("archive_path", pa.string()),
        ("rows_read", pa.int64()),
        ("rows_loaded", pa.int64()),
        ("rows_rejected", pa.int64()),
        ("rows_replaced", pa.int64()),
        ("started_at", pa.timestamp("us", tz="UTC")),
        ("finished_at", pa.timestamp("us", tz="UTC")),
        ("status", pa.string()),  # loaded | superseded | failed
        ("superseded_by", pa.string()),
        ("warnings", pa.string()),
        ("error", pa.string()),
    ]
)
# Mutable records: columns that never change across a key's states (a row whose key is
# loaded with another value is another record under the same key, and rejected).
IDENTITY_COLUMNS = ("received_at",)
_UNSAFE = re.compile(r"[\x00-\x1f\x7f/\\]")


class SourceSchemaError(RuntimeError):
    """A raw table exists with other columns than its source spec declares."""


@dataclass
class LoadOutcome:
    """What happened to one file."""

    source: str
    file_name: str
    sha256: str
    status: str  # loaded | unchanged | failed
    message: str
    load_id: str | None = None
    partition_key: str | None = None
    slot: str | None = None
    rows_read: int = 0
    rows_loaded: int = 0
    rows_rejected: int = 0
    rows_replaced: int = 0
    warnings: list[str] = field(default_factory=list)
    rows_kept_newer: int = 0  # mutable records: states older than the loaded ones (history)


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def safe_file_name(name: str) -> str:
    """``name`` if it is a plain file name; a name with a path in it (``../x``) or
    control characters is refused, so that nothing is ever written outside its folder."""
    name = unicodedata.normalize("NFC", name)
    if not name or name in (".", "..") or ".." in name.split("/") or _UNSAFE.search(name):
        raise SourceFileError(
            name or "''",
            "is not a plain file name (path separators, '..' or control characters): refused",
        )
    if name.startswith("."):
        raise SourceFileError(name, "hidden file names are not loaded")
    return name


def _create_like(con: duckdb.DuckDBPyConnection, table: str, schema: pa.Schema) -> None:
    con.register("_empty_schema", schema.empty_table())
    con.execute(f"create table if not exists {table} as select * from _empty_schema")
    con.unregister("_empty_schema")


def _columns(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> list[str]:
    return [
        r[0]
        for r in con.execute(
            "select column_name from duckdb_columns() where schema_name = ? and table_name = ? "
            "and database_name = current_database() order by column_index",
            [schema, table],
        ).fetchall()
    ]


def ensure_tables(con: duckdb.DuckDBPyConnection, spec: SourceSpec) -> None:
    """Create the raw, history, rejects and manifest tables when missing; refuse a raw
    table whose columns differ from the spec (a changed spec needs a migration)."""
    con.execute("create schema if not exists raw; create schema if not exists audit")
    raw_schema = pa.schema(list(spec.schema) + list(METADATA_SCHEMA))
    existing = _columns(con, "raw", spec.name)
    if existing and existing != raw_schema.names:
        raise SourceSchemaError(
            f"raw.{spec.name} has columns {existing}, but the source spec declares "
            f"{raw_schema.names}: migrate the table (or drop it and reload from archive/)"
        )
    _create_like(con, f"raw.{spec.name}", raw_schema)
    _create_like(
        con, f"raw.{spec.name}__history", pa.schema(list(raw_schema) + list(HISTORY_SCHEMA))
    )
    _create_like(con, f"raw.{spec.name}__rejects", REJECTS_SCHEMA)
    _create_like(con, "audit.load_manifest", MANIFEST_SCHEMA)


def _archive(path: Path, archive_dir: Path, source: str, sha: str, suffix: str) -> Path:
    target = archive_dir / source / f"{sha}{suffix.lower()}"
    if target.exists():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.{uuid.uuid4().hex}.tmp")
    shutil.copyfile(path, tmp)
    os.chmod(tmp, 0o444)
    os.replace(tmp, target)
    return target


def _previous_load(con: duckdb.DuckDBPyConnection, source: str, sha: str) -> tuple | None:
    rows = con.execute(
        "select load_id, file_name, status, finished_at from audit.load_manifest "
        "where source = ? and sha256 = ? and status in ('loaded', 'superseded') "
        "order by finished_at limit 1",
        [source, sha],
    ).fetchall()
    return rows[0] if rows else None


def _insert_manifest(con: duckdb.DuckDBPyConnection, row: dict) -> None:
    con.register("_manifest_row", pa.Table.from_pylist([row], schema=MANIFEST_SCHEMA))
    con.execute("insert into audit.load_manifest by name select * from _manifest_row")
    con.unregister("_manifest_row")


def _duplicate_key_rejects(con: duckdb.DuckDBPyConnection, spec: SourceSpec) -> int:
    """Move every row whose natural key repeats from _incoming to _incoming_rejects:
    which of them is right cannot be known."""
    keys = ", ".join(quote_ident(k) for k in spec.natural_key)
    key_text = " || ' / ' || ".join(
        f"coalesce({quote_ident(k)}::varchar, '∅')" for k in spec.natural_key
    )
    where = "coalesce(_source_sheet || ' ', '') || 'row ' || _source_row_number"
    con.execute(
        f"""
        create or replace temp table _dup as
        select {keys}, _source_sheet, _source_row_number, {key_text} as key_value,
            count(*) over (partition by {keys}) as n,
            string_agg({where}, ', ' order by _source_sheet, _source_row_number)
                over (partition by {keys}) as rows_at
        from _incoming
        qualify n > 1
        """
    )
    n = con.execute("select count(*) from _dup").fetchall()[0][0]
    if n:
        label = " + ".join(spec.natural_key)
        match = " and ".join(
            f"d.{quote_ident(k)} is not distinct from i.{quote_ident(k)}" for k in spec.natural_key
        )
        con.execute(
            f"""
            insert into _incoming_rejects
            select distinct _source_sheet, _source_row_number, '{label}', key_value,
                'the key ' || key_value || ' appears ' || n || ' times (' || rows_at || ')'
            from _dup;
            delete from _incoming as i where exists (select 1 from _dup as d where {match});
            """
        )
    return n


def ingest_file(
    con: duckdb.DuckDBPyConnection,
    spec: SourceSpec,
    path: Path,
    *,
    archive_dir: Path,
    work_dir: Path,
    file_name: str | None = None,
) -> LoadOutcome:
    """Load ``path`` (landed as ``file_name``) into ``raw.<spec.name>``.

    Returns the outcome for ``loaded`` and ``unchanged``; raises :class:`SourceFileError`
    (after recording a ``failed`` manifest row) when the file cannot be loaded whole.
    """
    name = safe_file_name(file_name or path.name)
    slot = spec.match(name)
    if slot is None:
        raise SourceFileError(
            name, f"is not a {spec.name} file name (expected a name like {spec.file_example})"
        )
    ensure_tables(con, spec)
    sha = file_sha256(path)
    previous = _previous_load(con, spec.name, sha)
    if previous is not None:
        load_id, earlier, status, finished = previous
        return LoadOutcome(
            spec.name, name, sha, "unchanged",
            f"{name}: same bytes as {earlier}, {status} by load {load_id} at "
            f"{finished:%Y-%m-%d %H:%M:%S}: nothing to do",
            load_id=load_id, partition_key=slot.partition_key, slot=slot.slot,
        )  # fmt: skip
    load_id = uuid.uuid4().hex
    con.execute("drop table if exists _incoming; drop table if exists _incoming_rejects")
    size = path.stat().st_size
    archived = _archive(path, archive_dir, spec.name, sha, path.suffix)
    started = dt.datetime.now(dt.UTC)
    manifest = {
        "load_id": load_id, "source": spec.name, "partition_key": slot.partition_key,
        "slot": slot.slot, "file_name": name, "sha256": sha, "bytes": size,
        "archive_path": str(archived), "rows_read": 0, "rows_loaded": 0, "rows_rejected": 0,
        "rows_replaced": 0, "started_at": started, "finished_at": None, "status": None,
        "superseded_by": None, "warnings": None, "error": None,
    }  # fmt: skip
    warnings: list[str] = []
    try:
        result = spec.reader(
            ReadContext(con, archived, name, slot, load_id, spec.encoding, work_dir / load_id)
        )
        warnings = result.warnings
        result.rows.create_view("_rows_rel", replace=True)
        result.rejects.create_view("_rejects_rel", replace=True)
        expected = [*spec.schema.names, "_source_row_number"]
        got = [c for c in result.rows.columns if c != "_source_sheet"]
        if sorted(got) != sorted(expected):
            raise RuntimeError(f"reader of {spec.name} returned columns {got}, expected {expected}")
        sheet = "_source_sheet" if "_source_sheet" in result.rows.columns else "null::varchar"
        cols = ", ".join(quote_ident(c) for c in expected)
        con.execute(
            f"create or replace temp table _incoming as select {cols}, "
            f"{sheet} as _source_sheet from _rows_rel"
        )
        con.execute(
            "create or replace temp table _incoming_rejects as select "
            + ", ".join(REJECT_COLUMNS)
            + " from _rejects_rel"
        )
        _duplicate_key_rejects(con, spec)
        if is_mutable(spec):
            _classify(con, spec)
        rejected = con.execute(
            "select count(distinct (coalesce(sheet, ''), row_number)) from _incoming_rejects"
        ).fetchall()[0][0]
        loaded = con.execute("select count(*) from _incoming").fetchall()[0][0]
        manifest.update(rows_read=result.rows_read, rows_loaded=loaded, rows_rejected=rejected)
        share = rejected / result.rows_read if result.rows_read else 1.0
        if share > spec.reject_threshold:
            first = con.execute(
                "select sheet, row_number, column_name, value, reason from _incoming_rejects "
                "order by sheet nulls first, row_number limit 3"
            ).fetchall()
            examples = "; ".join(
                (f"sheet {sh!r} " if sh else "") + f"row {r} column {c!r} value {v!r}: {why}"
                for sh, r, c, v, why in first
            )
            raise SourceFileError(
                name,
                f"{rejected} of {result.rows_read} rows rejected ({share:.2%}, above the "
                f"{spec.reject_threshold:.0%} threshold of {spec.name}): nothing loaded; first: "
                f"{examples}",
            )
        now = dt.datetime.now(dt.UTC)
        meta = {
            "load": load_id, "name": name, "sha": sha, "part": slot.partition_key,
            "slot": slot.slot, "now": now,
        }  # fmt: skip
        raw = f"raw.{spec.name}"
        kept_newer = 0
        con.execute("begin transaction")
        try:
            if is_mutable(spec):
                loaded, replaced, kept_newer = _merge_latest(con, spec, meta)
                if kept_newer:
                    warnings.append(kept_newer_note(con, spec, name, kept_newer))
                manifest.update(rows_loaded=loaded)
            else:
                replaced = con.execute(
                    f"select count(*) from {raw} where _slot = $slot", {"slot": slot.slot}
                ).fetchall()[0][0]
                con.execute(
                    f"insert into {raw}__history select *, $now, $load from {raw} "
                    "where _slot = $slot",
                    {"now": now, "load": load_id, "slot": slot.slot},
                )
                con.execute(f"delete from {raw} where _slot = $slot", {"slot": slot.slot})
                _insert_incoming(con, spec, meta)
            _insert_rejects(con, spec, meta)
            if not is_mutable(spec):
                con.execute(
                    "update audit.load_manifest set status = 'superseded', superseded_by = $load "
                    "where source = $source and slot = $slot and status = 'loaded'",
                    {"load": load_id, "source": spec.name, "slot": slot.slot},
                )
            manifest.update(
                rows_replaced=replaced, finished_at=dt.datetime.now(dt.UTC), status="loaded",
                warnings="\n".join(warnings) or None,
            )  # fmt: skip
            _insert_manifest(con, manifest)
            con.execute("commit")
        except BaseException:
            con.execute("rollback")
            raise
    except Exception as exc:
        # Any failure is on record: the file is archived, so the attempt must be too.
        error = str(exc) if isinstance(exc, SourceFileError) else f"{type(exc).__name__}: {exc}"
        manifest.update(finished_at=dt.datetime.now(dt.UTC), status="failed", error=error)
        manifest["warnings"] = "\n".join(warnings) or None
        _record_failure(con, spec, manifest)
        if isinstance(exc, duckdb.Error):
            raise SourceFileError(name, f"could not be read: {error}") from exc
        raise
    finally:
        shutil.rmtree(work_dir / load_id, ignore_errors=True)
        _drop_temp_tables(con)
    message = (
        f"{name}: loaded {loaded} rows into raw.{spec.name} ({slot.slot})"
        + (f", {rejected} rejected" if rejected else "")
        + (f", replacing {replaced} rows kept in raw.{spec.name}__history" if replaced else "")
        + (f", {kept_newer} older than the loaded state (kept the newer)" if kept_newer else "")
    )
    return LoadOutcome(
        spec.name, name, sha, "loaded", message, load_id=load_id,
        partition_key=slot.partition_key, slot=slot.slot, rows_read=result.rows_read,
        rows_loaded=loaded, rows_rejected=rejected, rows_replaced=replaced, warnings=warnings,
        rows_kept_newer=kept_newer,
    )  # fmt: skip


def is_mutable(spec: SourceSpec) -> bool:
    """A source of mutable records: its rows carry their extraction time (``extracted_at``)
    and the table keeps the latest state of each natural key."""
    return "extracted_at" in spec.schema.names


def _insert_incoming(con: duckdb.DuckDBPyConnection, spec: SourceSpec, meta: dict) -> None:
    con.execute(
        f"""
        insert into raw.{spec.name} by name
        select {", ".join(quote_ident(c) for c in spec.schema.names)},
            _source_sheet, _source_row_number,
            $load as _load_id, $name as _source_file_name,
            $sha as _source_file_sha256, $part as _partition_key, $slot as _slot,
            $now as _loaded_at
        from _incoming
        """,
        meta,
    )


def _classify(con: duckdb.DuckDBPyConnection, spec: SourceSpec) -> None:
    """Temp table ``_verdicts``: each incoming row against the loaded state of its key -
    new, newer, older, same (equal values), conflict (same time, other values) or clash:
    loaded with another identity (``IDENTITY_COLUMNS``, another ``received_at``), i.e.
    another record under the same key. Clashing rows move to the rejects (they count as
    rejected), so that the threshold sees them; one join of the file with the table."""
    raw = f"raw.{spec.name}"
    keys = [quote_ident(k) for k in spec.natural_key]
    firsts = [quote_ident(c) for c in spec.schema.names if c.startswith("first_")]
    identity = [quote_ident(c) for c in IDENTITY_COLUMNS if c in spec.schema.names]
    on = " and ".join(f"i.{k} = r.{k}" for k in keys)
    same = " and ".join(
        f"i.{quote_ident(c)} is not distinct from r.{quote_ident(c)}"
        for c in spec.schema.names
        if not c.startswith("first_")
    )
    clash = " or ".join(f"i.{c} is distinct from r.{c}" for c in identity) or "false"
    loaded_identity = (
        " || ', ' || ".join(
            f"'{c.strip(chr(34))} ' || coalesce(r.{c}::varchar, '∅')" for c in identity
        )
        or "''"
    )
    loaded_firsts = "".join(f", r.{c} as {quote_ident('_loaded_' + c[1:-1])}" for c in firsts)
    key_text = " || ' / ' || ".join(f"i.{k}::varchar" for k in keys)
    con.execute(
        f"""
        create or replace temp table _verdicts as
        select
            {", ".join(f"i.{k}" for k in keys)},
            i._source_sheet, i._source_row_number, {key_text} as key_value,
            i.extracted_at as incoming_at, r.extracted_at as loaded_at,
            r._source_file_name as loaded_file, {loaded_identity} as loaded_identity
            {loaded_firsts},
            case
                when r.extracted_at is null then 'new'
                when {clash} then 'clash'
                when i.extracted_at > r.extracted_at then 'newer'
                when i.extracted_at < r.extracted_at then 'older'
                when {same} then 'same'
                else 'conflict'
            end as verdict
        from _incoming as i
        left join {raw} as r on {on}
        """
    )
    label = " + ".join(spec.natural_key)
    con.execute(
        f"""
        insert into _incoming_rejects
        select _source_sheet, _source_row_number, '{label}', key_value,
            'the key ' || key_value || ' is loaded with ' || loaded_identity
            || ' (' || loaded_file || '): another record under the same key, '
            || 'not a later state of it'
        from _verdicts where verdict = 'clash'
        union all
        select _source_sheet, _source_row_number, 'extracted_at',
            strftime(incoming_at, '%Y-%m-%d %H:%M:%S'),
            'same extraction time as the loaded state of ' || key_value || ' ('
            || loaded_file || ') but other values: which is right cannot be known, '
            || 'kept the loaded'
        from _verdicts where verdict = 'conflict';
        delete from _incoming as i where exists (
            select 1 from _verdicts as v
            where v.verdict in ('clash', 'conflict')
                and v._source_row_number = i._source_row_number
                and v._source_sheet is not distinct from i._source_sheet
        );
        delete from _verdicts where verdict in ('clash', 'conflict');
        """
    )


def _merge_latest(
    con: duckdb.DuckDBPyConnection, spec: SourceSpec, meta: dict
) -> tuple[int, int, int]:
    """Merge ``_incoming`` into ``raw.<source>`` by the verdicts of :func:`_classify`,
    keeping the latest extraction of every natural key; returns (rows loaded, loaded rows
    replaced, rows older than the loaded state). Columns named ``first_*`` keep their
    least value across a key's states (the first export that delivered it). Runs inside
    the load's transaction."""
    raw = f"raw.{spec.name}"
    keys = [quote_ident(k) for k in spec.natural_key]
    firsts = [quote_ident(c) for c in spec.schema.names if c.startswith("first_")]
    on = " and ".join(f"i.{k} = r.{k}" for k in keys)
    counts = dict(
        con.execute("select verdict, count(*) from _verdicts group by verdict").fetchall()
    )
    replaced = counts.get("newer", 0)
    match = " and ".join(f"r.{k} = v.{k}" for k in keys)
    if replaced:
        con.execute(
            f"""
            insert into {raw}__history
            select r.*, $now, $load from {raw} as r
            semi join _verdicts as v on {match} and v.verdict = 'newer'
            """,
            {"now": meta["now"], "load": meta["load"]},
        )
        con.execute(
            f"delete from {raw} as r using _verdicts as v where {match} and v.verdict = 'newer'"
        )
    least = {c.strip('"'): f"least(i.{c}, v.{quote_ident('_loaded_' + c[1:-1])})" for c in firsts}
    con.execute(
        f"""
        insert into {raw} by name
        select
            {
            ", ".join(
                least.get(c, f"i.{quote_ident(c)}") + f" as {quote_ident(c)}"
                for c in spec.schema.names
            )
        },
            i._source_sheet, i._source_row_number,
            $load as _load_id, $name as _source_file_name,
            $sha as _source_file_sha256, $part as _partition_key, $slot as _slot,
            $now as _loaded_at
        from _incoming as i
        inner join _verdicts as v
            on v._source_row_number = i._source_row_number
            and v._source_sheet is not distinct from i._source_sheet
        where v.verdict in ('new', 'newer')
        """,
        meta,
    )
    for c in firsts if set(counts) - {"new", "newer"} else []:
        # An older or equal state still tells which export delivered the key first.
        con.execute(
            f"""
            update {raw} as r set {c} = i.{c}
            from _incoming as i
            inner join _verdicts as v
                on v._source_row_number = i._source_row_number
                and v._source_sheet is not distinct from i._source_sheet
            where {match} and v.verdict not in ('new', 'newer') and i.{c} < r.{c}
            """
        )
    kept = counts.get("older", 0)
    if kept:
        # States older than the loaded one are history too: superseded by the newer state.
        con.execute(
            f"""
            insert into {raw}__history by name
            select
                {", ".join(f"i.{quote_ident(c)}" for c in spec.schema.names)},
                i._source_sheet, i._source_row_number,
                $load as _load_id, $name as _source_file_name,
                $sha as _source_file_sha256, $part as _partition_key, $slot as _slot,
                $now as _loaded_at, $now as _superseded_at,
                r._load_id as _superseded_by_load_id
            from _incoming as i
            inner join _verdicts as v
                on v._source_row_number = i._source_row_number
                and v._source_sheet is not distinct from i._source_sheet
            inner join {raw} as r on {on}
            where v.verdict = 'older'
            """,
            meta,
        )
    return counts.get("new", 0) + replaced, replaced, kept


def kept_newer_note(con: duckdb.DuckDBPyConnection, spec: SourceSpec, name: str, n: int) -> str:
    """The load's warning for rows older than the loaded state, with the first example."""
    incoming, loaded, loaded_file, row = con.execute(
        """
        select strftime(incoming_at, '%Y-%m-%d %H:%M:%S'),
            strftime(loaded_at, '%Y-%m-%d %H:%M:%S'), loaded_file, _source_row_number
        from _verdicts where verdict = 'older'
        order by _source_sheet nulls first, _source_row_number limit 1
        """
    ).fetchall()[0]
    example = (
        f"older extraction ({incoming}) than the loaded state ({loaded}, {loaded_file}): "
        "kept the newer"
    )
    key = " + ".join(spec.natural_key)
    return (
        f"{name}: {n} row(s) hold an older extraction than the loaded state of their {key} "
        f"(first, row {row}: {example}); kept in raw.{spec.name}__history"
    )


def _drop_temp_tables(con: duckdb.DuckDBPyConnection) -> None:
    """Readers stage whole files in temp tables: free them once the file is done."""
    for (table,) in con.execute(
        "select table_name from duckdb_tables() where temporary"
    ).fetchall():
        con.execute(f"drop table if exists temp.{quote_ident(table)}")


def _insert_rejects(con: duckdb.DuckDBPyConnection, spec: SourceSpec, meta: dict) -> None:
    con.execute(
        f"""
        insert into raw.{spec.name}__rejects by name
        select $load as _load_id, $name as _source_file_name, $sha as _source_file_sha256,
            $part as _partition_key, $slot as _slot, sheet, row_number, column_name, value,
            reason,
            $now as _rejected_at
        from _incoming_rejects
        """,
        meta,
    )


def _record_failure(con: duckdb.DuckDBPyConnection, spec: SourceSpec, manifest: dict) -> None:
    """The failed attempt and its rejects (when it got that far) stay on record."""
    con.execute("begin transaction")
    try:
        has_rejects = con.execute(
            "select count(*) from duckdb_tables() "
            "where temporary and table_name = '_incoming_rejects'"
        ).fetchall()[0][0]
        if has_rejects and manifest["rows_read"]:
            _insert_rejects(
                con,
                spec,
                {
                    "load": manifest["load_id"], "name": manifest["file_name"],
                    "sha": manifest["sha256"], "part": manifest["partition_key"],
                    "slot": manifest["slot"], "now": manifest["finished_at"],
                },
            )  # fmt: skip
        _insert_manifest(con, manifest)
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        raise


@dataclass(frozen=True)
class LandedFile:
    """A file found in a source's landing folder."""

    path: Path
    slot: FileSlot | None  # None when the name is not one of the source's
    sha256: str


def scan_landing(spec: SourceSpec, folder: Path) -> list[LandedFile]:
    """The source's landed files (hidden and temporary names skipped), in load order:
    by partition and slot, then oldest first, so a later file restates an earlier one."""
    if not folder.is_dir():
        return []
    found = []
    for path in folder.iterdir():
        if not path.is_file() or path.name.startswith(".") or path.name.endswith(".tmp"):
            continue
        found.append((path, spec.match(path.name)))
    found.sort(
        key=lambda item: (
            item[1] is None,
            item[1].partition_key if item[1] else "",
            item[1].slot if item[1] else "",
            item[0].stat().st_mtime_ns,
            item[0].name,
        )
    )
    return [LandedFile(path, slot, file_sha256(path)) for path, slot in found]


def loaded_hashes(con: duckdb.DuckDBPyConnection, source: str) -> set[str]:
    """sha256 of every file of ``source`` already loaded (or loaded then superseded)."""
    exists = con.execute(
        "select count(*) from duckdb_tables() where schema_name = 'audit' "
        "and table_name = 'load_manifest'"
    ).fetchall()[0][0]
    if not exists:
        return set()
    return {
        r[0]
        for r in con.execute(
            "select sha256 from audit.load_manifest where source = ? "
            "and status in ('loaded', 'superseded')",
            [source],
        ).fetchall()
    }
