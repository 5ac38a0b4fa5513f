"""What is waiting in landing/: which partitions of which sources need an ingest run.

Planning compares the landed files with the load manifest (sha256 of files already
loaded); it knows nothing of Dagster. The orchestration layer supplies the partition
keys of each source and the loaded hashes, and turns the plan into runs.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from sources.loading.ingest import EditedInPlace, scan_landing
from sources.loading.spec import SourceSpec


class LandingError(ValueError):
    """A landed file that cannot be planned (misnamed, or outside its source's partitions)."""


@dataclass
class IngestPlan:
    """Partitions with files not loaded yet, per source, in partition order."""

    partitions: dict[str, list[str]] = field(default_factory=dict)
    ranges: dict[str, list[tuple[str, str]]] = field(default_factory=dict)  # the same, as spans
    new_files: dict[str, int] = field(default_factory=dict)

    @property
    def empty(self) -> bool:
        return not any(self.partitions.values())

    def spans(self) -> dict[str, str]:
        """Per source with partitions to run, as text: ``2024-01``, ``2024-01..2024-03``,
        or ``2015-01..2020-10 (23 partitions)`` when they are not contiguous."""
        spans: dict[str, str] = {}
        for name, keys in self.partitions.items():
            if not keys:
                continue
            span = keys[0] if len(keys) == 1 else f"{keys[0]}..{keys[-1]}"
            spans[name] = (
                span if len(self.ranges[name]) <= 1 else f"{span} ({len(keys)} partitions)"
            )
        return spans


def plan_ingest(
    specs: Iterable[SourceSpec],
    landing_dir: Path,
    partition_keys: Mapping[str, Sequence[str]],
    loaded: Mapping[str, set[str]],
    *,
    only: set[str] | None = None,
    window: tuple[str, str] | None = None,
) -> IngestPlan:
    """Scan ``landing_dir/<source>/``: which partitions of which sources have new files.

    ``partition_keys`` holds each source's valid partition keys in order; ``loaded`` the
    sha256 of its files already loaded. With ``window`` (first, last month as YYYY-MM) it
    is a backfill: every partition in the window that has landed files is run again
    (files already loaded are no-ops that say so), whether or not a file is new. A file
    whose name is not one of its source's, or whose partition is outside the source's
    partitions, raises :class:`LandingError` naming it: it is never skipped silently.
    """
    plan = IngestPlan()
    for spec in specs:
        name = spec.name
        if only is not None and name not in only:
            continue
        ordered = partition_keys[name]
        valid = set(ordered)
        keys: set[str] = set()
        try:
            landed_files = scan_landing(spec, landing_dir / name)
        except EditedInPlace as exc:
            raise LandingError(str(exc)) from None
        for landed in landed_files:
            if landed.slot is None:
                raise LandingError(
                    f"{landed.path} is not a {name} file name (expected a name like "
                    f"{spec.file_example}): rename or remove it"
                )
            if landed.slot.partition_key not in valid:
                raise LandingError(
                    f"{landed.path} belongs to partition {landed.slot.partition_key}, outside "
                    f"{name}'s partitions ({min(valid)}..{max(valid)}): check its name"
                )
            if window is not None:
                if in_window(landed.slot.partition_key, window):
                    keys.add(landed.slot.partition_key)
            elif landed.sha256 not in loaded.get(name, set()):
                keys.add(landed.slot.partition_key)
                plan.new_files[name] = plan.new_files.get(name, 0) + 1
        plan.partitions[name] = [key for key in ordered if key in keys]
        plan.ranges[name] = contiguous_ranges(ordered, keys)
    return plan


def in_window(partition_key: str, window: tuple[str, str]) -> bool:
    """A month key (YYYY-MM) inside the window, or a year key (YYYY) overlapping it."""
    first, last = window
    if len(partition_key) == 4:
        return first[:4] <= partition_key <= last[:4]
    return first <= partition_key <= last


def contiguous_ranges(ordered: Sequence[str], keys: set[str]) -> list[tuple[str, str]]:
    """Group ``keys`` into runs of consecutive entries of ``ordered``: [(first, last), ...]."""
    ranges: list[tuple[str, str]] = []
    start: str | None = None
    prev = ""
    for key in ordered:
        if key in keys:
            if start is None:
                start = key
            prev = key
        elif start is not None:
            ranges.append((start, prev))
            start = None
    if start is not None:
        ranges.append((start, prev))
    return ranges


def landing_fingerprint(landing_dir: Path) -> str:
    """Names, sizes and mtimes of every landed file: changes when a file lands."""
    digest = hashlib.sha256()
    for path in sorted(landing_dir.rglob("*")):
        if path.is_file() and not path.name.startswith("."):
            stat = path.stat()
            digest.update(f"{path}|{stat.st_size}|{stat.st_mtime_ns}\n".encode())
    return digest.hexdigest()[:16]
