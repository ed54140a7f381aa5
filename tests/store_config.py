"""The lexicon-store configuration of the tests: the store test lexicons and sample corpus (tests/data/store)."""

from __future__ import annotations

from plugin.store import StoreConfig

from tests.paths import DATA

STORE_DATA = DATA / "store"
LEXICONS = tuple(sorted(str(p) for p in (STORE_DATA / "lexicons").iterdir()))
CORPUS = (str(STORE_DATA / "corpus.jsonl"),)


def make_config(**kw) -> StoreConfig:
    """A :class:`StoreConfig` over :data:`LEXICONS` and :data:`CORPUS` (flushing every sample) with ``kw``."""
    kw.setdefault("bundled_paths", LEXICONS)
    kw.setdefault("sample_paths", CORPUS)
    kw.setdefault("sample_flush", 1)
    return StoreConfig(**kw)
