"""What every `egov` command shares: the consoles, the error wrapper, settings ready to
use, and small argument helpers. The commands live in orchestration/cli.py (the pipeline),
cli_feed.py (putting files into landing/) and cli_inspect.py (reading the warehouse)."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import Any

import typer
from rich.console import Console

from orchestration.settings import (
    EgovError,
    Settings,
    apply_environment,
    check_manifest,
    load_settings,
    prepare_data_dir,
)

out = Console()
err = Console(stderr=True)


def friendly(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Print :class:`EgovError` as one line and exit 2."""

    @wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except EgovError as exc:
            err.print(f"[bold red]error:[/] {exc}", highlight=False, soft_wrap=True)
            raise typer.Exit(2) from None

    return wrapper


def ready(*, need_manifest: bool = True) -> Settings:
    settings = load_settings()
    prepare_data_dir(settings)
    apply_environment(settings)
    if need_manifest:
        check_manifest(settings)
    return settings


def landing_files(settings: Settings, source: str) -> list[Path]:
    folder = settings.landing(source)
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.rglob("*") if p.is_file() and not p.name.startswith("."))


def month_range(first: str, last: str) -> list[str]:
    """YYYY-MM months from ``first`` to ``last`` inclusive."""
    import datetime as dt

    try:
        start = dt.date.fromisoformat(first + "-01")
        end = dt.date.fromisoformat(last + "-01")
    except ValueError:
        raise ValueError(f"months must be YYYY-MM, got {first!r} and {last!r}") from None
    if end < start:
        raise ValueError(f"--to {last} is before --from {first}")
    months = []
    while start <= end:
        months.append(f"{start:%Y-%m}")
        start = (start + dt.timedelta(days=32)).replace(day=1)
    return months
