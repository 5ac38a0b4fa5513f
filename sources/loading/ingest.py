"""Load one landed file into DuckDB: archive, manifest, quarantine, restatement history.

Dagster-free; the ingest assets and ``egov ingest`` call :func:`ingest_file`.

- Every file is first archived as ``archive/<source>/<sha256><suffix>`` (read-only), so
  the exact bytes behind every row stay available. The archive is the copy of record and
  the landed file does not stay a second copy: the archive entry is a hard link to the
  landed file (one inode, read-only under both names, stored once) when both are on one
  filesystem, else a copy. The landed file stays in ``landing/`` (the landing scan and
  backfills read it, and ``egov run`` places the sample only in an empty ``landing/``), so
  a landed file is corrected by writing a new file under its name (write then rename, or
  delete then write: what ``egov ingest``, ``egov fetch`` and the sample writers do),
  which leaves the archived bytes as they were; editing it in place is refused by its
  read-only mode (root can override that, and would then alter the archived bytes).
- The same bytes again (under any name) are a no-op that says which load has them.
- Rows that fail parsing or mapping go to ``raw.<source>__rejects`` with file, row,
  column, value and reason. A file whose rejected share exceeds the source's threshold
  fails whole and loads nothing. Rows sharing a natural key are all rejected: which one
  is right cannot be known.
- A new file for a slot that holds rows replaces them in one transaction; the replaced
  rows move to ``raw.<source>__history`` (revisions of official data are never lost).
- Mutable records (a source with ``extracted_at``, the dossiers) keep the latest state of
  each natural key across files instead: :mod:`sources.loading.mutable`.
- ``audit.load_manifest`` has one row per attempted load (written through
  :mod:`sources.loading.audit`): which file produced which rows (``_load_id`` on every
  raw row), with counts, times, status and error.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import os
import re
import shutil
import time
import unicodedata
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pyarrow as pa

from sources.loading import audit
from sources.loading.mutable import classify, is_mutable, kept_newer_note, merge_latest
from sources.loading.spec import REJECT_COLUMNS, FileSlot, ReadContext, SourceFileError, SourceSpec
from sources.sql import quote_ident, table_exists

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
    con.execute("create schema if not exists raw")
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
    audit.migrate(con)


def _archive(path: Path, archive_dir: Path, source: str, sha: str, hashed: os.stat_result) -> Path:
    """``archive/<source>/<sha><suffix>``, read-only: a hard link to ``path`` (same
    filesystem: stored once), else a copy. ``hashed``: the file's stat before hashing."""
    target = archive_dir / source / f"{sha}{path.suffix.lower()}"
    if target.exists():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.{uuid.uuid4().hex}.tmp")
    try:
        os.link(path, tmp)
        os.chmod(tmp, 0o444)  # the landed name too: it is the same inode
    except OSError:  # another filesystem, no hard links, or not the file's owner
        tmp.unlink(missing_ok=True)
        shutil.copyfile(path, tmp)
        os.chmod(tmp, 0o444)
    else:
        linked = tmp.stat()
        if _identity(linked) != _identity(hashed):  # replaced since it was hashed
            tmp.unlink()
            raise SourceFileError(path.name, "changed while it was being archived: load it again")
    os.replace(tmp, target)
    return target


def _identity(stat: os.stat_result) -> tuple[int, int, int, int]:
    return stat.st_dev, stat.st_ino, stat.st_size, stat.st_mtime_ns


