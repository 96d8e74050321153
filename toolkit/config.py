"""site.toml: the inventory (hosts and roles), the site's expectations, thresholds, and collector sections.

The engine reads ``[site]``, ``[thresholds]`` and ``[[hosts]]``. The ``[winrm]``, ``[ldap]`` and ``[scep]`` sections
belong to their collectors, which validate them; they are kept here as raw tables.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from conncheck.errors import ConfigError
from conncheck.facts import HOST_ROLES
from conncheck.plugin import Settings
from conncheck.site import FactsSite, facts_site

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on 3.10 only
    import tomli as tomllib

MAX_CONFIG_BYTES = 1024 * 1024

# Keys of [site]: what the checks compare the facts against. None of them is a secret.
SITE_KEYS = {
    "name": str,
    "ca_config": str,  # "ca01.contoso.com\\Contoso Issuing CA", as certutil -config takes it
    "pkcs_templates": list,
    "scep_template": str,
    "ndes_fqdn": str,
    "ndes_service_account": str,  # DOMAIN\\user
    "connector_features": list,  # what the connector's wizard enabled: pkcs, pkcs_import, scep, revocation
    "connector_account": str,  # DOMAIN\\user; omit when the connector runs as SYSTEM (the computer account)
    "digicert": bool,  # a DigiCert (Symantec) CA is configured: enables the 0x401 checks
}


@dataclass(frozen=True)
class HostEntry:
    name: str
    roles: tuple[str, ...]
    options: dict[str, Any] = field(default_factory=dict)  # per-host overrides of [winrm]


@dataclass(frozen=True)
class SiteConfig:
    path: Path | None
    site: dict[str, Any]
    settings: Settings
    hosts: tuple[HostEntry, ...]
    sections: dict[str, dict[str, Any]]  # raw [winrm], [ldap], [scep], ... for the collectors

    @property
    def name(self) -> str:
        return str(self.site.get("name") or "site")

    def roles_expected(self) -> list[str]:
        roles = {r for h in self.hosts for r in h.roles}
        if self.sections.get("ldap"):
            roles.add("directory")
        if self.sections.get("scep", {}).get("urls"):
            roles.add("scep")
        return sorted(roles)

    def facts_site(self) -> FactsSite:
        """The ``site`` section written into facts: expectations, so facts evaluate alone later.

        It also carries the event look-back window, which the fact script's events probe reads.
        """
        return facts_site({
            **self.site,
            "name": self.name,
            "roles_expected": self.roles_expected(),
            "event_lookback_days": self.settings.event_lookback_days,
        })


def _settings(raw: Any, where: str) -> Settings:
    if raw is None:
        return Settings()
    if not isinstance(raw, dict):
        raise ConfigError(f"{where}: [thresholds] must be a table")
    defaults = Settings()
    values: dict[str, int] = {}
    for key in raw:
        if not hasattr(defaults, key):
            known = ", ".join(Settings.__dataclass_fields__)
            raise ConfigError(f"{where}: [thresholds] has no setting {key!r} (known: {known})")
        value = raw[key]
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            raise ConfigError(f"{where}: [thresholds] {key} must be a whole number ≥ 0, got {value!r}")
        values[key] = value
    return Settings(**values)


def _site(raw: Any, where: str) -> dict[str, Any]:
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise ConfigError(f"{where}: [site] must be a table")
    for key, value in raw.items():
        expected = SITE_KEYS.get(key)
        if expected is None:
            raise ConfigError(f"{where}: [site] has no key {key!r} (known: {', '.join(SITE_KEYS)})")
        if not isinstance(value, expected):
            raise ConfigError(f"{where}: [site] {key} must be a {expected.__name__}, got {value!r}")
    return dict(raw)


def _hosts(raw: Any, where: str) -> tuple[HostEntry, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list):
        raise ConfigError(f"{where}: hosts must be an array of tables ([[hosts]])")
    seen: set[str] = set()
    out = []
    for i, entry in enumerate(raw, 1):
        if not isinstance(entry, dict) or not isinstance(entry.get("name"), str) or not entry["name"]:
            raise ConfigError(f"{where}: [[hosts]] #{i} needs a name")
        name = entry["name"]
        roles = entry.get("roles")
        if not isinstance(roles, list) or not roles or any(r not in HOST_ROLES for r in roles):
            raise ConfigError(f"{where}: host {name}: roles must be a non-empty list of {', '.join(HOST_ROLES)}")
        if name.lower() in seen:
            raise ConfigError(f"{where}: host {name} is listed twice")
        seen.add(name.lower())
        options = {k: v for k, v in entry.items() if k not in ("name", "roles")}
        out.append(HostEntry(name, tuple(roles), options))
    return tuple(out)


def parse(doc: dict[str, Any], where: str = "site.toml", path: Path | None = None) -> SiteConfig:
    known = {"site", "thresholds", "hosts"}
    sections = {k: v for k, v in doc.items() if k not in known}
    for key, value in sections.items():
        if not isinstance(value, dict):
            raise ConfigError(f"{where}: {key} must be a table")
    return SiteConfig(
        path=path,
        site=_site(doc.get("site"), where),
        settings=_settings(doc.get("thresholds"), where),
        hosts=_hosts(doc.get("hosts"), where),
        sections=sections,
    )


def load(path: Path) -> SiteConfig:
    try:
        if path.stat().st_size > MAX_CONFIG_BYTES:
            raise ConfigError(f"{path}: larger than {MAX_CONFIG_BYTES} bytes; is this really site.toml?")
        doc = tomllib.loads(path.read_text(encoding="utf-8-sig"))
    except FileNotFoundError:
        raise ConfigError(f"{path}: no such file (see examples/site.toml for a sample)") from None
    except IsADirectoryError:
        raise ConfigError(f"{path}: is a directory, expected a site.toml file") from None
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: not UTF-8 text") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML ({exc})") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read ({exc.strerror})") from None
    return parse(doc, str(path), path)
