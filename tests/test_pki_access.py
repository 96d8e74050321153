"""Who may enroll for a template (ESC1), who may use a private key, and IIS's merged request limits, decided on
descriptors and configuration files built here (the checks' cases are in test_pki_host_rules/test_directory_checks).
"""

from __future__ import annotations

import base64

import pytest
from conncheck.checks._iis_config import ConfigFile, effective_limits
from conncheck.pki import security_descriptor as sdm
from conncheck.pki.enrollment import enrollees, esc1_conditions
from conncheck.pki.key_access import app_pool_sid, key_descriptor, may_use_key

DOMAIN = "S-1-5-21-1-2-3"
GROUP, USER = f"{DOMAIN}-1200", f"{DOMAIN}-1300"
ENROLL = sdm.ENROLL
AUTOENROLL = sdm.AUTOENROLL


def descriptor(*aces: sdm.Ace, dacl: bool = True) -> sdm.SecurityDescriptor:
    raw = sdm.encode(sdm.SecurityDescriptor(sdm.SE_SELF_RELATIVE, f"{DOMAIN}-512", f"{DOMAIN}-512",
                                            sdm.Acl(2, aces) if dacl else None))
    return sdm.parse(raw)


def reported(sd: sdm.SecurityDescriptor) -> sdm.SecurityDescriptor:
    """``sd`` as the fact script reports a key's descriptor (base64), read back."""
    return key_descriptor(base64.b64encode(sdm.encode(sd)).decode())


def allow(sid: str, mask: int, object_type: str | None = None, flags: int = 0) -> sdm.Ace:
    kind = sdm.ACCESS_ALLOWED_OBJECT if object_type else sdm.ACCESS_ALLOWED
    return sdm.Ace(kind, flags, mask, sid, object_type)


def deny(sid: str, mask: int, object_type: str | None = None) -> sdm.Ace:
    return sdm.Ace(sdm.ACCESS_DENIED_OBJECT if object_type else sdm.ACCESS_DENIED, 0, mask, sid, object_type)


def test_enrollees_by_extended_right_generic_all_and_all_extended_rights() -> None:
    sd = descriptor(allow(GROUP, sdm.DS_CONTROL_ACCESS, ENROLL), allow(f"{DOMAIN}-512", sdm.GENERIC_ALL),
                    allow(USER, sdm.DS_CONTROL_ACCESS), allow("S-1-5-11", sdm.DS_READ_PROPERTY),
                    allow(f"{DOMAIN}-513", sdm.DS_CONTROL_ACCESS, AUTOENROLL))
    found = {e.sid: e.kind for e in enrollees(sd)}
    # Read alone and AutoEnroll alone do not enroll; Full Control and "all extended rights" do.
    assert found == {GROUP: "other", f"{DOMAIN}-512": "privileged", USER: "other"}


def test_a_deny_on_everyone_or_on_the_principal_itself_removes_it_and_inherit_only_entries_do_not_count() -> None:
    sd = descriptor(deny("S-1-1-0", sdm.DS_CONTROL_ACCESS, ENROLL),
                    allow(f"{DOMAIN}-513", sdm.DS_CONTROL_ACCESS, ENROLL))
    assert enrollees(sd) == []
    sd = descriptor(deny(GROUP, sdm.DS_CONTROL_ACCESS, ENROLL), allow(GROUP, sdm.DS_CONTROL_ACCESS, ENROLL),
                    allow(USER, sdm.DS_CONTROL_ACCESS, ENROLL, flags=sdm.INHERIT_ONLY_ACE | sdm.CONTAINER_INHERIT_ACE))
    assert enrollees(sd) == []


def test_a_null_dacl_lets_everyone_enroll() -> None:
    found = enrollees(descriptor(dacl=False))
    assert [(e.sid, e.kind) for e in found] == [("S-1-1-0", "broad")]


@pytest.mark.parametrize("sid", ["S-1-1-0", "S-1-5-11", "S-1-5-7", "S-1-5-32-545", f"{DOMAIN}-513", f"{DOMAIN}-514",
                                 f"{DOMAIN}-515"])
def test_broad_principals(sid: str) -> None:
    assert enrollees(descriptor(allow(sid, sdm.DS_CONTROL_ACCESS, ENROLL)))[0].kind == "broad"


