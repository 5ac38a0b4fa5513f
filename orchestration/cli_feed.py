"""`egov sample`, `egov fetch`, `egov sample-api`: put source files where the pipeline
finds them (or serve them as the one-stop-desk API would)."""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from orchestration.cli_common import friendly, month_range, out, ready
from orchestration.settings import EgovError


@friendly
def sample(
    out_dir: Annotated[Path, typer.Option("--out", help="Folder to write <source>/ folders into.")],
    seed: Annotated[
        int, typer.Option(help="Random seed; the same seed gives identical files.")
    ] = 2025,
    scale: Annotated[
        str,
        typer.Option(
            help="Volume factor for dossier-level data, or 'real': the city's real dossier "
            "volume (procedures at its REAL_SCALE, 150; the other sources at 1)."
        ),
    ] = "1.0",
    source: Annotated[
        list[str] | None, typer.Option("--source", help="Only these sources (repeatable).")
    ] = None,
) -> None:
    """Write the sample source files (2021-01..2026-11) in the publishers' formats."""
    from sources.sample import SOURCES as SAMPLE_SOURCES
    from sources.sample import write_source
    from sources.sample.procedures.targets import REAL_SCALE

    chosen = source or list(SAMPLE_SOURCES)
    unknown = sorted(set(chosen) - set(SAMPLE_SOURCES))
    if unknown:
        raise EgovError(f"unknown source {unknown[0]!r}: choose from {', '.join(SAMPLE_SOURCES)}")
    real = scale.strip().lower() == "real"
    try:
        factor = 1.0 if real else float(scale)
    except ValueError:
        raise EgovError(f"--scale must be a number or 'real', got {scale!r}") from None
    if not factor > 0:
        raise EgovError(f"--scale must be positive, got {scale}")
    out_dir.mkdir(parents=True, exist_ok=True)
    if not os.access(out_dir, os.W_OK):
        raise EgovError(f"{out_dir} is not writable: choose another --out")
    table = Table("source", "files", "bytes", "seconds")
    with out.status("Writing sample ...") as status:
        for name in chosen:
            status.update(f"Writing sample [bold]{name}[/] ...")
            started = time.monotonic()
            volume = REAL_SCALE if real and name == "procedures" else factor
            paths = write_source(name, out_dir, seed=seed, scale=volume)
            size = sum(p.stat().st_size for p in paths)
            table.add_row(name, str(len(paths)), f"{size:,}", f"{time.monotonic() - started:.1f}")
    out.print(table)
    out.print(f"Sample written to {out_dir.resolve()}")


@friendly
def fetch(
    url: Annotated[
        str,
        typer.Option(help="Base URL of the case system's API.", envvar="EGOV_PROCEDURES_API_URL"),
    ],
    first: Annotated[str, typer.Option("--from", help="First month, YYYY-MM.")],
    last: Annotated[str | None, typer.Option("--to", help="Last month (default: --from).")] = None,
    token: Annotated[
        str | None, typer.Option(help="Bearer token.", envvar="EGOV_PROCEDURES_API_TOKEN")
    ] = None,
) -> None:
    """Fetch dossiers month by month from a JSON API into landing/procedures/ (JSON lines).

    `egov run` then loads them like the CSV exports. A month is written whole or not at
    all; a refused request (401, 404) stops at once, a failing server is retried.
    """
    import datetime as dt

    from sources.loading.http import FetchError, fetch_month, landed_name

    settings = ready(need_manifest=False)
    try:
        months = month_range(first, last or first)
        for month in months:
            landed_name(month)
    except ValueError as exc:
        raise EgovError(str(exc)) from None
    for month in months:
        with out.status(f"Fetching {month} from {url} ..."):
            try:
                result = fetch_month(url, month, settings.landing("procedures"), token=token)
            except FetchError as exc:
                raise EgovError(f"fetching {month} failed: {exc}") from None
        out.print(
            f"  {month}: {result.records:,} dossiers in {result.pages} pages -> {result.path}"
        )
    stamp = dt.datetime.now().strftime("%H:%M:%S")
    out.print(f"[green]Fetched {len(months)} month(s)[/] at {stamp}; `egov run` loads them.")


@friendly
def sample_api(
    folder: Annotated[
        Path, typer.Option("--dir", help="Folder of monthly ho_so_YYYY-MM.csv files.")
    ],
    port: Annotated[int, typer.Option(help="Port on 127.0.0.1.")] = 8765,
    token: Annotated[
        str | None, typer.Option(help="Require this bearer token.", envvar="EGOV_SAMPLE_API_TOKEN")
    ] = None,
) -> None:
    """Serve sample dossiers as the paginated JSON API of a one-stop-desk system."""
    from sources.sample.procedures_api import serve

    if not folder.is_dir() or not any(folder.glob("ho_so_*.csv")):
        raise EgovError(
            f"{folder} holds no ho_so_YYYY-MM.csv files: write them with "
            "`egov sample --out DIR --source procedures` and pass --dir DIR/procedures"
        )
    server = serve(folder, port=port, token=token)
    out.print(f"Serving {folder} at {server.url}/api/v1/dossiers?month=2024-01 (Ctrl-C stops)")
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        server.shutdown()
