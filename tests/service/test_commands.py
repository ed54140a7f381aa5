"""service/commands.py: the uvicorn settings of ``qinglang serve`` bound a request head still arriving."""

from __future__ import annotations

import socket
import time

from service.commands import uvicorn_options
from service.config import ServiceConfig
from tests.service.server import serve


def _head(port: int, chunks: list[bytes], pause: float = 0.0) -> bytes:
    """Send a request head in ``chunks`` (``pause`` seconds apart) and read the answer (b'' when closed)."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
        got = b""
        try:
            for chunk in chunks:
                s.sendall(chunk)
                time.sleep(pause)
            while b"\r\n\r\n" not in got:
                data = s.recv(65536)
                if not data:
                    break
                got += data
        except (ConnectionResetError, BrokenPipeError, TimeoutError):
            pass
        return got


def test_serve_runs_h11_with_the_header_bound():
    from uvicorn.protocols.http.h11_impl import H11Protocol

    opts = uvicorn_options(ServiceConfig(max_header_bytes=4096))
    assert issubclass(opts["http"], H11Protocol) and opts["h11_max_incomplete_event_size"] == 4096
    assert ServiceConfig().max_header_bytes == 16_384


def test_a_head_trickling_in_past_the_bound_is_refused_before_it_is_complete(make_app):
    """Without the bound (uvicorn's default httptools parser) the server buffers a head sent in pieces
    for as long as the client keeps sending; with it the connection gets 400 once ``max_header_bytes`` is
    buffered, and the app never sees the request."""
    cfg = ServiceConfig(max_header_bytes=4096)
    opts = {k: v for k, v in uvicorn_options(cfg).items() if k in ("http", "h11_max_incomplete_event_size")}
    app = make_app(max_header_bytes=4096)
    with serve(app, **opts) as base:
        port = int(base.rsplit(":", 1)[1])
        ok = _head(port, [b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Pad: " + b"a" * 1000 + b"\r\n\r\n"])
        assert ok.startswith(b"HTTP/1.1 200")
        line = b"X-Pad: " + b"a" * 1500 + b"\r\n"
        slow = _head(port, [b"GET /healthz HTTP/1.1\r\nHost: x\r\n"] + [line] * 8 + [b"\r\n"], pause=0.05)
        assert slow == b"" or slow.startswith(b"HTTP/1.1 400"), slow[:80]


def test_a_head_that_never_completes_is_closed(make_app, monkeypatch):
    """uvicorn bounds the time between requests on a kept-alive connection, not the time a request head takes to
    arrive: a client that sent part of a head (or nothing) kept its connection open for ever, and enough of them
    hold every file descriptor of the process (slowloris). A connection whose head is not complete within
    ``HEAD_TIMEOUT_SECONDS`` is closed; complete requests, one after another on one connection, are served."""
    from service.h11_protocol import BoundedH11Protocol

    monkeypatch.setattr(BoundedH11Protocol, "head_timeout", 0.5)
    opts = {k: v for k, v in uvicorn_options(ServiceConfig()).items() if k in ("http", "h11_max_incomplete_event_size")}
    with serve(make_app(), **opts) as base:
        port = int(base.rsplit(":", 1)[1])
        with socket.create_connection(("127.0.0.1", port), timeout=30) as s:
            for _ in range(3):  # kept alive: each request's head starts its own bound
                s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
                got = b""
                while b"\r\n\r\n" not in got:
                    got += s.recv(65536)
                assert got.startswith(b"HTTP/1.1 200"), got[:80]
                length = int(got.split(b"content-length: ", 1)[1].split(b"\r\n", 1)[0])
                body = got.split(b"\r\n\r\n", 1)[1]
                while len(body) < length:
                    body += s.recv(65536)
        for first in (b"GET /healthz HTTP/1.1\r\nHost: x\r\n", b""):
            with socket.create_connection(("127.0.0.1", port), timeout=30) as s:
                s.sendall(first)
                assert s.recv(65536) == b""  # closed by the server (a socket timeout here: never closed)
