"""The [winrm] section of site.toml (and its per-host overrides in [[hosts]]), validated into WinRMOptions.

    [winrm]
    transport = "https"            # https (5986, certificate validation on) or http (5985, message encryption)
    auth = "negotiate"             # negotiate, kerberos, ntlm, credssp, certificate (never Basic)
    username = "CONTOSO\\svc-audit"  # none with kerberos/negotiate: the ticket cache (kinit) or the logon session
    password_env = "CONNCHECK_WINRM_PASSWORD"   # or keyring_service = "conncheck"; else a prompt
    ca_bundle = "/etc/ssl/contoso-ca.pem"       # the CA that issued the WinRM listeners' certificates
    configuration_name = "Microsoft.PowerShell" # a JEA endpoint's name, if you use one
    operation_timeout = 120        # seconds one host's whole collection may take (connect to last answer)
    read_timeout = 90              # seconds one WSMan exchange may take, however slowly the host answers
    connection_timeout = 15        # seconds for the TCP connect
    kerberos_service = "WSMAN"     # Kerberos/Negotiate: the service principal is <kerberos_service>/<host name>,
    kerberos_hostname = "..."      #   the host's name (never its address) unless kerberos_hostname names another
    parallel = 16                  # hosts collected at once (--parallel overrides)
    processes = 2                  # worker processes the hosts are spread over (default 1: bench/bench_winrm.py)

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
    processes: int | None = None

    @property
    def effective_port(self) -> int:
        return self.port or (5986 if self.transport == "https" else 5985)

    @property
    def effective_read_timeout(self) -> int:
        return self.read_timeout or min(self.operation_timeout, 60) + 30

    @property
    def wsman_operation_timeout(self) -> int:
        """How long the host may hold a Receive before answering "nothing yet" (WSMan OperationTimeout): well inside
        one exchange's deadline, or every wait for the script's output would end as a timeout."""
        return max(1, min(self.operation_timeout, 60, self.effective_read_timeout - 5))

    def spn_hostname(self, name: str) -> str:
        """The host part of the Kerberos service principal: the host's name, even when ``address`` is an IP."""
        return self.kerberos_hostname or name

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
    elif not options.username and options.auth in ("ntlm", "credssp"):
        # Kerberos and Negotiate may use the ticket cache (or on Windows the logon session, a gMSA's included);
        # NTLM and CredSSP need a user name and its password.
        raise ConfigError(f"{where}: username is required for auth = {options.auth!r}")
    return options
