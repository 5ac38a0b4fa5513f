"""The shape of the code: arrows point inward, no import cycles, no oversized modules,
and importing the code location does no work (README, "Architecture").

The import graph is read from the source with ``ast`` (nothing is imported), so a cycle
or a forbidden arrow is reported even when it sits in a function-level import.
"""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
PACKAGES = ("sources", "quality", "orchestration")
MAX_LINES = 600
# Everything that reads a landed file into raw: it must not depend on the sample generator.
LOAD_PATH = ("sources.readers", "sources.formats", "sources.loading", "sources.sql")


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(REPO).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _project_files() -> dict[str, Path]:
    return {
        _module_name(path): path
        for package in PACKAGES
        for path in sorted((REPO / package).rglob("*.py"))
    }


def _imported_names(path: Path, module: str) -> set[str]:
    """Dotted names a module imports (any depth, relative imports resolved)."""
    is_package = path.name == "__init__.py"
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = module.split(".")
                base = base[: len(base) - node.level + (1 if is_package else 0)]
                prefix = ".".join([*base, node.module] if node.module else base)
            else:
                prefix = node.module or ""
            names.add(prefix)
            names.update(f"{prefix}.{alias.name}" for alias in node.names)
    return names


def _graph() -> tuple[dict[str, set[str]], dict[str, set[str]]]:
    """(project module -> project modules it imports, project module -> external roots)."""
    files = _project_files()
    edges: dict[str, set[str]] = {}
    external: dict[str, set[str]] = {}
    for module, path in files.items():
        edges[module] = set()
        external[module] = set()
        for name in _imported_names(path, module):
            if name.split(".")[0] not in PACKAGES:
                external[module].add(name.split(".")[0])
            elif name in files and name != module:
                edges[module].add(name)
    return edges, external


def _find_cycle(edges: dict[str, set[str]]) -> list[str] | None:
    """One import cycle as [a, b, ..., a], or None."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    stack: list[str] = []

    def visit(module: str) -> list[str] | None:
        state[module] = 1
        stack.append(module)
        for target in sorted(edges[module]):
            if state.get(target) == 1:
                return [*stack[stack.index(target) :], target]
            if target not in state and (cycle := visit(target)):
                return cycle
        stack.pop()
        state[module] = 2
        return None

    for module in sorted(edges):
        if module not in state and (cycle := visit(module)):
            return cycle
    return None


def _reachable(edges: dict[str, set[str]], start: str) -> dict[str, str]:
    """Every module ``start`` imports, directly or not, with the module that imports it."""
    seen: dict[str, str] = {}
    todo = [start]
    while todo:
        current = todo.pop()
        for target in edges[current]:
            if target not in seen and target != start:
                seen[target] = current
                todo.append(target)
    return seen


def _chain(via: dict[str, str], start: str, end: str) -> str:
    path = [end]
    while path[-1] != start:
        path.append(via[path[-1]])
    return " -> ".join(reversed(path))


def _in(module: str, packages: tuple[str, ...]) -> bool:
    return any(module == p or module.startswith(p + ".") for p in packages)


def test_the_graph_walk_finds_a_cycle_and_names_it() -> None:
    edges = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert _find_cycle(edges) == ["a", "b", "c", "a"]
    assert _find_cycle({"a": {"b"}, "b": set()}) is None


def test_project_modules_import_each_other_without_cycles() -> None:
    edges, _ = _graph()
    assert "orchestration.definitions" in edges and "sources.loading.landing" in edges
    cycle = _find_cycle(edges)
    assert cycle is None, "import cycle: " + " -> ".join(cycle or [])


def test_sources_and_quality_never_reach_dagster_or_orchestration() -> None:
    edges, external = _graph()
    offences = []
    for module in sorted(m for m in edges if _in(m, ("sources", "quality"))):
        via = _reachable(edges, module)
        for reached in [module, *via]:
            if _in(reached, ("orchestration",)):
                offences.append(_chain(via, module, reached))
            if {"dagster", "dagster_dbt"} & external[reached]:
                chain = _chain(via, module, reached) if reached != module else module
                offences.append(f"{chain} -> dagster")
    assert not offences, "arrows must point inward:\n" + "\n".join(sorted(set(offences)))


def test_the_load_path_never_reaches_the_sample_generator() -> None:
    edges, _ = _graph()
    offences = []
    for module in sorted(m for m in edges if _in(m, LOAD_PATH)):
        via = _reachable(edges, module)
        offences += [_chain(via, module, r) for r in via if _in(r, ("sources.sample",))]
    assert not offences, "the load path imports the sample:\n" + "\n".join(offences)


def test_no_module_is_over_the_line_limit() -> None:
    sizes = {
        str(path.relative_to(REPO)): len(path.read_text(encoding="utf-8").splitlines())
        for path in _project_files().values()
    }
    over = {name: lines for name, lines in sizes.items() if lines > MAX_LINES}
    assert not over, f"modules over {MAX_LINES} lines: " + ", ".join(
        f"{name} ({lines})" for name, lines in sorted(over.items())
    )


def test_importing_the_code_location_does_no_io_and_changes_no_env(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    probe = (
        "import json, os\n"
        "before = dict(os.environ)\n"
        "import orchestration.definitions\n"
        "after = dict(os.environ)\n"
        "keys = before.keys() | after.keys()\n"
        "changed = sorted(k for k in keys if before.get(k) != after.get(k))\n"
        "print(json.dumps(changed))\n"
    )
    env = {k: v for k, v in os.environ.items() if k != "DAGSTER_HOME"}
    env["EGOV_DATA_DIR"] = str(data_dir)
    proc = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=tmp_path,  # a stray relative path would land here, and be seen below
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert json.loads(proc.stdout.strip().splitlines()[-1]) == []
    assert sorted(p.name for p in tmp_path.rglob("*")) == ["data"]


@pytest.mark.parametrize("package", PACKAGES)
def test_every_package_is_walked(package: str) -> None:
    edges, _ = _graph()
    assert any(_in(m, (package,)) for m in edges)
