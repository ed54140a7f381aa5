"""Latin repeat folding: letters repeated to break a Latin term (``sssccaaam`` for scam,
``wwweiixinn`` for weixin).

CJK repeats collapse in the dense view itself; Latin runs cannot (real words have double letters:
``qq``, ``cctv``, ``bbin``). So both sides are folded here, only for dense views that hold a
repeated letter: the view with every run of one letter written once, and the Latin-bearing keys
(terms and curated variants) folded the same way, in a small automaton of their own. A match must
take in at least one folded run (the plain scan has the rest). The pinyin pass runs on the folded
view as well, so repeated letters in pinyin (``wwweiixinn``) read as their syllables.
"""

from __future__ import annotations

import threading
from array import array
from dataclasses import dataclass
from typing import Any, cast

import ahocorasick

from ..normalize import BREAK, NormalizedText, collapse_runs, repeat_runs
from .compile import CompiledLexicon, PatternKind
from .model import Candidate, ContextGate, PatternTexts, Technique
from .native_build import letter_patterns
from .pinyin import LATIN_RUN, PinyinIndex, pinyin_candidates

__all__ = ["LatinRepeatIndex", "fold_latin_runs", "has_latin_repeat", "latin_repeat_candidates", "latin_runs"]

_LATIN = frozenset("abcdefghijklmnopqrstuvwxyz")
_MIN_KEY = 2  # a folded key keeps at least two characters ("qq" → "q" would hit every q)


def _is_latin(ch: str) -> bool:
    return ch in _LATIN


def latin_runs(text: str) -> list[tuple[int, int]]:
    """``(start, end)`` of every run of one Latin letter (a-z) written twice or more."""
    return repeat_runs(text, _is_latin)


def has_latin_repeat(text: str) -> bool:
    """Whether ``text`` holds a Latin letter written twice in a row (a dense view without one needs
    no folding)."""
    return bool(latin_runs(text))


def fold_latin_runs(text: str) -> str:
    """``text`` with every run of one Latin letter written once (``sssccaaam`` → ``scam``)."""
    return collapse_runs(text, latin_runs(text))


@dataclass(frozen=True, slots=True)
class _Key:
    entry: int
    technique: Technique
    gate: ContextGate | None
    length: int


class LatinRepeatIndex:
    """Folded Latin-bearing keys of a compiled lexicon; built on first use, then read-only."""

    def __init__(self, compiled: CompiledLexicon) -> None:
        self._compiled = compiled
        self._lock = threading.Lock()
        self._automaton: Any = None
        self._built = False

    def automaton(self) -> Any:
        """The automaton over folded keys (values: tuples of :class:`_Key`), or None when no key has Latin."""
        if not self._built:
            with self._lock:
                if not self._built:
                    self._automaton = self._build()
                    self._built = True
        return self._automaton

    def _build(self) -> Any:
        c = self._compiled
        keys: dict[str, list[_Key]] = {}
        texts = c.pat_dense
        for pid in _latin_patterns(texts):
            pd = texts[pid]
            kind = c.pat_kind[pid]
            if kind not in (PatternKind.TERM, PatternKind.VARIANT):
                continue
            idx = c.pat_entry[pid]
            if c.entries[idx].action == "allow":
                continue
            folded = fold_latin_runs(pd)
            if len(folded) < _MIN_KEY:
                continue
            if kind == PatternKind.TERM:
                tech, gate = Technique.REPEAT, None
            else:
                tech, gate = c.variant_of[pid]
            keys.setdefault(folded, []).append(_Key(idx, tech, gate, len(folded)))
        if not keys:
            return None
        automaton = ahocorasick.Automaton()
        for key, found in keys.items():
            automaton.add_word(key, tuple(found))
        automaton.make_automaton()
        return automaton


def _latin_patterns(texts: PatternTexts) -> array[int]:
    """The patterns whose text holds a Latin letter, in order (one pass over the packed texts)."""
    return letter_patterns(texts.text, texts.ends)


