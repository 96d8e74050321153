"""Finds every check plugin: conncheck's own and third-party ones, all through the ``conncheck.checks`` entry points."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from importlib.metadata import EntryPoint, entry_points
from types import ModuleType

from conncheck.errors import ConncheckError
from conncheck.plugin import Check, Plugin, Probe

ENTRY_POINT_GROUP = "conncheck.checks"


class PluginError(ConncheckError):
    """A plugin failed to load or clashes with another (exit 2)."""


@dataclass
class Registry:
    plugins: list[Plugin] = field(default_factory=list)
    probes: dict[str, Probe] = field(default_factory=dict)
    checks: dict[str, Check] = field(default_factory=dict)

    def add(self, plugin: Plugin) -> None:
        for name, probe in plugin.probes.items():
            if name in self.probes:
                raise PluginError(
                    f"plugin {plugin.name}: probe {name!r} is already declared by {self.probes[name].plugin}"
                )
            self.probes[name] = probe
        for check_id, check in plugin.checks.items():
            if check_id in self.checks:
                raise PluginError(
                    f"plugin {plugin.name}: check {check_id!r} is already declared by {self.checks[check_id].plugin}"
                )
            self.checks[check_id] = check
        self.plugins.append(plugin)

    def validate(self) -> None:
        """Every probe a check reads is declared by some plugin (checked once all plugins are in)."""
        for check in self.checks.values():
            for probe in check.probes:
                if probe not in self.probes:
                    raise PluginError(f"check {check.id} reads probe {probe!r}, which no plugin declares")

    def probes_for_role(self, role: str) -> list[Probe]:
        return [p for p in self.probes.values() if role in p.roles]


def _plugin_of(module: ModuleType, origin: str) -> Plugin:
    plugin = getattr(module, "PLUGIN", None)
    if not isinstance(plugin, Plugin):
        raise PluginError(f"{origin}: module {module.__name__} has no PLUGIN = Plugin(...)")
    return plugin


BUILTIN_DISTRIBUTION = "conncheck"


def _load_entry_point(ep: EntryPoint) -> Plugin:
    try:
        loaded = ep.load()
    except Exception as exc:
        raise PluginError(f"entry point {ep.name} ({ep.value}): {type(exc).__name__}: {exc}") from exc
    return loaded if isinstance(loaded, Plugin) else _plugin_of(loaded, f"entry point {ep.name}")


@lru_cache(maxsize=1)
def default_registry() -> Registry:
    """Every plugin registered under the ``conncheck.checks`` entry-point group: conncheck's own first, by name."""
    found = list(entry_points(group=ENTRY_POINT_GROUP))
    names = {id(ep.dist): _distribution(ep) for ep in found}  # each distribution's metadata parsed once
    builtin = sorted((ep for ep in found if names[id(ep.dist)] == BUILTIN_DISTRIBUTION), key=lambda ep: ep.name)
    if not builtin:
        raise PluginError(
            "conncheck's built-in checks are not registered (no conncheck.checks entry points): "
            "install conncheck (pip install -e .) instead of running it from the source folder"
        )
    others = sorted((ep for ep in found if names[id(ep.dist)] != BUILTIN_DISTRIBUTION), key=lambda ep: ep.name)
    registry = Registry()
    for ep in [*builtin, *others]:
        registry.add(_load_entry_point(ep))
    registry.validate()
    return registry


def _distribution(ep: EntryPoint) -> str | None:
    dist = getattr(ep, "dist", None)
    return None if dist is None else str(dist.name).lower()
