"""Remote shells of the simulated host: PowerShell runspace pools (PSRP via psrpcore) and cmd shells (WinRS).

A PSRP shell is a ``ServerRunspacePool``: the Create's ``creationXml`` carries SESSION_CAPABILITY and
INIT_RUNSPACEPOOL; a Command carries CREATE_PIPELINE (continued by Send when it does not fit one envelope). The
pipeline's script is answered by the simulated host at once; its output, the pipeline state and the pool messages wait
in per-target queues until the client Receives them.
"""

from __future__ import annotations

import base64
import shlex
import uuid
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from conncheck.lab.hosts import Answer, SimHost
from conncheck.lab.wsman import ReceiveResult, Stream
from psrpcore import PSRPPayload, ServerPipeline, ServerRunspacePool, StreamType
from psrpcore.types import ErrorCategory, ErrorCategoryInfo, ErrorRecord, NETException, PSInvocationState


def _script_of(metadata: Any) -> str:
    """The script text of a CREATE_PIPELINE: each command's text (scripts and cmdlets alike), one per line; for
    ``Invoke-Expression -Command <script>`` (how pypsrp's ``Client.execute_ps`` sends a script) the script it runs."""
    commands = getattr(metadata, "commands", None) or []
    return "\n".join(_command_text(cmd) for cmd in commands)


def _command_text(command: Any) -> str:
    text = str(getattr(command, "command_text", ""))
    if text.lower() == "invoke-expression":
        for name, value in getattr(command, "parameters", []):
            if name is None or name.lower() == "command":
                return str(value)
    return text


@dataclass
class PsrpShell:
    shell_id: str
    host: SimHost
    pool: ServerRunspacePool = field(default_factory=ServerRunspacePool)
    queues: dict[uuid.UUID | None, deque[PSRPPayload]] = field(default_factory=dict)
    finished: set[uuid.UUID] = field(default_factory=set)
    scripts: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        # psrpcore learns the pool id from SESSION_CAPABILITY; set it from the ShellId first, as Windows does, or
        # replies carry an all-zero RPID.
        self.pool.runspace_pool_id = uuid.UUID(self.shell_id)

    def feed(self, data: bytes, pipeline_id: uuid.UUID | None = None) -> None:
        self.pool.receive_data(PSRPPayload(data, StreamType.default, pipeline_id))
        while True:
            event = self.pool.next_event()
            if event is None:
                break
            if type(event).__name__ == "CreatePipelineEvent":
                self._run(event.pipeline_id)
        self._drain()

    def new_pipeline(self, command_id: str, data: bytes) -> None:
        pid = uuid.UUID(command_id)
        ServerPipeline(self.pool, pid)
        self.feed(data, pid)

    def _run(self, pipeline_id: uuid.UUID) -> None:
        pipeline = self.pool.pipeline_table[pipeline_id]
        script = _script_of(pipeline.metadata)
        self.scripts.append(script)
        if self.host.faults.operation_timeout:
            pipeline.start()
            return
        answer: Answer = self.host.answer(script)
        pipeline.start()
        for line in answer.output:
            pipeline.write_output(line)
        if answer.error is None:
            pipeline.complete()
        else:
            record = ErrorRecord(
                Exception=NETException(Message=answer.error),
                CategoryInfo=ErrorCategoryInfo(Category=ErrorCategory.NotSpecified, Reason="RuntimeException"),
                FullyQualifiedErrorId=answer.error_id,
            )
            pipeline._change_state(PSInvocationState.Failed, error=record)
        self.finished.add(pipeline_id)

    def _drain(self) -> None:
        while True:
            payload = self.pool.data_to_send()
            if payload is None:
                return
            self.queues.setdefault(payload.pipeline_id, deque()).append(payload)

    def receive(self, command_id: str | None) -> ReceiveResult | None:
        """Queued output for the pool (no command id) or one pipeline; None when there is nothing yet."""
        pid = uuid.UUID(command_id) if command_id else None
        queue = self.queues.get(pid) or deque()
        streams = []
        while queue:
            payload = queue.popleft()
            name = "pr" if payload.stream_type == StreamType.prompt_response else "stdout"
            streams.append(Stream(name, payload.data))
        done = pid is not None and pid in self.finished
        if not streams and not done:
            return None
        if done and pid is not None:
            self.finished.discard(pid)
            pipeline = self.pool.pipeline_table.get(pid)
            if pipeline is not None:
                pipeline.close()
        return ReceiveResult(streams, command_id, done)

    def signal(self, command_id: str | None) -> None:
        if not command_id:
            return
        pipeline = self.pool.pipeline_table.get(uuid.UUID(command_id))
        if pipeline is not None and pipeline.state == PSInvocationState.Running:
            pipeline.stop()
            self._drain()
            self.queues.pop(pipeline.pipeline_id, None)
        if pipeline is not None:
            pipeline.close()


@dataclass
class CmdShell:
    """A WinRS cmd shell: enough of cmd.exe to run ``powershell -EncodedCommand`` and a few read-only commands."""

    shell_id: str
    host: SimHost
    results: dict[str, ReceiveResult] = field(default_factory=dict)

    def run(self, command: str, arguments: list[str]) -> str:
        command_id = str(uuid.uuid4()).upper()
        words = [command, *arguments]
        if len(words) == 1:
            words = shlex.split(command, posix=False) or [""]
        exe = words[0].lower().removesuffix(".exe")
        stdout, stderr, code = b"", b"", 0
        if exe == "hostname":
            stdout = self.host.name.split(".")[0].upper().encode() + b"\r\n"
        elif exe == "powershell" and len(words) >= 3 and words[-2].lower() in ("-encodedcommand", "-e", "-enc"):
            script = base64.b64decode(words[-1]).decode("utf-16-le")
            answer = self.host.answer(script)
            stdout = "".join(line + "\r\n" for line in answer.output).encode()
            if answer.error:
                stderr, code = answer.error.encode() + b"\r\n", 1
        else:
            stderr = f"'{words[0]}' is not recognized as an internal or external command,\r\n".encode()
            code = 1
        streams = [Stream("stdout", stdout), Stream("stdout", b"", True), Stream("stderr", stderr, True)]
        self.results[command_id] = ReceiveResult(streams, command_id, True, code)
        return command_id

    def receive(self, command_id: str | None) -> ReceiveResult | None:
        return self.results.pop(command_id or "", None)
