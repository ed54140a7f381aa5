"""The segmenter's dictionary (word → count) as one read-only buffer, looked up without loading it.

jieba keeps its dictionary as a Python dict of ~500k words and word prefixes; building it (or
unmarshalling jieba's cache of it) takes most of a second. A :class:`WordTable` is the same mapping
over one buffer — a snapshot file mapped into memory (:func:`plugin.snapshot.cached_buffer`) — that
is looked up where it lies: opening it costs a few milliseconds whatever its size. The format (all
little-endian uint32 unless said otherwise):

* header: ``b"QLWT"``, version 1, n entries, n_slots (a power of two > n), n_codes, 0, total (uint64);
* slots (n_slots): entry index + 1, 0 for an empty slot; open addressing with linear probing from
  ``crc & (n_slots - 1)``, ``crc`` = ``zlib.crc32`` of the word's UTF-16-BE bytes (surrogatepass);
* offs (n + 1): entry i's word is ``codes[offs[i]:offs[i + 1]]``;
* counts (n): the dictionary count, 0 for a mere prefix of a word;
* codes (n_codes): the words' code points.

The C extension ``plugin.cwordtable`` (built by ``pip install`` from ``cwordtable.c``) reads it, and
runs the segmenter's cut (blocks, route, edges) and the boundary check's crossing-word test straight on it (a window's
substrings are looked up without making a str of each); :class:`WordTablePy` and the loops of
:mod:`plugin.matching.native` are the pure-Python twins, with identical results (tests compare them).
"""

from __future__ import annotations

import struct
import sys
import zlib
from array import array
from bisect import bisect_left
from collections.abc import Iterable, Iterator, Mapping
from math import log
from functools import partial
from typing import Any, Callable, overload


try:
    from . import cwordtable
except ImportError:  # not built (a checkout without ``pip install``): the Python twins serve
    cwordtable = None  # type: ignore[assignment]

__all__ = ["NATIVE_TABLE", "EdgesCheck", "WordTablePy", "build_table", "crossing_word", "crossing_word_py", "cut_edges",
           "edges_check", "open_table", "route_ends", "route_ends_py", "table_total"]

#: Whether the C extension of the word table is in use.
NATIVE_TABLE: bool = cwordtable is not None

_MAGIC = b"QLWT"
_VERSION = 1
_HEADER = struct.Struct("<4sIIIIIQ")  # magic, version, n, n_slots, n_codes, 0, total


def _crc(word: str) -> int:
    return zlib.crc32(word.encode("utf-16-be", "surrogatepass"))


def _u32(values: Iterable[int]) -> bytes:
    arr = array("I", values)
    if arr.itemsize != 4:  # pragma: no cover - every platform CPython runs on has a 4-byte unsigned int
        raise RuntimeError("array('I') is not 4 bytes here")
    if sys.byteorder != "little":  # pragma: no cover - the format is little-endian
        arr.byteswap()
    return arr.tobytes()


def build_table(counts: Mapping[str, int], total: int) -> bytes:
    """The buffer of a table holding ``counts`` (word → count, prefixes with 0), in its order, and ``total``."""
    words = list(counts)
    n = len(words)
    n_slots = 1
    while n_slots <= 2 * n:
        n_slots *= 2
    mask = n_slots - 1
    encoded = [w.encode("utf-32-le", "surrogatepass") for w in words]
    offs = [0] * (n + 1)
    pos = 0
    for i, e in enumerate(encoded, 1):
        pos += len(e) // 4
        offs[i] = pos
    slots = [0] * n_slots
    for idx, w in enumerate(words):
        i = _crc(w) & mask
        while slots[i]:
            i = (i + 1) & mask
        slots[i] = idx + 1
    values = [counts[w] for w in words]
    if any(v < 0 or v >= 1 << 32 for v in values) or not 0 <= total < 1 << 64:
        raise ValueError("counts must fit in 32 bits and the total in 64")
    header = _HEADER.pack(_MAGIC, _VERSION, n, n_slots, pos, 0, total)
    return b"".join([header, _u32(slots), _u32(offs), _u32(values), b"".join(encoded)])


