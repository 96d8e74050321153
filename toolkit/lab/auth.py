"""The server side of HTTP Negotiate (Kerberos or NTLM) authentication and WinRM message encryption.

Authentication (RFC 4559 style, per TCP connection): a request without ``Authorization`` gets ``401`` with
``WWW-Authenticate: Negotiate``; the client's tokens (SPNEGO, or a raw Kerberos or NTLM token, as Windows accepts)
are fed to a ``pyspnego`` acceptor until it completes. NTLM passwords are checked by pyspnego against the file named
by ``NTLM_USER_FILE`` (lines ``DOMAIN:USER:PASSWORD``); Kerberos tickets are decrypted with the keys of the keytab
named by ``KRB5_KTNAME`` (exported from the Samba lab's KDC). Both variables are process-global. A host that refuses
NTLM (``accept_ntlm=False``, as a hardened domain's hosts do) fails every exchange that negotiates it. Over HTTPS the
acceptor is given the channel bindings ``tls-server-end-point:`` + SHA-256 of the server certificate, so a client
that does not bind to this TLS channel fails (CBT), with NTLM and Kerberos alike.

Message encryption (HTTP without TLS): bodies are ``multipart/encrypted`` MIME with two parts: a header naming the
protocol and the original length, then a 4-byte little-endian signature length, the signature and the sealed bytes.
"""

from __future__ import annotations

import base64
import hashlib
import re
import struct
from dataclasses import dataclass
from typing import Any

import spnego
import spnego.exceptions
from spnego.channel_bindings import GssChannelBindings

BOUNDARY = "Encrypted Boundary"
SPNEGO_ENCRYPTED = "application/HTTP-SPNEGO-session-encrypted"


class AuthFailed(Exception):
    """The client's credentials or channel binding were refused."""


def channel_bindings(server_cert_der: bytes) -> GssChannelBindings:
    return GssChannelBindings(application_data=b"tls-server-end-point:" + hashlib.sha256(server_cert_der).digest())


@dataclass
class Acceptor:
    """One connection's authentication state."""

    cert_der: bytes | None
    accept_ntlm: bool = True
    context: Any = None
    scheme: str = "Negotiate"
    sealing: str = SPNEGO_ENCRYPTED  # application/HTTP-SPNEGO-session-encrypted, or the Kerberos variant

    @property
    def protocol(self) -> str:
        """The protocol the client negotiated: kerberos or ntlm ("" before the first token)."""
        return str(getattr(self.context, "negotiated_protocol", None) or "")

    @property
    def complete(self) -> bool:
        return self.context is not None and bool(self.context.complete)

    @property
    def username(self) -> str:
        try:
            return str(self.context.client_principal or "")
        except (AttributeError, NotImplementedError, spnego.exceptions.SpnegoError):
            return ""  # no context yet, or a protocol that does not name its client

    def step(self, header: str) -> bytes | None:
        """Feed an ``Authorization`` header; returns the token for ``WWW-Authenticate`` (or None)."""
        match = re.match(r"(Negotiate|NTLM|Kerberos)\s+(\S+)", header, re.I)
        if not match:
            raise AuthFailed("unsupported Authorization scheme")
        self.scheme = match.group(1)
        if self.context is None or self.context.complete:
            bindings = channel_bindings(self.cert_der) if self.cert_der else None
            self.context = spnego.server(protocol="negotiate", channel_bindings=bindings)
        try:
            token = base64.b64decode(match.group(2))
            out: bytes | None = self.context.step(token)
        except Exception as exc:  # pyspnego raises its own error types for bad passwords, tickets and bindings
            self.context = None
            raise AuthFailed(str(exc)) from None
        if self.protocol == "ntlm" and not self.accept_ntlm:
            self.context = None
            raise AuthFailed("NTLM is not accepted by this host")
        return out

    def unwrap(self, content_type: str, body: bytes) -> bytes:
        """Decrypt a ``multipart/encrypted`` request body (the reply is sealed under the same protocol name)."""
        if self.context is None or not self.context.complete:
            raise AuthFailed("encrypted message before authentication")
        protocol = re.search(r'protocol="?([^";]+)"?', content_type)
        self.sealing = protocol.group(1) if protocol else SPNEGO_ENCRYPTED
        match = re.search(r'boundary="?([^";]+)"?', content_type)
        boundary = match.group(1) if match else BOUNDARY
        parts = [p for p in re.split(rb"--\s*" + re.escape(boundary.encode()) + rb"(?:--)?\r\n", body) if p]
        out = b""
        for i in range(0, len(parts) - 1, 2):
            length_match = re.search(rb"Length=(\d+)", parts[i])
            payload = parts[i + 1].replace(b"\tContent-Type: application/octet-stream\r\n", b"", 1)
            (sig_len,) = struct.unpack("<i", payload[:4])
            plain = self.context.unwrap_winrm(payload[4 : 4 + sig_len], payload[4 + sig_len :])
            if length_match and int(length_match.group(1)) != len(plain):
                raise AuthFailed("encrypted length does not match the declared length")
            out += plain
        return out

    def wrap(self, body: bytes) -> tuple[str, bytes]:
        """Encrypt a reply body; returns (Content-Type, payload)."""
        result = self.context.wrap_winrm(body)
        sealed = struct.pack("<i", len(result.header)) + result.header + result.data
        length = len(body) + result.padding_length
        head = (
            f"--{BOUNDARY}\r\n\tContent-Type: {self.sealing}\r\n"
            f"\tOriginalContent: type=application/soap+xml;charset=UTF-8;Length={length}\r\n"
            f"--{BOUNDARY}\r\n\tContent-Type: application/octet-stream\r\n"
        ).encode()
        content_type = f'multipart/encrypted;protocol="{self.sealing}";boundary="{BOUNDARY}"'
        return content_type, head + sealed + f"--{BOUNDARY}--\r\n".encode()
