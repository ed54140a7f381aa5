"""plugin.matching.artefact: a compiled matcher dumped and loaded gives the same hits."""

from __future__ import annotations

import pickle

import pytest

from plugin.matching.artefact import ARTEFACT_FORMAT, dump_matcher, load_matcher

TEXTS = ["今天天气不错", "网上赌场开业了", "bai jia le 在线", "百 家 乐", "代x写x论x文", "某网红炫富翻车"]


def test_round_trip_gives_the_same_hits(core_matcher) -> None:
    loaded = load_matcher(dump_matcher(core_matcher))
    assert loaded is not core_matcher and loaded.version == core_matcher.version
    for text in TEXTS:
        assert loaded.scan(text) == core_matcher.scan(text), text
    assert ARTEFACT_FORMAT.startswith("qinglang-matcher-columnar/")


def test_junk_is_refused() -> None:
    with pytest.raises(ValueError, match="not a matcher artefact"):
        load_matcher(b"\x00 not a pickle")
    with pytest.raises(ValueError, match="not a matcher artefact"):  # a pickle is not one either
        load_matcher(pickle.dumps({"a": 1}))
