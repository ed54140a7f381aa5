"""Search proxy: routing, guard hooks, faithful upstream errors (MockTransport) and a real osmem upstream."""

import base64
import json
from types import SimpleNamespace

import httpx
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st
from fastapi import FastAPI
from fastapi.testclient import TestClient
from opensearchpy import OpenSearch

from plugin.guard import Guard
from plugin.models import Surface
from plugin.search.rumor_backend import SearchEngineRumorBackend
from plugin.search.hooks import SearchGuardConfig
from service import proxy
from service.config import ServiceConfig
from tests.fakes import KeywordRumors as FakeRumors, TermMatcher as FakeMatcher, pin
from tests.osmem import RUMORS, build_matcher, seed_news
TERMS = {"百家乐": "block"}


def make_app(handler=None, *, upstream="http://upstream:9200", matcher=None, rumors=None, client=None, **cfg):
    app = FastAPI()
    matcher = matcher or FakeMatcher(TERMS)
    live = SimpleNamespace(current=lambda: matcher)
    recorded: list[tuple[str, str, str]] = []
    app.state.guard = SimpleNamespace(
        config=ServiceConfig(upstream_url=upstream, check_threads=2, **cfg),
        live=live,
        rumors=rumors,
        checks=Guard(live, rumors),
        check_limiter=None,
        record_query=lambda surface, text, verdict: recorded.append((surface, text, verdict.action)),
        recorded=recorded,
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


@pytest.mark.parametrize("request_kw", [
    {"params": {"q": "title:\\u767e\\u5bb6\\u4e50"}},
    {"json": {"query": {"query_string": {"query": "\\u767e\\u5bb6\\u4e50 技巧"}}}},
    {"json": {"query": {"regexp": {"title": "百家.乐"}}}},
    {"json": {"query": {"bool": {"should": [{"regexp": {"title": {"value": "百家[乐樂]"}}}]}}}},
])
def test_a_query_spelled_in_engine_syntax_is_checked_as_the_engine_reads_it(request_kw):
    def handler(request):
        raise AssertionError("must not reach upstream")

    with TestClient(make_app(handler, matcher=build_matcher())) as tc:  # a real matcher reads 百家 乐 as 百家乐
        r = tc.post("/es/news/_search", **request_kw)
    assert r.status_code == 200 and r.json()["qinglang"]["blocked"] is True, r.text


def test_blocked_query_not_forwarded():
    def handler(request):
        raise AssertionError("must not reach upstream")

    app = make_app(handler)
    with TestClient(app) as tc:
        r = tc.get("/es/_search", params={"q": "title:百家乐"})
        c = tc.post("/es/news/_count", json={"query": {"match": {"title": "百家乐"}}})
    assert r.status_code == 200 and r.json()["hits"]["hits"] == [] and r.json()["qinglang"]["blocked"]
    assert c.json()["count"] == 0 and c.json()["qinglang"]["notice"]
    assert app.state.guard.recorded == [("search", "百家乐", "block")] * 2  # each query decision is recorded


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
    client = proxy._make_client(app.state.guard.config.search)
    client._transport = httpx.MockTransport(handler)  # keep the configured headers, swap the network
    app.state.search_proxy_client = client
    with TestClient(app) as tc:
        tc.get("/es/news/_count", headers={"authorization": "Basic dXNlcjpwdw=="})
        tc.get("/es/news/_count")
    assert seen == ["ApiKey abc123", "ApiKey abc123"]  # the caller's own credentials are not forwarded
    assert app.state.search_proxy_client is client


def test_without_upstream_credentials_the_clients_own_are_forwarded_but_never_a_guard_token():
    seen = []

    def handler(request):
        seen.append(request.headers.get("authorization"))
        return httpx.Response(200, json={"count": 3})

    with TestClient(make_app(handler)) as tc:
        tc.get("/es/news/_count", headers={"authorization": "Basic dXNlcjpwdw=="})
        tc.get("/es/news/_count", headers={"authorization": "Bearer qg_secret-of-a-guard-token"})
        tc.get("/es/news/_count", headers={"authorization": "bearer  qg_another"})
        tc.get("/es/news/_count", headers={"authorization": "Bearer engine-token"})
        tc.get("/es/news/_count", headers={"authorization": "Bearer\tqg_tab"})
        tc.get("/es/news/_count", headers={"authorization": "ApiKey qg_as-an-api-key"})
        tc.get("/es/news/_count", headers={"authorization": "Basic " + base64.b64encode(b"x:qg_in-basic").decode()})
    assert seen == ["Basic dXNlcjpwdw==", None, None, "Bearer engine-token", None, None, None]


@pytest.mark.parametrize("path, status", [
    ("/es/.opendistro_security/_search", 403),
    ("/es/news,.kibana/_search", 403),
    ("/es/*,-news/_search", 403),
    ("/es/remote:logs-*/_search", 403),
    ("/es/qinglang-rumors/_search", 403),
    ("/es/news/_search", 200),
    ("/es/news-2024/_search", 200),
])
def test_hidden_remote_excluded_and_reserved_indices_are_refused(path, status):
    def handler(request):
        return httpx.Response(200, json=hits_response(1))

    with TestClient(make_app(handler)) as tc:
        r = tc.post(path, json={"query": {"match_all": {}}})
    assert r.status_code == status, r.text


def test_an_index_allow_list_limits_the_searched_indices():
    seen = []

    def handler(request):
        seen.append(request.url.path)
        return httpx.Response(200, json=hits_response(1))

    with TestClient(make_app(handler, search_indices=("news*", "posts"))) as tc:
        assert tc.post("/es/news-2024/_search", json={}).status_code == 200
        assert tc.post("/es/logs/_search", json={}).status_code == 403
        assert tc.post("/es/n*/_search", json={}).status_code == 403  # wider than any allowed pattern
        assert tc.post("/es/_search", json={}).status_code == 200  # no index: the listed ones
        body = '{"index": "logs"}\n{}\n'
        r = tc.post("/es/_msearch", content=body, headers={"content-type": "application/x-ndjson"})
        assert r.status_code == 403 and "msearch header 1" in r.json()["error"]["reason"]
    assert seen == ["/news-2024/_search", "/news*,posts/_search"]


def _indices(r) -> set[str]:
    assert r.status_code == 200, r.text
    return {h["_index"] for h in r.json()["hits"]["hits"]}


def test_the_index_boundary_holds_for_wildcards_lookups_and_header_forms(os_url):
    """What is searched, not what is written: a wildcard (or no index) never reaches the guard's own rumour index,
    ``expand_wildcards`` cannot widen a pattern to hidden indices, a document lookup inside a query cannot read a
    refused index, and an ``_msearch`` header is forwarded in the form it was checked in."""
    os_client = OpenSearch(hosts=[os_url])
    os_client.index(index="news", body={"title": "晚间新闻"}, id="n1", refresh=True)
    os_client.index(index="qinglang-rumors", body={"claim": "内部文档"}, id="r1", refresh=True)
    os_client.indices.create(index=".secret", body={"settings": {"index.hidden": True}})
    os_client.index(index=".secret", body={"pin": "n7"}, id="s1", refresh=True)
    app = make_app(None, upstream=os_url, matcher=build_matcher())
    with TestClient(app) as tc:
        for path in ("/es/_search", "/es/*/_search", "/es/_all/_search", "/es/q*/_search", "/es/news,q*/_search"):
            assert _indices(tc.post(path, json={"size": 50})) <= {"news"}, path
        for value in ("all", "open,hidden"):
            r = tc.post("/es/*/_search", params={"expand_wildcards": value}, json={})
            assert r.status_code == 403 and "expand_wildcards" in r.text, r.text
        assert _indices(tc.post("/es/*/_search", params={"expand_wildcards": "open"}, json={})) == {"news"}
        lookups = [
            {"terms": {"_id": {"index": ".secret", "id": "s1", "path": "pin"}}},
            {"terms": {"_id": {"index": "qinglang-rumors", "id": "r1", "path": "claim"}}},
            {"more_like_this": {"fields": ["title"], "like": [{"_index": ".secret", "_id": "s1"}]}},
            {"geo_shape": {"area": {"indexed_shape": {"index": ".secret", "id": "s1", "path": "pin"}}}},
            {"percolate": {"field": "q", "index": ".secret", "id": "s1"}},
        ]
        for query in lookups:
            r = tc.post("/es/news/_search", json={"query": {"bool": {"filter": [query]}}})
            assert r.status_code == 403 and "document lookup" in r.text, (query, r.text)
            assert tc.post("/es/news/_count", json={"query": query}).status_code == 403
        ndjson = {"content-type": "application/x-ndjson"}
        for header, status in (({"index": [[".secret"]]}, 400), ({"index": "*", "expand_wildcards": "all"}, 403),
                               ({"index": [".secret"]}, 403)):
            r = tc.post("/es/_msearch", content=json.dumps(header) + "\n{}\n", headers=ndjson)
            assert r.status_code == status, (header, r.text)
        r = tc.post("/es/_msearch", content='{"index": ["news", "q*"]}\n{"size": 50}\n{}\n{"size": 50}\n',
                    headers=ndjson)
        assert r.status_code == 200, r.text
        for answer in r.json()["responses"]:
            assert {h["_index"] for h in answer["hits"]["hits"]} <= {"news"}
        lookup = {"query": lookups[0]}
        r = tc.post("/es/news/_msearch", content="{}\n" + json.dumps(lookup) + "\n", headers=ndjson)
        assert r.status_code == 403 and "document lookup" in r.text


def test_msearch_is_bounded_in_searches_and_in_hits_paged_through():
    def handler(request):
        raise AssertionError("must not reach upstream")

    with TestClient(make_app(handler, search_msearch_max_searches=3)) as tc:
        many = "{}\n{}\n" * 4
        r = tc.post("/es/_msearch", content=many, headers={"content-type": "application/x-ndjson"})
        assert r.status_code == 400 and "search_msearch_max_searches" in r.json()["error"]["reason"]
        deep = '{}\n{"from": 9000, "size": 10}\n{}\n{"from": 5000, "size": 10}\n'
        r = tc.post("/es/_msearch", content=deep, headers={"content-type": "application/x-ndjson"})
        assert r.status_code == 400 and "pages through 14020 hits" in r.json()["error"]["reason"]
        strings = '{}\n{"size": "9000"}\n{}\n{"from": "5000"}\n'  # counted as the guard reads them
        r = tc.post("/es/_msearch", content=strings, headers={"content-type": "application/x-ndjson"})
        assert r.status_code == 400 and "pages through 14010 hits" in r.json()["error"]["reason"]
        odd = '{}\n{"size": "lots"}\n'
        r = tc.post("/es/_msearch", content=odd, headers={"content-type": "application/x-ndjson"})
        assert r.status_code == 400 and "size must be an integer" in r.json()["error"]["reason"]


@pytest.mark.parametrize("protect_checks", [False, True])
def test_a_blocked_answer_lists_its_hits_only_when_checks_are_open(protect_checks):
    def handler(request):
        raise AssertionError("must not reach upstream")

    with TestClient(make_app(handler, protect_checks=protect_checks)) as tc:
        block = tc.post("/es/news/_search", json={"query": {"match": {"title": "百家乐"}}}).json()["qinglang"]
    assert block["blocked"] is True and block["notice"]
    assert ("hits" in block) is not protect_checks
    if not protect_checks:
        assert block["hits"][0]["term"] == "百家乐"


def test_proxy_suggestions_follow_the_service_drop_action(tmp_path):
    def dropped(app):
        row = proxy.build_search_guard(app).guard.policy.surface(Surface.SUGGESTION)
        return frozenset(a for a, d in row.by_action.items() if d == "drop")

    assert dropped(service_app(tmp_path, None, suggestion_drop_action="review")) == frozenset({"review", "block"})
    assert dropped(service_app(tmp_path, None, suggestion_drop_action="label")) \
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


# -- body limits: every method, with and without Content-Length ----------------------------------------
LIMIT = 64 * 1024
BIG = 3 * 1024 * 1024  # a few MB above the limit


def chunked_body(total: int = BIG, chunk: int = 64 * 1024):
    """A JSON-ish body sent without Content-Length (httpx streams a generator as chunked)."""
    yield b'{"query": {"match": {"title": "'
    for _ in range(total // chunk):
        yield b"a" * chunk
    yield b'"}}}'


def recording_upstream():
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request):
        seen.append(request)
        if request.url.path.endswith("_count"):
            return httpx.Response(200, json={"count": 1})
        if request.url.path.endswith("_msearch"):
            return httpx.Response(200, json={"responses": [hits_response(1)]})
        return httpx.Response(200, json=hits_response(1))

    return seen, handler


def service_app(tmp_path, handler, **settings):
    """The whole service (BodyLimitMiddleware included) with the proxy on a mock upstream."""
    from service.app import create_app
    from service.config import ServiceConfig

    cfg = ServiceConfig(db_path=str(tmp_path / "guard.db"), upstream_url="http://upstream:9200", **settings)
    app = create_app(cfg, matcher=build_matcher())
    app.state.search_proxy_client = httpx.AsyncClient(transport=httpx.MockTransport(handler))
    return app


PROXIED = [("GET", "/es/news/_search"), ("GET", "/es/_search"), ("GET", "/es/news/_count"),
           ("GET", "/es/news/_msearch"), ("POST", "/es/news/_search"), ("POST", "/es/news/_count"),
           ("POST", "/es/_msearch")]


@pytest.mark.parametrize("method,path", PROXIED)
def test_chunked_body_over_the_limit_never_reaches_upstream(tmp_path, method, path):
    seen, handler = recording_upstream()
    with TestClient(service_app(tmp_path, handler, max_body_bytes=LIMIT), raise_server_exceptions=False) as tc:
        r = tc.request(method, path, content=chunked_body(), headers={"content-type": "application/json"})
        assert "content-length" not in {k.lower() for k in r.request.headers}  # really chunked
    assert r.status_code == 413, r.text
    assert r.headers["content-type"] == "application/problem+json"
    assert r.json() == {"type": "about:blank", "title": "Request Entity Too Large", "status": 413,
                        "detail": f"request body exceeds max_body_bytes={LIMIT}", "error": "body_too_large"}
    assert seen == []


@pytest.mark.parametrize("method,path", PROXIED)
def test_proxy_enforces_the_limit_on_its_own(method, path):
    """Without the service's middleware (proxy installed on a bare app), the proxy's read is bounded too."""
    seen, handler = recording_upstream()
    with TestClient(make_app(handler, max_body_bytes=LIMIT)) as tc:
        chunked = tc.request(method, path, content=chunked_body())
        declared = tc.request(method, path, content=b"{}" + b" " * (LIMIT + 1))
    assert chunked.status_code == declared.status_code == 413
    assert chunked.json()["error"] == "body_too_large" and chunked.json()["status"] == 413
    assert seen == []


def test_bodies_under_the_limit_still_forwarded(tmp_path):
    seen, handler = recording_upstream()
    with TestClient(service_app(tmp_path, handler, max_body_bytes=LIMIT)) as tc:
        body = json.dumps({"query": {"match": {"title": "新闻"}}}).encode()
        r = tc.request("GET", "/es/news/_search", content=iter([body[:10], body[10:]]))
        c = tc.request("GET", "/es/news/_count", content=body)
    assert r.status_code == 200 and c.status_code == 200
    assert [req.url.path for req in seen] == ["/news/_search", "/news/_count"]
    assert json.loads(seen[0].content)["query"] == {"match": {"title": "新闻"}}


# -- bad client JSON: 400, never a 500, nothing forwarded ---------------------------------------------
DEEP_900 = b'{"query": ' * 900 + b"{}" + b"}" * 900
BAD_JSON = [
    (b'{"size": 1e400}', "out of range"),
    (b'{"size": -Infinity}', "Infinity"),
    (b'{"from": NaN}', "NaN"),
    (b'{"query": {"match": {"title": {"query": "x", "boost": 1e999}}}}', "out of range"),
    (b'{"query": {"range": {"n": {"gte": Infinity}}}}', "Infinity"),
    (DEEP_900, "nested deeper"),
    (b"[" * 10_000, "nested deeper"),
    (b'{"size": [' + b"[]," * 30_000 + b"[]]}", "JSON arrays/objects"),  # refused before it is parsed
    (b'{"a": ' + b"[" * 120 + b"]" * 120 + b"}", "nested deeper"),
    (b'{"size": ' + b"9" * 5000 + b"}", "out of range"),
    (b'{"query": {"term": {"n": ' + b"1" * 30 + b"}}}", "out of range"),
    (b'{"size": 100000000000}', "size must be at most"),
    (b'{"from": 1e300}', "from must be at most"),
    (b'{"size": "ten"}', "size must be an integer"),
    (b'{"query": {"match": {"title": "a\\ud800b"}}}', "surrogate"),
    (b"\xff\xfe{}", "UTF-8"),
]


@pytest.mark.parametrize("raw,needle", BAD_JSON, ids=[f"bad{i}" for i in range(len(BAD_JSON))])
def test_bad_client_json_is_400_and_not_forwarded(raw, needle):
    seen, handler = recording_upstream()
    with TestClient(make_app(handler, search_hit_fields=("title",)), raise_server_exceptions=False) as tc:
        r = tc.post("/es/news/_search", content=raw, headers={"content-type": "application/json"})
        assert r.status_code == 400, r.text[:300]
        assert needle in r.json()["error"]["reason"], r.json()
        if "must be" not in needle:  # count does not page
            c = tc.post("/es/news/_count", content=raw)
            assert c.status_code == 400 and needle in c.json()["error"]["reason"]
        m = tc.post("/es/_msearch", content=b"{}\n" + raw + b"\n")
        assert m.status_code == 400 and needle in m.json()["error"]["reason"], m.text[:300]
    assert seen == []


def test_huge_url_paging_is_400():
    seen, handler = recording_upstream()
    with TestClient(make_app(handler)) as tc:
        for params in ({"size": "99999999999"}, {"from": "1" * 5000}, {"size": "-1"}):
            r = tc.get("/es/news/_search", params=params)
            assert r.status_code == 400, (params, r.text)
    assert seen == []


# -- odd upstream answers: 502 naming the problem ------------------------------------------------------
def _ok(**extra):
    return {"took": 1, "hits": {"total": {"value": 1, "relation": "eq"}, "hits": [
        {"_index": "news", "_id": "ok", "_source": {"title": "新闻", "url": "https://ok.example/1"}}]}, **extra}


ODD_ANSWERS = [  # (answer, expected status, words of the 502 message)
    (b"<html><body>502 Bad Gateway</body></html>", 502, "not JSON (text/html"),
    (b"", 502, "not JSON"),
    (b"[]", 502, "not an object"),
    (b'"hits"', 502, "not an object"),
    (b"5", 502, "not an object"),
    (b"null", 502, "not an object"),
    (b"{}", 502, "'hits' is missing"),
    ({"took": 1}, 502, "'hits' is missing"),
    ({"hits": []}, 502, "'hits' is not an object"),
    ({"hits": "x"}, 502, "'hits' is not an object"),
    ({"hits": {}}, 502, "'hits.hits' is not a list"),
    ({"hits": {"hits": {}}}, 502, "'hits.hits' is not a list"),
    ({"hits": {"hits": None}}, 502, "'hits.hits' is not a list"),
    ({"hits": {"hits": [5]}}, 502, "'hits.hits[0]' is not an object"),
    ({"hits": {"hits": [[]]}}, 502, "'hits.hits[0]' is not an object"),
    ({"hits": {"hits": [{"_source": "百家乐"}]}}, 502, "'hits.hits[0]._source' is not an object"),
    ({"hits": {"hits": [{"_source": ["百家乐"]}]}}, 502, "'hits.hits[0]._source' is not an object"),
    ({"hits": {"hits": [{"_source": {}, "fields": ["百家乐"]}]}}, 502, "'hits.hits[0].fields' is not an object"),
    ({"hits": {"hits": [{"_source": {}, "highlight": "x"}]}}, 502, "highlight' is not an object"),
    ({"hits": {"hits": [{"_source": {}, "inner_hits": []}]}}, 502, "inner_hits' is not an object"),
    ({"hits": {"hits": [], "total": "3"}}, 502, "'hits.total'"),
    ({"hits": {"hits": [], "total": True}}, 502, "'hits.total'"),
    ({"hits": {"hits": [], "total": {"value": "3"}}}, 502, "'hits.total'"),
    ({"hits": {"hits": [], "total": {"value": 3, "relation": 5}}}, 502, "'hits.total'"),
    ({"hits": {"hits": [], "total": [3]}}, 502, "'hits.total'"),
    ({"hits": {"hits": []}, "aggregations": []}, 502, "'aggregations' is not an object"),
    ({"hits": {"hits": []}, "_shards": []}, 502, "'_shards' is not an object"),
    ({"hits": {"hits": []}, "suggest": []}, 502, "'suggest' is not an object"),
    ({"hits": {"hits": []}, "suggest": {"s": {}}}, 502, "'suggest.s' is not a list"),
    ({"hits": {"hits": []}, "suggest": {"s": [5]}}, 502, "'suggest.s[0]' is not an object"),
    ({"hits": {"hits": []}, "suggest": {"s": [{"options": {}}]}}, 502, "'suggest.s[0].options' is not a list"),
    ({"hits": {"hits": []}, "suggest": {"s": [{"options": "a"}]}}, 502, "'suggest.s[0].options' is not a list"),
    ({"hits": {"hits": []}, "suggest": {"s": [{"options": [5]}]}}, 502, "'suggest.s[0].options[0]' is not an object"),
    ({"hits": {"hits": []}, "suggest": {"s": [{"options": [{"text": 5}]}]}}, 502, "text' is not a string"),
    ({"hits": {"hits": []}, "suggest": {"s": [{"options": [{"text": "a", "_source": "b"}]}]}}, 502, "_source"),
    (b'{"hits": {"hits": [], "max_score": NaN}}', 502, "NaN"),
    (b'{"hits": {"hits": [], "max_score": 1e999}}', 502, "out of range"),
    (b'{"hits": ' + b"[" * 5000 + b"]" * 5000 + b"}", 502, "nested deeper"),
    (b'{"hits": {"hits": [], "total": ' + b"9" * 400 + b"}}", 502, "out of range"),
    (b"\xff\xfe", 502, "not UTF-8"),
    # odd but usable: passed on, cleaned
    ({"hits": {"hits": [{"_source": None}]}}, 200, ""),
    ({"hits": {"hits": [{"_source": {"title": 5, "url": ["a", "b"]}}]}}, 200, ""),
    ({"hits": {"hits": [{"_source": {"title": {"input": 5}}}]}}, 200, ""),
    ({"hits": {"hits": [{"_source": {"title": [["新闻"], {"x": 1}]}}]}}, 200, ""),
    ({"hits": {"hits": [], "total": 3}, "qinglang": "spoofed", "ext": {"answer": "x"}}, 200, ""),
    ({"hits": {"hits": [{"_source": {"title": "新闻"}, "sort": "x"}]}}, 200, ""),
    ({"hits": {"hits": []}, "suggest": {"s": [{"options": None}], "t": []}}, 200, ""),
    ({"error": {"type": "x", "reason": "y"}, "status": 200}, 200, ""),
]
REQUESTS = [  # the same answers through different paths of the plan
    {"query": {"match": {"title": "新闻"}}},
    {"query": {"match": {"title": "大蒜"}}, "size": 3},  # pins: dedup by url
    {"query": {"match": {"title": "新闻"}}, "_source": ["url"], "suggest": {"s": {"prefix": "新", "completion": {"field": "s"}}}},
    {"query": {"match_all": {}}, "search_after": [1], "sort": ["rank"]},
]


@pytest.mark.parametrize("answer,status,words", ODD_ANSWERS, ids=[f"odd{i}" for i in range(len(ODD_ANSWERS))])
@pytest.mark.parametrize("req", range(len(REQUESTS)))
def test_odd_upstream_answers(answer, status, words, req):
    raw = answer if isinstance(answer, bytes) else json.dumps(answer).encode()
    content_type = "text/html" if raw.startswith(b"<html") else "application/json"

    def handler(request):
        return httpx.Response(200, content=raw, headers={"content-type": content_type})

    app = make_app(handler, rumors=FakeRumors({"大蒜": pin("r1", url="a")}))
    with TestClient(app, raise_server_exceptions=False) as tc:
        r = tc.post("/es/news/_search", json=REQUESTS[req])
    assert r.status_code == status, r.text[:400]
    if status == 502:
        assert r.json()["error"]["type"] == "upstream_bad_answer" and words in r.json()["error"]["reason"], r.json()
    elif "error" not in r.json():
        assert r.json().get("qinglang") != "spoofed" and "ext" not in r.json()


@pytest.mark.parametrize("answer,words", [
    (b"<!doctype html><p>maintenance</p>", "not JSON"),
    ({"responses": {}}, "no 'responses' list"),
    ({}, "no 'responses' list"),
    ([], "no 'responses' list"),
    ({"responses": []}, "0 responses for 2 searches"),
    ({"responses": [_ok()]}, "1 responses for 2 searches"),
    ({"responses": [_ok(), 5]}, "not an object"),
    ({"responses": [_ok(), {"hits": {"hits": [{"_source": "x"}]}}]}, "_source' is not an object"),
])
def test_odd_upstream_msearch_answers(answer, words):
    raw = answer if isinstance(answer, bytes) else json.dumps(answer).encode()
    with TestClient(make_app(lambda r: httpx.Response(200, content=raw)), raise_server_exceptions=False) as tc:
        r = tc.post("/es/_msearch", content=b'{}\n{"query": {"match_all": {}}}\n{}\n{"size": 1}\n')
    assert r.status_code == 502 and words in r.json()["error"]["reason"], r.text[:300]


@pytest.mark.parametrize("answer,status", [
    (b"<html>oops</html>", 502), ({"count": "5"}, 502), ({}, 502), ([5], 502), ({"count": True}, 502),
    (b'{"count": NaN}', 502), ({"count": 5}, 200), ({"error": {"type": "x"}, "status": 200}, 200),
])
def test_odd_upstream_count_answers(answer, status):
    raw = answer if isinstance(answer, bytes) else json.dumps(answer).encode()
    with TestClient(make_app(lambda r: httpx.Response(200, content=raw)), raise_server_exceptions=False) as tc:
        r = tc.get("/es/news/_count")
    assert r.status_code == status, r.text[:300]
    if status == 502:
        assert r.json()["error"]["type"] == "upstream_bad_answer"


# -- no leaking blocked documents (real engine) -----------------------------------------------------
LEAKS = "leaks"


@pytest.fixture(scope="module")
def leak_url(osmem):
    """An index where every other document is blocked (title with 百家乐, id bad-N, url bad.example)."""
    clone = osmem.clone()
    client = OpenSearch(hosts=[clone.url])
    client.indices.create(index=LEAKS, body={"mappings": {"properties": {
        "title": {"type": "text", "analyzer": "cjk", "fields": {"keyword": {"type": "keyword"}}},
        "url": {"type": "keyword"}, "cat": {"type": "keyword"}, "rank": {"type": "integer"},
        "suggest": {"type": "completion"}}}})
    lines = []
    for i in range(12):
        bad = i % 2 == 0
        title = f"百家乐攻略第{i}条" if bad else f"百家新闻第{i}条"
        doc = {"title": title, "url": f"https://{'bad' if bad else 'ok'}.example/{i}", "cat": "c", "rank": i,
               "suggest": {"input": [title]}}
        lines += [{"index": {"_index": LEAKS, "_id": f"{'bad' if bad else 'ok'}-{i}"}}, doc]
    client.bulk(body=lines, refresh=True)
    yield clone.url
    clone.close()


def assert_no_leak(r):
    text = r.text
    assert "bad-" not in text and "bad.example" not in text and "百家乐" not in text, text[:600]


MATCH_BOTH = {"match": {"title": "攻略 新闻"}}  # matches blocked and clean titles; not itself blocked
LEAK_CASES = [  # (id, params, body, expected status)
    ("top_hits", {}, {"size": 1, "aggs": {"t": {"top_hits": {"size": 12}}}}, 403),
    ("terms_keyword", {}, {"size": 0, "aggs": {"t": {"terms": {"field": "title.keyword"}}}}, 403),
    ("terms_text", {}, {"size": 0, "aggregations": {"t": {"terms": {"field": "title"}}}}, 403),
    ("significant_text", {}, {"size": 0, "aggs": {"t": {"significant_text": {"field": "title"}}}}, 403),
    ("fields", {}, {"_source": False, "fields": ["title"], "size": 6}, 200),
    ("fields_source_url", {}, {"_source": ["url"], "fields": ["title.keyword"], "size": 6}, 200),
    ("docvalue_fields", {}, {"_source": False, "docvalue_fields": ["title.keyword", "url"], "size": 6}, 200),
    ("stored_fields", {}, {"stored_fields": ["title"], "size": 6}, 200),
    ("stored_fields_empty", {}, {"stored_fields": [], "size": 6}, 200),
    ("stored_fields_none", {}, {"stored_fields": "_none_", "size": 6}, 403),
    ("script_fields", {}, {"size": 6, "script_fields": {"t": {"script": "doc['title.keyword'].value"}}}, 403),
    ("runtime_mappings", {}, {"size": 6, "runtime_mappings": {"t": {"type": "keyword", "script": "emit('x')"}},
                              "fields": ["t"]}, 403),
    ("script_sort", {}, {"size": 6, "sort": {"_script": {"type": "number", "script": "1"}}}, 403),
    ("script_query", {}, {"query": {"script_score": {"query": {"match_all": {}}, "script": "1"}}}, 403),
    ("collapse_inner_hits", {}, {"size": 6, "collapse": {"field": "cat", "inner_hits": {"name": "g", "size": 12}}}, 403),
    ("nested_inner_hits", {}, {"query": {"nested": {"path": "c", "query": {"match_all": {}}, "inner_hits": {}}}}, 403),
    ("collapse", {}, {"size": 6, "collapse": {"field": "cat"}, "sort": [{"rank": "desc"}]}, 200),
    ("highlight", {}, {"query": MATCH_BOTH, "_source": False, "size": 6, "highlight": {"fields": {"title": {}}}}, 200),
    ("highlight_source", {}, {"query": MATCH_BOTH, "size": 6, "highlight": {"fields": {"title": {}}}}, 200),
    ("source_includes", {}, {"_source": ["url"], "size": 6}, 200),
    ("source_object", {}, {"_source": {"includes": ["u*"]}, "size": 6}, 200),
    ("source_excludes", {}, {"_source": {"excludes": ["title"]}, "size": 6}, 403),
    ("source_excludes_pattern", {}, {"_source": {"includes": ["*"], "excludes": ["t*"]}, "size": 6}, 403),
    ("url_source_false", {"_source": "false"}, {"size": 6}, 200),
    ("url_source_includes", {"_source_includes": "url"}, {"size": 6}, 200),
    ("url_source_list", {"_source": "url,rank"}, {"size": 6}, 200),
    ("url_source_excludes", {"_source_excludes": "title"}, {"size": 6}, 403),
    ("url_filter_path", {"filter_path": "hits.hits._id"}, {"size": 6}, 403),
    ("url_stored_fields", {"stored_fields": "title"}, {"size": 6}, 403),
    ("url_docvalue_fields", {"docvalue_fields": "title.keyword"}, {"size": 6}, 403),
    ("url_source_body", {"source": json.dumps({"size": 6, "aggs": {"t": {"top_hits": {}}}}),
                         "source_content_type": "application/json"}, None, 403),
    ("url_search_pipeline", {"search_pipeline": "rag"}, {"size": 6}, 403),
    ("profile", {}, {"query": {"prefix": {"title": "百"}}, "profile": True}, 403),
    ("ext", {}, {"size": 6, "ext": {"generative_qa_parameters": {"llm_question": "?"}}}, 403),
    ("unknown_key", {}, {"size": 6, "search_pipeline": {"response_processors": []}}, 403),
    ("explain_version", {"version": "true"}, {"size": 6, "explain": True, "seq_no_primary_term": True}, 200),
    ("suggest", {}, {"size": 0, "suggest": {"s": {"prefix": "百家", "completion": {"field": "suggest", "size": 12}}}}, 200),
    ("suggest_typed", {"typed_keys": "true"}, {"size": 0, "_source": False,
                                               "suggest": {"s": {"prefix": "百", "completion": {"field": "suggest"}}}}, 200),
    ("paged_sorted", {"size": "4", "from": "2"}, {"sort": [{"rank": "asc"}], "_source": ["rank"]}, 200),
    ("search_after", {}, {"sort": [{"rank": "asc"}], "search_after": [0], "size": 3, "_source": False}, 200),
]


@pytest.mark.parametrize("params,body,status", [c[1:] for c in LEAK_CASES], ids=[c[0] for c in LEAK_CASES])
def test_blocked_documents_do_not_leak(leak_url, params, body, status):
    app = make_app(None, upstream=leak_url, matcher=build_matcher())
    with TestClient(app) as tc:
        if body is None:
            r = tc.get(f"/es/{LEAKS}/_search", params=params)
        else:
            r = tc.post(f"/es/{LEAKS}/_search", params=params, json=body)
        assert r.status_code == status, r.text[:600]
        assert_no_leak(r)
        if status == 403:
            assert r.json()["error"]["type"] == "security_exception" and r.json()["error"]["reason"]
        elif "suggest" not in (body or {}):
            hits = r.json()["hits"]["hits"]
            assert hits and all(h["_id"].startswith("ok-") for h in hits)  # the feature itself still works
        else:
            (entry,) = r.json()["suggest"]["s"]
            assert entry["options"] and all(o["text"].startswith("百家新闻") for o in entry["options"])
        # the same body inside an _msearch
        m = tc.post(f"/es/{LEAKS}/_msearch", params={k: v for k, v in params.items() if k == "typed_keys"},
                    content=("{}\n" + json.dumps(body or {}) + "\n").encode())
        assert m.status_code == (status if body and not params else m.status_code) and m.status_code in (200, 403)
        assert_no_leak(m)


def test_per_hit_features_keep_what_the_client_asked_for(leak_url):
    app = make_app(None, upstream=leak_url, matcher=build_matcher())
    with TestClient(app) as tc:
        hits = tc.post(f"/es/{LEAKS}/_search", json={"_source": False, "fields": ["title"], "size": 3}).json()
        hits = hits["hits"]["hits"]
        assert [h["_id"] for h in hits] == ["ok-1", "ok-3", "ok-5"]
        assert all("_source" not in h and h["fields"]["title"] for h in hits)  # _source was only for the guard
        hits = tc.post(f"/es/{LEAKS}/_search", json={"_source": ["url"], "size": 2}).json()["hits"]["hits"]
        assert [h["_source"] for h in hits] == [{"url": "https://ok.example/1"}, {"url": "https://ok.example/3"}]
        hits = tc.get(f"/es/{LEAKS}/_search", params={"_source_includes": "rank", "size": 2}).json()["hits"]["hits"]
        assert [h["_source"] for h in hits] == [{"rank": 1}, {"rank": 3}]
        hits = tc.post(f"/es/{LEAKS}/_search", json={"stored_fields": [], "size": 2}).json()["hits"]["hits"]
        assert [set(h) & {"_source", "fields"} for h in hits] == [set(), set()]
        full = tc.post(f"/es/{LEAKS}/_search", json={"size": 1}).json()["hits"]["hits"][0]["_source"]
        assert set(full) == {"title", "url", "cat", "rank", "suggest"}


def test_count_source_parameter_cannot_bypass_the_query_check(leak_url):
    app = make_app(None, upstream=leak_url, matcher=build_matcher())
    blocked = json.dumps({"query": {"match": {"title": "百家乐"}}})
    with TestClient(app) as tc:
        r = tc.get(f"/es/{LEAKS}/_count", params={"source": blocked, "source_content_type": "application/json"})
        assert r.status_code == 403 and "source" in r.json()["error"]["reason"]
        assert tc.post(f"/es/{LEAKS}/_count", content=blocked).json()["count"] == 0  # blocked, as before
        script = {"query": {"script": {"script": "Debug.explain(params._source)"}}}
        assert tc.post(f"/es/{LEAKS}/_count", json=script).status_code == 403
        assert tc.get(f"/es/{LEAKS}/_count").json()["count"] == 12


def test_msearch_header_keys_are_allow_listed(leak_url):
    app = make_app(None, upstream=leak_url, matcher=build_matcher())
    with TestClient(app) as tc:
        ok = tc.post("/es/_msearch", content=b'{"index": "leaks", "preference": "x"}\n{"size": 2, "_source": false}\n')
        assert ok.status_code == 200 and [h["_id"] for h in ok.json()["responses"][0]["hits"]["hits"]] == ["ok-1", "ok-3"]
        r = tc.post("/es/_msearch", content=b'{"index": "leaks", "search_pipeline": "rag"}\n{"size": 2}\n')
        assert r.status_code == 403 and "search_pipeline" in r.json()["error"]["reason"]


@pytest.mark.parametrize("method,path", [
    ("GET", "/es/leaks/_doc/bad-0"), ("GET", "/es/leaks/_source/bad-0"), ("POST", "/es/_mget"),
    ("GET", "/es/leaks/_mget"), ("POST", "/es/_search/scroll"), ("GET", "/es/_search/scroll/abc"),
    ("DELETE", "/es/_search/scroll"), ("GET", "/es/leaks/_explain/bad-0"), ("GET", "/es/leaks/_termvectors/bad-0"),
    ("POST", "/es/leaks/_search/template"), ("POST", "/es/_msearch/template"), ("POST", "/es/leaks/_pit"),
    ("POST", "/es/_plugins/_sql"), ("POST", "/es/_sql"), ("GET", "/es/leaks/_field_caps"),
    ("POST", "/es/leaks/_validate/query"), ("POST", "/es/_render/template"),
])
def test_document_endpoints_are_not_proxied(leak_url, method, path):
    app = make_app(None, upstream=leak_url, matcher=build_matcher())
    with TestClient(app) as tc:
        r = tc.request(method, path, content=b'{"docs": [{"_id": "bad-0"}], "ids": ["bad-0"]}')
    assert r.status_code == 403 and r.json()["error"]["type"] == "security_exception"
    assert "百家乐" not in r.text and "bad.example" not in r.text


def test_allowed_features_pass_unfiltered_by_choice(leak_url):
    app = make_app(None, upstream=leak_url, matcher=build_matcher(), search_allowed_features=("aggregations",))
    body = {"size": 0, "aggs": {"cats": {"terms": {"field": "cat"}}}}
    with TestClient(app) as tc:
        r = tc.post(f"/es/{LEAKS}/_search", json=body)
        assert r.status_code == 200 and r.json()["aggregations"]["cats"]["buckets"] == [{"key": "c", "doc_count": 12}]
        inner = {"collapse": {"field": "cat", "inner_hits": {"name": "g"}}}
        assert tc.post(f"/es/{LEAKS}/_search", json=inner).status_code == 403  # still refused


def test_unknown_allowed_feature_is_a_config_error():
    from service.config import ServiceConfig

    with pytest.raises(ValueError, match="search_allowed_features: unknown feature"):
        ServiceConfig(search_allowed_features=("aggregations", "everything"))
    assert ServiceConfig.from_env({"QINGLANG_SEARCH_ALLOWED_FEATURES": "aggregations,inner_hits"}) \
        .search.allowed_features == ("aggregations", "inner_hits")
    with pytest.raises(ValueError, match="unknown search feature"):  # the library refuses it too
        SearchGuardConfig(allowed_features=frozenset({"nope"}))


# -- fuzz: client bodies and upstream answers never make a 500 ----------------------------------------
_KEYS = st.sampled_from(["query", "match", "bool", "must", "should", "term", "title", "url", "size", "from", "sort",
                         "_source", "includes", "excludes", "fields", "suggest", "completion", "prefix", "text",
                         "options", "hits", "total", "value", "relation", "aggs", "inner_hits", "script",
                         "search_after", "highlight", "stored_fields", "collapse", "input", "_id"]) | st.text(max_size=4)
_JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-(10**21), 10**21) | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=6) | st.sampled_from(["百家乐", "新闻", "大蒜"]),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(_KEYS, inner, max_size=4),
    max_leaves=25,
)
_FUZZ = settings(max_examples=100, deadline=None, suppress_health_check=list(HealthCheck))


