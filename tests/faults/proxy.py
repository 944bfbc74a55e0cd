"""A faulty JSON-RPC proxy on loopback, in front of a real node: it forwards every request and, for the
requests a fault matches (by method, after `skip` of them, `count` times), misbehaves the way networks and nodes
do. Every request is logged with what was done to it, so a test can tell what reached the node."""

from __future__ import annotations

import contextlib
import json
import socket
import threading
import time
from dataclasses import dataclass, field
from enum import StrEnum
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import requests


class Kind(StrEnum):
    DELAY = "delay"  # forward after `seconds`, then answer
    DROP_BEFORE = "drop_before"  # close the connection; the node never sees the request
    DROP_AFTER = "drop_after"  # forward, then close the connection: the answer is lost
    HTTP_502 = "http_502"  # forward, then answer HTTP 502 (a gateway losing the answer)
    HANG = "hang"  # never answer and do not forward (until the proxy stops)
    MALFORMED = "malformed"  # forward, then answer with broken JSON
    UNKNOWN = "unknown"  # do not forward; answer "Method not found", as a node without the method does
    SLOW_ANSWER = "slow_answer"  # forward, then answer after `seconds`: done on the node, not yet known to the client


# Methods faulted and logged as another: both hand signed bytes to the node (the Sync one, EIP-7966, answers with
# the receipt), and RpcChain uses whichever the node has, so a test of "the send" covers both.
SAME_AS = {"eth_sendRawTransactionSync": "eth_sendRawTransaction"}


@dataclass
class Fault:
    method: str  # a JSON-RPC method, or "*" for every one
    kind: Kind
    count: int = 1  # how many matching requests it hits
    skip: int = 0  # matching requests let through before it starts
    seconds: float = 0.0  # for DELAY and SLOW_ANSWER
    then_down: bool = False  # after hitting, the node is gone: every later request fails as `down_as` says
    down_as: Kind = Kind.DROP_BEFORE  # once gone: dropped unanswered, or HANG (a node that never answers)
    seen: int = 0

    def hits(self, method: str, sent_as: str = "") -> bool:
        if self.method not in ("*", method, sent_as):
            return False
        self.seen += 1
        return self.skip < self.seen <= self.skip + self.count


@dataclass
class Logged:
    method: str
    params: Any
    fault: Kind | None
    forwarded: bool
    sent_as: str = ""  # the method as sent, where `method` is its SAME_AS


