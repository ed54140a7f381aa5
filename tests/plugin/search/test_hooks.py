"""Search guard plans against a fake engine: blocking, pins, paging, hit and suggestion filtering."""

import pytest
from hypothesis import given, settings, strategies as st

from plugin.guard import Guard
from plugin.policy import Policy
from plugin.search.hooks import (
    SearchGuard,
    SearchGuardConfig,
    UpstreamRequest,
    guard_client,
    run_plan_sync,
    run_plans_sync,
)
from tests.fakes import FakeEngine, KeywordRumors as FakeRumors, TermMatcher as FakeMatcher, pin
TERMS = {"百家乐": "block", "博彩": "block", "震惊": "label"}


def docs(n, bad=()):
    return [{"id": f"d{i}", "title": ("百家乐攻略" if i in bad else f"新闻{i}"), "url": f"https://news.example/{i}"}
            for i in range(n)]


def run(guard, engine, body, **kw):
    return run_plan_sync(guard.plan_search(body, **kw), lambda req: engine.search(req.body))


def ids(resp):
    return [h["_id"] for h in resp["hits"]["hits"]]


def test_blocked_query_never_reaches_upstream():
    engine = FakeEngine(docs(5))
    guard = SearchGuard(FakeMatcher(TERMS))
    resp = run(guard, engine, {"query": {"match": {"title": "百家乐 技巧"}}})
    assert engine.requests == []
    assert resp["hits"]["hits"] == [] and resp["hits"]["total"]["value"] == 0
    q = resp["qinglang"]
    assert q["blocked"] is True and q["action"] == "block" and q["notice"]
    assert q["hits"][0]["term"] == "百家乐"


def test_label_query_passes_with_verdict():
    engine = FakeEngine(docs(3))
    guard = SearchGuard(FakeMatcher(TERMS), config=SearchGuardConfig(hit_fields=()))
    resp = run(guard, engine, {"query": {"match": {"title": "震惊 新闻"}}, "from": 1, "size": 2})
    assert engine.requests == [{"query": {"match": {"title": "震惊 新闻"}}, "from": 1, "size": 2}]
    assert ids(resp) == ["d1", "d2"]
    assert resp["qinglang"] == {"action": "label", "blocked": False, "lexicon_version": "fake-1"}


def test_blocked_hits_removed_and_page_keeps_size():
    engine = FakeEngine(docs(30, bad={0, 2, 3, 7}))
    guard = SearchGuard(FakeMatcher(TERMS))
    resp = run(guard, engine, {"query": {"match": {"title": "新闻"}}, "size": 5})
    assert ids(resp) == ["d1", "d4", "d5", "d6", "d8"]
    assert resp["qinglang"]["removed"] == 4
    assert resp["hits"]["total"]["value"] == 26


def test_pins_on_top_dedup_and_total():
    engine = FakeEngine(docs(20))
    # the refutation's URL is also an organic document (d3): it must not appear twice
    rumors = FakeRumors({"大蒜": pin("r1", url="https://news.example/3"), "新冠": pin("r2")})
    guard = SearchGuard(FakeMatcher(TERMS), rumors)
    resp = run(guard, engine, {"query": {"match": {"title": "大蒜 新冠"}}, "size": 5})
    assert ids(resp) == ["r1", "r2", "d0", "d1", "d2"]
    assert resp["hits"]["hits"][0]["_index"] == "qinglang-refutations"
    assert resp["hits"]["hits"][0]["_qinglang"]["pinned"] is True
    assert resp["qinglang"]["pinned"] == ["r1", "r2"]
    shown = resp["hits"]["hits"][0]["_source"]  # what a result page can show: headline, verdict, checker, date
    assert {"headline", "verdict_label", "summary", "checker", "published_at", "cluster_id"} <= set(shown)
    assert shown["verdict_label"] == "谣言" and shown["headline"].endswith("系谣言")
    page2 = run(guard, engine, {"query": {"match": {"title": "大蒜 新冠"}}, "from": 5, "size": 5})
    assert ids(page2) == ["d4", "d5", "d6", "d7", "d8"]  # d3 dropped as the pin's duplicate


