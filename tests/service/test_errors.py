"""service.errors.BodyLimitMiddleware at the ASGI level: the limit holds on the bytes received, for every method."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest

from fastapi.testclient import TestClient

from service.errors import BodyLimitMiddleware

LIMIT = 1000


class Inner:
    """An ASGI app that reads the whole body and records it."""

    def __init__(self) -> None:
        self.bodies: list[bytes] = []

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        body = b""
        while True:
            msg = await receive()
            body += msg.get("body", b"")
            if not msg.get("more_body"):
                break
        self.bodies.append(body)
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"ok"})


def run(method: str, chunks: list[bytes], headers: list[tuple[bytes, bytes]] = ()) -> tuple[int, bytes, int, Inner]:
    """Drive the middleware with ``chunks``; (status, body, chunks consumed, inner app)."""
    inner = Inner()
    app = BodyLimitMiddleware(inner, max_bytes=LIMIT)
    pending = list(chunks)
    consumed = 0
    sent: list[dict] = []

    async def receive() -> dict:
        nonlocal consumed
        if not pending:
            return {"type": "http.disconnect"}
        consumed += 1
        body = pending.pop(0)
        return {"type": "http.request", "body": body, "more_body": bool(pending)}

    async def send(msg: dict) -> None:
        sent.append(msg)

    scope = {"type": "http", "method": method, "path": "/es/news/_search", "headers": list(headers)}
    asyncio.run(app(scope, receive, send))
    status = sent[0]["status"]
    body = b"".join(m.get("body", b"") for m in sent[1:])
    return status, body, consumed, inner


@pytest.mark.parametrize("method", ["GET", "HEAD", "DELETE", "OPTIONS", "POST", "PUT"])
def test_chunked_bodies_are_bounded_for_every_method(method):
    chunks = [b"x" * 100] * 1000  # 100 KB, no Content-Length
    status, body, consumed, inner = run(method, chunks)
    assert status == 413 and json.loads(body)["error"] == "body_too_large"
    assert inner.bodies == []  # the app never saw a byte
    assert consumed <= LIMIT // 100 + 1  # stopped reading at the limit


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_bytes_beyond_a_small_content_length_are_counted(method):
    status, _, _, inner = run(method, [b"x" * 600, b"x" * 600], headers=[(b"content-length", b"10")])
    assert status == 413 and inner.bodies == []


def test_declared_length_over_the_limit_is_refused_before_reading():
    status, _, consumed, inner = run("GET", [b"x"], headers=[(b"content-length", str(LIMIT + 1).encode())])
    assert status == 413 and consumed == 0 and inner.bodies == []


@pytest.mark.parametrize("method", ["GET", "POST", "DELETE"])
def test_bodies_within_the_limit_are_replayed_whole(method):
    status, body, _, inner = run(method, [b"a" * 400, b"b" * 400, b"c" * 200])
    assert status == 200 and body == b"ok"
    assert inner.bodies == [b"a" * 400 + b"b" * 400 + b"c" * 200]
    status, _, _, inner = run("GET", [b""])
    assert status == 200 and inner.bodies == [b""]


def test_an_oversized_request_head_gets_431_before_any_route_runs(make_app):
    """A complete head over ``max_header_bytes`` (a huge cookie, thousands of headers) is refused with a
    problem answer; a head just under the bound passes."""
    from service.errors import PROBLEM_JSON

    with TestClient(make_app(max_header_bytes=4096)) as c:
        assert c.get("/healthz", headers={"X-Pad": "a" * 3000}).status_code == 200
        r = c.get("/healthz", headers={"X-Pad": "a" * 5000})
        assert r.status_code == 431 and r.headers["content-type"] == PROBLEM_JSON
        assert r.json()["error"] == "headers_too_large" and "max_header_bytes=4096" in r.json()["detail"]
        many = {f"X-H{i}": "v" for i in range(400)}
        assert c.post("/v1/query/check", json={"query": "城市"}, headers=many).status_code == 431
        assert c.get("/healthz?" + "q=" + "a" * 5000).status_code == 431


def test_a_body_that_never_finishes_arriving_gets_408():
    """A client sending its headers and then a byte now and then (or nothing) held the request, and its worker's
    memory and connection, for as long as it liked: the body has a time bound as it has a size bound."""
    inner = Inner()
    app = BodyLimitMiddleware(inner, max_bytes=LIMIT, timeout=0.2)
    sent: list[dict] = []
    first = True

    async def receive() -> dict:
        nonlocal first
        if first:
            first = False
            return {"type": "http.request", "body": b"{", "more_body": True}
        await asyncio.sleep(3600)  # the rest never comes
        return {"type": "http.disconnect"}

    async def send(msg: dict) -> None:
        sent.append(msg)

    scope = {"type": "http", "method": "POST", "path": "/v1/query/check", "headers": []}
    asyncio.run(asyncio.wait_for(app(scope, receive, send), 60))
    assert sent[0]["status"] == 408 and (b"connection", b"close") in sent[0]["headers"]
    assert json.loads(b"".join(m.get("body", b"") for m in sent[1:]))["error"] == "request_timeout"
    assert inner.bodies == []
