"""The IIS request limits in effect for NDES's SCEP application, merged from every configuration file that sets them.

IIS builds a URL's configuration level by level: the server, the site, each virtual directory down to the
application (``Default Web Site/CertSrv/mscep``). At each level it applies applicationHost.config's ``<location>`` for
that path (its own ``<system.webServer>`` is the server level), then the web.config files that speak for that level:
the folder's own web.config, and ``<location path="...">`` tags a web.config higher up writes for it. A deeper level
overrides a shallower one; within a level a web.config overrides applicationHost.config. Section locks
(``overrideMode``) are not modelled: a web.config that IIS would reject for a locked section counts here as applied.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from defusedxml import ElementTree

SITE = "Default Web Site"
SCEP_LEVELS = ("", SITE, f"{SITE}/CertSrv", f"{SITE}/CertSrv/mscep")  # the URL /CertSrv/mscep/mscep.dll, level by level
DEFAULTS = {"maxUrl": 4096, "maxQueryString": 2048}  # requestLimits when nothing sets them
LIMITS_PATH = "./system.webServer/security/requestFiltering/requestLimits"
MAX_DIGITS = 10


@dataclass(frozen=True)
class ConfigFile:
    """One configuration file: applicationHost.config (``virtual_path`` None) or a web.config of the site."""

    path: str
    text: str
    virtual_path: str | None = None


@dataclass(frozen=True)
class Limit:
    value: int
    source: str  # "IIS default", or the file (and <location>) that set it


def _level(path: str) -> str:
    return path.strip().strip("/").casefold()


def _limits(scope: Any, source: str) -> dict[str, Limit]:
    found: dict[str, Limit] = {}
    for element in scope.findall(LIMITS_PATH):
        for name in DEFAULTS:
            value = element.get(name)
            if value is None:
                continue
            if not value.isascii() or not value.isdigit() or len(value) > MAX_DIGITS:
                raise ValueError(f"{source}: requestLimits {name}={value[:20]!r} is not a number")
            found[name] = Limit(int(value), source)
    return found


def _scopes(config: ConfigFile) -> list[tuple[str, dict[str, Limit]]]:
    """(level, the limits it sets there) for every scope of one file; ParseError when it is not XML."""
    root = ElementTree.fromstring(config.text)
    base = "" if config.virtual_path is None else _level(f"{SITE}/{config.virtual_path.strip('/')}")
    scopes = [(base, _limits(root, config.path))]
    for location in root.iter("location"):
        where = _level(str(location.get("path", "")))
        level = base if where in ("", ".") else _level(f"{base}/{where}") if base else where
        scopes.append((level, _limits(location, f'{config.path} <location path="{location.get("path", "")}">')))
    return scopes


def effective_limits(app_host: ConfigFile, web_configs: list[ConfigFile]) -> dict[str, Limit]:
    """maxUrl and maxQueryString for the SCEP application, each with the file that set it; ParseError or ValueError
    when a file is not readable XML or sets a value that is not a number."""
    limits = {name: Limit(value, "IIS default") for name, value in DEFAULTS.items()}
    # applicationHost.config first, then web.configs from the site root down: the order IIS applies them in.
    files = [app_host, *sorted(web_configs, key=lambda c: len(_level(c.virtual_path or "")))]
    scopes = [scope for config in files for scope in _scopes(config)]
    for level in (_level(level) for level in SCEP_LEVELS):
        for where, found in scopes:
            if where == level:
                limits.update(found)
    return limits
