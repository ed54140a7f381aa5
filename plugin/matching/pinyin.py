"""The pinyin pass, for dense views with Latin letters: in windows around Latin words spelled in
pinyin syllables, each Latin word is read as the homophone classes of its syllables and the window
is scanned by the main automaton (its term keys are written in those classes); a whole Latin word
spelling a ``block`` term's initials (bjl for 百家乐) is a hit of its own. Pinyin written for any
reading of a polyphonic character is found: keys are written in table readings only, and a syllable
is also read as the table reading of the characters it is another reading of, verified against the
term's character (:func:`~plugin.matching.polyphony.is_reading`)."""

from __future__ import annotations

import zlib
from bisect import bisect_left
from collections.abc import Iterator
from functools import lru_cache

from .. import fixed_regex
from ..chardata import kind_runs, kind_table
from ..normalize import NormalizedText, dense_key
from ..variants import VariantTables
from .compile import MIN_INITIALS, CompiledLexicon, PatternKind, as_bmp
from .model import Candidate, Technique
from .native import text_kinds, window_keys
from .polyphony import PID_BITS, is_reading

__all__ = ["LATIN_RUN", "LETTER_KIND", "PinyinIndex", "has_latin_run", "pinyin_candidates"]

#: A run of Latin letters: a dense view without one needs no pinyin pass.
LATIN_RUN = fixed_regex.compile(r"[a-z]{2,}")
#: Every BMP character → "1" for a Latin letter a-z, "0" else (a str.translate table).
LETTER_KIND = kind_table(lambda ch: "1" if "a" <= ch <= "z" else "0")


def has_latin_run(dense: str) -> bool:
    """Whether ``dense`` holds two Latin letters a-z in a row."""
    return "11" in text_kinds(dense, LETTER_KIND)
_LATIN_WORD = fixed_regex.compile(r"[a-z]+")
_PINYIN_WINDOW = 8  # CJK characters either side of a Latin run that the pinyin pass looks at
_MAX_READINGS = 64  # readings of one window scanned (a Latin word may split into syllables several ways)
_MAX_READ_LETTERS = 64  # longer Latin words are read as letters only
_NOT_A_KEY = "\x01"  # stands for a character no pinyin key holds
_TERM, _PINYIN = int(PatternKind.TERM), int(PatternKind.PINYIN)
_INITIALS = Technique.INITIALS
_tuple_new = tuple.__new__


class SyllableRun:
    """Which Latin words are spelled in pinyin syllables (first readings: what opens a window)."""

    __slots__ = ("_syllables", "_longest", "_known")

    def __init__(self, syllables: frozenset[str]) -> None:
        self._syllables = syllables
        self._longest = max(map(len, syllables), default=0)
        self._known: dict[str, bool] = {}  # word → fullmatch, the last few thousand words asked

    def fullmatch(self, word: str) -> bool:
        """Whether ``word`` splits into one or more syllables (any split: a word graph); a word asked
        before is answered from a small table (a long text repeats its Latin words)."""
        known = self._known.get(word)
        if known is None:
            if len(word) > _MAX_READ_LETTERS:  # (long words are not kept)
                return self._spelled(word)
            if len(self._known) > 4096:
                self._known.clear()
            known = self._known[word] = self._spelled(word)
        return known

    def _spelled(self, word: str) -> bool:
        n = len(word)
        spelled = [True] + [False] * n  # spelled[i]: word[:i] splits into syllables
        for i in range(n):
            if spelled[i]:
                for k in range(1, min(self._longest, n - i) + 1):
                    if word[i:i + k] in self._syllables:
                        spelled[i + k] = True
        return n > 0 and spelled[n]


@lru_cache(maxsize=2)
def _syllable_run(first_readings: frozenset[str]) -> SyllableRun:
    return SyllableRun(first_readings)


