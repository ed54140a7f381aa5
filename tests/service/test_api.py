"""The HTTP API in-process (FastAPI TestClient / httpx ASGITransport)."""

from __future__ import annotations

import httpx
import pytest
from fastapi.testclient import TestClient

from tests.candidates import candidate
from tests.service.tokens import authorize
@pytest.fixture()
def client(make_app, fake_rumors):
    with TestClient(make_app(rumors=fake_rumors)) as c:
        authorize(c)  # a reviewer token named alice: the review queue needs one
        yield c


def test_query_check_allow(client):
    r = client.post("/v1/query/check", json={"query": "城市公园花展"})
    assert r.status_code == 200
    body = r.json()
    assert set(body) >= {"action", "hits", "pins", "labels", "notice", "lexicon_version"}
    assert body["action"] == "allow" and body["hits"] == [] and body["pins"] == [] and body["notice"] is None
    assert body["lexicon_version"] == "svc-test-1"


def test_query_check_block_explains(client):
    body = client.post("/v1/query/check", json={"query": "哪里有赌_场"}).json()
    assert body["action"] == "block"
    assert body["hits"][0]["category"] == "gambling" and body["hits"][0]["surface"] == "赌_场"
    assert body["notice"] and "赌博" in body["notice"]


def test_query_check_review(client):
    assert client.post("/v1/query/check", json={"query": "加微信领取"}).json()["action"] == "review"


def test_rumor_query_gets_pins(client):
    body = client.post("/v1/query/check", json={"query": "喝盐水防病毒是真的吗"}).json()
    assert body["action"] == "allow"
    assert body["pins"] and body["pins"][0]["rumor_id"] == "r1" and body["pins"][0]["refutation"]["url"]
    assert any(l["label"] == "谣言" for l in body["labels"])
    assert body["notice"]


def test_disputed_query_gets_a_label_not_a_pin(client):
    body = client.post("/v1/query/check", json={"query": "某地水源污染"}).json()
    assert body["pins"] == [] and [l["label"] for l in body["labels"]] == ["争议"]


def test_suggestions_keep_input_order_and_say_why(client):
    sugg = ["澳门旅游攻略", "澳门赌场", "澳门美食", "看完惊呆了", "喝盐水防病毒", "澳门美食"]
    body = client.post("/v1/suggestions/filter", json={"prefix": "澳门", "suggestions": sugg}).json()
    assert body["kept"] == ["澳门旅游攻略", "澳门美食", "澳门美食"]
    reasons = {d["text"]: d["reason"] for d in body["dropped"]}
    assert reasons == {"澳门赌场": "lexicon:gambling", "看完惊呆了": "lexicon:clickbait", "喝盐水防病毒": "rumor:r1"}
    assert all(set(d) >= {"text", "reason", "hits"} for d in body["dropped"])


def test_suggestions_blocked_prefix_drops_all(client):
    body = client.post("/v1/suggestions/filter", json={"prefix": "赌场", "suggestions": ["赌场攻略", "赌场在哪"]}).json()
    assert body["kept"] == [] and all(d["reason"] == "prefix:gambling" for d in body["dropped"])


def test_suggestions_empty_list(client):
    assert client.post("/v1/suggestions/filter", json={"prefix": "", "suggestions": []}).json()["kept"] == []


def test_trending_review_and_queue_flow(client):
    cands = [candidate(id="ok"), candidate(id="imp", account={"name": "某市公安局"}), candidate(id="bad", title="赌场开业")]
    r = client.post("/v1/trending/review", json={"candidates": cands})
    assert r.status_code == 200
    results = {x["id"]: x for x in r.json()["results"]}
    assert [x["id"] for x in r.json()["results"]] == ["ok", "imp", "bad"]
    assert results["ok"]["decision"] == "approve"
    assert results["imp"]["decision"] == "review" and results["bad"]["decision"] == "reject"
    for x in results.values():
        assert set(x) >= {"id", "decision", "reasons", "required_labels", "hits", "refutations", "freeze_interactions"}
        assert all(set(reason) == {"rule", "clause", "detail"} for reason in x["reasons"])

    pending = client.get("/v1/reviews", params={"status": "pending"}).json()
    assert pending["total"] == 1
    item = pending["items"][0]
    assert item["id"] == results["imp"]["review_id"] and item["candidate_id"] == "imp"
    assert item["automatic"]["lexicon_version"] == "svc-test-1" and item["automatic"]["rule_results"]

    d = client.post(f"/v1/reviews/{item['id']}/decision", json={"decision": "reject", "note": "仿冒"})
    assert d.status_code == 200 and d.json()["status"] == "decided" and d.json()["human"]["reviewer"] == "alice"
    assert client.get("/v1/reviews", params={"status": "pending"}).json()["total"] == 0
    again = client.post(f"/v1/reviews/{item['id']}/decision", json={"decision": "approve", "note": ""})
    assert again.status_code == 409
    assert client.post("/v1/reviews/rv_missing/decision", json={"decision": "approve"}).status_code == 404
    audit = client.get(f"/v1/reviews/{item['id']}/audit").json()["events"]
    assert [e["event"] for e in audit] == ["auto_decision", "human_decision"]
    assert audit[0]["payload"]["submitted_by"] == "alice"  # the token that sent the batch, not a request field
    assert client.get("/v1/reviews", params={"status": "decided"}).json()["total"] == 1
    assert client.get("/v1/reviews", params={"status": "nonsense"}).status_code == 422


