"""The spam scorer in the service: on by default (the bundled evaluation-only model, review-level, with a
start-up warning), off with ``model_scoring=False``, on every surface served."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any, Callable

import pytest
from fastapi.testclient import TestClient

from tests.candidates import candidate
from tests.spam_models import saved_hand_model

SPAM = "兼职刷单，日结300"


def test_on_by_default_with_the_bundled_model_and_a_warning(make_app: Callable[..., Any],
                                                            caplog: pytest.LogCaptureFixture) -> None:
    from service.config import ServiceConfig

    assert ServiceConfig().model_scoring is True
    with caplog.at_level(logging.INFO, logger="qinglang.events"):
        app = make_app()
    assert app.state.guard.scorer.version.startswith("spam_default@")
    warned = [r.getMessage() for r in caplog.records if r.name == "qinglang.events" and "EVALUATION ONLY" in
              r.getMessage()]
    assert len(warned) == 1 and "CC BY-NC" in warned[0] and "retrain" in warned[0].lower()
    with TestClient(app) as client:
        body = client.post("/v1/query/check", json={"query": "兼职刷单，日结300元，加微信详聊"}).json()
    assert body["action"] == "review"  # a model flag is review-level, never a block on its own
    assert any(s["signal"] == "spam_model" and s["action"] == "review" for s in body.get("signals", []))


def test_off_when_configured(make_app: Callable[..., Any], caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO, logger="qinglang.events"):
        app = make_app(model_scoring=False)
    assert not [r for r in caplog.records if "spam scorer" in r.getMessage()]
    with TestClient(app) as client:
        body = client.post("/v1/query/check", json={"query": SPAM}).json()
    assert body["action"] == "allow" and "signals" not in body


def test_every_surface_uses_the_model(make_app: Callable[..., Any], tmp_path: Path) -> None:
    path = saved_hand_model(tmp_path)
    app = make_app(model_scoring=True, model_path=str(path), protect_trending=False)
    with TestClient(app) as client:
        q = client.post("/v1/query/check", json={"query": SPAM}).json()
        assert q["action"] == "review" and q["signals"][0]["category"] == "fraud"
        assert q["signals"][0]["evidence"] and q["signals"][0]["signal"] == "spam_model"
        s = client.post("/v1/suggestions/filter", json={"prefix": "兼职", "suggestions": [SPAM, "兼职护士招聘"]}).json()
        assert s["kept"] == ["兼职护士招聘"] and s["dropped"][0]["reason"] == "signal:spam_model"
        t = client.post("/v1/trending/review", json={"candidates": [candidate(title=SPAM, text="")]}).json()
        result = t["results"][0]
        assert result["decision"] == "review"
        assert any(r["rule"] == "signal" and "evidence" in r["detail"] for r in result["reasons"])
    assert app.state.guard.scorer.version.startswith("hand@")


def test_the_service_records_a_scored_sample_of_its_traffic(make_app: Callable[..., Any], tmp_path: Path) -> None:
    app = make_app(model_scoring=True, model_path=str(saved_hand_model(tmp_path)), model_audit_rate=1.0,
                   model_audit_limit=2)
    with TestClient(app) as client:
        for q in ("今天天气", SPAM, "城市花展"):
            client.post("/v1/query/check", json={"query": q})
        app.state.guard.samples.drain()
    obs = app.state.guard.model_store.observations()
    assert [(o.text, o.flagged, o.surface) for o in obs] == [(SPAM, True, "query"), ("城市花展", False, "query")]