def _duplicate_key_rejects(con: duckdb.DuckDBPyConnection, spec: SourceSpec) -> int:
    """Move every row whose natural key repeats from _incoming to _incoming_rejects:
    which of them is right cannot be known."""
    keys = ", ".join(quote_ident(k) for k in spec.natural_key)
    key_text = " || ' / ' || ".join(
        f"coalesce({quote_ident(k)}::varchar, '∅')" for k in spec.natural_key
    )
    where = "coalesce(_source_sheet || ' ', '') || 'row ' || _source_row_number"
    # The repeated keys first (one aggregate), then the details of their rows only.
    repeated = " and ".join(f"i.{quote_ident(k)} is not distinct from d.{quote_ident(k)}"
                            for k in spec.natural_key)  # fmt: skip
    con.execute(
        f"""
        create or replace temp table _dup as
        select {keys}, _source_sheet, _source_row_number, {key_text} as key_value,
            count(*) over (partition by {keys}) as n,
            string_agg({where}, ', ' order by _source_sheet, _source_row_number)
                over (partition by {keys}) as rows_at
        from _incoming as i
        semi join (
            select {keys} from _incoming group by {keys} having count(*) > 1
        ) as d on {repeated}
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
    hashed = path.stat()
    sha = file_sha256(path)
    previous = audit.previous_load(con, spec.name, sha)
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
    size = hashed.st_size
    archived = _archive(path, archive_dir, spec.name, sha, hashed)
    started = dt.datetime.now(dt.UTC)
    manifest = audit.LoadRecord(
        load_id=load_id, source=spec.name, partition_key=slot.partition_key, slot=slot.slot,
        file_name=name, sha256=sha, bytes=size, archive_path=str(archived), started_at=started,
    )  # fmt: skip
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
            classify(con, spec)
        rejected = con.execute(
            "select count(distinct (coalesce(sheet, ''), row_number)) from _incoming_rejects"
        ).fetchall()[0][0]
        loaded = con.execute("select count(*) from _incoming").fetchall()[0][0]
        manifest.rows_read, manifest.rows_loaded = result.rows_read, loaded
        manifest.rows_rejected = rejected
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
                loaded, replaced, kept_newer = merge_latest(con, spec, meta)
                if kept_newer:
                    warnings.append(kept_newer_note(con, spec, name, kept_newer))
                manifest.rows_loaded = loaded
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
                audit.supersede_slot(con, spec.name, slot.slot, load_id)
            manifest.rows_replaced, manifest.status = replaced, "loaded"
            manifest.finished_at = dt.datetime.now(dt.UTC)
            manifest.warnings = "\n".join(warnings) or None
            audit.record_load(con, manifest)
            con.execute("commit")
        except BaseException:
            con.execute("rollback")
            raise
    except Exception as exc:
        # Any failure is on record: the file is archived, so the attempt must be too.
        error = str(exc) if isinstance(exc, SourceFileError) else f"{type(exc).__name__}: {exc}"
        manifest.finished_at, manifest.status = dt.datetime.now(dt.UTC), "failed"
        manifest.error, manifest.warnings = error, "\n".join(warnings) or None
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


def _record_failure(
    con: duckdb.DuckDBPyConnection, spec: SourceSpec, manifest: audit.LoadRecord
) -> None:
    """The failed attempt and its rejects (when it got that far) stay on record."""
    con.execute("begin transaction")
    try:
        # The temp table of the reader's rejects (schema main of database temp).
        if manifest.rows_read and table_exists(con, "main", "_incoming_rejects"):
            _insert_rejects(
                con,
                spec,
                {
                    "load": manifest.load_id, "name": manifest.file_name,
                    "sha": manifest.sha256, "part": manifest.partition_key,
                    "slot": manifest.slot, "now": manifest.finished_at,
                },
            )  # fmt: skip
        audit.record_load(con, manifest)
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


class EditedInPlace(ValueError):
    """A loaded file was rewritten in place (as root, through its read-only mode): the
    landed name and its archive entry are one inode, so the archived bytes changed too."""

    def __init__(self, path: Path, source: str, sha: str) -> None:
        super().__init__(
            f"{path} was changed in place after it was loaded; it is the same file on disk "
            f"as its archive entry archive/{source}/{sha}{path.suffix.lower()}, whose bytes "
            "changed with it (the load manifest keeps the original sha256, the rows loaded "
            "from it are in raw.* and their history). Land corrections as a new file "
            f"(copy to a temporary name, then rename over {path.name}); to go on with this "
            f"one, give it a file of its own: cp {path.name} {path.name}.new && "
            f"mv {path.name}.new {path.name}"
        )


def hash_cache(folder: Path) -> Path:
    """The landing scan's hash cache of ``landing/<source>/``: ``landing/.<source>.sha256.json``
    (beside the folder, hidden, so the folder holds only landed files)."""
    return folder.parent / f".{folder.name}.sha256.json"


# A hash is trusted only for a file last modified this long before it was hashed: a file
# rewritten in place within the filesystem's timestamp resolution of its hashing (same
# size) would otherwise keep its old hash ("racily clean", as git calls it).
_SETTLED_NS = 2_000_000_000


def scan_landing(spec: SourceSpec, folder: Path) -> list[LandedFile]:
    """The source's landed files (hidden and temporary names skipped), in load order:
    by partition and slot, then oldest first, so a later file restates an earlier one.

    A file is hashed only when its (name, size, mtime in ns, inode) is not in the
    folder's :func:`hash_cache` yet: a replaced file (a new inode, or another size or mtime) is
    hashed again. Bytes changed in place under the same size and mtime (``touch -r``)
    are not noticed; delete the cache file to hash everything again. A loaded file
    rewritten in place (same inode, another size or mtime, still linked to its archive
    entry) raises :class:`EditedInPlace`: its archived bytes changed with it."""
    if not folder.is_dir():
        return []
    found = []
    for path in folder.iterdir():
        if not path.is_file() or path.name.startswith(".") or path.name.endswith(".tmp"):
            continue
        found.append((path, spec.match(path.name), path.stat()))
    found.sort(
        key=lambda item: (
            item[1] is None,
            item[1].partition_key if item[1] else "",
            item[1].slot if item[1] else "",
            item[2].st_mtime_ns,
            item[0].name,
        )
    )
    cache_path = hash_cache(folder)
    try:
        cache = json.loads(cache_path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        cache = {}
    fresh: dict[str, list] = {}
    landed = []
    for path, slot, stat in found:
        key = [stat.st_size, stat.st_mtime_ns, stat.st_ino]
        entry = cache.get(path.name) if isinstance(cache, dict) else None
        if (
            isinstance(entry, list) and len(entry) == 5 and entry[2] == stat.st_ino
            and entry[:2] != key[:2] and stat.st_nlink > 1
        ):  # fmt: skip
            raise EditedInPlace(path, spec.name, entry[3])
        if (
            isinstance(entry, list) and len(entry) == 5 and entry[:3] == key
            and stat.st_mtime_ns < entry[4] - _SETTLED_NS
        ):  # fmt: skip
            sha = entry[3]
        else:
            hashed_at, sha = time.time_ns(), file_sha256(path)
            entry = [*key, sha, hashed_at]
        if _identity(path.stat()) == _identity(stat):  # not cached if it changed meanwhile
            fresh[path.name] = entry
        landed.append(LandedFile(path, slot, sha))
    if fresh != cache:
        tmp = cache_path.with_name(f"{cache_path.name}.{uuid.uuid4().hex}.tmp")
        try:
            tmp.write_text(json.dumps(fresh, indent=0, sort_keys=True), encoding="utf-8")
            os.replace(tmp, cache_path)
        except OSError:  # a read-only landing folder: hash again next time
            tmp.unlink(missing_ok=True)
    return landed
