"""Evaluation fails closed: missing or errored input, a crashing check, an absent expected role: no PASS."""

from __future__ import annotations

from typing import Any

import pytest
from conncheck.errors import InputError
from conncheck.evaluate import NO_HOST, evaluate, run_check
from conncheck.facts import Facts
from conncheck.plugin import Context, Plugin, ReadCache, Settings
from conncheck.registry import Registry
from conncheck.results import Outcome, Result, Status, passed

from tests.engine_fixtures import err, flag_host, flag_plugin, flag_registry, make_facts, ok


def by_check(results: list[Result]) -> dict[tuple[str, str], Result]:
    return {(r.check_id, r.host): r for r in results}


def one(results: list[Result], check_id: str, host: str) -> Result:
    return by_check(results)[(check_id, host)]


def test_statuses_come_from_the_check() -> None:
    facts = make_facts({"c1": flag_host("connector", "pass", other="warn"), "n1": flag_host("ndes", "fail")})
    results = evaluate(facts, flag_registry())
    assert one(results, "flag_is_set", "c1").status is Status.PASS
    assert one(results, "other_flag_is_set", "c1").status is Status.WARN
    assert one(results, "ndes_flag_is_set", "n1").status is Status.FAIL
    assert one(results, "general_flag_is_set", "c1").status is Status.PASS
    assert one(results, "general_flag_is_set", "n1").status is Status.FAIL


def test_result_carries_id_title_evidence_codes_and_remediation() -> None:
    facts = make_facts({"c1": flag_host("connector", "fail", other="pass")})
    r = one(evaluate(facts, flag_registry()), "flag_is_set", "c1")
    assert (r.title, r.finding, r.evidence, r.codes) == (
        "The flag is set",
        "flag not set",
        {"value": "fail"},
        (0x403,),
    )
    assert r.remediation == "Set the flag."
    assert (
        one(evaluate(facts, flag_registry()), "other_flag_is_set", "c1").remediation is None
    )  # PASS: no fix


def test_missing_probe_is_unknown_with_the_reason() -> None:
    facts = make_facts({"c1": flag_host("connector", "pass")})  # no other_flag probe at all
    r = one(evaluate(facts, flag_registry()), "other_flag_is_set", "c1")
    assert r.status is Status.UNKNOWN
    assert "other_flag" in r.finding and "not collected" in r.finding
    assert r.evidence == {"probe": "other_flag", "reason": "not collected"}
    assert r.remediation  # says how to get the input


def test_errored_probe_is_unknown_with_the_collectors_reason() -> None:
    facts = make_facts({"c1": {"roles": ["connector"], "probes": {"flag": err("WinRM: access denied")}}})
    results = evaluate(facts, flag_registry())
    for check_id in ("flag_is_set", "general_flag_is_set", "crashing_check"):
        r = one(results, check_id, "c1")
        assert r.status is Status.UNKNOWN
        assert "access denied" in r.finding


def test_crashing_check_is_unknown_not_pass_and_not_a_crash() -> None:
    facts = make_facts({"c1": flag_host("connector", "pass", crash=True)})
    r = one(evaluate(facts, flag_registry()), "crashing_check", "c1")
    assert r.status is Status.UNKNOWN
    assert "KeyError" in r.finding and "thumbprint" in r.finding


def test_check_returning_something_else_is_unknown() -> None:
    plugin = Plugin("sloppy")
    p = plugin.probe("p", int, roles=("ca",), description="x")

    @plugin.check("returns_bool", "Returns a bool", roles=("ca",), reads=(p,), remediation="-")
    def returns_bool(ctx: Context) -> Any:
        return True

    check = plugin.checks["returns_bool"]
    facts = make_facts({"ca1": {"roles": ["ca"], "probes": {"p": ok(1)}}})
    outcome = run_check(check, Context(facts.hosts["ca1"], facts, Settings(), check, ReadCache()))
    assert outcome.status is Status.UNKNOWN and "bool" in str(outcome.finding)


def test_absent_role_not_expected_is_skip() -> None:
    facts = make_facts(
        {"c1": flag_host("connector", "pass", other="pass")}, site={"roles_expected": ["connector"]}
    )
    r = one(evaluate(facts, flag_registry()), "ndes_flag_is_set", NO_HOST)
    assert r.status is Status.SKIP
    assert "ndes" in r.finding


def test_absent_role_that_the_site_expects_is_unknown() -> None:
    facts = make_facts(
        {"c1": flag_host("connector", "pass", other="pass")}, site={"roles_expected": ["connector", "ndes"]}
    )
    r = one(evaluate(facts, flag_registry()), "ndes_flag_is_set", NO_HOST)
    assert r.status is Status.UNKNOWN
    assert "ndes" in r.finding


def test_every_target_of_a_role_gets_its_own_result() -> None:
    facts = make_facts(
        {
            "c1": flag_host("connector", "pass"),
            "c2": flag_host("connector", "fail"),
            "n1": flag_host("ndes", "pass"),
        }
    )
    results = [r for r in evaluate(facts, flag_registry()) if r.check_id == "flag_is_set"]
    assert {(r.host, r.status) for r in results} == {("c1", Status.PASS), ("c2", Status.FAIL)}


