"""Shared fixtures for the lexicon-store tests (imported explicitly by tests/test_store*.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from plugin.store import LexiconStore, StoreConfig

from .fake_matcher import fake_factory

HERE = Path(__file__).parent
LEXICONS = tuple(sorted(str(p) for p in (HERE / "lexicons").iterdir()))
CORPUS = (str(HERE / "corpus.jsonl"),)


def make_config(**kw) -> StoreConfig:
    kw.setdefault("bundled_paths", LEXICONS)
    kw.setdefault("sample_paths", CORPUS)
    kw.setdefault("sample_flush", 1)
    return StoreConfig(**kw)


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "guard.db"


@pytest.fixture
def store(db_path: Path):
    s = LexiconStore(db_path, make_config(), matcher_factory=fake_factory)
    yield s
    s.close()
