"""A simulated site on loopback: several WinRM listeners, one per simulated host, sharing one lab credential.

Authentication the hosts accept: NTLM with the lab's password (unless ``accept_ntlm=False``, a hardened domain);
Kerberos when the lab is given a ``keytab`` holding the hosts' keys (exported from a KDC that issues tickets for
their service principals: tests/peers/samba.py); over HTTPS, a client certificate issued by the lab's client CA
(``client_certificate``) whose UPN ``certificate_accounts`` maps to an account.
"""

from __future__ import annotations

import os
import secrets
import tempfile
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from conncheck.lab.hosts import SimHost
from conncheck.lab.server import WinRMServer, free_port
from conncheck.lab.tls import KeyPair, make_ca, make_client, make_server

LAB_DOMAIN = "LAB"
LAB_USER = "conncheck"
PASSWORD_ENV = "CONNCHECK_LAB_PASSWORD"
CERTIFICATE_UPN = "conncheck@lab.test"  # the UPN the lab maps to its account for certificate authentication


@dataclass
class Endpoint:
    host: SimHost
    address: str
    port: int
    server: WinRMServer | None


@dataclass
class Lab:
    """Start with ``with Lab(hosts, https=True) as lab:``; ``lab.site_toml(...)`` writes a matching site.toml.

    pyspnego's acceptor reads process-global environment variables: ``NTLM_USER_FILE`` (passwords), and with a
    keytab ``KRB5_KTNAME`` (service keys) and ``KRB5RCACHEDIR`` (the replay cache, kept in the lab's temp dir). The
    lab sets them while it runs and restores them afterwards.
    """

    hosts: list[SimHost]
    https: bool = False
    password: str = field(default_factory=lambda: secrets.token_urlsafe(18))
    address: str = "127.0.0.1"
    keytab: Path | None = None
    accept_ntlm: bool = True
    certificate_accounts: dict[str, str] = field(default_factory=lambda: {CERTIFICATE_UPN: f"{LAB_DOMAIN}\\{LAB_USER}"})
    endpoints: dict[str, Endpoint] = field(default_factory=dict)
    ca: KeyPair | None = None
    client_ca: KeyPair | None = None
    workdir: Path | None = None
    _tmp: Any = None
    _saved_environment: dict[str, str | None] = field(default_factory=dict)
    _threads: list[threading.Thread] = field(default_factory=list)

    @property
    def username(self) -> str:
        return f"{LAB_DOMAIN}\\{LAB_USER}"

    @property
    def ca_bundle(self) -> Path | None:
        return self.workdir / "lab-ca.pem" if self.https and self.workdir else None

    def start(self) -> Lab:
        self._tmp = tempfile.TemporaryDirectory(prefix="conncheck-lab-")
        self.workdir = Path(self._tmp.name)
        user_file = self.workdir / "ntlm-users"
        user_file.write_text(f"{LAB_DOMAIN}:{LAB_USER}:{self.password}\n", encoding="utf-8")
        user_file.chmod(0o600)
        self._set_environment("NTLM_USER_FILE", str(user_file))
        if self.keytab is not None:
            self._set_environment("KRB5_KTNAME", f"FILE:{self.keytab}")
            self._set_environment("KRB5RCACHEDIR", str(self.workdir))
        if self.https:
            self.ca = make_ca()
            self.client_ca = make_ca("conncheck lab client CA")
            (self.workdir / "lab-ca.pem").write_bytes(self.ca.cert_pem)
            rogue = make_ca("untrusted CA")
        for sim in self.hosts:
            if sim.faults.refuse:
                self.endpoints[sim.name] = Endpoint(sim, self.address, free_port(self.address), None)
                continue
            tls = None
            if self.https and self.ca is not None:
                tls = make_server(rogue if sim.faults.tls_failure else self.ca, sim.name, (self.address,))
            server = WinRMServer(sim, self.address, tls, accept_ntlm=self.accept_ntlm, client_ca=self.client_ca,
                                 certificate_accounts=self.certificate_accounts)
            thread = threading.Thread(target=server.serve_forever, name=f"lab-{sim.name}", daemon=True)
            thread.start()
            self._threads.append(thread)
            self.endpoints[sim.name] = Endpoint(sim, self.address, server.port, server)
        return self

    def stop(self) -> None:
        servers = [e.server for e in self.endpoints.values() if e.server is not None]
        # shutdown() waits for its serve_forever loop to wake (up to its 0.5 s poll interval): ask every listener at
        # once, or a 100-host lab takes most of a minute to stop.
        stoppers = [threading.Thread(target=server.shutdown) for server in servers]
        for stopper in stoppers:
            stopper.start()
        for stopper in stoppers:
            stopper.join()
        for server in servers:
            server.server_close()
        for thread in self._threads:
            thread.join(timeout=5)
        for name, value in self._saved_environment.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        if self._tmp is not None:
            self._tmp.cleanup()

    def _set_environment(self, name: str, value: str) -> None:
        self._saved_environment.setdefault(name, os.environ.get(name))
        os.environ[name] = value

    def __enter__(self) -> Lab:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def host(self, name: str) -> SimHost:
        return self.endpoints[name].host

    def requests(self) -> dict[str, int]:
        return {name: e.host.requests for name, e in self.endpoints.items()}

    def authentications(self, name: str) -> list[str]:
        """The protocol of every authentication host ``name`` accepted: kerberos, ntlm or certificate."""
        server = self.endpoints[name].server
        return list(server.authentications) if server is not None else []

    def client_certificate(self, upn: str = CERTIFICATE_UPN, issuer: KeyPair | None = None) -> tuple[Path, Path]:
        """PEM files (certificate, key) of a client certificate for ``upn``, by default from the lab's client CA."""
        issuer = issuer or self.client_ca
        if issuer is None or self.workdir is None:
            raise ValueError("client certificates need a running HTTPS lab")
        pair = make_client(issuer, upn)
        stem = self.workdir / f"client-{secrets.token_hex(4)}"
        cert, key = stem.with_suffix(".pem"), stem.with_suffix(".key")
        cert.write_bytes(pair.cert_pem)
        key.write_bytes(pair.key_pem)
        key.chmod(0o600)
        return cert, key

    def winrm_section(self, **overrides: Any) -> dict[str, Any]:
        """[winrm] for the lab: NTLM with the lab's account by default; an override of None drops the key (e.g.
        ``auth="kerberos", username=None, password_env=None`` for a ticket)."""
        section: dict[str, Any] = {
            "transport": "https" if self.https else "http",
            "auth": "ntlm",
            "username": self.username,
            "password_env": PASSWORD_ENV,
        }
        if self.ca_bundle is not None:
            section["ca_bundle"] = str(self.ca_bundle)
        section.update(overrides)
        return {key: value for key, value in section.items() if value is not None}

    def hosts_section(self, overrides: dict[str, dict[str, Any]] | None = None) -> list[dict[str, Any]]:
        """[[hosts]] entries pointing at the listeners; ``overrides`` adds or replaces keys of a host's entry (its
        ``name`` too: an alias or an IP address in place of the host's name)."""
        return [
            {"name": name, "roles": list(e.host.roles), "address": e.address, "port": e.port,
             **(overrides or {}).get(name, {})}
            for name, e in self.endpoints.items()
        ]

    def site_toml(
        self, path: Path, site: dict[str, Any] | None = None, sections: dict[str, dict[str, Any]] | None = None,
        hosts: dict[str, dict[str, Any]] | None = None, **winrm: Any,
    ) -> Path:
        """Write a site.toml that points every [[hosts]] entry at its simulated listener; ``sections`` adds tables
        (``{"scep": {...}}``) for the other collectors, ``hosts`` per-host keys (see ``hosts_section``)."""
        lines = []
        if site:
            lines.append("[site]")
            lines += [f"{k} = {_toml(v)}" for k, v in site.items()]
            lines.append("")
        for name, table in (sections or {}).items():
            lines.append(f"[{name}]")
            lines += [f"{k} = {_toml(v)}" for k, v in table.items()]
            lines.append("")
        lines.append("[winrm]")
        lines += [f"{k} = {_toml(v)}" for k, v in self.winrm_section(**winrm).items()]
        for entry in self.hosts_section(hosts):
            lines += ["", "[[hosts]]"] + [f"{k} = {_toml(v)}" for k, v in entry.items()]
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        return path


def _toml(value: Any) -> str:
    import json

    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{json.dumps(str(k))} = {_toml(v)}" for k, v in value.items()) + "}"
    return json.dumps(str(value))  # a TOML basic string is a JSON string for what the lab writes
