"""Other readings of polyphonic characters: the keys a term would have, and their verification."""

from __future__ import annotations

from itertools import product

import pytest

from plugin.matching.polyphony import MAX_READING_KEYS, is_reading, polyphonic_classes, reading_class_keys
from plugin.variants import load_variant_tables


@pytest.mark.parametrize("form", ["银行卡", "重金求子", "代还信用卡", "六合彩", "长行重还乐", "时时彩", "加拿大28"])
def test_is_reading_accepts_exactly_the_keys_reading_class_keys_writes(form: str) -> None:
    t = load_variant_tables()
    keys = reading_class_keys(form, t.syllable, t.syllable_class)
    table_key = form.translate(t.class_table)
    other = polyphonic_classes(t.syllable, t.syllable_class)
    every = ["".join(c) for c in product(*[other.get(ch) or (table_key[i],) for i, ch in enumerate(form)])]
    for read in every:
        expected = read in keys or read == table_key  # (the table reading is the automaton key itself)
        assert is_reading(read, form, table_key, t.syllable, t.syllable_class) == expected, read
    if len(every) > MAX_READING_KEYS:  # the cap: combinations past the 16th are no keys
        assert not is_reading(every[-1], form, table_key, t.syllable, t.syllable_class)


def test_a_class_the_character_does_not_read_as_is_refused() -> None:
    t = load_variant_tables()
    table_key = "六合彩".translate(t.class_table)
    chen = t.syllable_class["chen"]
    assert not is_reading(chen + table_key[1:], "六合彩", table_key, t.syllable, t.syllable_class)
    assert is_reading(t.syllable_class["lu"] + table_key[1:], "六合彩", table_key, t.syllable, t.syllable_class)