@_FUZZ
@given(body=st.dictionaries(st.sampled_from(["query", "size", "from", "sort", "_source", "suggest", "search_after",
                                             "fields", "stored_fields", "collapse", "pit", "highlight", "aggs"]) | _KEYS,
                            _JSON, max_size=5),
       q=st.sampled_from([None, "大蒜", "百家乐"]))
def test_fuzzed_client_bodies_never_500(body, q):
    def handler(request):
        return httpx.Response(200, json=hits_response(3))

    app = make_app(handler, rumors=FakeRumors({"大蒜": pin("r1")}))
    with TestClient(app, raise_server_exceptions=False) as tc:
        r = tc.post("/es/news/_search", params={"q": q} if q else {}, json=body)
        assert r.status_code in (200, 400, 403), (r.status_code, r.text[:300])
        m = tc.post("/es/_msearch", content=("{}\n" + json.dumps(body) + "\n").encode())
        assert m.status_code in (200, 400, 403, 502), (m.status_code, m.text[:300])
        c = tc.post("/es/news/_count", json=body)
        assert c.status_code in (200, 400, 403, 502), (c.status_code, c.text[:300])


_HIT = st.one_of(_JSON, st.fixed_dictionaries({"_id": _JSON, "_source": st.one_of(
    _JSON, st.dictionaries(st.sampled_from(["title", "url", "suggest"]), _JSON))}, optional={"fields": _JSON, "sort": _JSON}))
