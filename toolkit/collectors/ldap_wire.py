"""The directory collector's wire: ldap3 connections whose sockets a deadline can cut, and the Kerberos bind.

``WatchedTls`` registers the connection's socket with the exchange's ``SocketWatch`` before the TLS handshake (LDAPS
or StartTLS), so a DC that stalls the handshake is cut at the deadline like one that stalls an answer.

``KerberosConnection`` binds with SASL GSSAPI (RFC 4752) through pyspnego, so the platform's Kerberos runs it: SSPI
on Windows (the logon session's or a gMSA's tickets), GSSAPI elsewhere (the ``kinit`` cache). The security layer
follows the transport, as Active Directory expects:

* over LDAPS or StartTLS: no SASL layer (TLS protects the traffic; a DC refuses sign or seal inside TLS), with the
  Kerberos authenticator bound to the TLS channel (``tls-server-end-point``, which DCs enforcing LDAP channel
  binding require);
* on plain LDAP (389): the confidentiality layer. Every later LDAP message travels sealed with the Kerberos session
  key (``SealedSocket``), as Windows' own tools do; a DC that requires signing accepts nothing less.
"""

from __future__ import annotations

import contextlib
import ssl
from typing import Any

import ldap3
from conncheck.collectors.deadline import SocketWatch
from conncheck.collectors.kerberos import tls_server_end_point
from ldap3.core.exceptions import LDAPException
from ldap3.protocol.sasl.sasl import abort_sasl_negotiation, send_sasl_negotiation

SASL_BIND_IN_PROGRESS = 14
NO_SECURITY_LAYER, INTEGRITY, CONFIDENTIALITY = 1, 2, 4
MAX_SEALED_MESSAGE = 0xFFFFFF  # the largest wrapped message this client accepts (RFC 4752: three bytes)


class KerberosBindFailed(Exception):
    """The Kerberos bind could not complete on this side (no acceptable security layer, a malformed answer)."""


class WatchedTls(ldap3.Tls):
    def __init__(self, watch: SocketWatch, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.watch = watch

    def wrap_socket(self, connection: Any, do_handshake: bool = False) -> None:
        self.watch.add(connection.socket)
        super().wrap_socket(connection, do_handshake)


class KerberosConnection(ldap3.Connection):
    """A read-only ldap3 connection whose bind is Kerberos for ``ldap/<service_host>``."""

    socket: Any  # ldap3's: a socket or an SSLSocket; after a sealed bind, the SealedSocket around it

    def __init__(self, server: ldap3.Server, *, service_host: str, **kwargs: Any) -> None:
        super().__init__(server, authentication=ldap3.SASL, sasl_mechanism=ldap3.KERBEROS, **kwargs)
        self.service_host = service_host

    def do_sasl_bind(self, controls: Any) -> Any:  # ldap3's bind() calls this for every SASL mechanism
        with self.connection_lock:
            self.sasl_in_progress = True
            try:
                return self._gssapi_bind(controls)
            except Exception:
                with contextlib.suppress(LDAPException, OSError):  # the peer may be gone: keep the first error
                    abort_sasl_negotiation(self, controls)
                raise
            finally:
                self.sasl_in_progress = False

    def _gssapi_bind(self, controls: Any) -> Any:
        import spnego
        from spnego.channel_bindings import GssChannelBindings

        certificate = _peer_certificate(self.socket)
        flags = spnego.ContextReq.mutual_auth | spnego.ContextReq.sequence_detect
        if certificate is None:
            flags |= spnego.ContextReq.integrity | spnego.ContextReq.confidentiality
        bindings = GssChannelBindings(application_data=tls_server_end_point(certificate)) if certificate else None
        context = spnego.client(hostname=self.service_host, service="ldap", protocol="kerberos", context_req=flags,
                                channel_bindings=bindings)
        token = context.step()
        while True:  # the Kerberos exchange, then the server's wrapped offer of security layers
            result = send_sasl_negotiation(self, controls, token or b"")
            if result["result"] != SASL_BIND_IN_PROGRESS:
                return result  # refused (the caller reports the DC's reason)
            if context.complete:
                break
            token = context.step(result["saslCreds"])
        offer = context.unwrap(result["saslCreds"] or b"").data
        if len(offer) != 4:
            raise KerberosBindFailed(f"the DC's SASL security-layer offer is malformed ({len(offer)} bytes)")
        layer = NO_SECURITY_LAYER if certificate is not None else CONFIDENTIALITY
        if not offer[0] & layer:
            wanted = "none (TLS protects the traffic)" if certificate is not None else "confidentiality (sealing)"
            raise KerberosBindFailed(f"the DC offers no acceptable SASL security layer (offered {offer[0]:#x}, "
                                     f"needed {wanted})")
        size = 0 if layer == NO_SECURITY_LAYER else MAX_SEALED_MESSAGE
        choice = context.wrap(bytes([layer]) + size.to_bytes(3, "big"), encrypt=False).data
        result = send_sasl_negotiation(self, controls, choice)
        if result["result"] == 0 and layer == CONFIDENTIALITY:
            self.socket = SealedSocket(self.socket, context)
        return result


def _peer_certificate(sock: Any) -> bytes | None:
    if isinstance(sock, ssl.SSLSocket):
        return sock.getpeercert(binary_form=True)
    return None


class SealedSocket:
    """The connection's socket after a sealed bind: each LDAP message goes out as a 4-byte big-endian length and the
    message wrapped (encrypted) with the Kerberos context, and comes back the same way. Everything else is the
    socket's own."""

    def __init__(self, sock: Any, context: Any) -> None:
        self._sock = sock
        self._context = context

    def sendall(self, data: bytes) -> None:
        sealed = self._context.wrap(data, encrypt=True).data
        self._sock.sendall(len(sealed).to_bytes(4, "big") + sealed)

    def recv(self, size: int) -> bytes:
        """The next whole unsealed message (ldap3 accepts more than ``size``); b"" when the peer is gone."""
        header = self._read(4)
        if len(header) < 4:
            return b""
        length = int.from_bytes(header, "big")
        if length > MAX_SEALED_MESSAGE:
            raise OSError(f"the DC sent a sealed message of {length} bytes, more than the {MAX_SEALED_MESSAGE} "
                          "this client offered")
        body = self._read(length)
        if len(body) < length:
            return b""
        message = self._context.unwrap(body)
        if not message.encrypted:
            raise OSError("the DC answered unsealed on a connection bound with sealing")
        return bytes(message.data)

    def _read(self, count: int) -> bytes:
        chunks = []
        while count:
            chunk = self._sock.recv(count)
            if not chunk:
                break
            chunks.append(chunk)
            count -= len(chunk)
        return b"".join(chunks)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._sock, name)
