"""Fixtures of the lexicon-store tests."""

from __future__ import annotations

import pytest

from plugin.store import LexiconStore
from tests.fakes import fake_factory
from tests.store_config import make_config


@pytest.fixture
def store(db_target: str):
    """A store on each backend (SQLite, then PostgreSQL)."""
    s = LexiconStore(db_target, make_config(), matcher_factory=fake_factory)
    yield s
    s.close()
