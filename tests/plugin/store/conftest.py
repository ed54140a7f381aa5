"""Fixtures of the lexicon-store tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from plugin.store import LexiconStore
from tests.fakes import fake_factory
from tests.store_config import make_config


@pytest.fixture
def store(db_path: Path):
    s = LexiconStore(db_path, make_config(), matcher_factory=fake_factory)
    yield s
    s.close()
