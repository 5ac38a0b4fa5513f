"""Every rule on the marts is defined once, as a dbt test (issue 10): no Python string
restates one, where sqlfluff and ``ref()`` would never see it.

(a) No string literal of the project's Python (sources/, quality/, orchestration/) names
    a mart or intermediate relation, except a string that is that name alone (an asset
    key, a dbt selection) or a query listed in ``ALLOWED`` with its reason. Docstrings
    are documentation and are skipped.
(b) No normalized SQL fragment of a dbt test (singular or generic) occurs in the
    project's Python strings. SQL is normalized so that layout cannot hide a copy: Jinja
    ``ref()``/``source()`` become the relation name, other Jinja and comments go, case is
    folded and qualifiers (``marts.``, ``t.``) are dropped; a fragment is a run of
    ``SHINGLE`` tokens naming at least ``MIN_NAMES`` distinct non-keyword identifiers, so
    that boilerplate (``select * from x``) never matches but an identity does
    (``to_process_count <> backlog_count + received_count``).
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
PACKAGES = ("sources", "quality", "orchestration")
DBT_TESTS = REPO / "dbt_project" / "tests"

# module path : assigned name -> why its SQL may name a mart
ALLOWED = {
    "orchestration/cli.py:EXAMPLE_QUERY": "a query printed for the user to try, not a check",
}
# a relation of marts/intermediate: named (marts.x, fct_x), or read in an f-string
# ("from marts.{name}")
RELATION = re.compile(
    r"\b(?:marts|intermediate)\.\w|\b(?:from|join)\s+(?:marts|intermediate)\.|"
    r"\b(?:fct|dim|int)_[a-z0-9_]+",
    re.IGNORECASE,
)
NAME_ALONE = re.compile(r"(?:(?:marts|intermediate)\.)?(?:fct|dim|int)_[a-z0-9_]+")

SHINGLE = 6
MIN_NAMES = 3
KEYWORDS = frozenset(
    """select from where and or not in is null as with on join left right inner outer full
    cross group by order having case when then else end distinct union all count sum max min
    coalesce filter over partition qualify row_number desc asc between like cast true false
    any_value limit using semi anti exists nullif abs least greatest date interval""".split()
)
TOKEN = re.compile(
    r"'(?:[^']|'')*'|[a-z_][a-z0-9_]*|\d+(?:\.\d+)?|<>|!=|<=|>=|\|\||::|[-+*/=<>(),;]"
)
IDENTIFIER = re.compile(r"[a-z_][a-z0-9_]*")


def python_files() -> list[Path]:
    return sorted(f for p in PACKAGES for f in (REPO / p).rglob("*.py"))


def _docstrings(tree: ast.Module) -> set[int]:
    """ids of the docstring constants of the module, its classes and functions."""
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                found.add(id(body[0].value))
    return found


def string_constants(path: Path) -> Iterator[tuple[str, int, str | None, str]]:
    """(module path, line, the name it is assigned to or None, text) of every string
    constant of ``path`` but its docstrings (f-strings give their literal parts)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docstrings = _docstrings(tree)
    module = path.relative_to(REPO).as_posix()
    owner: dict[int, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            names = [t.id for t in targets if isinstance(t, ast.Name)]
            if names and node.value is not None:
                for inner in ast.walk(node.value):
                    owner[id(inner)] = names[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            if id(node) not in docstrings:
                yield module, node.lineno, owner.get(id(node)), node.value


def normalize(sql: str) -> list[str]:
    """SQL (or any text) as comparable tokens: see the module docstring."""
    sql = re.sub(
        r"\{\{\s*(?:ref|source)\(\s*'(?:[^']*'\s*,\s*')?([^']*)'\s*\)\s*\}\}", r" \1 ", sql
    )
    sql = re.sub(r"\{#.*?#\}|\{%.*?%\}|\{\{.*?\}\}", " ", sql, flags=re.DOTALL)
    sql = re.sub(r"--[^\n]*", " ", sql).lower()
    sql = re.sub(r"\b[a-z_][a-z0-9_]*\.(?=[a-z_])", "", sql)
    return TOKEN.findall(sql)


def fragments(text: str) -> set[tuple[str, ...]]:
    tokens = normalize(text)
    found = set()
    for i in range(len(tokens) - SHINGLE + 1):
        run = tuple(tokens[i : i + SHINGLE])
        names = {t for t in run if IDENTIFIER.fullmatch(t) and t not in KEYWORDS}
        if len(names) >= MIN_NAMES:
            found.add(run)
    return found


def dbt_test_fragments() -> dict[str, set[tuple[str, ...]]]:
    tests = sorted(DBT_TESTS.rglob("*.sql"))
    assert tests, f"no dbt tests under {DBT_TESTS}"
    return {f.relative_to(REPO).as_posix(): fragments(f.read_text(encoding="utf-8")) for f in tests}


def restated(python_source: str, tests: dict[str, set[tuple[str, ...]]]) -> dict[str, str]:
    """dbt test -> one of its fragments found in the strings of ``python_source``."""
    tree = ast.parse(python_source)
    docstrings = _docstrings(tree)
    seen: set[tuple[str, ...]] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            if id(node) not in docstrings:
                seen |= fragments(node.value)
    return {
        name: " ".join(sorted(frags & seen)[0]) for name, frags in tests.items() if frags & seen
    }


def test_no_python_string_names_a_mart_or_intermediate_relation_in_sql():
    offending = []
    for path in python_files():
        for module, line, name, text in string_constants(path):
            if not RELATION.search(text) or NAME_ALONE.fullmatch(text.strip()):
                continue
            if f"{module}:{name}" in ALLOWED:
                continue
            offending.append(f"{module}:{line}: {text.strip()[:80]!r}")
    assert offending == [], "SQL on marts belongs in dbt (a model or a test):\n" + "\n".join(
        offending
    )


def test_allowed_exceptions_still_exist():
    """An exception whose string is gone is removed from ALLOWED, so the list stays exact."""
    present = {
        f"{module}:{name}"
        for path in python_files()
        for module, _, name, text in string_constants(path)
        if RELATION.search(text)
    }
    assert set(ALLOWED) <= present


def test_no_dbt_test_sql_is_restated_in_python():
    tests = dbt_test_fragments()
    found = {
        path.relative_to(REPO).as_posix(): hits
        for path in python_files()
        if (hits := restated(path.read_text(encoding="utf-8"), tests))
    }
    assert found == {}, "a dbt test's SQL restated in Python strings (define it once, in dbt)"


@pytest.mark.parametrize(
    ("snippet", "test"),
    [
        (
            "sql = '''select procedure_throughput_id from marts.fct_procedure_throughputs t\n"
            "    where t.to_process_count <> t.backlog_count + t.received_count'''",
            "assert_procedures_throughput_stock_flow_balances.sql",
        ),
        (
            'q = "SELECT * FROM marts.reference_reconciliation WHERE NOT is_match"',
            None,  # too short to be a rule's fragment: (a) catches it instead
        ),
    ],
)
def test_the_detector_finds_a_restated_identity_whatever_its_layout(snippet, test):
    """The check is meaningful: the stock-flow identity restated with other aliases, case
    and layout is found; a one-line reference is left to (a)."""
    found = restated(snippet, dbt_test_fragments())
    if test is None:
        assert found == {}
        assert RELATION.search(snippet)
    else:
        assert any(name.endswith(test) for name in found), found
