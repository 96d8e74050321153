"""The loopback WinRM listener: one HTTP(S) server per simulated host, speaking WSMan + PSRP.

Each request is counted on its host, delayed by the host's injected latency, authenticated (Negotiate with Kerberos
or NTLM per TCP connection, channel binding over HTTPS; or, over HTTPS, a client certificate mapped to an account),
decrypted when it is ``multipart/encrypted``, dispatched by its WS-Addressing action, and answered (encrypted when
the request was). ``authentications`` records the protocol of every authentication that succeeded.

Certificate authentication as Windows does it: the client presents its certificate in the TLS handshake (the
listener asks for one and trusts the client CA it was given) and sends ``Authorization:`` the WS-Management mutual
profile URI with every request; the certificate's UPN (subjectAltName otherName) must map to an account
(``certificate_accounts``, the lab's WSMan:\\localhost\\ClientCertificate), else 401.
"""

from __future__ import annotations

import socket
import ssl
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from conncheck.lab import wsman
from conncheck.lab.auth import Acceptor, AuthFailed
from conncheck.lab.hosts import SimHost
from conncheck.lab.shells import CmdShell, PsrpShell
from conncheck.lab.tls import KeyPair, client_upn

# How long a Receive with nothing to return is held before the TimedOut fault (Windows holds up to
# OperationTimeout; the lab answers sooner so fault tests stay quick).
RECEIVE_HOLD_S = 0.2
MUTUAL = "http://schemas.dmtf.org/wbem/wsman/1/wsman/secprofile/https/mutual"


