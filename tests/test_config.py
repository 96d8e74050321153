"""site.toml: what the engine reads ([site], [thresholds], [[hosts]]) and every way it can be wrong."""

from __future__ import annotations

import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from conncheck import config
from conncheck.errors import ConfigError
from conncheck.plugin import Settings
from hypothesis import given, settings
from hypothesis import strategies as st

REPO = Path(__file__).resolve().parent.parent
CONNCHECK = [str(Path(sys.executable).parent / "conncheck")]  # the installed console script


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "site.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_the_example_site_toml_loads() -> None:
    site = config.load(REPO / "examples" / "site.toml")
    assert site.name == "contoso"
    assert [h.roles for h in site.hosts] == [("connector",), ("ca",), ("ndes",)]
    assert site.settings == Settings(expiry_warning_days=30, clock_skew_seconds=300, event_lookback_days=7)
    assert {"connector", "ca", "ndes"} <= set(site.roles_expected())


def test_facts_site_carries_expectations_and_the_event_window(tmp_path: Path) -> None:
    site = config.load(write(tmp_path, """
[site]
name = "lab"
scep_template = "IntuneSCEP"
digicert = true
[thresholds]
event_lookback_days = 14
[[hosts]]
name = "ndes.lab.test"
roles = ["ndes", "connector"]
"""))
    section = site.facts_site()
    assert section.scep_template == "IntuneSCEP" and section.digicert is True
    assert section.event_lookback_days == 14
    assert section.roles_expected == ["connector", "ndes"]


def test_the_fact_script_reads_the_event_window_from_site_toml(tmp_path: Path) -> None:
    path = write(tmp_path, '[thresholds]\nevent_lookback_days = 21\n[[hosts]]\nname = "c.lab.test"\n'
                           'roles = ["connector"]\n')
    out = subprocess.run([*CONNCHECK, "script", "--role", "connector", "-c", str(path)], capture_output=True,
                         text=True, check=True)
    assert "event_lookback_days" in out.stdout and "21" in out.stdout


