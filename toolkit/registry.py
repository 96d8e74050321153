"""Finds every check plugin: the built-in modules of ``checks/`` and third-party entry points."""

from __future__ import annotations

import importlib
import pkgutil
from dataclasses import dataclass, field
from functools import lru_cache
from importlib.metadata import entry_points
from types import ModuleType

from toolkit.errors import ConncheckError
from toolkit.plugin import Check, Plugin, Probe

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


def builtin_modules() -> list[str]:
    import checks

    return sorted(f"checks.{m.name}" for m in pkgutil.iter_modules(checks.__path__) if not m.name.startswith("_"))


def load_module(name: str, origin: str) -> Plugin:
    try:
        module = importlib.import_module(name)
    except Exception as exc:  # a broken third-party plugin must not take the CLI down with a traceback
        raise PluginError(f"{origin}: cannot import {name}: {type(exc).__name__}: {exc}") from exc
    return _plugin_of(module, origin)


@lru_cache(maxsize=1)
def default_registry() -> Registry:
    """Built-in plugins plus every module registered under the ``conncheck.checks`` entry-point group."""
    registry = Registry()
    for name in builtin_modules():
        registry.add(load_module(name, "built-in plugin"))
    for ep in entry_points(group=ENTRY_POINT_GROUP):
        try:
            loaded = ep.load()
        except Exception as exc:
            raise PluginError(f"entry point {ep.name} ({ep.value}): {type(exc).__name__}: {exc}") from exc
        registry.add(loaded if isinstance(loaded, Plugin) else _plugin_of(loaded, f"entry point {ep.name}"))
    registry.validate()
    return registry
