"""The segmenter's word table (plugin.wordtable): the C reading and its Python twin give the same counts,
routes and crossing words as a dict of the same words; the library's table holds jieba's dictionary."""

from __future__ import annotations

import json
import os
from array import array
from collections.abc import Mapping
from functools import lru_cache
from math import log

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from plugin import wordtable
from plugin.segment import segmenter
from plugin.wordtable import WordTablePy, build_table, crossing_word_py, open_table, route_ends_py, table_total
from tests.paths import DATA

needs_native = pytest.mark.skipif(not wordtable.NATIVE_TABLE and not os.environ.get("CI"),
                                  reason="C extension not built (pip install -e . builds it)")

_alphabet = st.sampled_from(list("赌博投注开挂兼职日结一单结北京大学生abcQ1 。😀𠀀\ud800\u200b\x00"))


@lru_cache(maxsize=1)
def _library() -> tuple[dict[str, int], int, bytes]:
    """The library's dictionary as a dict, its total, and its table's buffer built afresh."""
    seg = segmenter()
    counts = dict(seg.counts.items())
    return counts, seg.total, build_table(counts, seg.total)


@lru_cache(maxsize=1)
def _twin() -> WordTablePy:
    """The Python reading of the library's table."""
    return WordTablePy(_library()[2])


@lru_cache(maxsize=1)
def _pairs() -> array[int]:
    counts = _library()[0]
    return array("L", sorted({ord(a) << 16 | ord(b) for w, f in counts.items() if f and 2 <= len(w) <= 4
                              for a, b in zip(w, w[1:]) if ord(a) < 0x10000 and ord(b) < 0x10000}))


@lru_cache(maxsize=1)
def _pair_arrays() -> tuple[array[int], ...]:
    """The pairs as array('L') on this platform, as 4-byte and as 8-byte values."""
    return _pairs(), array("I", _pairs()), array("Q", _pairs())


def _texts() -> list[str]:
    out: list[str] = []
    for name in ("evasion_cases.jsonl", "benign_near_misses.jsonl"):
        with open(DATA / name, encoding="utf-8") as fh:
            out.extend(json.loads(line)["text"] for line in fh if line.strip())
    return out


def _readings(buf: bytes) -> list[Mapping[str, int]]:
    return [open_table(buf, native=False)] + ([open_table(buf)] if wordtable.NATIVE_TABLE else [])


def test_the_library_table_is_jiebas_dictionary() -> None:
    """The segmenter's table (the snapshot a process opens) holds jieba's counts, prefixes and total, in its order."""
    import jieba

    from plugin.segment import DOMAIN_WORD_FREQ, DOMAIN_WORDS

    tk = jieba.Tokenizer()
    tk.initialize()
    for w in DOMAIN_WORDS:
        tk.add_word(w, freq=DOMAIN_WORD_FREQ)
    table = segmenter().counts
    assert table_total(table) == tk.total == segmenter().total
    assert len(table) == len(tk.FREQ)
    assert list(table.items()) == list(tk.FREQ.items())


@given(counts=st.dictionaries(st.text(alphabet=_alphabet, min_size=1, max_size=6), st.integers(0, 2**32 - 1),
                              max_size=40),
       probes=st.lists(st.text(alphabet=_alphabet, max_size=6), max_size=20),
       total=st.integers(0, 2**64 - 1))
@settings(max_examples=200, deadline=None)
def test_readings_answer_as_the_dict(counts: dict[str, int], probes: list[str], total: int) -> None:
    buf = build_table(counts, total)
    for table in _readings(buf):
        assert len(table) == len(counts) and table_total(table) == total
        assert list(table.items()) == list(counts.items())
        assert list(table) == list(counts)
        for w in list(counts) + probes + [""]:
            assert table.get(w) == counts.get(w) and table.get(w, -1) == counts.get(w, -1)
            assert (w in table) == (w in counts)
            if w in counts:
                assert table[w] == counts[w]
            else:
                with pytest.raises(KeyError):
                    table[w]
        assert table.get(3) is None and 3 not in table  # type: ignore[call-overload,comparison-overlap]


