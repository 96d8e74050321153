"""The code table and event tables as data: spellings, order, both connector generations, both languages."""

from __future__ import annotations

import pytest
from conncheck.catalog import format_code, load, parse_code, parse_number, text
from conncheck.errors import InputError

TABLE_ORDER = [
    (0x00000000, "Success"),
    (0x00000400, "PKCS_Issue_CA_Unavailable"),
    (0x00000401, "Symantec_ClientAuthCertNotFound"),
    (0x00000402, "RevokeCert_AccessDenied"),
    (0x00000403, "CertThumbprint_NotFound"),
    (0x00000404, "Certificate_NotFound"),
    (0x00000405, "Certificate_Expired"),
    (0x00000408, "CRPSCEPCert_NotFound"),
    (0x00000409, "CRPSCEPSigningCert_NotFound"),
    (0x00000410, "CRPSCEPDeserialize_Failed"),
    (0x00000411, "CRPSCEPChallenge_Expired"),
    (0x0FFFFFFF, "Unknown_Error"),
]


def test_codes_are_the_published_table_in_order() -> None:
    assert [(c.value, c.name) for c in load().codes] == TABLE_ORDER


def test_checklist_codes_are_the_eleven_rows_without_success() -> None:
    rows = load().checklist_codes()
    assert [c.value for c in rows] == [v for v, _ in TABLE_ORDER[1:]]
    assert len(rows) == 11


@pytest.mark.parametrize(
    ("spelled", "value"),
    [
        ("0x403", 0x403),
        ("0x00000403", 0x403),
        ("0X00000403", 0x403),
        ("1027", 0x403),
        ("  0x403 ", 0x403),
        ("0x0FFFFFFF", 0x0FFFFFFF),
        ("0x0fffffff", 0x0FFFFFFF),
        ("0x0FFFFFFFF", 0x0FFFFFFF),
        ("268435455", 0x0FFFFFFF),
        ("0xC0000", 0),
        ("0xc0000", 0),
        ("0x00000000", 0),
        ("0", 0),
        ("0x410", 0x410),
        ("1040", 0x410),
    ],
)
def test_every_spelling_parses_to_its_code(spelled: str, value: int) -> None:
    parsed = parse_code(spelled)
    assert parsed.value == value
    assert load().code(parsed.value) is not None


@pytest.mark.parametrize(("spelled", "canonical"), [("0xC0000", "0x00000000"), ("0x0FFFFFFFF", "0x0FFFFFFF")])
def test_the_tables_odd_spellings_are_aliases_with_a_note(spelled: str, canonical: str) -> None:
    parsed = parse_code(spelled)
    assert format_code(parsed.value) == canonical
    assert not parsed.canonical
    assert parsed.note is not None and canonical in parsed.note and "published table" in parsed.note


def test_aliases_are_not_numeric_equals() -> None:
    # 0xC0000 is 786432 and 0x0FFFFFFFF is 4294967295: only the spelling makes them Success / Unknown_Error.
    assert parse_number("0xC0000") == 786432 != 0
    assert parse_number("0x0FFFFFFFF") == 0xFFFFFFFF != 0x0FFFFFFF
    assert parse_code("786432").value == 786432  # decimal is a number, not the table's hex spelling


def test_canonical_spelling_has_no_note() -> None:
    parsed = parse_code("0x00000405")
    assert parsed.canonical and parsed.note is None


@pytest.mark.parametrize("bad", ["", "abc", "0x", "0xZZ", "403h", "-1", "1.5", "0x403,0x404"])
def test_bad_spellings_are_one_line_input_errors(bad: str) -> None:
    with pytest.raises(InputError) as info:
        parse_code(bad)
    assert "\n" not in str(info.value)


def test_codes_compare_as_integers_and_format_canonically() -> None:
    assert format_code(0x403) == "0x00000403"
    assert format_code(0x0FFFFFFF) == "0x0FFFFFFF"
    assert {parse_code(s).value for s in ("0x403", "0x0403", "1027")} == {0x403}


LEGACY_IDS = [
    10010,
    10020,
    10100,
    10102,
    10302,
    10301,
    20100,
    20102,
    20200,
    20202,
    20300,
    20302,
    20400,
    20402,
    20500,
    20501,
    20502,
    20600,
    20602,
]


def test_legacy_events_in_published_order() -> None:
    legacy = [e for e in load().events if e.generation == "legacy"]
    assert [e.id for e in legacy] == LEGACY_IDS
    assert all(e.channel is None for e in legacy)


