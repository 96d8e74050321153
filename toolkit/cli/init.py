"""``conncheck init``: a first site.toml from what a domain controller (and, with ``--probe``, the hosts) knows."""

import sys
import time
from datetime import datetime, timezone
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from conncheck.cli.app import app
from conncheck.errors import InputError

if TYPE_CHECKING:
    from conncheck.dc_trust import DcAddress, DcConnection
    from conncheck.discovery import Directory, Entry
    from cryptography import x509


class DcTls(str, Enum):
    ldaps = "ldaps"
    starttls = "starttls"


class BindAuth(str, Enum):
    simple = "simple"
    kerberos = "kerberos"


def _say(text: str, quiet: bool) -> None:
    if not quiet:
        typer.echo(f"conncheck: {text}", err=True)


def _trusted_pin(dc: "DcAddress", given: str | None) -> tuple[str, list["x509.Certificate"]]:
    """The SHA-256 the DC's certificate must have from now on: the one given, or the one an operator said yes to."""
    from conncheck.dc_trust import describe, fingerprint, normalized, presented
    from cryptography.hazmat.primitives import hashes

    wanted = normalized(given) if given is not None else None
    chain = presented(dc)
    seen = fingerprint(chain[0])
    if wanted is not None:
        if seen != wanted:
            raise InputError(f"{dc.where} presents the certificate {seen}, not {wanted}: refusing (nothing was sent)")
        return seen, chain
    if not (sys.stdin is not None and sys.stdin.isatty()):
        thumbprint = fingerprint(chain[0], hashes.SHA1()).replace(":", "")
        raise InputError(f"{dc.server}'s certificate ({chain[0].subject.rfc4514_string()}, thumbprint {thumbprint} "
                         f"as Windows shows it) is not trusted yet: compare it on the DC, then pass "
                         f"--trust-fingerprint {seen} (its SHA-256), or --ca-bundle FILE")
    typer.echo(f"The domain controller {dc.where} presents this certificate:", err=True)
    for line in describe(chain[0]):
        typer.echo(f"  {line}", err=True)
    if not typer.confirm("Is this the DC's certificate (compare it on the DC)? Trust it", default=False, err=True):
        raise InputError(f"{dc.server}'s certificate was not trusted; nothing was sent")
    return seen, chain


def _bind(auth: BindAuth, user: str | None, password_env: str, keyring_service: str | None,
          server: str) -> dict[str, Any]:
    import ldap3
    from conncheck.credentials import secret

    if auth is BindAuth.kerberos:
        return {"authentication": ldap3.SASL, "sasl_mechanism": ldap3.KERBEROS, "sasl_credentials": (server,)}
    assert user is not None
    password = secret(purpose=f"LDAP bind to {server}", username=user, env_var=password_env,
                      keyring_service=keyring_service)
    return {"authentication": ldap3.SIMPLE, "user": user, "password": password}


def _read(conn: "DcConnection", dc: "DcAddress", quiet: bool) -> tuple["Directory", list["Entry"]]:
    from conncheck.cli.collect import progress_line
    from conncheck.collectors.ldap import Bases, run_query
    from conncheck.collectors.site import PeerProgress
    from conncheck.dc_trust import DirectoryUnreachable
    from conncheck.discovery import ROOT_DSE, first, read_directory

    if not quiet:
        progress_line(PeerProgress("ldap", dc.server))
    started, queries = time.monotonic(), 0
    try:
        roots = run_query(conn, ROOT_DSE, Bases("", ""), {})
        domain = first(roots[0], "defaultNamingContext") if roots else None
        config = first(roots[0], "configurationNamingContext") if roots else None
        if not domain or not config:
            raise LookupError("the rootDSE names no naming contexts")
        bases = Bases(domain, config)

        def run(query: Any) -> list["Entry"]:
            nonlocal queries
            queries += 1
            return run_query(conn, query, bases, {})

        found = read_directory(run)
    except (LookupError, RuntimeError) as exc:
        raise DirectoryUnreachable(f"reading {dc.server}: {exc}") from None
    finally:
        conn.close()
    if not quiet:
        progress_line(PeerProgress("ldap", dc.server, time.monotonic() - started, queries, queries))
    return found


