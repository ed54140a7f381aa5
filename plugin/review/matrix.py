"""Matrix-account detection: near-duplicate titles from different accounts that share an owner or MCN.

Titles are normalised with :func:`plugin.normalize.dense_key` (width, case, traditional
characters, punctuation, repeats), cut into character bigrams and sketched with MinHash;
an LSH index finds candidates, and the exact bigram Jaccard confirms them. The detector keeps
a bounded, time-limited history of recently reviewed candidates so a matrix spread over
several batches is still caught (seed 000 二.2 / 三.2, seed 001 第7条).
"""

from __future__ import annotations

import datetime as dt
import threading
from collections import deque
from dataclasses import dataclass
from typing import Iterable, Sequence

from datasketch import MinHash, MinHashLSH

from ..normalize import BREAK, dense_key
from .context import MatrixLink
from .models import Candidate

__all__ = ["MatrixDetector", "title_shingles"]


def title_shingles(title: str) -> frozenset[str]:
    """Character bigrams of the normalised title (the title itself when shorter than two)."""
    key = dense_key(title).replace(BREAK, "")
    if len(key) < 2:
        return frozenset([key]) if key else frozenset()
    return frozenset(key[i : i + 2] for i in range(len(key) - 1))


def _jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    if not a or not b:
        return 0.0
    inter = len(a & b)
    return inter / (len(a) + len(b) - inter)


@dataclass(frozen=True, slots=True)
class _Item:
    key: str
    candidate_id: str
    account_id: str
    owner_id: str | None
    mcn: str | None
    shingles: frozenset[str]
    seen_at: dt.datetime


class MatrixDetector:
    """Finds matrix links for a batch against itself and the recent history (thread-safe)."""

    def __init__(self, *, similarity: float = 0.6, num_perm: int = 64, history_size: int = 5000,
                 history_hours: float = 72.0) -> None:
        self.similarity = similarity
        self.num_perm = num_perm
        self.history_size = history_size
        self.history_window = dt.timedelta(hours=history_hours)
        proto = MinHash(num_perm)
        self._perms = proto.permutations
        self._scheme = proto.scheme
        # LSH threshold a bit under the confirmation threshold: MinHash estimates are noisy
        self._lsh_threshold = max(0.1, similarity - 0.15)
        self._history: deque[_Item] = deque()
        self._by_key: dict[str, _Item] = {}
        self._history_lsh = MinHashLSH(threshold=self._lsh_threshold, num_perm=num_perm)
        # the optimal (bands, rows) take a numerical integration to find: compute them once
        self._lsh_params = (self._history_lsh.b, self._history_lsh.r)
        self._seq = 0
        self._lock = threading.Lock()

    def _minhash(self, shingles: Iterable[str]) -> MinHash:
        m = MinHash(self.num_perm, permutations=self._perms, scheme=self._scheme)
        m.update_batch([s.encode("utf-8") for s in shingles])
        return m

    @staticmethod
    def _linked(a: _Item, b: _Item) -> tuple[str, str] | None:
        """The shared owner / MCN of two different accounts, or None."""
        if a.account_id == b.account_id:
            return None
        if a.owner_id and a.owner_id == b.owner_id:
            return ("owner_id", a.owner_id)
        if a.mcn and a.mcn == b.mcn:
            return ("mcn", a.mcn)
        return None

    def _item(self, key: str, c: Candidate, now: dt.datetime) -> _Item:
        return _Item(key, str(c.id), c.account.id, c.account.owner_id, c.account.mcn, title_shingles(c.title), now)

    def find(self, batch: Sequence[Candidate], now: dt.datetime) -> list[list[MatrixLink]]:
        """For each candidate of ``batch`` (same order), its links to batch peers and to history.

        Within the batch, candidates are grouped by owner and by MCN and compared exactly (groups
        are small); against the history, the MinHash LSH index proposes near-duplicates and the
        exact Jaccard confirms them.
        """
        items = [self._item(f"b{i}", c, now) for i, c in enumerate(batch)]
        links: list[list[MatrixLink]] = [[] for _ in batch]
        grouped = [i for i, it in enumerate(items) if (it.owner_id or it.mcn) and it.shingles]
        if not grouped:
            return links
        groups: dict[tuple[str, str], list[int]] = {}
        for i in grouped:
            it = items[i]
            if it.owner_id:
                groups.setdefault(("owner_id", it.owner_id), []).append(i)
            if it.mcn:
                groups.setdefault(("mcn", it.mcn), []).append(i)
        peers: dict[int, set[int]] = {}
        for members in groups.values():
            for i in members:
                peers.setdefault(i, set()).update(j for j in members if j != i)
        for i, js in peers.items():
            for j in sorted(js):
                self._maybe_link(links[i], items[i], items[j], in_batch=True)
        with self._lock:
            self._expire(now)
            if self._history:
                history = self._by_key
                for i in grouped:
                    for key in self._history_lsh.query(self._minhash(items[i].shingles)):
                        b = history.get(key)
                        if b is not None:
                            self._maybe_link(links[i], items[i], b, in_batch=False)
        return links

    def _maybe_link(self, out: list[MatrixLink], a: _Item, b: _Item, *, in_batch: bool) -> None:
        shared = self._linked(a, b)
        if shared is None:
            return
        sim = _jaccard(a.shingles, b.shingles)
        if sim >= self.similarity:
            out.append(MatrixLink(b.candidate_id, b.account_id, shared[0], shared[1], sim, in_batch))

    def remember(self, candidates: Iterable[Candidate], seen_at: dt.datetime) -> None:
        """Add reviewed candidates to the history (oldest dropped beyond size / age)."""
        with self._lock:
            for c in candidates:
                if not (c.account.owner_id or c.account.mcn):
                    continue
                self._seq += 1
                item = self._item(f"h{self._seq}", c, seen_at)
                if not item.shingles:
                    continue
                self._history.append(item)
                self._by_key[item.key] = item
                self._history_lsh.insert(item.key, self._minhash(item.shingles))
            while len(self._history) > self.history_size:
                self._drop_oldest()

    def _expire(self, now: dt.datetime) -> None:
        cutoff = now - self.history_window
        while self._history and self._history[0].seen_at < cutoff:
            self._drop_oldest()

    def _drop_oldest(self) -> None:
        item = self._history.popleft()
        del self._by_key[item.key]
        self._history_lsh.remove(item.key)

    def __len__(self) -> int:
        return len(self._history)
