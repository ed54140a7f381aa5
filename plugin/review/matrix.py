"""Matrix-account detection: near-duplicate titles from different accounts that share an owner or MCN.

Titles are normalised with :func:`plugin.normalize.dense_key` (width, case, traditional
characters, punctuation, repeats) and Chinese numerals are written as digits (三号线 = 3号线,
二〇二四 = 2024), then cut into character bigrams. Two titles are near-duplicates when the bigram
Jaccard similarity reaches ``similarity``, or when the shorter title (at least ``containment_min``
bigrams, so very short titles do not match everything) is contained in the longer one:
|A∩B| / min(|A|, |B|) ≥ ``containment`` (a title padded with extra words).

Reordered or lightly reworded copies (phrases swapped round, a particle or an exclamation added) lose
many bigrams at the seams, so a title's shingles also hold its **words** (jieba, :mod:`plugin.segment`,
on the same normalised key; words of two or more characters, order ignored): two titles whose word
sets have a Jaccard similarity of at least ``word_similarity``, the smaller holding at least
``word_min`` words, are near-duplicates too (measure ``words``). The word shingles carry a prefix
(:data:`WORD_PREFIX`) no title character can have, so one set (and one MinHash) serves both measures.

Owner ids and MCN names are compared after NFKC, case folding and space collapsing
("ＸｉｎｇＨｕｏ ＭＣＮ " = "xinghuo mcn"). Within a batch, candidates are grouped by owner and MCN and
compared exactly. Against the recent history (a bounded, time-limited window, so a matrix spread over
several batches is still caught), a MinHash LSH index proposes Jaccard near-duplicates from the whole
history and the newest ``group_scan`` items of each owner / MCN are compared exactly (containment
cannot be found through a Jaccard LSH). Seed 000 二.2 / 三.2, seed 001 第7条.
"""

from __future__ import annotations

import datetime as dt
import threading
import unicodedata
from collections import deque
from dataclasses import dataclass
from functools import lru_cache
from typing import Iterable, Sequence

from datasketch import MinHash, MinHashLSH

from ..normalize import BREAK, dense_key
from ..numerals import numerals_to_digits
from ..segment import segmenter
from .context import MatrixLink
from .models import Candidate

__all__ = ["WORD_PREFIX", "MatrixDetector", "arabic_numerals", "group_key", "title_shingles"]

#: Marks a word shingle in a title's shingle set (a dense key never holds this character).
WORD_PREFIX = "\x00"

#: Chinese numerals written as digits (:func:`plugin.numerals.numerals_to_digits`, named here for callers).
arabic_numerals = numerals_to_digits


def group_key(value: str | None) -> str | None:
    """An owner id / MCN name for comparison: NFKC, case folded, spaces collapsed and stripped."""
    if value is None:
        return None
    key = " ".join(unicodedata.normalize("NFKC", value).split()).casefold()
    return key or None


#: Characters of a title compared (a hot-list title is short; a longer one is compared by its beginning,
#: so a batch of long titles from one owner costs what a batch of titles costs).
MAX_TITLE_CHARS = 200


def title_shingles(title: str) -> frozenset[str]:
    """Character bigrams of the normalised title (the title itself when shorter than two) and its words
    of two or more characters, each prefixed with :data:`WORD_PREFIX`; the first :data:`MAX_TITLE_CHARS`
    characters count."""
    key = numerals_to_digits(dense_key(title[:MAX_TITLE_CHARS]).replace(BREAK, ""))
    if len(key) < 2:
        return frozenset([key]) if key else frozenset()
    words = {WORD_PREFIX + w for w in segmenter().cut(key) if len(w) >= 2}
    return frozenset(key[i : i + 2] for i in range(len(key) - 1)) | words


@lru_cache(maxsize=4096)
def _split(shingles: frozenset[str]) -> tuple[frozenset[str], frozenset[str]]:
    """(character bigrams, words) of a shingle set (kept for the sets of a batch and the recent history:
    each is compared with many others)."""
    words = frozenset(s for s in shingles if s.startswith(WORD_PREFIX))
    return (shingles - words if words else shingles), words


@dataclass(frozen=True, slots=True)
class _Item:
    key: str
    candidate_id: str
    account_id: str
    owner_id: str | None  # normalised (group_key)
    mcn: str | None  # normalised (group_key)
    shingles: frozenset[str]
    seen_at: dt.datetime
    review_id: str | None = None


