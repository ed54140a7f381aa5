"""/v1/admin API on a minimal app: roles, drafts, preview, publish, conflicts, rollback, import/export, reload.

Every identity is the name of the request's token: authors, contributors, approvers."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from tests.service.editorial_app import make_app
from tests.service.tokens import make_tokens


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
    r = c.post(f"/v1/admin/changesets/{cs}/publish", json={"expected_revision": 0}, headers=h["eve"])
    assert r.status_code == 403
    assert c.post("/v1/admin/rollback", json={"to_version": 1}, headers=h["rita"]).status_code == 403


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
    rep = c.post(f"/v1/admin/changesets/{cs}/preview", headers=h["adm"]).json()
    assert rep["newly_blocked"][0]["highlight_after"] == "【线上棋牌】开局"  # from the recorded query sample
    assert rep["corpus"]["sources"]["query"] == 1 and (rep["changeset_id"], rep["revision"]) == (cs, 1)
    r = c.post(f"/v1/admin/changesets/{cs}/publish", json={"expected_revision": 1}, headers=h["adm"])
    assert r.status_code == 422 and r.json()["issues"][-1]["code"] == "block_share"
    r = c.post(f"/v1/admin/changesets/{cs}/publish", json={"expected_revision": 1, "force": True}, headers=h["adm"])
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
    r = c.post(f"/v1/admin/changesets/{cs}/publish", json={"expected_revision": 1}, headers=h["ann"])
    assert r.status_code == 403 and "four-eyes" in r.json()["detail"]


def test_conflict_and_validation_over_http(env) -> None:
    app, c, h = env
    a = c.post("/v1/admin/changesets", json={}, headers=h["ed"]).json()["id"]
    b = c.post("/v1/admin/changesets", json={}, headers=h["eve"]).json()["id"]
    for cs, term in ((a, "线上棋牌"), (b, "网络赌球")):
        c.post(f"/v1/admin/changesets/{cs}/changes", headers=h["ed"],
               json={"op": "add", "entry": {"term": term, "category": "gambling"}})
    assert c.post(f"/v1/admin/changesets/{a}/publish", json={"expected_revision": 1},
                  headers=h["ann"]).status_code == 200
    r = c.post(f"/v1/admin/changesets/{b}/publish", json={"expected_revision": 1}, headers=h["ann"])
    assert r.status_code == 409 and r.json()["live_version"] == 2 and "kept" in r.json()["detail"]
    assert c.post(f"/v1/admin/changesets/{b}/rebase", headers=h["eve"]).json()["to_version"] == 2
    rev = c.post(f"/v1/admin/changesets/{b}/changes", headers=h["eve"],
                 json={"op": "add", "entry": {"term": "赌", "category": "gambling"}}).json()["revision"]
    r = c.post(f"/v1/admin/changesets/{b}/publish", json={"expected_revision": rev}, headers=h["ann"])
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
    rev = c.get(f"/v1/admin/changesets/{cs}", headers=h["ann"]).json()["revision"]
    r = c.post(f"/v1/admin/changesets/{cs}/publish", json={"note": "import", "expected_revision": rev},
               headers=h["ann"])
    assert r.json()["number"] == 2
    hist = c.get("/v1/admin/history", params={"term_id": "gambling:线上棋牌"}, headers=h["rita"]).json()
    assert hist["revisions"][0]["since_version"] == 2
    d = c.get("/v1/admin/diff", params={"from": 1, "to": 2}, headers=h["rita"]).json()
    assert [e["term"] for e in d["added"]] == ["线上棋牌"]
    r = c.post("/v1/admin/rollback", json={"to_version": 1, "note": "oops"}, headers=h["ed"])
    assert r.status_code == 201 and (r.json()["kind"], r.json()["author"], r.json()["status"]) == (
        "rollback", "ed", "draft")
    rb = r.json()
    r = c.post(f"/v1/admin/changesets/{rb['id']}/publish", json={"expected_revision": rb["revision"]},
               headers=h["ann"])
    assert r.status_code == 200 and (r.json()["kind"], r.json()["author"], r.json()["approver"]) == (
        "rollback", "ed", "ann")
    assert app.state.guard.live.version == "3"
    vs = c.get("/v1/admin/versions", headers=h["rita"]).json()
    assert [v["number"] for v in vs["versions"]] == [3, 2, 1] and vs["live"] == 3


def test_poller_picks_up_versions_published_elsewhere(env, db_path: Path) -> None:
    from plugin.store import LexiconStore
    from tests.store_config import make_config
    app, c, h = env
    other = LexiconStore(db_path, make_config())  # e.g. the CLI in another process
    cs = other.create_changeset("cli-user")
    rev = other.set_change(cs, "add", entry={"term": "线上棋牌", "category": "gambling", "action": "block"},
                           editor="cli-user")["revision"]
    other.publish(cs, approver="lead", expected_revision=rev, force=True)
    end = time.monotonic() + 5
    while app.state.guard.live.version != "2" and time.monotonic() < end:
        time.sleep(0.02)
    assert c.get("/v1/check", params={"text": "线上棋牌"}).json()["version"] == "2"


def _draft(c, h, who: str, *terms: str) -> int:
    cs = c.post("/v1/admin/changesets", json={}, headers=h[who]).json()["id"]
    for term in terms:
        c.post(f"/v1/admin/changesets/{cs}/changes", headers=h[who],
               json={"op": "add", "entry": {"term": term, "category": "gambling"}})
    return cs


def test_an_approver_who_changed_a_draft_cannot_publish_it(env) -> None:
    app, c, h = env
    cs = _draft(c, h, "ed", "线上棋牌")
    r = c.post(f"/v1/admin/changesets/{cs}/changes", headers=h["ann"],  # the approver slips an entry in
               json={"op": "add", "entry": {"term": "网络赌球", "category": "gambling", "action": "allow"}})
    assert r.status_code == 200
    rev = r.json()["revision"]
    r = c.post(f"/v1/admin/changesets/{cs}/publish", json={"expected_revision": rev}, headers=h["ann"])
    assert r.status_code == 403 and "'ann' changed change-set" in r.json()["detail"]
    cs2 = _draft(c, h, "ed", "线上棋牌", "网络赌球")
    r = c.delete(f"/v1/admin/changesets/{cs2}/changes", params={"term_id": "gambling:网络赌球"}, headers=h["adm"])
    r = c.post(f"/v1/admin/changesets/{cs2}/publish", json={"expected_revision": r.json()["revision"]},
               headers=h["adm"])
    assert r.status_code == 403 and "four-eyes" in r.json()["detail"]
    got = c.get(f"/v1/admin/changesets/{cs}", headers=h["rita"]).json()
    assert got["contributors"] == ["ed", "ann"] and c.get("/v1/admin/status", headers=h["rita"]).json()[
        "store_version"] == 1
    r = c.post(f"/v1/admin/changesets/{cs}/publish", json={"expected_revision": rev}, headers=h["adm"])
    assert r.status_code == 200 and (r.json()["author"], r.json()["approver"], r.json()["approval"]) == (
        "ed", "adm", "four-eyes")


def test_publish_must_name_the_revision_that_was_reviewed(env) -> None:
    app, c, h = env
    cs = _draft(c, h, "ed", "线上棋牌")
    r = c.post(f"/v1/admin/changesets/{cs}/publish", json={}, headers=h["ann"])
    assert r.status_code == 422 and r.json()["errors"][0]["loc"][-1] == "expected_revision"
    seen = c.post(f"/v1/admin/changesets/{cs}/preview", headers=h["ann"]).json()["revision"]
    c.post(f"/v1/admin/changesets/{cs}/changes", headers=h["ed"],  # the author edits after the preview
           json={"op": "add", "entry": {"term": "抢红包", "category": "gambling", "action": "block"}})
    r = c.post(f"/v1/admin/changesets/{cs}/publish", json={"expected_revision": seen, "force": True},
               headers=h["ann"])
    assert r.status_code == 409 and r.json()["revision"] == seen + 1 and "changed after you reviewed" in r.json()[
        "detail"]
    assert app.state.guard.live.version == "1"


def test_rollback_is_requested_by_one_and_published_by_another(env) -> None:
    app, c, h = env
    cs = _draft(c, h, "ed", "线上棋牌")
    assert c.post(f"/v1/admin/changesets/{cs}/publish", json={"expected_revision": 1},
                  headers=h["ann"]).status_code == 200
    r = c.post("/v1/admin/rollback", json={"to_version": 1, "requested_by": "ed"}, headers=h["ann"])
    assert r.status_code == 422 and "identity comes from the API token" in r.text
    rb = c.post("/v1/admin/rollback", json={"to_version": 1}, headers=h["ann"]).json()
    assert rb["author"] == "ann" and app.state.guard.live.version == "2"  # asking publishes nothing
    r = c.post(f"/v1/admin/changesets/{rb['id']}/publish", json={"expected_revision": rb["revision"]},
               headers=h["ann"])
    assert r.status_code == 403 and "four-eyes" in r.json()["detail"]
    r = c.post(f"/v1/admin/changesets/{rb['id']}/changes", headers=h["ann"],
               json={"op": "remove", "term_id": "gambling:百家乐"})
    assert r.status_code == 400 and "cannot be edited" in r.json()["detail"]
    r = c.post(f"/v1/admin/changesets/{rb['id']}/publish", json={"expected_revision": rb["revision"]},
               headers=h["adm"])
    assert r.status_code == 200 and (r.json()["kind"], r.json()["author"], r.json()["approver"]) == (
        "rollback", "ann", "adm")
    assert app.state.guard.live.version == "3"


def test_openapi_names_no_person_fields(env) -> None:
    app, c, h = env
    schemas = c.get("/openapi.json").json()["components"]["schemas"]
    assert "requested_by" not in schemas["RollbackIn"]["properties"]
    assert "expected_revision" in schemas["PublishIn"]["required"]


def test_rollout_lists_each_replica_and_its_version(env) -> None:
    app, c, h = env
    assert c.get("/v1/admin/rollout", headers=h["ann"]).status_code == 403  # admin only
    r = c.get("/v1/admin/rollout", headers=h["adm"]).json()
    me = app.state.guard.lexicon_poller.replica_id
    assert r["this_replica"] == me and r["store_version"] == 1 and r["converged"] is True
    (replica,) = r["replicas"]
    assert replica["replica_id"] == me and replica["version_served"] == "1" and replica["live"]
    # another replica that stopped serving long ago, and one still on an old version
    store = app.state.guard.lexicon_store
    store.heartbeat("old-host:1:abc", "0")
    store.db.execute("UPDATE lexicon_replicas SET last_seen = '2020-01-01T00:00:00+00:00'"
                     " WHERE replica_id = 'old-host:1:abc'")
    r = c.get("/v1/admin/rollout", headers=h["adm"]).json()
    assert r["converged"] is True and [x["live"] for x in r["replicas"]] == [True, False]
    store.heartbeat("lagging:2:def", "0")
    assert c.get("/v1/admin/rollout", headers=h["adm"]).json()["converged"] is False


def test_previews_in_the_request_share_the_process_slots(env) -> None:
    """The API's preview runs the whole corpus in the request: with every preview slot of the process taken,
    a further one is a 429 (with Retry-After), not one more core's worth of work."""
    from contextlib import ExitStack

    from service import previews

    app, c, h = env
    cs = c.post("/v1/admin/changesets", json={"note": "x"}, headers=h["ed"]).json()["id"]
    c.post(f"/v1/admin/changesets/{cs}/changes", headers=h["ed"],
           json={"op": "add", "entry": {"term": "线上棋牌", "category": "gambling", "action": "block"}})
    with ExitStack() as held:
        for _ in range(previews.MAX_RUNNING):
            held.enter_context(previews.slot(app))
        busy = c.post(f"/v1/admin/changesets/{cs}/preview", headers=h["ed"])
        assert busy.status_code == 429 and busy.headers["retry-after"] == "5", busy.text
        assert busy.json()["error"] == "preview_busy"
    assert c.post(f"/v1/admin/changesets/{cs}/preview", headers=h["ed"]).status_code == 200
    assert not getattr(app.state, "preview_running")
