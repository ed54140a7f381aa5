"""service/rumor_admin.py: what is pinned changes only through a proposal another editor publishes; identities
from tokens, an audit trail, the live index updated without a restart."""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient

from plugin.rumors.proposals import RumorProposals
from tests.service.tokens import make_tokens

LIQUOR = {"id": "liquor", "source": "test", "claim": "喝高度白酒可以杀死体内的新冠病毒", "verdict": "假",
          "verdict_detail": "谣言", "refutation": "酒精不能杀死体内病毒，饮酒伤身。", "checker": "测试辟谣平台",
          "date": "2022-12-20", "tags": ["白酒"], "url": "https://example.org/liquor"}
GARLIC = {**LIQUOR, "id": "garlic", "claim": "吃大蒜可以预防新冠病毒感染", "refutation": "大蒜不能预防新冠。",
          "url": "https://example.org/garlic"}
QUERY = "喝白酒能杀死新冠病毒吗"


@pytest.fixture()
def app_and_tokens(tmp_path, service_matcher):
    from plugin.rumors import parse_jsonl
    from service.app import create_app
    from service.config import ServiceConfig

    db = tmp_path / "g.db"
    seed = RumorProposals.open(db)  # the install-time bootstrap: an empty store filled directly
    seed.bootstrap(parse_jsonl([json.dumps(GARLIC, ensure_ascii=False)]).rumors, actor="bootstrap:ops")
    seed.close()
    app = create_app(ServiceConfig(db_path=str(db), model_scoring=False), matcher=service_matcher)
    tokens = {name: {"Authorization": f"Bearer {secret}"} for name, secret in make_tokens(db).items()}
    return app, tokens


def _pins(c: TestClient, query: str = QUERY) -> list[str]:
    return [p["rumor_id"] for p in c.post("/v1/query/check", json={"query": query}).json()["pins"]]


def test_an_import_goes_live_only_when_another_editor_publishes_it(app_and_tokens):
    app, h = app_and_tokens
    body = {"jsonl": json.dumps(LIQUOR, ensure_ascii=False) + "\n", "source": "liquor.jsonl", "note": "白酒谣言"}
    with TestClient(app) as c:
        assert c.post("/v1/admin/rumors/proposals", json=body).status_code == 401
        assert c.post("/v1/admin/rumors/proposals", json=body, headers=h["rita"]).status_code == 403
        r = c.post("/v1/admin/rumors/proposals", json={**body, "author": "ann"}, headers=h["ed"])
        assert r.status_code == 422 and "identity comes from the API token" in r.json()["detail"]
        made = c.post("/v1/admin/rumors/proposals", json=body, headers=h["ed"])
        assert made.status_code == 201, made.text
        pid = made.json()["id"]
        assert (made.json()["author"], made.json()["status"], made.json()["n_rumors"]) == ("ed", "proposed", 1)
        assert _pins(c) == []  # proposed, not live
        report = c.post(f"/v1/admin/rumors/proposals/{pid}/preview", headers=h["eve"]).json()
        assert report["rumors"]["added"] == ["liquor"] and report["sample_size"] > 0
        r = c.post(f"/v1/admin/rumors/proposals/{pid}/publish", headers=h["ed"])  # the author cannot approve
        assert r.status_code == 403 and r.json()["error"] == "forbidden"  # editor role: below approver
        assert _pins(c) == []
        h_ed_approver = h["adm"]
        done = c.post(f"/v1/admin/rumors/proposals/{pid}/publish", json={"note": "核对无误"}, headers=h["ann"])
        assert done.status_code == 200, done.text
        assert (done.json()["approver"], done.json()["approval"]) == ("ann", "four-eyes")
        assert done.json()["serving"] == 2
        assert _pins(c) == ["liquor"]  # live in this process without a restart
        again = c.post(f"/v1/admin/rumors/proposals/{pid}/publish", headers=h_ed_approver)
        assert again.status_code == 400 and "published" in again.json()["detail"]
        events = c.get("/v1/admin/rumors/audit", headers=h["rita"]).json()["events"]
        assert [(e["event"], e["actor"]) for e in events] == [("bootstrap", "bootstrap:ops"), ("propose", "ed"),
                                                              ("publish", "ann")]
        assert events[-1]["detail"]["inserted"] == 1 and events[-1]["detail"]["note"] == "核对无误"


def test_the_author_cannot_publish_even_as_approver(app_and_tokens, tmp_path):
    from plugin.store import TokenStore

    app, h = app_and_tokens
    tokens = TokenStore(app.state.guard.db_path)
    boss = {"Authorization": f"Bearer {tokens.create('boss', 'approver')[1]}"}
    tokens.close()
    with TestClient(app) as c:
        pid = c.post("/v1/admin/rumors/proposals", json={"remove": ["garlic"]}, headers=boss).json()["id"]
        r = c.post(f"/v1/admin/rumors/proposals/{pid}/publish", headers=boss)
        assert r.status_code == 403 and r.json()["error"] == "four_eyes"
        assert app.state.guard.rumor_store.get("garlic") is not None
        assert c.delete(f"/v1/admin/rumors/proposals/{pid}", headers=h["eve"]).json()["discarded_by"] == "eve"


