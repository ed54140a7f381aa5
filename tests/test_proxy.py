"""Search proxy: routing, guard hooks, faithful upstream errors (MockTransport) and a real osmem upstream."""

import json
from types import SimpleNamespace

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from opensearchpy import OpenSearch

from plugin.search.rumor_backend import SearchEngineRumorBackend
from service import proxy
from tests.search.engine import RUMORS, build_matcher, os_url, osmem, seed_news  # noqa: F401
from tests.search.fakes import FakeMatcher, FakeRumors, pin

TERMS = {"百家乐": "block"}


def make_app(handler=None, *, upstream="http://upstream:9200", matcher=None, rumors=None, client=None, **cfg):
    app = FastAPI()
    matcher = matcher or FakeMatcher(TERMS)
    app.state.guard = SimpleNamespace(
        config=SimpleNamespace(upstream_url=upstream, **cfg),
        live=SimpleNamespace(current=lambda: matcher),
        rumors=rumors,
    )
    if handler is not None:
        app.state.search_proxy_client = httpx.AsyncClient(transport=httpx.MockTransport(handler))
    elif client is not None:
        app.state.search_proxy_client = client
    proxy.install(app)
    return app


def hits_response(n, start=0, title="新闻"):
    return {"took": 1, "hits": {"total": {"value": 100, "relation": "eq"}, "max_score": 1.0,
                                "hits": [{"_index": "news", "_id": f"d{i}", "_source": {"title": f"{title}{i}"}}
                                         for i in range(start, start + n)]}}


def test_search_forwarded_with_params_and_headers():
    seen = []

    def handler(request: httpx.Request):
        seen.append(request)
        body = json.loads(request.content)
        return httpx.Response(200, json=hits_response(body["size"], body["from"]),
                              headers={"X-Elastic-Product": "Elasticsearch"})

    with TestClient(make_app(handler)) as tc:
        r = tc.post("/es/news/_search?from=2&size=3&routing=a", json={"query": {"match": {"title": "新闻"}}})
    assert r.status_code == 200
    assert [h["_id"] for h in r.json()["hits"]["hits"]] == ["d2", "d3", "d4"]
    assert r.headers["x-elastic-product"] == "Elasticsearch"
    (req,) = seen
    assert req.url.path == "/news/_search" and req.url.params["routing"] == "a"
    assert "from" not in req.url.params  # paging moved into the body, where the guard controls it


def test_blocked_query_not_forwarded():
    def handler(request):
        raise AssertionError("must not reach upstream")

    with TestClient(make_app(handler)) as tc:
        r = tc.get("/es/_search", params={"q": "title:百家乐"})
        c = tc.post("/es/news/_count", json={"query": {"match": {"title": "百家乐"}}})
    assert r.status_code == 200 and r.json()["hits"]["hits"] == [] and r.json()["qinglang"]["blocked"]
    assert c.json()["count"] == 0 and c.json()["qinglang"]["notice"]


def test_other_paths_forbidden():
    with TestClient(make_app(lambda r: httpx.Response(200, json={}))) as tc:
        for method, path in [("GET", "/es/"), ("DELETE", "/es/news"), ("PUT", "/es/news/_doc/1"),
                             ("POST", "/es/_bulk"), ("GET", "/es/_cat/indices"), ("DELETE", "/es/news/_search"),
                             ("POST", "/es/news/_delete_by_query")]:
            r = tc.request(method, path)
            assert r.status_code == 403, (method, path)
            assert r.json()["error"]["type"] == "security_exception"


def test_upstream_errors_passed_through():
    body = b'{"error":{"type":"index_not_found_exception","reason":"no such index [x]"},"status":404}'

    def handler(request):
        return httpx.Response(404, content=body, headers={"content-type": "application/json; charset=UTF-8"})

    with TestClient(make_app(handler)) as tc:
        r = tc.post("/es/x/_search", json={"query": {"match": {"title": "新闻"}}})
        c = tc.get("/es/x/_count")
        m = tc.post("/es/_msearch", content=b'{"index":"x"}\n{"query":{"match_all":{}}}\n')
    for resp in (r, c, m):
        assert resp.status_code == 404 and resp.content == body
        assert resp.headers["content-type"].startswith("application/json")


def test_timeout_and_unreachable():
    def slow(request):
        raise httpx.ReadTimeout("slow", request=request)

    def down(request):
        raise httpx.ConnectError("refused", request=request)

    with TestClient(make_app(slow)) as tc:
        assert tc.post("/es/_search", json={}).status_code == 504
    with TestClient(make_app(down)) as tc:
        r = tc.post("/es/_search", json={})
        assert r.status_code == 502 and r.json()["error"]["type"] == "upstream_unreachable"