@pytest.mark.parametrize("native", [False, True])
def test_a_buffer_that_is_no_table_is_refused(native: bool) -> None:
    if native and not wordtable.NATIVE_TABLE:
        pytest.skip("C extension not built")
    good = build_table({"北京": 3, "北": 0}, 3)
    for bad in (b"", b"QLWT", b"XXXX" + good[4:], good[:-4], good + b"\0\0\0\0", good[:4] + b"\2" + good[5:]):
        with pytest.raises(ValueError):
            open_table(bad, native=native)


@needs_native
def test_route_over_the_table_is_the_route_over_the_dict() -> None:
    counts, total, buf = _library()
    table = open_table(buf)
    logtotal = log(total)
    for text in _texts() + ["研究生命起源", "结婚的和尚未结婚的", "他来到了网易杭研大厦", "aaa123北京大学生", ""]:
        expected = route_ends_py(text, counts, logtotal, {})
        assert wordtable.route_ends(text, table, logtotal, {}) == expected, text
        assert wordtable.route_ends(text, _twin(), logtotal, {}) == expected, text


@needs_native
@settings(max_examples=300, deadline=None)
@given(text=st.one_of(st.text(alphabet=_alphabet, max_size=30), st.text(max_size=20)))
def test_route_same_on_generated_text(text: str) -> None:
    counts, total, buf = _library()
    logtotal = log(total)
    assert wordtable.route_ends(text, open_table(buf), logtotal, {}) == route_ends_py(text, counts, logtotal, {})


@needs_native
def test_crossing_word_over_the_table_is_the_one_over_the_dict() -> None:
    counts, _total, buf = _library()
    table, pairs = open_table(buf), _pairs()
    crossed = 0
    for text in _texts()[:300]:
        for s in range(len(text)):
            for e in range(s + 1, min(len(text), s + 6) + 1):
                fast = wordtable.crossing_word(text, s, e, pairs, table, 4)
                assert fast == crossing_word_py(text, s, e, pairs, counts, 4), (text, s, e)
                crossed += fast
    assert crossed > 100
    assert wordtable.crossing_word("打开挂号", 1, 3, pairs, table, 4)  # 打开 crosses 开挂's start
    assert not wordtable.crossing_word("开挂", 0, 2, pairs, table, 4)


@needs_native
@settings(max_examples=200, deadline=None)
@given(text=st.text(alphabet=_alphabet, min_size=2, max_size=20), data=st.data())
def test_crossing_word_same_on_generated_text(text: str, data: st.DataObject) -> None:
    counts, _total, buf = _library()
    s = data.draw(st.integers(0, len(text) - 1))
    e = data.draw(st.integers(s + 1, len(text)))
    table = open_table(buf)
    for p in _pair_arrays():
        assert wordtable.crossing_word(text, s, e, p, table, 4) == crossing_word_py(text, s, e, p, counts, 4)


_CUT_SAMPLES = ["abc 12 def", "a1b2c3中文x", "\r\n\t 赌博 x", "\r\r\n\n中", "ＡＢＣ", "你好\x00世界", "", " ", "\ue000中文",
                "c++和c#都是语言", "3.14%的人-a_b&c", "结婚的和尚未结婚的", "𠀀北京大学生😀qq"]


@needs_native
def test_cut_over_the_table_is_the_python_cut() -> None:
    """The segmenter's cut in one C call gives the edges of its Python twin over the same dictionary."""
    seg = segmenter()
    twin = _twin()
    for text in _texts() + _CUT_SAMPLES:
        assert seg.edges(text) == seg._edges_py(text, twin), text


@needs_native
@settings(max_examples=300, deadline=None)
@given(text=st.one_of(st.text(alphabet=st.sampled_from(list("北京大学生结婚的和尚未abcA12 \r\n\t+#&._%-。😀\u3000")),
                              max_size=30), st.text(max_size=20)))
def test_cut_same_on_generated_text(text: str) -> None:
    seg = segmenter()
    assert seg._edges(text) == seg._edges_py(text, _twin())
