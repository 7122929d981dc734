"""WS-Management messages of the Windows Remote Shell (MS-WSMV), as WinRM exchanges them.

``parse`` reads a request envelope (action, shell id, body); the ``*_response`` functions
build the replies a Windows host sends for Create, Command, Receive, Send, Signal and
Delete, and ``fault`` its SOAP faults (2150858793 is the Receive timeout clients retry on).
"""

from __future__ import annotations

import base64
import uuid
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from xml.sax.saxutils import escape, quoteattr

NS = {
    "s": "http://www.w3.org/2003/05/soap-envelope",
    "a": "http://schemas.xmlsoap.org/ws/2004/08/addressing",
    "w": "http://schemas.dmtf.org/wbem/wsman/1/wsman.xsd",
    "rsp": "http://schemas.microsoft.com/wbem/wsman/1/windows/shell",
    "x": "http://schemas.xmlsoap.org/ws/2004/09/transfer",
    "p": "http://schemas.microsoft.com/wbem/wsman/1/wsman.xsd",
    "f": "http://schemas.microsoft.com/wbem/wsman/1/wsmanfault",
}
SHELL = "http://schemas.microsoft.com/wbem/wsman/1/windows/shell"
TRANSFER = "http://schemas.xmlsoap.org/ws/2004/09/transfer"
ACTIONS = {
    f"{TRANSFER}/Create": "create", f"{TRANSFER}/Delete": "delete",
    f"{SHELL}/Command": "command", f"{SHELL}/Receive": "receive", f"{SHELL}/Send": "send",
    f"{SHELL}/Signal": "signal",
}
TIMED_OUT = 2150858793
INVALID_SELECTORS = 2150858843
QUOTA_LIMIT = 2150859174


class WsmanError(Exception):
    def __init__(self, code: int, subcode: str, message: str):
        super().__init__(message)
        self.code, self.subcode, self.message = code, subcode, message


@dataclass
class Request:
    action: str  # create, delete, command, receive, send, signal (or the URI if unknown)
    message_id: str
    shell_id: str
    options: dict[str, str]
    body: ET.Element | None
    timeout: float  # OperationTimeout, seconds


def _duration(text: str | None) -> float:
    if not text or not text.startswith("PT") or not text.endswith("S"):
        return 20.0
    try:
        return float(text[2:-1])
    except ValueError:
        return 20.0


def parse(data: bytes) -> Request:
    try:
        root = ET.fromstring(data)
    except ET.ParseError as error:
        raise WsmanError(0, "w:SchemaValidationError", f"The request is not XML: {error}") \
            from None
    header = root.find("s:Header", NS)
    body = root.find("s:Body", NS)
    if header is None:
        raise WsmanError(0, "w:SchemaValidationError", "The SOAP envelope has no Header.")
    action = (header.findtext("a:Action", "", NS) or "").strip()
    shell_id = ""
    for selector in header.iterfind("w:SelectorSet/w:Selector", NS):
        if selector.get("Name") == "ShellId":
            shell_id = (selector.text or "").strip()
    options = {o.get("Name", ""): (o.text or "") for o in header.iterfind("w:OptionSet/w:Option",
                                                                         NS)}
    return Request(ACTIONS.get(action, action), header.findtext("a:MessageID", "", NS).strip(),
                   shell_id, options, body,
                   _duration(header.findtext("w:OperationTimeout", None, NS)))


def shell_settings(request: Request) -> tuple[dict[str, str], str, int]:
    """(environment, working directory, codepage) of a Create request."""
    shell = request.body.find("rsp:Shell", NS) if request.body is not None else None
    env = {}
    directory = ""
    if shell is not None:
        for variable in shell.iterfind("rsp:Environment/rsp:Variable", NS):
            env[variable.get("Name", "")] = variable.text or ""
        directory = shell.findtext("rsp:WorkingDirectory", "", NS)
    try:
        codepage = int(request.options.get("WINRS_CODEPAGE") or 437)
    except ValueError:
        codepage = 437
    return env, directory, codepage


def command_line(request: Request) -> str:
    line = request.body.find("rsp:CommandLine", NS) if request.body is not None else None
    if line is None:
        raise WsmanError(0, "w:SchemaValidationError", "The Command request has no CommandLine.")
    command = line.findtext("rsp:Command", "", NS) or ""
    arguments = [a.text or "" for a in line.iterfind("rsp:Arguments", NS)]
    return " ".join([command, *arguments]) if arguments else command


def command_id(request: Request, element: str) -> str:
    node = request.body.find(f"rsp:{element}", NS) if request.body is not None else None
    if node is None:
        return ""
    if element == "Receive":
        stream = node.find("rsp:DesiredStream", NS)
        return stream.get("CommandId", "") if stream is not None else ""
    if element == "Send":
        stream = node.find("rsp:Stream", NS)
        return stream.get("CommandId", "") if stream is not None else ""
    return node.get("CommandId", "")


