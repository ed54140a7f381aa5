"""The review queue over HTTP: a reviewer token decides, the decision records the token's name."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from plugin.store import TokenStore
from service.config import ServiceConfig
from tests.candidates import candidate
QUEUED = candidate(id="q", account={"name": "某市公安局"})  # impersonation marker: goes to the manual queue


def _tokens(app, **roles: str) -> dict[str, dict[str, str]]:
    store = TokenStore(app.state.guard.db_path)
    return {name: {"Authorization": f"Bearer {store.create(name, role)[1]}"} for name, role in roles.items()}


def _queued(c: TestClient, headers: dict[str, str]) -> str:
    res = c.post("/v1/trending/review", json={"candidates": [QUEUED]}, headers=headers).json()["results"][0]
    assert res["decision"] == "review"
    return res["review_id"]


def test_the_queue_needs_a_token_and_a_decision_a_reviewer(make_app):
    """Anyone who reaches the port used to decide items under any name; now the name is the token's."""
    app = make_app()
    h = _tokens(app, rita="reader", rae="reviewer", ed="editor")
    with TestClient(app) as c:
        # the trending review writes review state: it needs a token by default (protect_trending)
        r = c.post("/v1/trending/review", json={"candidates": [QUEUED]})
        assert r.status_code == 401 and r.json()["error"] == "unauthorized"
        assert c.get("/v1/reviews", headers=h["rita"]).json()["total"] == 0  # nothing was stored
        rid = _queued(c, h["rita"])
        assert c.get("/v1/reviews").status_code == 401
        assert c.get(f"/v1/reviews/{rid}").status_code == 401
        assert c.get("/v1/audit").status_code == 401
        assert c.get("/v1/reviews", headers=h["rita"]).json()["total"] == 1
        body = {"decision": "reject", "note": "仿冒公安机关"}
        r = c.post(f"/v1/reviews/{rid}/decision", json=body)
        assert r.status_code == 401 and r.json()["error"] == "unauthorized"
        r = c.post(f"/v1/reviews/{rid}/decision", json=body, headers=h["rita"])
        assert r.status_code == 403 and "needs 'reviewer'" in r.json()["detail"]
        r = c.post(f"/v1/reviews/{rid}/decision", json={**body, "reviewer": "mallory"}, headers=h["rae"])
        assert r.status_code == 422 and r.json()["errors"][0]["field"] == "reviewer"
        assert "identity comes from the API token" in r.json()["detail"]
        assert c.get(f"/v1/reviews/{rid}", headers=h["rita"]).json()["status"] == "pending"
        r = c.post(f"/v1/reviews/{rid}/decision", json=body, headers=h["rae"])
        assert r.status_code == 200 and r.json()["human"]["reviewer"] == "rae"
        events = c.get(f"/v1/reviews/{rid}/audit", headers=h["rita"]).json()["events"]
        assert (events[-1]["actor"], events[-1]["payload"]["reviewer"]) == ("token:rae", "rae")
        rid2 = _queued(c, h["rita"])
        r = c.post(f"/v1/reviews/{rid2}/decision", json=body, headers=h["ed"])  # roles above reviewer decide too
        assert r.status_code == 200 and r.json()["human"]["reviewer"] == "ed"


def test_turning_the_protection_off_is_explicit_and_anonymous(make_app):
    app = make_app(protect_reviews=False, protect_checks=True)
    h = _tokens(app, rita="reader", rae="reviewer")
    with TestClient(app) as c:
        assert c.post("/v1/query/check", json={"query": "城市"}).status_code == 401  # checks still protected
        rid = c.post("/v1/trending/review", json={"candidates": [QUEUED]}, headers=h["rita"]).json()["results"][0][
            "review_id"]
        assert c.get("/v1/reviews").status_code == 200
        r = c.post(f"/v1/reviews/{rid}/decision", json={"decision": "limit"}, headers=h["rita"])
        assert r.status_code == 403  # a token that is sent must still be a reviewer's
        r = c.post(f"/v1/reviews/{rid}/decision", json={"decision": "limit"})
        assert r.status_code == 200 and r.json()["human"]["reviewer"] == "anonymous"
        assert c.get(f"/v1/reviews/{rid}/audit").json()["events"][-1]["actor"] == "unauthenticated"
    assert ServiceConfig().protect_reviews is True
    assert ServiceConfig.from_env({"QINGLANG_PROTECT_REVIEWS": "false"}).protect_reviews is False


def test_openapi_has_no_reviewer_field(make_app):
    with TestClient(make_app()) as c:
        schema = c.get("/openapi.json").json()["components"]["schemas"]["ReviewDecisionRequest"]
    assert set(schema["properties"]) == {"decision", "note"} and schema["additionalProperties"] is False


@pytest.mark.parametrize("role, ok", [("reader", False), ("reviewer", True), ("approver", True), ("admin", True)])
def test_roles_that_may_decide(make_app, role, ok):
    app = make_app()
    h = _tokens(app, someone=role)
    with TestClient(app) as c:
        r = c.post(f"/v1/reviews/{_queued(c, h['someone'])}/decision", json={"decision": "approve"}, headers=h["someone"])
    assert r.status_code == (200 if ok else 403)
