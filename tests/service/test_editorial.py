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
