"""Dagster code location and CLI of the Hanoi e-government warehouse.

Importing the package switches off dbt, Dagster and great-expectations telemetry for
this process and its subprocesses, whatever the shell says.
"""

import os as _os
import warnings as _warnings

from orchestration.settings import TELEMETRY_OFF as _TELEMETRY_OFF

_os.environ.update(_TELEMETRY_OFF)
# Single-run backfills of the ingest assets are the design, not an experiment to warn about.
_warnings.filterwarnings("ignore", message=r"Parameter `backfill_policy` of function `asset`")
# Last-update freshness checks are kept until FreshnessPolicy covers partitioned sources.
_warnings.filterwarnings("ignore", message=r"Function `build_.*freshness_checks` is superseded")
