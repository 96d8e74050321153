"""The site.toml ``conncheck init`` writes: what was found, what was guessed and why, and TODO lines for the rest.

Every value carries a comment line above it: ``# found: <where it comes from>`` or ``# guess: <the reason>``; what
could not be found is a ``# TODO:`` line naming the key to set. Windows hosts are active ``[[hosts]]`` entries only
when the host itself confirmed its roles over WinRM (``--probe``); the others are written commented out, with why
they are candidates. The text is loaded back with the site.toml loader and its ``[site]`` table checked against
``SiteSection`` before anything is written: what init writes, ``check`` reads.
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import msgspec
from conncheck.config import parse
from conncheck.discovery import Discovery, HostCandidate, Value
from conncheck.errors import ConfigError
from conncheck.site import SiteSection

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on 3.10 only
    import tomli as tomllib

SCEP_PATH = "/certsrv/mscep/mscep.dll"  # NDES's default SCEP URL path
SITE_KEYS = ("ca_config", "scep_template", "pkcs_templates", "ndes_fqdn", "ndes_service_account", "connector_account")
PLACEHOLDERS = {
    "ca_config": '"ca01.contoso.com\\\\Contoso Issuing CA"',
    "scep_template": '"<template name, not its display name>"',
    "pkcs_templates": '["<template name>"]',
    "ndes_fqdn": '"ndes01.contoso.com"',
    "ndes_service_account": '"CONTOSO\\\\svc-ndes"',
    "connector_account": '"CONTOSO\\\\svc-connector"  # or CONTOSO\\\\HOST$ when it runs as SYSTEM',
}


@dataclass(frozen=True)
class LdapDraft:
    """The ``[ldap]`` table: its values in order, and comment lines to put above some of them."""

    values: dict[str, Any]
    notes: dict[str, list[str]] = field(default_factory=dict)


def toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    return json.dumps(str(value), ensure_ascii=False)  # a JSON string is a TOML basic string


def _comment(text: str) -> list[str]:
    return ["# " + line if line else "#" for line in text.splitlines()]


def _value_lines(key: str, value: Value | None) -> list[str]:
    if value is None:
        return [f"# TODO: not found; set {key} = {PLACEHOLDERS[key]}"]
    head = f"# {'guess' if value.guess else 'found'}: {value.reason}"
    if value.others:
        head += f" (other candidates: {', '.join(value.others)})"
    return [head, f"{key} = {toml_value(value.value)}"]


def _host_lines(host: HostCandidate, options: dict[str, Any]) -> list[str]:
    if host.confirmed:
        lines = [f"# found: {host.name} showed the role(s) {', '.join(host.confirmed)} over WinRM "
                 f"(AD suggested {', '.join(host.roles)}: {host.reason})", "[[hosts]]",
                 f"name = {toml_value(host.name)}", f"roles = {toml_value(list(host.confirmed))}"]
        return lines + [f"{k} = {toml_value(v)}" for k, v in options.items() if k not in ("name", "roles")]
    if host.confirmed is not None:
        why = "answered over WinRM but showed none of the roles"
    elif host.probe_error:
        why = f"not confirmed: WinRM failed ({host.probe_error})"
    else:
        why = "not asked over WinRM (run init --probe, or uncomment once [winrm] is set)"
    return [f"# guess: {host.reason}; {why}", "# [[hosts]]", f"# name = {toml_value(host.name)}",
            f"# roles = {toml_value(list(host.roles))}"]


def render(d: Discovery, *, name: str, source: str, written_at: datetime, ldap: LdapDraft,
           winrm: dict[str, Any] | None, host_options: dict[str, dict[str, Any]]) -> str:
    """The commented site.toml for ``d``; RuntimeError if the text would not load (a bug, never the user's)."""
    lines = [
        f"# site.toml written by conncheck init on {written_at:%Y-%m-%d %H:%M} UTC from {source} (domain {d.domain}).",
        "# Each value says where it comes from: \"found\" (Active Directory or the host itself says so) or \"guess\"",
        "# (inferred from what AD holds: check it; the reason follows). TODO lines name what could not be found.",
        "# Then run: conncheck check -c <this file>",
        "",
        "[site]",
        f"name = {toml_value(name)}",
    ]
    for key in SITE_KEYS:
        lines += _value_lines(key, getattr(d, key))
    lines += [f"# TODO: {todo}" for todo in d.todos]
    if d.templates:
        lines += ["", "# SCEP/PKCS template candidates (published on a CA, subject supplied in the request, Client "
                  "Authentication):"]
        for t in d.templates:
            shown = t.name if t.display_name in (None, t.name) else f"{t.name} (display name {t.display_name!r})"
            enrollers = ", ".join(t.enrollers) or "nobody"
            lines.append(f"#   {shown} on {', '.join(t.published_on)}; may enroll: {enrollers}")
    if len(d.cas) > 1:
        lines.append(f"# CAs in Enrollment Services: {'; '.join(d.cas)}")

    lines += ["", "[ldap]"]
    for key, value in ldap.values.items():
        lines += [f"# {note}" for note in ldap.notes.get(key, [])]
        lines.append(f"{key} = {toml_value(value)}")
    for key, notes in ldap.notes.items():
        if key not in ldap.values:
            lines += [f"# {note}" for note in notes]

    lines.append("")
    if winrm:
        lines += ["[winrm]"] + [f"{k} = {toml_value(v)}" for k, v in winrm.items()]
    else:
        lines += _comment('[winrm]  (needed for [[hosts]]; see examples/site.toml)\ntransport = "https"\n'
                          'auth = "negotiate"\nusername = "CONTOSO\\\\svc-conncheck"\n'
                          'password_env = "CONNCHECK_WINRM_PASSWORD"')
    for host in d.hosts:
        lines += ["", *_host_lines(host, host_options.get(host.name.lower(), {}))]

    if d.ndes_fqdn is not None:
        url = f"https://{d.ndes_fqdn.value}{SCEP_PATH}"
        lines += ["", f"# guess: NDES's default SCEP URL on {d.ndes_fqdn.value}; uncomment once it answers from here",
                  "# [scep]", f"# urls = {toml_value([url])}"]
    text = "\n".join(lines) + "\n"
    _loads_back(text)
    return text


def _loads_back(text: str) -> None:
    try:
        doc = tomllib.loads(text)
        parse(doc, "the site.toml init wrote")
        msgspec.convert(doc.get("site", {}), SiteSection)
    except (ValueError, ConfigError) as exc:
        raise RuntimeError(f"init drafted a site.toml that does not load ({exc})") from None
