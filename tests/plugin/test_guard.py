"""plugin.guard / plugin.policy: one table of decisions, per-entry surface overrides, signals, caches."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from plugin import Guard, LiveMatcher, Matcher, Policy, SignalHit, Surface
from plugin.lexicon import parse_lexicon_text
from plugin.policy import DEFAULT_POLICY, SurfacePolicy
from plugin.protocols import RumorLookup, Signal, TextMatcher
from plugin.rumors import Refutation, Rumor, RumorIndex, RumorStatus
from plugin.rumors.decision import PinTiers
from plugin.review import Candidate, ReviewEngine
from plugin.rumors import RumorMatchResult
from plugin.search.hooks import SearchGuard
from plugin.store.entries import entry_from_dict
from tests.candidates import candidate
from tests.fakes import EntryMatcher as StoreFakeMatcher, FakeRumors, TermMatcher as FakeMatcher
LEXICON = """\
category: gambling
action: review
entries:
  - term: 炸金花
    surface_actions: {suggestion: allow, trending: label}
  - term: 百家乐
    action: block
    surface_actions: {suggestion: allow}
  - term: 网上赌场
    action: block
  - term: 菠菜担保
  - term: 震惊体
    category: clickbait
    action: label
"""


@pytest.fixture(scope="module")
def matcher() -> Matcher:
    lex, problems = parse_lexicon_text(LEXICON, "test.yaml")
    assert not [p for p in problems if p.severity == "error"]
    return Matcher.from_entries(list(lex.entries), version="t1")


def rumors() -> FakeRumors:
    return FakeRumors([
        {"id": "r1", "key": "喝盐水防病毒", "claim": "喝盐水可以预防病毒感染", "status": "false"},
        {"id": "r2", "key": "某地水源污染", "claim": "某地水源被污染", "status": "disputed"},
    ])


# ---- the table -----------------------------------------------------------------------------------

@pytest.mark.parametrize("surface, decisions", [
    (Surface.CONTENT, {"allow": "allow", "label": "label", "limit": "limit", "review": "review", "block": "block"}),
    (Surface.QUERY, {"allow": "allow", "label": "allow", "limit": "allow", "review": "review", "block": "block"}),
    (Surface.SUGGESTION, {"allow": "keep", "label": "drop", "limit": "drop", "review": "drop", "block": "drop"}),
    (Surface.SEARCH_HIT, {"allow": "keep", "label": "keep", "limit": "keep", "review": "keep", "block": "drop"}),
    (Surface.TRENDING, {"allow": "approve", "label": "approve_with_labels", "limit": "limit", "review": "review",
                        "block": "reject"}),
])
def test_default_table(surface: Surface, decisions: dict[str, str]) -> None:
    assert dict(DEFAULT_POLICY.surface(surface).by_action) == decisions


def test_policy_options_and_validation() -> None:
    row = Policy.default(suggestion_drop_action="review").surface("suggestion")
    assert [a for a, d in row.by_action.items() if d == "drop"] == ["review", "block"]
    with pytest.raises(ValueError, match="suggestion_drop_action"):
        Policy.default(suggestion_drop_action="maybe")
    with pytest.raises(ValueError, match="unknown decisions"):
        SurfacePolicy(Surface.QUERY, ("allow",), {a: "allow" for a in ("allow", "label", "limit", "review")} | {"block": "x"})
    with pytest.raises(ValueError, match="no row"):
        Policy({})
    assert DEFAULT_POLICY.category("gambling").name == "赌博" and DEFAULT_POLICY.category("persona").label == "虚构"
    assert DEFAULT_POLICY.category("new_thing").name == "new_thing"  # unknown: named by its id


def test_fakes_obey_the_protocols(matcher: Matcher) -> None:
    assert isinstance(FakeMatcher({}), TextMatcher) and isinstance(rumors(), RumorLookup)
    assert isinstance(StoreFakeMatcher(matcher.entries, "1"), TextMatcher) and isinstance(matcher, TextMatcher)
    assert StoreFakeMatcher(matcher.entries, "1").check("网上赌场").action == "block"


# ---- one guard, every surface --------------------------------------------------------------------

def test_query_verdict_is_the_route_json(matcher: Matcher) -> None:
    guard = Guard(matcher, rumors())
    v = guard.check("网上赌场喝盐水防病毒", Surface.QUERY)
    assert v.action == "block" and v.lexicon_action == "block" and v.reason == "lexicon:gambling"
    assert v.notice == "根据相关法律法规和政策，该搜索词涉及赌博内容，相关结果未予显示。"
    d = v.to_dict()
    assert list(d) == ["action", "lexicon_action", "hits", "pins", "labels", "notice", "lexicon_version"]
    assert d["pins"][0]["rumor_id"] == "r1" and d["lexicon_version"] == "t1"
    rumour_only = guard.check("听说喝盐水防病毒", Surface.QUERY)
    assert rumour_only.action == "allow" and rumour_only.notice == "网传信息经核实不实，辟谣信息已置顶显示。"
    labelled = guard.check("震惊体标题", Surface.QUERY).to_dict()
    assert labelled["action"] == "allow" and labelled["labels"] == [{"label": "标题党", "category": "clickbait", "term": "震惊体"}]


def test_rumours_decide_on_suggestions_and_trending(matcher: Matcher) -> None:
    guard = Guard(matcher, rumors())
    v = guard.check("喝盐水防病毒吗", Surface.SUGGESTION)
    assert v.action == "drop" and v.reason == "rumor:r1"
    assert guard.check("喝盐水防病毒吗", Surface.TRENDING).action == "reject"
    assert guard.check("某地水源污染了", Surface.TRENDING).action == "limit"
    assert guard.check("喝盐水防病毒吗", Surface.SEARCH_HIT).action == "keep"  # hits: the lexicon only


def test_entry_overrides_its_action_per_surface(matcher: Matcher) -> None:
    """炸金花 is reviewed as a query but stays in autocomplete and only labels a trending item."""
    guard = Guard(matcher)
    assert guard.check("炸金花规则", Surface.QUERY).action == "review"
    assert guard.check("炸金花规则", Surface.SUGGESTION).action == "keep"
    assert guard.check("炸金花规则", Surface.CONTENT).action == "review"  # the lexicon's own verdict
    result = guard.filter_suggestions("炸", ["炸金花规则", "炸金花电影", "菠菜担保平台"])
    assert result.kept == ("炸金花规则", "炸金花电影")
    assert [(d.text, d.reason, d.cause) for d in result.dropped] == [("菠菜担保平台", "lexicon:gambling", "lexicon")]
    # a prefix whose block entry is allowed on suggestions drops nothing; another block prefix drops all
    assert guard.filter_suggestions("百家乐", ["百家乐规则"]).kept == ("百家乐规则",)
    blocked = guard.filter_suggestions("网上赌场", ["网上赌场", "网上赌场攻略"])
    assert blocked.kept == () and {d.reason for d in blocked.dropped} == {"prefix:gambling"}
    (r,) = ReviewEngine().review([Candidate.model_validate(candidate(title="今晚炸金花。", text=None))], guard=guard,
                                 now=dt.datetime(2026, 11, 21, tzinfo=dt.timezone.utc))
    assert r.decision == "approve_with_labels" and "gambling" in r.required_labels


def test_proxy_and_route_drop_the_same_suggestions(matcher: Matcher) -> None:
    guard = Guard(matcher, rumors())
    search = SearchGuard(guard)
    texts = ["炸金花规则", "菠菜担保平台", "震惊体", "喝盐水防病毒吗", "天气预报"]
    dropped = {d.text for d in guard.filter_suggestions("", texts).dropped}
    assert dropped == {"菠菜担保平台", "震惊体", "喝盐水防病毒吗"}
    assert {t for t in texts if search.is_blocked(t, Surface.SUGGESTION)} == dropped


def test_suggestion_override_through_the_service(matcher: Matcher, tmp_path: Path) -> None:
    from service.app import create_app
    from service.config import ServiceConfig

    app = create_app(ServiceConfig(db_path=str(tmp_path / "g.db")), matcher=matcher, rumors=None)
    with TestClient(app) as client:
        body = client.post("/v1/suggestions/filter", json={"prefix": "炸", "suggestions": ["炸金花规则", "菠菜担保"]}).json()
        assert body["kept"] == ["炸金花规则"] and body["dropped"][0]["reason"] == "lexicon:gambling"
        assert client.post("/v1/query/check", json={"query": "炸金花规则"}).json()["action"] == "review"


# ---- signals -------------------------------------------------------------------------------------

class SpamScorer:
    """A stand-in for a learned scorer: flags texts with many exclamation marks."""

    name = "spam_model"

    def __init__(self) -> None:
        self.calls = 0

    def evaluate(self, text: str) -> SignalHit | None:
        self.calls += 1
        n = text.count("!")
        if n >= 3:
            return SignalHit(self.name, "block", min(1.0, n / 5), "blackmarket_ad", f"{n} exclamation marks")
        return None


def test_a_signal_reaches_every_surface(matcher: Matcher) -> None:
    scorer = SpamScorer()
    assert isinstance(scorer, Signal)
    guard = Guard(matcher, signals=[scorer])
    v = guard.check("加我!!!", Surface.QUERY)
    assert v.action == "block" and v.reason == "signal:spam_model" and "黑产广告" in (v.notice or "")
    assert v.to_dict()["signals"][0]["signal"] == "spam_model" and v.lexicon_action == "allow"
    assert guard.check("加我!!!", Surface.SEARCH_HIT).action == "drop"
    assert guard.filter_suggestions("", ["加我!!!"]).dropped[0].reason == "signal:spam_model"
    assert guard.check("加我!!!", Surface.TRENDING).action == "reject"
    (r,) = ReviewEngine().review([Candidate.model_validate(candidate(title="加我!!!", text=None))], guard=guard,
                                 now=dt.datetime(2026, 11, 21, tzinfo=dt.timezone.utc))
    assert r.decision == "reject" and any(x.rule == "signal" and "spam_model" in x.detail for x in r.reasons)
    assert "signals" not in guard.check("天气", Surface.QUERY).to_dict()
    calls = scorer.calls
    guard.check("加我!!!", Surface.QUERY)
    assert scorer.calls == calls  # cached with the lexicon result


# ---- caches and explanations ---------------------------------------------------------------------

class CountingRumors(FakeRumors):
    def __init__(self) -> None:
        super().__init__([{"id": "r1", "key": "喝盐水防病毒", "claim": "喝盐水可以预防病毒感染", "status": "false"}])
        self.calls = 0
        self.changed = False

    def match(self, text: str, limit: int = 3) -> RumorMatchResult:
        self.calls += 1
        return super().match(text, limit)

    def refresh(self) -> bool:  # type: ignore[override]
        return self.changed


def test_caches_follow_the_matcher_and_the_rumour_index(matcher: Matcher) -> None:
    live = LiveMatcher(FakeMatcher({}, "v1"))
    lookup = CountingRumors()
    guard = Guard(live, lookup)
    assert guard.check("新闻0").action == "allow"
    live.swap(FakeMatcher({"新闻0": "block"}, "v2"), "v2")
    v = guard.check("新闻0")
    assert v.action == "block" and v.lexicon_version == "v2"  # a new lexicon version is never answered from old results
    assert lookup.calls == 1  # "新闻0" once: rumour matches survive a lexicon swap
    guard.check("喝盐水防病毒")
    guard.check("喝盐水防病毒")
    assert lookup.calls == 2
    assert not guard.refresh_rumors()
    guard.check("喝盐水防病毒")
    assert lookup.calls == 2
    lookup.changed = True
    assert guard.refresh_rumors()
    guard.check("喝盐水防病毒")
    assert lookup.calls == 3
    info = guard.cache_info()
    assert info["size"] == 50_000 and info["check"]["hits"] >= 1 and info["rumor"]["misses"] == 1
    assert Guard(live, cache_size=0).cache_info() == {"size": 0, "check": None, "rumor": None}


class RetrievingRumors(FakeRumors):
    """A lookup with a generation and a costly second path (as the semantic retrieval): the path pins r1 for
    a paraphrase the substring match misses; every call is recorded as (text, retrieve)."""

    def __init__(self) -> None:
        super().__init__([{"id": "r1", "key": "喝盐水防病毒", "claim": "喝盐水可以预防病毒感染", "status": "false"}])
        self.generation = 0
        self.retrieves = True
        self.ready = False  # the second path's data (claim vectors) is being built
        self.calls: list[tuple[str, bool]] = []

    def match(self, text: str, limit: int = 3, *, retrieve: bool = True) -> RumorMatchResult:
        self.calls.append((text, retrieve))
        if retrieve and self.ready and text == "盐水能防病毒吗":
            return super().match("喝盐水防病毒", limit)
        return super().match(text, limit)


def test_rumour_matches_are_forgotten_when_the_generation_moves(matcher: Matcher) -> None:
    lookup = RetrievingRumors()
    guard = Guard(matcher, lookup)
    assert guard.check("盐水能防病毒吗", Surface.QUERY).pins == ()  # the second path's data is not ready
    lookup.ready = True
    assert guard.check("盐水能防病毒吗", Surface.QUERY).pins == ()  # memoised: the generation did not move
    lookup.generation += 1  # the data became ready: what was memoised meanwhile is forgotten
    assert [p.rumor_id for p in guard.check("盐水能防病毒吗", Surface.QUERY).pins] == ["r1"]


def test_the_costly_rumour_path_runs_for_the_search_box_only(matcher: Matcher) -> None:
    lookup = RetrievingRumors()
    lookup.ready = True
    guard = Guard(matcher, lookup)
    assert [p.rumor_id for p in guard.check("盐水能防病毒吗", Surface.QUERY).pins] == ["r1"]
    assert guard.check("盐水能防病毒吗", Surface.SUGGESTION).pins == ()
    guard.filter_suggestions("盐水", ["盐水能防病毒吗"])
    guard.match_rumors("盐水能防病毒吗", Surface.TRENDING)
    assert lookup.calls == [("盐水能防病毒吗", True), ("盐水能防病毒吗", False), ("盐水能防病毒吗", False)]
    lookup.retrieves = False  # no costly path: one memoised match for every surface
    lookup.generation += 1
    guard.check("喝盐水防病毒", Surface.QUERY)
    guard.check("喝盐水防病毒", Surface.SUGGESTION)
    assert lookup.calls[-1] == ("喝盐水防病毒", True) and len(lookup.calls) == 4


def test_explanation_on_request(matcher: Matcher) -> None:
    guard = Guard(matcher, rumors())
    assert guard.check("炸金花").explanation is None
    e = guard.check("炸金花 喝盐水防病毒", Surface.SUGGESTION, explain=True).explanation
    assert e is not None and e.decided_by == "rumor"
    assert e.hit_actions == (("gambling:炸金花", "review", "allow"),)
    assert e.rumors[0][:2] == ("r1", "false") and e.to_dict()["hits"][0]["surface_action"] == "allow"


# ---- the lexicon field ---------------------------------------------------------------------------

@pytest.mark.parametrize("field, message", [
    ("{suggest: allow}", "surface must be one of query, suggestion, search_hit, trending"),
    ("{query: maybe}", "surface_actions.query must be one of allow"),
    ("allow", "must be a mapping"),
    ("{}", "must be a mapping"),
])
def test_surface_actions_are_validated(field: str, message: str) -> None:
    _, problems = parse_lexicon_text(f"category: c\nentries:\n  - term: 测试词\n    surface_actions: {field}\n", "x.yaml")
    assert any(message in p.message and p.line == 3 for p in problems), problems


def test_surface_actions_round_trip_through_the_store_shape(matcher: Matcher) -> None:
    entry = next(e for e in matcher.entries if e.term == "炸金花")
    d: dict[str, Any] = entry.to_dict()
    assert d["surface_actions"] == {"suggestion": "allow", "trending": "label"}
    assert entry_from_dict(d).surface_actions == entry.surface_actions
    (hit,) = matcher.scan("炸金花")
    assert hit.action_on(Surface.SUGGESTION) == "allow" and hit.action_on(Surface.QUERY) == "review"
    assert "surface_actions" not in hit.to_dict(full=True)  # the CLI / JSON shape is unchanged


def test_tag_rules_raise_the_action_of_tagged_hits_on_their_surfaces() -> None:
    """Policy.tag_actions: an entry's tags give it at least the rule's action on a surface (queries,
    trending review); hits without the tag, and other surfaces, keep their own action."""
    from plugin import Entry

    m = Matcher.from_entries([Entry("课外班", "custom", "label", term_id="custom:kwb", tags=("minors",)),
                              Entry("补习班", "custom", "label", term_id="custom:bxb")])
    policy = dataclasses.replace(Policy.default(), tag_actions={"minors": {"query": "block", "trending": "review"}})
    guard = Guard(m, FakeRumors([]), policy)
    assert guard.check("周末课外班", Surface.QUERY).action == "block"
    assert guard.check("周末补习班", Surface.QUERY).action == "allow"
    assert Guard(m, FakeRumors([])).check("周末课外班", Surface.QUERY).action == "allow"  # no rule: its own action
    assert guard.check("周末课外班", Surface.SUGGESTION).action == "drop"  # label drops suggestions anyway
    (r,) = ReviewEngine().review([Candidate.model_validate(candidate(title="周末课外班报名", text=None))], guard=guard,
                                 matcher=m, now=dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc), remember=False)
    assert r.decision == "review"
    with pytest.raises(ValueError):
        dataclasses.replace(Policy.default(), tag_actions={"minors": {"nowhere": "block"}})


def test_a_surface_has_its_own_rumour_tiers() -> None:
    rumor = Rumor(id="r1", claim="喝热水能杀死新冠病毒", status=RumorStatus.FALSE,
                  refutations=(Refutation(title="【辟谣】喝热水"),))
    index = RumorIndex([rumor])
    guard = Guard(FakeMatcher({}), index, rumor_tiers={Surface.TRENDING: PinTiers(1.0, 0.01, 1.0)})
    text = "喝热水真的能杀死病毒吗"
    assert [p.rumor_id for p in guard.check(text, Surface.QUERY).pins] == ["r1"]
    strict = guard.match_rumors(text, Surface.TRENDING)
    assert strict.pins == () and [p.rumor_id for p in strict.related] == ["r1"]
    assert guard.match_rumors(text).pins != ()


def test_a_frame_about_spam_vetoes_review_level_spam_hits_only(matcher: Matcher) -> None:
    guard = Guard(matcher)
    advice = guard.check("千万别信评论区的菠菜担保，那些都是骗局", Surface.QUERY, explain=True)
    assert advice.action == "allow" and not advice.hits
    assert advice.explanation is not None
    assert [(who.split(":")[0], why.split(":")[:2]) for who, why in advice.explanation.vetoed] == [
        ("lexicon", ["frame", "advisory"])]
    # the same words with a way to reach the sender, outside any frame, or a block entry: the hit stands
    assert guard.check("千万别错过菠菜担保，加V ab8866", Surface.QUERY).action == "review"
    assert guard.check("菠菜担保，老平台稳定", Surface.QUERY).action == "review"
    assert guard.check("千万别信百家乐，那些都是骗局", Surface.QUERY).action == "block"
    # a hit of another category (clickbait) is not the frames' business
    assert guard.check("千万别信震惊体", Surface.CONTENT).action == "label"
