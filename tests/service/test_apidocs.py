"""/docs and /redoc work offline; the OpenAPI document declares the bearer scheme, examples that the service
really answers, typed admin answers and the one problem shape."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from plugin.store import TokenStore
from service import admin_schemas
from service.apidocs import ASSETS_URL, EXAMPLES
from service.schemas import QueryCheckResponse, SuggestionFilterResponse, TrendingReviewResponse

RESPONSE_MODELS = {"/v1/query/check": QueryCheckResponse, "/v1/suggestions/filter": SuggestionFilterResponse,
                   "/v1/trending/review": TrendingReviewResponse}


@pytest.mark.parametrize("page, assets", [("/docs", ("swagger-ui-bundle.js", "swagger-ui.css")),
                                          ("/redoc", ("redoc.standalone.js",))])
def test_docs_pages_load_every_asset_from_the_app(make_app, page: str, assets: tuple[str, ...]) -> None:
    with TestClient(make_app()) as c:
        html = c.get(page).text
        urls = re.findall(r'(?:src|href)="([^"]+)"', html) + re.findall(r"url: '([^']+)'", html)
        assert urls and all(u.startswith("/") for u in urls), urls  # nothing from another host
        assert "cdn" not in html and "fonts.googleapis" not in html
        for name in assets:
            assert f"{ASSETS_URL}/{name}" in html
            r = c.get(f"{ASSETS_URL}/{name}")
            assert r.status_code == 200 and len(r.content) > 100_000
        assert c.get("/docs/oauth2-redirect").status_code == 200


def test_bearer_scheme_on_the_operations_that_take_a_token(make_app) -> None:
    with TestClient(make_app()) as c:
        doc = c.get("/openapi.json").json()
    assert doc["components"]["securitySchemes"]["bearerAuth"] == {**doc["components"]["securitySchemes"]["bearerAuth"],
                                                                   "type": "http", "scheme": "bearer"}
    paths = doc["paths"]
    secured = {(m, p) for p, ops in paths.items() for m, op in ops.items() if op.get("security")}
    assert ("get", "/v1/admin/versions") in secured and ("post", "/v1/admin/changesets/{cs_id}/publish") in secured
    assert ("get", "/v1/reviews") in secured and ("post", "/v1/reviews/{review_id}/decision") in secured
    assert ("post", "/v1/query/check") not in secured and ("get", "/healthz") not in secured
    assert ("get", "/metrics") not in secured
    with TestClient(make_app(protect_checks=True, protect_metrics=True)) as c:
        paths = c.get("/openapi.json").json()["paths"]
    assert paths["/v1/query/check"]["post"]["security"] == [{"bearerAuth": []}]
    assert paths["/metrics"]["get"]["security"] == [{"bearerAuth": []}]


def test_errors_are_declared_as_the_problem_shape(make_app) -> None:
    with TestClient(make_app()) as c:
        doc = c.get("/openapi.json").json()
    for path, ops in doc["paths"].items():
        for method, op in ops.items():
            errors = {code: r for code, r in op["responses"].items() if code.startswith(("4", "5"))}
            assert errors, (method, path)
            for code, r in errors.items():
                if (method, path, code) == ("get", "/readyz", "503"):  # not ready: the readiness body itself
                    continue
                if "content" in r:
                    assert r["content"] == {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}


def test_examples_are_what_the_service_answers(make_app) -> None:
    # the examples show the lexicon's answers; the spam scorer (on by default) would add its own signals
    with TestClient(make_app(protect_reviews=False, protect_trending=False, model_scoring=False)) as c:
        doc = c.get("/openapi.json").json()
        for (method, path), example in EXAMPLES.items():
            op = doc["paths"][path][method]
            assert op["requestBody"]["content"]["application/json"]["example"] == example["request"]
            if path not in RESPONSE_MODELS:
                continue
            assert op["responses"]["200"]["content"]["application/json"]["example"] == example["response"]
            model = RESPONSE_MODELS[path]
            model.model_validate(example["response"])
            real = c.post(path, json=example["request"])
            assert real.status_code == 200, real.text
            model.model_validate(real.json())
            assert set(real.json()) == set(example["response"])
        queued = c.post("/v1/trending/review", json={"candidates": [{
            **EXAMPLES[("post", "/v1/trending/review")]["request"]["candidates"][0], "id": "q1",
            "account": {"id": "a", "name": "某市公安局"}}]}).json()["results"][0]
        decided = c.post(f"/v1/reviews/{queued['review_id']}/decision",
                         json=EXAMPLES[("post", "/v1/reviews/{review_id}/decision")]["request"])
        assert decided.status_code == 200, decided.text


def test_admin_answers_are_typed_and_match_the_real_answers(make_app) -> None:
    app = make_app(four_eyes=False)
    auth = {"Authorization": f"Bearer {TokenStore(app.state.guard.db_path).create('ann', 'admin')[1]}"}
    with TestClient(app) as c:
        doc = c.get("/openapi.json").json()
        for (method, path), model in admin_schemas.ADMIN_RESPONSES.items():
            ok = doc["paths"][path][method]["responses"]
            body = ok.get("200") or ok.get("201")
            assert body["content"]["application/json"]["schema"] == {"$ref": f"#/components/schemas/{model.__name__}"}
            assert model.__name__ in doc["components"]["schemas"]

        def check(model: type, r) -> dict:
            assert r.status_code in (200, 201), r.text
            model.model_validate(r.json())
            return r.json()

        m = admin_schemas
        check(m.AdminStatus, c.get("/v1/admin/status", headers=auth))
        check(m.VersionList, c.get("/v1/admin/versions", headers=auth))
        check(m.VersionInfo, c.get("/v1/admin/versions/1", headers=auth))
        page = check(m.EntryPage, c.get("/v1/admin/entries?limit=3", headers=auth))
        check(m.EntryHistory, c.get("/v1/admin/history", params={"term_id": page["entries"][0]["term_id"]},
                                    headers=auth))
        cs = check(m.Changeset, c.post("/v1/admin/changesets", json={"note": "n"}, headers=auth))
        url = f"/v1/admin/changesets/{cs['id']}"
        check(m.ChangeResult, c.post(url + "/changes", headers=auth, json={
            "op": "add", "entry": {"term": "线上棋牌", "category": "gambling", "action": "block"}}))
        check(m.ChangeResult, c.post(url + "/changes", headers=auth, json={
            "op": "add", "entry": {"term": "线上牌局", "category": "gambling", "action": "block"}}))
        check(m.RevisionOnly, c.request("DELETE", url + "/changes", params={"term_id": "gambling:线上牌局"},
                                        headers=auth))
        check(m.ChangesetList, c.get("/v1/admin/changesets", headers=auth))
        check(m.RebaseResult, c.post(url + "/rebase", headers=auth))
        revision = check(m.Changeset, c.get(url, headers=auth))["revision"]
        check(m.VersionInfo, c.post(url + "/publish", json={"expected_revision": revision, "force": True},
                                    headers=auth))
        check(m.Changeset, c.post("/v1/admin/rollback", json={"to_version": 1}, headers=auth))
        other = check(m.Changeset, c.post("/v1/admin/changesets", json={}, headers=auth))
        check(m.Changeset, c.request("DELETE", f"/v1/admin/changesets/{other['id']}", headers=auth))
        check(m.ExportedFiles, c.get("/v1/admin/export", headers=auth))
