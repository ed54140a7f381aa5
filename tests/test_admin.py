"""/v1/admin API on a minimal app: roles, drafts, preview, publish, conflicts, rollback, import/export, reload."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from tests.store.app import make_app, make_tokens
from tests.store.fixtures import db_path  # noqa: F401


@pytest.fixture
def env(db_path: Path):
    app = make_app(db_path)
    tokens = make_tokens(db_path)
    with TestClient(app) as client:
        yield app, client, {k: {"Authorization": f"Bearer {v}"} for k, v in tokens.items()}


def test_tokens_and_roles(env) -> None:
    app, c, h = env
    assert c.get("/v1/admin/versions").status_code == 401
    assert c.get("/v1/admin/versions", headers={"Authorization": "Bearer qg_nope"}).status_code == 401
    assert c.get("/v1/admin/versions", headers=h["rita"]).status_code == 200
    r = c.post("/v1/admin/changesets", json={"note": "x"}, headers=h["rita"])
    assert r.status_code == 403 and "needs 'editor'" in r.json()["detail"]
    cs = c.post("/v1/admin/changesets", json={"note": "x"}, headers=h["ed"]).json()["id"]
    r = c.post(f"/v1/admin/changesets/{cs}/publish", json={}, headers=h["eve"])
    assert r.status_code == 403
    assert c.post("/v1/admin/rollback", json={"to_version": 1}, headers=h["ed"]).status_code == 403


def test_draft_preview_publish_and_reload(env) -> None:
    app, c, h = env
    assert c.get("/v1/check", params={"text": "线上棋牌开局"}).json()["hits"] == []
    cs = c.post("/v1/admin/changesets", json={"note": "棋牌"}, headers=h["ed"]).json()["id"]
    r = c.post(f"/v1/admin/changesets/{cs}/changes", headers=h["ed"],
               json={"op": "add", "entry": {"term": "线上棋牌", "category": "gambling", "action": "block"}})
    assert r.status_code == 200 and r.json()["changes"][0]["term_id"] == "gambling:线上棋牌"
    r = c.post(f"/v1/admin/changesets/{cs}/changes", headers=h["ed"],
               json={"op": "add", "entry": {"term": "  ", "category": "gambling"}})
    assert r.status_code == 422 and "empty term" in r.text
    rep = c.post(f"/v1/admin/changesets/{cs}/preview", headers=h["ed"]).json()
    assert rep["newly_blocked"][0]["highlight_after"] == "【线上棋牌】开局"  # from the recorded query sample
    assert rep["corpus"]["sources"]["query"] == 1
    r = c.post(f"/v1/admin/changesets/{cs}/publish", json={}, headers=h["adm"])
    assert r.status_code == 422 and r.json()["issues"][-1]["code"] == "block_share"
    r = c.post(f"/v1/admin/changesets/{cs}/publish", json={"force": True}, headers=h["adm"])
    assert r.status_code == 200 and r.json()["number"] == 2 and r.json()["approver"] == "adm"
    assert app.state.guard.live.version == "2"  # this process reloads right away
    body = c.get("/v1/check", params={"text": "线上棋牌开局"}).json()
    assert body["version"] == "2" and body["hits"][0]["term"] == "线上棋牌"
    st = c.get("/v1/admin/status", headers=h["rita"]).json()
    assert st["store_version"] == 2 and st["serving_version"] == "2"


def test_four_eyes_over_http(env) -> None:
    app, c, h = env
    cs = c.post("/v1/admin/changesets", json={}, headers=h["ann"]).json()["id"]
    c.post(f"/v1/admin/changesets/{cs}/changes", headers=h["ann"],
           json={"op": "add", "entry": {"term": "线上棋牌", "category": "gambling"}})
    r = c.post(f"/v1/admin/changesets/{cs}/publish", json={}, headers=h["ann"])
    assert r.status_code == 403 and "four-eyes" in r.json()["detail"]


def test_conflict_and_validation_over_http(env) -> None:
    app, c, h = env
    a = c.post("/v1/admin/changesets", json={}, headers=h["ed"]).json()["id"]
    b = c.post("/v1/admin/changesets", json={}, headers=h["eve"]).json()["id"]
    for cs, term in ((a, "线上棋牌"), (b, "网络赌球")):
        c.post(f"/v1/admin/changesets/{cs}/changes", headers=h["ed"],
               json={"op": "add", "entry": {"term": term, "category": "gambling"}})
    assert c.post(f"/v1/admin/changesets/{a}/publish", json={}, headers=h["ann"]).status_code == 200
    r = c.post(f"/v1/admin/changesets/{b}/publish", json={}, headers=h["ann"])
    assert r.status_code == 409 and r.json()["live_version"] == 2 and "kept" in r.json()["detail"]
    assert c.post(f"/v1/admin/changesets/{b}/rebase", headers=h["eve"]).json()["to_version"] == 2
    c.post(f"/v1/admin/changesets/{b}/changes", headers=h["eve"],
           json={"op": "add", "entry": {"term": "赌", "category": "gambling"}})
    r = c.post(f"/v1/admin/changesets/{b}/publish", json={}, headers=h["ann"])
    assert r.status_code == 422 and r.json()["issues"][0]["code"] == "single_char"
    got = c.get(f"/v1/admin/changesets/{b}", headers=h["rita"]).json()
    assert any(i["code"] == "single_char" for i in got["issues"])
    r = c.post(f"/v1/admin/changesets/{b}/changes", headers=h["eve"], json={"op": "add"})
    assert r.status_code == 422
    r = c.post(f"/v1/admin/changesets/{b}/changes", headers=h["eve"], json={"op": "zap", "term_id": "x"})
    assert r.status_code == 422
    assert c.get("/v1/admin/changesets/999", headers=h["rita"]).status_code == 404


def test_entries_history_rollback_export_import(env) -> None:
    app, c, h = env
    res = c.get("/v1/admin/entries", params={"q": "百家"}, headers=h["rita"]).json()
    assert {e["term_id"] for e in res["entries"]} == {"gambling:百家乐", "gambling:百家乐器"}
    files = c.get("/v1/admin/export", headers=h["rita"]).json()["files"]
    assert set(files) == {"clickbait.yaml", "gambling.yaml", "persona.yaml"}
    new = files["gambling.yaml"] + "- term: 线上棋牌\n  category: gambling\n  action: block\n"
    r = c.post("/v1/admin/import", headers=h["ed"], json={"files": [{"name": "gambling.yaml", "content": new}],
                                                          "dry_run": True})
    assert r.status_code == 200 and r.json()["counts"]["add"] == 1 and r.json()["changeset_id"] is None
    bad = "category: gambling\nentries:\n  - 好词\n  - term: 坏词\n    action: ban\n"
    r = c.post("/v1/admin/import", headers=h["ed"], json={"files": [{"name": "bad.yaml", "content": bad}]})
    assert r.status_code == 422
    assert any(i["source"] == "bad.yaml" and i["line"] == 4 for i in r.json()["issues"])
    r = c.post("/v1/admin/import", headers=h["ed"], json={"files": [{"name": "gambling.yaml", "content": new}]})
    cs = r.json()["changeset_id"]
    assert c.post(f"/v1/admin/changesets/{cs}/publish", json={"note": "import"}, headers=h["ann"]).json()["number"] == 2
    hist = c.get("/v1/admin/history", params={"term_id": "gambling:线上棋牌"}, headers=h["rita"]).json()
    assert hist["revisions"][0]["since_version"] == 2
    d = c.get("/v1/admin/diff", params={"from": 1, "to": 2}, headers=h["rita"]).json()
    assert [e["term"] for e in d["added"]] == ["线上棋牌"]
    r = c.post("/v1/admin/rollback", json={"to_version": 1, "note": "oops"}, headers=h["ann"])
    assert r.status_code == 403  # ann cannot be both requester and approver
    r = c.post("/v1/admin/rollback", json={"to_version": 1, "note": "oops", "requested_by": "ed"}, headers=h["ann"])
    assert r.status_code == 200 and r.json()["kind"] == "rollback" and r.json()["author"] == "ed"
    assert app.state.guard.live.version == "3"
    vs = c.get("/v1/admin/versions", headers=h["rita"]).json()
    assert [v["number"] for v in vs["versions"]] == [3, 2, 1] and vs["live"] == 3


def test_poller_picks_up_versions_published_elsewhere(env, db_path: Path) -> None:
    from plugin.store import LexiconStore
    from tests.store.fixtures import make_config

    app, c, h = env
    other = LexiconStore(db_path, make_config())  # e.g. the CLI in another process
    cs = other.create_changeset("cli-user")
    other.set_change(cs, "add", entry={"term": "线上棋牌", "category": "gambling", "action": "block"})
    other.publish(cs, approver="lead", force=True)
    end = time.monotonic() + 5
    while app.state.guard.live.version != "2" and time.monotonic() < end:
        time.sleep(0.02)
    assert c.get("/v1/check", params={"text": "线上棋牌"}).json()["version"] == "2"
