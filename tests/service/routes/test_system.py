"""/healthz (liveness) and /readyz (readiness)."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.fakes import FakeRumors
from tests.service.tokens import authorize


def test_ready_on_an_existing_database(make_app, tmp_path) -> None:
    db = tmp_path / "ready.db"
    make_app(db_path=db)  # the first start creates the database
    with TestClient(make_app(db_path=db, rumors=FakeRumors([{"id": "r", "key": "k", "status": "false"}]))) as c:
        r = c.get("/readyz")
        live = c.get("/healthz")
        authorize(c, "ops", "reader")
        assert c.get("/readyz").json()["db_path"] == "(admin only)"  # another role: not refused, not shown
        authorize(c, "root", "admin")
        shown = c.get("/readyz").json()["db_path"]
    body = r.json()
    assert r.status_code == 200 and body["status"] == "ok" and body["ready"] is True and body["warnings"] == []
    assert body["checks"] == {"lexicon": True, "database": True}
    assert body["db_path"] == "(admin only)" and shown == str(db)  # where the data is: admins only
    assert body["lexicon_version"] == "svc-test-1"
    assert live.status_code == 200 and live.json()["status"] == "ok"


def test_not_ready_when_the_database_does_not_answer(make_app) -> None:
    app = make_app()
    with TestClient(app) as c:
        app.state.guard.reviews.conn.close()
        r = c.get("/readyz")
        assert c.get("/healthz").status_code == 200  # still alive: a restart would not help
    assert r.status_code == 503 and r.json()["status"] == "not_ready" and r.json()["checks"]["database"] is False


def test_a_new_database_is_reported_not_silently_ok(make_app, tmp_path) -> None:
    with TestClient(make_app(db_path=tmp_path / "mistyped.db")) as c:
        anonymous = c.get("/readyz").json()
        authorize(c, "root", "admin")
        body = c.get("/readyz").json()
    assert body["status"] == "warning" and body["ready"] is True
    assert any("mistyped.db" in w and "did not exist" in w for w in body["warnings"])
    assert anonymous["status"] == "warning" and not any("mistyped.db" in w for w in anonymous["warnings"])
    assert any("(admin only)" in w and "did not exist" in w for w in anonymous["warnings"])