@settings(max_examples=60, deadline=None)
@given(
    n_docs=st.integers(0, 40),
    bad=st.sets(st.integers(0, 39), max_size=15),
    n_pins=st.integers(0, 3),
    size=st.integers(1, 7),
)
def test_paging_is_consistent(n_docs, bad, n_pins, size):
    """Concatenated pages == pins + organic minus blocked, with no gap or repeat."""
    engine = FakeEngine(docs(n_docs, bad))
    rumors = FakeRumors({f"查{i}": pin(f"r{i}") for i in range(n_pins)})
    query = " ".join(f"查{i}" for i in range(n_pins)) or "查"
    guard = SearchGuard(FakeMatcher(TERMS), rumors, SearchGuardConfig(max_pins=3, overfetch_min=0))
    expected = [f"r{i}" for i in range(n_pins)] + [f"d{i}" for i in range(n_docs) if i not in bad]
    got = []
    for frm in range(0, len(expected) + size, size):
        resp = run(guard, engine, {"query": {"match": {"title": query}}, "from": frm, "size": size})
        page = ids(resp)
        assert len(page) == min(size, max(0, len(expected) - frm))
        got += page
    assert got == expected


def test_max_window_caps_refetching():
    engine = FakeEngine(docs(100, bad=set(range(100))))
    guard = SearchGuard(FakeMatcher(TERMS), config=SearchGuardConfig(max_window=30))
    resp = run(guard, engine, {"query": {"match": {"title": "x"}}, "size": 10})
    assert ids(resp) == []
    assert sum(r["size"] for r in engine.requests) <= 30


def test_search_after_overfetches_and_keeps_cursor():
    engine = FakeEngine(docs(20, bad={1, 2}))
    guard = SearchGuard(FakeMatcher(TERMS), FakeRumors({"新闻": pin("r1")}))
    body = {"query": {"match": {"title": "新闻"}}, "size": 3, "sort": ["_doc"], "search_after": [0]}
    resp = run(guard, engine, body)
    assert ids(resp) == ["d3", "d4", "d5"]  # no pins on a later cursor page
    assert "pinned" not in resp["qinglang"]


def test_native_pin_mode_builds_pinned_query():
    engine = FakeEngine(docs(3))
    seen = []
    guard = SearchGuard(FakeMatcher(TERMS), FakeRumors({"大蒜": pin("r1")}),
                        SearchGuardConfig(pin_mode="native", hit_fields=(), refutation_index="refs"))

    def send(req: UpstreamRequest):
        seen.append(req)
        return engine.search(req.body)

    run_plan_sync(guard.plan_search({"query": {"match": {"title": "大蒜"}}, "size": 2}), send)
    (req,) = seen
    assert req.extra_index == "refs"
    pinned = req.body["query"]["pinned"]
    assert pinned["docs"] == [{"_index": "refs", "_id": "r1"}]
    assert pinned["organic"]["bool"]["must"] == [{"match": {"title": "大蒜"}}]
    assert pinned["organic"]["bool"]["must_not"] == [{"term": {"_index": "refs"}}]


def test_suggestions_overfetched_filtered_and_cut():
    sugg = ["博彩app下载", "博客", "博物馆", "博彩平台", "博士", "博览会", "博弈论"]
    engine = FakeEngine([], suggestions=sugg)
    guard = SearchGuard(FakeMatcher(TERMS), config=SearchGuardConfig(suggest_overfetch=2))
    body = {"size": 0, "suggest": {"s": {"prefix": "博", "completion": {"field": "suggest", "size": 3}}}}
    resp = run(guard, engine, body)
    opts = [o["text"] for o in resp["suggest"]["s"][0]["options"]]
    assert opts == ["博客", "博物馆", "博士"]
    assert engine.requests[0]["suggest"]["s"]["completion"]["size"] == 6


def test_label_only_suggestions_are_dropped_but_label_only_hits_are_kept():
    engine = FakeEngine(docs(3), suggestions=["博主震惊了", "博客", "博士"])
    guard = SearchGuard(FakeMatcher(TERMS))
    body = {"suggest": {"s": {"prefix": "博", "completion": {"field": "suggest", "size": 2}}}}
    assert [o["text"] for o in run(guard, engine, body)["suggest"]["s"][0]["options"]] == ["博客", "博士"]
    assert not guard.is_blocked("博主震惊了")  # results and queries: only block_actions
    narrow = SearchGuard(Guard(FakeMatcher(TERMS), policy=Policy.default(suggestion_drop_action="block")))
    engine = FakeEngine([], suggestions=["博主震惊了", "博客"])
    assert [o["text"] for o in run(narrow, engine, body)["suggest"]["s"][0]["options"]] == ["博主震惊了", "博客"]


