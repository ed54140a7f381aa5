"""plugin.search.policy through the search guard: refused features, _source widening, answer checks."""

import copy

import pytest

from plugin.search.hooks import SearchGuard, SearchGuardConfig, guard_client, run_plan_sync
from plugin.search.policy import (
    FEATURES,
    RefusedFeature,
    SourceFilter,
    UpstreamAnswerError,
    check_search_answer,
    check_search_body,
    widen_source,
)
from tests.fakes import FakeEngine, TermMatcher as FakeMatcher
TERMS = {"百家乐": "block"}


def docs(n):
    return [{"id": f"d{i}", "title": "百家乐攻略" if i % 2 == 0 else f"新闻{i}", "url": f"u{i}", "rank": i}
            for i in range(n)]


@pytest.mark.parametrize("body,feature", [
    ({"aggs": {"t": {"top_hits": {}}}}, "aggregations"),
    ({"aggregations": {"t": {"terms": {"field": "title.keyword"}}}}, "aggregations"),
    ({"collapse": {"field": "c", "inner_hits": {"name": "x"}}}, "inner_hits"),
    ({"query": {"bool": {"must": [{"has_child": {"type": "c", "query": {}, "inner_hits": {}}}]}}}, "inner_hits"),
    ({"knn": [{"field": "v", "inner_hits": {}}]}, "inner_hits"),
    ({"script_fields": {"x": {"script": "1"}}}, "scripts"),
    ({"runtime_mappings": {"x": {"type": "keyword"}}}, "scripts"),
    ({"sort": [{"_script": {"script": "1"}}]}, "scripts"),
    ({"query": {"script": {"script": {"source": "Debug.explain(params._source)"}}}}, "scripts"),
    ({"rescore": {"query": {"rescore_query": {"function_score": {"script_score": {"script": "1"}}}}}}, "scripts"),
    ({"profile": True}, "profile"),
    ({"ext": {"x": {}}}, "ext"),
])
def test_features_refused_by_default_and_allowed_by_name(body, feature):
    engine = FakeEngine(docs(4))
    guard = SearchGuard(FakeMatcher(TERMS))
    with pytest.raises(RefusedFeature) as exc:
        run_plan_sync(guard.plan_search(body), lambda req: engine.search(req.body))
    assert repr(feature) in str(exc.value) and "search_allowed_features" in str(exc.value)
    assert engine.requests == []
    check_search_body(body, {feature})  # allowed by name: passes


def test_unknown_keys_and_features():
    with pytest.raises(RefusedFeature, match="'search_pipeline' is not accepted"):
        check_search_body({"search_pipeline": {}})
    check_search_body({"profile": False, "query": {"match_all": {}}, "highlight": {}, "fields": ["x"]})
    with pytest.raises(ValueError, match="unknown search feature"):
        SearchGuardConfig(allowed_features=frozenset({"everything"}))
    assert set(FEATURES) == {"aggregations", "inner_hits", "scripts", "profile", "ext"}


def test_library_client_refuses_too():
    class Client:
        def search(self, *, index=None, body=None, **kw):
            raise AssertionError("not reached")

    client = guard_client(Client(), SearchGuard(FakeMatcher(TERMS)))
    with pytest.raises(RefusedFeature):
        client.search(index="news", aggs={"t": {"terms": {"field": "title.keyword"}}})


@pytest.mark.parametrize("source,stored,sent,expected", [
    (None, None, None, SourceFilter()),
    (True, None, True, SourceFilter()),
    ({"excludes": ["body"]}, None, {"excludes": ["body"]}, SourceFilter()),
    (False, None, {"includes": ["title"]}, SourceFilter(hide=True)),
    (["url"], None, {"includes": ["url", "title"]}, SourceFilter(added=("title",))),
    ("url", None, {"includes": ["url", "title"]}, SourceFilter(added=("title",))),
    (["t*"], None, ["t*"], SourceFilter()),
    ({"includes": ["meta"]}, None, {"includes": ["meta", "title"]}, SourceFilter(added=("title",))),
    (None, ["title"], {"includes": ["title"]}, SourceFilter(hide=True)),
    (None, [], {"includes": ["title"]}, SourceFilter(hide=True)),
    (["url"], ["x"], {"includes": ["url", "title"]}, SourceFilter(added=("title",))),
])
def test_widen_source(source, stored, sent, expected):
    body = {}
    if source is not None:
        body["_source"] = source
    if stored is not None:
        body["stored_fields"] = stored
    assert widen_source(body, ("title",)) == expected
    assert body.get("_source") == sent


@pytest.mark.parametrize("body", [
    {"_source": {"excludes": ["title"]}}, {"_source": {"excludes": "t*"}}, {"_source": {"exclude": ["*"]}},
    {"stored_fields": "_none_"}, {"stored_fields": ["_none_"], "_source": True},
])
def test_source_that_hides_hit_fields_is_refused(body):
    with pytest.raises(RefusedFeature, match="guard checks"):
        widen_source(body, ("title",))


def test_nested_hit_field_paths():
    body = {"_source": {"excludes": ["meta"]}}
    with pytest.raises(RefusedFeature):
        widen_source(body, ("meta.title",))
    body = {"_source": ["url"]}
    f = widen_source(body, ("meta.title",))
    hit = {"_source": {"url": "u", "meta": {"title": "t"}}}
    f.narrow(hit)
    assert hit == {"_source": {"url": "u"}}
    hit = {"_source": {"url": "u", "meta": {"title": "t", "other": 1}}}
    f.narrow(hit)
    assert hit == {"_source": {"url": "u", "meta": {"other": 1}}}


