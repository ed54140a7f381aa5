"""/v1/admin/models: propose (upload) → preview per surface → publish by another identity → hot reload →
rollback; roles and bad uploads."""

from __future__ import annotations

import base64
from contextlib import ExitStack
from pathlib import Path
from typing import Any, Callable

from fastapi.testclient import TestClient

from plugin.scoring.model import model_bytes
from service import previews
from tests.service.tokens import make_tokens
from tests.spam_models import hand_model, saved_hand_model

GAMBLING_TEXT = "网赌上分"


def _upload(**kw: Any) -> dict[str, str]:
    card, weights = model_bytes(hand_model(**kw))
    return {"card": card.decode(), "weights_base64": base64.b64encode(weights).decode(), "note": "test"}


def test_propose_preview_publish_reload_rollback(make_app: Callable[..., Any], tmp_path: Path) -> None:
    app = make_app(model_scoring=True, model_path=str(saved_hand_model(tmp_path)), max_body_bytes=4_000_000,
                   reload_interval=60)
    h = {k: {"Authorization": f"Bearer {v}"} for k, v in make_tokens(Path(app.state.guard.db_path)).items()}
    with TestClient(app) as c:
        assert c.post("/v1/query/check", json={"query": GAMBLING_TEXT}).json()["action"] == "review"
        app.state.guard.samples.drain()  # the recent query goes into the preview corpus
        fraud_only = _upload(seeded={"刷单": ("fraud", 12.0)}, name="fraudonly")
        assert c.post("/v1/admin/models/proposals", json=fraud_only, headers=h["rita"]).status_code == 403
        r = c.post("/v1/admin/models/proposals", json={**fraud_only, "author": "x"}, headers=h["ed"])
        assert r.status_code == 422  # the identity comes from the token
        prop = c.post("/v1/admin/models/proposals", json=fraud_only, headers=h["ed"])
        assert prop.status_code == 201 and prop.json()["author"] == "ed"
        pid = prop.json()["id"]
        with ExitStack() as held:  # every preview slot of the process taken (lexicon or model): 429
            for _ in range(previews.MAX_RUNNING):
                held.enter_context(previews.slot(app))
            busy = c.post(f"/v1/admin/models/proposals/{pid}/preview", headers=h["eve"])
            assert busy.status_code == 429 and busy.json()["error"] == "preview_busy", busy.text
        rep = c.post(f"/v1/admin/models/proposals/{pid}/preview", headers=h["eve"]).json()
        assert rep["surfaces"]["query"]["no_longer_flagged"] == 1
        assert rep["surfaces"]["query"]["examples"][0]["text"] == GAMBLING_TEXT
        assert rep["surfaces"]["trending"]["texts"] >= 400  # the shipped sample titles
        assert c.post(f"/v1/admin/models/proposals/{pid}/publish", headers=h["ed"]).status_code == 403  # role
        own = c.post("/v1/admin/models/proposals", json=_upload(), headers=h["adm"]).json()["id"]
        r = c.post(f"/v1/admin/models/proposals/{own}/publish", headers=h["adm"])
        assert r.status_code == 403 and r.json()["error"] == "four_eyes"
        r = c.post(f"/v1/admin/models/proposals/{pid}/publish", headers=h["ann"])
        assert r.status_code == 200 and r.json()["number"] == 1 and r.json()["approver"] == "ann"
        # every check uses it at once, without a restart
        assert c.post("/v1/query/check", json={"query": GAMBLING_TEXT}).json()["action"] == "allow"
        assert c.post(f"/v1/admin/models/proposals/{own}/publish", headers=h["ann"]).json()["number"] == 2
        assert c.post("/v1/query/check", json={"query": GAMBLING_TEXT}).json()["action"] == "review"
        rb = c.post("/v1/admin/models/rollback", json={"to_version": 1}, headers=h["ed"])
        assert rb.status_code == 201
        assert c.post(f"/v1/admin/models/proposals/{rb.json()['id']}/publish", headers=h["ed"]).status_code == 403
        assert c.post(f"/v1/admin/models/proposals/{rb.json()['id']}/publish", headers=h["ann"]).status_code == 200
        assert c.post("/v1/query/check", json={"query": GAMBLING_TEXT}).json()["action"] == "allow"
        gone = c.post("/v1/admin/models/proposals", json=_upload(), headers=h["ed"]).json()["id"]
        assert c.delete(f"/v1/admin/models/proposals/{gone}", headers=h["rita"]).status_code == 403  # role
        dropped = c.delete(f"/v1/admin/models/proposals/{gone}", headers=h["eve"]).json()
        assert dropped["status"] == "discarded" and dropped["discarded_by"] == "eve"  # the token's name
        st = c.get("/v1/admin/models", headers=h["rita"]).json()
        assert st["live_version"] == 3 and st["serving"].startswith("fraudonly@") and st["proposals"] == []


def test_bad_uploads_are_4xx(make_app: Callable[..., Any]) -> None:
    app = make_app(max_body_bytes=4_000_000, model_scoring=False)
    h = {k: {"Authorization": f"Bearer {v}"} for k, v in make_tokens(Path(app.state.guard.db_path)).items()}
    good = _upload()
    with TestClient(app) as c:
        for body in ({**good, "weights_base64": "!!!!"}, {**good, "card": "{}"}, {**good, "card": "[1, NaN]"},
                     {**good, "weights_base64": base64.b64encode(b"not a zip").decode()}):
            r = c.post("/v1/admin/models/proposals", json=body, headers=h["ed"])
            assert r.status_code == 422, r.text
        assert c.post("/v1/admin/models/proposals/999/publish", headers=h["ann"]).status_code == 404
        assert c.post("/v1/admin/models/rollback", json={"to_version": 5}, headers=h["ed"]).status_code == 404
        assert c.get("/v1/admin/models", headers=h["rita"]).json()["model_scoring"] is False
