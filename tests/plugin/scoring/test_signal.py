"""The spam scorer as a Guard signal: per-surface thresholds from the card, the policy's action, the
lexicon veto, evidence spans, the cache across model versions and the trending reason."""

from __future__ import annotations

import dataclasses

import pytest

from plugin import Guard, LiveMatcher, Matcher, Policy, Surface
from plugin.lexicon import ContextRule, Entry
from plugin.models import SignalHit
from plugin.policy import ScoreRule
from plugin.review import Candidate, ReviewEngine
from plugin.scoring import SpamScorer
from plugin.scoring.signal import MODEL_SIGNAL, ModelSignal
from plugin.scoring.veto import ContextVeto
from tests.candidates import NOW, candidate
from tests.spam_models import hand_model

SPAM = "兼职刷单，日结300"


def _matcher() -> Matcher:
    """A lexicon with nothing the spam texts hit, the fraud header context and one allow phrase."""
    ctx = ContextRule(excludes_any=("警方", "谨防"), within=20)
    return Matcher.from_entries([Entry("无关词语", "fraud", context=ctx), Entry("另一个词", "fraud", context=ctx),
                                 Entry("网赌", "gambling", action="allow"), Entry("首付", "gambling")])


@pytest.fixture()
def guard() -> Guard:
    return Guard(_matcher(), signals=[ModelSignal(SpamScorer(hand_model()))])


def test_a_flag_is_review_on_every_surface_never_block(guard: Guard) -> None:
    assert guard.check(SPAM, Surface.QUERY).action == "review"
    assert guard.check(SPAM, Surface.SUGGESTION).action == "drop"
    assert guard.check(SPAM, Surface.TRENDING).action == "review"
    assert guard.check(SPAM, Surface.CONTENT).action == "review"
    # search hits drop only at `block` (hit_drop_action), like a review-level lexicon hit
    assert guard.check(SPAM, Surface.SEARCH_HIT).action == "keep"
    assert guard.check("今天天气很好", Surface.QUERY).action == "allow"
    v = guard.check(SPAM, Surface.QUERY)
    assert v.reason == f"signal:{MODEL_SIGNAL}" and v.notice is not None and "诈骗" in v.notice
    (sig,) = v.signals
    assert sig.category == "fraud" and sig.action == "review" and sig.score > 0.6


def test_the_policy_table_configures_the_action_and_the_surfaces(guard: Guard) -> None:
    blocking = guard.replace(policy=Policy.default(score_action="block"))
    assert blocking.check(SPAM, Surface.QUERY).action == "block"
    assert blocking.check(SPAM, Surface.SEARCH_HIT).action == "drop"
    policy = Policy.default()
    off = policy.replace_surface(dataclasses.replace(policy.surface(Surface.QUERY), score=ScoreRule(None)))
    assert guard.replace(policy=off).check(SPAM, Surface.QUERY).action == "allow"
    with pytest.raises(ValueError):
        ScoreRule("title", "bogus")


def test_each_surface_uses_its_own_thresholds() -> None:
    """A text between the title (0.6) and post (0.999) thresholds counts where the title ones apply."""
    model = dataclasses.replace(hand_model(), card=dataclasses.replace(
        hand_model().card, thresholds={"title": {c: 0.6 for c in hand_model().card.categories},
                                       "post": {c: 0.999 for c in hand_model().card.categories}}))
    scorer = SpamScorer(model)
    text = "日结"
    title, post = scorer.score_surfaces(text)
    assert title.flagged and not post.flagged
    guard = Guard(_matcher(), signals=[ModelSignal(scorer)])
    assert guard.check(text, Surface.QUERY).action == "review"
    assert guard.check(text, Surface.CONTENT).action == "allow"  # content uses the post thresholds


def test_evidence_spans_index_the_original_text(guard: Guard) -> None:
    text = "【兼职】刷 单 日结３００"
    (sig,) = guard.check(text, Surface.QUERY).signals
    assert sig.evidence
    for start, end, surface in sig.evidence:
        assert text[start:end] == surface
    assert any("刷" in s for _, _, s in sig.evidence)
    assert guard.check(text, Surface.QUERY).to_dict()["signals"][0]["evidence"]


def test_context_rules_and_allow_phrases_veto_a_flag(guard: Guard) -> None:
    vetoed = guard.check("警方提醒：兼职刷单日结都是骗局", Surface.QUERY, explain=True)
    assert vetoed.action == "allow" and not vetoed.signals
    assert vetoed.explanation is not None and vetoed.explanation.vetoed == ((MODEL_SIGNAL, "context:警方"),)
    # every evidence span inside an allow phrase: vetoed; evidence outside one: the flag stands
    veto = ContextVeto.of(_matcher())
    assert veto.reason("网赌", "gambling", [(0, 2, "网赌")]) == "allow:网赌"
    assert veto.reason("网赌上分", "gambling", [(0, 2, "网赌"), (2, 4, "上分")]) == ""
    assert guard.check("网赌", Surface.QUERY).action == "allow"
    assert guard.check("网赌上分", Surface.QUERY).action == "review"
    # a category's own context words only: gambling has none here (the frames, on by default, apply to all)
    assert ContextVeto.of(_matcher(), frames=False).reason("警方说上分", "gambling", [(3, 5, "上分")]) == ""
    assert veto.reason("警方说上分", "gambling", [(3, 5, "上分")]) == "frame:crackdown:警方"