class _FoldedView:
    """The folded view as the pinyin pass sees a :class:`~plugin.normalize.NormalizedText`: it only
    asks where the original text had a separator between two letters (answered through the dense
    positions each folded character came from, on demand)."""

    __slots__ = ("_nt", "_starts", "_ends")

    def __init__(self, nt: NormalizedText, starts: list[int], ends: list[int]) -> None:
        self._nt = nt
        self._starts = starts
        self._ends = ends

    @property
    def deleted(self) -> bool:
        return self._nt.deleted

    def separated(self, i: int) -> bool:
        nt = self._nt
        return nt.deleted and nt.orig_index(self._starts[i]) - nt.orig_index(self._ends[i - 1] - 1) > 1

    def gap_free(self, start: int, end: int) -> bool:
        # a folded run never spans a separator (see _runs_within_words), so the dense span tells
        return self._nt.gap_free(self._starts[start], self._ends[end - 1])


def latin_repeat_candidates(index: LatinRepeatIndex, pinyin: PinyinIndex, dense: str,
                            nt: NormalizedText) -> list[Candidate]:
    """Candidates on the Latin-folded ``dense`` view that take in a folded run (callers skip views
    without a Latin repeat); offsets index ``dense``.

    Only the sentences holding a run are folded and read (no key and no pinyin reading spans a
    sentence end, :data:`~plugin.normalize.BREAK`): a long text with one repeated letter folds one
    sentence, not the whole text. Candidates come in the order a read of the whole folded view gives
    (the automaton's first, then the pinyin pass's)."""
    runs = _runs_within_words(dense, nt)
    found: list[Candidate] = []
    read: list[Candidate] = []
    k = 0
    while k < len(runs):
        lo = dense.rfind(BREAK, 0, runs[k][0]) + 1  # the sentence of this run
        hi = dense.find(BREAK, runs[k][1])
        hi = len(dense) if hi < 0 else hi
        j = k
        while j < len(runs) and runs[j][0] < hi:
            j += 1
        _sentence_candidates(index, pinyin, dense, nt, lo, hi, runs[k:j], found, read)
        k = j
    return found + read if read else found


def _sentence_candidates(index: LatinRepeatIndex, pinyin: PinyinIndex, dense: str, nt: NormalizedText,
                         lo: int, hi: int, runs: list[tuple[int, int]], found: list[Candidate],
                         read: list[Candidate]) -> None:
    """The candidates of the sentence ``dense[lo:hi]`` with its folded ``runs``: the folded keys' to
    ``found``, the pinyin pass's to ``read``."""
    starts: list[int] = []  # folded index → dense start
    ends: list[int] = []  # folded index → dense end
    parts: list[str] = []
    folded_runs: list[int] = []  # folded index of each folded run
    pos = lo
    for a, b in runs:
        parts.append(dense[pos:a])
        starts.extend(range(pos, a))
        ends.extend(range(pos + 1, a + 1))
        parts.append(dense[a])
        folded_runs.append(len(starts))
        starts.append(a)
        ends.append(b)
        pos = b
    parts.append(dense[pos:hi])
    starts.extend(range(pos, hi))
    ends.extend(range(pos + 1, hi + 1))
    folded = "".join(parts)

    def folded_run_inside(s: int, e: int) -> bool:
        return any(ends[j] - starts[j] > 1 for j in range(s, e))

    automaton = index.automaton()
    if automaton is not None:
        for end_i, keys in automaton.iter(folded):
            for key in keys:
                s = end_i + 1 - key.length
                if folded_run_inside(s, end_i + 1):
                    found.append(Candidate(starts[s], ends[end_i], key.entry, key.technique, key.gate))
    if LATIN_RUN.search(folded):
        view = cast(NormalizedText, _FoldedView(nt, starts, ends))  # (what the pass reads)
        for cand in pinyin_candidates(pinyin, folded, view, folded_runs):
            if folded_run_inside(cand.start, cand.end):
                read.append(Candidate(starts[cand.start], ends[cand.end - 1], cand.entry, cand.technique, cand.gate))


def _runs_within_words(dense: str, nt: NormalizedText) -> list[tuple[int, int]]:
    """Runs of one Latin letter in ``dense``, cut where the original text had a space or
    punctuation between two of its letters ("this is sssccaaam": the s of "is" stays its own)."""
    out: list[tuple[int, int]] = []
    for start, end in latin_runs(dense):
        a = start
        if nt.gap_free(a, end):
            out.append((a, end))
            continue
        for i in range(start + 1, end):
            if nt.separated(i):
                if i - a > 1:
                    out.append((a, i))
                a = i
        if end - a > 1:
            out.append((a, end))
    return out
