"""Fail closed, as a property: for EVERY registered check, knocking out any non-empty subset of the probes it
reads (missing, or errored) on a healthy site never gives PASS. "Reads" is what the check read on the healthy site
(recorded), a subset of what it declares: a declared fallback it did not need there is not its input there.

The base is conncheck.lab.samples' healthy site (real certificates), where each check has the input it wants; a check
that still PASSes without some of its declared input either declared a probe it does not need, or judges on input
it never got.
"""

from __future__ import annotations

import copy
from functools import lru_cache
from typing import Any

import pytest
from conncheck import evaluate as evaluate_module
from conncheck.evaluate import NO_HOST, evaluate
from conncheck.facts import Facts, ProbeResult, Target
from conncheck.lab import samples
from conncheck.plugin import Probe, ReadCache
from conncheck.registry import Registry, default_registry
from conncheck.results import Status
from hypothesis import given, settings
from hypothesis import strategies as st

KNOCKOUTS = ("missing", "errored")


@lru_cache(maxsize=1)
def healthy() -> Facts:
    """The healthy sample site: connector, CA and NDES hosts, the directory and the NDES SCEP endpoint."""
    return samples.healthy_site().facts


def only(check_id: str) -> Registry:
    full = default_registry()
    registry = Registry()
    registry.checks[check_id] = full.checks[check_id]
    return registry


def knocked_out(base: Facts, knock: dict[str, str]) -> Facts:
    facts = copy.deepcopy(base)
    for target in facts.targets():
        for probe, how in knock.items():
            if how == "missing":
                target.probes.pop(probe, None)
            else:
                target.probes[probe] = ProbeResult.failure(f"knocked out by the test ({probe})")
    return facts


CHECK_IDS = sorted(default_registry().checks)


@lru_cache(maxsize=1)
def probes_read() -> dict[str, set[str]]:
    """check id → names of the probes it read while judging the healthy site."""
    read: dict[str, set[str]] = {}

    class Recording(ReadCache):
        def read(self, target: Target, probe: Probe[Any]) -> Any:
            read.setdefault(current[0], set()).add(probe.name)
            return super().read(target, probe)

    current = [""]
    registry = default_registry()
    for check_id in CHECK_IDS:
        current[0] = check_id
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(evaluate_module, "ReadCache", Recording)
            evaluate(healthy(), only(check_id))
    assert set(read) <= set(registry.checks)
    return read


def test_the_base_gives_the_checks_their_input() -> None:
    """Otherwise the property is empty: a check with no target in the base SKIPs whatever is knocked out."""
    results = evaluate(healthy(), default_registry())
    without_target = sorted({r.check_id for r in results if r.host == NO_HOST})
    assert not without_target, f"checks with no target in the healthy sample: {without_target}"
    passing = {r.check_id for r in results if r.status is Status.PASS}
    # Only SKIPs by design stay short of PASS: DigiCert (not configured), the opt-in SCEP probes, and the legacy
    # connector's events (the base runs the current connector, which has no legacy log).
    others = {r.check_id: r.status.value for r in results if r.check_id not in passing}
    assert all(status == Status.SKIP.value for status in others.values()), others
    assert len(passing) >= 0.85 * len(CHECK_IDS), sorted(set(CHECK_IDS) - passing)


@pytest.mark.parametrize("check_id", CHECK_IDS)
@settings(max_examples=20, deadline=None, database=None)
@given(data=st.data())
def test_no_pass_without_input(check_id: str, data: st.DataObject) -> None:
    check = default_registry().checks[check_id]
    read = sorted(probes_read().get(check_id, ()))
    assert set(read) <= set(check.probes), f"{check_id} read {read}, declared {check.probes}"
    if not read:
        return  # read nothing on the healthy site: nothing to knock out
    probes = data.draw(st.sets(st.sampled_from(read), min_size=1), label="probes")
    knock = {p: data.draw(st.sampled_from(KNOCKOUTS), label=p) for p in sorted(probes)}
    results = evaluate(knocked_out(healthy(), knock), only(check_id))
    passing = [r for r in results if r.status is Status.PASS]
    assert not passing, f"{check_id} passed on {passing[0].host} without {knock}: {passing[0].finding}"


@pytest.mark.parametrize("check_id", CHECK_IDS)
def test_every_probe_knocked_out_is_unknown_or_skip(check_id: str) -> None:
    """With none of its input at all a check has nothing to judge: UNKNOWN (or SKIP when not applicable)."""
    check = default_registry().checks[check_id]
    results = evaluate(knocked_out(healthy(), dict.fromkeys(check.probes, "errored")), only(check_id))
    assert {r.status for r in results} <= {Status.UNKNOWN, Status.SKIP}, [(r.host, r.finding) for r in results]
