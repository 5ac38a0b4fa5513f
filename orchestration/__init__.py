"""Dagster code location and CLI of the Hanoi e-government warehouse.

Importing the package switches off dbt, Dagster and great-expectations telemetry for
this process and its subprocesses, whatever the shell says.
"""

import os as _os

from orchestration.settings import TELEMETRY_OFF as _TELEMETRY_OFF

_os.environ.update(_TELEMETRY_OFF)
