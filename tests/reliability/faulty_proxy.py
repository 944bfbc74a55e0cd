"""A JSON-RPC proxy in front of a real node that misbehaves on one method from its n-th call on: it drops the
connection (before or after forwarding), answers malformed JSON, or never answers."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Literal

import requests

Fault = Literal["drop", "drop_after", "malformed", "hang"]


class FaultyProxy:
    def __init__(self, upstream: str, method: str, fault: Fault, after: int = 0) -> None:
        self.upstream = upstream
        self.method = method
        self.fault = fault
        self.after = after  # calls of `method` that pass untouched before the fault
        self.seen = 0
        self.faults = 0
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def _faulty(self, body: bytes) -> bool:
        try:
            method = json.loads(body).get("method")
        except (ValueError, AttributeError):
            return False
        with self._lock:
            if method != self.method:
                return False
            self.seen += 1
            if self.seen <= self.after:
                return False
            self.faults += 1
            return True

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *_args: object) -> None:
                pass

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                faulty = proxy._faulty(body)
                if faulty and proxy.fault == "drop":
                    self.close_connection = True
                    return
                if faulty and proxy.fault == "hang":
                    time.sleep(3600)
                answer = requests.post(
                    proxy.upstream, data=body, headers={"Content-Type": "application/json"}, timeout=30
                ).content
                if faulty and proxy.fault == "drop_after":
                    self.close_connection = True
                    return
                if faulty and proxy.fault == "malformed":
                    answer = answer[: len(answer) // 2]
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

        return Handler

    @contextmanager
    def running(self) -> Iterator[FaultyProxy]:
        thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        thread.start()
        try:
            yield self
        finally:
            self._server.shutdown()
            self._server.server_close()
