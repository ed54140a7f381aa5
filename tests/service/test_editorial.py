"""service/editorial.py: reader-triggered whole-lexicon work (draft validation, diffs, exports) is bounded per
process (429 ``busy``), and a draft is validated once per revision however often a reader loads it."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient

from tests.service.editorial_app import make_app
from tests.service.tokens import make_tokens


def _env(db_path: Path) -> tuple[object, dict[str, dict[str, str]]]:
    app = make_app(db_path)
    return app, {k: {"Authorization": f"Bearer {v}"} for k, v in make_tokens(db_path).items()}


def test_a_draft_is_validated_once_per_revision(db_path: Path, monkeypatch) -> None:
    app, h = _env(db_path)
    store = app.state.guard.lexicon_store
    calls: list[int] = []
    real = store.validate_changeset
    monkeypatch.setattr(store, "validate_changeset", lambda cs_id: calls.append(cs_id) or real(cs_id))
    with TestClient(app) as c:
        cs = c.post("/v1/admin/changesets", json={"note": "x"}, headers=h["ed"]).json()["id"]
        for _ in range(5):  # a reader reloading the draft
            assert c.get(f"/v1/admin/changesets/{cs}", headers=h["rita"]).json()["issues"][0]["code"] == "empty"
        assert calls == [cs]
        c.post(f"/v1/admin/changesets/{cs}/changes", headers=h["ed"],
               json={"op": "add", "entry": {"term": "线上棋牌", "category": "gambling", "action": "block"}})
        assert c.get(f"/v1/admin/changesets/{cs}", headers=h["rita"]).json()["issues"] == []
        assert calls == [cs, cs]  # a new revision is validated again


def test_whole_lexicon_reads_get_429_when_every_slot_is_taken(db_path: Path, monkeypatch) -> None:
    from service import editorial

    app, h = _env(db_path)
    with TestClient(app) as c:
        cs = c.post("/v1/admin/changesets", json={"note": "x"}, headers=h["ed"]).json()["id"]
        monkeypatch.setattr(editorial, "MAX_WHOLE_LEXICON_READS", 0)
        for url in (f"/v1/admin/changesets/{cs}", "/v1/admin/diff?from=1", "/v1/admin/export"):
            r = c.get(url, headers=h["rita"])
            assert r.status_code == 429 and r.json()["error"] == "busy" and r.headers["retry-after"], url
        monkeypatch.setattr(editorial, "MAX_WHOLE_LEXICON_READS", 2)
        for url in (f"/v1/admin/changesets/{cs}", "/v1/admin/diff?from=1", "/v1/admin/export"):
            assert c.get(url, headers=h["rita"]).status_code == 200, url
        assert app.state.whole_lexicon_reads == 0  # every slot given back


def test_older_versions_entries_and_the_version_page_take_a_whole_lexicon_slot(db_path: Path, monkeypatch) -> None:
    """Listing the entries of a version other than the live one parses every entry of it (~0.5 ms an entry, and
    the store keeps 4 versions parsed: a reader cycling through 5 versions made each request parse one again), and
    the console's version page diffs two whole versions: both ran without a slot, any number at once."""
    from service import editorial
    from service.ui import CSRF_FIELD, PREFIX

    app, h = _env(db_path)
    store = app.state.guard.lexicon_store
    with TestClient(app, follow_redirects=False) as c:
        cs = store.create_changeset("ed", "x")
        store.set_change(cs, "add", editor="ed", entry={"term": "线上棋牌", "category": "gambling", "action": "block"})
        live = store.publish(cs, approver="ann", expected_revision=store.changeset(cs)["revision"], force=True)
        secret = h["rita"]["Authorization"].split()[1]
        assert c.post(f"{PREFIX}/login", data={"token": secret, CSRF_FIELD: ""},
                      headers={"Origin": "http://testserver"}).status_code == 303
        monkeypatch.setattr(editorial, "MAX_WHOLE_LEXICON_READS", 0)
        r = c.get("/v1/admin/entries", params={"version": 1}, headers=h["rita"])
        assert r.status_code == 429 and r.json()["error"] == "busy", r.text
        for page in (f"{PREFIX}/versions/{live}", f"{PREFIX}/?version=1"):
            r = c.get(page)
            assert r.status_code == 303 and "whole-lexicon" in r.headers.get("set-cookie", ""), (page, r.headers)
        for params in ({}, {"version": live}):  # the live version is parsed and compiled already
            assert c.get("/v1/admin/entries", params=params, headers=h["rita"]).status_code == 200
        assert c.get(f"{PREFIX}/").status_code == 200
        monkeypatch.setattr(editorial, "MAX_WHOLE_LEXICON_READS", 2)
        assert c.get("/v1/admin/entries", params={"version": 1}, headers=h["rita"]).status_code == 200
        assert c.get(f"{PREFIX}/versions/{live}").status_code == 200
        assert c.get(f"{PREFIX}/?version=1").status_code == 200
        assert app.state.whole_lexicon_reads == 0


def test_imports_take_a_whole_lexicon_slot(db_path: Path, monkeypatch) -> None:
    """An import parses and validates every line against the whole base version: a 1 MiB text file of short terms
    is ~80,000 entries, seconds of a core, and any number ran at once, from the API and the console's bulk upload."""
    from service import editorial
    from service.ui import CSRF_FIELD, PREFIX, csrf_token

    app, h = _env(db_path)
    body = {"files": [{"name": "more.txt", "content": "# category: gambling\n线上棋牌\n"}], "dry_run": True}
    with TestClient(app, follow_redirects=False) as c:
        secret = h["ed"]["Authorization"].split()[1]
        assert c.post(f"{PREFIX}/login", data={"token": secret}, headers={"Origin": "http://testserver"}).status_code == 303
        form = {"mode": "confirm", "content": "线上棋牌\n", "suffix": "txt", "category": "gambling", "changeset": "0",
                CSRF_FIELD: csrf_token(secret)}
        monkeypatch.setattr(editorial, "MAX_WHOLE_LEXICON_READS", 0)
        r = c.post("/v1/admin/import", json=body, headers=h["ed"])
        assert r.status_code == 429 and r.json()["error"] == "busy", r.text
        r = c.post(f"{PREFIX}/upload", data=form, headers={"Origin": "http://testserver"})
        assert r.status_code == 303 and "whole-lexicon" in r.headers.get("set-cookie", ""), r.headers
        assert app.state.guard.lexicon_store.changesets("draft") == []
        monkeypatch.setattr(editorial, "MAX_WHOLE_LEXICON_READS", 2)
        assert c.post("/v1/admin/import", json=body, headers=h["ed"]).json()["counts"]["add"] == 1
        r = c.post(f"{PREFIX}/upload", data=form, headers={"Origin": "http://testserver"})
        assert r.status_code == 303 and "/changesets/" in r.headers["location"]
        assert app.state.whole_lexicon_reads == 0