def test_rumor_candidate_rejected_with_refutations(client):
    res = client.post("/v1/trending/review", json={"candidates": [candidate(title="喝盐水防病毒")]}).json()["results"][0]
    assert res["decision"] == "reject" and res["refutations"][0]["rumor_id"] == "r1"


def test_matrix_across_requests(client):
    a = candidate(id="1", title="独家：某明星深夜现身医院", account={"id": "a1", "name": "甲", "owner_id": "o"})
    b = candidate(id="2", title="某明星深夜现身医院！独家", account={"id": "a2", "name": "乙", "owner_id": "o"})
    assert client.post("/v1/trending/review", json={"candidates": [a]}).json()["results"][0]["decision"] == "approve"
    assert client.post("/v1/trending/review", json={"candidates": [b]}).json()["results"][0]["decision"] == "review"


def test_decisions_and_matrix_history_survive_restart(make_app, tmp_path):
    db = tmp_path / "restart.db"
    a = candidate(id="1", title="独家：某明星深夜现身医院", account={"id": "a1", "name": "某市公安局", "owner_id": "o"})
    with TestClient(make_app(db_path=db)) as c:
        authorize(c, "carol")
        rid = c.post("/v1/trending/review", json={"candidates": [a]}).json()["results"][0]["review_id"]
        c.post(f"/v1/reviews/{rid}/decision", json={"decision": "limit", "note": "待核实"})
    with TestClient(make_app(db_path=db)) as c:
        authorize(c, "rita", "reader")
        item = c.get(f"/v1/reviews/{rid}").json()
        assert item["status"] == "decided" and item["human"] == {**item["human"], "reviewer": "carol", "note": "待核实", "decision": "limit"}
        b = candidate(id="2", title="某明星深夜现身医院！独家", account={"id": "a2", "name": "乙", "owner_id": "o"})
        res = c.post("/v1/trending/review", json={"candidates": [b]}).json()["results"][0]
        assert res["decision"] == "review" and any(x["rule"] == "matrix_accounts" for x in res["reasons"])


def test_healthz_and_metrics(client):
    h = client.get("/healthz").json()
    assert h["status"] == "ok" and h["lexicon_version"] == "svc-test-1" and h["rumor_index"] is True
    client.post("/v1/query/check", json={"query": "赌场"})
    client.post("/v1/trending/review", json={"candidates": [candidate(account={"name": "某市公安局"})]})
    text = client.get("/metrics").text
    assert 'qinglang_requests_total{endpoint="/v1/query/check",method="POST",status="200"} 1.0' in text
    assert 'qinglang_request_duration_seconds_count{endpoint="/v1/query/check"} 1.0' in text
    assert 'qinglang_hits_total{action="block",category="gambling",endpoint="query"} 1.0' in text
    assert 'qinglang_review_rule_findings_total{rule="account_name"} 1.0' in text
    assert 'qinglang_review_decisions_total{by="auto",decision="review"} 1.0' in text
    assert 'qinglang_lexicon_info{version="svc-test-1"} 1.0' in text
    assert "qinglang_review_queue_pending 1.0" in text


def test_lexicon_swap_is_visible(client, service_matcher):
    from plugin import Entry, Matcher

    guard = client.app.state.guard
    new = Matcher.from_entries([Entry(term="花展", category="gambling", action="block")], version="42")
    guard.live.swap(new, "42")
    body = client.post("/v1/query/check", json={"query": "城市公园花展"}).json()
    assert body["action"] == "block" and body["lexicon_version"] == "42"
    assert 'qinglang_lexicon_info{version="42"} 1.0' in client.get("/metrics").text


def test_samples_are_recorded_and_drained(client):
    guard = client.app.state.guard
    got = []
    guard.samples.add_sink(got.extend)
    client.post("/v1/query/check", json={"query": "城市公园"})
    client.post("/v1/suggestions/filter", json={"prefix": "城市", "suggestions": ["城市公园"]})
    assert ("query", "城市公园") in guard.samples.snapshot()
    guard.samples.drain()
    assert ("query", "城市公园") in got and ("suggestion", "城市") in got


@pytest.fixture()
def anyio_backend():
    return "asyncio"


@pytest.mark.anyio
async def test_asgi_transport_without_lifespan(make_app):
    app = make_app()
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://guard") as c:
        r = await c.post("/v1/suggestions/filter", json={"prefix": "澳门", "suggestions": ["澳门赌场", "澳门美食"]})
    assert r.status_code == 200 and r.json()["kept"] == ["澳门美食"]


def test_openapi_lists_the_endpoints(client):
    paths = client.get("/openapi.json").json()["paths"]
    for p in ("/v1/query/check", "/v1/suggestions/filter", "/v1/trending/review", "/v1/reviews",
              "/v1/reviews/{review_id}/decision", "/healthz", "/metrics"):
        assert p in paths
    assert client.get("/docs").status_code == 200


def test_empty_batch_stores_nothing(client):
    assert client.post("/v1/trending/review", json={"candidates": []}).json()["results"] == []
    assert client.get("/v1/reviews", params={"status": "all"}).json()["total"] == 0
    assert client.app.state.guard.reviews.conn.execute("SELECT COUNT(*) FROM review_runs").fetchone()[0] == 0