class WordTablePy(Mapping[str, int]):
    """The pure-Python reading of a table's buffer (the C ``plugin.cwordtable.WordTable`` is its twin)."""

    def __init__(self, buffer: Any) -> None:
        view = memoryview(buffer).cast("B")
        if len(view) < _HEADER.size:
            raise ValueError("not a word table (version 1)")
        magic, version, n, n_slots, n_codes, _zero, total = _HEADER.unpack_from(view)
        if magic != _MAGIC or version != _VERSION:
            raise ValueError("not a word table (version 1)")
        if (n_slots == 0 or n_slots & (n_slots - 1) or n_slots <= n
                or len(view) != _HEADER.size + 4 * (n_slots + 2 * n + 1 + n_codes)):
            raise ValueError("word table: inconsistent sizes")
        self._n, self._mask, self.total = int(n), int(n_slots) - 1, int(total)
        self._slots = self._ints(view, _HEADER.size, n_slots)
        self._offs = self._ints(view, _HEADER.size + 4 * n_slots, n + 1)
        self._counts = self._ints(view, _HEADER.size + 4 * (n_slots + n + 1), n)
        start = _HEADER.size + 4 * (n_slots + 2 * n + 1)
        self._codes = bytes(view[start:start + 4 * n_codes])

    @staticmethod
    def _ints(view: memoryview, start: int, count: int) -> array[int]:
        arr = array("I")
        arr.frombytes(view[start:start + 4 * count])
        if sys.byteorder != "little":  # pragma: no cover
            arr.byteswap()
        return arr

    def _find(self, word: str) -> int:
        """The entry of ``word``, or -1."""
        key = word.encode("utf-32-le", "surrogatepass")
        i = _crc(word) & self._mask
        for _ in range(self._mask + 1):
            e = int(self._slots[i])
            if e == 0:
                return -1
            e -= 1
            if e < self._n:
                a, b = self._offs[e], self._offs[e + 1]
                if self._codes[4 * a:4 * b] == key:
                    return e
            i = (i + 1) & self._mask
        return -1

    @overload
    def get(self, key: str, /) -> int | None: ...
    @overload
    def get(self, key: str, default: int, /) -> int: ...
    @overload
    def get(self, key: str, default: Any, /) -> Any: ...

    def get(self, key: str, default: Any = None, /) -> Any:
        e = self._find(key) if isinstance(key, str) else -1
        return default if e < 0 else int(self._counts[e])

    def __getitem__(self, key: str) -> int:
        e = self._find(key) if isinstance(key, str) else -1
        if e < 0:
            raise KeyError(key)
        return int(self._counts[e])

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and self._find(key) >= 0

    def __len__(self) -> int:
        return self._n

    def __iter__(self) -> Iterator[str]:
        return iter(self.keys())

    def keys(self) -> list[str]:  # type: ignore[override]
        """Every word, in the table's order."""
        offs, codes = self._offs, self._codes
        return [codes[4 * offs[e]:4 * offs[e + 1]].decode("utf-32-le", "surrogatepass") for e in range(self._n)]

    def items(self) -> list[tuple[str, int]]:  # type: ignore[override]
        """(word, count) of every word, in the table's order."""
        return list(zip(self.keys(), self._counts))


if cwordtable is not None:
    Mapping.register(cwordtable.WordTable)


def open_table(buffer: Any, *, native: bool = True) -> Mapping[str, int]:
    """The table over ``buffer`` (bytes, or a read-only mmap kept open while the table is used): the C
    reading when built (unless ``native`` is False), else :class:`WordTablePy`. Raises ValueError for a
    buffer that is not a table."""
    if native and cwordtable is not None:
        return cwordtable.WordTable(buffer)
    return WordTablePy(buffer)


def table_total(table: Mapping[str, int]) -> int:
    """The total count of a table from :func:`open_table`."""
    total: int = getattr(table, "total")
    return total


def route_ends_py(sentence: str, freq: Mapping[str, int], logtotal: float, logs: dict[str, float]) -> list[int]:
    """jieba's best route over the Han block ``sentence`` (precise mode, HMM off: ``__cut_DAG_NO_HMM``):
    for each start index, the last index of the word the route takes from there. ``freq``: word →
    count (0 for a mere prefix); ``logtotal``: log of the counts' sum; ``logs``: a memo of log counts."""
    n = len(sentence)
    route: list[tuple[float, int]] = [(0.0, 0)] * (n + 1)
    for idx in range(n - 1, -1, -1):
        best = (0.0, -1)
        i = idx
        frag = sentence[idx]
        found = False
        while i < n and frag in freq:
            if freq[frag]:
                found = True
                lw = logs.get(frag)
                if lw is None:
                    lw = logs[frag] = log(freq.get(frag) or 1)
                cand = (lw - logtotal + route[i + 1][0], i)
                if best[1] < 0 or cand > best:
                    best = cand
            i += 1
            frag = sentence[idx:i + 1]
        if not found:  # the character alone (count looked up as jieba does)
            one = sentence[idx]
            lw = logs.get(one)
            if lw is None:
                lw = logs[one] = log(freq.get(one) or 1)
            best = (lw - logtotal + route[idx + 1][0], idx)
        route[idx] = best
    return [end for _w, end in route[:n]]