_ANSWER = st.one_of(
    _JSON,
    st.fixed_dictionaries({"hits": st.one_of(_JSON, st.fixed_dictionaries(
        {"hits": st.one_of(_JSON, st.lists(_HIT, max_size=4))}, optional={"total": _JSON}))},
        optional={"suggest": st.one_of(_JSON, st.dictionaries(st.sampled_from(["s", "completion#s"]), st.one_of(
            _JSON, st.lists(st.one_of(_JSON, st.fixed_dictionaries({"options": st.one_of(_JSON, st.lists(_HIT))})))))),
            "aggregations": _JSON, "qinglang": _JSON, "_shards": _JSON}),
)


@_FUZZ
@given(answer=_ANSWER, req=st.sampled_from(REQUESTS))
def test_fuzzed_upstream_answers_are_200_or_502(answer, req):
    def handler(request):
        return httpx.Response(200, json=answer)

    app = make_app(handler, rumors=FakeRumors({"大蒜": pin("r1", url="a")}))
    with TestClient(app, raise_server_exceptions=False) as tc:
        r = tc.post("/es/news/_search", json=req)
    assert r.status_code in (200, 502), (r.status_code, r.text[:300])
    if r.status_code == 502:
        assert r.json()["error"]["type"] == "upstream_bad_answer"
    elif "error" not in r.json():
        for hit in r.json()["hits"]["hits"]:
            title = (hit.get("_source") or {}).get("title")
            assert not any("百家乐" in t for t in ([title] if isinstance(title, str) else title or [])
                           if isinstance(t, str)), hit


