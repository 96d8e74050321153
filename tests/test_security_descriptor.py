"""The security descriptor parser and access decision, checked against Samba's NDR encoder of SDDL."""

from __future__ import annotations

import contextlib

import pytest
from conncheck.pki import security_descriptor as sdm
from conncheck.pki.security_descriptor import (
    AUTOENROLL,
    DS_CONTROL_ACCESS,
    DS_GENERIC_MAPPING,
    DS_READ_PROPERTY,
    ENROLL,
    SecurityDescriptorError,
    effective_access,
    parse,
)
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.conftest import peer_missing
from tests.peers import sddl

DOMAIN = "S-1-5-21-1-2-3"
NDES = f"{DOMAIN}-1105"
GROUP = f"{DOMAIN}-1200"
AU = "S-1-5-11"

# Samba 4.17's encoding of O:BAG:BAD:(OA;;CR;<Enroll>;;<NDES>)(A;;RP;;;AU): runs without Samba.
VECTOR = bytes.fromhex(
    "01000480140000002400000000000000340000000102000000000005200000002002000001020000000000052000000020020000"
    "040054000200000005003800000100000100000068c9100efb78d21190d400c04f79dc5501050000000000051500000001000000"
    "020000000300000051040000000014001000000001010000000000050b000000"
)


@pytest.fixture(scope="module")
def encode():
    if not sddl.samba_bindings_available():
        peer_missing("Samba's Python bindings (python3-samba) are not installed in /usr/bin/python3")

    def run(text: str) -> bytes:
        return sddl.encode([text], DOMAIN)[0]

    return run


def enroll(sd: sdm.SecurityDescriptor, sids: set[str], mapping=DS_GENERIC_MAPPING) -> sdm.AccessDecision:
    return effective_access(sd, sids, mask=DS_CONTROL_ACCESS, object_type=ENROLL, generic_mapping=mapping)


def test_fixed_vector_parses_owner_group_and_object_ace() -> None:
    sd = parse(VECTOR)
    assert sd.owner == "S-1-5-32-544" and sd.group == "S-1-5-32-544"
    assert sd.dacl is not None and len(sd.dacl.aces) == 2
    first, second = sd.dacl.aces
    assert (first.type, first.sid, first.object_type) == (sdm.ACCESS_ALLOWED_OBJECT, NDES, ENROLL)
    assert first.mask == 0x100
    assert (second.type, second.sid, second.mask) == (sdm.ACCESS_ALLOWED, AU, DS_READ_PROPERTY)


def test_enroll_granted_to_the_named_sid_only() -> None:
    sd = parse(VECTOR)
    ok = enroll(sd, {NDES, AU})
    assert ok.granted and [a.sid for a in ok.deciding] == [NDES]
    assert not enroll(sd, {GROUP, AU}).granted
    assert effective_access(sd, {GROUP, AU}, mask=DS_READ_PROPERTY).granted


def test_nested_group_sid_carries_the_right(encode) -> None:
    sd = parse(encode(f"O:DAG:DAD:(OA;;CR;{ENROLL};;{GROUP})(A;;RP;;;AU)"))
    assert enroll(sd, {NDES, GROUP}).granted
    assert not enroll(sd, {NDES}).granted


def test_deny_overrides_allow_in_canonical_order(encode) -> None:
    sd = parse(encode(f"D:(OD;;CR;{ENROLL};;{GROUP})(OA;;CR;{ENROLL};;AU)"))
    decision = enroll(sd, {NDES, GROUP, AU})
    assert not decision.granted
    assert [a.sid for a in decision.deciding] == [GROUP] and decision.deciding[0].denies
    assert enroll(sd, {NDES, AU}).granted


def test_deny_of_another_right_does_not_block_enroll(encode) -> None:
    sd = parse(encode(f"D:(OD;;CR;{AUTOENROLL};;{NDES})(OA;;CR;{ENROLL};;{NDES})"))
    assert enroll(sd, {NDES}).granted


def test_autoenroll_ace_does_not_grant_enroll(encode) -> None:
    sd = parse(encode(f"D:(OA;;CR;{AUTOENROLL};;{NDES})"))
    assert not enroll(sd, {NDES}).granted
    assert effective_access(sd, {NDES}, mask=DS_CONTROL_ACCESS, object_type=AUTOENROLL).granted


@pytest.mark.parametrize("rights", ["GA", "CCDCLCSWRPWPDTLOCRSDRCWDWO", "CR"])
def test_generic_all_full_control_and_all_extended_rights_grant_enroll(encode, rights: str) -> None:
    sd = parse(encode(f"D:(A;;{rights};;;{NDES})"))
    assert enroll(sd, {NDES}).granted


