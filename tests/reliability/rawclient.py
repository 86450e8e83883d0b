"""Raw stdio clients for `tandem serve` (Content-Length frames) and `tandem acp` (NDJSON), byte for byte.

No LSP or ACP library in between: the tests decide every byte that is sent, including broken ones, and a reader
thread checks that everything the server writes back is well framed and well formed. Requests from the server
(workspace/codeLens/refresh, permission prompts) are answered at once so it never waits on us."""

from __future__ import annotations

import itertools
import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, ClassVar

import psutil

WAIT = 30.0


class ProtocolViolation(AssertionError):
    """The server wrote something that is not a well-formed JSON-RPC message."""


class RawClient:
    """One server process on pipes. Subclasses frame and unframe messages."""

    argv: ClassVar[list[str]] = []
    keep_sequence = True  # the fuzzers turn it off: their books are kept by id

    def __init__(self, env: dict[str, str], cwd: Path, stderr_path: Path | None = None,
                 answer: Callable[[dict[str, Any]], Any] | None = None) -> None:
        self.stderr_file = open(stderr_path, "wb") if stderr_path else subprocess.DEVNULL
        self.proc = subprocess.Popen([sys.executable, "-m", "tandem", *self.argv], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=self.stderr_file, env=env, cwd=cwd, bufsize=0)
        self.ps = psutil.Process(self.proc.pid)
        self.answer = answer or (lambda msg: None)
        self.cond = threading.Condition()
        self.responses: dict[str, list[dict[str, Any]]] = {}  # json.dumps(id) -> responses with that id
        self.null_errors: list[dict[str, Any]] = []  # error responses with id null (parse errors, invalid requests)
        self.notifications: list[dict[str, Any]] = []
        self.server_requests: list[dict[str, Any]] = []
        self.violations: list[str] = []
        self.received = 0
        self.sequence: list[dict[str, Any]] = []  # everything from the server, in order (requests to us aside)
        self.closed = False
        self._wlock = threading.Lock()
        self._ids = itertools.count(1)
        self._reader = threading.Thread(target=self._read_loop, name="raw-client-reader", daemon=True)
        self._reader.start()

    # ---- framing (subclasses) ----------------------------------------------------------------------

    def frame(self, body: bytes) -> bytes:
        raise NotImplementedError

    def _read_messages(self, stream: Any):
        raise NotImplementedError

    # ---- sending -----------------------------------------------------------------------------------

    def write(self, data: bytes) -> None:
        with self._wlock:
            self.proc.stdin.write(data)

    def send(self, message: Any) -> None:
        body = message if isinstance(message, bytes) else json.dumps(message).encode()
        self.write(self.frame(body))

    def next_id(self) -> str:
        return f"t-{next(self._ids)}"

    def request(self, method: str, params: Any = None, timeout: float = WAIT) -> dict[str, Any]:
        """Send a request and wait for its response (the whole message: result or error)."""
        msg_id = self.next_id()
        message = {"jsonrpc": "2.0", "id": msg_id, "method": method}
        if params is not None:
            message["params"] = params
        self.send(message)
        return self.wait_response(msg_id, timeout)

    def result(self, method: str, params: Any = None, timeout: float = WAIT) -> Any:
        response = self.request(method, params, timeout)
        if "error" in response:
            raise AssertionError(f"{method} failed: {response['error']}")
        return response["result"]

    def notify(self, method: str, params: Any = None) -> None:
        message = {"jsonrpc": "2.0", "method": method}
        if params is not None:
            message["params"] = params
        self.send(message)

    def wait_response(self, msg_id: Any, timeout: float = WAIT) -> dict[str, Any]:
        key = json.dumps(msg_id)
        with self.cond:
            if not self.cond.wait_for(lambda: key in self.responses or self.closed, timeout):
                raise TimeoutError(f"no response to {msg_id!r} in {timeout} s (server alive: {self.alive})")
            if key not in self.responses:
                raise ConnectionError(f"the server's output ended before answering {msg_id!r} "
                                      f"(exit code {self.proc.poll()})")
            return self.responses[key][0]

    def wait_for(self, predicate: Callable[[], Any], timeout: float = WAIT) -> Any:
        with self.cond:
            value = self.cond.wait_for(predicate, timeout)
        if not value:
            raise TimeoutError("condition not met in time")
        return value

    # ---- receiving ---------------------------------------------------------------------------------

    def _read_loop(self) -> None:
        try:
            for body in self._read_messages(self.proc.stdout):
                try:
                    message = json.loads(body)
                except ValueError as e:
                    self._violation(f"not JSON: {e}: {body[:200]!r}")
                    continue
                self._handle(message)
        except ProtocolViolation as e:
            self._violation(str(e))
        finally:
            with self.cond:
                self.closed = True
                self.cond.notify_all()

    def _violation(self, what: str) -> None:
        with self.cond:
            self.violations.append(what)
            self.cond.notify_all()

    def _handle(self, message: Any) -> None:
        problem = _check_message(message)
        if problem:
            self._violation(f"{problem}: {json.dumps(message)[:300]}")
            return
        if "method" in message and "id" in message:  # a request from the server: answer it at once
            self.server_requests.append(message)
            self.send({"jsonrpc": "2.0", "id": message["id"], "result": self.answer(message)})
            return
        with self.cond:
            self.received += 1
            if self.keep_sequence:
                self.sequence.append(message)
            if "method" in message:
                self.notifications.append(message)
            elif message["id"] is None:
                self.null_errors.append(message)
            else:
                self.responses.setdefault(json.dumps(message["id"]), []).append(message)
            self.cond.notify_all()

    # ---- the process -------------------------------------------------------------------------------

    @property
    def alive(self) -> bool:
        return self.proc.poll() is None

    def rss_mib(self) -> float:
        return self.ps.memory_info().rss / 2**20

    def close_stdin(self) -> None:
        try:
            self.proc.stdin.close()
        except OSError:
            pass

    def stop(self, timeout: float = 10) -> int | None:
        self.close_stdin()
        try:
            code = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            code = self.proc.wait(5)
        self._reader.join(5)
        if self.stderr_file is not subprocess.DEVNULL:
            self.stderr_file.close()
        return code