def test_the_veto_reads_the_header_context_not_one_entrys_exception() -> None:
    header = ContextRule(excludes_any=("警方",))
    own = ContextRule(excludes_any=("警方", "手机"))
    veto = ContextVeto([Entry("甲乙", "fraud", context=header), Entry("丙丁", "fraud", context=header),
                        Entry("刷机", "fraud", context=own)])
    assert veto.excludes["fraud"] == ("警方",)


def test_a_new_model_version_is_not_answered_from_the_cache() -> None:
    holder = LiveMatcher(SpamScorer(hand_model()), "a")
    guard = Guard(_matcher(), signals=[ModelSignal(holder)])
    assert guard.check("上分上分", Surface.QUERY).action == "review"
    quiet = hand_model({"刷单": ("fraud", 12.0)}, name="quiet")
    holder.swap(SpamScorer(quiet), "b")
    assert guard.check("上分上分", Surface.QUERY).action == "allow"
    holder.swap(None, "")  # no model: the signal says nothing
    assert guard.check(SPAM, Surface.QUERY).action == "allow"


def test_a_recalibrated_card_on_the_same_weights_is_not_answered_from_the_cache() -> None:
    """Same weights, new thresholds: the version string stays (it hashes the weights), the cached answer must not."""
    holder = LiveMatcher(SpamScorer(hand_model()), "a")
    guard = Guard(_matcher(), signals=[ModelSignal(holder)])
    assert guard.check("上分上分", Surface.QUERY).action == "review"
    strict = hand_model(title=0.9999, post=0.9999)
    assert strict.card.version == hand_model().card.version
    holder.swap(SpamScorer(strict), "b")
    assert guard.check("上分上分", Surface.QUERY).action == "allow"


def test_signals_without_flags_keep_their_own_action() -> None:
    hit = SignalHit("other", "label", 0.5, "clickbait")
    assert Policy.default().signal_on(hit, Surface.QUERY) is hit


def test_trending_reason_names_the_clause_and_the_evidence(guard: Guard) -> None:
    cand = Candidate.model_validate(candidate(title=SPAM, text=""))
    result = ReviewEngine().review([cand], guard=guard, now=NOW)[0]
    assert result.decision == "review"
    reason = next(r for r in result.reasons if r.rule == "signal")
    assert reason.clause.startswith("000 三.1") and "evidence:" in reason.detail and "fraud" in reason.detail


def test_generic_spam_shapes_defer_to_a_scorer_that_read_the_text_and_did_not_flag_it() -> None:
    matcher = Matcher.from_entries([Entry("联系我", "spam_pattern", action="review"),
                                    Entry("速来领取", "spam_pattern", action="block")])
    guard = Guard(matcher, signals=[ModelSignal(SpamScorer(hand_model()))])
    ordinary = "羽毛球群周三晚上打球，想来的联系我"
    v = guard.check(ordinary, Surface.QUERY, explain=True)
    assert v.action == "allow" and not v.hits
    assert v.explanation is not None and v.explanation.vetoed == (("lexicon:联系我", f"deferred:{MODEL_SIGNAL}"),)
    # the scorer flags the text: the shape stands beside its flag
    spam = guard.check(f"{SPAM}，想做的联系我", Surface.QUERY)
    assert spam.action == "review" and [h.term for h in spam.hits] == ["联系我"]
    # a block-level shape stands; without a live scorer, or with the rule off, the shapes flag on their own
    assert guard.check("速来领取", Surface.QUERY).action == "block"
    assert Guard(matcher).check(ordinary, Surface.QUERY).action == "review"
    assert Guard(matcher, signals=[ModelSignal(None)]).check(ordinary, Surface.QUERY).action == "review"
    policy = Policy.default()
    row = policy.surface(Surface.QUERY)
    off = policy.replace_surface(dataclasses.replace(row, score=dataclasses.replace(row.score, patterns_defer=False)))
    assert guard.replace(policy=off).check(ordinary, Surface.QUERY).action == "review"
    # a surface whose row does not use the scorer keeps the shapes too
    unused = policy.replace_surface(dataclasses.replace(row, score=ScoreRule(None)))
    assert guard.replace(policy=unused).check(ordinary, Surface.QUERY).action == "review"


def test_trending_candidates_defer_generic_spam_shapes_as_checks_do() -> None:
    matcher = Matcher.from_entries([Entry("联系我", "spam_pattern", action="review")])
    ordinary = "羽毛球群周三晚上打球，想来的联系我"
    cand = Candidate.model_validate(candidate(title=ordinary, text=""))
    engine = ReviewEngine()
    read = engine.facts(cand, Guard(matcher, signals=[ModelSignal(SpamScorer(hand_model()))]))
    assert read.content_hits == [] and read.signals == []
    # without a live scorer the shape stands on the trending list as on every other surface
    assert [h.term for h in engine.facts(cand, Guard(matcher)).content_hits] == ["联系我"]
    spam = Candidate.model_validate(candidate(title=f"{SPAM}，想做的联系我", text=""))
    flagged = engine.facts(spam, Guard(matcher, signals=[ModelSignal(SpamScorer(hand_model()))]))
    assert [h.term for h in flagged.content_hits] == ["联系我"] and flagged.signals