@pytest.mark.parametrize(
    ("event_id", "name", "codes"),
    [
        (10102, "CertificateRenewal_Failure", {0, 0x405, 0x0FFFFFFF}),
        (10301, "RetrieveCertificate_Warning", {0, 0x403, 0x0FFFFFFF}),
        (10302, "RetrieveCertificate_Error", {0, 0x404, 0x0FFFFFFF}),
        (20102, "PkcsCertIssue_Failure", {0, 0x400, 0x401, 0x0FFFFFFF}),
        (20202, "RevokeCert_Failure", {0, 0x402, 0x0FFFFFFF}),
        (20501, "CRPVerifyMetric_Warning", {0, 0x411, 0x0FFFFFFF}),
        (20502, "CRPVerifyMetric_Failure", {0, 0x408, 0x409, 0x410, 0x0FFFFFFF}),
    ],
)
def test_legacy_events_name_their_related_codes(event_id: int, name: str, codes: set[int]) -> None:
    (event,) = load().events_by_id(event_id)
    assert event.name == name
    assert set(event.codes) == codes


def test_every_code_except_success_and_unknown_has_a_legacy_event_naming_it() -> None:
    catalog = load()
    for code in catalog.checklist_codes():
        naming = [e.id for e in catalog.events if code.value in e.codes]
        assert naming, code.name
        assert set(code.events) == set(naming), code.name


ADMIN = "Microsoft-Intune-CertificateConnectors/Admin"
OPERATIONAL = "Microsoft-Intune-CertificateConnectors/Operational"


@pytest.mark.parametrize("event_id", [1000, 1001, 1200, 1201, 2000, 2001, 3000, 3001, 4000, 4001, 4002])
def test_current_connector_admin_events(event_id: int) -> None:
    (event,) = load().events_by_id(event_id)
    assert event.generation == "current"
    assert event.channel == ADMIN


def test_current_connector_operational_events_cover_every_area() -> None:
    operational = [e for e in load().events if e.channel == OPERATIONAL]
    assert {e.id // 1000 for e in operational} == {1, 2, 3, 4, 5}
    assert all(e.generation == "current" for e in operational)


def test_event_ids_are_unique_and_generations_do_not_overlap() -> None:
    events = load().events
    assert len({e.id for e in events}) == len(events)
    assert all(e.id >= 10000 for e in events if e.generation == "legacy")
    assert all(e.id < 10000 for e in events if e.generation == "current")


def test_every_text_exists_in_english_and_turkish_and_differs() -> None:
    catalog = load()
    for code in catalog.codes:
        for texts in (code.message, code.remediation):
            assert texts.get("en") and texts.get("tr"), code.name
            assert texts["en"] != texts["tr"], code.name
    for event in catalog.events:
        assert event.description.get("en") and event.description.get("tr"), event.id
    for operation, texts in catalog.operations.items():
        assert texts.get("en") and texts.get("tr"), operation


def test_every_event_operation_is_described() -> None:
    catalog = load()
    assert {e.operation for e in catalog.events} <= set(catalog.operations)


def test_text_falls_back_to_english() -> None:
    assert text({"en": "hello"}, "tr") == "hello"
    assert text({"en": "hello", "tr": "merhaba"}, "tr") == "merhaba"


@pytest.mark.parametrize(
    ("event_id", "name", "outcome", "level"),
    [
        (5000, "HealthMessageUploadSuccess", "success", "Information"),
        (5001, "HealthMessageUploadFailedAttempt", "failure", "Warning"),
        (5002, "HealthMessageUploadFailure", "failure", "Error"),
    ],
)
def test_connector_health_events(event_id: int, name: str, outcome: str, level: str) -> None:
    (event,) = load().events_by_id(event_id)
    assert (event.name, event.channel, event.outcome, event.level) == (name, OPERATIONAL, outcome, level)
    assert event.operation == "connector_health" and event.generation == "current"


def test_every_documented_id_range_names_its_area() -> None:
    catalog = load()
    assert [(r.first, r.last) for r in catalog.ranges] == [
        (1, 999), (1000, 1999), (2000, 2999), (3000, 3999), (4000, 4999), (5000, 5999)]
    health = catalog.event_range(5999)
    assert health is not None and health.area == {"en": "Connector Health", "tr": "Bağlayıcı sağlığı"}
    assert catalog.event_range(6000) is None and catalog.event_range(10010) is None
    current = [e for e in catalog.events if e.generation == "current"]
    assert all(catalog.event_range(e.id) is not None for e in current)
