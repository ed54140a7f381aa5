"""Rumour scoring (plugin.rumors.scoring): the tuning parameters, the pin threshold passed to the
index through them, the score of one claim."""

from __future__ import annotations

import dataclasses
import math

import pytest

from plugin.errors import RumorError
from plugin.rumors import DEFAULT_THRESHOLD, Refutation, Rumor, RumorIndex, RumorStatus
from plugin.rumors.analysis import Weights, analyze
from plugin.rumors.scoring import DEFAULT_SCORING, ClaimScorer, RumorScoring, char_cover, sound_cover

RUMORS = [
    Rumor(id="r1", claim="喝热水能杀死新冠病毒", status=RumorStatus.FALSE, refutations=(Refutation(title="不能"),)),
    Rumor(id="r2", claim="吃大蒜可以预防新冠肺炎", status=RumorStatus.FALSE),
    Rumor(id="r3", claim="某市自来水被投毒", status=RumorStatus.FALSE, triggers=("水厂投毒",)),
]


def test_defaults_are_the_calibrated_values() -> None:
    assert DEFAULT_SCORING == RumorScoring()
    assert DEFAULT_SCORING.threshold == DEFAULT_THRESHOLD == 0.49
    with pytest.raises(dataclasses.FrozenInstanceError):
        DEFAULT_SCORING.threshold = 0.1  # type: ignore[misc]


@pytest.mark.parametrize("bad", [
    {"threshold": 1.5}, {"threshold": -0.1}, {"threshold": math.nan}, {"threshold": "0.5"},
    {"relative_cut": 2.0}, {"candidates": 0}, {"candidates": 2.5}, {"max_posting": True}, {"evidence": -1.0},
])
def test_invalid_parameters_are_refused(bad: dict[str, object]) -> None:
    with pytest.raises(RumorError, match=next(iter(bad))):
        RumorScoring(**bad)  # type: ignore[arg-type]


def test_the_pin_threshold_is_configured_through_the_scoring_parameters() -> None:
    query = "喝热水能杀死病毒吗"
    default = RumorIndex(RUMORS)
    score = default.score(query, "r1")
    assert default.threshold == DEFAULT_THRESHOLD and default.match(query).pins[0].rumor_id == "r1"
    strict = RumorIndex(RUMORS, scoring=RumorScoring(threshold=min(1.0, score + 0.01)), model=None)
    assert strict.threshold > score and strict.match(query).pins == ()
    assert strict.score(query, "r1") == score  # the threshold decides what matches, not the score
    assert RumorIndex(RUMORS, threshold=0.2).scoring == RumorScoring(threshold=0.2)
    assert RumorIndex(RUMORS, scoring=RumorScoring(base=0.5), threshold=0.3).scoring == RumorScoring(base=0.5,
                                                                                                  threshold=0.3)


def test_other_parameters_reach_the_score() -> None:
    index = RumorIndex(RUMORS, scoring=RumorScoring(curated_score=0.9))
    [m] = index.match("听说水厂投毒了").matches
    assert (m.rumor.id, m.score, m.trigger) == ("r3", 0.9, "curated")
    query = "喝热水能杀死病毒吗"
    assert RumorIndex(RUMORS, scoring=RumorScoring(base=0.9)).score(query, "r1") > RumorIndex(RUMORS).score(query, "r1")


def test_claim_scorer_scores_one_claim() -> None:
    weights = Weights()
    claims = [(r, analyze(" ".join((r.claim, *r.triggers)))) for r in RUMORS]
    for _r, a in claims:
        weights.add(a)
    scorer = ClaimScorer(weights)
    e = scorer.claim(*claims[0])
    assert e.first == "喝" and "热水" in e.words and not e.long
    q = analyze("喝热水能杀死病毒吗")
    info: dict[str, object] = {}
    score, shared = scorer.score(q, scorer.query(q), e, info=info)
    assert score >= DEFAULT_THRESHOLD and {"热水", "杀灭"} <= set(shared)
    assert info["score"] == round(score, 4) and info["penalties"] == []
    assert scorer.score(q, scorer.query(q), e, hit=(0, True)) == (DEFAULT_SCORING.curated_score, ())
    unrelated = analyze("明天天气怎么样")
    assert scorer.score(unrelated, scorer.query(unrelated), e)[0] < DEFAULT_THRESHOLD


def test_sound_coverage_keeps_a_homophone_typo() -> None:
    # 纸金 for 纸巾: the character differs, the syllable is the same; a character of another sound does not count
    assert char_cover("口罩垫纸金", "口罩里垫纸巾") < sound_cover("口罩垫纸金", "口罩里垫纸巾") == pytest.approx(1.0)
    assert sound_cover("口罩垫报纸", "口罩里垫纸巾") < 1.0
    assert sound_cover("", "纸巾") == 0.0
    assert sound_cover("换牙刷", "更换牙刷") == pytest.approx(char_cover("换牙刷", "更换牙刷"))
