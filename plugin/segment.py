"""The one jieba segmenter: one dictionary, one idea of a word, cut once per text.

Everything in the library that segments Chinese or asks jieba's dictionary about a word goes
through :func:`segmenter` (no other module imports jieba):

* the matcher's word-boundary check (:mod:`plugin.boundary`) on a window around a hit;
* the rumour analysis (:mod:`plugin.rumors.analysis`) of claims, queries and posts;
* the variant tables (:mod:`plugin.variants`), which leave out generated split spellings that
  are common words.

**One dictionary**: jieba's bundled dictionary plus :data:`DOMAIN_WORDS` (rumour-domain words it
lacks: 新冠, 核酸检测, 方舱 ...), built once into a private ``jieba.Tokenizer`` (jieba's global
tokenizer and its ``add_word`` calls are left alone) and kept as a word table
(:mod:`plugin.wordtable`: the same words and counts in one buffer, a snapshot file mapped into memory,
:func:`plugin.snapshot.cached_buffer`). A process that finds the snapshot opens it in milliseconds and
never imports jieba; cuts, counts and search-mode cuts are computed over the table with jieba's own
rules (tests compare them with jieba's).

**One idea of a word**, by the dictionary's count (its corpus frequency; the smallest count in
jieba's dictionary is 2, an entry seen about once). Three predicates, each named for what it means:

* :meth:`Segmenter.is_known` — count > 0: the dictionary lists it. A string it does not know
  is a name, a coinage or a typo (the rumour analysis treats unknown 3+ character words as
  names and looks for homophones of unknown words).
* :meth:`Segmenter.is_word` — count ≥ :data:`WORD_FREQ` (3): a word in real use. The 40k
  count-2 entries are mostly pieces of phrases (七克, 一框); they do not make a string "a real
  word" where a word must outweigh an evasion (读博 is a word, so it is not the homophone 赌博).
* :meth:`Segmenter.is_common` — count ≥ :data:`COMMON_FREQ` (50): a common word. A two-character
  string rarer than this is a character pair, not a word, to the rumour analysis (jieba cut 打完
  as 打 / 完: a count of 3 says nothing about how informative the pair is), and a generated
  split-character spelling that is a common word (山东 for 岽) is left out.

**Cuts are cached**: :meth:`Segmenter.cut` and :meth:`Segmenter.edges` (precise mode, HMM off,
so only dictionary words and single characters) share one bounded cache of token edges, so a
text segmented twice in a request (the boundary check of a short query, then its rumour
analysis) is cut once.
"""

from __future__ import annotations

import importlib.util
import logging
import os
import threading
from collections.abc import Iterator, Mapping
from functools import lru_cache
from math import log
from typing import Any

from .chardata import kind_runs, kind_table, text_kinds
from .snapshot import cached_buffer
from .wordtable import build_table, cut_edges, open_table, route_ends, table_total

__all__ = ["COMMON_FREQ", "DOMAIN_WORDS", "DOMAIN_WORD_FREQ", "WORD_FREQ", "Segmenter", "segmenter"]

#: Dictionary count from which a known string is a word in real use (:meth:`Segmenter.is_word`).
WORD_FREQ = 3
#: Dictionary count from which a word is common (:meth:`Segmenter.is_common`).
COMMON_FREQ = 50

#: Rumour-domain words jieba's dictionary lacks (they segment as one word; token weights still
#: come from data).
DOMAIN_WORDS = (
    "新冠", "核酸检测", "奥密克戎", "方舱", "方舱医院", "无症状", "阳了", "阳过",
    "网传", "网曝", "密接", "次密接", "健康码", "行程码", "德尔塔", "毒株", "疫区", "封城", "封控",
)
#: The count :data:`DOMAIN_WORDS` enter the dictionary with (a common word).
DOMAIN_WORD_FREQ = 2000

_CACHE_SIZE = 32_768  # texts whose token edges are kept
_CACHE_CHARS = 128  # longer texts are cut without caching (windows and query pieces are short)
_PROPER_NAME_TAGS = frozenset({"ns", "nr", "nrt", "nrfg", "nt"})  # place, person, organisation, other names

logging.getLogger("jieba").setLevel(logging.WARNING)

# jieba's blocks (``jieba.re_han_default``: runs of [\u4E00-\u9FD5a-zA-Z0-9+#&._%-]; ``re_skip_default``:
# \r\n or one space between them; ``re_eng``: [a-zA-Z0-9]), cut in plain code as its cut does
_ENG_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
_HAN_BLOCK_CHARS = _ENG_CHARS | frozenset("+#&._%-") | frozenset(map(chr, range(0x4E00, 0x9FD6)))
#: "1" in a Han block, "0" outside.
_BLOCK_KIND = kind_table(lambda ch: "1" if ch in _HAN_BLOCK_CHARS else "0")
#: "1" for a space character (``str.isspace``), "0" else.
_SPACE_KIND = kind_table(lambda ch: "1" if ch.isspace() else "0")


