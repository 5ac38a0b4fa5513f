"""One settings object for every path and option; each comes from an env var with a
documented default (README, "Settings"). Nothing else in the project reads env vars
for configuration or builds data paths from literals.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from sources.loading.registry import SOURCE_NAMES as SOURCES

REPO_ROOT = Path(__file__).resolve().parents[1]


# Telemetry off, set by the project itself (an env var set to true would override
# dbt's project flag, so these are forced, not defaulted).
TELEMETRY_OFF = {
    "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
    "DO_NOT_TRACK": "1",
    "DAGSTER_DISABLE_TELEMETRY": "true",
    "GX_ANALYTICS_ENABLED": "false",
}

DAGSTER_YAML = """\
# Written by egov (orchestration/settings.py); edits are overwritten.
telemetry:
  enabled: false
# DuckDB has one writer: runs started by the schedule, the sensor or the UI queue
# and run one at a time.
concurrency:
  runs:
    max_concurrent_runs: 1
"""


class EgovError(RuntimeError):
    """An error the user can act on: the CLI prints its message as one line."""


@dataclass(frozen=True)
class Settings:
    """Resolved paths and options. Build one with :func:`load_settings`."""

    data_dir: Path
    dagster_home: Path
    dbt_project_dir: Path
    sample_seed: int
    sample_scale: float
    duckdb_memory_limit: str
    publish_keep: int

    @property
    def dbt_manifest(self) -> Path:
        return self.dbt_project_dir / "target" / "manifest.json"

    @property
    def landing_dir(self) -> Path:
        return self.data_dir / "landing"

    @property
    def archive_dir(self) -> Path:
        return self.data_dir / "archive"

    @property
    def warehouse_dir(self) -> Path:
        return self.data_dir / "warehouse"

    @property
    def build_db(self) -> Path:
        return self.warehouse_dir / "build.duckdb"

    @property
    def published_dir(self) -> Path:
        return self.data_dir / "published"

    @property
    def published_db(self) -> Path:
        return self.published_dir / "warehouse.duckdb"

    @property
    def work_dir(self) -> Path:
        """Scratch space of loads (decoded copies); emptied after each file."""
        return self.data_dir / "work"

    @property
    def duckdb_temp_dir(self) -> Path:
        """Where DuckDB spills what does not fit in its memory limit."""
        return self.data_dir / "work" / "duckdb_spill"

    @property
    def dbt_runs_dir(self) -> Path:
        return self.data_dir / "dbt" / "runs"

    @property
    def dbt_docs_dir(self) -> Path:
        return self.data_dir / "dbt" / "docs"

    @property
    def dbt_log_dir(self) -> Path:
        return self.data_dir / "dbt" / "logs"

    @property
    def data_docs_dir(self) -> Path:
        """great-expectations Data Docs (HTML) of the checks."""
        return self.data_dir / "quality" / "data_docs"

    def landing(self, source: str) -> Path:
        return self.landing_dir / source


def _env_number(name: str, default: str, kind: type) -> int | float:
    raw = os.environ.get(name, default)
    try:
        return kind(raw)
    except ValueError:
        raise EgovError(f"{name}={raw!r} is not a valid {kind.__name__}") from None


def load_settings() -> Settings:
    """Read settings from the environment (see README "Settings" for the table)."""
    explicit = os.environ.get("EGOV_DATA_DIR")
    data_dir = Path(explicit or "data").expanduser().resolve()
    home = os.environ.get("DAGSTER_HOME")
    dbt_dir = os.environ.get("EGOV_DBT_PROJECT_DIR")
    return Settings(
        data_dir=data_dir,
        dagster_home=Path(home).expanduser().resolve() if home else data_dir / "dagster_home",
        dbt_project_dir=Path(dbt_dir).expanduser().resolve()
        if dbt_dir
        else REPO_ROOT / "dbt_project",
        sample_seed=int(_env_number("EGOV_SAMPLE_SEED", "2025", int)),
        sample_scale=float(_env_number("EGOV_SAMPLE_SCALE", "1.0", float)),
        duckdb_memory_limit=os.environ.get("EGOV_DUCKDB_MEMORY_LIMIT", "4GB"),
        publish_keep=int(_env_number("EGOV_PUBLISH_KEEP", "7", int)),
    )


def prepare_data_dir(settings: Settings) -> None:
    """Create the data layout, or fail with one line naming the path and what to do.

    The default ``./data`` is created on first use; a folder named explicitly by
    ``EGOV_DATA_DIR`` must already exist, so that a typo never starts a new warehouse.
    """
    data_dir = settings.data_dir
    if not data_dir.exists():
        if os.environ.get("EGOV_DATA_DIR"):
            raise EgovError(
                f"EGOV_DATA_DIR={data_dir} does not exist: create it (mkdir -p {data_dir}) "
                "or unset EGOV_DATA_DIR to use ./data"
            )
        try:
            data_dir.mkdir(parents=True)
        except OSError as exc:
            raise EgovError(f"cannot create data dir {data_dir}: {exc.strerror}") from None
    if not data_dir.is_dir():
        raise EgovError(f"EGOV_DATA_DIR={data_dir} is not a folder: point it at a folder")
    if not os.access(data_dir, os.W_OK | os.X_OK):
        raise EgovError(
            f"data dir {data_dir} is not writable: fix its permissions or set EGOV_DATA_DIR "
            "to a writable folder"
        )
    dirs = [settings.landing(s) for s in SOURCES] + [
        settings.archive_dir,
        settings.warehouse_dir,
        settings.published_dir,
        settings.dagster_home,
        settings.dbt_runs_dir,
        settings.dbt_log_dir,
    ]
    for folder in dirs:
        folder.mkdir(parents=True, exist_ok=True)
    dagster_yaml = settings.dagster_home / "dagster.yaml"
    if not dagster_yaml.exists() or dagster_yaml.read_text() != DAGSTER_YAML:
        dagster_yaml.write_text(DAGSTER_YAML)


def run_environment(settings: Settings) -> dict[str, str]:
    """What dbt and great-expectations read from the environment during a run: telemetry
    off, and the build database of ``settings`` (dbt's profiles.yml reads EGOV_BUILD_DB)."""
    return {
        **TELEMETRY_OFF,
        "EGOV_BUILD_DB": str(settings.build_db),
        "DBT_LOG_PATH": str(settings.dbt_log_dir),
    }


def apply_environment(settings: Settings) -> None:
    """Export what subprocesses (dbt, the Dagster webserver) read from the environment.

    Called by the CLI before anything runs; importing the code location changes nothing.
    """
    os.environ.update(run_environment(settings))
    os.environ["DAGSTER_HOME"] = str(settings.dagster_home)


def check_manifest(settings: Settings) -> Path:
    """The dbt manifest that the install step prepares, or a clear error."""
    manifest = settings.dbt_manifest
    if not manifest.is_file():
        raise EgovError(
            f"dbt manifest {manifest} is missing: run `make install` (or `egov prepare`)"
        )
    return manifest
