"""One error shape: every error the service produces is an RFC 9457 problem (application/problem+json)."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from tests.service.editorial_app import make_app as make_admin_app
from tests.service.tokens import make_tokens

STANDARD = {"type", "title", "status", "detail", "error"}


def assert_problem(r, status: int, code: str) -> dict:
    assert r.status_code == status, r.text
    assert r.headers["content-type"] == "application/problem+json"
    body = r.json()
    assert STANDARD <= set(body), body
    assert body["type"] == "about:blank" and body["status"] == status and body["error"] == code
    assert isinstance(body["title"], str) and body["title"]
    assert isinstance(body["detail"], str) and "\n" not in body["detail"]  # one line, never a list
    return body


@pytest.mark.parametrize("method, path, kwargs, status, code", [
    ("POST", "/v1/query/check", {"content": b"{"}, 400, "malformed_json"),
    ("POST", "/v1/query/check", {"content": b""}, 400, "missing_body"),
    ("POST", "/v1/query/check", {"json": {"query": 1, "x": 2}}, 422, "validation_error"),
    ("POST", "/v1/query/check", {"json": {"query": "a" * 300}}, 422, "validation_error"),
    ("POST", "/v1/suggestions/filter", {"json": {"prefix": "a", "suggestions": ["城" * 200] * 3}}, 413, "too_large"),
    ("POST", "/v1/query/check", {"content": b"{}" + b" " * 5000}, 413, "body_too_large"),
    ("GET", "/v1/nowhere", {}, 404, "not_found"),
    ("DELETE", "/v1/query/check", {}, 405, "method_not_allowed"),
    ("GET", "/v1/reviews", {}, 401, "unauthorized"),
    ("GET", "/v1/admin/versions", {}, 401, "unauthorized"),
])
def test_service_errors_are_problems(make_app, method, path, kwargs, status, code):
    app = make_app(max_body_bytes=4096, max_request_chars=500)
    with TestClient(app) as c:
        body = assert_problem(c.request(method, path, **kwargs), status, code)
    if code == "validation_error":  # field problems in "errors", each with its location
        assert body["errors"] and all({"loc", "field", "msg", "type"} <= set(e) for e in body["errors"])
        assert body["errors"][0]["field"] in body["detail"]
    if code == "too_large":
        assert (body["setting"], body["limit"]) == ("max_request_chars", 500)
    if code == "unauthorized":
        assert c.request(method, path).headers["www-authenticate"] == "Bearer"


def test_admin_errors_are_problems(db_path: Path) -> None:
    app = make_admin_app(db_path)
    tokens = make_tokens(db_path)
    with TestClient(app) as c:
        ed = {"Authorization": f"Bearer {tokens['ed']}"}
        assert_problem(c.get("/v1/admin/versions/99", headers=ed), 404, "not_found")
        assert_problem(c.post("/v1/admin/changesets", json={}, headers={"Authorization": f"Bearer {tokens['rita']}"}),
                       403, "forbidden")
        cs = c.post("/v1/admin/changesets", json={}, headers=ed).json()["id"]
        body = assert_problem(c.post(f"/v1/admin/changesets/{cs}/changes", json={"op": "add"}, headers=ed),
                              422, "validation_error")
        assert [e["field"] for e in body["errors"]] == ["entry"]
        revision = c.post(f"/v1/admin/changesets/{cs}/changes", headers=ed, json={
            "op": "add", "entry": {"term": "线上棋牌", "category": "no_such_category"}}).json()["revision"]
        ann = {"Authorization": f"Bearer {tokens['ann']}"}
        body = assert_problem(c.post(f"/v1/admin/changesets/{cs}/publish", json={"expected_revision": revision - 1},
                                     headers=ann), 409, "conflict")
        assert body["revision"] == revision
        body = assert_problem(c.post(f"/v1/admin/changesets/{cs}/publish", json={"expected_revision": revision},
                                     headers=ann), 422, "invalid_lexicon")
        assert body["issues"][0]["code"] == "category"
        body = assert_problem(c.post("/v1/admin/import", headers=ed, json={"files": [
            {"name": "g.yaml", "content": "category: gambling\nentries:\n  - term: 赌球\n    action: ban\n"}]}),
            422, "import_refused")
        assert body["ok"] is False and body["detail"].startswith("g.yaml:"), body["detail"]


def test_unexpected_errors_are_problems_without_internals(make_app):
    app = make_app()

    @app.get("/boom")
    def boom() -> None:
        raise RuntimeError("secret internals")

    with TestClient(app, raise_server_exceptions=False) as c:
        body = assert_problem(c.get("/boom"), 500, "internal_error")
    assert "secret" not in body["detail"]


def test_openapi_describes_problems(make_app):
    schema = make_app().openapi()
    assert "HTTPValidationError" not in schema["components"]["schemas"]
    assert {"Problem", "FieldProblem"} <= set(schema["components"]["schemas"])
    answer = schema["paths"]["/v1/reviews"]["get"]["responses"]["422"]["content"]
    assert answer == {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}


@pytest.mark.parametrize("content, says", [
    (b"[" * 5000 + b"]" * 5000, "nested too deeply"),
    (b'{"note": "\xff\xfe"}', "not UTF-8"),
    ('{"note": "é"}'.encode("latin-1"), "not UTF-8"),
])
def test_a_body_the_json_parser_gives_up_on_is_named_on_every_route(db_path: Path, content: bytes, says: str) -> None:
    """The check routes said what was wrong with such a body; the routes whose body FastAPI parses (the admin API,
    review decisions) answered "There was an error parsing the body" (400 bad_request), naming nothing."""
    app = make_admin_app(db_path)
    tokens = make_tokens(db_path)
    with TestClient(app) as c:
        r = c.post("/v1/admin/changesets", content=content,
                   headers={"Authorization": f"Bearer {tokens['ed']}", "content-type": "application/json"})
        body = assert_problem(r, 400, "malformed_json")
        assert says in body["detail"], body["detail"]
        assert app.state.guard.lexicon_store.changesets("draft") == []