def test_generic_bits_need_the_mapping(encode) -> None:
    sd = parse(encode(f"D:(A;;GA;;;{NDES})"))
    assert not enroll(sd, {NDES}, mapping=None).granted


def test_inherit_only_ace_does_not_apply_to_the_object(encode) -> None:
    sd = parse(encode(f"D:(OA;CIIO;CR;{ENROLL};;{NDES})"))
    assert sd.dacl is not None and sd.dacl.aces[0].inherit_only
    assert not enroll(sd, {NDES}).granted


def test_order_decides_in_a_non_canonical_acl(encode) -> None:
    # Windows reads ACEs in order; Samba keeps the order it was given.
    sd = parse(encode(f"D:(OA;;CR;{ENROLL};;{NDES})(OD;;CR;{ENROLL};;{NDES})"))
    assert enroll(sd, {NDES}).granted


def test_inherited_deny_loses_to_explicit_allow(encode) -> None:
    sd = parse(encode(f"D:(OA;;CR;{ENROLL};;{NDES})(OD;ID;CR;{ENROLL};;{NDES})"))
    decision = enroll(sd, {NDES})
    assert decision.granted
    assert sd.dacl is not None and sd.dacl.aces[1].inherited


def test_ca_mask_without_object_type(encode) -> None:
    # The CA's Security value: 0x2 is "Issue and Manage Certificates", 0x1 "Manage CA".
    sd = parse(encode(f"D:(A;;0x3;;;BA)(A;;0x2;;;{GROUP})(A;;0x200;;;AU)"))
    assert effective_access(sd, {NDES, GROUP}, mask=0x2).granted
    assert not effective_access(sd, {NDES, AU}, mask=0x2).granted
    assert not effective_access(sd, {GROUP}, mask=0x3).granted


def test_null_dacl_grants_everything() -> None:
    header = bytes([1, 0]) + (sdm.SE_SELF_RELATIVE).to_bytes(2, "little") + bytes(16)
    sd = parse(header)
    assert sd.dacl is None and sd.owner is None
    assert enroll(sd, {NDES}).granted


def test_empty_dacl_grants_nothing(encode) -> None:
    sd = parse(encode("O:BAD:"))
    assert sd.dacl is not None and sd.dacl.aces == ()
    decision = enroll(sd, {NDES, AU})
    assert not decision.granted and "no ACE grants" in decision.reason


def test_evidence_names_trustees_and_rights() -> None:
    decision = enroll(parse(VECTOR), {NDES}, mapping=None)
    ev = decision.evidence({NDES: "CONTOSO\\svc-ndes"})
    assert ev["granted"] is True
    assert ev["deciding_aces"][0]["trustee"] == f"{NDES} (CONTOSO\\svc-ndes)"
    assert ev["deciding_aces"][0]["object_type"] == "Enroll"
    assert sdm.sid_label(f"{DOMAIN}-515") == f"{DOMAIN}-515 (Domain Computers)"


def test_sid_round_trip() -> None:
    for sid in (NDES, AU, "S-1-1-0", "S-1-5-32-544"):
        assert sdm.parse_sid(sdm.sid_to_bytes(sid))[0] == sid


@pytest.mark.parametrize(
    "data, message",
    [
        (b"", "too short"),
        (VECTOR[:30], "past the end"),
        (bytes([2]) + VECTOR[1:], "revision 2"),
        (VECTOR[:2] + b"\x04\x00" + VECTOR[4:], "self-relative"),
    ],
)
def test_malformed_input_is_one_clear_error(data: bytes, message: str) -> None:
    with pytest.raises(SecurityDescriptorError, match=message):
        parse(data)


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=200), st.integers(min_value=0, max_value=len(VECTOR)))
def test_garbage_raises_only_the_parser_error(noise: bytes, cut: int) -> None:
    for data in (noise, VECTOR[:cut] + noise):
        with contextlib.suppress(SecurityDescriptorError):
            parse(data)


def test_encode_reproduces_sambas_bytes(encode) -> None:
    for text in (f"O:DAG:DAD:PAI(OD;;CR;{ENROLL};;{GROUP})(A;;RPLCLORC;;;AU)(OA;;CR;{AUTOENROLL};;{NDES})",
                 "O:BAG:BAD:(A;;0x3;;;BA)"):
        blob = encode(text)
        parsed = parse(blob)
        assert parse(sdm.encode(parsed)) == parsed
    assert sdm.encode(parse(VECTOR)) == VECTOR