def all_facts() -> Facts:
    return make_facts(
        {
            "c1": flag_host("connector", "fail", other="pass"),
            "c2": flag_host("connector", "pass"),
            "n1": flag_host("ndes", "pass"),
        }
    )


def test_code_filter_keeps_only_the_checks_behind_those_codes() -> None:
    results = evaluate(all_facts(), flag_registry(), codes=[0x403])
    assert {r.check_id for r in results} == {"flag_is_set"}
    results = evaluate(all_facts(), flag_registry(), codes=[0x403, 0x410])
    assert {r.check_id for r in results} == {"flag_is_set", "ndes_flag_is_set"}


def test_code_filter_for_a_code_nothing_checks_gives_nothing() -> None:
    assert evaluate(all_facts(), flag_registry(), codes=[0x400]) == []


def test_host_filter_keeps_only_that_host_and_drops_checks_it_does_not_run() -> None:
    results = evaluate(all_facts(), flag_registry(), hosts=["c2"])
    assert {r.host for r in results} == {"c2"}
    assert "ndes_flag_is_set" not in {r.check_id for r in results}  # not SKIP: c2 was never an ndes


def test_host_filter_on_an_unknown_host_is_an_input_error_naming_the_hosts() -> None:
    with pytest.raises(InputError, match=r"--host nobody: no such host in these facts \(they hold: c1, c2, n1\)"):
        evaluate(all_facts(), flag_registry(), hosts=["nobody"])


def test_host_filter_ignores_case() -> None:
    results = evaluate(all_facts(), flag_registry(), hosts=["C1"])
    assert results and {r.host for r in results} == {"c1"}


def test_turkish_titles_and_fixes() -> None:
    facts = make_facts({"c1": flag_host("connector", "fail")})
    r = one(evaluate(facts, flag_registry(), lang="tr"), "flag_is_set", "c1")
    assert (r.title, r.remediation) == ("Bayrak ayarlı", "Bayrağı ayarlayın.")
    r = one(evaluate(facts, flag_registry(), lang="tr"), "general_flag_is_set", "c1")
    assert r.title == "Some flag is set"  # no Turkish given: English rather than nothing


def test_settings_and_now_reach_the_check() -> None:
    seen: dict[str, Any] = {}
    plugin = Plugin("spy")
    p = plugin.probe("p", int, roles=("ca",), description="x")

    @plugin.check("spy_check", "Spy", roles=("ca",), reads=(p,), remediation="-")
    def spy_check(ctx: Context) -> Outcome:
        seen.update(
            now=ctx.now, skew=ctx.settings.clock_skew_seconds, site=ctx.site.name, host=ctx.host
        )
        return passed("seen")

    registry = Registry()
    registry.add(plugin)
    facts = make_facts({"ca1": {"roles": ["ca"], "probes": {"p": ok(1)}}})
    evaluate(facts, registry, Settings(clock_skew_seconds=42))
    assert seen == {"now": facts.collected_at, "skew": 42, "site": "testsite", "host": "ca1"}


def test_peer_without_that_role_is_unknown() -> None:
    plugin = Plugin("peers")
    p = plugin.probe("p", int, roles=("connector", "ca"), description="x")

    @plugin.check("ca_seen_from_connector", "CA seen", roles=("connector",), reads=(p, p.on("ca")), remediation="-")
    def ca_seen_from_connector(ctx: Context) -> Outcome:
        return passed("ca answers", {"ca": ctx.peer("ca").read(p)})

    registry = Registry()
    registry.add(plugin)
    facts = make_facts({"c1": {"roles": ["connector"], "probes": {"p": ok(1)}}})
    (r,) = evaluate(facts, registry)
    assert r.status is Status.UNKNOWN and "no ca host" in r.finding


def test_same_facts_same_results() -> None:
    first = evaluate(all_facts(), flag_registry())
    second = evaluate(all_facts(), flag_registry())
    assert first == second


@pytest.mark.parametrize("verdict", ["pass", "warn", "fail"])
def test_a_probe_errored_on_one_host_does_not_touch_another(verdict: str) -> None:
    facts = make_facts(
        {
            "c1": {"roles": ["connector"], "probes": {"flag": err("timeout")}},
            "c2": flag_host("connector", verdict),
        }
    )
    results = evaluate(facts, flag_registry())
    assert one(results, "flag_is_set", "c1").status is Status.UNKNOWN
    assert one(results, "flag_is_set", "c2").status is Status(verdict.upper())


def test_flag_plugin_declares_what_the_tests_rely_on() -> None:
    plugin = flag_plugin()
    assert set(plugin.checks) == {
        "flag_is_set",
        "other_flag_is_set",
        "ndes_flag_is_set",
        "general_flag_is_set",
        "crashing_check",
    }
