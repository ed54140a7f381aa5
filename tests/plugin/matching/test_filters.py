"""The word-boundary filter in one C call (``WordBoundary.quick``, ``wordtable.edges_check``) agrees with
``filters.boundary_ok``: whenever it answers True or False, so does the full check, for every boundary
mode, read in pinyin or not; and it decides most places itself (None: the separator test decides)."""

from __future__ import annotations

import json
import os

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from plugin import wordtable
from plugin.boundary import WordBoundary
from plugin.lexicon import BOUNDARY_MODES, Entry
from plugin.matching import Technique
from plugin.matching.filters import boundary_ok
from plugin.normalize import BREAK, normalize
from tests.paths import DATA

needs_native = pytest.mark.skipif(not wordtable.NATIVE_TABLE and not os.environ.get("CI"),
                                  reason="C extension not built (pip install -e . builds it)")


def _quick_agrees(text: str, s: int, e: int) -> int:
    """How many (mode, pinyin) the quick test decided at dense ``[s, e)`` of ``text`` (asserting each agrees)."""
    boundary = WordBoundary.shared()
    boundary.load()
    quick = boundary.quick()
    assert quick is not None
    nt = normalize(text)
    decided = 0
    for mode in BOUNDARY_MODES:
        ent = Entry("词", "test", "review", boundary=mode)
        for tech in (None, Technique.PINYIN, Technique.HOMOPHONE):
            got = quick(nt.dense, s, e, mode, tech == Technique.PINYIN)
            if got is not None:
                assert got == boundary_ok(nt.dense, s, e, ent, tech, nt, boundary), (text, s, e, mode, tech)
                decided += 1
    return decided


@needs_native
def test_quick_check_agrees_with_boundary_ok_on_the_evasion_texts() -> None:
    with open(DATA / "evasion_cases.jsonl", encoding="utf-8") as fh:
        texts = [json.loads(line)["text"] for line in fh if line.strip()][:150]
    texts += ["打开挂号页面", "他说要赌。博物馆", "vx123加我", "加vx 123", "北京日报社", "每日报价"]
    decided = total = 0
    for text in texts:
        n = len(normalize(text).dense)
        for s in range(n):
            for e in range(s + 1, min(n, s + 6) + 1):
                decided += _quick_agrees(text, s, e)
                total += 3 * 4  # (auto, word, crossing, strict: the modes it reads)
    assert decided > total * 3 // 4  # (it settles most places)
    quick = WordBoundary.shared().quick()
    assert quick is not None
    assert quick("赌博网站", 0, 2, "auto", False) is True  # no word crosses an edge
    assert quick("打开挂号页面", 1, 3, "auto", False) is False  # 打开 crosses: the window's cut says so
    assert quick("北京日报社", 2, 4, "crossing", False) is True  # 日报 inside a token that holds it whole
    assert quick("每日报价", 1, 3, "crossing", False) is False  # 每日|报价 cut 日报
    assert quick("赌博", 0, 2, "strict", False) is True  # the whole window
    assert quick("vx123", 0, 2, "auto", False) is None  # a letter edge inside a Latin word: the separator test decides
    assert quick("赌博网站", 0, 2, "latin_word", False) is None  # (the Latin-only modes: boundary_ok)


@needs_native
@settings(max_examples=200, deadline=None)
@given(text=st.text(alphabet=st.sampled_from(list("赌博开挂打号北京大学生日报每价abvx12 。!😀")), min_size=1, max_size=14),
       data=st.data())
def test_quick_check_agrees_on_generated_text(text: str, data: st.DataObject) -> None:
    n = len(normalize(text).dense)
    if n:
        s = data.draw(st.integers(0, n - 1))
        _quick_agrees(text, s, data.draw(st.integers(s + 1, n)))


_REPEAT_TEXT = st.text(alphabet=st.sampled_from(list("看看片场赌博博aab11 ★！。\n\u200b😀")), min_size=1, max_size=24)


@settings(max_examples=300, deadline=None)
@given(text=_REPEAT_TEXT)
def test_a_character_off_the_repeat_edges_was_written_once(text: str) -> None:
    # the filter asks the reduplicated-word check only about hits with an edge in NormalizedText.repeat_edges:
    # every other dense character was written once (what the check would read off the original)
    from plugin.matching.reduplication import _written

    nt = normalize(text)
    edges = nt.repeat_edges()
    for i in range(len(nt.dense)):
        if i not in edges and nt.dense[i] != BREAK:  # (a sentence end is at no hit's edge)
            assert _written(nt, i) == 1, (text, i)


def test_repeat_edges_hold_the_collapsed_and_repeated_characters() -> None:
    nt = normalize("看看片场 长江 江水")
    assert nt.dense == "看片场长江江水"
    assert {0, 4}.issubset(nt.repeat_edges())  # 看看 collapsed; 江 repeated across a space
    assert not {1, 2, 3, 5}.intersection(nt.repeat_edges())
