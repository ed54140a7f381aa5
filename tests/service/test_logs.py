"""Structured logs: JSON lines / text, the access log with request ids, decision and event lines."""

from __future__ import annotations

import io
import json
import logging
from typing import Any, Iterator

import pytest
from fastapi.testclient import TestClient

from service.logs import (
    MAX_REQUEST_ID, JsonFormatter, TextFormatter, configure_logging, log_event, request_id_from,
)


class _Lines(logging.Handler):
    """Collects the JSON form of every record."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.setFormatter(JsonFormatter())
        self.lines: list[dict[str, Any]] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(json.loads(self.format(record)))

    def of(self, logger: str) -> list[dict[str, Any]]:
        return [line for line in self.lines if line["logger"] == logger]


@pytest.fixture()
def logs() -> Iterator[_Lines]:
    handler = _Lines()
    root = logging.getLogger()
    old = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    try:
        yield handler
    finally:
        root.removeHandler(handler)
        root.setLevel(old)


def test_json_formatter_writes_one_object_with_extras_and_traceback() -> None:
    import sys

    try:
        raise ValueError("boom")
    except ValueError:
        record = logging.getLogger("x").makeRecord("x", logging.ERROR, "f", 1, "失败 %s", ("一",), sys.exc_info())
    record.__dict__["event"] = "reload"
    out = json.loads(JsonFormatter().format(record))
    assert out["msg"] == "失败 一" and out["level"] == "error" and out["logger"] == "x"
    assert out["event"] == "reload" and "ValueError: boom" in out["exc"] and out["ts"].endswith("+00:00")


def test_text_lines_cannot_be_forged_or_carry_escape_sequences_from_a_request_path() -> None:
    import sys

    path = "/x\n12:00:00 INFO    qinglang.events: publish version 99\x1b[31m\u202e"
    try:
        raise ValueError("boom")
    except ValueError:
        record = logging.getLogger("qinglang.access").makeRecord(
            "qinglang.access", logging.INFO, "f", 1, "%s %s %s", ("GET", path, 404), sys.exc_info())
    record.__dict__["path"] = path
    out = TextFormatter().format(record)
    first, *trace = out.split("\n")
    assert "qinglang.events: publish" in first and "\\n12:00:00" in first  # still on the access line
    assert "\x1b" not in out and "\u202e" not in out and "\\x1b[31m" in first
    assert trace and "ValueError: boom" in out  # a traceback keeps its lines


def test_configure_logging_picks_text_on_a_terminal_and_json_elsewhere() -> None:
    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    root = logging.getLogger()
    before = list(root.handlers), root.level
    try:
        h = configure_logging("auto", "info", stream=Tty())
        assert isinstance(h.formatter, TextFormatter)
        pipe = io.StringIO()
        h2 = configure_logging("auto", "warning", stream=pipe)
        assert isinstance(h2.formatter, JsonFormatter) and h not in root.handlers  # replaced, not added
        log_event("startup_warning", "数据库 %s 是新的", "x.db", level=logging.WARNING, db_path="x.db")
        line = json.loads(pipe.getvalue().strip().splitlines()[-1])
        assert line == {**line, "msg": "数据库 x.db 是新的", "event": "startup_warning", "db_path": "x.db"}
        assert isinstance(configure_logging("text", "info", stream=io.StringIO()).formatter, TextFormatter)
    finally:
        for hd in [hd for hd in root.handlers if hd not in before[0]]:
            root.removeHandler(hd)
        root.setLevel(before[1])


@pytest.mark.parametrize("given, kept", [
    ("abc-123_x.y:z", True),
    ("a" * MAX_REQUEST_ID, True),
    ("a" * (MAX_REQUEST_ID + 1), False),
    ("bad id", False),
    ("x\r\ny", False),
    ("", False),
    ("请求", False),
])
def test_request_ids_are_bounded_and_sanitised(given: str, kept: bool) -> None:
    rid = request_id_from(given)
    assert (rid == given) is kept
    if not kept:
        assert len(rid) == 32 and all(c in "0123456789abcdef" for c in rid)


def test_access_log_and_request_id(make_app, logs: _Lines) -> None:
    with TestClient(make_app()) as c:
        r = c.post("/v1/query/check", json={"query": "花展"}, headers={"X-Request-ID": "req-42"})
        assert r.headers["x-request-id"] == "req-42"
        fresh = c.get("/healthz", headers={"X-Request-ID": "no good\tid"})
        assert fresh.headers["x-request-id"] != "no good\tid" and len(fresh.headers["x-request-id"]) == 32
        c.post("/v1/query/check", content=b"{bad")  # errors are logged too, with the id
    access = logs.of("qinglang.access")
    first = next(a for a in access if a["request_id"] == "req-42")
    assert first["method"] == "POST" and first["route"] == "/v1/query/check" and first["status"] == 200
    assert isinstance(first["duration_ms"], float) and first["duration_ms"] >= 0
    assert any(a["status"] == 400 for a in access)
    assert "花展" not in json.dumps(logs.lines, ensure_ascii=False)  # no user text by default
    decision = next(d for d in logs.of("qinglang.decision") if d["request_id"] == "req-42")
    assert decision["surface"] == "query" and decision["action"] == "allow" and "lexicon_version" in decision


def test_decision_lines_name_categories_and_keep_text_only_when_configured(make_app, logs: _Lines) -> None:
    from tests.candidates import candidate

    with TestClient(make_app(protect_trending=False)) as c:
        c.post("/v1/query/check", json={"query": "澳门赌场开户"})
        c.post("/v1/suggestions/filter", json={"prefix": "澳门", "suggestions": ["澳门旅游", "澳门赌场"]})
        c.post("/v1/trending/review", json={"candidates": [candidate()]})
    lines = logs.of("qinglang.decision")
    query = next(d for d in lines if d["surface"] == "query")
    assert query["action"] == "block" and query["categories"] == ["gambling"] and "text" not in query
    sugg = next(d for d in lines if d["surface"] == "suggestion")
    assert sugg["kept"] == 1 and sugg["dropped"] == 1 and sugg["categories"] == ["gambling"]
    trend = next(d for d in lines if d["surface"] == "trending")
    assert trend["review_id"] and trend["action"]
    assert "澳门" not in json.dumps(lines, ensure_ascii=False)

    logs.lines.clear()
    with TestClient(make_app(log_texts=True)) as c:
        c.post("/v1/query/check", json={"query": "澳门赌场开户" + "长" * 240})
    text = next(d for d in logs.of("qinglang.decision") if d["surface"] == "query")["text"]
    assert text.startswith("澳门赌场开户") and len(text) == 200


def test_a_query_through_the_search_proxy_gets_a_decision_line_and_is_counted(make_app, logs: _Lines) -> None:
    import httpx

    def upstream(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"took": 1, "hits": {"total": {"value": 0, "relation": "eq"}, "hits": []}})

    app = make_app(upstream_url="http://upstream:9200")
    app.state.search_proxy_client = httpx.AsyncClient(transport=httpx.MockTransport(upstream))
    with TestClient(app) as c:
        blocked = c.post("/es/news/_search", json={"query": {"match": {"title": "澳门赌场开户"}}})
        c.post("/es/news/_search", json={"query": {"match": {"title": "花展"}}})
        metrics = c.get("/metrics").text
    assert blocked.json()["qinglang"]["blocked"] is True
    lines = [d for d in logs.of("qinglang.decision") if d["surface"] == "search"]
    assert [(d["action"], d["categories"]) for d in lines] == [("block", ["gambling"]), ("allow", [])]
    assert "澳门" not in json.dumps(lines, ensure_ascii=False)
    assert 'qinglang_decisions_total{action="block",surface="search"} 1.0' in metrics


def test_startup_warns_about_a_new_database_and_an_empty_rumour_index(tmp_path, service_matcher, logs) -> None:
    from service.app import create_app
    from service.config import ServiceConfig
    from plugin.rumors import RumorIndex, RumorStore

    db = tmp_path / "typo.db"
    empty = RumorIndex.from_store(RumorStore(str(tmp_path / "other.db")))
    app = create_app(ServiceConfig(db_path=str(db), protect_trending=False), matcher=service_matcher, rumors=empty)
    warned = [w for w in logs.of("qinglang.events") if w["event"] == "startup_warning"]
    assert warned and all(w["level"] == "warning" for w in warned)
    assert any("typo.db" in w["msg"] and "did not exist" in w["msg"] for w in warned)
    assert any("rumour index is empty" in w["msg"] for w in warned)
    with TestClient(app) as c:
        ready = c.get("/readyz")
    assert ready.status_code == 200 and ready.json()["status"] == "warning" and len(ready.json()["warnings"]) == 2

    logs.lines.clear()  # the same database again: no longer new, but still empty
    create_app(ServiceConfig(db_path=str(db)), matcher=service_matcher, rumors=None)
    again = [w["msg"] for w in logs.of("qinglang.events") if w["event"] == "startup_warning"]
    assert len(again) == 1 and "holds no published lexicon version" in again[0]

    from tests.candidates import candidate

    with TestClient(app) as c:  # once it holds review history, nothing to warn about (no rumour index configured)
        assert c.post("/v1/trending/review", json={"candidates": [candidate()]}).status_code == 200
    logs.lines.clear()
    create_app(ServiceConfig(db_path=str(db)), matcher=service_matcher, rumors=None)
    assert not [w for w in logs.of("qinglang.events") if w["event"] == "startup_warning"]