def stdin_of(request: Request) -> tuple[bytes, bool]:
    stream = request.body.find("rsp:Send/rsp:Stream", NS)
    data = base64.b64decode(stream.text or "") if stream is not None else b""
    return data, stream is not None and stream.get("End", "").lower() == "true"


def signal_code(request: Request) -> str:
    return (request.body.findtext("rsp:Signal/rsp:Code", "", NS) or "").rsplit("/", 1)[-1]


def _envelope(action: str, relates_to: str, body: str) -> bytes:
    namespaces = " ".join(f"xmlns:{k}={quoteattr(v)}" for k, v in NS.items())
    return (f'<s:Envelope xml:lang="en-US" {namespaces}><s:Header>'
            f"<a:Action>{escape(action)}</a:Action>"
            f"<a:MessageID>uuid:{str(uuid.uuid4()).upper()}</a:MessageID>"
            "<a:To>http://schemas.xmlsoap.org/ws/2004/08/addressing/role/anonymous</a:To>"
            f"<a:RelatesTo>{escape(relates_to)}</a:RelatesTo>"
            f"</s:Header><s:Body>{body}</s:Body></s:Envelope>").encode()


def create_response(request: Request, shell_id: str, address: str) -> bytes:
    return _envelope(f"{TRANSFER}/CreateResponse", request.message_id, (
        f"<x:ResourceCreated><a:Address>{escape(address)}</a:Address><a:ReferenceParameters>"
        f"<w:ResourceURI>{SHELL}/cmd</w:ResourceURI><w:SelectorSet>"
        f'<w:Selector Name="ShellId">{shell_id}</w:Selector></w:SelectorSet>'
        "</a:ReferenceParameters></x:ResourceCreated>"
        f"<rsp:Shell><rsp:ShellId>{shell_id}</rsp:ShellId>"
        f"<rsp:ResourceUri>{SHELL}/cmd</rsp:ResourceUri><rsp:Owner>Administrator</rsp:Owner>"
        "<rsp:InputStreams>stdin</rsp:InputStreams>"
        "<rsp:OutputStreams>stdout stderr</rsp:OutputStreams></rsp:Shell>"))


def command_response(request: Request, command: str) -> bytes:
    return _envelope(f"{SHELL}/CommandResponse", request.message_id,
                     f"<rsp:CommandResponse><rsp:CommandId>{command}</rsp:CommandId>"
                     "</rsp:CommandResponse>")


def receive_response(request: Request, command: str, stdout: bytes, stderr: bytes,
                     exit_code: int | None) -> bytes:
    streams = []
    for name, data in (("stdout", stdout), ("stderr", stderr)):
        if data:
            streams.append(f'<rsp:Stream Name="{name}" CommandId="{command}">'
                           f"{base64.b64encode(data).decode()}</rsp:Stream>")
    if exit_code is not None:
        streams += [f'<rsp:Stream Name="{n}" CommandId="{command}" End="true"></rsp:Stream>'
                    for n in ("stdout", "stderr")]
        state = (f'<rsp:CommandState CommandId="{command}" State="{SHELL}/CommandState/Done">'
                 f"<rsp:ExitCode>{exit_code}</rsp:ExitCode></rsp:CommandState>")
    else:
        state = (f'<rsp:CommandState CommandId="{command}" '
                 f'State="{SHELL}/CommandState/Running"></rsp:CommandState>')
    return _envelope(f"{SHELL}/ReceiveResponse", request.message_id,
                     f"<rsp:ReceiveResponse>{''.join(streams)}{state}</rsp:ReceiveResponse>")


def send_response(request: Request) -> bytes:
    return _envelope(f"{SHELL}/SendResponse", request.message_id, "<rsp:SendResponse/>")


def signal_response(request: Request) -> bytes:
    return _envelope(f"{SHELL}/SignalResponse", request.message_id, "<rsp:SignalResponse/>")


def delete_response(request: Request) -> bytes:
    return _envelope(f"{TRANSFER}/DeleteResponse", request.message_id, "")


def fault(relates_to: str, error: WsmanError, machine: str) -> bytes:
    subcode = error.subcode or "w:InternalError"
    detail = ""
    if error.code:
        detail = (f'<s:Detail><f:WSManFault Code="{error.code}" Machine={quoteattr(machine)}>'
                  f"<f:Message>{escape(error.message)}</f:Message></f:WSManFault></s:Detail>")
    return _envelope("http://schemas.dmtf.org/wbem/wsman/1/wsman/fault", relates_to, (
        f"<s:Fault><s:Code><s:Value>s:Receiver</s:Value><s:Subcode><s:Value>{subcode}"
        f'</s:Value></s:Subcode></s:Code><s:Reason><s:Text xml:lang="en-US">'
        f"{escape(error.message)}</s:Text></s:Reason>{detail}</s:Fault>"))
