"""The evasion classes the matcher reads (Latin repeats, digits for numerals, number styles,
polyphonic characters, slang, mixed separators, radical full forms, noise runs) and the two false
hits it no longer makes; each technique with negatives (real words that look like the evasion)."""

from __future__ import annotations

import pytest

from plugin import Entry, Matcher
from plugin.matching.latin_repeat import fold_latin_runs
from plugin.matching.numeral_digits import NO_DIGITS, NUMERAL_READ, REJECT, digits_as_numerals
from plugin.matching.polyphony import reading_keys, readings
from plugin.matching.slang import load_slang_table, slang_variants
from plugin.variants import load_variant_tables


@pytest.fixture(scope="module")
def matcher() -> Matcher:
    """A project-made lexicon with one term per class (terms the bundled files do not hold)."""
    terms = [("scam", "block"), ("telegram", "block"), ("三公", "review"), ("六合彩", "block"), ("微博刷粉", "review"),
             ("微博", "review"), ("看片", "review"), ("长江水", "review"), ("贴吧引流", "review"), ("重金求子", "block"),
             ("收购银行卡", "block"), ("代写论文", "review"), ("征信修复", "review"), ("刷单返利", "block"),
             ("QQ号", "review"), ("cctv", "review")]
    return Matcher.from_entries([Entry(t, "test", a, term_id=f"test:{t}") for t, a in terms])


def _found(m: Matcher, text: str) -> list[tuple[str, str, str]]:
    return [(h.term, h.technique, h.surface) for h in m.scan(text)]


@pytest.mark.parametrize("text, term, technique, surface", [
    ("this is sssccaaam", "scam", "repeat", "sssccaaam"),
    ("join tteleggrammm now", "telegram", "repeat", "tteleggrammm"),
    ("qqqq号 出售", "QQ号", "repeat", "qqqq号"),
    ("ccccttvv", "cctv", "repeat", "ccccttvv"),  # a key's own double letters fold too
    ("玩3公，稳赢", "三公", "variant", "3公"),
    ("6合彩开奖", "六合彩", "variant", "6合彩"),
    ("⓺合彩", "六合彩", "variant", "⓺合彩"),  # a styled digit: folded first, then read as a numeral
    ("chongjin求子", "重金求子", "pinyin", "chongjin求子"),  # 重 read chong
    ("zhongjin求子", "重金求子", "pinyin", "zhongjin求子"),  # ... and zhong
    ("收购银航卡", "收购银行卡", "homophone", "收购银航卡"),  # 行 in 银行 reads hang
    ("围脖刷粉 便宜", "微博刷粉", "variant", "围脖刷粉"),  # a coinage inside a longer term
    ("买围脖号", "微博", "variant", "围脖"),  # a coinage alone, with its context (买, 号)
    ("贴8引流", "贴吧引流", "variant", "贴8引流"),  # 8 for 吧
    ("代a写b论c文", "代写论文", "noise", "代a写b论c文"),
    ("代1写2论3文", "代写论文", "noise", "代1写2论3文"),
    ("代写x论文", "代写论文", "noise", "代写x论文"),
    ("征人言修复", "征信修复", "split", "征人言修复"),  # 人 for 亻
    ("刷★！★单返利", "刷单返利", "noise", "刷★！★单返利"),
])
def test_evasion_classes_hit(matcher: Matcher, text: str, term: str, technique: str, surface: str) -> None:
    assert (term, technique, surface) in _found(matcher, text), _found(matcher, text)


@pytest.mark.parametrize("text, term", [
    ("scan the apple", "scam"),  # real double letters: nothing folds into a term
    ("sccamming", "scam"),  # inside a longer Latin word
    ("走了3公里", "三公"),  # 3 before 公里
    ("3工开局", "三公"),  # a digit never stands for another character of its numeral's class
    ("3户人家", "三公"),
    ("收购银型卡", "收购银行卡"),  # 型 sounds like the other reading (xing) of 行
    ("冬天戴围脖", "微博"),  # the coinage alone without its context
    ("围脖", "微博"),
    ("A股B股齐涨", "代写论文"),
    ("人言可畏", "征信修复"),
    ("他说要刷！单返利", "刷单返利"),  # a sentence end that is not inside a noise run
    ("好！😀 单返利", "刷单返利"),
    ("看看片场", "看片"),  # reduplicated word 看看, not a stutter
    ("一起看看片", "看片"),
    ("长江 江水", "长江水"),  # a repeat across a space is two words
])
def test_negatives_do_not_hit(matcher: Matcher, text: str, term: str) -> None:
    assert term not in [t for t, _, _ in _found(matcher, text)], _found(matcher, text)


def test_stutters_still_collapse(matcher: Matcher) -> None:
    assert ("看片", "repeat", "看看看片") in _found(matcher, "看看看片")  # three times is a stutter
    assert ("长江水", "repeat", "长江江水") in _found(matcher, "长江江水")  # written side by side


def test_latin_runs_fold() -> None:
    assert fold_latin_runs("wwweiixinn") == "weixin" and fold_latin_runs("加qq") == "加q"


def test_digits_read_as_numerals_strictly() -> None:
    assert digits_as_numerals("3公", "三公") == NUMERAL_READ
    assert digits_as_numerals("3宫", "三公") == REJECT  # numeral read mixed with a homophone
    assert digits_as_numerals("幸运2吧", "幸运28") == REJECT  # a key's digit faces only itself
    assert digits_as_numerals("散户", "伞户") == NO_DIGITS


def test_every_reading_is_a_pinyin_key() -> None:
    syl = load_variant_tables().syllable
    assert {"hang", "xing"} <= set(readings("行"))
    keys = reading_keys("银行", syl)
    assert "yinxing" in keys and "yinhang" in keys and len(keys) <= 16


def test_slang_variants_replace_one_word_and_gate_a_lone_coinage() -> None:
    table = load_slang_table()
    found = dict(slang_variants("微信号出售", table))
    assert "威信号出售" in found and found["威信号出售"] is None  # inside a term: the term is the context
    alone = dict(slang_variants("微信", table))
    assert alone["威信"] is not None  # alone: its context rule


@pytest.mark.parametrize("text", [
    "this is sssccaaam。join tteleggrammm now！qqqq号 出售",
    "前言。加wwweiixinn领zhongjin求子奖励！cccctvv\n后记 sssccaaam",
    "no repeat here。only one: ccccttvv",
])
def test_latin_repeat_reads_sentences_as_the_whole_view(matcher: Matcher, text: str) -> None:
    """The Latin-repeat pass folds only the sentences holding a run: the candidates, in order, are
    those of one read of the whole folded view."""
    from plugin.matching import latin_repeat as lr
    from plugin.normalize import normalize

    nt = normalize(text)
    whole_found: list[object] = []
    whole_read: list[object] = []
    lr._sentence_candidates(matcher._latin_repeat, matcher._pinyin, nt.dense, nt, 0, len(nt.dense),
                            lr._runs_within_words(nt.dense, nt), whole_found, whole_read)
    got = lr.latin_repeat_candidates(matcher._latin_repeat, matcher._pinyin, nt.dense, nt)
    assert got == whole_found + whole_read and got
