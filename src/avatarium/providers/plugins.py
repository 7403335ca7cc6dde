"""Finding provider descriptions: the built-in packages, then installed plugins.

A plugin is a distribution with an entry point in the `avatarium.providers` group whose object is a
`ProviderSpec`. One that cannot be imported, is not a description, or reuses a taken id is left out,
logged, and reported by `GET /health`; the server starts without it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from functools import cache
from importlib import import_module
from importlib.metadata import entry_points

from avatarium.providers.builtin import BUILTIN
from avatarium.providers.spec import ProviderSpec

GROUP = "avatarium.providers"
log = logging.getLogger("avatarium.providers")


@dataclass(frozen=True)
class Plugin:
    """How loading one installed plugin went; `problem` is ours and safe to show."""

    name: str  # the entry point's name
    provider: str | None = None
    problem: str | None = None

    def out(self) -> dict[str, str | None]:
        return {
            "name": self.name,
            "provider": self.provider,
            "status": "failed" if self.problem else "loaded",
            "problem": self.problem,
        }


@cache
def builtin_specs() -> tuple[ProviderSpec, ...]:
    return tuple(import_module(name).PROVIDER for name in BUILTIN)


def load_specs() -> tuple[list[ProviderSpec], list[Plugin]]:
    """Every provider description, built-in ones first, and a report on each installed plugin."""
    specs = list(builtin_specs())
    plugins = []
    for entry in sorted(entry_points(group=GROUP), key=lambda e: e.name):
        taken = {s.id for s in specs}
        try:
            spec = entry.load()
        except Exception:
            log.error("provider plugin %s (%s) could not be loaded", entry.name, entry.value, exc_info=True)
            plugins.append(Plugin(entry.name, problem="it could not be imported"))
            continue
        if not isinstance(spec, ProviderSpec):
            log.error("provider plugin %s (%s) is not a ProviderSpec", entry.name, entry.value)
            plugins.append(Plugin(entry.name, problem="its entry point is not a ProviderSpec"))
        elif spec.id in taken:
            log.error("provider plugin %s uses the provider id %r, which is taken", entry.name, spec.id)
            plugins.append(Plugin(entry.name, spec.id, problem=f"the provider id {spec.id!r} is taken"))
        else:
            specs.append(spec)
            plugins.append(Plugin(entry.name, spec.id))
    return specs, plugins