def test_proxy_checks_run_off_the_event_loop():
    """The query check and hit filtering of a proxied search run in check threads: while the matcher is
    held inside a search, another route of the same server still answers."""
    import threading

    from tests.service.server import serve
    def handler(request):
        return httpx.Response(200, json=hits_response(3))

    matcher = FakeMatcher(TERMS)
    entered, release = threading.Semaphore(0), threading.Event()
    check = matcher.check

    def held_check(text, *a, **kw):
        entered.release()
        if not release.wait(60):
            raise RuntimeError("never released")
        return check(text, *a, **kw)

    matcher.check = held_check
    app = make_app(handler, matcher=matcher)
    app.add_api_route("/healthz", lambda: {"status": "ok"})
    with serve(app) as base:
        out: list = []
        t = threading.Thread(target=lambda: out.append(httpx.post(f"{base}/es/news/_search", timeout=90,
                                                                  json={"query": {"match": {"title": "新闻"}}})),
                             daemon=True)
        t.start()
        try:
            assert entered.acquire(timeout=30), "the search never reached the matcher"
            assert httpx.get(f"{base}/healthz", timeout=20).status_code == 200
            assert t.is_alive() and not out  # answered while the search was held in the matcher
        finally:
            release.set()
            t.join(60)
    assert out and out[0].status_code == 200, out and out[0].text


