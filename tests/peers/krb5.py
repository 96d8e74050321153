"""An MIT Kerberos client confined to a temp dir, for the Samba lab's KDC (``samba.start(..., kdc=True)``).

The lab has no DNS (dns backend NONE) and nothing here edits /etc: ``krb5.conf`` in the temp dir names the KDC by
the lab's loopback address (``[realms] kdc = 127.x.y.z``), maps the realm's domain statically, and turns off DNS
lookups and host name canonicalisation (``dns_canonicalize_hostname = false``, ``rdns = false``), so the service
principal a client asks for is ``ldap/<the name it was given>`` verbatim. ``env`` points libkrb5 there:
``KRB5_CONFIG``, a credential cache ``KRB5CCNAME`` and a client keytab ``KRB5_CLIENT_KTNAME`` (absent, so no
system keytab can stand in for a missing ticket) all inside the temp dir. ``kinit`` reads the password from stdin.
"""

from __future__ import annotations

import importlib.util
import shutil
import struct
import subprocess
from dataclasses import dataclass
from pathlib import Path

from tests.peers.samba import REALM, SambaLab


def client_installed() -> bool:
    """kinit/klist (Debian krb5-user) and pyspnego's Kerberos on Linux (the gssapi and krb5 Python packages)."""
    return all(shutil.which(tool) for tool in ("kinit", "klist")) and all(
        importlib.util.find_spec(module) is not None for module in ("gssapi", "krb5"))


@dataclass(frozen=True)
class KerberosClient:
    directory: Path

    @property
    def config(self) -> Path:
        return self.directory / "krb5.conf"

    @property
    def ccache(self) -> Path:
        return self.directory / "ccache"

    @property
    def client_keytab(self) -> Path:
        """Where this client looks for its own keys (absent unless a test puts them there)."""
        return self.directory / "client.keytab"

    @property
    def env(self) -> dict[str, str]:
        return {"KRB5_CONFIG": str(self.config), "KRB5CCNAME": f"FILE:{self.ccache}",
                "KRB5_CLIENT_KTNAME": f"FILE:{self.client_keytab}"}

    def kinit(self, principal: str, password: str) -> None:
        """Get a TGT for ``principal`` into this client's cache (raises with kinit's message on failure)."""
        done = subprocess.run(["kinit", principal], input=password + "\n", text=True, capture_output=True,
                              env={"PATH": "/usr/bin:/bin", **self.env}, timeout=30)
        if done.returncode != 0:
            raise RuntimeError(f"kinit {principal} failed: {done.stderr.strip()}")

    def tickets(self) -> list[str]:
        """The service principals in the cache (``klist``); empty when there is no cache."""
        done = subprocess.run(["klist"], text=True, capture_output=True, env={"PATH": "/usr/bin:/bin", **self.env},
                              timeout=30)
        return [line.split()[-1] for line in done.stdout.splitlines() if "@" in line and line[:1].isdigit()]

    def destroy(self) -> None:
        self.ccache.unlink(missing_ok=True)

    def skew_clock(self, seconds: int) -> None:
        """Make this client's clock ``seconds`` off from the KDC's, without touching the system clock.

        libkrb5 adds the time offset stored in a FILE credential cache's header (tag 1, DeltaTime: seconds and
        microseconds, big-endian) to the system time in every request it makes with that cache: this is how it
        compensates a known skew (kdc_timesync), and a made-up offset creates one. The KDC then answers the next
        ticket request with KRB_AP_ERR_SKEW, as it does for a machine whose clock drifted.
        """
        data = self.ccache.read_bytes()
        version, header_length = struct.unpack(">HH", data[:4])
        header = struct.pack(">HHii", 1, 8, seconds, 0)
        self.ccache.write_bytes(struct.pack(">HH", version, len(header)) + header + data[4 + header_length:])


def client(lab: SambaLab, directory: Path) -> KerberosClient:
    """Write the krb5.conf for ``lab``'s realm into ``directory``; the lab must run its KDC."""
    if not lab.kdc:
        raise ValueError("this Samba lab runs no KDC: start it with samba.start(..., kdc=True)")
    directory.mkdir(parents=True, exist_ok=True)
    kerberos = KerberosClient(directory)
    domain = REALM.lower()
    kerberos.config.write_text(f"""[libdefaults]
    default_realm = {REALM}
    dns_lookup_kdc = false
    dns_lookup_realm = false
    dns_canonicalize_hostname = false
    rdns = false

[realms]
    {REALM} = {{
        kdc = {lab.address}
    }}

[domain_realm]
    .{domain} = {REALM}
    {domain} = {REALM}
""")
    return kerberos
