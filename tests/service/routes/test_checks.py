"""service/routes/checks.py and trending.py: matching runs in check threads (never on the event loop),
and the work per request is bounded (count, characters per item, characters per request)."""

from __future__ import annotations

import threading
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from tests.candidates import candidate
from tests.service.server import serve
from tests.service.tokens import authorize
Q, S, T = "/v1/query/check", "/v1/suggestions/filter", "/v1/trending/review"

#: (route, body, (attribute of app.state.guard, method) to block): every CPU-heavy route.
HEAVY = [
    (Q, {"query": "城市公园花展"}, ("checks", "check")),
    (S, {"prefix": "城市", "suggestions": ["城市公园", "城市花展"]}, ("checks", "filter_suggestions")),
    (T, {"candidates": [candidate()]}, ("engine", "review")),
]


class Gate:
    """Wraps a method so each call waits until :meth:`open`; counts the calls inside at once."""

    def __init__(self, fn: Any) -> None:
        self.fn = fn
        self.entered = threading.Semaphore(0)
        self.released = threading.Event()
        self.lock = threading.Lock()
        self.inside = 0
        self.most_inside = 0

    def __call__(self, *args: Any, **kw: Any) -> Any:
        with self.lock:
            self.inside += 1
            self.most_inside = max(self.most_inside, self.inside)
        self.entered.release()
        try:
            if not self.released.wait(60):  # never hang the suite if a test fails before opening the gate
                raise RuntimeError("gate never opened")
            return self.fn(*args, **kw)
        finally:
            with self.lock:
                self.inside -= 1

    def open(self) -> None:
        self.released.set()


def _gate(app: Any, monkeypatch: pytest.MonkeyPatch, where: tuple[str, str]) -> Gate:
    owner = getattr(app.state.guard, where[0])
    gate = Gate(getattr(owner, where[1]))
    monkeypatch.setattr(owner, where[1], gate)
    return gate


def _post_in_thread(url: str, body: dict[str, Any], out: list[httpx.Response]) -> threading.Thread:
    t = threading.Thread(target=lambda: out.append(httpx.post(url, json=body, timeout=90)), daemon=True)
    t.start()
    return t


@pytest.mark.parametrize("path, body, where", HEAVY, ids=["query", "suggestions", "trending"])
def test_healthz_answers_while_a_check_is_blocked_in_the_matcher(make_app, monkeypatch, path, body, where):
    """The matcher call blocks until the test lets it go: if it ran on the event loop (the old async
    routes), /healthz could not be answered at all (its request times out); in a worker thread it is."""
    app = make_app(protect_trending=False)
    gate = _gate(app, monkeypatch, where)
    with serve(app) as base:
        out: list[httpx.Response] = []
        t = _post_in_thread(base + path, body, out)
        try:
            assert gate.entered.acquire(timeout=30), "the check never reached the matcher"
            r = httpx.get(base + "/healthz", timeout=20)
            assert r.status_code == 200 and r.json()["status"] == "ok"
            assert t.is_alive() and not out  # answered while the check was still blocked
        finally:
            gate.open()
            t.join(60)
        assert out and out[0].status_code == 200, out and out[0].text


def test_a_burst_of_checks_waits_for_check_threads_and_leaves_other_routes_free(make_app, monkeypatch):
    """More blocked checks than ``check_threads``: at most that many run at once, the rest wait for a
    thread of their own pool, and the sync routes (healthz, admin API) still get threads."""
    app = make_app(check_threads=2)
    gate = _gate(app, monkeypatch, ("checks", "check"))
    with serve(app) as base:
        out: list[httpx.Response] = []
        threads = [_post_in_thread(base + Q, {"query": f"城市公园花展 {i}"}, out) for i in range(6)]
        try:
            for _ in range(2):
                assert gate.entered.acquire(timeout=30)
            assert httpx.get(base + "/healthz", timeout=20).status_code == 200
            assert httpx.get(base + "/-/settings", timeout=20).json()["check_threads"] == 2
            assert not out and gate.most_inside == 2
        finally:
            gate.open()
            for t in threads:
                t.join(60)
        assert [r.status_code for r in out] == [200] * 6
        assert gate.most_inside == 2


# ---- bounded work per request ------------------------------------------------------------------------------


@pytest.fixture()
def small_client(make_app):
    with TestClient(make_app(max_request_chars=100, max_query_chars=60, max_text_chars=1000)) as c:
        authorize(c)
        yield c


def _names_setting(r: httpx.Response, status: int, setting: str, limit: int) -> dict[str, Any]:
    assert r.status_code == status, r.text
    body = r.json()
    assert f"{setting}={limit}" in body["detail"], body
    return body


def test_suggestions_past_the_request_total_get_413_naming_the_setting(small_client):
    r = small_client.post(S, json={"prefix": "城市", "suggestions": ["城" * 50, "市" * 50]})
    body = _names_setting(r, 413, "max_request_chars", 100)
    assert body["error"] == "too_large"
    assert (body["setting"], body["limit"], body["actual"]) == ("max_request_chars", 100, 102)
    assert small_client.post(S, json={"prefix": "", "suggestions": ["城" * 50, "市" * 50]}).status_code == 200


def test_trending_batch_past_the_request_total_gets_413_and_stores_nothing(small_client):
    cands = [candidate(id=f"c{i}", title="花展" * 10, text="今天" * 10) for i in range(3)]  # 3 × 40 = 120
    r = small_client.post(T, json={"candidates": cands})
    _names_setting(r, 413, "max_request_chars", 100)
    assert small_client.get("/v1/reviews", params={"status": "all"}).json()["total"] == 0
    assert small_client.post(T, json={"candidates": cands[:2]}).status_code == 200


def test_query_past_the_request_total_gets_413(make_app):
    with TestClient(make_app(max_request_chars=10)) as c:
        _names_setting(c.post(Q, json={"query": "城市公园春季花展开幕了"}), 413, "max_request_chars", 10)
        assert c.post(Q, json={"query": "城市公园春季花展"}).status_code == 200


@pytest.mark.parametrize("path, body, field, setting, limit", [
    (S, {"suggestions": ["城" * 61]}, "suggestions[0]", "max_query_chars", 60),
    (S, {"prefix": "城" * 61, "suggestions": []}, "prefix", "max_query_chars", 60),
    (Q, {"query": "城" * 61}, "query", "max_query_chars", 60),
])
def test_an_item_past_its_limit_gets_422_naming_field_and_setting(small_client, path, body, field, setting, limit):
    body = _names_setting(small_client.post(path, json=body), 422, setting, limit)
    assert [d["field"] for d in body["errors"]] == [field]


def test_bad_json_is_still_a_400_from_the_check_thread(small_client):
    r = small_client.post(Q, content=b"{not json", headers={"content-type": "application/json"})
    assert r.status_code == 400 and r.json()["error"] == "malformed_json"
    r = small_client.post(S, content=b"  ", headers={"content-type": "application/json"})
    assert r.status_code == 400 and r.json()["error"] == "missing_body"
