"""Hooks and the search-engine rumour backend against a real OpenSearch-compatible server (osmem)."""

import asyncio

import pytest
from elasticsearch import AsyncElasticsearch, Elasticsearch
from opensearchpy import OpenSearch

from plugin.errors import RumorError
from plugin.search import SearchGuard, SearchGuardConfig, guard_client
from plugin.search.rumor_backend import SearchEngineRumorBackend
from tests.osmem import RUMORS, PlainJsonAsyncNode, PlainJsonNode, build_matcher, seed_news

QUERY = {"match": {"title": "大蒜预防新冠"}}


@pytest.fixture
def client(os_url):
    c = OpenSearch(hosts=[os_url])
    seed_news(c)
    return c


@pytest.fixture
def rumors(client):
    backend = SearchEngineRumorBackend(client)
    assert backend.create_index() == "qinglang_cjk"  # no ik plugin on osmem
    assert backend.bulk_import(RUMORS) == 3
    return backend


def ids(resp):
    return [h["_id"] for h in resp["hits"]["hits"]]


def test_backend_pins_and_labels(rumors):
    m = rumors.match("吃大蒜真的能预防新冠吗")
    assert [p.rumor_id for p in m.pins] == ["garlic"]
    assert m.pins[0].refutation.url == "https://piyao.example/garlic"
    assert m.labels[0].label == "谣言"
    assert rumors.match("大蒜炒肉怎么做").pins == ()
    assert rumors.match("今天天气").to_dict() == {"pins": [], "labels": []}
    disputed = rumors.match("听说某市下周要全面封城")
    assert disputed.pins == () and disputed.labels[0].label == "争议"


def test_backend_rejects_bad_records_without_writing(rumors):
    before = rumors.count()
    with pytest.raises(RumorError, match="status"):
        rumors.bulk_import([{"rumor_id": "ok", "claim": "正常谣言内容", "status": "false"},
                            {"rumor_id": "bad", "claim": "x", "status": "maybe"}])
    with pytest.raises(RumorError, match="claim"):
        rumors.bulk_import([{"rumor_id": "e", "claim": "  "}])
    assert rumors.count() == before


def test_guarded_opensearch_pins_filters_and_pages(client, rumors):
    guarded = guard_client(client, SearchGuard(build_matcher(), rumors))
    body = {"query": QUERY, "size": 6, "sort": [{"rank": "desc"}]}
    page1 = guarded.search(index="news", body=body)
    assert ids(page1)[0] == "garlic" and page1["hits"]["hits"][0]["_index"] == "qinglang-refutations"
    assert page1["qinglang"]["pinned"] == ["garlic"]
    # n0, n5, n10... carry a spaced-out 百家乐 and are removed; n3 duplicates the pinned refutation
    organic = [f"n{i}" for i in range(40) if i % 5 and i != 3]
    assert ids(page1)[1:] == organic[:5]
    page2 = guarded.search(index="news", body=dict(body, **{"from": 6}))
    assert ids(page2) == organic[5:11]
    plain = client.search(index="news", body=body)
    assert page1["hits"]["total"]["value"] <= plain["hits"]["total"]["value"]


def test_guarded_blocked_query_and_msearch(client, rumors):
    guarded = guard_client(client, SearchGuard(build_matcher(), rumors))
    resp = guarded.search(index="news", body={"query": {"match": {"title": "百家乐 必胜"}}})
    assert resp["hits"]["hits"] == [] and resp["qinglang"]["blocked"]
    multi = guarded.msearch(body=[{"index": "news"}, {"query": QUERY, "size": 3},
                                  {"index": "news"}, {"query": {"match": {"title": "网上赌场"}}}])
    first, second = multi["responses"]
    assert ids(first)[0] == "garlic" and len(ids(first)) == 3
    assert second["qinglang"]["blocked"]


def test_guarded_suggestions(client):
    guarded = guard_client(client, SearchGuard(build_matcher()))
    body = {"suggest": {"s": {"prefix": "大蒜", "completion": {"field": "suggest", "size": 4}}}}
    raw = client.search(index="news", body=body)["suggest"]["s"][0]["options"]
    assert any("百" in o["text"] for o in raw)  # upstream does suggest the evasive titles
    opts = guarded.search(index="news", body=body)["suggest"]["s"][0]["options"]
    assert len(opts) == 4 and not any("百" in o["text"] for o in opts)


def test_guarded_elasticsearch_client(os_url, client, rumors):
    es = Elasticsearch(os_url, node_class=PlainJsonNode)
    guarded = guard_client(es, SearchGuard(build_matcher(), rumors))
    resp = guarded.search(index="news", query=QUERY, size=3, sort=[{"rank": "desc"}])
    assert ids(resp) == ["garlic", "n1", "n2"]
    es.close()


def test_guarded_async_elasticsearch_client(os_url, client, rumors):
    async def go():
        es = AsyncElasticsearch(os_url, node_class=PlainJsonAsyncNode)
        try:
            guarded = guard_client(es, SearchGuard(build_matcher(), rumors))
            return await guarded.search(index="news", query=QUERY, size=3, sort=[{"rank": "desc"}])
        finally:
            await es.close()

    assert ids(asyncio.run(go())) == ["garlic", "n1", "n2"]


def test_native_pinned_is_refused_by_opensearch(client, rumors):
    """OpenSearch has no ``pinned`` query: native mode is for Elasticsearch only (see docs/search.md)."""
    from opensearchpy.exceptions import RequestError

    guarded = guard_client(client, SearchGuard(build_matcher(), rumors,
                                               SearchGuardConfig(pin_mode="native", refutation_index=rumors.index)))
    with pytest.raises(RequestError):
        guarded.search(index="news", body={"query": QUERY})
