"""service/auth.py: bearer tokens for the JSON APIs; the web page's login cookie only where asked for."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest
from fastapi import Depends, FastAPI
from fastapi.testclient import TestClient

from plugin.store import TokenStore
from service.auth import COOKIE, require_role
from tests.service.editorial_app import make_app as make_admin_app
from tests.service.tokens import make_tokens


@pytest.mark.parametrize("method, path, body", [
    ("GET", "/v1/admin/versions", None),
    ("GET", "/v1/admin/status", None),
    ("POST", "/v1/admin/changesets", {"note": "x"}),
    ("POST", "/v1/admin/rollback", {"to_version": 1, "requested_by": "ed"}),
    ("POST", "/v1/admin/import", {"files": [{"name": "a.yaml", "content": "category: gambling\nentries: [x]\n"}]}),
])
def test_the_json_admin_api_refuses_the_login_cookie(db_path: Path, method, path, body) -> None:
    """The page's cookie is ambient (a browser sends it along): it must never authorise the JSON API."""
    app = make_admin_app(db_path)
    tokens = make_tokens(db_path)
    with TestClient(app) as client:
        client.cookies.set(COOKIE, tokens["adm"])
        r = client.request(method, path, json=body)
        assert r.status_code == 401 and "cookie is not accepted" in r.text, r.text
        store = app.state.guard.lexicon_store
        assert store.changesets("all") == [] and store.live_version() == 1
        r = client.request(method, path, json=body, headers={"Authorization": f"Bearer {tokens['adm']}"})
        assert r.status_code not in (401, 403), r.text  # the same token as a bearer header is accepted


def test_protected_checks_and_reviews_take_bearer_tokens_only(make_app, tmp_path: Path) -> None:
    app = make_app(protect_checks=True)
    _, secret = TokenStore(str(tmp_path / "guard.db")).create("svc", "admin")
    with TestClient(app) as client:
        client.cookies.set(COOKIE, secret)
        assert client.post("/v1/query/check", json={"query": "花展"}).status_code == 401
        assert client.get("/v1/reviews").status_code == 401
        bearer = {"Authorization": f"Bearer {secret}"}
        assert client.post("/v1/query/check", json={"query": "花展"}, headers=bearer).status_code == 200
        assert client.get("/v1/reviews", headers=bearer).status_code == 200


def test_require_role_takes_the_cookie_only_when_asked(tmp_path: Path) -> None:
    app = FastAPI()
    app.state.guard = SimpleNamespace(db_path=str(tmp_path / "t.db"), tokens=None)  # what service.auth uses
    _, secret = TokenStore(app.state.guard.db_path).create("ed", "editor")

    @app.get("/api")
    def api(who=Depends(require_role("editor"))) -> dict:
        return {"name": who.name}

    @app.get("/page")
    def page(who=Depends(require_role("editor", cookie=True))) -> dict:
        return {"name": who.name}

    with TestClient(app) as client:
        client.cookies.set(COOKIE, secret)
        assert client.get("/api").status_code == 401
        assert client.get("/page").json() == {"name": "ed"}
        assert client.get("/api", headers={"Authorization": f"Bearer {secret}"}).json() == {"name": "ed"}
        client.cookies.clear()
        r = client.get("/page")
        assert r.status_code == 401 and "cookie" not in r.json()["detail"]
    with pytest.raises(ValueError):
        require_role("owner")
