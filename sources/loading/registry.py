"""Every source the warehouse loads, by name. Adding a source = a module with a ``SPEC``
(see README, "Adding a source") and its name here."""

from __future__ import annotations

import functools
import importlib

from sources.loading.spec import SourceSpec

SOURCE_NAMES = ("budget", "disbursement", "grdp", "procedures", "governance_indices")


@functools.cache
def specs() -> dict[str, SourceSpec]:
    """name -> spec, in a stable order."""
    found = {}
    for name in SOURCE_NAMES:
        spec = importlib.import_module(f"sources.readers.{name}").SPEC
        if spec.name != name:
            raise RuntimeError(f"sources.readers.{name}.SPEC is named {spec.name!r}")
        found[name] = spec
    return found


def spec(name: str) -> SourceSpec:
    try:
        return specs()[name]
    except KeyError:
        raise KeyError(f"unknown source {name!r}: one of {', '.join(SOURCE_NAMES)}") from None