def test_suggestion_retry_when_short():
    sugg = ["博彩1", "博彩2", "博彩3", "博彩4", "博客", "博士"]
    engine = FakeEngine([], suggestions=sugg)
    guard = SearchGuard(FakeMatcher(TERMS), config=SearchGuardConfig(suggest_overfetch=2))
    body = {"size": 0, "suggest": {"s": {"prefix": "博", "completion": {"field": "suggest", "size": 2}}}}
    resp = run(guard, engine, body)
    assert [o["text"] for o in resp["suggest"]["s"][0]["options"]] == ["博客", "博士"]
    assert len(engine.requests) == 2 and engine.requests[1]["suggest"]["s"]["completion"]["size"] == 100


def test_blocked_suggest_prefix_gives_no_options():
    engine = FakeEngine([], suggestions=["百家乐入门"])
    guard = SearchGuard(FakeMatcher(TERMS))
    body = {"suggest": {"s": {"prefix": "百家乐", "completion": {"field": "suggest"}}}}
    assert run(guard, engine, body)["suggest"]["s"][0]["options"] == []


def test_upstream_error_returned_untouched():
    guard = SearchGuard(FakeMatcher(TERMS), FakeRumors({"大蒜": pin("r1")}))
    err = {"error": {"type": "index_not_found_exception"}, "status": 404}
    resp = run_plan_sync(guard.plan_search({"query": {"match": {"t": "大蒜"}}}), lambda req: err)
    assert resp is err


@pytest.mark.parametrize("body", [{"from": -1}, {"size": "ten"}])
def test_bad_paging_is_a_clear_error(body):
    guard = SearchGuard(FakeMatcher(TERMS))
    with pytest.raises(ValueError, match="from|size"):
        run(guard, FakeEngine([]), dict(body, query={"match": {"t": "x"}}))


def test_msearch_plans_run_in_lockstep():
    engine = FakeEngine(docs(30, bad={0, 1, 2, 3, 4, 5, 6}))
    guard = SearchGuard(FakeMatcher(TERMS), config=SearchGuardConfig(overfetch=1, overfetch_min=0))
    rounds = []

    def send_many(reqs):
        rounds.append(len(reqs))
        return [engine.search(r.body) for r in reqs]

    bodies = [{"query": {"match": {"t": "a"}}, "size": 3}, {"query": {"match": {"t": "百家乐"}}},
              {"query": {"match": {"t": "b"}}, "size": 10}]
    results = run_plans_sync([guard.plan_search(b) for b in bodies], send_many)
    assert ids(results[0]) == ["d7", "d8", "d9"]
    assert results[1]["qinglang"]["blocked"] is True
    assert len(ids(results[2])) == 10
    assert rounds[0] == 2  # the blocked query never went upstream


def test_live_matcher_swap_resets_cache():
    class Live:
        def __init__(self, m):
            self.m = m

        def current(self):
            return self.m

    live = Live(FakeMatcher({}))
    guard = SearchGuard(live)
    assert not guard.is_blocked("新闻0")
    live.m = FakeMatcher({"新闻0": "block"})
    assert guard.is_blocked("新闻0")


def test_wrapper_accepts_es_keyword_style():
    class Client:
        def __init__(self):
            self.engine = FakeEngine(docs(5))
            self.calls = []

        def search(self, *, index=None, body=None, **params):
            self.calls.append((index, params))
            return self.engine.search(body)

        def info(self):
            return "info"

    client = Client()
    guarded = guard_client(client, SearchGuard(FakeMatcher(TERMS), config=SearchGuardConfig(hit_fields=())))
    resp = guarded.search(index="news", query={"match": {"t": "x"}}, from_=1, size=2, request_timeout=3)
    assert ids(resp) == ["d1", "d2"]
    assert client.calls == [("news", {"request_timeout": 3})]
    assert guarded.info() == "info"


def test_config_validation():
    with pytest.raises(ValueError, match="pin_mode"):
        SearchGuardConfig(pin_mode="sometimes")
    with pytest.raises(ValueError):
        SearchGuardConfig(overfetch=0.5)
