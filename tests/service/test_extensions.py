"""Extensions (service.state.Extension: the editorial admin, the search proxy) and property tests over random
candidates."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings, strategies as st

from plugin.review import DECISIONS


def test_extension_install_start_stop(make_app, tmp_path, service_matcher):
    from service.app import create_app
    from service.config import ServiceConfig
    from service.state import Extension

    calls = []

    class Ping:
        name = "ping"

        def install(self, app):
            router = APIRouter()

            @router.get("/v1/ping")
            def ping():
                return {"version": app.state.guard.lexicon_version}

            app.include_router(router)
            calls.append("install")

        async def start(self, app):
            calls.append("start")

        async def stop(self, app):
            calls.append("stop")

    ext: Extension = Ping()
    app = create_app(ServiceConfig(db_path=str(tmp_path / "g.db")), matcher=service_matcher, rumors=None,
                     extensions=[ext])
    assert calls == ["install"]
    with TestClient(app) as c:
        assert calls == ["install", "start"]
        assert c.get("/v1/ping").json() == {"version": "svc-test-1"}
        assert c.get("/healthz").json()["extensions"] == ["ping"]
        assert c.get("/v1/admin/status").status_code == 404  # the default extensions were replaced
    assert calls == ["install", "start", "stop"]


def test_default_extensions(make_app):
    from service.config import ServiceConfig
    from service.extensions import default_extensions

    assert [e.name for e in default_extensions(ServiceConfig())] == ["service.admin", "service.model_admin", "service.rumor_admin"]
    assert [e.name for e in default_extensions(ServiceConfig(upstream_url="http://es:9200"))] == \
        ["service.admin", "service.model_admin", "service.rumor_admin", "service.proxy"]
    with TestClient(make_app()) as c:
        assert c.get("/healthz").json()["extensions"] == ["service.admin", "service.model_admin", "service.rumor_admin"]


_texts = st.text(alphabet=st.sampled_from(list("某地商场发生火灾现场浓烟滚滚赌场网传惊呆了卖惨摆拍北京日报公安局 ！？abc123")), min_size=1, max_size=30)
_time = st.one_of(st.none(), st.datetimes(timezones=st.just(__import__("datetime").timezone.utc)).map(lambda d: d.isoformat()))
_candidate = st.fixed_dictionaries({
    "id": st.text(alphabet="abcdef0123456789", min_size=1, max_size=8),
    "title": _texts.filter(str.strip),  # a blank title is a 422 (tests/service/test_input_validation.py)
    "topic_type": st.sampled_from(["current_affairs", "public_policy", "social_event", "domain_info", "entertainment", "other"]),
    "domain": st.sampled_from([None, "finance", "education", "medical", "legal"]),
    "declared": st.fixed_dictionaries({"source": st.sampled_from([None, "", "新华社"]), "ai_generated": st.booleans(), "fiction": st.booleans()}),
    "detected": st.fixed_dictionaries({"ai_generated": st.booleans(), "old_news": st.booleans()}),
    "account": st.fixed_dictionaries({
        "id": st.sampled_from(["a1", "a2", "a3"]), "name": _texts, "verified_org": st.booleans(),
        "certified_domains": st.lists(st.sampled_from(["finance", "education", "medical", "legal"]), max_size=2),
        "registered_at": _time, "renamed_at": _time, "owner_id": st.sampled_from([None, "o1"]),
        "mcn": st.sampled_from([None, "m1"]), "violations_90d": st.integers(0, 5),
    }),
    "event_started_at": _time,
    "metrics": st.fixed_dictionaries({"engagement_per_min": st.lists(st.floats(0, 1e6, allow_nan=False), max_size=20)}),
})


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(batch=st.lists(_candidate, min_size=1, max_size=5))
def test_random_candidates_get_consistent_results(make_app, batch):
    with TestClient(make_app(protect_trending=False)) as c:
        r = c.post("/v1/trending/review", json={"candidates": batch})
    assert r.status_code == 200, r.text
    for cand, res in zip(batch, r.json()["results"]):
        assert res["id"] == cand["id"] and res["decision"] in DECISIONS
        assert len(res["required_labels"]) == len(set(res["required_labels"]))
        assert (res["decision"] == "approve") == (not res["reasons"])
        if res["decision"] == "approve":
            assert not res["required_labels"]
        for reason in res["reasons"]:
            assert reason["rule"] and reason["clause"] and reason["detail"]
        if cand["domain"] and cand["domain"] not in cand["account"]["certified_domains"]:
            assert res["decision"] == "reject"


def test_protected_checks_need_tokens(make_app):
    from plugin.store import TokenStore

    app = make_app(protect_checks=True)
    tokens = TokenStore(app.state.guard.db_path)
    _, reader = tokens.create("search-frontend", "reader")
    _, reviewer = tokens.create("reviewer-bot", "reviewer")
    with TestClient(app) as c:
        assert c.post("/v1/query/check", json={"query": "城市"}).status_code == 401
        ok = c.post("/v1/query/check", json={"query": "城市"}, headers={"Authorization": f"Bearer {reader}"})
        assert ok.status_code == 200
        cand = {"id": "x", "title": "花展", "topic_type": "other", "account": {"id": "a", "name": "某市公安局"}}
        rid = c.post("/v1/trending/review", json={"candidates": [cand]},
                     headers={"Authorization": f"Bearer {reader}"}).json()["results"][0]["review_id"]
        body = {"decision": "approve", "note": "ok"}
        assert c.post(f"/v1/reviews/{rid}/decision", json=body, headers={"Authorization": f"Bearer {reader}"}).status_code == 403
        d = c.post(f"/v1/reviews/{rid}/decision", json=body, headers={"Authorization": f"Bearer {reviewer}"})
        assert d.status_code == 200
        audit = c.get(f"/v1/reviews/{rid}/audit", headers={"Authorization": f"Bearer {reviewer}"}).json()["events"]
        assert audit[-1]["actor"] == "token:reviewer-bot" and audit[-1]["payload"]["reviewer"] == "reviewer-bot"
        assert c.get("/healthz").status_code == 200  # health stays open


def test_samples_reach_the_lexicon_store(make_app):
    app = make_app()
    with TestClient(app) as c:
        c.post("/v1/query/check", json={"query": "城市公园花展"})
        app.state.guard.samples.drain()
        store = app.state.guard.lexicon_store
        assert store is not None
        assert any(t.text == "城市公园花展" for t in store.samples.texts(["query"]))


def test_the_store_section_reaches_the_service_store(make_app):
    app = make_app(four_eyes=False, extra_categories=("campaign",), reload_interval=0.5)
    store = app.state.guard.lexicon_store
    assert store.config.four_eyes is False and store.config.extra_categories == ("campaign",)
    with TestClient(app):
        assert app.state.guard.lexicon_poller.interval == 0.5
