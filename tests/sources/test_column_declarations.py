"""Each source's raw columns are declared once (``SPEC.columns``): the reader's Arrow
schema, the great-expectations raw suite, the dbt sources YAML, the staging models'
accepted values and the sample generator's vocabularies agree with that declaration."""

from __future__ import annotations

import importlib
import re
from pathlib import Path

import pytest
import yaml

from quality.raw_suites import raw_suite_for
from quality.rules import SCHEMA as SCHEMA_FRAME
from quality.rules import arrow_type_name
from sources.loading.columns import Column
from sources.loading.registry import SOURCE_NAMES, spec

STAGING = Path(__file__).resolve().parents[2] / "dbt_project" / "models" / "staging"
# one select item of a staging model's `renamed` CTE: `raw_column[::type] [as alias],`
_SELECT_ITEM = re.compile(
    r"^\s*(?P<raw>[a-z_]+)(?:::[a-z0-9_(), ]+)?(?:\s+as\s+(?P<as>[a-z_]+))?,?$"
)


def _columns(source: str) -> tuple[Column, ...]:
    return spec(source).columns


def _rules(source: str, expectation: str) -> list:
    return [
        r
        for r in raw_suite_for(source).rules
        if r.expectation == expectation and r.frame == "rows" and r.severity == "error"
    ]


def _sources_yaml(source: str) -> list[dict]:
    doc = yaml.safe_load((STAGING / source / f"_{source}__sources.yml").read_text())
    (entry,) = [s for s in doc["sources"] if s["name"] == source]
    (table,) = [t for t in entry["tables"] if t["name"] == source]
    return table["columns"]


def _staged_from(source: str) -> dict[str, str]:
    """Staging column -> the raw column it selects (as is, cast or renamed)."""
    out: dict[str, str] = {}
    for sql in (STAGING / source).glob("stg_*.sql"):
        for line in sql.read_text().splitlines():
            if m := _SELECT_ITEM.match(line):
                out[m["as"] or m["raw"]] = m["raw"]
    return out


def _accepted_values(test: object) -> list | None:
    if not isinstance(test, dict) or "accepted_values" not in test:
        return None
    config = test["accepted_values"]
    return config.get("arguments", config)["values"]


@pytest.mark.parametrize("source", SOURCE_NAMES)
def test_arrow_schema_is_the_declaration(source: str) -> None:
    columns = _columns(source)
    schema = spec(source).schema
    assert [(f.name, f.type) for f in schema] == [(c.name, c.type) for c in columns]
    assert len({c.name for c in columns}) == len(columns), "a column is declared twice"
    module = importlib.import_module(f"sources.readers.{source}")
    assert module.SCHEMA == schema, "the reader writes the declared schema"


@pytest.mark.parametrize("source", SOURCE_NAMES)
def test_raw_suite_states_the_declaration(source: str) -> None:
    columns = _columns(source)
    suite = raw_suite_for(source)
    types = dict(suite.column_types)
    assert {c.name: types[c.name] for c in columns} == {
        c.name: arrow_type_name(c.type) for c in columns
    }
    assert any(r.frame == SCHEMA_FRAME for r in suite.rules), "types are checked by GX"
    declared = {c.name for c in columns}
    not_null = {r.kwargs["column"] for r in _rules(source, "ExpectColumnValuesToNotBeNull")}
    assert not_null & declared == {c.name for c in columns if c.required}
    in_set = {
        r.kwargs["column"]: tuple(r.kwargs["value_set"])
        for r in _rules(source, "ExpectColumnValuesToBeInSet")
    }
    assert {k: v for k, v in in_set.items() if k in declared} == {
        c.name: c.accepted for c in columns if c.accepted is not None
    }
    bounds = {
        (r.kwargs["column"], r.kwargs.get("min_value"), r.kwargs.get("max_value"))
        for r in _rules(source, "ExpectColumnValuesToBeBetween")
        if not r.parameters
    }
    for c in columns:
        if c.minimum is not None or c.maximum is not None:
            assert (c.name, c.minimum, c.maximum) in bounds, c.name


@pytest.mark.parametrize("source", SOURCE_NAMES)
def test_dbt_sources_yaml_is_the_declaration(source: str) -> None:
    columns = _columns(source)
    documented = _sources_yaml(source)
    assert [c["name"] for c in documented] == [c.name for c in columns], "names, in order"
    for yml, c in zip(documented, columns, strict=True):
        assert " ".join(yml.get("description", "").split()) == c.description, c.name
        assert c.description, f"{c.name} has no description"


@pytest.mark.parametrize("source", SOURCE_NAMES)
def test_staging_accepted_values_are_the_declaration(source: str) -> None:
    columns = {c.name: c for c in _columns(source)}
    staged_from = _staged_from(source)
    doc = yaml.safe_load((STAGING / source / f"_{source}__models.yml").read_text())
    checked = set()
    for model in doc["models"]:
        for col in model.get("columns", []):
            for test in col.get("data_tests") or []:
                values = _accepted_values(test)
                if values is None:
                    continue
                raw = staged_from.get(col["name"])
                assert raw in columns, f"{col['name']}: accepted values of no raw column"
                assert tuple(values) == columns[raw].accepted, col["name"]
                checked.add(raw)
    # every declared vocabulary that reaches staging is tested there too, except those
    # only the raw suite guards (markers of a null amount, counts of ranked units)
    reaching = {
        c.name
        for c in columns.values()
        if c.accepted is not None and c.name in staged_from.values()
    }
    only_raw = {"estimate_superior_marker", "estimate_council_marker", "execution_marker"}
    assert reaching - checked <= {*only_raw, "ranked_units"}


def test_sample_vocabularies_are_the_declaration() -> None:
    from sources.readers import procedures
    from sources.sample.procedures import lifecycle, vocabulary

    declared = {c.name: c.accepted for c in procedures.COLUMNS}
    assert lifecycle.STATUSES == declared["status"]
    assert vocabulary.CHANNELS == declared["channel"]
    assert (vocabulary.IN_PERSON, vocabulary.ONLINE, vocabulary.POSTAL) == declared["channel"]