@pytest.mark.parametrize(("text", "message"), [
    ("[site]\nname = 3\n", "[site] name must be a string"),
    ("[site]\ncolour = 'blue'\n", "[site] has no key 'colour'"),
    ("[thresholds]\nexpiry_warning_days = -1\n", "whole number ≥ 0"),
    ("[thresholds]\nexpiry_warning_days = true\n", "whole number ≥ 0"),
    ("[thresholds]\nwarn = 3\n", "[thresholds] has no key 'warn'"),
    ("[[hosts]]\nroles = ['ca']\n", "[[hosts]] #1 needs 'name'"),
    ("[[hosts]]\nname = 'a'\nroles = ['dc']\n", "[[hosts]] a roles[0] must be one of ca, connector, ndes, got 'dc'"),
    ("[[hosts]]\nname = 'a'\nroles = []\n", "[[hosts]] a roles must be an array (1 to 3 items)"),
    ("[[hosts]]\nname = 'a'\nroles = ['ca']\n[[hosts]]\nname = 'A'\nroles = ['ndes']\n", "listed twice"),
    ("hosts = 'ca01'\n", "[[hosts]] must be an array of tables"),
    ("winrm = 5\n", "[winrm] must be a table, got 5"),
    ("[site\n", "not valid TOML"),
])
def test_bad_site_toml_is_one_clear_error(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        config.load(write(tmp_path, text))
    assert message in str(caught.value)
    assert "\n" not in str(caught.value)


def test_missing_directory_and_binary_files_are_errors(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="no such file"):
        config.load(tmp_path / "absent.toml")
    with pytest.raises(ConfigError, match="is a directory"):
        config.load(tmp_path)
    binary = tmp_path / "bin.toml"
    binary.write_bytes(b"\xff\xfe\x00\x81garbage")
    with pytest.raises(ConfigError, match="not UTF-8"):
        config.load(binary)


def test_a_bad_site_toml_on_the_command_line_is_exit_2_with_one_line(tmp_path: Path) -> None:
    path = write(tmp_path, "[site\n")
    facts = REPO / "examples" / "facts" / "healthy.json"
    run = subprocess.run([*CONNCHECK, "evaluate", str(facts), "-c", str(path)], capture_output=True, text=True)
    assert run.returncode == 2
    assert run.stderr.startswith("conncheck: error:") and run.stderr.count("\n") == 1
    assert "Traceback" not in run.stderr
    assert path.read_text() == "[site\n"  # the user's file is left as it was


def test_thresholds_from_site_toml_change_the_verdict(tmp_path: Path) -> None:
    """The healthy site's connector certificate has 265 days left: PASS at the default window, WARN at 400 days."""
    facts = REPO / "examples" / "facts" / "healthy.json"
    quiet = write(tmp_path, "[thresholds]\nexpiry_warning_days = 400\n")
    run = subprocess.run([*CONNCHECK, "evaluate", str(facts), "-c", str(quiet), "--codes", "0x405"],
                         capture_output=True, text=True)
    assert run.returncode == 0 and "WARN" in run.stdout
    default = subprocess.run([*CONNCHECK, "evaluate", str(facts), "--codes", "0x405"], capture_output=True, text=True)
    assert default.returncode == 0 and "WARN" not in default.stdout.split("Details")[0]


# -- the schema: every section, every key, typed; a misspelling is refused with a suggestion ---------------------


@pytest.mark.parametrize(("text", "message"), [
    ("[ldpa]\nserver = 'dc01'\n", "no section [ldpa]; did you mean [ldap]?"),
    ("[SCEP]\nurls = []\n", "no section [SCEP]; did you mean [scep]?"),
    ("[host]\nname = 'a'\n", "no section [host]; did you mean [hosts]?"),
    ("[winrm]\noperation_timout = 5\n", "[winrm] has no key 'operation_timout'; did you mean 'operation_timeout'?"),
    ("[ldap]\nserver = 'dc'\nca_bundel = 'x.pem'\n", "did you mean 'ca_bundle'?"),
    ("[scep]\nurls = ['http://a/x']\nexternal_url = []\n", "did you mean 'external_urls'?"),
    ("[[hosts]]\nname = 'a'\nroles = ['ca']\nadress = '10.0.0.1'\n", "[[hosts]] a has no key 'adress'; did you mean"),
    ("[[hosts]]\nname = 'a'\nroles = ['ca']\nparallel = 3\n", "[[hosts]] a has no key 'parallel'"),
    ("[audit]\ndatabase = 'x'\n", "[audit] has no key 'database'"),
    ("[winrm]\npassword = 'hunter2'\n", "secrets do not belong in site.toml"),
    ("[ldap]\nserver = 'dc'\npassword = 'hunter2'\n", "secrets do not belong in site.toml"),
    ("[site]\nroles_expected = 5\n", "[site] has no key 'roles_expected'"),
    ("[site]\npkcs_templates = [nan, inf]\n", "[site] pkcs_templates[0] = nan: nan and inf are not accepted"),
    ("[scep]\nurls = ['http://a/x']\ntimeout_seconds = inf\n", "timeout_seconds = inf"),
    ("[thresholds]\nclock_skew_seconds = nan\n", "clock_skew_seconds = nan"),
    ("[site]\npkcs_templates = ['ok', 3]\n", "[site] pkcs_templates[1] must be a string"),
    ("[site]\nca_config = 'no backslash'\n", "[site] ca_config must be a string"),
    ('[site]\nname = "bad\\u0007name"\n', "without control characters"),
    ("[winrm]\ntransport = 'ftp'\n", "[winrm] transport must be one of http, https, got 'ftp'"),
    ("[winrm]\nport = 70000\n", "[winrm] port must be a whole number ≥ 1 and ≤ 65535, got 70000"),
    ("[winrm]\nport = 99999999999999999999999999\n", "[winrm] port must be a whole number"),
    ("[winrm]\ncert_validation = 'no'\n", "[winrm] cert_validation must be true or false"),
    ("[[hosts]]\nname = 'a'\nroles = ['ca']\nusername = 5\n", "[[hosts]] a username must be a string"),
    ("[ldap]\ntls = 'ssl'\n", "[ldap] tls must be one of ldaps, none, starttls"),
    ("[ldap]\ntimeout = 0\n", "[ldap] timeout must be a whole number ≥ 1"),
    ("[scep]\nurls = 'http://a/x'\n", "[scep] urls must be an array"),
    ("[scep]\naddresses = {a = 7}\n", "[scep] addresses (every value) must be a string"),
    ("[scep]\nmax_body_bytes = 10\n", "[scep] max_body_bytes must be a whole number ≥ 1024"),
    ("[thresholds]\nexpiry_warning_days = 1000000000000\n", "≤ 36500"),
    ("[audit]\ndb = 5\n", "[audit] db must be a string"),
    ("[winrm]\nport = " + "9" * 5000 + "\n", "not valid TOML"),
])
def test_the_schema_refuses_with_the_place_and_a_suggestion(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        config.load(write(tmp_path, text))
    assert message in str(caught.value)
    assert "\n" not in str(caught.value) and len(str(caught.value)) < 700


def test_a_misspelled_section_on_the_command_line_is_one_line_exit_2(tmp_path: Path) -> None:
    path = write(tmp_path, '[site]\nname = "contoso"\n[ldpa]\nserver = "dc01.contoso.com"\n')
    facts = REPO / "examples" / "facts" / "healthy.json"
    run = subprocess.run([*CONNCHECK, "evaluate", str(facts), "-c", str(path)], capture_output=True, text=True)
    assert run.returncode == 2 and run.stdout == ""
    assert run.stderr.count("\n") == 1 and "did you mean [ldap]?" in run.stderr


def test_the_thresholds_schema_has_exactly_the_settings_keys() -> None:
    assert set(config.Thresholds.__struct_fields__) == set(Settings.__dataclass_fields__)
    defaults = {k: getattr(Settings(), k) for k in Settings.__dataclass_fields__}
    assert config.Thresholds() == config.Thresholds(**defaults)


def test_every_key_of_the_example_is_in_the_schema_and_every_collector_reads_it() -> None:
    from conncheck.collectors.ldap import settings_from
    from conncheck.collectors.winrm_options import WinRMOptions, host_options, section_options

    site = config.load(REPO / "examples" / "site.toml")
    winrm = section_options(site.sections["winrm"])
    assert winrm.operation_timeout == 120 and winrm.parallel == 16
    assert host_options(winrm, {"address": "10.0.0.12"}, "h").address == "10.0.0.12"
    assert settings_from(site, insecure=False).server == "dc01.contoso.com"
    # the schema knows every option the WinRM collector has (and only those, plus the per-host address)
    shared = set(config.WinRMKeys.__struct_fields__)
    assert shared | {"parallel", "processes", "address"} == set(WinRMOptions.__dataclass_fields__)


# -- fuzz: whatever site.toml holds, the loader answers with a SiteConfig or one ConfigError line --------------------

_keys = st.sampled_from(["name", "roles", "urls", "server", "port", "tls", "auth", "db", "pkcs_templates", "timeout",
                         "timeout_seconds", "expiry_warning_days", "addresses", "digicert", "x"]) | st.text(max_size=12)
_values = st.recursive(
    st.none().map(lambda _: "") | st.booleans() | st.integers() | st.floats() | st.text(max_size=30)
    | st.sampled_from(["ca", "ndes", "connector", "http://a/x", "https://u:p@h/x", "http://[::1/x", "ldaps"]),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(_keys, inner, max_size=4),
    max_leaves=15,
)
_sections = st.sampled_from(["site", "thresholds", "winrm", "ldap", "scep", "audit", "ldpa", "hosts"]) | st.text(
    max_size=8)


@settings(max_examples=400, deadline=timedelta(seconds=20))
@given(st.dictionaries(_sections, st.dictionaries(_keys, _values, max_size=5) | _values, max_size=6))
def test_any_document_is_a_site_or_one_line(doc: dict[str, object]) -> None:
    try:
        site = config.parse(doc)
    except ConfigError as exc:
        assert "\n" not in str(exc) and len(str(exc)) < 2000
        return
    assert site.settings.expiry_warning_days >= 0
    for section in site.sections.values():
        assert isinstance(section, dict)


@settings(max_examples=200, deadline=timedelta(seconds=20))
@given(st.data())
def test_any_damage_to_the_example_file_is_a_site_or_one_line(tmp_path_factory: pytest.TempPathFactory,
                                                             data: st.DataObject) -> None:
    text = bytearray((REPO / "examples" / "site.toml").read_bytes())
    for _ in range(data.draw(st.integers(1, 6))):
        at = data.draw(st.integers(0, len(text) - 1))
        text[at] = data.draw(st.integers(0, 255))
    path = tmp_path_factory.mktemp("fuzz") / "site.toml"
    path.write_bytes(bytes(text))
    try:
        config.load(path)
    except ConfigError as exc:
        assert "\n" not in str(exc)


@pytest.mark.parametrize(
    "text",
    ["[site]\nname = 'x'\n[ldpa]\nserver = 'dc'\n", "[scep]\nurls = [nan]\n", "[winrm]\nport = 1e400\n",
     '[[hosts]]\nname = "\\u0000"\nroles = ["ca"]\n', "a = " + "[" * 2000 + "]" * 2000 + "\n",
     "[thresholds]\nexpiry_warning_days = 99999999999999999999\n", "\x00\x01garbage"],
)  # fmt: skip
def test_hostile_site_toml_on_the_command_line_is_exit_2_never_70(tmp_path: Path, text: str) -> None:
    path = write(tmp_path, text)
    facts = REPO / "examples" / "facts" / "healthy.json"
    run = subprocess.run([*CONNCHECK, "evaluate", str(facts), "-c", str(path)], capture_output=True, text=True,
                         timeout=120)
    assert run.returncode == 2 and run.stderr.count("\n") == 1, run.stderr
    assert run.stderr.startswith("conncheck: error:")
