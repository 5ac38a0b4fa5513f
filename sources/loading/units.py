"""Map the unit names sources write to ``admin_unit_id``s valid at each row's date.

Names are matched on :func:`sources.formats.text.match_key` (no type prefix, case-folded,
de-accented), a commune within its district when one is written, else among all
communes of the city. A name that maps to no unit valid at the row's date, or to
several, is a reject with the reason: never a guess. When the name is that of a unit
that ended before the date, the reason names the unit(s) its territory went to ("Phường
Hàng Bạc ended 2025-06-30: since 2025-07-01 it is part of Phường Hoàn Kiếm"); a district
on a date after 2025-06-30 gets "no district level after 2025-06-30".

Only the distinct (level, name, district) triples go through Python; rows are mapped in
DuckDB by joining them to a small lookup of validity segments, so a file of millions of
rows never becomes Python objects.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections import defaultdict
from dataclasses import dataclass

import duckdb
import pyarrow as pa

from sources.formats.text import match_key
from sources.loading.admin_units import (
    LEGACY_VALID_TO,
    MERGER_DATE,
    REFORM_DATE,
    build_admin_units,
    build_crosswalk,
)

LEVELS = ("city", "district", "commune")
_MIN = dt.date(1900, 1, 1)
_MAX = dt.date(9999, 12, 31)
_CITY_KEYS = {"hanoi", "thanhphohanoi", "thanhpho", "tp", "tphanoi", "ubndthanhpho", ""}
NO_DISTRICT_LEVEL = f"no district level after {LEGACY_VALID_TO}"


@dataclass(frozen=True)
class _Version:
    admin_unit_id: str
    name_vi: str
    valid_from: dt.date
    valid_to: dt.date


class UnitResolver:
    """Hanoi's unit versions indexed by level, district and name key, with the crosswalk
    steps that say where an ended commune went."""

    def __init__(self, units: pa.Table | None = None, crosswalk: pa.Table | None = None) -> None:
        if units is None:
            units = build_admin_units()
            crosswalk = build_crosswalk() if crosswalk is None else crosswalk
        rows = units.to_pylist()
        self._by_id = {
            r["admin_unit_id"]: _Version(
                r["admin_unit_id"], r["name_vi"], r["valid_from"], r["valid_to"] or _MAX
            )
            for r in rows
        }
        self._index: dict[tuple[str, str, str | None], list[_Version]] = defaultdict(list)
        self._communes: dict[str, list[_Version]] = defaultdict(list)
        for r in rows:
            version = self._by_id[r["admin_unit_id"]]
            key = match_key(r["short_name_vi"])
            if r["level"] == "commune":
                parent = r["parent_id"] if r["parent_id"] != "01" else None
                self._index[("commune", key, parent)].append(version)
                self._communes[key].append(version)
            else:
                self._index[(r["level"], key, None)].append(version)
        self._districts = {k[1]: v for k, v in self._index.items() if k[0] == "district"}
        self._steps: dict[str, list[str]] = defaultdict(list)
        # segments() by (level, name, district): a file repeats the same few hundred names,
        # and so do the files after it, so each triple is resolved once per process.
        self._segments: dict[tuple[str | None, str | None, str | None], list[dict]] = {}
        for r in crosswalk.to_pylist() if crosswalk is not None else []:
            if r["crosswalk_type"] == "step":
                self._steps[r["old_admin_unit_id"]].append(r["new_admin_unit_id"])

    def candidates(
        self, level: str | None, name: str | None, district: str | None
    ) -> tuple[list[_Version], str | None]:
        """All versions the written names can mean, or ([], reason)."""
        if level not in LEVELS:
            return [], f"unknown unit level {level!r}"
        if level == "city":
            if match_key(name or "") in _CITY_KEYS or match_key(name or "").endswith("hanoi"):
                return [_Version("01", "Thành phố Hà Nội", _MIN, _MAX)], None
            return [], f"{name!r} is not the city"
        if not name or not match_key(name):
            return [], f"no {level} name"
        if level == "district":
            found = self._districts.get(match_key(name), [])
            return (found, None) if found else ([], f"no district named {name!r}")
        # commune: within its district when one is written, else among all communes
        if district and match_key(district):
            parents = self._districts.get(match_key(district), [])
            if not parents:
                return [], f"no district named {district!r}"
            found = [
                v
                for p in parents
                for v in self._index.get(("commune", match_key(name), p.admin_unit_id), [])
            ]
            return (found, None) if found else ([], f"no commune named {name!r} in {district!r}")
        found = self._communes.get(match_key(name), [])
        return (found, None) if found else ([], f"no commune named {name!r}")

    def successors(self, admin_unit_id: str, on_date: dt.date) -> list[_Version]:
        """The unit(s) valid on ``on_date`` that the territory of an ended unit went to
        (following the crosswalk steps); [] when none is known."""
        out: dict[str, _Version] = {}
        for new_id in self._steps.get(admin_unit_id, []):
            new = self._by_id[new_id]
            if new.valid_from > on_date:
                continue
            if new.valid_to >= on_date:
                out[new_id] = new
            else:
                out.update((v.admin_unit_id, v) for v in self.successors(new_id, on_date))
        return sorted(out.values(), key=lambda v: v.admin_unit_id)

    def _ended_reason(self, name: str | None, ended: list[_Version], start: dt.date) -> str:
        last = max(ended, key=lambda v: (v.valid_to, v.admin_unit_id))
        went = self.successors(last.admin_unit_id, start)
        if not went:
            return f"{last.name_vi} ended {last.valid_to}: {name!r} names no unit valid then"
        since = max(v.valid_from for v in went)
        names = ", ".join(v.name_vi for v in went)
        where = f"it is part of {names}" if len(went) == 1 else f"it is split among {names}"
        return f"{last.name_vi} ended {last.valid_to}: since {since} {where}"

    def segments(self, level: str | None, name: str | None, district: str | None) -> list[dict]:
        """Validity segments covering all dates: each has exactly one id or a reason
        (memoised: the resolver's units do not change; callers must not modify them)."""
        key = (level, name, district)
        found = self._segments.get(key)
        if found is None:
            found = self._segments[key] = self._resolve(level, name, district)
        return found

    def _resolve(self, level: str | None, name: str | None, district: str | None) -> list[dict]:
        versions, reason = self.candidates(level, name, district)
        # Rows that name a district: after the reform there is none to name.
        names_district = level == "district" or (level == "commune" and bool(district))
        if reason:
            if names_district:
                return [
                    _segment(_MIN, LEGACY_VALID_TO, None, reason),
                    _segment(REFORM_DATE, _MAX, None, NO_DISTRICT_LEVEL),
                ]
            return [_segment(_MIN, _MAX, None, reason)]
        cuts = sorted(
            {_MIN, _MAX, MERGER_DATE, REFORM_DATE}
            | {v.valid_from for v in versions}
            | {_next(v.valid_to) for v in versions if v.valid_to < _MAX}
        )
        out = []
        for start, stop in zip(cuts, cuts[1:], strict=False):
            end = stop - dt.timedelta(days=1) if stop < _MAX else _MAX
            live = [v for v in versions if v.valid_from <= start and v.valid_to >= end]
            ended = [v for v in versions if v.valid_to < start]
            if names_district and start >= REFORM_DATE:
                if level == "commune" and ended:
                    reason = self._ended_reason(name, ended, start)
                else:
                    reason = NO_DISTRICT_LEVEL
            elif len(live) == 1:
                out.append(_segment(start, end, live[0].admin_unit_id, None))
                continue
            elif not live and ended:
                reason = self._ended_reason(name, ended, start)
            elif not live:
                spans = ", ".join(
                    f"{v.name_vi} {v.valid_from}..{_fmt(v.valid_to)}" for v in versions
                )
                reason = f"{name!r} names no unit valid then ({spans})"
            else:
                ids = ", ".join(sorted(v.admin_unit_id for v in live))
                reason = f"{name!r} matches {len(live)} units: {ids}"
            out.append(_segment(start, end, None, reason))
        return out


def _next(day: dt.date) -> dt.date:
    return day + dt.timedelta(days=1)


def _fmt(day: dt.date) -> str:
    return "" if day == _MAX else str(day)


def _segment(start: dt.date, end: dt.date, unit_id: str | None, reason: str | None) -> dict:
    return {"valid_from": start, "valid_to": end, "admin_unit_id": unit_id, "reason": reason}


@functools.cache
def default_resolver() -> UnitResolver:
    return UnitResolver()


_LOOKUP_SCHEMA = pa.schema(
    [
        ("unit_level", pa.string()),
        ("unit_name", pa.string()),
        ("district_name", pa.string()),
        ("valid_from", pa.date32()),
        ("valid_to", pa.date32()),
        ("admin_unit_id", pa.string()),
        ("reason", pa.string()),
    ]
)


def map_units_sql(
    con: duckdb.DuckDBPyConnection,
    table: str,
    *,
    level: str,
    name: str,
    district: str | None,
    on_date: str,
    resolver: UnitResolver | None = None,
) -> str:
    """SQL selecting ``table`` plus ``admin_unit_id`` and ``unit_reject_reason`` (null
    when mapped). ``level``, ``name``, ``district`` and ``on_date`` are SQL expressions
    over ``table`` (``district`` may be None); ``level`` gives 'city', 'district' or
    'commune'. Builds temp table ``_unit_lookup`` from the distinct names."""
    resolver = resolver or default_resolver()
    district_sql = district or "null::varchar"
    keys = (
        f"({level})::varchar as _u_level, ({name})::varchar as _u_name, "
        f"({district_sql})::varchar as _u_district"
    )
    distinct = con.execute(f"select distinct {keys} from {table}").fetchall()
    lookup = []
    for lvl, unit_name, district_name in distinct:
        for seg in resolver.segments(lvl, unit_name, district_name):
            lookup.append(
                {"unit_level": lvl, "unit_name": unit_name, "district_name": district_name, **seg}
            )
    con.register("_unit_lookup_arrow", pa.Table.from_pylist(lookup, schema=_LOOKUP_SCHEMA))
    con.execute("create or replace temp table _unit_lookup as select * from _unit_lookup_arrow")
    con.unregister("_unit_lookup_arrow")
    return f"""
        select
            k.* exclude (_u_level, _u_name, _u_district, _u_date),
            l.admin_unit_id,
            case
                when k._u_date is null then 'no date to pick the unit version'
                else l.reason
            end as unit_reject_reason
        from (select *, {keys}, ({on_date})::date as _u_date from {table}) as k
        left join _unit_lookup as l
            on l.unit_level is not distinct from k._u_level
            and l.unit_name is not distinct from k._u_name
            and l.district_name is not distinct from k._u_district
            and k._u_date between l.valid_from and l.valid_to
    """


def resolve_units(
    con: duckdb.DuckDBPyConnection,
    table: str,
    *,
    level: str,
    name: str,
    district: str | None,
    on_date: str,
    column: str,
) -> str:
    """Create ``<table>_units``: ``table`` (a parsed table with ``_problems``) plus
    ``admin_unit_id``; a name that maps to no unit, or several, adds a problem on the
    file column ``column``. Returns the new table's name."""
    out = f"{table}_units"
    sql = map_units_sql(con, table, level=level, name=name, district=district, on_date=on_date)
    con.execute(
        f"""
        create or replace temp table {out} as
        select m.* replace (
            case when m.unit_reject_reason is null then m._problems
            else list_append(m._problems, {{
                'c': {_literal(column)}, 'v': concat_ws(' / ', ({district or "null"})::varchar,
                ({name})::varchar), 'r': m.unit_reject_reason}})
            end as _problems
        )
        from ({sql}) as m
        """
    )
    return out


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"