def _bundle(leaf: "x509.Certificate", sent: list["x509.Certificate"], published: list["Entry"], pin: str,
            how: str) -> tuple[str | None, list[str]]:
    """The PEM bundle to trust the DC by from now on, and the comment lines saying where it comes from."""
    import base64

    from conncheck.dc_trust import chain_to_root, load_der, pem
    from conncheck.discovery import values

    known = list(sent)
    for entry in published:
        for b64 in values(entry, "cACertificate"):
            try:
                known.append(load_der(base64.b64decode(b64)))
            except ValueError:
                continue  # an unreadable certificate in AD cannot anchor anything
    chain, complete = chain_to_root(leaf, known)
    trusted = f"the DC's certificate (SHA-256 {pin}) was trusted on first use ({how})"
    if not complete:
        return None, [f"TODO: the CA that issued the DC's certificate ({leaf.issuer.rfc4514_string()}) is neither "
                      "sent by the DC nor published in AD;", "set ca_bundle to a PEM file of that CA chain. "
                      + trusted + "."]
    names = "; ".join(c.subject.rfc4514_string() for c in chain)
    return pem(chain), [f"found: the CA chain of the DC's certificate, from what the DC sent and AD publishes: {names}",
                        trusted]


def _winrm_from(path: Path | None) -> tuple[dict[str, Any] | None, dict[str, dict[str, Any]]]:
    """[winrm] and the per-host options of another site.toml, for --probe and for the file init writes."""
    if path is None:
        return None, {}
    from conncheck.config import load

    site = load(path)
    per_host = {h.name.lower(): dict(h.options) for h in site.hosts}
    return site.sections.get("winrm"), per_host


def _write_new(path: Path, text: str) -> None:
    """Create ``path`` with ``text``; never over an existing file (one that already holds exactly ``text`` stays)."""
    try:
        with path.open("x", encoding="utf-8") as handle:
            handle.write(text)
    except FileExistsError:
        if path.read_text(encoding="utf-8", errors="replace") != text:
            raise InputError(f"{path} exists; refusing to overwrite it (move it away or choose another --output)") \
                from None
    except OSError as exc:
        raise InputError(f"{path}: cannot write ({exc.strerror})") from None


