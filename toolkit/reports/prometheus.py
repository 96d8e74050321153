"""The node_exporter textfile format, for monitoring an audit that runs on a schedule.

node_exporter's textfile collector reads ``*.prom`` files from one directory on every scrape; write the file with
``--output <dir>/conncheck.prom`` (the audit command writes it atomically, so a scrape never sees half a file).
Series: one gauge per check and status (1 for the status it has, 0 for the others), the same per checklist row,
days until expiry per certificate and per CRL's next update, and the run's timestamp, duration, regressions and
exit code.
"""

from __future__ import annotations

from collections.abc import Iterable

from conncheck.history.expiry import CERTIFICATE
from conncheck.reports.audit import AuditReport
from conncheck.results import Status

Labels = tuple[tuple[str, str], ...]


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


def _labels(labels: Labels) -> str:
    return "{" + ",".join(f'{k}="{_escape(v)}"' for k, v in labels) + "}"


def _number(value: float) -> str:
    return repr(float(value)) if not float(value).is_integer() else str(int(value))


class _Family:
    def __init__(self, name: str, help_text: str) -> None:
        self.name = name
        self.help = help_text
        self.samples: dict[Labels, float] = {}

    def add(self, labels: Labels, value: float) -> None:
        self.samples.setdefault(labels, value)  # a label set is a series: the first value stands

    def lines(self) -> Iterable[str]:
        if not self.samples:
            return []
        head = [f"# HELP {self.name} {self.help}", f"# TYPE {self.name} gauge"]
        return head + [f"{self.name}{_labels(k)} {_number(v)}" for k, v in self.samples.items()]


def render_prometheus(audit: AuditReport) -> str:
    site = (("site", audit.report.site),)
    checks = _Family("conncheck_check_status", "1 for the status a check has on a host in the last audit, else 0.")
    for r in audit.report.results:
        for status in Status:
            checks.add((*site, ("check", r.check_id), ("host", r.host), ("status", status.value)),
                       1 if r.status is status else 0)
    rows = _Family("conncheck_code_status", "1 for the verdict of a diagnostic code's checklist row, else 0.")
    for row in audit.report.rows:
        for status in Status:
            rows.add((*site, ("code", row.code_hex or "-"), ("name", row.name), ("status", status.value)),
                     1 if row.status is status else 0)
    certs = _Family("conncheck_certificate_expiry_days", "Days until the certificate expires (negative: expired).")
    crls = _Family("conncheck_crl_next_update_days", "Days until the CRL's next update (negative: expired).")
    expiries = _Family("conncheck_expiry_timestamp_seconds", "When the certificate or CRL expires, Unix time.")
    for item in audit.expiry:
        labels = (*site, ("kind", item.kind), ("name", item.name), ("thumbprint", item.thumbprint or ""))
        (certs if item.kind == CERTIFICATE else crls).add(labels, item.days_left)
        expiries.add(labels, item.expires.timestamp())
    run = audit.run
    families = [
        checks, rows, certs, crls, expiries,
        _single("conncheck_audit_timestamp_seconds", "When the last audit finished, Unix time.", site,
                run.finished_at.timestamp()),
        _single("conncheck_audit_duration_seconds", "How long the last audit took.", site, run.duration_seconds),
        _single("conncheck_audit_regressions", "Results worse than in the previous run.", site,
                len(audit.diff.regressions)),
        _single("conncheck_audit_exit_code", "The last audit's exit code.", site, audit.exit_code),
        _single("conncheck_audit_run_id", "The history store's id of the last audit run.", site, run.id),
    ]
    return "\n".join(line for family in families for line in family.lines()) + "\n"


def _single(name: str, help_text: str, labels: Labels, value: float) -> _Family:
    family = _Family(name, help_text)
    family.add(labels, value)
    return family