class MatrixDetector:
    """Finds matrix links for a batch against itself and the recent history (thread-safe)."""

    def __init__(self, *, similarity: float = 0.6, num_perm: int = 64, history_size: int = 5000,
                 history_hours: float = 72.0, containment: float = 0.8, containment_min: int = 6,
                 group_scan: int = 200, word_similarity: float = 0.7, word_min: int = 3) -> None:
        self.similarity = similarity
        self.word_similarity = word_similarity
        self.word_min = word_min
        self.containment = containment
        self.containment_min = containment_min
        self.group_scan = group_scan
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
        self._groups: dict[tuple[str, str], deque[_Item]] = {}  # newest group_scan items per owner / MCN
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

    def _item(self, key: str, c: Candidate, now: dt.datetime, review_id: str | None = None) -> _Item:
        return _Item(key, str(c.id), c.account.id, group_key(c.account.owner_id), group_key(c.account.mcn),
                     title_shingles(c.title), now, review_id)

    @staticmethod
    def _group_keys(it: _Item) -> list[tuple[str, str]]:
        keys = []
        if it.owner_id:
            keys.append(("owner_id", it.owner_id))
        if it.mcn:
            keys.append(("mcn", it.mcn))
        return keys

    def find(self, batch: Sequence[Candidate], now: dt.datetime) -> list[list[MatrixLink]]:
        """For each candidate of ``batch`` (same order), its links to batch peers and to history.

        Within the batch, candidates are grouped by owner and by MCN and compared exactly (groups
        are small); against the history, the MinHash LSH index proposes Jaccard near-duplicates and the
        newest ``group_scan`` items of the candidate's owner / MCN are compared exactly as well
        (containment), each pair confirmed by :meth:`similar`.
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
                    seen: set[str] = set()
                    for key in self._history_lsh.query(self._minhash(items[i].shingles)):
                        b = history.get(key)
                        if b is not None and key not in seen:
                            seen.add(key)
                            self._maybe_link(links[i], items[i], b, in_batch=False)
                    for gk in self._group_keys(items[i]):
                        for b in self._groups.get(gk, ()):
                            if b.key not in seen:
                                seen.add(b.key)
                                self._maybe_link(links[i], items[i], b, in_batch=False)
        return links

    def similar(self, a: frozenset[str], b: frozenset[str]) -> tuple[str, float] | None:
        """``("jaccard", j)``, ``("containment", c)`` (character bigrams) or ``("words", j)`` (word sets,
        order-free) when two shingle sets (:func:`title_shingles`) are near-duplicates, else None."""
        if not a or not b or a.isdisjoint(b):
            return None
        (ca, wa), (cb, wb) = _split(a), _split(b)
        inter = len(ca & cb)  # one intersection serves both bigram measures
        if inter:
            j = inter / (len(ca) + len(cb) - inter)
            if j >= self.similarity:
                return ("jaccard", j)
            small = min(len(ca), len(cb))
            if small >= self.containment_min:
                c = inter / small  # containment: how much of the shorter title the longer one holds
                if c >= self.containment:
                    return ("containment", c)
        if min(len(wa), len(wb)) >= self.word_min:
            shared = len(wa & wb)
            w = shared / (len(wa) + len(wb) - shared)
            if w >= self.word_similarity:
                return ("words", w)
        return None

    def _maybe_link(self, out: list[MatrixLink], a: _Item, b: _Item, *, in_batch: bool) -> None:
        shared = self._linked(a, b)
        if shared is None:
            return
        sim = self.similar(a.shingles, b.shingles)
        if sim is not None:
            out.append(MatrixLink(b.candidate_id, b.account_id, shared[0], shared[1], sim[1], in_batch,
                                  sim[0], b.review_id))

    def remember(self, candidates: Iterable[Candidate], seen_at: dt.datetime,
                 review_ids: Sequence[str | None] | None = None) -> None:
        """Add reviewed candidates to the history (oldest dropped beyond size / age). ``review_ids``:
        the stored review item of each candidate (same order), reported in links to it."""
        candidates = list(candidates)
        ids = list(review_ids) if review_ids is not None else [None] * len(candidates)
        with self._lock:
            for c, review_id in zip(candidates, ids):
                if not (group_key(c.account.owner_id) or group_key(c.account.mcn)):
                    continue
                self._seq += 1
                item = self._item(f"h{self._seq}", c, seen_at, review_id)
                if not item.shingles:
                    continue
                self._history.append(item)
                self._by_key[item.key] = item
                self._history_lsh.insert(item.key, self._minhash(item.shingles))
                for gk in self._group_keys(item) if self.group_scan > 0 else ():
                    group = self._groups.get(gk)
                    if group is None:
                        group = self._groups[gk] = deque(maxlen=max(1, self.group_scan))
                    group.append(item)
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
        for gk in self._group_keys(item):
            group = self._groups.get(gk)
            if group and group[0] is item:  # groups are in time order: the oldest item is on the left
                group.popleft()
            if group is not None and not group:
                del self._groups[gk]

    def __len__(self) -> int:
        return len(self._history)
