"""The typed probe contract: one schema per probe is the doc, the samples' shape and what checks may believe.

* docs/facts.md is generated from the schemas (regenerate: python -m conncheck.facts_reference > docs/facts.md);
* every probe of the sample site, its variants, the demo and the example snapshots has its schema's shape;
* a property: the example facts mutated into shapes their schemas reject (a required key deleted, a type changed,
  a formatted string cut) never let a check reading the altered probe PASS, and the run never crashes.
"""

from __future__ import annotations

import copy
import json
from functools import lru_cache
from pathlib import Path
from typing import Any

import pytest
from conncheck import facts as facts_mod
from conncheck.application import build_report
from conncheck.errors import InputError
from conncheck.evaluate import evaluate
from conncheck.facts import Facts
from conncheck.facts_reference import render
from conncheck.lab import samples
from conncheck.plugin import Settings
from conncheck.registry import default_registry
from conncheck.reports import RENDERERS
from conncheck.results import Status
from conncheck.schema import SchemaMismatch, validate
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

REPO = Path(__file__).resolve().parent.parent
SNAPSHOTS = sorted((REPO / "examples" / "facts").glob("*.json"))


def test_every_probe_schema_is_a_type_msgspec_decodes() -> None:
    for probe in default_registry().probes.values():
        assert probe.decoder is not None, probe.name


def test_docs_facts_md_is_generated_from_the_schemas() -> None:
    written = (REPO / "docs" / "facts.md").read_text(encoding="utf-8")
    assert written == render(), "regenerate: python -m conncheck.facts_reference > docs/facts.md"


def _mismatches(facts: Facts) -> list[str]:
    probes = default_registry().probes
    found = []
    for target in facts.targets():
        for name, result in target.probes.items():
            probe = probes.get(name)
            if probe is None or not result.ok or result.raw is None:
                continue
            try:
                validate(name, result.raw, probe.decoder)
            except SchemaMismatch as exc:
                found.append(f"{target.name}: {exc}")
    return found


@pytest.mark.parametrize("variant", ["healthy", "demo", *(v.name for v in samples.VARIANTS)])
def test_every_sample_probe_has_its_schemas_shape(variant: str) -> None:
    if variant == "healthy":
        facts = samples.healthy_site().facts
    elif variant == "demo":
        facts = samples.demo_site()
    else:
        facts = samples.variant_site(variant).facts
    assert _mismatches(facts) == []


@pytest.mark.parametrize("path", [*SNAPSHOTS, REPO / "toolkit" / "data" / "demo-site.json"], ids=lambda p: p.name)
def test_every_shipped_facts_file_has_its_schemas_shape(path: Path) -> None:
    assert _mismatches(facts_mod.load(path)) == []


# --- the property -----------------------------------------------------------------------------------------------

BASE = REPO / "examples" / "facts" / "healthy.json"


@lru_cache(maxsize=1)
def base_doc() -> dict[str, Any]:
    return json.loads(BASE.read_text(encoding="utf-8"))


def _probe_slots(doc: dict[str, Any]) -> list[tuple[tuple[str, ...], str]]:
    """(path to the probe entry, probe name) of every ok probe whose schema the registry knows."""
    known = default_registry().probes
    slots = []
    for host, entry in doc["hosts"].items():
        slots += [(("hosts", host, "probes", p), p) for p, r in entry["probes"].items() if r.get("ok") and p in known]
    if "directory" in doc:
        slots += [(("directory", "probes", p), p) for p, r in doc["directory"]["probes"].items() if r.get("ok")]
    for url, entry in doc.get("scep", {}).items():
        slots += [(("scep", url, "probes", p), p) for p, r in entry["probes"].items() if r.get("ok") and p in known]
    return slots


def _nodes(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[tuple[Any, ...], Any]]:
    out = [(path, value)]
    if isinstance(value, dict):
        for k, v in value.items():
            out += _nodes(v, (*path, k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            out += _nodes(v, (*path, i))
    return out


def _get(value: Any, path: tuple[Any, ...]) -> Any:
    for part in path:
        value = value[part]
    return value


def _retyped(value: Any) -> Any:
    """The same information in another JSON type: what a careless writer or a hostile file would put there."""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, str):
        return [value] if not value.isdigit() else int(value)
    if isinstance(value, list):
        return value[0] if value else "[]"
    if isinstance(value, dict):
        return list(value.values())
    return "null"


@st.composite
def rejected_documents(draw: st.DrawFn) -> tuple[dict[str, Any], tuple[str, ...], str]:
    doc = copy.deepcopy(base_doc())
    slot, probe = draw(st.sampled_from(_probe_slots(doc)), label="probe")
    data = _get(doc, slot)["data"]
    nodes = _nodes(data)
    kind = draw(st.sampled_from(["delete", "retype", "cut"]), label="mutation")
    if kind == "delete":
        keyed = [(p, k) for p, v in nodes if isinstance(v, dict) for k in v]
        assume(keyed)
        where, key = draw(st.sampled_from(keyed), label="key")
        del _get(data, where)[key]
    elif kind == "retype":
        where, value = draw(st.sampled_from(nodes[1:] or nodes), label="value")
        if where:
            _get(data, where[:-1])[where[-1]] = _retyped(value)
        else:
            _get(doc, slot)["data"] = _retyped(value)
    else:
        strings = [(p, v) for p, v in nodes if isinstance(v, str) and len(v) > 3 and p]
        assume(strings)
        where, value = draw(st.sampled_from(strings), label="string")
        _get(data, where[:-1])[where[-1]] = value[: len(value) // 2]
    decoder = default_registry().probes[probe].decoder
    try:
        validate(probe, json.dumps(_get(doc, slot)["data"]).encode(), decoder)
    except SchemaMismatch:
        return doc, slot, probe
    assume(False)  # the schema accepts it (a value it allows): not this property's case
    raise AssertionError("unreachable")


@settings(max_examples=150, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow,
                                                                                 HealthCheck.filter_too_much])
@given(case=rejected_documents())
def test_no_check_reading_a_rejected_probe_passes_and_nothing_crashes(
    case: tuple[dict[str, Any], tuple[str, ...], str],
) -> None:
    doc, slot, probe = case
    try:
        facts = facts_mod.from_json(doc, "mutated")
    except InputError:
        return  # refused with one line: nothing was judged
    target = slot[1] if slot[0] != "directory" else doc["directory"]["server"]
    roles = set(next(t.roles for t in facts.targets() if t.name == target))
    readers = {c.id for c in default_registry().checks.values()
               if any(p.name == probe for p in c.reads) and roles & set(c.roles)}
    results = evaluate(facts, default_registry())
    passing = [r for r in results if r.check_id in readers and r.host == target and r.status is Status.PASS]
    assert not passing, f"{probe} altered, yet {[r.check_id for r in passing]} passed on {target}"
    report = build_report(facts, Settings(), lang="en", codes=None, hosts=None, strict=False)
    for renderer in RENDERERS.values():
        renderer(report)