@pytest.mark.parametrize("value", [5, {"includes": [5]}, {"weird": ["x"]}, [None]])
def test_malformed_source_is_a_value_error(value):
    with pytest.raises(ValueError):
        widen_source({"_source": value}, ("title",))


class SourceEngine(FakeEngine):
    """FakeEngine that honours ``_source`` includes (enough for the guard's widening)."""

    def search(self, body):
        resp = super().search(body)
        src = body.get("_source")
        if isinstance(src, dict):
            for hit in resp["hits"]["hits"]:
                hit["_source"] = {k: v for k, v in hit["_source"].items() if k in src["includes"]}
        return resp


@pytest.mark.parametrize("source,kept_keys", [(False, None), (["url"], {"url"}), ({"includes": ["rank"]}, {"rank"})])
def test_hits_filtered_on_the_widened_source_then_narrowed(source, kept_keys):
    engine = SourceEngine(docs(8))
    guard = SearchGuard(FakeMatcher(TERMS))
    resp = run_plan_sync(guard.plan_search({"_source": source, "size": 3}), lambda req: engine.search(req.body))
    assert [h["_id"] for h in resp["hits"]["hits"]] == ["d1", "d3", "d5"]
    for hit in resp["hits"]["hits"]:
        assert (set(hit["_source"]) if "_source" in hit else None) == kept_keys
    assert all("title" in r["_source"]["includes"] for r in engine.requests)


def test_fields_are_checked_too():
    guard = SearchGuard(FakeMatcher(TERMS))
    assert guard.hit_blocked({"fields": {"title.keyword": ["百家乐攻略"]}})
    assert guard.hit_blocked({"fields": {"title": ["x", "百家乐"]}})
    assert not guard.hit_blocked({"fields": {"titles": ["百家乐"]}})


def test_answer_checks_name_the_problem():
    with pytest.raises(UpstreamAnswerError, match=r"'hits.hits\[1\]._source' is not an object"):
        check_search_answer({"hits": {"hits": [{"_source": {}}, {"_source": "x"}]}})
    check_search_answer({"error": "anything"})
    check_search_answer({"hits": {"hits": [], "total": 5}, "suggest": {"s": [{"options": []}]}})


def test_answers_cleaned_of_what_is_not_passed_on():
    answer = {"hits": {"hits": [{"_id": "d1", "_source": {"title": "ok"},
                                 "inner_hits": {"g": {"hits": {"hits": [{"_source": {"title": "百家乐"}}]}}}}]},
              "aggregations": {"t": {}}, "profile": {}, "ext": {"rag": "百家乐"}, "qinglang": "spoof", "x": 1,
              "took": 1, "_shards": {}}
    guard = SearchGuard(FakeMatcher(TERMS))
    resp = run_plan_sync(guard.plan_search({"size": 1}), lambda req: copy.deepcopy(answer))
    assert set(resp) == {"hits", "took", "_shards"} and "inner_hits" not in resp["hits"]["hits"][0]
    allowed = SearchGuard(FakeMatcher(TERMS), config=SearchGuardConfig(
        allowed_features=frozenset({"aggregations", "inner_hits"})))
    resp = run_plan_sync(allowed.plan_search({"size": 1}), lambda req: copy.deepcopy(answer))
    assert "aggregations" in resp and "inner_hits" in resp["hits"]["hits"][0] and "ext" not in resp


def test_typed_keys_suggestions_are_filtered():
    answer = {"hits": {"hits": []}, "suggest": {"completion#s": [{"text": "百", "options": [
        {"text": "百家乐攻略"}, {"text": "百家新闻"}]}], "term#t": [{"text": "x", "options": [{"text": "百家乐"}]}]}}
    guard = SearchGuard(FakeMatcher(TERMS))
    body = {"size": 0, "suggest": {"s": {"prefix": "百", "completion": {"field": "s", "size": 1}},
                                   "t": {"text": "x", "term": {"field": "title"}}}}
    resp = run_plan_sync(guard.plan_search(body), lambda req: copy.deepcopy(answer))
    assert [o["text"] for o in resp["suggest"]["completion#s"][0]["options"]] == ["百家新闻"]
    assert resp["suggest"]["term#t"][0]["options"] == []


def test_wrapper_queries_are_refused_whatever_is_allowed():
    import base64
    import json

    hidden = base64.b64encode(json.dumps({"match": {"title": "百家乐"}}).encode()).decode()
    with pytest.raises(RefusedFeature, match="wrapper"):
        check_search_body({"query": {"bool": {"must": [{"wrapper": {"query": hidden}}]}}}, set(FEATURES))


def test_unknown_hits_keys_are_dropped():
    answer = {"hits": {"hits": [], "total": 1, "max_score": 1.0, "extra": ["百家乐"]}}
    resp = run_plan_sync(SearchGuard(FakeMatcher(TERMS)).plan_search({}), lambda req: copy.deepcopy(answer))
    assert resp["hits"] == {"hits": [], "total": 1, "max_score": 1.0}


def test_unknown_query_clauses_are_refused():
    with pytest.raises(RefusedFeature, match="query clause 'intervals_v2' is not known to the guard"):
        check_search_body({"query": {"bool": {"must": [{"intervals_v2": {"body": "百家乐"}}]}}})
    check_search_body({"query": {"intervals": {"body": {"match": {"query": "百家乐"}}}}})  # known: read, not refused
