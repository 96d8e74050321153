"""Small, explicit building blocks for the engine tests: a synthetic plugin and facts built from plain dicts.

The engine tests judge the engine (fail closed, aggregation, filters, reports), so they use their own
tiny plugin rather than the built-in checks, whose verdicts are the check tests' business.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

import msgspec
from conncheck import facts as facts_mod
from conncheck.facts import Facts
from conncheck.plugin import Context, Plugin
from conncheck.registry import Registry
from conncheck.results import Outcome, failed, passed, warned

NOW = "2026-03-01T12:00:00Z"
NOW_DT = datetime(2026, 3, 1, 12, tzinfo=timezone.utc)


def ok(data: Any) -> dict[str, Any]:
    return {"ok": True, "data": data, "ms": 1.5}


def err(reason: str) -> dict[str, Any]:
    return {"ok": False, "error": reason}


def facts_doc(
    hosts: dict[str, dict[str, Any]] | None = None,
    *,
    site: dict[str, Any] | None = None,
    directory: dict[str, Any] | None = None,
    scep: dict[str, Any] | None = None,
    collected_at: str = NOW,
) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "schema": "conncheck.facts/1",
        "collected_at": collected_at,
        "collector": {"version": "test", "vantage": "tests"},
        "site": site if site is not None else {"name": "testsite"},
        "hosts": hosts or {},
    }
    if directory is not None:
        doc["directory"] = directory
    if scep is not None:
        doc["scep"] = scep
    return doc


def make_facts(*args: Any, **kwargs: Any) -> Facts:
    return facts_mod.from_json(facts_doc(*args, **kwargs), "test facts")


class Flag(msgspec.Struct):
    verdict: str
    crash: bool = False


def flag_plugin() -> Plugin:
    """Checks whose verdict is read straight from a probe's ``verdict`` field, so tests choose every status.

    * ``flag_is_set`` (code 0x403, connector): PASS/WARN/FAIL from ``flag.verdict``.
    * ``other_flag_is_set`` (code 0x405, connector): the same from ``other_flag``.
    * ``ndes_flag_is_set`` (code 0x410, ndes): the same from ``ndes_flag``.
    * ``general_flag_is_set`` (no code: a prerequisite; connector and ndes): the same from ``flag`` or
      ``ndes_flag``.
    * ``crashing_check`` (code 0x411, connector): raises on purpose when ``flag.crash`` is true.
    """
    plugin = Plugin("flags")
    flag = plugin.probe("flag", Flag, roles=("connector",), description="test flag")
    other_flag = plugin.probe("other_flag", Flag, roles=("connector",), description="test flag")
    ndes_flag = plugin.probe("ndes_flag", Flag, roles=("ndes",), description="test flag")

    def judge(value: Flag) -> Outcome:
        verdict = value.verdict
        if verdict == "pass":
            return passed("flag set", {"value": verdict})
        if verdict == "warn":
            return warned("flag set, but soon not", {"value": verdict})
        return failed("flag not set", {"value": verdict})

    @plugin.check(
        "flag_is_set",
        "The flag is set",
        roles=("connector",),
        reads=(flag,),
        codes=(0x403,),
        remediation="Set the flag.",
        title_tr="Bayrak ayarlı",
        remediation_tr="Bayrağı ayarlayın.",
    )
    def flag_is_set(ctx: Context) -> Outcome:
        return judge(ctx.read(flag))

    @plugin.check(
        "other_flag_is_set",
        "The other flag is set",
        roles=("connector",),
        reads=(other_flag,),
        codes=(0x405,),
        remediation="Set the other flag.",
    )
    def other_flag_is_set(ctx: Context) -> Outcome:
        return judge(ctx.read(other_flag))

    @plugin.check(
        "ndes_flag_is_set",
        "NDES's flag is set",
        roles=("ndes",),
        reads=(ndes_flag,),
        codes=(0x410,),
        remediation="Set NDES's flag.",
    )
    def ndes_flag_is_set(ctx: Context) -> Outcome:
        return judge(ctx.read(ndes_flag))

    @plugin.check(
        "general_flag_is_set",
        "Some flag is set",
        roles=("connector", "ndes"),
        reads=(flag, ndes_flag),
        remediation="Set any flag.",
    )
    def general_flag_is_set(ctx: Context) -> Outcome:
        return judge(ctx.read(ndes_flag if "ndes" in ctx.target.roles else flag))

    @plugin.check(
        "crashing_check",
        "A check with a bug",
        roles=("connector",),
        reads=(flag,),
        codes=(0x411,),
        remediation="Fix the bug.",
    )
    def crashing_check(ctx: Context) -> Outcome:
        if ctx.read(flag).crash:
            raise KeyError("thumbprint")
        return passed("no crash")

    return plugin


def flag_registry() -> Registry:
    registry = Registry()
    registry.add(flag_plugin())
    registry.validate()
    return registry


def flag_host(role: str, verdict: str, *, crash: bool = False, other: str | None = None) -> dict[str, Any]:
    probe = "ndes_flag" if role == "ndes" else "flag"
    probes: dict[str, Any] = {probe: ok({"verdict": verdict, "crash": crash})}
    if other is not None:
        probes["other_flag"] = ok({"verdict": other})
    return {"roles": [role], "probes": probes}