@pytest.mark.parametrize("path", ["/es/%2e%2e/_search", "/es/%2E%2E/_count", "/es/%2e/_search", "/es/news,%2e%2e/_search",
                                  "/es/%2e%2e/_msearch"])
def test_dot_index_names_cannot_climb_out_of_the_upstream_path(path):
    def handler(request):
        raise AssertionError(f"must not reach upstream: {request.url}")

    with TestClient(make_app(handler, upstream="http://gateway:9200/cluster-a")) as tc:
        r = tc.post(path, content=b'{"index": "news"}\n{}\n' if path.endswith("_msearch") else b"{}")
    assert r.status_code == 400 and r.json()["error"]["type"] == "invalid_index_name_exception"


def test_a_scroll_parameter_opens_no_search_context_upstream():
    """Its scroll id cannot be used through the proxy: forwarding it only left a search context open upstream
    for as long as the client asked (anonymous clients could use up the cluster's open scroll contexts)."""
    seen = []

    def handler(request: httpx.Request):
        seen.append(request)
        body = json.loads(request.content)
        return httpx.Response(200, json=hits_response(body["size"], body["from"], title="新闻"))

    with TestClient(make_app(handler)) as tc:
        r = tc.get("/es/news/_search", params={"scroll": "24h", "size": "3", "q": "新闻"})
    assert r.status_code == 200 and len(r.json()["hits"]["hits"]) == 3
    assert seen and all("scroll" not in req.url.params for req in seen)
