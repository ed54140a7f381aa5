"""The pinyin pass, for dense views with Latin letters: windows around Latin words spelled in
pinyin syllables are written as syllables and scanned with a pinyin automaton; a whole Latin word
spelling a ``block`` term's initials (bjl for 百家乐) is a hit of its own."""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from typing import Any

import ahocorasick

from ..lexicon import Entry
from ..normalize import NormalizedText, dense_key
from ..variants import contextual_syllables
from .model import Candidate, Technique
from .polyphony import reading_keys

__all__ = ["LATIN_RUN", "PinyinIndex", "pinyin_candidates"]

#: A run of Latin letters: a dense view without one needs no pinyin pass.
LATIN_RUN = re.compile(r"[a-z]{2,}")
_MIN_INITIALS = 3  # CJK characters a term needs before its pinyin initials count (bjl, not dz)
_PINYIN_WINDOW = 8  # CJK characters either side of a Latin run that the pinyin pass looks at


@dataclass(frozen=True, slots=True)
class _PinyinTables:
    automaton: Any  # ahocorasick.Automaton over pinyin keys (values: (group, key length)), or None
    grouped: tuple[tuple[int, ...], ...]  # group → entry indexes
    initials: dict[str, tuple[int, ...]]  # pinyin initials → entry indexes
    syllable_run: re.Pattern[str]  # a Latin word spelled in pinyin syllables


class PinyinIndex:
    """Pinyin keys and initials of the entries that enable ``pinyin``; built on first use
    (most matchers never see Latin text), then read-only and shared across threads."""

    def __init__(self, entries: tuple[Entry, ...], syllable: dict[str, str]) -> None:
        self._entries = entries
        self.syllable = syllable
        self._lock = threading.Lock()
        self._tables: _PinyinTables | None = None

    def tables(self) -> _PinyinTables:
        built = self._tables
        if built is None:
            with self._lock:
                built = self._tables
                if built is None:
                    automaton, grouped = self._automaton()
                    built = self._tables = _PinyinTables(automaton, grouped, self._initials(), self._syllable_run())
        return built

    def _automaton(self) -> tuple[Any, tuple[tuple[int, ...], ...]]:
        syl = self.syllable
        keys: dict[str, list[int]] = {}
        for i, e in enumerate(self._entries):
            if e.action == "allow" or e.regex or "pinyin" not in e.techniques:
                continue
            d = dense_key(e.term)
            if sum(1 for ch in d if ch in syl) < 2:
                continue
            full = dense_key(e.term, collapse=False)  # 时时彩, not 时彩
            for form in {d, full}:
                key = "".join(syl.get(ch, ch) for ch in form)
                keys.setdefault(key, []).append(i)
                for key in reading_keys(form, syl)[1:]:  # every reading of a polyphonic character
                    if i not in keys.get(key, ()):
                        keys.setdefault(key, []).append(i)
                ctx = contextual_syllables(form, syl)
                if ctx is not None:
                    key = "".join(sy or ch for ch, sy in zip(form, ctx))
                    keys.setdefault(key, []).append(i)
        if not keys:
            return None, ()
        automaton = ahocorasick.Automaton()
        grouped: list[tuple[int, ...]] = []
        for key, idxs in keys.items():
            automaton.add_word(key, (len(grouped), len(key)))
            grouped.append(tuple(idxs))
        automaton.make_automaton()
        return automaton, tuple(grouped)

    def _initials(self) -> dict[str, tuple[int, ...]]:
        """Pinyin initials (bjl for 百家乐, jnd28 for 加拿大28) of ``block`` entries that enable
        ``pinyin`` and have at least three CJK characters."""
        syl = self.syllable
        out: dict[str, list[int]] = {}
        for i, e in enumerate(self._entries):
            if e.action != "block" or e.regex or "pinyin" not in e.techniques:
                continue
            d = dense_key(e.term)
            if sum(1 for ch in d if ch in syl) < _MIN_INITIALS or not all(ch in syl or ch.isdigit() for ch in d):
                continue
            key = "".join(syl[ch][0] if ch in syl else ch for ch in d)
            out.setdefault(key, []).append(i)
        return {k: tuple(v) for k, v in out.items()}

    def _syllable_run(self) -> re.Pattern[str]:
        sylls = sorted(set(self.syllable.values()), key=len, reverse=True)
        return re.compile("(?:" + "|".join(sylls) + ")+")