def _check_message(message: Any) -> str | None:
    """Why `message` is not a JSON-RPC 2.0 message a client can handle, or None."""
    if not isinstance(message, dict):
        return "not an object"
    if message.get("jsonrpc") != "2.0":
        return "jsonrpc is not 2.0"
    if "method" in message:
        if not isinstance(message["method"], str):
            return "method is not a string"
        if "id" in message and not isinstance(message["id"], (int, str)):
            return "a request's id is not an integer or a string"
        return None
    if "id" not in message:
        return "neither a request, a notification nor a response"
    if ("result" in message) == ("error" in message):
        return "a response needs exactly one of result and error"
    if "error" in message:
        error = message["error"]
        if not isinstance(error, dict) or not isinstance(error.get("code"), int) or \
                not isinstance(error.get("message"), str):
            return "malformed error object"
    elif message["id"] is None:
        return "a result with id null"
    return None


class LspClient(RawClient):
    """`tandem serve`: `Content-Length: N\\r\\n\\r\\n` + N bytes of JSON."""

    argv: ClassVar[list[str]] = ["serve"]

    def frame(self, body: bytes) -> bytes:
        return b"Content-Length: %d\r\n\r\n%s" % (len(body), body)

    def _read_messages(self, stream: Any):
        buffer = b""
        while True:
            while (end := buffer.find(b"\r\n\r\n")) < 0:
                data = stream.read(65536) if hasattr(stream, "read") else b""
                if not data:
                    if buffer:
                        raise ProtocolViolation(f"output ended inside a header: {buffer[:200]!r}")
                    return
                buffer += data
            length = None
            for line in buffer[:end].split(b"\r\n"):
                name, _, value = line.partition(b":")
                if name.strip().lower() == b"content-length":
                    length = int(value)
                elif name.strip().lower() != b"content-type":
                    raise ProtocolViolation(f"unexpected header line {line[:200]!r}")
            if length is None:
                raise ProtocolViolation(f"a header without Content-Length: {buffer[:end][:200]!r}")
            while len(buffer) < end + 4 + length:
                data = stream.read(max(65536, end + 4 + length - len(buffer)))
                if not data:
                    raise ProtocolViolation("output ended inside a message body")
                buffer += data
            yield buffer[end + 4:end + 4 + length]
            buffer = buffer[end + 4 + length:]

    def initialize(self, root: Path, acp: dict[str, Any] | None = None) -> dict[str, Any]:
        result = self.result("initialize", {"processId": os.getpid(), "rootUri": root.as_uri(), "capabilities": {
            "workspace": {"applyEdit": True}}, "initializationOptions": {"acp": acp or {"protocolVersion": 1}}})
        self.notify("initialized", {})
        return result

    def shutdown(self) -> int | None:
        try:
            self.request("shutdown", None, timeout=10)
            self.notify("exit", None)
        except (TimeoutError, ConnectionError, OSError):
            pass
        return self.stop()


class AcpClient(RawClient):
    """`tandem acp`: one JSON message a line."""

    argv: ClassVar[list[str]] = ["acp"]

    def frame(self, body: bytes) -> bytes:
        return body + b"\n"

    def _read_messages(self, stream: Any):
        for line in iter(stream.readline, b""):
            if not line.endswith(b"\n"):
                raise ProtocolViolation(f"a line without its newline: {line[:200]!r}")
            yield line

    def initialize(self, capabilities: dict[str, Any] | None = None) -> dict[str, Any]:
        return self.result("initialize", {"protocolVersion": 1, "clientCapabilities": capabilities or {}})


def rss_of(pid: int) -> float:
    return psutil.Process(pid).memory_info().rss / 2**20


def settle(seconds: float = 0.2) -> None:
    time.sleep(seconds)
