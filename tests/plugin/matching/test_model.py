"""The values of plugin.matching.model."""

from __future__ import annotations

import pytest

from plugin.matching.model import PatternTexts


def test_pattern_texts_read_like_the_list_they_pack() -> None:
    texts = ["赌博", "", "b", "加拿大28", "𠀀x"]
    packed = PatternTexts(texts)
    assert list(packed) == texts and len(packed) == 5
    assert [packed[i] for i in range(-5, 5)] == texts + texts
    assert packed[1:4] == texts[1:4] and "加拿大28" in packed and "加拿" not in packed
    with pytest.raises(IndexError):
        packed[5]
    assert list(PatternTexts()) == []