def han_blocks(text: str) -> list[str]:
    """``text`` cut into runs outside and inside Han blocks, alternately, starting (and ending) with a
    run outside (maybe empty): what ``re.split(jieba.re_han_default, text)`` gives."""
    out: list[str] = []
    pos = 0
    for start, end in kind_runs(text_kinds(text, _BLOCK_KIND)):
        out += [text[pos:start], text[start:end]]
        pos = end
    out.append(text[pos:])
    return out


def space_pieces(text: str) -> list[str]:
    """``text`` cut at ``\r\n`` and at each space character, the separators kept between the pieces:
    what ``re.split(jieba.re_skip_default, text)`` gives (the spaces found by one translate)."""
    kinds = text_kinds(text, _SPACE_KIND)
    out: list[str] = []
    cur = 0
    i = kinds.find("1")
    while i >= 0:
        sep = 2 if text.startswith("\r\n", i) else 1
        out += [text[cur:i], text[i:i + sep]]
        cur = i + sep
        i = kinds.find("1", cur)
    out.append(text[cur:])
    return out


class Segmenter:
    """The dictionary (jieba's with :data:`DOMAIN_WORDS`) as a word table, opened on first use, its
    word predicates and jieba's precise-mode cut over it.

    Use the process-wide instance, :func:`segmenter` (its dictionary is a snapshot, opened in
    milliseconds; another dictionary is built from jieba in ~2 s). Thread-safe: the dictionary is
    read-only once loaded.
    """

    def __init__(self, extra_words: tuple[str, ...] = DOMAIN_WORDS, *, extra_freq: int = DOMAIN_WORD_FREQ) -> None:
        self._extra = extra_words
        self._extra_freq = extra_freq
        self._tk: Any = None
        self._lock = threading.Lock()
        self._table: Mapping[str, int] | None = None
        self._table_lock = threading.Lock()
        self._edges_cached = lru_cache(maxsize=_CACHE_SIZE)(self._edges)
        self._logs: dict[str, float] = {}  # word → log of its count (jieba's route weights), as met
        self._logtotal: float | None = None
        self._proper: frozenset[str] | None = None

    def _tokenizer(self) -> Any:
        tk = self._tk
        if tk is None:
            with self._lock:
                if self._tk is None:
                    import jieba

                    jieba.setLogLevel(logging.WARNING)
                    new = jieba.Tokenizer()
                    new.initialize()
                    for w in self._extra:
                        new.add_word(w, freq=self._extra_freq)
                    self._tk = new
            tk = self._tk
        return tk

    def _words(self) -> Mapping[str, int]:
        """The dictionary's word table (the snapshot's for the library's dictionary)."""
        table = self._table
        if table is None:
            with self._table_lock:
                if self._table is None:
                    if self.has_default_words:
                        self._table = cached_buffer("segment-words", self._build_table, open_table)
                    else:
                        self._table = open_table(self._build_table())
                    self._logtotal = log(table_total(self._table))
            table = self._table
        return table

    def _build_table(self) -> bytes:
        """The word table's buffer, from jieba's tokenizer (its counts, prefixes and total as they are)."""
        tk = self._tokenizer()
        return build_table(tk.FREQ, tk.total)

    @property
    def has_default_words(self) -> bool:
        """Whether the dictionary is jieba's plus :data:`DOMAIN_WORDS` (what snapshots are made of)."""
        return self._extra == DOMAIN_WORDS and self._extra_freq == DOMAIN_WORD_FREQ

    def load(self) -> None:
        """Load the dictionary now (it is otherwise loaded on first use)."""
        self._words()

    # ------------------------------------------------------------------ cutting

    def _edges(self, text: str) -> tuple[int, ...]:
        """Token edges of jieba's precise mode (HMM off), computed here: the same blocks, word
        graph and best route as ``Tokenizer.cut`` (same float expressions, same tie-breaking) over the
        word table, with no generators."""
        table = self._words()
        fast = cut_edges(text, table, self._logtotal or 0.0)  # (all of it in one C call when built)
        if fast is not None:
            return fast
        return self._edges_py(text, table)

    def _edges_py(self, text: str, table: Mapping[str, int]) -> tuple[int, ...]:
        """:meth:`_edges` in Python (the twin of ``plugin.cwordtable.cut_edges``)."""
        edges = [0]
        pos = 0
        for k, blk in enumerate(han_blocks(text)):
            if not blk:
                continue
            if k % 2:  # a Han block
                self._route_edges(table, blk, pos, edges)
            else:
                for j, x in enumerate(space_pieces(blk)):
                    if not x:
                        continue
                    if j % 2:  # a separator
                        edges.append(edges[-1] + len(x))
                    else:
                        edges.extend(range(edges[-1] + 1, edges[-1] + len(x) + 1))
            pos += len(blk)
        return tuple(edges)

    def _route_edges(self, table: Mapping[str, int], sentence: str, offset: int, edges: list[int]) -> None:
        """Edges of one Han block (jieba's ``__cut_DAG_NO_HMM``: best route over the word graph;
        runs of single Latin letters / digits are one token)."""
        logtotal = self._logtotal
        assert logtotal is not None  # (set with the table)
        n = len(sentence)
        ends = route_ends(sentence, table, logtotal, self._logs)  # (in C when built: plugin.wordtable)
        x = 0
        in_eng = False
        while x < n:
            y = ends[x] + 1
            if y - x == 1 and sentence[x] in _ENG_CHARS:
                in_eng = True  # a run of single letters / digits is one token
            else:
                if in_eng:
                    edges.append(offset + x)
                    in_eng = False
                edges.append(offset + y)
            x = y
        if in_eng:
            edges.append(offset + n)

    def edges(self, text: str) -> tuple[int, ...]:
        """Token edges of ``text``: 0, the end of each token, ``len(text)`` (cached for short texts)."""
        if len(text) > _CACHE_CHARS:
            return self._edges(text)
        return self._edges_cached(text)

    def cut(self, text: str) -> list[str]:
        """Tokens of ``text``: dictionary words and single characters (jieba's precise mode, HMM off)."""
        e = self.edges(text)
        return [text[a:b] for a, b in zip(e, e[1:])]

    def cache_info(self) -> tuple[int, int]:
        """(hits, misses) of the cut cache."""
        info = self._edges_cached.cache_info()
        return info.hits, info.misses

    def cut_for_search(self, text: str) -> list[str]:
        """Tokens of ``text`` plus the dictionary words inside the longer ones (jieba's search mode, HMM off:
        before each token of 3+ characters its 2-character words, before each of 4+ its 3-character words)."""
        table = self._words()
        out: list[str] = []
        for w in self.cut(text):
            for size in (2, 3):
                if len(w) > size:
                    out.extend(g for g in (w[i:i + size] for i in range(len(w) - size + 1)) if table.get(g))
            out.append(w)
        return out

    # ------------------------------------------------------------------ the dictionary

    @property
    def counts(self) -> Mapping[str, int]:
        """Word → dictionary count (read-only; prefixes of words appear with count 0)."""
        return self._words()

    @property
    def total(self) -> int:
        """Sum of the dictionary's counts."""
        return table_total(self._words())

    def freq(self, text: str) -> int:
        """The dictionary count of ``text`` (0 when it is not a word)."""
        return self._words().get(text, 0) or 0

    def is_known(self, text: str) -> bool:
        """The dictionary lists ``text`` (count > 0); unknown strings are names, coinages, typos."""
        return bool(self._words().get(text))

    def is_word(self, text: str) -> bool:
        """``text`` is a word in real use (count ≥ :data:`WORD_FREQ`), not a rare fragment."""
        table = self._table or self._words()  # (:meth:`freq` inlined: the matcher asks this per candidate)
        return (table.get(text, 0) or 0) >= WORD_FREQ

    def is_common(self, text: str) -> bool:
        """``text`` is a common word (count ≥ :data:`COMMON_FREQ`)."""
        return self.freq(text) >= COMMON_FREQ

    def words(self, *, min_len: int = 1, max_len: int | None = None) -> Iterator[tuple[str, int]]:
        """(word, count) of every known word of ``min_len`` to ``max_len`` characters."""
        for w, f in self._words().items():
            if f and len(w) >= min_len and (max_len is None or len(w) <= max_len):
                yield w, f

    def proper_names(self) -> frozenset[str]:
        """Words jieba's dictionary tags as place / person / organisation / other proper names."""
        names = self._proper
        if names is None:
            spec = importlib.util.find_spec("jieba")  # (its dictionary file, without importing jieba)
            assert spec is not None and spec.origin is not None, "jieba is a dependency"
            path = os.path.join(os.path.dirname(spec.origin), "dict.txt")
            out = set()
            with open(path, encoding="utf-8") as fh:
                for line in fh:
                    parts = line.split()
                    if len(parts) == 3 and parts[2] in _PROPER_NAME_TAGS:
                        out.add(parts[0])
            names = self._proper = frozenset(out)
        return names


_SHARED: Segmenter | None = None
_SHARED_LOCK = threading.Lock()


def segmenter() -> Segmenter:
    """The process-wide segmenter (one dictionary, one cut cache)."""
    global _SHARED
    seg = _SHARED
    if seg is None:
        with _SHARED_LOCK:
            if _SHARED is None:
                _SHARED = Segmenter()
            seg = _SHARED
    return seg