def test_esc1_needs_every_condition() -> None:
    client_auth = ["1.3.6.1.5.5.7.3.2"]
    assert esc1_conditions(1, 0, 0, client_auth).open
    assert esc1_conditions(1, 0, 0, []).authenticating_ekus == ("no EKU",)  # no EKU: any purpose
    assert esc1_conditions(1, 0, 0, []).open
    assert not esc1_conditions(0, 0, 0, client_auth).open  # the subject comes from AD
    assert not esc1_conditions(1, 2, 0, client_auth).open  # a CA manager approves each request
    assert not esc1_conditions(1, 0, 1, client_auth).open  # an authorized signature is required
    assert not esc1_conditions(1, 0, 0, ["1.3.6.1.5.5.7.3.1"]).open  # server authentication only


def test_the_app_pool_sid_is_windows_own() -> None:
    """IIS APPPOOL\\DefaultAppPool's SID as Windows shows it (icacls, whoami /groups)."""
    assert app_pool_sid("DefaultAppPool") == "S-1-5-82-3006700770-424185619-1745488364-794895919-4004696415"
    assert app_pool_sid("defaultapppool") == app_pool_sid("DefaultAppPool")


def test_key_read_as_the_manage_private_keys_dialog_writes_it() -> None:
    generic_read = reported(descriptor(allow(USER, sdm.GENERIC_READ)))
    assert may_use_key(generic_read, {USER}).granted
    assert not may_use_key(generic_read, {GROUP}).granted
    full_control = reported(descriptor(allow(GROUP, 0x001F019B)))
    assert may_use_key(full_control, {GROUP}).granted
    write_only = reported(descriptor(allow(USER, 0x2 | sdm.READ_CONTROL)))
    assert not may_use_key(write_only, {USER}).granted
    denied = reported(descriptor(deny(USER, sdm.GENERIC_ALL), allow(GROUP, sdm.GENERIC_READ)))
    decision = may_use_key(denied, {USER, GROUP})
    assert not decision.granted and decision.evidence()["deciding_aces"][0]["type"] == "DENY"
    with pytest.raises(sdm.SecurityDescriptorError):
        key_descriptor(base64.b64encode(b"junk").decode())


LIMITS = '<requestLimits maxUrl="{}" maxQueryString="{}" />'


def section(url: int, query: int) -> str:
    return ("<system.webServer><security><requestFiltering>" + LIMITS.format(url, query)
            + "</requestFiltering></security></system.webServer>")


def test_the_deepest_level_wins_and_a_web_config_overrides_application_host_at_its_level() -> None:
    app_host = ConfigFile("applicationHost.config", "<configuration>" + section(65534, 65534)
                          + '<location path="Default Web Site/CertSrv/mscep/">' + section(8192, 4096)
                          + "</location></configuration>")
    root = ConfigFile("wwwroot\\web.config", "<configuration>" + section(100, 100) + "</configuration>", "/")
    mscep = ConfigFile("mscep\\web.config", "<configuration>" + section(65534, 30000) + "</configuration>",
                       "/CertSrv/mscep")
    limits = effective_limits(app_host, [mscep, root])
    assert (limits["maxUrl"].value, limits["maxUrl"].source) == (65534, "mscep\\web.config")
    assert limits["maxQueryString"].value == 30000
    only_app_host = effective_limits(app_host, [root])
    assert only_app_host["maxUrl"].source == 'applicationHost.config <location path="Default Web Site/CertSrv/mscep/">'


def test_a_location_in_a_web_config_is_relative_to_its_folder() -> None:
    app_host = ConfigFile("applicationHost.config", "<configuration>" + section(65534, 65534) + "</configuration>")
    root = ConfigFile("web.config", '<configuration><location path="CertSrv/MSCEP">' + section(65534, 2048)
                      + '</location><location path="CertSrv/mscep_admin">' + section(1, 1)
                      + "</location></configuration>", "/")
    limits = effective_limits(app_host, [root])
    assert limits["maxQueryString"].value == 2048 and limits["maxUrl"].value == 65534


def test_a_limit_that_is_not_a_number_is_refused() -> None:
    app_host = ConfigFile("applicationHost.config", "<configuration>" + section(65534, 65534) + "</configuration>")
    bad = ConfigFile("web.config", '<configuration><system.webServer><security><requestFiltering><requestLimits '
                     'maxUrl="6e4" /></requestFiltering></security></system.webServer></configuration>', "/")
    with pytest.raises(ValueError, match="maxUrl"):
        effective_limits(app_host, [bad])
