"""Fuzzing the SCEP answer path: the PKCS#7 parser alone, then the collector and the checks against a real
responder on loopback serving damaged GetCACert answers, then damaged answers recorded in a facts file.

Whatever the bytes: bounded time (hypothesis' per-example deadline is set wide, as a hang detector), no exception
but BundleError from the parser, exit 0-4 and never 70 from the command line, and never a PASS from an answer the
parser cannot read.
"""

from __future__ import annotations

import base64
import json
import subprocess
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from conncheck.collectors.scep import Endpoint, Options, collect
from conncheck.evaluate import evaluate
from conncheck.facts import Facts
from conncheck.lab import scep as sr
from conncheck.pki import pkcs7
from conncheck.registry import default_registry
from conncheck.results import Status
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.audit_fixtures import CLI

GETCACERT_CHECKS = ("scep_ra_signing_cert_served", "scep_ra_encryption_cert_served", "scep_ca_cert_served_valid")
CONTENT_TYPES = [pkcs7.CA_RA_CERT_TYPE, pkcs7.CA_CERT_TYPE, f"{pkcs7.CA_RA_CERT_TYPE}; charset=binary",
                 "APPLICATION/X-X509-CA-RA-CERT", "text/html", "", None]  # fmt: skip
HANG = timedelta(seconds=20)  # far beyond any honest example: a hang detector, not a speed assertion


@pytest.fixture(scope="module")
def pki() -> sr.Pki:
    return sr.build_pki()


@pytest.fixture(scope="module")
def healthy_bundle(pki: sr.Pki) -> bytes:
    body, _ = sr.healthy(pki).cacert
    return body


@st.composite
def damaged(draw: st.DrawFn, original: bytes) -> bytes:
    """A real bundle cut short, with bytes flipped, inserted or dropped; or bytes of no bundle at all."""
    how = draw(st.sampled_from(["truncate", "flip", "insert", "drop", "random"]))
    if how == "random":
        return draw(st.binary(max_size=4096))
    data = bytearray(original)
    if how == "truncate":
        return bytes(data[: draw(st.integers(0, len(data) - 1))])
    for _ in range(draw(st.integers(1, 8))):
        at = draw(st.integers(0, len(data) - 1))
        if how == "flip":
            data[at] ^= draw(st.integers(1, 255))
        elif how == "insert":
            data[at:at] = draw(st.binary(min_size=1, max_size=16))
        else:
            del data[at : at + draw(st.integers(1, 16))]
    return bytes(data)


def _parses(content_type: str | None, body: bytes) -> bool:
    try:
        pkcs7.parse(content_type, body)
    except pkcs7.BundleError:
        return False
    return True


@settings(max_examples=300, deadline=HANG, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data(), content_type=st.sampled_from(CONTENT_TYPES) | st.text(max_size=40))
def test_the_parser_reads_a_bundle_or_says_why_in_one_line(
    healthy_bundle: bytes, data: st.DataObject, content_type: str | None
) -> None:
    body = data.draw(damaged(healthy_bundle))
    try:
        bundle = pkcs7.parse(content_type, body)
    except pkcs7.BundleError as exc:
        assert "\n" not in str(exc) and str(exc)
    else:
        assert bundle.cas or bundle.ras


@pytest.fixture(scope="module")
def responder(pki: sr.Pki) -> Iterator[sr.Responder]:
    with sr.Responder(sr.healthy(pki)) as server:
        yield server


@settings(max_examples=40, deadline=HANG, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data(), content_type=st.sampled_from(CONTENT_TYPES[:3]))
def test_the_collector_and_checks_never_pass_an_answer_that_cannot_be_read(
    responder: sr.Responder, healthy_bundle: bytes, data: st.DataObject, content_type: str
) -> None:
    body = data.draw(damaged(healthy_bundle))
    responder.behaviour.cacert = (body, content_type)
    url = responder.url()
    targets = collect([Endpoint(url, "internal")], default_registry(), Options(timeout=5.0))
    answer = targets[url].probes["scep_getcacert"]
    assert answer.ok and base64.b64decode(answer.data["body_b64"]) == body  # recorded as it came
    facts = Facts(datetime.now(timezone.utc), {}, {"roles_expected": ["scep"]}, {}, scep=targets)
    results = {r.check_id: r for r in evaluate(facts, default_registry(), hosts=[url])}
    if not _parses(content_type, body):
        for check in GETCACERT_CHECKS:
            assert results[check].status is not Status.PASS, (check, results[check].finding)


def _damaged_facts(tmp: Path, getcacert: dict[str, object], name: str) -> Path:
    from conncheck.lab import samples

    doc = samples.healthy_site().facts.to_json()
    for target in doc["scep"].values():
        target["probes"]["scep_getcacert"]["data"].update(getcacert)
    path = tmp / f"{name}.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("name", "getcacert"),
    [("garbage body", {"body_b64": base64.b64encode(b"\x30\x82\xff\xff garbage").decode()}),
     ("not base64", {"body_b64": "%%% not base64 %%%"}),
     ("empty body", {"body_b64": "", "body_bytes": 0}),
     ("truncated", {"truncated": True}),
     ("html instead", {"content_type": "text/html", "body_b64": base64.b64encode(b"<html>").decode()}),
     ("no content type", {"content_type": None}),
     ("body is a number", {"body_b64": 12345}),
     ("status is text", {"status": "200"})],
)  # fmt: skip
def test_damaged_answers_in_facts_are_judged_never_passed_never_70(
    tmp_path: Path, name: str, getcacert: dict[str, object]
) -> None:
    facts = _damaged_facts(tmp_path, getcacert, name.replace(" ", "-"))
    done = subprocess.run([*CLI, "evaluate", str(facts), "-f", "json", "--codes", "0x408,0x409"],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode in (1, 2, 3), done.stderr
    if done.returncode == 2:  # refused as input: one line
        assert len(done.stderr.splitlines()) == 1
        return
    checks = {c["id"]: c for row in json.loads(done.stdout)["checklist"] for c in row["checks"]}
    for check in ("scep_ra_signing_cert_served", "scep_ra_encryption_cert_served"):
        assert checks[check]["status"] != "PASS", checks[check]