def test_bad_proposals_get_clear_4xx_and_store_nothing(app_and_tokens, monkeypatch):
    from service import previews

    app, h = app_and_tokens
    bad = json.dumps(LIQUOR, ensure_ascii=False) + "\n{not json\n" + json.dumps({**LIQUOR, "verdict": "?"}) + "\n"
    with TestClient(app) as c:
        r = c.post("/v1/admin/rumors/proposals", json={"jsonl": bad}, headers=h["ed"])
        assert r.status_code == 422 and r.json()["error"] == "import_refused"
        assert [p["line"] for p in r.json()["problems"]] == [2, 3]
        sep = {**LIQUOR, "id": "sep", "claim": "喝白酒\u2028可以杀死病毒"}  # U+2028 inside a JSON string: one line
        r = c.post("/v1/admin/rumors/proposals", json={"jsonl": json.dumps(sep, ensure_ascii=False)}, headers=h["ed"])
        assert r.status_code == 201 and r.json()["n_rumors"] == 1, r.text
        c.delete(f"/v1/admin/rumors/proposals/{r.json()['id']}", headers=h["ed"])
        r = c.post("/v1/admin/rumors/proposals", json={}, headers=h["ed"])
        assert r.status_code == 422 and "needs rumours to add or ids to remove" in r.json()["detail"]
        r = c.post("/v1/admin/rumors/proposals", json={"remove": ["a\u202eb"]}, headers=h["ed"])
        assert r.status_code == 422
        assert c.post("/v1/admin/rumors/proposals/999/publish", headers=h["ann"]).status_code == 404
        assert c.get("/v1/admin/rumors", headers=h["rita"]).json()["proposals"] == []  # the discarded one aside
        pid = c.post("/v1/admin/rumors/proposals", json={"remove": ["garlic"]}, headers=h["ed"]).json()["id"]
        monkeypatch.setattr(previews, "MAX_RUNNING", 0)  # every preview slot taken
        r = c.post(f"/v1/admin/rumors/proposals/{pid}/preview", headers=h["ed"])
        assert r.status_code == 429 and r.json()["error"] == "preview_busy" and r.headers["retry-after"]


def test_with_rumours_off_the_api_says_so(make_app):
    app = make_app()  # rumours off
    tokens = {n: {"Authorization": f"Bearer {s}"} for n, s in make_tokens(app.state.guard.db_path).items()}
    with TestClient(app) as c:
        r = c.get("/v1/admin/rumors", headers=tokens["rita"])
        assert r.status_code == 409 and "rumours off" in r.json()["detail"]


def test_with_the_search_engine_backend_imports_still_need_a_second_person(tmp_path, service_matcher, os_url):
    """``rumor_backend opensearch``: proposals and the audit trail live in the service's database, publishing
    writes the cluster's index, and this process's memoised matches are forgotten at once."""
    from service.app import create_app
    from service.config import ServiceConfig

    cfg = ServiceConfig(db_path=str(tmp_path / "g.db"), rumor_backend="opensearch", rumor_url=os_url,
                        rumor_index="rumors-admin-test", model_scoring=False)
    app = create_app(cfg, matcher=service_matcher)
    backend = app.state.guard.rumors
    backend.bulk_import([GARLIC])
    CLAIM_QUERY = "喝高度白酒可以杀死体内的新冠病毒吗"  # the cluster's own bigram scoring pins near-verbatim claims
    h = {name: {"Authorization": f"Bearer {secret}"} for name, secret in make_tokens(tmp_path / "g.db").items()}
    body = {"jsonl": json.dumps(LIQUOR, ensure_ascii=False) + "\n", "source": "liquor.jsonl"}
    with TestClient(app) as c:
        assert _pins(c, CLAIM_QUERY) == []  # memoised now
        made = c.post("/v1/admin/rumors/proposals", json=body, headers=h["ed"])
        assert made.status_code == 201, made.text
        pid = made.json()["id"]
        report = c.post(f"/v1/admin/rumors/proposals/{pid}/preview", headers=h["eve"]).json()
        assert report["rumors"]["added"] == ["liquor"] and report["pins_compared"] is False
        assert c.post(f"/v1/admin/rumors/proposals/{pid}/publish", headers=h["ed"]).status_code == 403
        assert backend.get("liquor") is None and _pins(c, CLAIM_QUERY) == []
        done = c.post(f"/v1/admin/rumors/proposals/{pid}/publish", headers=h["ann"])
        assert done.status_code == 200 and done.json()["approval"] == "four-eyes", done.text
        assert backend.get("liquor") is not None
        assert _pins(c, CLAIM_QUERY) == ["liquor"]  # no stale memoised answer
        events = c.get("/v1/admin/rumors/audit", headers=h["rita"]).json()["events"]
        assert [(e["event"], e["actor"]) for e in events] == [("propose", "ed"), ("publish", "ann")]


def test_a_publication_answers_200_when_only_the_reload_after_it_fails(app_and_tokens, monkeypatch):
    """Published and committed: a failing reload of this process's index is logged and counted, and the periodic
    refresh tries again; the answer is not a 500 that invites a retry of a done publication."""
    app, h = app_and_tokens
    body = {"jsonl": json.dumps(LIQUOR, ensure_ascii=False) + "\n"}

    def broken() -> bool:
        raise OSError("index reload failed")

    with TestClient(app) as c:
        pid = c.post("/v1/admin/rumors/proposals", json=body, headers=h["ed"]).json()["id"]
        monkeypatch.setattr(app.state.guard.checks, "refresh_rumors", broken)
        done = c.post(f"/v1/admin/rumors/proposals/{pid}/publish", headers=h["ann"])
        assert done.status_code == 200 and done.json()["status"] == "published", done.text
        monkeypatch.undo()
        app.state.guard.refresh_rumors()
        assert _pins(c) == ["liquor"]
