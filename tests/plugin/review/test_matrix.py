"""Matrix similarity: the word-level, order-free measure beside the character-bigram ones."""

from __future__ import annotations

from plugin.review import Candidate
from plugin.review.matrix import MAX_TITLE_CHARS, WORD_PREFIX, MatrixDetector, title_shingles
from tests.candidates import NOW, candidate


def _cand(cid: str, title: str, account: str, mcn: str = "M") -> Candidate:
    return Candidate.model_validate(candidate(id=cid, title=title, text=None, account={"id": account, "mcn": mcn}))


def test_shingles_hold_bigrams_and_words() -> None:
    sh = title_shingles("暴雨预警：北京发布红色预警")
    assert "暴雨" in sh and WORD_PREFIX + "暴雨" in sh and WORD_PREFIX + "北京" in sh
    assert not any(s.startswith(WORD_PREFIX) and len(s) < 3 for s in sh)  # no single-character words


def test_a_shuffled_copy_links_by_words_only() -> None:
    det, bigrams_only = MatrixDetector(), MatrixDetector(word_min=10**6)
    original = title_shingles("明星演唱会门票一分钟售罄黄牛加价三倍")
    shuffled = title_shingles("三倍加价黄牛，售罄一分钟门票演唱会明星")
    assert bigrams_only.similar(original, shuffled) is None
    assert det.similar(original, shuffled) == ("words", 1.0)
    a = _cand("a", "明星演唱会门票一分钟售罄黄牛加价三倍", "acc1")
    b = _cand("b", "三倍加价黄牛，售罄一分钟门票演唱会明星", "acc2")
    links = det.find([a, b], NOW)
    assert [(l.candidate_id, l.measure) for l in links[0]] == [("b", "words")]
    assert bigrams_only.find([a, b], NOW) == [[], []]


def test_a_template_with_another_place_does_not_link() -> None:
    det = MatrixDetector()
    a, b = title_shingles("石家庄疫情防控发布会"), title_shingles("长春市疫情防控发布会")
    assert det.similar(a, b) is None
    assert det.similar(title_shingles("北京天气"), title_shingles("天气北京")) is None  # too few words


def test_word_measure_needs_enough_words_and_can_be_turned_off() -> None:
    a = frozenset({WORD_PREFIX + w for w in ("甲乙", "丙丁", "戊己")})
    b = frozenset({WORD_PREFIX + w for w in ("戊己", "甲乙", "丙丁")})
    assert MatrixDetector().similar(a, b) == ("words", 1.0)
    assert MatrixDetector(word_min=4).similar(a, b) is None


def test_a_long_title_is_compared_by_its_beginning():
    head = "某地发布暴雨橙色预警多所学校停课" * 20
    assert len(head) > MAX_TITLE_CHARS
    assert title_shingles(head + "然后是完全不同的结尾文字") == title_shingles(head)
