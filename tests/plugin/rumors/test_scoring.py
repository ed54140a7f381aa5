"""Rumour scoring (plugin.rumors.scoring): the tuning parameters, the pin threshold passed to the
index through them, the score of one claim."""

from __future__ import annotations

import dataclasses
import math
import random

import pytest

from plugin.errors import RumorError
from plugin.rumors import DEFAULT_THRESHOLD, Refutation, Rumor, RumorIndex, RumorStatus
from plugin.rumors import scoring
from plugin.rumors.analysis import Weights, analyze, subwords
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


def _bound_cases() -> tuple[RumorIndex, list[str]]:
    """An index of claims made from the bundled hot-search titles and from mixed topic words, and texts that
    share words with them: other titles, parts of claims, typos (homophones), questions, several sentences."""
    from plugin.store.preview import bundled_sample_paths, load_sample_file

    rng = random.Random(13)
    titles = [t.text for path in bundled_sample_paths() for t in load_sample_file(path)]
    words = ["新冠", "疫苗", "接种", "发烧", "退烧药", "孩子", "北京", "快递", "停运", "石正丽", "叛逃", "美国", "热水",
             "病毒", "杀死", "医院", "检测", "阳性", "口罩", "消毒", "长春", "静默", "三天", "学校", "放假", "8月", "1.5万"]
    claims = titles[:200] + ["".join(rng.sample(words, rng.randint(2, 6))) for _ in range(150)]
    rumors = [Rumor(id=f"b{i}", claim=c, status=RumorStatus.FALSE, triggers=("水厂投毒",) if i == 7 else ())
              for i, c in enumerate(claims)]
    texts = titles[200:] + [c[: rng.randint(2, len(c))] + rng.choice(["吗", "是真的吗", "", "怎么办", "门票"])
                            for c in rng.sample(claims, 150)]
    texts += ["".join(rng.sample(words, rng.randint(2, 8))) for _ in range(100)]
    texts += ["病读" + rng.choice(words) + "，水厂投毒。" + rng.choice(claims) for _ in range(20)]
    return RumorIndex(rumors, model=None), texts


def test_the_score_bound_is_never_below_the_score_and_the_c_bound_is_its_twin() -> None:
    # ClaimScorer.bound lets the index skip candidates that cannot reach a floor: it must hold for every
    # candidate of every text (each claim sharing a word, a sub-word or a sound with the text)
    index, texts = _bound_cases()
    state = index._state
    scorer = state.scorer
    checked = skipped = 0
    for text in texts:
        q = analyze(text)
        if not q.words:
            continue
        qw, hits = state.query_weights(q), state.trigger_hits(q)
        keys = {t for w in qw.weights for t in (w, *subwords(w), *qw.homophones.get(w, ()))}
        for i in sorted({i for k in keys for i in state.postings.get(k, ())} | set(hits)):
            e, hit = state.entries[i], hits.get(i, (0, False))
            score = scorer.score(q, qw, e, hit)[0]
            py = scorer.bound_py(q, qw, e, hit)
            assert py >= score - 1e-12, (text, e.rumor.claim, score, py)
            assert scorer.bound(q, qw, e, hit) == pytest.approx(py, abs=1e-9)
            checked += 1
            skipped += py < 0.3
    assert checked > 3000 and skipped > checked // 4  # a useful bound: most weak candidates fall under a floor


def test_the_c_bound_is_built() -> None:
    assert scoring.cscoring is not None, "plugin.rumors.cscoring is not built (python /tmp/build_inplace.py or pip install)"


def test_matching_with_the_bound_equals_matching_without(monkeypatch: pytest.MonkeyPatch) -> None:
    index, texts = _bound_cases()
    learned = RumorIndex(index._state.rumors)
    with_bound = [(i.match(t, limit=5).to_dict(), i.candidate_features(t, limit=5)) for t in texts for i in (index, learned)]
    monkeypatch.setattr(ClaimScorer, "bound", lambda self, *a: 2.0)  # never under a floor: every candidate scored
    without = [(i.match(t, limit=5).to_dict(), i.candidate_features(t, limit=5)) for t in texts for i in (index, learned)]
    assert with_bound == without
    assert sum(bool(m["pins"]) for m, _f in with_bound) > 20


def test_the_c_bound_and_search_refuse_malformed_input() -> None:
    c = scoring.cscoring
    if c is None:
        pytest.skip("the C extension is not built")
    scorer = ClaimScorer(Weights())
    e = scorer.claim(RUMORS[0], analyze(RUMORS[0].claim))
    q = analyze("喝热水杀死病毒")
    qw = scorer.query(q)
    assert scorer.bound(q, qw, e) == pytest.approx(scorer.bound_py(q, qw, e), abs=1e-9)
    assert scorer.bound(q, qw, e) > 0
    assert qw.packed is not None
    query, (claim, held) = qw.packed[2], e.packed
    assert c.bound(query, claim, held, scorer._packed, 0, False) == scorer.bound(q, qw, e)
    with pytest.raises(ValueError, match="wrong size"):
        c.bound(query, claim, held, scorer._packed[:-1], 0, False)
    with pytest.raises(TypeError):
        c.bound(query, claim, 7, scorer._packed, 0, False)  # type: ignore[arg-type]
    # a buffer cut short or padded, or read as the other kind, is refused (no read past its end)
    for bad_query, bad_claim in ((query[:-4], claim), (query + b"\0" * 8, claim), (query, claim[:-1]), (claim, query),
                                 ("x", claim)):
        with pytest.raises(ValueError, match="malformed"):
            c.bound(bad_query, bad_claim, held, scorer._packed, 0, False)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="keys must be"):
        c.top_candidates([([1, 2],)], [], {}, 0.0, 3)  # type: ignore[list-item]
    with pytest.raises(TypeError):
        c.top_candidates([(["x"], 1.0)], [], {}, 0.0, 3)  # type: ignore[list-item]
    assert c.top_candidates([([1, 2], 1.0), ([2], 0.5)], [([3], 0.8)], {1: (0, True)}, 0.0, 2) == [(1, 101.0), (2, 1.5)]


def test_the_c_bound_reads_a_text_again_when_claims_add_words() -> None:
    # a text read before a claim with new words was added: its words were no claim's then (id -1), they are now
    scorer = ClaimScorer(Weights())
    first = scorer.claim(RUMORS[0], analyze(RUMORS[0].claim))
    q = analyze("喝热水能杀死病毒，吃大蒜也能预防")
    qw = scorer.query(q)
    scorer.bound(q, qw, first)
    later = scorer.claim(RUMORS[1], analyze("吃大蒜可以预防新冠病毒"))
    assert scorer.bound(q, qw, later) == pytest.approx(scorer.bound_py(q, qw, later), abs=1e-9)
    assert scorer.bound(q, qw, later) > 0