class WinRMServer(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128

    def __init__(self, sim: SimHost, address: str, tls: KeyPair | None, *, accept_ntlm: bool = True,
                 client_ca: KeyPair | None = None, certificate_accounts: dict[str, str] | None = None) -> None:
        self.sim = sim
        self.tls = tls
        self.accept_ntlm = accept_ntlm
        self.certificate_accounts = certificate_accounts or {}
        self.authentications: list[str] = []
        self.shells: dict[str, PsrpShell | CmdShell] = {}
        self.lock = threading.Lock()
        self.ssl_context: ssl.SSLContext | None = None
        if tls is not None:
            import tempfile
            from pathlib import Path

            ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            with tempfile.TemporaryDirectory() as tmp:
                cert, key = Path(tmp, "c.pem"), Path(tmp, "k.pem")
                cert.write_bytes(tls.cert_pem)
                key.write_bytes(tls.key_pem)
                ctx.load_cert_chain(cert, key)
            if client_ca is not None:
                ctx.verify_mode = ssl.CERT_OPTIONAL  # a client may bring a certificate, or authenticate in HTTP
                ctx.load_verify_locations(cadata=client_ca.cert_pem.decode())
            self.ssl_context = ctx
        super().__init__((address, 0), _Handler)

    @property
    def port(self) -> int:
        return int(self.server_address[1])

    @property
    def scheme(self) -> str:
        return "https" if self.tls else "http"

    def finish_request(self, request: Any, client_address: Any) -> None:
        # The TLS handshake runs in the worker thread, so one failing client cannot stall the accept loop.
        if self.ssl_context is not None:
            try:
                request = self.ssl_context.wrap_socket(request, server_side=True)
            except (ssl.SSLError, OSError):
                return
        super().finish_request(request, client_address)

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # a client hanging up mid-request is normal here (timeouts, refused TLS)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # A reply goes out as two writes (headers, then body). With Nagle's algorithm on, the body waits for the
    # client's delayed ACK of the headers: ~40 ms of dead time per request that no WinRM listener has.
    disable_nagle_algorithm = True
    server: WinRMServer

    def setup(self) -> None:
        super().setup()
        self.acceptor = Acceptor(self.server.tls.cert_der if self.server.tls else None, self.server.accept_ntlm)
        self.certificate_account: str | None = None

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _reply(self, status: int, body: bytes = b"", headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self) -> None:
        sim = self.server.sim
        sim.count_request()
        if sim.faults.latency_ms:
            time.sleep(sim.faults.latency_ms / 1000)
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        if self.path.rstrip("/").lower() != "/wsman":
            self._reply(404)
            return
        final_token = self._authenticate()
        if final_token is None:
            return
        if not body:
            self._reply(200, b"", final_token)
            return
        content_type = self.headers.get("Content-Type", "")
        encrypted = content_type.startswith("multipart/")
        try:
            payload = self.acceptor.unwrap(content_type, body) if encrypted else body
        except (AuthFailed, ValueError) as exc:
            self._reply(400, str(exc).encode())
            return
        if not encrypted and self.server.tls is None:
            # Windows' default (AllowUnencrypted=false): plain SOAP over HTTP is refused.
            self._reply(401, b"", {"WWW-Authenticate": "Negotiate"})
            return
        try:
            request = wsman.parse(payload)
        except wsman.BadRequest as exc:
            self._reply(400, str(exc).encode())
            return
        reply = self._dispatch(request)
        headers = dict(final_token)
        if encrypted:
            content_type, reply = self.acceptor.wrap(reply)
        else:
            content_type = "application/soap+xml;charset=UTF-8"
        headers["Content-Type"] = content_type
        self._reply(200, reply, headers)

    def _authenticate(self) -> dict[str, str] | None:
        """Headers for the reply once authenticated; None when a 401 was sent instead."""
        header = self.headers.get("Authorization")
        if header is None and self.acceptor.complete:
            return {}
        if header is None or self.server.sim.faults.bad_credentials:
            self._reply(401, b"", {"WWW-Authenticate": "Negotiate"})
            return None
        if header == MUTUAL:
            return self._authenticate_certificate()
        try:
            token = self.acceptor.step(header)
        except AuthFailed:
            self._reply(401, b"", {"WWW-Authenticate": "Negotiate"})
            return None
        encoded = {"WWW-Authenticate": f"{self.acceptor.scheme} " + _b64(token)} if token else {}
        if not self.acceptor.complete:
            self._reply(401, b"", encoded or {"WWW-Authenticate": "Negotiate"})
            return None
        self._record(self.acceptor.protocol)
        return encoded

    def _authenticate_certificate(self) -> dict[str, str] | None:
        peer = self.connection.getpeercert(binary_form=True) if isinstance(self.connection, ssl.SSLSocket) else None
        account = self.server.certificate_accounts.get(client_upn(peer) or "") if peer else None
        if account is None:
            self._reply(401, b"", {"WWW-Authenticate": MUTUAL})
            return None
        if self.certificate_account is None:
            self._record("certificate")
        self.certificate_account = account
        return {}

    def _record(self, protocol: str) -> None:
        with self.server.lock:
            self.server.authentications.append(protocol)

    def _dispatch(self, req: wsman.Request) -> bytes:
        machine = self.server.sim.name
        action = req.action.rsplit("/", 1)[-1]
        with self.server.lock:
            if action == "Create":
                return self._create(req)
            shell = self.server.shells.get(req.selectors.get("ShellId", "").upper())
            if shell is None:
                return wsman.unknown_shell(req, machine)
            if action == "Command":
                return self._command(req, shell)
            if action == "Send":
                for stream in req.findall("rsp:Send/rsp:Stream"):
                    if isinstance(shell, PsrpShell):
                        import base64

                        command_id = stream.get("CommandId")
                        shell.feed(base64.b64decode(stream.text or ""), uuid.UUID(command_id) if command_id else None)
                return wsman.send_response(req)
            if action == "Signal":
                signal = req.find("rsp:Signal")
                if isinstance(shell, PsrpShell) and signal is not None:
                    shell.signal(signal.get("CommandId"))
                return wsman.signal_response(req)
            if action == "Delete":
                self.server.shells.pop(shell_key(req), None)
                return wsman.delete_response(req)
            if action != "Receive":
                return wsman.action_not_supported(req, machine)
            desired = req.find("rsp:Receive/rsp:DesiredStream")
            command_id = desired.get("CommandId") if desired is not None else None
            result = shell.receive(command_id)
        if result is None:
            time.sleep(min(req.operation_timeout_s, RECEIVE_HOLD_S))
            return wsman.timed_out(req, machine)
        return wsman.receive_response(req, result)

    def _create(self, req: wsman.Request) -> bytes:
        import base64
        import os

        sim = self.server.sim
        sim.resource_uris.append(req.resource_uri)
        shell_el = req.find("rsp:Shell")
        shell_id = ((shell_el.get("ShellId") if shell_el is not None else None) or str(uuid.uuid4())).upper()
        inputs = _text(shell_el, "rsp:InputStreams") or "stdin"
        outputs = _text(shell_el, "rsp:OutputStreams") or "stdout stderr"
        owner = self.certificate_account or self.acceptor.username or "LAB\\conncheck"
        info = wsman.ShellInfo(shell_id, req.resource_uri, owner, self.client_address[0], inputs, outputs,
                               os.getpid(), psrp=req.resource_uri != wsman.CMD_RESOURCE)
        shell: PsrpShell | CmdShell
        if info.psrp:
            shell = PsrpShell(shell_id, sim)
            creation = req.find("rsp:Shell/psrp:creationXml")
            if creation is not None and creation.text:
                shell.feed(base64.b64decode(creation.text))
        else:
            shell = CmdShell(shell_id, sim)
        self.server.shells[shell_id] = shell
        address = f"{self.server.scheme}://{self.headers.get('Host', 'localhost')}/wsman"
        return wsman.create_response(req, info, address)

    def _command(self, req: wsman.Request, shell: PsrpShell | CmdShell) -> bytes:
        import base64

        line = req.find("rsp:CommandLine")
        if line is None:
            return wsman.action_not_supported(req, self.server.sim.name)
        args = [a.text or "" for a in line.findall("rsp:Arguments", wsman.NS)]
        if isinstance(shell, PsrpShell):
            command_id = (line.get("CommandId") or str(uuid.uuid4())).upper()
            shell.new_pipeline(command_id, base64.b64decode(args[0]) if args else b"")
        else:
            command_id = shell.run(_text(line, "rsp:Command"), args)
        return wsman.command_response(req, command_id)


def shell_key(req: wsman.Request) -> str:
    return req.selectors.get("ShellId", "").upper()


def _text(element: Any, path: str) -> str:
    if element is None:
        return ""
    found = element.find(path, wsman.NS)
    return (found.text or "").strip() if found is not None else ""


def _b64(data: bytes) -> str:
    import base64

    return base64.b64encode(data).decode()


def free_port(address: str = "127.0.0.1") -> int:
    """A port nothing listens on (for the 'connection refused' fault)."""
    with socket.socket() as sock:
        sock.bind((address, 0))
        return int(sock.getsockname()[1])
