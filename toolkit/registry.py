"""Finds every check plugin: conncheck's own and third-party ones, all through the ``conncheck.checks`` entry points."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from importlib.metadata import EntryPoint, distributions
from typing import TYPE_CHECKING

from conncheck.errors import ConncheckError

if TYPE_CHECKING:  # conncheck.plugin loads with the first plugin: ``explain`` may not need any (see check_cards)
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


def _plugin_of(loaded: object, origin: str) -> Plugin:
    """The Plugin an entry point names: the object itself, or its module's ``PLUGIN``."""
    from conncheck.plugin import Plugin

    plugin = loaded if isinstance(loaded, Plugin) else getattr(loaded, "PLUGIN", None)
    if not isinstance(plugin, Plugin):
        raise PluginError(f"{origin}: module {getattr(loaded, '__name__', loaded)} has no PLUGIN = Plugin(...)")
    return plugin


BUILTIN_DISTRIBUTION = "conncheck"


def _load_entry_point(ep: EntryPoint) -> Plugin:
    try:
        loaded = ep.load()
    except Exception as exc:
        raise PluginError(f"entry point {ep.name} ({ep.value}): {type(exc).__name__}: {exc}") from exc
    return _plugin_of(loaded, f"entry point {ep.name}")


def _group_entry_points() -> list[tuple[str, EntryPoint]]:
    """What ``entry_points(group=ENTRY_POINT_GROUP)`` returns, each with its distribution's name. Only the
    distributions whose entry_points.txt mentions the group are parsed, and each one's metadata once: both were most
    of ``explain``'s start-up. As importlib.metadata does, a distribution installed twice counts once, the first on
    sys.path."""
    found: list[tuple[str, EntryPoint]] = []
    seen: set[str] = set()
    for dist in distributions():
        text = dist.read_text("entry_points.txt")
        if not text or ENTRY_POINT_GROUP not in text:
            continue
        name = re.sub(r"[-_.]+", "_", str(dist.name or "")).lower()
        if name not in seen:
            seen.add(name)
            found += [(name, ep) for ep in dist.entry_points.select(group=ENTRY_POINT_GROUP)]
    return found


def plugin_entry_points() -> tuple[list[EntryPoint], list[EntryPoint]]:
    """The ``conncheck.checks`` entry points: conncheck's own and the third-party ones, each sorted by name."""
    found = _group_entry_points()
    builtin = sorted((ep for name, ep in found if name == BUILTIN_DISTRIBUTION), key=lambda ep: ep.name)
    if not builtin:
        raise PluginError(
            "conncheck's built-in checks are not registered (no conncheck.checks entry points): "
            "install conncheck (pip install -e .) instead of running it from the source folder"
        )
    others = sorted((ep for name, ep in found if name != BUILTIN_DISTRIBUTION), key=lambda ep: ep.name)
    return builtin, others


def load_registry(eps: list[EntryPoint]) -> Registry:
    registry = Registry()
    for ep in eps:
        registry.add(_load_entry_point(ep))
    registry.validate()
    return registry


@lru_cache(maxsize=1)
def default_registry() -> Registry:
    """Every plugin registered under the ``conncheck.checks`` entry-point group: conncheck's own first, by name."""
    builtin, others = plugin_entry_points()
    return load_registry([*builtin, *others])