class PinyinIndex:
    """What the pinyin pass needs beside the main automaton, built with the matcher: which entries
    take part, their pinyin initials (a compact index: sorted CRC-32 of the initials and the entry
    of each, verified against the entry on a hit) and the syllable tables."""

    __slots__ = ("compiled", "syllable", "syllable_class", "syllable_run", "classes", "longest", "eligible",
                 "any_eligible", "initials_crc", "initials_entry", "encoded_chars",
                 "_splits", "_entry_initials")

    def __init__(self, compiled: CompiledLexicon, tables: VariantTables) -> None:
        self.compiled = compiled
        self.syllable = tables.syllable
        self.syllable_run = _syllable_run(frozenset(tables.syllable.values()))
        # every reading a key may be written in (polyphonic characters' other readings included: ng, m)
        self.classes = {sy: cls for sy, cls in tables.syllable_class.items() if sy.isascii() and sy.isalpha()}
        self.longest = max(map(len, self.classes), default=0)
        self.eligible = compiled.pinyin_entries
        self.any_eligible = compiled.pinyin_entries.find(1) >= 0
        self.initials_crc = compiled.initials_crc
        self.initials_entry = compiled.initials_entry
        self._splits: dict[str, tuple[str, ...]] = {}
        self._entry_initials: dict[int, str | None] = {}  # entry → its initials, as verified so far
        self.encoded_chars: dict[str, str] = {}  # one window character → as the automaton reads it
        self.syllable_class = tables.syllable_class


    def is_reading(self, read: str, pid: int) -> bool:
        """Whether ``read`` (encoded classes, as the window was read) is a reading of pattern
        ``pid``'s characters that a key would have been written for (:func:`is_reading`)."""
        c = self.compiled
        form = c.pat_dense[pid]
        if c.shift:
            read = read.encode("latin-1").decode("utf-16-be", "surrogatepass")
        return is_reading(read, form, form.translate(c.class_table), self.syllable, self.syllable_class)

    def initials(self, word: str) -> Iterator[int]:
        """Entries whose pinyin initials are ``word`` (bjl → 百家乐)."""
        crc = zlib.crc32(word.encode("ascii", "replace"))
        crcs = self.initials_crc
        k = bisect_left(crcs, crc)
        known = self._entry_initials
        while k < len(crcs) and crcs[k] == crc:
            idx = self.initials_entry[k]
            spelled = known.get(idx, False)
            if spelled is False:  # (an entry's initials never change: worked out once, kept a while)
                if len(known) > 65536:
                    known.clear()
                spelled = known[idx] = self.entry_initials(idx)
            if spelled == word:
                yield idx
            k += 1

    def entry_initials(self, idx: int) -> str | None:
        """The pinyin initials of entry ``idx``'s term, as the index was built (None: it has none)."""
        return _initials_of(as_bmp(dense_key(self.compiled.entries[idx].term)), self.syllable)

    def readings(self, word: str) -> tuple[str, ...]:
        """``word`` as its letters, then every way it reads as syllables (written as their class
        characters; at most :data:`_MAX_READINGS`), encoded like the automaton's keys."""
        found = self._splits.get(word)
        if found is None:
            out: list[str] = [word]
            table = self.classes
            longest = self.longest
            size = len(word)
            if size <= _MAX_READ_LETTERS:  # (longer words are read as letters only: a bound on the work)
                ends = [False] * (size + 1)  # ends[pos]: word[pos:] reads as syllables
                ends[size] = True
                for pos in range(size - 1, -1, -1):
                    ends[pos] = any(ends[pos + k] and word[pos:pos + k] in table
                                    for k in range(1, min(longest, size - pos) + 1))

                def walk(pos: int, acc: str) -> None:
                    if pos == size:
                        out.append(acc)
                        return
                    for k in range(min(longest, size - pos), 0, -1):
                        if len(out) > _MAX_READINGS:
                            return
                        cls = table.get(word[pos:pos + k])
                        if cls is not None and ends[pos + k]:
                            walk(pos + k, acc + cls)

                if ends[0]:
                    walk(0, "")
            encode = self.compiled.encode
            found = tuple(encode(r) for r in out[:_MAX_READINGS])
            if len(self._splits) > 4096:
                self._splits.clear()
            self._splits[word] = found
        return found


