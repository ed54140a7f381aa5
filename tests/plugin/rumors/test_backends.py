"""Both rumour backends obey the same protocols and the same rumour model.

The embedded pair (``RumorStore`` for storage, ``RumorIndex`` for lookup) and the search-engine backend
(one object for both, on a real OpenSearch-compatible server) are checked with ``isinstance`` against
the runtime-checkable protocols and run through one behavioural test: storage round trips, the
revision, and lookups that give the same typed pins and labels (``misleading`` is 失实 in both).
"""

from __future__ import annotations

from typing import Any, Iterator

import pytest
from opensearchpy import OpenSearch

from plugin.protocols import RefreshableRumorLookup, RumorBackend, RumorLookup
from plugin.rumors import Pin, Refutation, Rumor, RumorIndex, RumorLabel, RumorMatchResult, RumorStatus, RumorStore
from plugin.errors import RumorError
from plugin.search.rumor_backend import REVISION_ID, SearchEngineRumorBackend

RUMORS = [
    Rumor(id="garlic", claim="吃大蒜能预防新冠肺炎", status=RumorStatus.FALSE,
          refutations=(Refutation(title="吃大蒜不能预防新冠", url="https://piyao.example/garlic", source="辟谣平台"),)),
    Rumor(id="liquor", claim="喝高度白酒可以杀死新冠病毒", status=RumorStatus.MISLEADING,
          refutations=(Refutation(title="白酒不能杀灭病毒"),)),
    Rumor(id="lockdown", claim="某市下周全面封城", status=RumorStatus.DISPUTED),
    Rumor(id="vaccine", claim="接种疫苗后需要留观三十分钟", status=RumorStatus.TRUE),
]


@pytest.fixture(params=["embedded", "search_engine"])
def backend(request: pytest.FixtureRequest, tmp_path: Any) -> Iterator[tuple[RumorBackend, RumorLookup]]:
    """(storage, lookup) of one backend, empty."""
    if request.param == "embedded":
        store = RumorStore(tmp_path / "rumors.db")
        yield store, RumorIndex.from_store(store)
        store.close()
    else:
        engine = SearchEngineRumorBackend(OpenSearch(hosts=[request.getfixturevalue("os_url")]))
        engine.create_index()
        yield engine, engine


def _synced(lookup: RumorLookup) -> RumorLookup:
    if isinstance(lookup, RefreshableRumorLookup):
        lookup.refresh()
    return lookup


def test_both_backends_obey_the_protocols(backend: tuple[RumorBackend, RumorLookup]) -> None:
    store, lookup = backend
    assert isinstance(store, RumorBackend)
    assert isinstance(lookup, RumorLookup)


def test_storage_round_trip_and_revision(backend: tuple[RumorBackend, RumorLookup]) -> None:
    store, _ = backend
    before = store.revision()
    first = store.upsert(RUMORS)
    assert (first.inserted, first.updated, first.unchanged) == (4, 0, 0)
    after = store.revision()
    assert after != before
    again = store.upsert(RUMORS)
    assert (again.inserted, again.unchanged) == (0, 4) and store.revision() == after  # identical: a no-op
    got = store.get("liquor")
    assert got is not None and got.same_content(RUMORS[1]) and store.get("nope") is None
    assert sorted(r.id for r in store.iterate()) == ["garlic", "liquor", "lockdown", "vaccine"]
    assert "liquor" in [r.id for r in store.candidates("喝白酒能杀死新冠病毒吗")]
    assert store.delete(["vaccine", "nope"]) == 1 and store.revision() != after
    assert store.get("vaccine") is None


def test_a_refresh_says_when_the_stored_rumours_changed(backend: tuple[RumorBackend, RumorLookup]) -> None:
    """What the Guard's periodic refresh asks (it forgets memoised matches on a change), on every replica."""
    store, lookup = backend
    assert isinstance(lookup, RefreshableRumorLookup)
    lookup.refresh()
    assert lookup.refresh() is False
    store.upsert(RUMORS[:1])
    assert lookup.refresh() is not False
    assert lookup.refresh() is False


@pytest.mark.parametrize("text, pins, labels", [
    ("吃大蒜真的能预防新冠肺炎吗", ["garlic"], [("谣言", "label")]),
    ("喝高度白酒能杀死新冠病毒吗", ["liquor"], [("失实", "label")]),  # one model: misleading is 失实 everywhere
    ("听说某市下周要全面封城", [], [("争议", "limit")]),
    ("辟谣：吃大蒜能预防新冠肺炎是谣言", ["garlic"], []),  # a refuting text gets the pin, not the 谣言 label
    ("接种疫苗后需要留观三十分钟吗", [], []),  # true: nothing
    ("今天天气怎么样", [], []),
])
def test_lookups_give_the_same_typed_answer(backend: tuple[RumorBackend, RumorLookup], text: str,
                                            pins: list[str], labels: list[tuple[str, str]]) -> None:
    store, lookup = backend
    store.upsert(RUMORS)
    result = _synced(lookup).match(text, limit=3)
    assert isinstance(result, RumorMatchResult)
    assert all(isinstance(p, Pin) for p in result.pins) and all(isinstance(lab, RumorLabel) for lab in result.labels)
    assert [p.rumor_id for p in result.pins] == pins
    assert [(lab.label, lab.action) for lab in result.labels] == labels
    d = result.to_dict()
    assert set(d) == {"pins", "labels"}
    for p in d["pins"]:
        assert set(p) >= {"rumor_id", "score", "claim", "refutation", "verdict_label", "headline", "tier", "cluster_id"} and set(p["refutation"]) >= {"title", "url", "source", "summary", "checker", "published_at"}
    for lab in d["labels"]:
        assert set(lab) == {"label", "rumor_id", "status", "score", "action", "refutation", "cluster_id"}


def test_embedded_index_scores_the_search_engine_store(os_url: str) -> None:
    """The search-engine backend is a RumorBackend: the embedded index loads from it and refreshes."""
    engine = SearchEngineRumorBackend(OpenSearch(hosts=[os_url]))
    engine.create_index()
    engine.upsert(RUMORS[:1])
    index = RumorIndex.from_store(engine)
    assert len(index) == 1 and not index.refresh()
    engine.upsert(RUMORS[1:2])
    assert index.refresh() and index.match("喝高度白酒能杀死新冠病毒吗").pins[0].rumor_id == "liquor"


def test_a_write_that_fails_part_way_still_moves_the_revision(os_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Earlier bulk chunks are in the index after a later one fails: replicas must forget memoised matches."""
    engine = SearchEngineRumorBackend(OpenSearch(hosts=[os_url]))
    engine.create_index()
    engine.refresh()
    calls = []
    real_bulk = engine.client.bulk

    def second_fails(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        if len(calls) == 2:
            raise ConnectionError("cluster went away")
        return real_bulk(*args, **kwargs)

    monkeypatch.setattr(engine.client, "bulk", second_fails)
    with pytest.raises(ConnectionError):
        engine._write(list(RUMORS[:2]), chunk=1)
    assert engine.get("garlic") is not None and engine.get("liquor") is None  # the first chunk landed
    assert engine.refresh() is True


def test_the_revision_document_is_no_rumour(os_url: str) -> None:
    engine = SearchEngineRumorBackend(OpenSearch(hosts=[os_url]))
    engine.create_index()
    with pytest.raises(RumorError, match="backend's own document"):
        engine.upsert([Rumor(id=REVISION_ID, claim="吃大蒜能预防新冠肺炎", status=RumorStatus.FALSE)])
