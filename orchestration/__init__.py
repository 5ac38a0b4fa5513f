"""Dagster code location and CLI of the Hanoi e-government warehouse.

Importing the package does no work: no directories, no files, no environment changes.
The CLI (`egov`) prepares the data dir and switches telemetry off before anything runs
(orchestration/settings.py: ``apply_environment``).
"""

import warnings as _warnings

# Single-run backfills of the ingest assets are the design, not an experiment to warn about.
_warnings.filterwarnings("ignore", message=r"Parameter `backfill_policy` of function `asset`")
# Last-update freshness checks are kept until FreshnessPolicy covers partitioned sources.
_warnings.filterwarnings("ignore", message=r"Function `build_.*freshness_checks` is superseded")