def _initials_of(d: str, syl: dict[str, str]) -> str | None:
    """Pinyin initials of the dense term ``d`` (digits kept), None unless every character is a
    syllable or a digit and at least :data:`MIN_INITIALS` are syllables (as the index was built)."""
    out = []
    n = 0
    for ch in d:
        sy = syl.get(ch)
        if sy is not None:
            out.append(sy[0])
            n += 1
        elif ch.isdigit():
            out.append(ch)
        else:
            return None
    return "".join(out) if n >= MIN_INITIALS else None


def _digits_agree(dense: str, ds: int, de: int, tones: set[int], key: str) -> bool:
    """Whether the digits of ``dense[ds:de]`` (tone numbers aside) are the key's own: keys are
    written with digits as their numeral's class (:mod:`~plugin.matching.numeral_digits`), but in
    pinyin a digit stands only for itself (``1 2 li`` is not 一二例)."""
    if not any("0" <= x <= "9" for x in dense[ds:de]):
        return not any("0" <= x <= "9" for x in key)
    return ([x for k, x in enumerate(dense[ds:de], ds) if "0" <= x <= "9" and k not in tones]
            == [x for x in key if "0" <= x <= "9"])


def pinyin_candidates(index: PinyinIndex, dense: str, nt: NormalizedText,
                      covering: list[int] | None = None) -> list[Candidate]:
    """Initials and pinyin candidates of the Latin words in ``dense`` (callers skip text without a
    :data:`LATIN_RUN`); with ``covering`` (sorted positions), only windows and initials words that
    hold one of them are read (a caller that keeps only candidates over those positions)."""
    words, cuts = _latin_words(dense, nt)
    out: list[Candidate] = []
    if index.initials_crc:
        _initials_candidates(dense, words, cuts, index, out, covering)
    if index.any_eligible:
        for a, b in _windows(dense, words, index.syllable_run):
            if covering is not None:
                k = bisect_left(covering, a)
                if k == len(covering) or covering[k] >= b:
                    continue  # no such position in this window: no candidate of it would be kept
            _window_candidates(dense, a, b, cuts, index, out, nt)
    return out


#: Latin text shaped as a personal name: two or three capitalised words (Lu Hecai, Zhang Xiaoxing).
NAME_SHAPE = fixed_regex.compile(r"[A-Z][a-z]+(?: [A-Z][a-z]+){1,2}")


def _name_shaped(nt: NormalizedText, ds: int, de: int) -> bool:
    """Whether the original of dense ``[ds, de)`` is a :data:`NAME_SHAPE` (a view without an
    original, such as the Latin-repeat fold, has none)."""
    original = getattr(nt, "original", None)
    if original is None:
        return False
    os_, oe = nt.orig_span(ds, de)
    return NAME_SHAPE.fullmatch(original[os_:oe]) is not None


def _latin_words(dense: str, nt: NormalizedText) -> tuple[list[tuple[int, int]], set[int]]:
    """Runs of letters in the dense view, split where the original text had a space or punctuation
    ("baijiale vip" is two words, so "baijiale" can be read alone); and the dense positions with
    such a separator just before them."""
    words: list[tuple[int, int]] = []
    cuts: set[int] = set()
    for a, end in kind_runs(text_kinds(dense, LETTER_KIND)):  # (the runs LATIN_RUN finds, by one translate)
        if end - a < 2:
            continue
        if not nt.gap_free(a, end):  # (two look-ups for most runs: one per letter only where a cut is)
            for i in range(a + 1, end):
                if nt.separated(i):
                    cuts.add(i)
                    words.append((a, i))
                    a = i
        words.append((a, end))
    return words, cuts


def _initials_candidates(dense: str, words: list[tuple[int, int]], cuts: set[int],
                         index: PinyinIndex, out: list[Candidate], covering: list[int] | None = None) -> None:
    """A whole Latin word (plus digits right after it) spelling a term's initials (with ``covering``,
    only words that hold one of those positions)."""
    n = len(dense)
    for ws, we in words:
        if ws > 0 and ws not in cuts and dense[ws - 1].isascii() and dense[ws - 1].isalnum():
            continue
        while we < n and dense[we].isdigit() and we not in cuts:
            we += 1
        if we < n and we not in cuts and dense[we].isascii() and dense[we].isalnum():
            continue
        if covering is not None:
            k = bisect_left(covering, ws)
            if k == len(covering) or covering[k] >= we:
                continue  # no such position in the word: its candidate would not be kept
        for idx in index.initials(dense[ws:we]):
            out.append(_tuple_new(Candidate, (ws, we, idx, _INITIALS, None)))  # (Candidate without its frame)