@pytest.mark.parametrize("content,kind", [(b"{not json", "parse_exception"), (b"[1]", "parse_exception"),
                                          (b'{"from": -3}', "illegal_argument_exception")])
def test_bad_bodies_are_400(content, kind):
    with TestClient(make_app(lambda r: httpx.Response(200, json=hits_response(1)))) as tc:
        r = tc.post("/es/news/_search", content=content, headers={"content-type": "application/json"})
    assert r.status_code == 400 and r.json()["error"]["type"] == kind
    with TestClient(make_app(lambda r: httpx.Response(200, json={}))) as tc:
        assert tc.post("/es/_msearch", content=b'{"index":"a"}\n').status_code == 400


def test_hits_filtered_and_pins_inserted_through_proxy():
    def handler(request):
        body = json.loads(request.content)
        resp = hits_response(body["size"], body["from"])
        resp["hits"]["hits"][0]["_source"]["title"] = "百家乐攻略"  # first hit of every window is blocked
        return httpx.Response(200, json=resp)

    app = make_app(handler, rumors=FakeRumors({"大蒜": pin("r1")}))
    with TestClient(app) as tc:
        r = tc.post("/es/news/_search", json={"query": {"match": {"title": "大蒜"}}, "size": 4}).json()
    assert [h["_id"] for h in r["hits"]["hits"]] == ["r1", "d1", "d2", "d3"]
    assert r["qinglang"]["removed"] == 1


def test_credentials_from_config_and_shared_client():
    seen = []

    def handler(request):
        seen.append(request.headers.get("authorization"))
        return httpx.Response(200, json={"count": 3})

    app = make_app(None, upstream_api_key="abc123")
    client = proxy._make_client(app.state.guard.config)
    client._transport = httpx.MockTransport(handler)  # keep the configured headers, swap the network
    app.state.search_proxy_client = client
    with TestClient(app) as tc:
        tc.get("/es/news/_count", headers={"authorization": "Basic dXNlcjpwdw=="})
        tc.get("/es/news/_count")
    assert seen == ["ApiKey abc123", "ApiKey abc123"]  # the caller's own credentials are not forwarded
    assert app.state.search_proxy_client is client


def test_proxy_suggestions_follow_the_service_drop_action():
    assert proxy.build_search_guard(make_app(suggestion_drop_action="review")).config.suggest_drop_actions \
        == frozenset({"review", "block"})
    assert proxy.build_search_guard(make_app(suggestion_drop_action="label")).config.suggest_drop_actions \
        == frozenset({"label", "limit", "review", "block"})


def test_no_upstream_no_routes():
    app = make_app(None, upstream=None)
    with TestClient(app) as tc:
        assert tc.post("/es/_search", json={}).status_code == 404


# -- against a real engine ------------------------------------------------------------------------
def test_proxy_in_front_of_osmem(os_url):
    os_client = OpenSearch(hosts=[os_url])
    seed_news(os_client)
    backend = SearchEngineRumorBackend(os_client)
    backend.create_index()
    backend.bulk_import(RUMORS)
    app = make_app(None, upstream=os_url, matcher=build_matcher(), rumors=backend)
    body = {"query": {"match": {"title": "大蒜预防新冠"}}, "size": 5, "sort": [{"rank": "desc"}]}
    with TestClient(app) as tc:
        r = tc.post("/es/news/_search", json=body)
        assert r.status_code == 200
        assert [h["_id"] for h in r.json()["hits"]["hits"]] == ["garlic", "n1", "n2", "n4", "n6"]
        ms = tc.post("/es/news/_msearch", content=("{}\n" + json.dumps(body) + "\n{}\n"
                                                   + json.dumps({"query": {"match": {"title": "刷单返利"}}}) + "\n").encode())
        assert ms.status_code == 200, ms.text
        first, second = ms.json()["responses"]
        assert [h["_id"] for h in first["hits"]["hits"]][:2] == ["garlic", "n1"] and second["qinglang"]["blocked"]
        assert tc.get("/es/news/_count").json()["count"] == 40
        missing = tc.post("/es/nope/_search", json=body)
        assert missing.status_code == 404 and missing.json()["error"]["type"] == "index_not_found_exception"
        r = tc.get("/es/news/_search", params={"q": "title:大蒜", "size": 2})
        assert r.status_code == 200 and len(r.json()["hits"]["hits"]) == 2
