"""The settings of the warehouse as one Dagster resource (``egov_settings``).

Built once in orchestration/definitions.py from :func:`load_settings`; assets, checks and
sensors declare ``egov_settings: SettingsResource`` and call ``.get()`` instead of reading
the environment themselves. Its config shows in the Dagster UI.
"""

from __future__ import annotations

import os
from pathlib import Path

import dagster as dg

from orchestration.settings import Settings, prepare_data_dir, run_environment


class SettingsResource(dg.ConfigurableResource):
    """Paths and options of one data dir (see README "Settings")."""

    data_dir: str
    dagster_home: str
    dbt_project_dir: str
    sample_seed: int
    sample_scale: float
    duckdb_memory_limit: str
    publish_keep: int

    @classmethod
    def from_settings(cls, settings: Settings) -> SettingsResource:
        return cls(
            data_dir=str(settings.data_dir),
            dagster_home=str(settings.dagster_home),
            dbt_project_dir=str(settings.dbt_project_dir),
            sample_seed=settings.sample_seed,
            sample_scale=settings.sample_scale,
            duckdb_memory_limit=settings.duckdb_memory_limit,
            publish_keep=settings.publish_keep,
        )

    def get(self) -> Settings:
        """The settings object every helper takes."""
        return Settings(
            data_dir=Path(self.data_dir),
            dagster_home=Path(self.dagster_home),
            dbt_project_dir=Path(self.dbt_project_dir),
            sample_seed=self.sample_seed,
            sample_scale=self.sample_scale,
            duckdb_memory_limit=self.duckdb_memory_limit,
            publish_keep=self.publish_keep,
        )

    def setup_for_execution(self, context: dg.InitResourceContext) -> None:
        """When a run starts (never at import): the data layout and the environment its
        dbt and great-expectations steps read, so that a run started from the Dagster UI
        gets telemetry off and this data dir's build database, as `egov run` does."""
        settings = self.get()
        prepare_data_dir(settings)
        os.environ.update(run_environment(settings))
