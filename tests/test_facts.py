"""Loading, validating and merging facts documents; every bad input is one clear line (InputError)."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest
from conncheck import facts as facts_mod
from conncheck.errors import InputError
from conncheck.facts import SCHEMA, Facts, ProbeResult

from tests.engine_fixtures import err, facts_doc, ok


def write(tmp_path: Path, doc: Any, name: str = "facts.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(doc), encoding="utf-8")
    return path


def sample_doc() -> dict[str, Any]:
    return facts_doc(
        {
            "conn01.contoso.com": {
                "roles": ["connector"],
                "probes": {"clock": ok({"utc": "2026-03-01T12:00:01Z"}), "services": err("access denied")},
            },
            "ndes01.contoso.com": {"roles": ["ndes"], "probes": {}, "reported_name": "NDES01"},
        },
        site={"name": "contoso", "roles_expected": ["connector", "ndes"]},
        directory={"server": "dc01.contoso.com", "probes": {"enrollment_services": ok([])}},
        scep={"https://ndes01.contoso.com/certsrv/mscep/mscep.dll": {"exposure": "internal", "probes": {}}},
    )


def load_error(path: Path) -> str:
    with pytest.raises(InputError) as info:
        facts_mod.load(path)
    message = str(info.value)
    assert "\n" not in message
    assert "Traceback" not in message
    return message


def test_load_reads_every_section(tmp_path: Path) -> None:
    facts = facts_mod.load(write(tmp_path, sample_doc()))
    assert facts.collected_at == datetime(2026, 3, 1, 12, tzinfo=timezone.utc)
    assert facts.site.name == "contoso"
    assert facts.roles_expected == ("connector", "ndes")
    conn = facts.hosts["conn01.contoso.com"]
    assert conn.roles == ("connector",)
    assert conn.probes["clock"] == ProbeResult.success({"utc": "2026-03-01T12:00:01Z"}, 1.5)
    assert conn.probes["services"] == ProbeResult(False, None, "access denied", None)
    assert facts.hosts["ndes01.contoso.com"].attributes == {"reported_name": "NDES01"}
    assert facts.directory is not None and facts.directory.name == "dc01.contoso.com"
    assert facts.directory.roles == ("directory",)
    (endpoint,) = facts.scep.values()
    assert endpoint.roles == ("scep",) and endpoint.attributes == {"exposure": "internal"}
    assert [t.name for t in facts.targets()] == [
        "conn01.contoso.com",
        "ndes01.contoso.com",
        "dc01.contoso.com",
        "https://ndes01.contoso.com/certsrv/mscep/mscep.dll",
    ]


def test_to_json_round_trips(tmp_path: Path) -> None:
    facts = facts_mod.load(write(tmp_path, sample_doc()))
    again = facts_mod.from_json(json.loads(facts.dumps()))
    assert again.to_json() == facts.to_json()
    assert again.to_json()["schema"] == SCHEMA


def test_a_failed_probe_without_reason_still_has_one() -> None:
    facts = facts_mod.from_json(facts_doc({"h": {"roles": ["ca"], "probes": {"x": {"ok": False}}}}))
    assert facts.hosts["h"].probes["x"].error


def test_utf8_bom_and_utf16_from_powershell(tmp_path: Path) -> None:
    text = json.dumps(sample_doc())
    bom = tmp_path / "bom.json"
    bom.write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
    utf16 = tmp_path / "ps51.json"  # what Windows PowerShell 5.1's `>` writes: UTF-16 LE with a BOM, CRLF
    utf16.write_bytes(b"\xff\xfe" + text.replace("\n", "\r\n").encode("utf-16-le"))
    utf16be = tmp_path / "be.json"
    utf16be.write_bytes(b"\xfe\xff" + text.encode("utf-16-be"))
    for path in (bom, utf16, utf16be):
        assert facts_mod.load(path).hosts.keys() == {"conn01.contoso.com", "ndes01.contoso.com"}


def test_missing_file(tmp_path: Path) -> None:
    assert "no such file" in load_error(tmp_path / "absent.json")


def test_empty_file(tmp_path: Path) -> None:
    path = tmp_path / "empty.json"
    path.write_bytes(b"")
    assert "empty file" in load_error(path)


def test_a_directory(tmp_path: Path) -> None:
    assert "is a directory" in load_error(tmp_path)


def test_not_json(tmp_path: Path) -> None:
    path = tmp_path / "notes.txt"
    path.write_text("hosts: ndes01\n", encoding="utf-8")
    message = load_error(path)
    assert "not valid JSON" in message and "byte 0" in message


def test_binary_file(tmp_path: Path) -> None:
    path = tmp_path / "bin.json"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\xff\xfe\xfd")
    assert "not text" in load_error(path)


@pytest.mark.parametrize(
    ("doc", "expected"),
    [
        ([1, 2], "not a conncheck facts document"),
        ({"hosts": {}}, "no 'schema'"),
        ({"schema": "conncheck.report/1"}, "no 'schema'"),
        ({"schema": "something/1", "hosts": {}}, "no 'schema'"),
        ({"schema": "conncheck.facts/0"}, "unsupported facts schema"),
        ({"schema": "conncheck.facts/beta"}, "unsupported facts schema"),
    ],
)
def test_wrong_schema(tmp_path: Path, doc: Any, expected: str) -> None:
    assert expected in load_error(write(tmp_path, doc))


def test_future_schema_says_upgrade(tmp_path: Path) -> None:
    doc = sample_doc() | {"schema": "conncheck.facts/2"}
    message = load_error(write(tmp_path, doc))
    assert "conncheck.facts/2" in message and "upgrade" in message


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"collected_at": "yesterday"}, "collected_at"),
        ({"collected_at": None}, "collected_at"),
        ({"site": ["x"]}, "site: expected object"),
        ({"hosts": ["ndes01"]}, "hosts: expected object"),
        ({"hosts": {"h": "ndes"}}, "hosts.h: expected object, got str"),
        ({"hosts": {"h": {"roles": "ndes"}}}, "hosts.h.roles: expected array, got str"),
        ({"hosts": {"h": {"roles": ["webserver"]}}}, "hosts.h.roles[0]: invalid enum value 'webserver'"),
        ({"hosts": {"h": {"roles": ["ca"], "probes": []}}}, "hosts.h.probes: expected object, got array"),
        ({"hosts": {"h": {"roles": ["ca"], "probes": {"x": {"data": 1}}}}},
         "hosts.h.probes.x: object missing required field ok"),
        ({"hosts": {"h": {"roles": ["ca"], "probes": {"x": {"ok": "yes", "data": 1}}}}},
         "hosts.h.probes.x.ok: expected bool, got str"),
        ({"hosts": {"h": {"roles": ["ca"], "probes": {"x": {"ok": True}}}}}, "must carry 'data'"),
        ({"directory": {"probes": {}}}, "directory: object missing required field server"),
        ({"scep": ["https://x"]}, "scep: expected object, got array"),
        ({"scep": {"https://x": 3}}, "scep.https://x: expected object, got int"),
    ],
)
def test_wrong_shapes_name_the_place(tmp_path: Path, change: dict[str, Any], expected: str) -> None:
    message = load_error(write(tmp_path, sample_doc() | change))
    assert expected in message
    assert str(tmp_path) in message


def test_size_limit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(facts_mod, "MAX_FACTS_BYTES", 100)
    assert "limit" in load_error(write(tmp_path, sample_doc()))


def doc_for(host: str, role: str, probes: dict[str, Any], collected_at: str, **site: Any) -> Facts:
    return facts_mod.from_json(
        facts_doc({host: {"roles": [role], "probes": probes}}, site=site, collected_at=collected_at)
    )


def test_merge_unites_hosts_roles_probes_and_expectations() -> None:
    ndes = doc_for(
        "ndes01", "ndes", {"clock": ok(1)}, "2026-03-01T10:00:00Z", name="contoso", roles_expected=["ndes"]
    )
    conn = doc_for(
        "conn01", "connector", {"clock": ok(2)}, "2026-03-01T11:00:00Z", roles_expected=["connector"]
    )
    both = doc_for("ndes01", "connector", {"services": ok([])}, "2026-03-01T09:00:00Z")
    merged = facts_mod.merge([ndes, conn, both])
    assert merged.hosts.keys() == {"ndes01", "conn01"}
    assert merged.hosts["ndes01"].roles == ("ndes", "connector")
    assert merged.hosts["ndes01"].probes.keys() == {"clock", "services"}
    assert merged.site.name == "contoso"
    assert merged.roles_expected == ("connector", "ndes")
    assert merged.collected_at == datetime(2026, 3, 1, 11, tzinfo=timezone.utc)  # the newest document


def test_merge_later_document_wins_on_the_same_probe() -> None:
    first = doc_for("ndes01", "ndes", {"clock": err("timeout")}, "2026-03-01T10:00:00Z")
    second = doc_for("ndes01", "ndes", {"clock": ok({"utc": "x"})}, "2026-03-01T10:05:00Z")
    assert facts_mod.merge([first, second]).hosts["ndes01"].probes["clock"].ok
    assert not facts_mod.merge([second, first]).hosts["ndes01"].probes["clock"].ok


def test_merge_directory_and_scep() -> None:
    a = facts_mod.from_json(facts_doc(directory={"server": "dc01", "probes": {"a": ok(1)}}))
    b = facts_mod.from_json(
        facts_doc(
            directory={"server": "dc01", "probes": {"b": ok(2)}},
            scep={"https://n/mscep.dll": {"probes": {"c": ok(3)}}},
        )
    )
    merged = facts_mod.merge([a, b])
    assert merged.directory is not None and merged.directory.probes.keys() == {"a", "b"}
    assert merged.scep["https://n/mscep.dll"].probes["c"].data == 3


def test_merge_of_nothing_is_an_input_error() -> None:
    with pytest.raises(InputError):
        facts_mod.merge([])
