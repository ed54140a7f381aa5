"""The pinyin pass reads Latin words as syllable classes in the main automaton; initials from a
compact index."""

from __future__ import annotations

import pytest

from plugin import Matcher
from plugin.lexicon import Entry


def _m(*terms: str, action: str = "block") -> Matcher:
    return Matcher.from_entries([Entry(term=t, category="gambling", action=action) for t in terms])


def _pinyin(m: Matcher, text: str) -> list[tuple[str, str, int, int]]:
    return [(h.term, h.technique, h.start, h.end) for h in m.scan(text) if h.technique in ("pinyin", "initials")]


@pytest.mark.parametrize("text, span", [
    ("xian zai", (0, 8)),  # one word read two ways: xian | xi an
    ("xianzai", (0, 7)),
    ("xi'an zai", (0, 9)),
])
def test_a_word_is_read_every_way_it_splits_into_syllables(text: str, span: tuple[int, int]) -> None:
    m = _m("西安在")
    assert _pinyin(m, text) == [("西安在", "pinyin", *span)]


def test_uncollapsed_and_contextual_readings() -> None:
    m = _m("时时彩", "银行卡")
    assert _pinyin(m, "shishicai") == [("时时彩", "pinyin", 0, 9)]
    assert _pinyin(m, "买shicai") == [("时时彩", "pinyin", 1, 7)]  # collapsed, as 时时 is in the dense view
    assert _pinyin(m, "yinhangka") == [("银行卡", "pinyin", 0, 9)]  # 行 read hang in 银行


def test_a_syllable_is_not_read_across_a_character_edge() -> None:
    m = _m("郭靖提", "宋西安")
    assert _pinyin(m, "国际NG体育") == []  # ji + ng is not jing
    assert _pinyin(m, "song鲜花") == []  # 鲜 (xian) is not xi an
    assert _pinyin(m, "song xi an") == [("宋西安", "pinyin", 0, 10)]


def test_a_key_covers_whole_latin_words() -> None:
    m = _m("投注")
    assert _pinyin(m, "abctouzhu") == []
    assert _pinyin(m, "touzhux") == []
    assert _pinyin(m, "tou注") == [("投注", "pinyin", 0, 4)]


def test_long_latin_words_do_not_blow_up() -> None:
    m = _m("阿阿阿", "恩恩")
    m.scan("a" * 5000 + "!")
    m.scan("n" * 60 + " " + "a " * 2000)
    m.scan("nanananananananananananananananananananananananananananananan")


def test_initials_from_the_compact_index() -> None:
    m = _m("百家乐", "加拿大28", "百家")
    assert _pinyin(m, "玩bjl的") == [("百家乐", "initials", 1, 4)]
    assert _pinyin(m, "jnd28开奖") == [("加拿大28", "initials", 0, 5)]
    assert _pinyin(m, "bj") == []  # two characters: not distinctive
    assert _pinyin(_m("百家乐", action="review"), "bjl") == []  # block entries only


def test_every_reading_of_a_polyphonic_character_is_a_key_only_pinyin_reads() -> None:
    m = _m("银行卡", "重金求子")
    assert _pinyin(m, "收购yinhang卡") == [("银行卡", "pinyin", 2, 10)]
    assert _pinyin(m, "收购yinxing卡") == [("银行卡", "pinyin", 2, 10)]
    assert _pinyin(m, "chongjin求子") == [("重金求子", "pinyin", 0, 10)]
    assert _pinyin(m, "zhongjin求子") == [("重金求子", "pinyin", 0, 10)]
    assert m.scan("收购银型卡") == []  # the other reading's key is no homophone in the dense pass


def test_a_digit_in_pinyin_stands_for_itself() -> None:
    m = _m("一二例", "加拿大28")
    assert _pinyin(m, "1 2 li") == []  # digits are written as numeral classes in the keys
    assert _pinyin(m, "yi er li") == [("一二例", "pinyin", 0, 8)]
    assert _pinyin(m, "jianada28") == [("加拿大28", "pinyin", 0, 9)]
    assert _pinyin(m, "jianada erba") == []


@pytest.mark.parametrize("wide", [False, True])
def test_other_readings_of_polyphonic_characters_without_keys_of_their_own(
        wide: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    if wide:  # keys as plain strings, as for huge lexicons
        monkeypatch.setattr("plugin.matching.compile.U16_MAX_PATTERNS", 0)
    m = _m("重金求子", "代还信用卡", "银行卡")
    assert m.compiled.wide == wide
    # the other readings are hash rows beside the automaton, not keys (虫 reads chong, as 重 may)
    c = m.compiled
    assert not c.automaton.exists(c.encode("虫金求子")) and c.automaton.exists(c.encode("重金求子"))
    assert _pinyin(m, "chongjin求子") == [("重金求子", "pinyin", 0, 10)]  # 重 read chong
    assert _pinyin(m, "zhongjin求子") == [("重金求子", "pinyin", 0, 10)]  # its table reading
    assert _pinyin(m, "daihuan信用卡") == [("代还信用卡", "pinyin", 0, 10)]  # 还 read huan
    assert _pinyin(m, "yinxingka") == [("银行卡", "pinyin", 0, 9)]  # 行 read xing
    assert _pinyin(m, "chengjin求子") == []  # not a reading of 重


@pytest.mark.parametrize("text", ["Lu Hecai", "met Lu Hecai in June", "Chong Jinqiu Zi", "Lu He Cai"])
def test_a_personal_name_does_not_take_another_reading(text: str) -> None:
    m = _m("六合彩", "重金求子")
    assert _pinyin(m, text) == []


@pytest.mark.parametrize("text, term", [
    ("lu he cai", "六合彩"),  # not a name's shape: every reading counts
    ("luhecai", "六合彩"),
    ("LuHeCai", "六合彩"),
    ("Liu Hecai", "六合彩"),  # a name's shape in the table reading
    ("Chong jin qiu zi", "重金求子"),
    ("chongjin求子", "重金求子"),
])
def test_other_readings_still_count_outside_a_name_shape(text: str, term: str) -> None:
    m = _m("六合彩", "重金求子")
    assert [t for t, *_ in _pinyin(m, text)] == [term]


@pytest.mark.parametrize("text", ["时#时#彩", "时 时 彩", "时、时彩", "轻轻-松松"])
def test_a_terms_own_repeat_split_by_a_separator(text: str) -> None:
    m = _m("时时彩", "轻轻松松")
    assert [(h.term, h.technique) for h in m.scan(text)] in ([("时时彩", "noise")], [("轻轻松松", "noise")])


def test_a_repeat_the_term_lacks_stays_two_words() -> None:
    assert [h.term for h in _m("长江水").scan("长江 江水")] == []
