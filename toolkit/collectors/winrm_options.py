"""The [winrm] section of site.toml (and its per-host overrides in [[hosts]]), validated into WinRMOptions.

    [winrm]
    transport = "https"            # https (5986, certificate validation on) or http (5985, message encryption)
    auth = "negotiate"             # negotiate, kerberos, ntlm, credssp, certificate (never Basic)
    username = "CONTOSO\\svc-audit"
    password_env = "CONNCHECK_WINRM_PASSWORD"   # or keyring_service = "conncheck"; else a prompt
    ca_bundle = "/etc/ssl/contoso-ca.pem"       # the CA that issued the WinRM listeners' certificates
    configuration_name = "Microsoft.PowerShell" # a JEA endpoint's name, if you use one
    operation_timeout = 120        # seconds the fact script may run
    parallel = 16                  # hosts collected at once (--parallel overrides)

Per-host keys in ``[[hosts]]`` override the section for that host, plus ``address`` (connect here instead of the name).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from conncheck.errors import ConfigError


@dataclass(frozen=True)
class WinRMOptions:
    transport: str = "https"
    port: int | None = None
    auth: str = "negotiate"
    username: str | None = None
    password_env: str | None = None
    keyring_service: str | None = None
    ca_bundle: str | None = None
    cert_validation: bool = True
    certificate_pem: str | None = None
    certificate_key_pem: str | None = None
    kerberos_service: str = "WSMAN"
    kerberos_hostname: str | None = None
    configuration_name: str = "Microsoft.PowerShell"
    operation_timeout: int = 120
    read_timeout: int | None = None
    connection_timeout: int = 15
    proxy: str | None = None
    no_proxy: bool = False
    address: str | None = None
    parallel: int = 16

    @property
    def effective_port(self) -> int:
        return self.port or (5986 if self.transport == "https" else 5985)

    @property
    def effective_read_timeout(self) -> int:
        # pypsrp needs the HTTP read timeout to outlast one WSMan operation (its OperationTimeout).
        return self.read_timeout or min(self.operation_timeout, 60) + 30

    def verify(self) -> bool | str:
        if self.transport != "https":
            return False
        if not self.cert_validation:
            return False
        return self.ca_bundle or True


def section_options(raw: dict[str, Any] | None) -> WinRMOptions:
    """``[winrm]`` over the defaults. Keys, types and ranges were checked when site.toml was loaded
    (conncheck.config.WinRMSection); what they mean together is checked here."""
    if not raw:
        return WinRMOptions()
    return _checked(replace(WinRMOptions(), **raw), "site.toml [winrm]")


def host_options(base: WinRMOptions, overrides: dict[str, Any], host: str) -> WinRMOptions:
    """One ``[[hosts]]`` table's overrides (conncheck.config.HostSection) over ``[winrm]``."""
    return _checked(replace(base, **overrides), f"site.toml [[hosts]] {host}")


def _checked(options: WinRMOptions, where: str) -> WinRMOptions:
    if options.auth == "certificate":
        if options.transport != "https":
            raise ConfigError(f"{where}: certificate authentication needs transport = \"https\"")
        if not (options.certificate_pem and options.certificate_key_pem):
            raise ConfigError(f"{where}: certificate authentication needs certificate_pem and certificate_key_pem")
    elif not options.username and options.auth != "kerberos":
        # Kerberos may use the ticket cache; every other method needs a user name.
        raise ConfigError(f"{where}: username is required for auth = {options.auth!r}")
    return options
