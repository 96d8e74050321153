"""Live collection over WinRM: one runspace pool and one pipeline (the host's fact script) per host.

For each host: WSMan over HTTPS (certificate validation) or HTTP with message encryption, authenticate, open a
runspace pool (the JEA ``configuration_name`` if set), invoke the fact script as one pipeline, read its single JSON
document, close the pool. Hosts run concurrently, at most ``parallel`` at a time, and over worker processes when
``[winrm] processes`` asks for them (winrm_workers.py). A host that fails in any way (refused, DNS, TLS, authentication,
Kerberos, a deadline, a failing script, output that is not a facts document) becomes a Target whose every probe is
``{"ok": false, "error": reason}``: its checks are UNKNOWN with that reason, the other hosts stand.

Deadlines (deadline.py): each WSMan exchange (connect, TLS, authentication and the whole answer) must be over within
``read_timeout``, and the host's whole collection within ``operation_timeout``; past either, the host's connections
are cut and the host is UNKNOWN ("no complete answer ... within N s"), however slowly it was answering.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from conncheck.collectors.deadline import Deadline, SocketWatch
from conncheck.collectors.script import FactScript
from conncheck.collectors.winrm_options import WinRMOptions
from conncheck.credentials import Credential
from conncheck.errors import InputError
from conncheck.facts import ProbeResult, Target, from_json


class HostFailed(Exception):
    """The host could not be collected; the message is the one-line reason shown in every UNKNOWN."""


@dataclass(frozen=True)
class HostJob:
    name: str
    roles: tuple[str, ...]
    options: WinRMOptions
    credential: Credential | None
    script: FactScript

    @property
    def where(self) -> str:
        return f"{self.options.address or self.name}:{self.options.effective_port}"


@dataclass(frozen=True)
class HostOutcome:
    target: Target
    seconds: float
    error: str | None


@dataclass
class WorkerUsage:
    """What a collection cost in worker processes (the benchmark reads it): how many ran, their CPU seconds."""

    processes: int = 1
    cpu_seconds: float = 0.0


Progress = Callable[[HostOutcome], None]


def _iso(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _credentials(job: HostJob) -> tuple[Any, str | None]:
    """pypsrp's username and password arguments.

    With NTLM in Python (pyspnego everywhere but Windows, where SSPI runs NTLM itself), the credential's NT hash,
    derived once per credential, stands in for the password: no host re-derives it. Negotiate keeps the password
    too, after the hash, for Kerberos.
    """
    credential = job.credential
    if credential is None:
        return None, None  # a client certificate, or Kerberos from the ticket cache / logon session
    auth = job.options.auth
    if auth not in ("ntlm", "negotiate") or sys.platform == "win32":
        return credential.username, credential.password
    import spnego

    hashed = spnego.NTLMHash(username=credential.username, nt_hash=credential.nt_hash)
    if auth == "ntlm":
        return [hashed], None
    return [hashed, spnego.Password(username=credential.username, password=credential.password)], None


def _connect(job: HostJob, watch: SocketWatch) -> Any:
    from pypsrp.wsman import WSMan

    opts = job.options
    kwargs: dict[str, Any] = {}
    if opts.auth == "certificate":
        kwargs.update(certificate_pem=opts.certificate_pem, certificate_key_pem=opts.certificate_key_pem)
    else:
        kwargs.update(negotiate_service=opts.kerberos_service, negotiate_hostname_override=opts.spn_hostname(job.name))
    username, password = _credentials(job)
    verify: Any = opts.verify()  # pypsrp takes a CA bundle path here too, though it is typed bool
    wsman = WSMan(
        opts.address or job.name,
        port=opts.effective_port,
        username=username,
        password=password,
        ssl=opts.transport == "https",
        auth=opts.auth,
        cert_validation=verify,
        encryption="auto",  # https: TLS; http: WinRM message encryption (pypsrp refuses auths that cannot seal)
        connection_timeout=min(opts.connection_timeout, opts.effective_read_timeout),
        read_timeout=opts.effective_read_timeout,
        operation_timeout=opts.wsman_operation_timeout,
        reconnection_backoff=0,  # pypsrp sleeps between retries; a sleep is one thing a deadline cannot cut
        proxy=opts.proxy,
        no_proxy=opts.no_proxy,
        **kwargs,
    )
    _prepare_session(wsman.transport, watch, job)
    return wsman


def _prepare_session(transport: Any, watch: SocketWatch, job: HostJob) -> None:
    """Build pypsrp's requests session now, environment read once, every exchange under its deadline.

    A session that trusts the environment re-reads every proxy variable for each request: ~0.15 ms a request, a
    tenth of the collector's CPU per host. pypsrp's build already merges the environment's proxies for the host's
    URL (the only URL its requests go to), so the session stops trusting the environment once built; that also keeps
    ~/.netrc from adding Basic credentials to a certificate-auth session.
    """
    session = transport._build_session()  # pypsrp builds it lazily on the first send, with the same call
    session.trust_env = False
    for adapter in session.adapters.values():
        _watch_new_sockets(adapter, watch)
    read_timeout = job.options.effective_read_timeout
    reason = f"no complete answer from {job.where} within {read_timeout} s (read_timeout)"
    send = session.send

    def send_within_deadline(request: Any, **kwargs: Any) -> Any:
        # requests' send covers the whole exchange: connect, TLS, the authentication round trips (its response
        # hook) and the body, read before it returns.
        with Deadline(watch, read_timeout, reason):
            return send(request, **kwargs)

    session.send = send_within_deadline
    transport.session = session


def _watch_new_sockets(adapter: Any, watch: SocketWatch) -> None:
    """Register every socket the adapter's connection pools open (direct, or to a proxy) with ``watch``.

    urllib3 creates a pool per host through ``pool_classes_by_scheme``, a connection through the pool's
    ``ConnectionCls``, and the socket in the connection's ``_new_conn``; each is wrapped on the way, as pypsrp
    itself wraps them to refuse new connections.
    """

    def watch_connection(connection: Any) -> Any:
        new_conn = connection._new_conn

        def new_watched_conn() -> Any:
            sock = new_conn()
            watch.add(sock)
            return sock

        connection._new_conn = new_watched_conn
        return connection

    def watch_pool(pool: Any) -> Any:
        pool.ConnectionCls = _then(pool.ConnectionCls, watch_connection)
        return pool

    def watch_manager(manager: Any) -> Any:
        if not getattr(manager, "conncheck_watched", False):
            manager.pool_classes_by_scheme = {scheme: _then(make, watch_pool)
                                              for scheme, make in manager.pool_classes_by_scheme.items()}
            manager.conncheck_watched = True
        return manager

    watch_manager(adapter.poolmanager)
    adapter.proxy_manager_for = _then(adapter.proxy_manager_for, watch_manager)


def _then(make: Callable[..., Any], after: Callable[[Any], Any]) -> Callable[..., Any]:
    return lambda *args, **kwargs: after(make(*args, **kwargs))


def _run_script(job: HostJob, watch: SocketWatch) -> tuple[list[Any], datetime, datetime]:
    """Invoke the fact script; its output objects and the reference window [before send, after receive]."""
    from pypsrp.powershell import PowerShell, PSInvocationState, RunspacePool

    timeout = job.options.operation_timeout
    with Deadline(watch, timeout, f"no complete answer from {job.where} within {timeout} s "
                                  "(operation_timeout)") as deadline:
        wsman = _connect(job, watch)
        try:
            with RunspacePool(wsman, configuration_name=job.options.configuration_name) as pool:
                shell = PowerShell(pool)
                shell.add_script(job.script.text)
                before = datetime.now(timezone.utc)
                deadline.reason = f"the fact script did not finish within {timeout} s (operation_timeout)"
                shell.begin_invoke()
                while shell.state == PSInvocationState.RUNNING:
                    shell.poll_invoke()
                after = datetime.now(timezone.utc)
                if shell.state != PSInvocationState.COMPLETED:
                    raise HostFailed(_script_failed(job, list(shell.streams.error), shell.state))
                return list(shell.output), before, after
        finally:
            wsman.close()


# The error a NoLanguage endpoint (JEA's RestrictedRemoteServer default) gives any script: it runs commands only, so
# not even the script's own language-mode guard can speak. Told by its FullyQualifiedErrorId, which is not localized.
NO_LANGUAGE_ERROR_ID = "ScriptsNotAllowed"


def _script_failed(job: HostJob, errors: list[Any], state: Any) -> str:
    ids = {str(getattr(e, "fq_error", "") or "").split(",")[0] for e in errors}
    if NO_LANGUAGE_ERROR_ID in ids:
        endpoint = job.options.configuration_name or "Microsoft.PowerShell"
        return (f"the session configuration {endpoint} on {job.where} runs in NoLanguage mode, which runs commands "
                "but no script: connect to one with LanguageMode = 'FullLanguage' (examples/jea/conncheck.pssc, "
                "configuration_name in site.toml), or run the fact script by hand on the host")
    detail = str(errors[0]) if errors else f"pipeline ended {state}"
    return f"the fact script failed on the host: {detail}"


def _reason(exc: BaseException, job: HostJob) -> str:
    """One line an operator can act on; never the password."""
    import requests
    from conncheck.collectors import kerberos
    from pypsrp.exceptions import AuthenticationError, WinRMTransportError, WSManFaultError

    opts = job.options
    where = job.where
    text = str(exc)
    if isinstance(exc, HostFailed):
        return text
    if kerberos.is_kerberos_error(exc):
        return (f"{opts.auth} authentication to {where} failed: "
                f"{kerberos.reason(exc, opts.kerberos_service, opts.spn_hostname(job.name), _SPN_SETTINGS)}")
    if isinstance(exc, AuthenticationError):
        if opts.auth == "certificate":
            return (f"{where} refused the client certificate {opts.certificate_pem}: map it to an account on the "
                    "host (WSMan:\\localhost\\ClientCertificate, issuer and subject) and trust its issuer")
        user = job.credential.username if job.credential else "the Kerberos ticket"
        return (f"authentication failed for {user} ({opts.auth}) on {where}: wrong password, locked or disabled "
                "account, or the account may not use WinRM")
    if isinstance(exc, requests.exceptions.SSLError):
        detail = "certificate verify failed" if "CERTIFICATE_VERIFY_FAILED" in text else text.split(":")[-1].strip()
        return f"TLS handshake with {where} failed ({detail}); check ca_bundle and the listener's certificate"
    if isinstance(exc, (requests.exceptions.ConnectTimeout, requests.exceptions.ReadTimeout)):
        return f"timed out talking to {where} (connection_timeout/read_timeout)"
    if isinstance(exc, requests.exceptions.ConnectionError):
        if "Name or service not known" in text or "getaddrinfo" in text or "NameResolution" in text:
            return f"DNS: cannot resolve {opts.address or job.name}"
        if "refused" in text.lower():
            return f"connection refused by {where}: is WinRM listening ({opts.transport})?"
        return f"cannot connect to {where}: {text.splitlines()[0][:200]}"
    if isinstance(exc, WSManFaultError):
        return f"WinRM fault {exc.code} from {where}: {(exc.reason or exc.message or '').strip()[:200]}"
    if isinstance(exc, WinRMTransportError):
        return f"HTTP {exc.code} from {where}"
    return f"{type(exc).__name__} talking to {where}: {text.splitlines()[0][:200] if text else ''}"


_SPN_SETTINGS = "kerberos_service / kerberos_hostname in [winrm] or the host's [[hosts]] entry"


def _parse_output(job: HostJob, output: list[Any]) -> Target:
    text = "\n".join(str(item) for item in output).strip()
    try:
        doc = json.loads(text)
    except json.JSONDecodeError:
        preview = text[:80].replace("\n", " ") or "(nothing)"
        raise HostFailed(f"the fact script's output is not JSON: {preview!r}") from None
    try:
        facts = from_json(doc, f"{job.name}: fact script output")
    except InputError as exc:
        raise HostFailed(str(exc)) from None
    if len(facts.hosts) != 1:
        raise HostFailed(f"the fact script's output describes {len(facts.hosts)} hosts, expected one")
    reported = next(iter(facts.hosts.values()))
    probes = {
        name: reported.probes.get(name) or ProbeResult.failure("missing from the fact script's output")
        for name in job.script.probes
    }
    attributes = {"reported_name": reported.name} if reported.name.lower() != job.name.lower() else {}
    return Target(job.name, job.roles, probes, attributes)


def failed_target(job: HostJob, reason: str) -> Target:
    return Target(job.name, job.roles, {name: ProbeResult.failure(reason) for name in job.script.probes})


def collect_host(job: HostJob) -> HostOutcome:
    started = time.monotonic()
    watch = SocketWatch()
    try:
        output, before, after = _run_script(job, watch)
        target = _parse_output(job, output)
        clock = target.probes.get("clock")
        if clock is not None and clock.ok and isinstance(clock.data, dict):
            data = {**clock.data, "reference_window": [_iso(before), _iso(after)]}
            target.probes["clock"] = ProbeResult.success(data, clock.ms)
        return HostOutcome(target, time.monotonic() - started, None)
    except Exception as exc:  # every failure of one host is that host's UNKNOWNs, never the run's end
        reason = watch.reason or _reason(exc, job)
        return HostOutcome(failed_target(job, reason), time.monotonic() - started, reason)
    finally:
        watch.close()


def collect_threaded(jobs: list[HostJob], parallel: int, progress: Progress | None = None) -> list[HostOutcome]:
    """Every host in this process, at most ``parallel`` at once; outcomes in the order they finish."""
    outcomes = []
    with ThreadPoolExecutor(max_workers=max(1, min(parallel, len(jobs))), thread_name_prefix="winrm") as pool:
        for future in as_completed([pool.submit(collect_host, job) for job in jobs]):
            outcome = future.result()
            if progress is not None:
                progress(outcome)
            outcomes.append(outcome)
    return outcomes


def collect_hosts(jobs: list[HostJob], parallel: int, progress: Progress | None = None, *,
                  processes: int | None = None, usage: WorkerUsage | None = None) -> dict[str, Target]:
    """Collect every host, at most ``parallel`` at once, over ``processes`` worker processes (else ``[winrm]
    processes``, a section-wide option, the same in every job; else one: see winrm_workers.py for why). Results
    keep the order of ``jobs``."""
    if not jobs:
        return {}
    count = min(len(jobs), processes or jobs[0].options.processes or 1)
    derive_nt_hashes(jobs)
    if count == 1:
        outcomes = collect_threaded(jobs, parallel, progress)
    else:
        from conncheck.collectors import winrm_workers

        outcomes = winrm_workers.collect_in_processes(jobs, count, parallel, progress, usage)
    if usage is not None:
        usage.processes = count
    done = {outcome.target.name: outcome.target for outcome in outcomes}
    return {job.name: done[job.name] for job in jobs}


def derive_nt_hashes(jobs: list[HostJob]) -> None:
    """Each credential's NT hash, derived here once (it is cached on the credential) before any host or worker
    process needs it."""
    for credential in {job.credential for job in jobs if job.options.auth in ("ntlm", "negotiate")}:
        if credential is not None:
            _ = credential.nt_hash
