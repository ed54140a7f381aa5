"""The semantic confirmation of related rumour matches (plugin.rumors.semantic)."""

from __future__ import annotations

import numpy as np
import pytest

from plugin.errors import RumorError
from plugin.rumors import PinTier, Rumor, RumorIndex, RumorMatch, RumorMatchResult, RumorStatus
from plugin.rumors.semantic import E5Embedder, SemanticConfirm

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
    index = RumorIndex([CLAIM, OTHER], semantic=SemanticConfirm(emb))
    assert index.match("今天天气不错").pins == () and emb.calls == 0  # the pre-filter settles it
    with pytest.raises(RumorError):
        SemanticConfirm(emb, threshold=1.5)


def test_the_bundled_embedder_tells_a_paraphrase_from_a_near_topic_question() -> None:
    emb = E5Embedder(cache=2)
    q = emb.query("抹风油精能防病毒")
    claims = emb.passages([CLAIM.claim, "哈尔滨冰雪大世界门票多少钱", CLAIM.claim])
    assert claims.shape == (3, len(q)) and abs(float(np.linalg.norm(q)) - 1.0) < 1e-3
    assert float(claims[0] @ q) > float(claims[1] @ q) and float(claims[2] @ q) == pytest.approx(float(claims[0] @ q))
