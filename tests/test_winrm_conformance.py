"""The lab's replies against WinRM exchanges recorded from a real Windows host (../shared/data/pypsrp-recorded/):
the same elements and attributes for each action, the same fault codes; and a second client (pywinrm) that runs a
command through the lab's WinRS cmd shell, so the lab is not shaped to pypsrp alone."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import pytest
from conncheck.lab import Lab, SimHost
from conncheck.lab import wsman as lab_wsman
from defusedxml import ElementTree

from tests.conftest import shared_data
from tests.winrm_lab import CA, lab_site, sample_site

ACTIONS = ("CreateResponse", "ReceiveResponse", "CommandResponse", "SignalResponse", "DeleteResponse", "fault")


def _shape(xml: str) -> set[tuple[str, tuple[str, ...]]]:
    """Every element (namespace-qualified) with its attribute names: the structure, not the values."""
    root = ElementTree.fromstring(xml)
    return {(el.tag, tuple(sorted(el.attrib))) for el in root.iter()}


def _action(xml: str) -> str:
    root = ElementTree.fromstring(xml)
    found = root.find(f"{{{lab_wsman.NS['s']}}}Header/{{{lab_wsman.NS['a']}}}Action")
    return (found.text or "").rsplit("/", 1)[-1] if found is not None else ""


def _responses(text: str) -> list[str]:
    """The ``response:`` scalars of a recording (one line each: plain, or single-quoted YAML)."""
    out = []
    for line in text.splitlines():
        if not line.startswith("  response: "):
            continue
        value = line[len("  response: "):]
        if value.startswith("'") and value.endswith("'"):
            value = value[1:-1].replace("''", "'")
        if value.startswith("<"):
            out.append(value)
    return out


def _recorded() -> dict[str, list[str]]:
    folder = shared_data("pypsrp-recorded")
    by_action: dict[str, list[str]] = {}
    for path in sorted(folder.glob("test_*.yml")):
        for response in _responses(path.read_text(encoding="utf-8")):
            try:
                action = _action(response)
            except ElementTree.ParseError:
                continue  # a scalar folded over several lines; the one-line recordings are plenty
            by_action.setdefault(action, []).append(response)
    return by_action


class Recorder:
    """Wraps the lab's reply builders to keep what they produced."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.replies: dict[str, list[str]] = {}
        for name in ("create_response", "receive_response", "command_response", "signal_response",
                     "delete_response", "timed_out"):
            original = getattr(lab_wsman, name)
            monkeypatch.setattr(lab_wsman, name, self._wrap(original))

    def _wrap(self, original: Any) -> Any:
        def wrapped(*args: Any, **kwargs: Any) -> bytes:
            reply: bytes = original(*args, **kwargs)
            text = reply.decode()
            self.replies.setdefault(_action(text), []).append(text)
            return reply

        return wrapped


def test_lab_replies_have_the_shape_windows_sends(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    recorded = _recorded()
    recorder = Recorder(monkeypatch)
    from conncheck.lab import Faults

    from tests.winrm_lab import collect

    with lab_site(tmp_path, faults={CA: Faults(operation_timeout=True)}, operation_timeout=1) as (_, site_toml):
        collect(site_toml)
    for action in ("CreateResponse", "ReceiveResponse", "CommandResponse", "DeleteResponse", "fault"):
        assert recorder.replies.get(action), f"the lab sent no {action}"
        windows = set().union(*(_shape(x) for x in recorded[action]))
        for reply in recorder.replies[action]:
            extra = _shape(reply) - windows
            assert not extra, f"{action}: elements or attributes Windows never sends: {sorted(extra)}"
    # a Windows CreateResponse for a PowerShell shell carries these fields; so must ours
    create = ElementTree.fromstring(recorder.replies["CreateResponse"][0])
    fields = {el.tag.split("}")[1] for el in create.iter() if el.tag.startswith(f"{{{lab_wsman.NS['rsp']}}}")}
    assert {"BufferMode", "CompressionMode", "DataLocale", "Encoding", "Locale", "MaxIdleTimeOut", "ProcessId",
            "ProfileLoaded", "ShellInactivity", "ShellRunTime"} <= fields
    # every reply relates to its request and carries an ActivityId like Windows' (faults excepted, as on Windows)
    for reply in recorder.replies["ReceiveResponse"]:
        assert "<a:RelatesTo>uuid:" in reply and "<p:ActivityId>" in reply


def test_timed_out_fault_code_matches_windows() -> None:
    recorded = "".join(_recorded()["fault"])
    assert f'Code="{lab_wsman.FAULT_TIMED_OUT}"' in recorded
    assert "w:TimedOut" in recorded


def test_pywinrm_runs_a_command_and_a_fact_script_through_the_lab() -> None:
    winrm = pytest.importorskip("winrm")
    site = sample_site()
    target = site.facts.hosts[CA]
    host = SimHost.from_target(target, site.facts.collected_at)
    with Lab([host]) as lab:
        endpoint = lab.endpoints[host.name]
        session = winrm.Session(f"http://{endpoint.address}:{endpoint.port}/wsman",
                                auth=(lab.username, lab.password), transport="ntlm",
                                message_encryption="always")
        hostname = session.run_cmd("hostname")
        script = "# conncheck-roles: ca\n# conncheck-probe: ca_registry\n# conncheck-probe: clock\n"
        facts = session.run_ps(script)
        wrong = winrm.Session(f"http://{endpoint.address}:{endpoint.port}/wsman",
                              auth=(lab.username, "wrong"), transport="ntlm", message_encryption="always")
        with pytest.raises(Exception, match=r"401|[Aa]uthentic|[Uu]nauthorized|credentials"):
            wrong.run_cmd("hostname")
    assert hostname.status_code == 0 and hostname.std_out.strip() == b"CA01"
    doc = json.loads(facts.std_out)
    probes = doc["hosts"][host.name]["probes"]
    assert probes["ca_registry"] == {**target.probes["ca_registry"].to_json(), "ms": probes["ca_registry"]["ms"]}
    assert probes["clock"]["ok"] is True


def test_pywinrm_encoded_command_is_decoded_as_utf16() -> None:
    # run_ps sends powershell -encodedcommand <base64 of UTF-16LE>; the lab decodes exactly that
    encoded = base64.b64encode("# conncheck-probe: clock\n".encode("utf-16-le")).decode()
    from conncheck.lab.shells import CmdShell

    host = SimHost("ca01.lab.test", ("ca",), {})
    shell = CmdShell("S", host)
    command_id = shell.run("powershell -encodedcommand " + encoded, [])
    result = shell.receive(command_id)
    assert result is not None and b'"clock"' in result.streams[0].data
