"""The deployment's noise set (``noise_skip`` / ``noise_keep``) reaches the published lexicon version the
service loads, and that version's compiled artefact is shared under the noise set's identity."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient

from plugin.store import LexiconStore
from service.app import create_app
from service.config import ServiceConfig


def test_a_published_version_is_served_with_the_noise_set_and_stored_as_its_artefact(tmp_path: Path) -> None:
    db = str(tmp_path / "guard.db")
    cfg = ServiceConfig(db_path=db, noise_skip="丨", model_scoring=False)
    store = LexiconStore(db, cfg.store)
    store.ensure_seeded()
    cs = store.create_changeset("alice")
    rev = store.set_change(cs, "add", entry={"term": "云顶棋牌室", "category": "gambling", "action": "block"},
                           editor="alice")["revision"]
    version = store.publish(cs, approver="bob", expected_revision=rev, force=True)
    store.close()
    with TestClient(create_app(cfg, rumors=None)) as client:
        r = client.post("/v1/query/check", json={"query": "云丨顶丨棋丨牌丨室 进群"})
        assert r.json()["action"] == "block" and r.json()["lexicon_version"] == str(version), r.json()
        formats = [a["format"] for a in client.app.state.guard.lexicon_store.artefacts()]  # type: ignore[attr-defined]
    assert len(formats) == 1 and "+noise:" in formats[0]
