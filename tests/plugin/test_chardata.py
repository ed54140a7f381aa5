"""Character kinds (plugin.chardata): one kind letter per character, astral characters as "0"."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from plugin.chardata import kind_runs, kind_table, text_kinds

_TABLE = kind_table(lambda ch: "c" if "\u4e00" <= ch <= "\u9fff" else "1" if ch.isalpha() else "0")


def _kind(ch: str) -> str:
    return "0" if ord(ch) > 0xFFFF else _TABLE[ord(ch)]


@settings(max_examples=200, deadline=None)
@given(text=st.text(alphabet=st.sampled_from(list("赌博ab1 。😀𠀀\U000e0001\u200b")), max_size=30))
def test_text_kinds_is_one_letter_per_character(text: str) -> None:
    assert text_kinds(text, _TABLE) == "".join(map(_kind, text))


def test_kind_runs_of_a_text_with_astral_characters() -> None:
    kinds = text_kinds("ab😀😀cd𠀀赌", kind_table(lambda ch: "1" if ch.isascii() and ch.isalpha() else "0"))
    assert kinds == "11001100"
    assert list(kind_runs(kinds)) == [(0, 2), (4, 6)]