@dataclass
class FaultyProxy:
    """`with FaultyProxy(upstream) as proxy:` listens on `proxy.url`; `proxy.inject(...)` adds a fault."""

    upstream: str
    faults: list[Fault] = field(default_factory=list)
    log: list[Logged] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._down: Kind | None = None  # once a fault took the node down: how every request fails
        self._held = 0  # DELAY requests not forwarded yet
        self._forwarded_all = threading.Condition(self._lock)
        self._session = requests.Session()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self._server.daemon_threads = True
        # stop() waits for the serving loop to look at its flag: every 20 ms, not the default half second.
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.02,), daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def inject(
        self,
        method: str,
        kind: Kind,
        count: int = 1,
        skip: int = 0,
        seconds: float = 0.0,
        then_down: bool = False,
        down_as: Kind = Kind.DROP_BEFORE,
    ) -> Fault:
        fault = Fault(method, kind, count, skip, seconds, then_down, down_as)
        with self._lock:
            self.faults.append(fault)
        return fault

    def clear(self) -> None:
        with self._lock:
            self.faults.clear()
            self.log.clear()
            self._down = None

    def forwarded(self, method: str) -> list[Any]:
        """The params of every `method` request that reached the node."""
        return [entry.params for entry in self.log if entry.method == method and entry.forwarded]

    def wait_held(self, timeout: float = 30.0) -> None:
        """Until every request held back (DELAY) has reached the node: one the client gave up on may land after the
        run ended, e.g. after a test reverted the node to a snapshot, where it would be a transaction of no run."""
        with self._forwarded_all:
            assert self._forwarded_all.wait_for(lambda: self._held == 0, timeout), "a held-back request never went on"

    def start(self) -> FaultyProxy:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> FaultyProxy:
        return self.start()

    def __exit__(self, *_: object) -> None:  # stopped however the block ended
        self.stop()

    # --- one request --------------------------------------------------------------------------------------------
    def _fault_for(self, method: str, sent_as: str) -> Fault | None:
        with self._lock:
            if self._down is not None:
                return Fault("*", self._down)
            for fault in self.faults:
                if fault.hits(method, sent_as):
                    self._down = fault.down_as if fault.then_down else None
                    return fault
        return None

    def _forward(self, body: bytes) -> tuple[int, bytes]:
        reply = self._session.post(self.upstream, data=body, headers={"Content-Type": "application/json"}, timeout=60)
        return reply.status_code, reply.content

    def handle(self, request: BaseHTTPRequestHandler, body: bytes) -> None:
        try:
            payload = json.loads(body)
        except ValueError:
            payload = {}
        method = str(payload.get("method", "?")) if isinstance(payload, dict) else "batch"
        sent_as, method = method, SAME_AS.get(method, method)
        params = payload.get("params") if isinstance(payload, dict) else payload
        fault = self._fault_for(method, sent_as)
        kind = fault.kind if fault is not None else None
        entry = Logged(method, params, kind, kind not in (Kind.DROP_BEFORE, Kind.HANG, Kind.UNKNOWN), sent_as)
        with self._lock:
            self.log.append(entry)
            self._held += kind is Kind.DELAY  # counted as it is logged: a test that saw it hit also waits for it
        if kind is Kind.DROP_BEFORE:
            _drop(request)
            return
        if kind is Kind.HANG:
            self._stopping.wait()
            _drop(request)
            return
        if kind is Kind.UNKNOWN:
            request_id = payload.get("id") if isinstance(payload, dict) else None
            error = {"code": -32601, "message": "Method not found"}
            _answer(request, 200, json.dumps({"jsonrpc": "2.0", "id": request_id, "error": error}).encode())
            return
        if kind is Kind.DELAY:  # held back, then forwarded: it may reach the node after the client gave up
            assert fault is not None
            try:
                time.sleep(fault.seconds)
                status, answer = self._forward(body)
            finally:
                with self._forwarded_all:
                    self._held -= 1
                    self._forwarded_all.notify_all()
        else:
            status, answer = self._forward(body)
        if kind is Kind.SLOW_ANSWER:
            assert fault is not None
            time.sleep(fault.seconds)
        if kind is Kind.DROP_AFTER:
            _drop(request)
            return
        elif kind is Kind.HTTP_502:
            status, answer = 502, b"<html><body>502 Bad Gateway</body></html>"
        elif kind is Kind.MALFORMED:
            answer = answer[: len(answer) // 2] or b"{"
        _answer(request, status, answer)


def _answer(request: BaseHTTPRequestHandler, status: int, answer: bytes) -> None:
    with contextlib.suppress(OSError):  # the client may have given up waiting (a DELAY past its timeout)
        request.send_response(status)
        request.send_header("Content-Type", "application/json")
        request.send_header("Content-Length", str(len(answer)))
        request.end_headers()
        request.wfile.write(answer)


def _drop(request: BaseHTTPRequestHandler) -> None:
    request.close_connection = True
    with contextlib.suppress(OSError):
        request.connection.shutdown(socket.SHUT_RDWR)


def _handler(proxy: FaultyProxy) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        # TCP_NODELAY: an answer goes out as two writes (headers, body); with Nagle the body waited for the
        # client's delayed ACK of the headers, about 40 ms per request (over 2 s of a five-transaction run).
        disable_nagle_algorithm = True

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            proxy.handle(self, body)

        def log_message(self, format: str, *args: Any) -> None:  # quiet
            pass

    return Handler
