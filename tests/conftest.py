"""Shared fixtures: matchers are compiled once per session (tables + jieba take ~1-2 s)."""

from __future__ import annotations

from pathlib import Path

import pytest

from plugin import Matcher, load_lexicon
from plugin.variants import load_variant_tables

CORE = Path(__file__).parent / "core"


@pytest.fixture(scope="session")
def core_matcher() -> Matcher:
    """The core test lexicon with small shape/split tables (independent of bundled data)."""
    lex = load_lexicon(str(CORE / "test_lexicon.yaml"))
    tables = load_variant_tables(str(CORE / "shape.yaml"), str(CORE / "split.yaml"))
    return Matcher(list(lex.entries), variant_tables=tables)


@pytest.fixture(scope="session")
def bundled_matcher() -> Matcher:
    """The bundled lexicons as shipped."""
    return Matcher.from_lexicons([], bundled=True)
