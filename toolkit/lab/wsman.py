"""WS-Management envelopes as a Windows WinRM listener writes them.

Requests are parsed with defusedxml. Replies are written as text with the namespace prefixes, elements and
attributes Windows Server uses (see ``../shared/data/pypsrp-recorded/``): every reply carries ``RelatesTo`` equal to
the request's ``MessageID`` and an ``ActivityId``; a CreateResponse carries the Shell fields.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any
from xml.sax.saxutils import escape, quoteattr

from defusedxml import ElementTree

NS = {
    "s": "http://www.w3.org/2003/05/soap-envelope",
    "a": "http://schemas.xmlsoap.org/ws/2004/08/addressing",
    "x": "http://schemas.xmlsoap.org/ws/2004/09/transfer",
    "w": "http://schemas.dmtf.org/wbem/wsman/1/wsman.xsd",
    "rsp": "http://schemas.microsoft.com/wbem/wsman/1/windows/shell",
    "p": "http://schemas.microsoft.com/wbem/wsman/1/wsman.xsd",
    "f": "http://schemas.microsoft.com/wbem/wsman/1/wsmanfault",
    "psrp": "http://schemas.microsoft.com/powershell",
}
TRANSFER = "http://schemas.xmlsoap.org/ws/2004/09/transfer/"
SHELL = "http://schemas.microsoft.com/wbem/wsman/1/windows/shell/"
ANONYMOUS = "http://schemas.xmlsoap.org/ws/2004/08/addressing/role/anonymous"
CMD_RESOURCE = "http://schemas.microsoft.com/wbem/wsman/1/windows/shell/cmd"
PS_RESOURCE_PREFIX = "http://schemas.microsoft.com/powershell/"
COMMAND_DONE = SHELL + "CommandState/Done"
COMMAND_RUNNING = SHELL + "CommandState/Running"

# WSManFault codes Windows uses (decimal, as in the Code attribute).
FAULT_TIMED_OUT = 2150858793
FAULT_UNKNOWN_SHELL = 2150858843
FAULT_ACTION_NOT_SUPPORTED = 2150858754


class BadRequest(Exception):
    """The request is not a WS-Management envelope this listener understands."""


@dataclass
class Request:
    action: str
    message_id: str
    resource_uri: str
    to: str
    operation_timeout_s: float
    selectors: dict[str, str]
    options: dict[str, str]
    body: Any  # the s:Body element

    def find(self, path: str) -> Any:
        return self.body.find(path, NS)

    def findall(self, path: str) -> list[Any]:
        return list(self.body.findall(path, NS))


def _duration_seconds(text: str | None, default: float = 20.0) -> float:
    if not text or not text.startswith("PT") or not text.endswith("S"):
        return default
    try:
        return float(text[2:-1])
    except ValueError:
        return default


def parse(payload: bytes) -> Request:
    try:
        root = ElementTree.fromstring(payload)
    except Exception as exc:
        raise BadRequest(f"not XML: {exc}") from None
    header = root.find("s:Header", NS)
    body = root.find("s:Body", NS)
    if header is None or body is None:
        raise BadRequest("not a SOAP envelope")

    def text(path: str) -> str:
        found = header.find(path, NS)
        return (found.text or "").strip() if found is not None else ""

    selectors = {s.get("Name", ""): (s.text or "") for s in header.findall("w:SelectorSet/w:Selector", NS)}
    options = {o.get("Name", ""): (o.text or "") for o in header.findall("w:OptionSet/w:Option", NS)}
    return Request(
        action=text("a:Action"),
        message_id=text("a:MessageID"),
        resource_uri=text("w:ResourceURI"),
        to=text("a:To"),
        operation_timeout_s=_duration_seconds(text("w:OperationTimeout")),
        selectors=selectors,
        options=options,
        body=body,
    )


def _activity_id() -> str:
    return str(uuid.uuid4()).upper()


def _envelope(req: Request, action: str, body: str, namespaces: str, activity: bool = True) -> bytes:
    activity_xml = f"<p:ActivityId>{_activity_id()}</p:ActivityId>" if activity else ""
    return (
        f'<s:Envelope xml:lang="en-US" {namespaces}><s:Header>'
        f"<a:Action>{escape(action)}</a:Action>"
        f"<a:MessageID>uuid:{_activity_id()}</a:MessageID>{activity_xml}"
        f"<a:To>{ANONYMOUS}</a:To><a:RelatesTo>{escape(req.message_id)}</a:RelatesTo>"
        f"</s:Header><s:Body>{body}</s:Body></s:Envelope>"
    ).encode()


_NS_BASIC = (
    f'xmlns:s="{NS["s"]}" xmlns:a="{NS["a"]}" xmlns:w="{NS["w"]}" xmlns:rsp="{NS["rsp"]}" xmlns:p="{NS["p"]}"'
)
_NS_TRANSFER = (
    f'xmlns:s="{NS["s"]}" xmlns:a="{NS["a"]}" xmlns:x="{NS["x"]}" xmlns:w="{NS["w"]}" '
    f'xmlns:rsp="{NS["rsp"]}" xmlns:p="{NS["p"]}"'
)
_NS_DELETE = f'xmlns:s="{NS["s"]}" xmlns:a="{NS["a"]}" xmlns:w="{NS["w"]}" xmlns:p="{NS["p"]}"'
_NS_FAULT = (
    f'xmlns:s="{NS["s"]}" xmlns:a="{NS["a"]}" xmlns:x="{NS["x"]}" '
    'xmlns:e="http://schemas.xmlsoap.org/ws/2004/08/eventing" '
    'xmlns:n="http://schemas.xmlsoap.org/ws/2004/09/enumeration" '
    f'xmlns:w="{NS["w"]}" xmlns:p="{NS["p"]}"'
)


@dataclass
class ShellInfo:
    shell_id: str
    resource_uri: str
    owner: str
    client_ip: str
    input_streams: str
    output_streams: str
    process_id: int = 0
    psrp: bool = True


def create_response(req: Request, shell: ShellInfo, address: str) -> bytes:
    sid = escape(shell.shell_id)
    psrp_fields = (
        f"<rsp:ProcessId>{shell.process_id}</rsp:ProcessId>" if shell.psrp else ""
    )
    tail = (
        "<rsp:MaxIdleTimeOut>PT2147483.647S</rsp:MaxIdleTimeOut><rsp:Locale>en-US</rsp:Locale>"
        "<rsp:DataLocale>en-US</rsp:DataLocale><rsp:CompressionMode>NoCompression</rsp:CompressionMode>"
        "<rsp:ProfileLoaded>Yes</rsp:ProfileLoaded><rsp:Encoding>UTF8</rsp:Encoding>"
        "<rsp:BufferMode>Block</rsp:BufferMode><rsp:State>Connected</rsp:State>"
        if shell.psrp
        else ""
    )
    body = (
        f"<x:ResourceCreated><a:Address>{escape(address)}</a:Address><a:ReferenceParameters>"
        f"<w:ResourceURI>{escape(shell.resource_uri)}</w:ResourceURI>"
        f'<w:SelectorSet><w:Selector Name="ShellId">{sid}</w:Selector></w:SelectorSet>'
        f"</a:ReferenceParameters></x:ResourceCreated>"
        f'<rsp:Shell xmlns:rsp="{NS["rsp"]}"><rsp:ShellId>{sid}</rsp:ShellId>'
        f"<rsp:ResourceUri>{escape(shell.resource_uri)}</rsp:ResourceUri>"
        f"<rsp:Owner>{escape(shell.owner)}</rsp:Owner><rsp:ClientIP>{escape(shell.client_ip)}</rsp:ClientIP>"
        f"{psrp_fields}<rsp:IdleTimeOut>PT7200.000S</rsp:IdleTimeOut>"
        f"<rsp:InputStreams>{escape(shell.input_streams)}</rsp:InputStreams>"
        f"<rsp:OutputStreams>{escape(shell.output_streams)}</rsp:OutputStreams>{tail}"
        "<rsp:ShellRunTime>P0DT0H0M0S</rsp:ShellRunTime><rsp:ShellInactivity>P0DT0H0M0S</rsp:ShellInactivity>"
        "</rsp:Shell>"
    )
    return _envelope(req, TRANSFER + "CreateResponse", body, _NS_TRANSFER)


def command_response(req: Request, command_id: str) -> bytes:
    body = f"<rsp:CommandResponse><rsp:CommandId>{escape(command_id)}</rsp:CommandId></rsp:CommandResponse>"
    return _envelope(req, SHELL + "CommandResponse", body, _NS_TRANSFER)


@dataclass
class Stream:
    name: str
    data: bytes
    end: bool = False


@dataclass
class ReceiveResult:
    streams: list[Stream] = field(default_factory=list)
    command_id: str | None = None
    done: bool = False
    exit_code: int = 0


def receive_response(req: Request, result: ReceiveResult) -> bytes:
    import base64

    cid = f" CommandId={quoteattr(result.command_id)}" if result.command_id else ""
    parts = []
    for stream in result.streams:
        end = ' End="true"' if stream.end else ""
        parts.append(
            f"<rsp:Stream Name={quoteattr(stream.name)}{cid}{end}>{base64.b64encode(stream.data).decode()}</rsp:Stream>"
        )
    if result.command_id and result.done:
        parts.append(
            f'<rsp:CommandState{cid} State="{COMMAND_DONE}"><rsp:ExitCode>{result.exit_code}</rsp:ExitCode>'
            "</rsp:CommandState>"
        )
    body = f"<rsp:ReceiveResponse>{''.join(parts)}</rsp:ReceiveResponse>"
    return _envelope(req, SHELL + "ReceiveResponse", body, _NS_BASIC)


def send_response(req: Request) -> bytes:
    return _envelope(req, SHELL + "SendResponse", "<rsp:SendResponse/>", _NS_TRANSFER)


def signal_response(req: Request) -> bytes:
    return _envelope(req, SHELL + "SignalResponse", "<rsp:SignalResponse/>", _NS_TRANSFER)


def delete_response(req: Request) -> bytes:
    return _envelope(req, TRANSFER + "DeleteResponse", "", _NS_DELETE)


def fault(req: Request, *, code: str, subcode: str, reason: str, wsman_code: int, machine: str,
          detail: str | None = None) -> bytes:
    detail_xml = f"<w:FaultDetail>{escape(detail)}</w:FaultDetail>" if detail else ""
    text = escape(reason)
    body = (
        f"<s:Fault><s:Code><s:Value>s:{code}</s:Value><s:Subcode><s:Value>w:{subcode}</s:Value></s:Subcode>"
        f'</s:Code><s:Reason><s:Text xml:lang="en-US">{text}</s:Text></s:Reason><s:Detail>{detail_xml}'
        f'<f:WSManFault xmlns:f="{NS["f"]}" Code="{wsman_code}" Machine={quoteattr(machine)}>'
        f"<f:Message>{text}</f:Message></f:WSManFault></s:Detail></s:Fault>"
    )
    return _envelope(req, "http://schemas.dmtf.org/wbem/wsman/1/wsman/fault", body, _NS_FAULT, activity=False)


def timed_out(req: Request, machine: str) -> bytes:
    return fault(
        req, code="Receiver", subcode="TimedOut", wsman_code=FAULT_TIMED_OUT, machine=machine,
        reason="The WS-Management service cannot complete the operation within the time specified in "
        "OperationTimeout.  ",
    )


def unknown_shell(req: Request, machine: str) -> bytes:
    return fault(
        req, code="Sender", subcode="InvalidSelectors", wsman_code=FAULT_UNKNOWN_SHELL, machine=machine,
        detail="http://schemas.dmtf.org/wbem/wsman/1/wsman/faultDetail/UnexpectedSelectors",
        reason="The WS-Management service cannot process the request because the request contained invalid "
        "selectors for the resource. ",
    )


def action_not_supported(req: Request, machine: str) -> bytes:
    return fault(
        req, code="Sender", subcode="ActionNotSupported", wsman_code=FAULT_ACTION_NOT_SUPPORTED, machine=machine,
        detail="http://schemas.dmtf.org/wbem/wsman/1/wsman/faultDetail/ActionMismatch",
        reason="The WS-Management service cannot process the request because the action is not supported. ",
    )