@app.command()
def init(
    dc: Annotated[str, typer.Option("--dc", help="The domain controller's DNS name, as its certificate names it.")],
    user: Annotated[str | None, typer.Option("--user", help="Simple bind: any domain user, user@domain.")] = None,
    output: Annotated[Path, typer.Option("--output", "-o", help="The site.toml to write (never overwritten).")]
    = Path("site.toml"),
    trust_fingerprint: Annotated[str | None, typer.Option(
        "--trust-fingerprint", help="The SHA-256 of the DC's certificate, checked on the DC: trust it on first use.")]
    = None,
    ca_bundle: Annotated[Path | None, typer.Option(
        "--ca-bundle", help="PEM of the CA chain that issued the DC's certificate (instead of trust on first use).")]
    = None,
    address: Annotated[str | None, typer.Option("--address", help="Connect here instead of resolving --dc.")] = None,
    tls: Annotated[DcTls, typer.Option("--tls", help="ldaps (636) or starttls (389).")] = DcTls.ldaps,
    port: Annotated[int | None, typer.Option("--port", min=1, max=65535, help="Default: 636 or 389.")] = None,
    timeout: Annotated[int, typer.Option("--timeout", min=1, max=300, help="Seconds each exchange with the DC "
                                         "(connect and TLS, the bind, one page of a search) may take.")] = 10,
    auth: Annotated[BindAuth, typer.Option("--auth", help="simple, or kerberos (the current ticket).")]
    = BindAuth.simple,
    password_env: Annotated[str, typer.Option("--password-env", help="Environment variable with the password "
                                              "(else the keyring or a prompt).")] = "CONNCHECK_LDAP_PASSWORD",
    keyring_service: Annotated[str | None, typer.Option("--keyring-service", help="OS keyring service name.")]
    = None,
    probe: Annotated[bool, typer.Option("--probe", help="Ask the host candidates over WinRM which roles they hold "
                                        "(read-only).")] = False,
    winrm_from: Annotated[Path | None, typer.Option("--winrm-from", help="A site.toml whose [winrm] section (and "
                                                    "[[hosts]] address/port) to use and copy.")] = None,
    name: Annotated[str | None, typer.Option("--name", help="The site's name (default: the domain's).")] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Print the site.toml instead of writing files.")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress lines on stderr.")] = False,
) -> None:
    """Discover the site from a domain controller and write a commented site.toml: what was found, what was
    guessed (and why), TODO lines for the rest. Reads only; never overwrites a file.

    Example: conncheck init --dc dc01.contoso.com --user audit@contoso.com --trust-fingerprint <SHA-256> --probe
    --winrm-from winrm.toml; then: conncheck check -c site.toml

    Exit codes: 0 written (or printed with --dry-run); 2 usage or input error (the output exists, the DC's
    certificate is not trusted); 3 the DC could not be read (unreachable, TLS, bind refused).
    """
    from conncheck.dc_trust import DcAddress, connect
    from conncheck.discovery import confirm, discover, probe_hosts
    from conncheck.site_draft import LdapDraft, render

    if trust_fingerprint is not None and ca_bundle is not None:
        raise InputError("give --trust-fingerprint or --ca-bundle, not both")
    if auth is BindAuth.simple and not user:
        raise InputError("--user is required for a simple bind (any domain user, e.g. audit@contoso.com)")
    if ca_bundle is not None and not ca_bundle.is_file():
        raise InputError(f"--ca-bundle {ca_bundle}: no such file")
    if not dry_run and output.exists():
        raise InputError(f"{output} exists; refusing to overwrite it (move it away or choose another --output)")
    if not dry_run and not output.parent.is_dir():
        raise InputError(f"--output {output}: directory {output.parent} does not exist")
    winrm, per_host = _winrm_from(winrm_from)

    where = DcAddress(dc, address, tls.value, port or (636 if tls is DcTls.ldaps else 389), timeout)
    pin: str | None = None
    sent: list[x509.Certificate] = []
    if ca_bundle is None:
        pin, sent = _trusted_pin(where, trust_fingerprint)
    conn = connect(where, _bind(auth, user, password_env, keyring_service, dc), pin=pin, ca_bundle=ca_bundle)
    directory, published = _read(conn, where, quiet)
    found = discover(directory)

    ldap_values: dict[str, Any] = {"server": dc, **({"address": address} if address else {}), "tls": tls.value}
    if port:
        ldap_values["port"] = port
    notes: dict[str, list[str]] = {}
    bundle_text, bundle_path = None, output.with_name(f"{output.stem}-dc-ca.pem")
    if ca_bundle is not None:
        ldap_values["ca_bundle"] = str(ca_bundle.resolve())
        notes["ca_bundle"] = ["found: given with --ca-bundle"]
    else:
        assert pin is not None
        how = "--trust-fingerprint" if trust_fingerprint else "confirmed at the prompt"
        bundle_text, notes["ca_bundle"] = _bundle(sent[0], sent[1:], published, pin, how)
        if bundle_text is not None:
            ldap_values["ca_bundle"] = bundle_path.name
    ldap_values["auth"] = auth.value
    if user:
        ldap_values.update(user=user, password_env=password_env)
        if keyring_service:
            ldap_values["keyring_service"] = keyring_service

    if probe:
        names = [h.name for h in found.hosts]
        _say(f"asking {len(names)} host(s) over WinRM which roles they hold: {', '.join(names)}", quiet)
        from conncheck.cli.collect import progress_line

        probed = probe_hosts(names, winrm or {"auth": "kerberos"}, per_host, None if quiet else progress_line)
        found = confirm(found, probed)

    text = render(found, name=name or found.domain.lower(), source=dc, written_at=datetime.now(timezone.utc),
                  ldap=LdapDraft(ldap_values, notes), winrm=winrm, host_options=per_host)
    if dry_run:
        sys.stdout.write(text)
        if bundle_text is not None:
            _say(f"--dry-run: {bundle_path} (the DC's CA chain) was not written either", quiet)
        return
    if bundle_text is not None:
        _write_new(bundle_path, bundle_text)
    _write_new(output, text)
    values_ = [found.ca_config, found.scep_template, found.pkcs_templates, found.ndes_fqdn,
               found.ndes_service_account, found.connector_account]
    guesses = sum(1 for v in values_ if v is not None and v.guess)
    missing = sum(1 for v in values_ if v is None)
    _say(f"wrote {output}: {6 - guesses - missing} found, {guesses} guessed (check each), {missing} to fill in; "
         f"then: conncheck check -c {output}", quiet)