def pinyin_candidates(index: PinyinIndex, dense: str, nt: NormalizedText) -> list[Candidate]:
    """Initials and pinyin candidates of the Latin words in ``dense`` (callers skip text without a
    :data:`LATIN_RUN`)."""
    tables = index.tables()
    if tables.automaton is None:
        return []
    words, cuts = _latin_words(dense, nt)
    out: list[Candidate] = []
    if tables.initials:
        _initials_candidates(dense, words, cuts, tables.initials, out)
    for a, b in _windows(dense, words, tables.syllable_run):
        _window_candidates(dense, a, b, cuts, index.syllable, tables, out)
    return out


def _latin_words(dense: str, nt: NormalizedText) -> tuple[list[tuple[int, int]], set[int]]:
    """Runs of letters in the dense view, split where the original text had a space or punctuation
    ("baijiale vip" is two words, so "baijiale" can be read alone); and the dense positions with
    such a separator just before them."""
    words: list[tuple[int, int]] = []
    cuts: set[int] = set()
    for m in LATIN_RUN.finditer(dense):
        a = m.start()
        if nt.deleted:
            prev = nt.orig_index(a)
            for i in range(a + 1, m.end()):
                cur = nt.orig_index(i)
                if cur - prev > 1:
                    cuts.add(i)
                    words.append((a, i))
                    a = i
                prev = cur
        words.append((a, m.end()))
    return words, cuts


def _initials_candidates(dense: str, words: list[tuple[int, int]], cuts: set[int],
                         initials: dict[str, tuple[int, ...]], out: list[Candidate]) -> None:
    """A whole Latin word (plus digits right after it) spelling a term's initials."""
    n = len(dense)
    for ws, we in words:
        if ws > 0 and ws not in cuts and dense[ws - 1].isascii() and dense[ws - 1].isalnum():
            continue
        while we < n and dense[we].isdigit() and we not in cuts:
            we += 1
        if we < n and we not in cuts and dense[we].isascii() and dense[we].isalnum():
            continue
        for idx in initials.get(dense[ws:we], ()):
            out.append(Candidate(ws, we, idx, Technique.INITIALS))


def _windows(dense: str, words: list[tuple[int, int]], syllable_run: re.Pattern[str]) -> list[list[int]]:
    """Each Latin word spelled in pinyin plus CJK context either side; overlapping windows merged."""
    spans: list[list[int]] = []
    for ws, we in words:
        if not syllable_run.fullmatch(dense, ws, we):
            continue  # not spelled in pinyin syllables (html, wifi, ...)
        a, b = max(0, ws - _PINYIN_WINDOW), min(len(dense), we + _PINYIN_WINDOW)
        if spans and a <= spans[-1][1]:
            spans[-1][1] = max(spans[-1][1], b)
        else:
            spans.append([a, b])
    return spans


def _window_candidates(dense: str, a: int, b: int, cuts: set[int], syl: dict[str, str],
                       tables: _PinyinTables, out: list[Candidate]) -> None:
    """Write ``dense[a:b]`` in syllables and scan it: a key must start and end on a syllable or
    Latin-word edge and take in at least one Latin letter."""
    view: list[str] = []
    owner: list[int] = []  # view index → dense index
    starts: set[int] = set()
    ends: set[int] = set()
    for i in range(a, b):  # (the letter tests are spelled out: this loop runs per character)
        ch = dense[i]
        if ch in "12345" and i > a and dense[i - 1].isascii() and dense[i - 1].isalpha() \
                and not (i + 1 < b and dense[i + 1].isdigit()):
            starts.add(len(view))  # a tone number after a syllable (bai2 jia1 le4): skipped
            ends.add(len(view))
            continue
        piece = syl.get(ch)
        if piece is None:
            piece = ch if ch.isascii() and ch.isalnum() else "\x01"
            is_letter = ch.isascii() and ch.isalpha()
            prev_letter = i > a and i not in cuts and dense[i - 1].isascii() and dense[i - 1].isalpha()
            next_letter = i + 1 < b and i + 1 not in cuts and dense[i + 1].isascii() and dense[i + 1].isalpha()
            if not is_letter or not prev_letter:
                starts.add(len(view))
            if not is_letter or not next_letter:
                ends.add(len(view) + 1)
        else:
            starts.add(len(view))
            ends.add(len(view) + len(piece))
        for _ in piece:
            owner.append(i)
        view.extend(piece)
    grouped = tables.grouped
    for end_i, (gid, klen) in tables.automaton.iter("".join(view)):
        ve = end_i + 1
        vstart = ve - klen
        if vstart not in starts or ve not in ends:
            continue
        ds, de = owner[vstart], owner[ve - 1] + 1
        if not any(ch.isascii() and ch.isalpha() for ch in dense[ds:de]):
            continue  # all-CJK: an exact or homophone hit, not pinyin
        for idx in grouped[gid]:
            out.append(Candidate(ds, de, idx, Technique.PINYIN))