def _windows(dense: str, words: list[tuple[int, int]], syllable_run: SyllableRun) -> list[list[int]]:
    """Each Latin word spelled in pinyin plus CJK context either side; overlapping windows merged."""
    spans: list[list[int]] = []
    for ws, we in words:
        if not syllable_run.fullmatch(dense[ws:we]):
            continue  # not spelled in pinyin syllables (html, wifi, ...)
        a, b = max(0, ws - _PINYIN_WINDOW), min(len(dense), we + _PINYIN_WINDOW)
        if spans and a <= spans[-1][1]:
            spans[-1][1] = max(spans[-1][1], b)
        else:
            spans.append([a, b])
    return spans


def _window_candidates(dense: str, a: int, b: int, cuts: set[int], index: PinyinIndex,
                       out: list[Candidate], nt: NormalizedText) -> None:
    """Read ``dense[a:b]`` with each Latin word as its letters or as the classes of its syllables,
    and look the readings up in the main automaton's trie from each character or Latin word on
    (a key must start and end on a character or Latin-word edge and take in at least one Latin
    letter; a path is followed only while some key starts with it)."""
    c = index.compiled
    syl = index.syllable
    encode = c.encode
    one = index.encoded_chars
    if len(one) > 65536:
        one.clear()
    choices: list[tuple[str, ...]] = []  # per piece (a Latin word or one character): its readings, encoded
    spans: list[tuple[int, int]] = []  # per piece: where it is in the dense view
    last_word = 0  # pieces up to the last Latin word
    tones: set[int] = set()  # dense positions of tone numbers (skipped)
    i = a
    while i < b:  # (the letter tests are spelled out: this loop runs per character)
        ch = dense[i]
        if "a" <= ch <= "z":
            j = i + 1
            while j < b and "a" <= dense[j] <= "z" and j not in cuts:
                j += 1
            choices.append(index.readings(dense[i:j]))
            spans.append((i, j))
            last_word = len(spans)
            i = j
            continue
        if ch in "12345" and i > a and "a" <= dense[i - 1] <= "z" and not (i + 1 < b and dense[i + 1].isdigit()):
            tones.add(i)  # a tone number after a syllable (bai2 jia1 le4): skipped
            i += 1
            continue
        enc = one.get(ch)
        if enc is None:
            enc = one[ch] = encode(ch if ch in syl or (ch.isascii() and ch.isalnum()) else _NOT_A_KEY)
        choices.append((enc,))
        spans.append((i, i + 1))
        i += 1
    eligible = index.eligible
    pat_entry = c.pat_entry
    pat_kind = c.pat_kind
    seen: set[tuple[int, int, int]] = set()
    # the keys of the window's readings (in C when built); a key starting after the last Latin word has no letter
    for p, q, key, pid, hashed in window_keys(choices, last_word, c.automaton, c.groups, c.reading_rows,
                                              c.reading_prefixes, PID_BITS):
        kind = pat_kind[pid]
        idx = pat_entry[pid]
        ds, de = spans[p][0], spans[q][1]
        if (kind != _TERM and kind != _PINYIN) or not eligible[idx] or (ds, de, idx) in seen:
            continue
        if not any("a" <= x <= "z" for x in dense[ds:de]):
            continue  # all-CJK: an exact or homophone hit, not pinyin
        if hashed and (not index.is_reading(key, pid) or _name_shaped(nt, ds, de)):
            # found by a hash: the key must be one of the term's readings; and a reading other
            # than the table one is not taken from a personal name (Lu Hecai is no 六合彩)
            continue
        if not _digits_agree(dense, ds, de, tones, c.pat_dense[pid]):
            continue
        seen.add((ds, de, idx))
        out.append(Candidate(ds, de, idx, Technique.PINYIN))
