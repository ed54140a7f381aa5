"""Word-boundary checks with jieba on a small window around a hit.

A hit is rejected when a jieba token straddles one of its edges (打开挂号 does not
contain 开挂: the token 打开 crosses the hit's start). ``strict`` additionally requires
both edges to be token boundaries. Only the window around the hit is segmented, never
the whole text. Segmentation and the dictionary are :mod:`plugin.segment`'s (one
dictionary and one cut cache for the whole library).
"""

from __future__ import annotations

import threading
from array import array
from collections.abc import Mapping
from typing import Literal

from .segment import Segmenter, segmenter
from .snapshot import cached
from .wordtable import EdgesCheck, crossing_word, edges_check

__all__ = ["WordBoundary"]

_WINDOW = 8  # characters of context either side of the hit
_MAX_WORD = 4  # longest dictionary word looked up across an edge


class WordBoundary:
    """Boundary checks over the library's segmenter (:func:`plugin.segment.segmenter`)."""

    _shared: "WordBoundary | None" = None
    _shared_lock = threading.Lock()

    def __init__(self, seg: Segmenter | None = None) -> None:
        self._seg = seg or segmenter()
        self._lock = threading.Lock()
        self._pairs: array[int] | None = None
        self._freq: Mapping[str, int] | None = None  # the dictionary's word table, once loaded
        self._quick: EdgesCheck | Literal[False] | None = None  # quick(), once known (False: not in C)

    @classmethod
    def shared(cls) -> "WordBoundary":
        """The process-wide instance (over the process-wide segmenter)."""
        with cls._shared_lock:
            if cls._shared is None:
                cls._shared = cls()
            return cls._shared

    def load(self) -> None:
        """Load the dictionary and build the pair index now (otherwise done on first use)."""
        self._seg.load()
        self._inner_pairs()
        if self._freq is None:
            self._freq = self._seg.counts

    def check(self, dense: str, start: int, end: int, *, strict: bool = False, containing_ok: bool = False) -> bool:
        """True when ``dense[start:end]`` does not straddle a token edge (strict: both edges are token edges).

        ``containing_ok``: a token that contains the whole hit is fine (北京日报 holds 日报);
        only a token that cuts the hit (每日|报价 across 日报) rejects it.
        """
        # jieba (HMM off) only emits dictionary words or single characters, so a token can
        # straddle an edge only if some dictionary word crosses it: look that up first.
        if not strict:
            freq, pairs = self._freq, self._pairs
            if freq is None or pairs is None:  # (the tables of _crossing_word, inlined once they are loaded)
                if not self._crossing_word(dense, start, end):
                    return True
            elif not crossing_word(dense, start, end, pairs, freq, _MAX_WORD):
                return True
        ws = max(0, start - _WINDOW)
        we = min(len(dense), end + _WINDOW)
        brk = dense.rfind("\x00", ws, start)
        if brk != -1:
            ws = brk + 1
        brk = dense.find("\x00", end, we)
        if brk != -1:
            we = brk
        if strict and start == ws and end == we:
            return True  # the hit is the whole window: both its edges are token edges
        bounds = self._seg.edges(dense[ws:we])
        s, e = start - ws, end - ws
        bset = set(bounds)
        if strict:
            return s in bset and e in bset
        # straddle: a token (a, b) with a < s < b or a < e < b
        for a, b in zip(bounds, bounds[1:]):
            if a < s < b or a < e < b:
                if containing_ok and a <= s and e <= b:
                    continue
                return False
        return True

    def _inner_pairs(self) -> "array[int]":
        """Sorted code-point pairs (a << 16 | b) of adjacent characters inside dictionary words of
        2-4 characters: a word can only cross an edge whose two characters form such a pair."""
        pairs = self._pairs
        if pairs is None:
            with self._lock:
                if self._pairs is None:
                    pairs = array("L")
                    if self._seg.has_default_words:  # the library's dictionary: its snapshot
                        pairs.frombytes(cached(f"boundary-pairs-{pairs.itemsize}", self._build_pairs))
                    else:
                        pairs.frombytes(self._build_pairs())
                    self._pairs = pairs
            pairs = self._pairs
        return pairs

    def _build_pairs(self) -> bytes:
        """The pairs of :meth:`_inner_pairs`, as the bytes of a sorted ``array('L')``."""
        keys: set[int] = set()
        for w, _f in self._seg.words(min_len=2, max_len=_MAX_WORD):
            for a, b in zip(w, w[1:]):
                if ord(a) < 0x10000 and ord(b) < 0x10000:
                    keys.add(ord(a) << 16 | ord(b))
        return array("L", sorted(keys)).tobytes()

    def _crossing_word(self, dense: str, start: int, end: int) -> bool:
        freq = self._freq
        if freq is None:
            freq = self._freq = self._seg.counts
        pairs = self._pairs
        if pairs is None:
            pairs = self._inner_pairs()
        return crossing_word(dense, start, end, pairs, freq, _MAX_WORD)

    def quick(self) -> EdgesCheck | None:
        """The word-boundary test in one C call (:func:`plugin.wordtable.edges_check`: True / False, or None
        where ``boundary_ok`` must decide), once the dictionary and the pair index are loaded; None before, or
        without the C table."""
        quick = self._quick
        if quick is None and self._freq is not None and self._pairs is not None:
            quick = self._quick = edges_check(self._pairs, self._freq, _MAX_WORD, _WINDOW, self._seg.edges) or False
        return quick or None

    def is_word(self, text: str) -> bool:
        """Whether ``text`` is a word in real use (:meth:`plugin.segment.Segmenter.is_word`)."""
        return self._seg.is_word(text)
