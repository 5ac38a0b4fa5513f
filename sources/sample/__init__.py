"""Deterministic generator of the embedded sample: 2021-01..2026-11 in publishers' formats.

Same seed, byte-identical files. Every domain draws from its own random stream
(``numpy.random.default_rng([seed, DOMAIN_STREAM])``) so that changing one domain's
generator never shifts another domain's numbers. Figures that were really published
(``published_figures.csv``) are calibrated in, not drawn.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from pathlib import Path

from sources.loading.registry import SOURCE_NAMES as SOURCES

DEFAULT_SEED = 2025
# The sample spans FIRST_MONTH..LAST_MONTH (inclusive): data "through last month" as of
# December 2026. Generators take their ranges from here, never from literals of their own.
FIRST_MONTH = (2021, 1)
LAST_MONTH = (2026, 11)


class CalibrationError(RuntimeError):
    """A generator could not meet a published figure (or its own consistency rules); it
    raises this before writing any file of the source."""


def write_source(
    source: str, out_dir: Path, seed: int = DEFAULT_SEED, scale: float = 1.0
) -> list[Path]:
    """Write one source's sample files under ``out_dir/<source>``; returns their paths."""
    if source not in SOURCES:
        raise ValueError(f"unknown source {source!r}: expected one of {', '.join(SOURCES)}")
    module = importlib.import_module(f"sources.sample.{source}")
    return module.write(out_dir, seed, scale)


def write_sample(
    out_dir: Path,
    seed: int = DEFAULT_SEED,
    scale: float = 1.0,
    on_source_done: Callable[[str, list[Path]], None] | None = None,
) -> dict[str, list[Path]]:
    """Write every source's sample files under ``out_dir/<source>/``."""
    if scale <= 0:
        raise ValueError(f"scale must be positive, got {scale}")
    written: dict[str, list[Path]] = {}
    for source in SOURCES:
        written[source] = write_source(source, out_dir, seed, scale)
        if on_source_done is not None:
            on_source_done(source, written[source])
    return written
