"""The interface a rumour backend implements.

The embedded default is :class:`plugin.rumors.store.RumorStore` (SQLite; candidates from an
FTS5 table). A search-engine backend (Elasticsearch / OpenSearch, the search-integration
issue) implements the same methods; :class:`plugin.rumors.index.RumorIndex` loads every
rumour through :meth:`iterate` and reloads when :meth:`revision` changes, or scores the
rumours :meth:`candidates` returns (``RumorIndex.score_candidates``) when loading all is
not wanted.
"""

from __future__ import annotations

from typing import Iterable, Iterator, Protocol, runtime_checkable

from .models import Rumor
from .store import UpsertStats

__all__ = ["RumorBackend"]


@runtime_checkable
class RumorBackend(Protocol):
    """Storage and retrieval of rumours."""

    def upsert(self, rumors: Iterable[Rumor]) -> UpsertStats:
        """Insert or replace rumours by id, atomically; identical rumours are left alone (the counts of
        inserted, updated and unchanged rumours)."""

    def delete(self, rumor_ids: Iterable[str]) -> int:
        """Delete rumours by id; returns how many existed."""

    def get(self, rumor_id: str) -> Rumor | None:
        """One rumour, or ``None``."""

    def iterate(self) -> Iterator[Rumor]:
        """Every rumour (any order)."""

    def count(self) -> int:
        """How many rumours are stored."""

    def revision(self) -> int:
        """A value that changes whenever the stored rumours change."""

    def candidates(self, text: str, limit: int = 50) -> list[Rumor]:
        """Rumours that may match ``text`` (recall-oriented; the index scores them)."""
