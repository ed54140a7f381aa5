"""plugin.variants: the phrase-reading look-ups the compile uses in bulk."""

from __future__ import annotations

from plugin.lexicon import bundled_lexicon_paths, load_lexicons
from plugin.variants import contextual_syllables, phrase_holders, syllables


def _texts() -> list[str]:
    terms = [e.term for lex in load_lexicons(bundled_lexicon_paths()) for e in lex.entries if not e.regex]
    return terms + ["银行", "收购银行卡", "", "重庆银行", "行银", "a银行b", "中国\n银行", "一", "银"]


def test_phrase_holders_are_the_texts_a_phrase_reading_may_change() -> None:
    texts = _texts()
    holders = phrase_holders(texts)
    table = syllables()
    for i, text in enumerate(texts):  # every text read differently in context is found
        if contextual_syllables(text, table) is not None:
            assert i in holders, text
    assert texts.index("银行") in holders and texts.index("收购银行卡") in holders
    assert texts.index("行银") not in holders and texts.index("银") not in holders
    assert texts.index("中国\n银行") in holders  # (the phrase after a line break still counts)


def test_phrase_holders_with_astral_characters_count_text_by_text() -> None:
    texts = ["𠀀银行", "赌博", "银𠀀行", "重庆银行𠀀"]
    assert phrase_holders(texts) == {0, 3}
    assert phrase_holders(["赌博", "银行"]) == {1}
    assert phrase_holders([]) == set()