def crossing_word_py(dense: str, start: int, end: int, pairs: array[int], freq: Mapping[str, int],
                     max_word: int) -> bool:
    """Whether a dictionary word (``freq``: word → count; a count of 0 marks a mere prefix) of at
    most ``max_word`` characters crosses an edge of ``dense[start:end]``. ``pairs``: the sorted
    ``a << 16 | b`` code-point pairs of adjacent characters inside such words: an edge whose two
    characters are no such pair is crossed by no word."""
    n = len(dense)
    for edge in (start, end):
        if edge <= 0 or edge >= n:
            continue
        left, right = ord(dense[edge - 1]), ord(dense[edge])
        if left < 0x10000 and right < 0x10000:
            key = left << 16 | right
            k = bisect_left(pairs, key)
            if k == len(pairs) or pairs[k] != key:
                continue  # no dictionary word has these two characters side by side
        for a in range(max(0, edge - max_word + 1), edge):
            for b in range(edge + 1, min(n, a + max_word) + 1):
                if freq.get(dense[a:b]):
                    return True
    return False



def route_ends(sentence: str, table: Mapping[str, int], logtotal: float, logs: dict[str, float]) -> list[int]:
    """:func:`route_ends_py` over ``table``: in C when it is the C table."""
    if cwordtable is not None and type(table) is cwordtable.WordTable:
        return cwordtable.route_ends(sentence, table, logtotal)
    return route_ends_py(sentence, table, logtotal, logs)


def cut_edges(text: str, table: Mapping[str, int], logtotal: float) -> tuple[int, ...] | None:
    """The token edges of jieba's precise mode (HMM off) over ``table`` in one C call when it is the C
    table (:meth:`plugin.segment.Segmenter.edges` is its Python twin), else None."""
    if cwordtable is not None and type(table) is cwordtable.WordTable:
        return cwordtable.cut_edges(text, table, logtotal)
    return None


def crossing_word(dense: str, start: int, end: int, pairs: array[int], table: Mapping[str, int],
                  max_word: int) -> bool:
    """:func:`crossing_word_py` over ``table``: in C when it is the C table."""
    if cwordtable is not None and type(table) is cwordtable.WordTable:
        return cwordtable.crossing_word(dense, start, end, pairs, table, max_word)
    return crossing_word_py(dense, start, end, pairs, table, max_word)


#: ``(dense, start, end, mode, pinyin) -> bool | None``: see :func:`edges_check`.
EdgesCheck = Callable[[str, int, int, str, bool], "bool | None"]


def edges_check(pairs: array[int], table: Mapping[str, int], max_word: int, window: int,
                edges: Callable[[str], tuple[int, ...]]) -> EdgesCheck | None:
    """A one-call word-boundary check of a hit, bound to the crossing test's tables and the segmenter's cut
    (in C; None when ``table`` is not the C table): :func:`plugin.matching.filters.boundary_ok` of
    ``dense[start:end]`` (boundary ``mode``, read in pinyin or not) as True or False wherever it needs no
    offset map, None where it does (a letter or digit edge inside a longer Latin word or number: the
    separator test) and for the Latin-only modes. The cheap rules first (for ``auto`` a hit over four
    characters, all ASCII or without CJK; for auto / word / crossing no dictionary word across an edge,
    :func:`crossing_word`), then :meth:`plugin.boundary.WordBoundary.check`'s window of ``window`` characters
    either side cut by ``edges`` (:meth:`plugin.segment.Segmenter.edges`, which keeps its cuts) and read in C:
    the two Python frames and the window arithmetic of the check per place are gone."""
    if cwordtable is not None and type(table) is cwordtable.WordTable:
        return partial(cwordtable.edges_check, pairs, table, max_word, window, edges)
    return None
