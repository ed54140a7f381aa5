"""The normalising Aho-Corasick lexicon matcher.

Pipeline for one text (see ``docs/matching.md``):

1. :func:`plugin.normalize.normalize` builds the *dense* view (folded, noise removed,
   repeats collapsed, sentence ends kept as breaks) with a map back to the original.
2. The dense view is mapped 1:1 to homophone classes and scanned ONCE by one
   pyahocorasick automaton whose keys are the class strings of every term, curated
   variant and shape-alike variant. Text and keys are scanned as UTF-16 code units
   shown as latin-1 (an alphabet of 256, much faster). Split-character spellings
   (弓长 → 张) are joined in the text instead: where the dense view holds a known
   component spelling, a joined view is scanned by the same automaton.
3. Each candidate is verified against the dense text: an identical string is a direct
   hit (exact / normalized / traditional / invisible / noise / repeat, or the variant's
   technique); otherwise, where the entry enables it, a homophone hit needs most
   characters identical and must not itself be a dictionary word.
4. Text with Latin letters also gets a pinyin pass over windows around the letters.
5. Filters: validity window, scope, allow phrases, context rules, word boundaries
   (jieba on a window around the hit), then offsets are mapped back to the original.

A compiled :class:`Matcher` is immutable and safe to share across threads.
"""

from __future__ import annotations

import bisect
import datetime as dt
import hashlib
import logging
import re
import threading
from array import array
from dataclasses import dataclass
from typing import Any, Iterable, Sequence

import ahocorasick

from .boundary import WordBoundary
from .errors import InputError
from .lexicon import Entry, Lexicon, bundled_lexicon_paths, load_lexicons
from .lexicon_regex import PatternError, RegexText, compile_pattern
from .models import CheckResult, Hit, most_severe
from .numerals import DIGIT_NUMERALS as _NUMERALS
from .normalize import BREAK, NormalizedText, _fold_mark_tables, _runs, _tables, _translate, dense_key, prepare
from .variants import CJK_CHAR, VariantTables, contextual_syllables, load_variant_tables

__all__ = ["Matcher", "TECHNIQUE_RANK"]

log = logging.getLogger(__name__)

# Lower is better: which technique wins when one entry matches the same place twice.
TECHNIQUE_RANK = {
    "exact": 0, "normalized": 1, "traditional": 2, "invisible": 3, "noise": 4, "repeat": 5,
    "variant": 6, "split": 7, "shape": 8, "homophone": 9, "pinyin": 10, "initials": 11, "pattern": 12,
}

_SCAN_SCOPES = ("content", "account_name")
_KIND_TERM, _KIND_VARIANT, _KIND_SHAPE, _KIND_FORM = 0, 1, 2, 3  # FORM: a split-character spelling
_KIND_TECH = {_KIND_VARIANT: "variant", _KIND_SHAPE: "shape"}
_MAX_SHAPE_VARIANTS = 24
_ASTRAL = re.compile("[\U00010000-\U0010ffff]")
_LATIN_RUN = re.compile(r"[a-z]{2,}")
_DIGIT = re.compile(r"[0-9]")
_LATIN_IN_CJK = re.compile("[\u4e00-\u9fff][a-z0-9\uf800-\uf8ff][\u4e00-\u9fff]")
#: Three or more CJK characters each followed by the same single letter, digit or word emoji
#: (代x写x论x文, 征💰信💰修💰复).
_LETTER_SEPARATED = re.compile(
    "(?:[\u4e00-\u9fff]([a-z0-9\uf800-\uf8ff])(?=[\u4e00-\u9fff]))(?:[\u4e00-\u9fff]\\1(?=[\u4e00-\u9fff]))+")
_MIN_INITIALS = 3  # CJK characters a term needs before its pinyin initials count (bjl, not dz)
_PINYIN_WINDOW = 8
#: Above this many keys the automaton takes plain strings: UTF-16 code units scan 1.5-4x faster
#: but need up to twice the nodes, which matters at a million terms.
U16_MAX_PATTERNS = 400_000  # CJK characters either side of a Latin run that the pinyin pass looks at


def _u16(s: str) -> str:
    """UTF-16-BE code units shown as latin-1: the automaton's alphabet has 256 symbols."""
    return s.encode("utf-16-be", "surrogatepass").decode("latin-1")


@dataclass(frozen=True, slots=True)
class _Compiled:
    """Compact compiled form: parallel arrays per pattern, automaton values are ints.

    An automaton value ``v >= 0`` is a single pattern id; ``v < 0`` indexes ``groups[-v - 1]``.
    """

    entries: tuple[Entry, ...]
    pat_entry: array[int]
    pat_kind: bytes
    pat_dense: list[str]
    pat_homophone: bytes  # 1 where a term pattern's entry allows homophone hits
    pat_extra: dict[int, tuple[str, object | None]]  # variant pattern id → (technique, context rule)
    groups: list[tuple[int, ...]]
    automaton: ahocorasick.Automaton | None
    context_words: tuple[tuple[tuple[str, ...], tuple[str, ...], int] | None, ...]  # per entry, dense forms
    min_len: dict[int, int]  # entry → shortest surface (dense, uncollapsed) for reduplicated terms
    regexes: tuple[tuple[int, Any], ...]  # pattern entries (RE2 objects), matched on the folded text
    wide: bool  # keys are plain strings (huge lexicons) instead of UTF-16 code units
    split_chars: tuple[str, ...]  # FORM pattern's pat_entry → the character (or word) the spelling stands for
    split_techs: tuple[str, ...]  # ... and the technique a hit through it reports (split, variant)
    split_reach: int  # longest term key: how far around a spelling the joined view is scanned
    disabled_patterns: tuple[str, ...] = ()  # term ids of pattern entries RE2 refuses (from an older store)


def _dense_many(texts: list[str]) -> list[str]:
    """:func:`dense_key` of many strings with one translate call (falls back per string)."""
    if not texts:
        return []
    joined = _bmp(dense_key("\n".join(texts)))
    parts = joined.split(BREAK)
    if len(parts) == len(texts):
        return parts
    return [_bmp(dense_key(t)) for t in texts]


def _bmp(s: str) -> str:
    """Astral characters as U+FFFD (text gets the same), so keys are 2 bytes per character."""
    return _ASTRAL.sub("\ufffd", s) if _ASTRAL.search(s) else s


class Matcher:
    """Compiled lexicon matcher. Build with :meth:`from_lexicons` or :meth:`from_entries`."""

    def __init__(self, entries: Sequence[Entry], *, version: str = "", lexicons: Sequence[Lexicon] = (),
                 variant_tables: VariantTables | None = None) -> None:
        self._tables = variant_tables or load_variant_tables()
        self._lexicons = tuple(lexicons)
        self.version = version or _version_of(entries)
        self._c = self._compile(tuple(entries))
        self._boundary = WordBoundary.shared()
        self._pinyin_lock = threading.Lock()
        self._pinyin: tuple[ahocorasick.Automaton | None, tuple[tuple[int, ...], ...]] | None = None
        self._initials: dict[str, tuple[int, ...]] | None = None
        self._pinyin_re: re.Pattern[str] | None = None

    # ------------------------------------------------------------------ building

    @classmethod
    def from_lexicons(cls, paths: list[str] | tuple[str, ...] = (), bundled: bool = True) -> "Matcher":
        """Load lexicon files (plain, TSV or YAML) and compile them; ``bundled`` adds the shipped ones."""
        all_paths = (bundled_lexicon_paths() if bundled else []) + [str(p) for p in paths]
        lexicons = load_lexicons(all_paths)
        entries = [e for lex in lexicons for e in lex.entries]
        version = hashlib.sha256("".join(lex.sha256 for lex in lexicons).encode()).hexdigest()[:12]
        return cls(entries, version=version, lexicons=lexicons)

    @classmethod
    def from_entries(cls, entries: Iterable[Entry], version: str = "") -> "Matcher":
        """Compile entries that come from elsewhere (e.g. the lexicon store)."""
        return cls(list(entries), version=version)

    @property
    def entries(self) -> tuple[Entry, ...]:
        """The compiled entries (allow entries included)."""
        return self._c.entries

    @property
    def disabled_patterns(self) -> tuple[str, ...]:
        """Term ids of pattern entries left out because RE2 cannot run their regex (published by an
        earlier release; the lexicon parser refuses such patterns now)."""
        return self._c.disabled_patterns

    @property
    def lexicons(self) -> tuple[Lexicon, ...]:
        """The lexicon files this matcher was built from (empty for :meth:`from_entries`)."""
        return self._lexicons

    def _compile(self, entries: tuple[Entry, ...]) -> _Compiled:
        t = self._tables
        cls_table = t.class_table
        shape = t.shape_groups
        terms_dense = _dense_many([e.term for e in entries])
        pat_entry = array("i")
        pat_kind = bytearray()
        pat_dense: list[str] = []
        pat_homo = bytearray()
        pat_extra: dict[int, tuple[str, object | None]] = {}
        # patterns first (keys computed in one batch below)
        regexes: list[tuple[int, Any]] = []
        disabled: list[str] = []
        variant_chars = frozenset(shape)
        poly_free = t.no_context_chars  # characters that never start or end a phrase reading override
        alt_keys: list[tuple[int, str]] = []
        for i, e in enumerate(entries):
            if e.regex:
                try:
                    regexes.append((i, compile_pattern(e.regex)))
                except PatternError as exc:  # published by an earlier release (the parser refuses new ones)
                    log.error("pattern entry %s (%s) disabled: %s", e.term_id, e.source, exc)
                    disabled.append(e.term_id)
                continue
            d = terms_dense[i]
            if d and BREAK not in d:
                homo = "homophone" in e.techniques and e.action != "allow"
                if homo and not poly_free.issuperset(d):
                    alt = t.contextual_key(d)
                    if alt is not None:
                        alt_keys.append((len(pat_dense), alt))
                pat_entry.append(i)
                pat_kind.append(_KIND_TERM)
                pat_dense.append(e.term if d == e.term else d)
                pat_homo.append(1 if homo else 0)
            for v in e.variants:
                vd = _bmp(dense_key(v.text))
                if vd and BREAK not in vd:
                    pat_extra[len(pat_dense)] = (v.technique or "variant", v.context)
                    pat_entry.append(i)
                    pat_kind.append(_KIND_VARIANT)
                    pat_dense.append(vd)
                    pat_homo.append(0)
            if e.action == "allow" or not d:
                continue
            if _DIGIT.search(d) and BREAK not in d:  # 加拿大28 also as 加拿大二八 / 加拿大贰捌
                for table in _NUMERALS:
                    pat_extra[len(pat_dense)] = ("variant", None)
                    pat_entry.append(i)
                    pat_kind.append(_KIND_VARIANT)
                    pat_dense.append(d.translate(table))
                    pat_homo.append(0)
            techs = e.techniques
            if variant_chars.isdisjoint(d):
                continue
            if shape and "shape" in techs:
                n = 0
                for pos, ch in enumerate(d):
                    alts = shape.get(ch)
                    if not alts:
                        continue
                    for alt in alts:
                        if n >= _MAX_SHAPE_VARIANTS:
                            break
                        pat_entry.append(i)
                        pat_kind.append(_KIND_SHAPE)
                        pat_dense.append(d[:pos] + _bmp(alt) + d[pos + 1:])
                        pat_homo.append(0)
                        n += 1
        # split-character spellings (弓长 → 张) of characters that split-enabled terms contain:
        # found by the same scan, then joined into a second view (see _split_hits)
        split_chars: list[str] = []
        wanted: set[str] = set()
        for i, e in enumerate(entries):
            if not e.regex and e.action != "allow" and "split" in e.techniques:
                wanted.update(terms_dense[i])
        wanted.discard(BREAK)
        reach = max((len(d) for d in pat_dense), default=0) + 2  # a joined word may be longer than its spelling
        split_techs: list[str] = []
        if wanted:
            for form, ch in t.split_join.items():
                if ch in wanted:
                    pat_entry.append(len(split_chars))
                    split_chars.append(ch)
                    split_techs.append("split")
                    pat_kind.append(_KIND_FORM)
                    pat_dense.append(form)
                    pat_homo.append(0)
        used = set("".join(pat_dense[:len(pat_dense) - len(split_chars)]))
        for code, word in t.emoji_join.items():  # 🐧 → 企鹅: read as the word (curated emoji table)
            if used.issuperset(word):
                pat_entry.append(len(split_chars))
                split_chars.append(word)
                split_techs.append("variant")
                pat_kind.append(_KIND_FORM)
                pat_dense.append(code)
                pat_homo.append(0)
        # keys: homophone classes; as UTF-16 code units (sliced out of one encoded string)
        # unless the lexicon is huge, where plain keys keep the automaton half the size
        automaton: ahocorasick.Automaton | None = None
        groups: list[tuple[int, ...]] = []
        wide = len(pat_dense) > U16_MAX_PATTERNS
        if pat_dense:
            automaton = ahocorasick.Automaton()
            get = automaton.get
            add = automaton.add_word

            def put(key: str, pid: int) -> None:
                prev = get(key, None)
                if prev is None:
                    add(key, pid)
                elif prev >= 0:
                    if prev != pid:
                        groups.append((prev, pid))
                        add(key, -len(groups))
                elif pid not in groups[-prev - 1]:
                    groups[-prev - 1] = groups[-prev - 1] + (pid,)

            joined = "".join(pat_dense).translate(cls_table)
            if wide:
                pos = 0
                for pid, d in enumerate(pat_dense):
                    n = len(d)
                    put(joined[pos:pos + n], pid)
                    pos += n
            else:
                u16 = _u16(joined)
                pos = 0
                for pid, d in enumerate(pat_dense):
                    n2 = len(d) * 2
                    put(u16[pos:pos + n2], pid)
                    pos += n2
                del u16
            del joined
            # polyphonic characters read in context (银行 → hang): an extra key for the same pattern
            for pid, alt in alt_keys:
                put(alt if wide else _u16(alt), pid)
            automaton.make_automaton()
        # terms with a doubled character (轻轻松松) collapse to a shorter key; a hit must
        # still be at least as long as the uncollapsed term, so 轻松 alone is not 轻轻松松
        t_ = _tables()
        uncollapsed = _translate("\n".join(e.term for e in entries), t_.dense_bmp, t_.dense_astral).split(BREAK)
        if len(uncollapsed) != len(entries):
            uncollapsed = [_translate(e.term, t_.dense_bmp, t_.dense_astral) for e in entries]
        min_len = {i: len(u) for i, u in enumerate(uncollapsed) if len(terms_dense[i]) < len(u)}
        ctx_words = tuple(
            (tuple(dense_key(w) for w in e.context.requires_any),
             tuple(dense_key(w) for w in e.context.excludes_any), e.context.within)
            if e.context else None
            for e in entries
        )
        return _Compiled(entries, pat_entry, bytes(pat_kind), pat_dense, bytes(pat_homo), pat_extra,
                         groups, automaton, ctx_words, min_len, tuple(regexes), wide, tuple(split_chars),
                         tuple(split_techs), reach, tuple(disabled))

    def _split_hits(self, dense: str, spellings: list[tuple[int, int, str, str]]) -> list[tuple[int, int, int, str, object | None]]:
        """Hits where the spellings found in ``dense`` are replaced: component spellings joined
        (贝者博 → 赌博, technique ``split``) and letters used as separators dropped (代x写x论x文,
        technique ``noise``). Only windows around the spellings are scanned again."""
        found: list[tuple[int, int, str, str]] = []  # non-overlapping, greedy left to right, longest first
        last_end = 0
        for start, end, ch, tech in sorted(spellings, key=lambda f: (f[0], -f[1])):
            if start >= last_end:
                found.append((start, end, ch, tech))
                last_end = end
        if not found:
            return []
        reach = self._c.split_reach
        out: list[tuple[int, int, int, str, object | None]] = []
        i = 0
        while i < len(found):  # windows: spellings closer than a term's length share one
            j = i + 1
            while j < len(found) and found[j][0] - found[j - 1][1] < reach:
                j += 1
            self._split_window(dense, found[i:j], reach, out)
            i = j
        return out

    def _split_window(self, dense: str, found: list[tuple[int, int, str, str]], reach: int,
                      out: list[tuple[int, int, int, str, object | None]]) -> None:
        wa = max(0, found[0][0] - reach + 1)
        wb = min(len(dense), found[-1][1] + reach - 1)
        parts: list[str] = []
        starts: list[int] = []  # view index → dense start
        ends: list[int] = []  # view index → dense end
        joined_at: list[int] = []  # view indexes that stand for a spelling
        joined_tech: list[str] = []  # ... and how it was written
        pos = wa
        for a, b, ch, tech in found:
            parts.append(dense[pos:a])
            starts.extend(range(pos, a))
            ends.extend(range(pos + 1, a + 1))
            for _ in ch:  # every character of the replacement stands for the whole spelling
                joined_at.append(len(starts))
                joined_tech.append(tech)
                starts.append(a)
                ends.append(b)
            parts.append(ch)
            pos = b
        parts.append(dense[pos:wb])
        starts.extend(range(pos, wb))
        ends.extend(range(pos + 1, wb + 1))
        view = "".join(parts)
        c = self._c
        cls_view = view.translate(self._tables.class_table)
        shift = 0
        if not c.wide:
            cls_view = _u16(cls_view)
            shift = 1
        for end_b, val in c.automaton.iter(cls_view):  # type: ignore[union-attr]
            if shift and not end_b & 1:
                continue
            e = (end_b + 1) >> shift
            for pid in ((val,) if val >= 0 else c.groups[-val - 1]):
                kind = c.pat_kind[pid]
                if kind != _KIND_TERM and kind != _KIND_VARIANT:
                    continue
                pd = c.pat_dense[pid]
                s = e - len(pd)
                k = bisect.bisect_left(joined_at, s)
                if k == len(joined_at) or joined_at[k] >= e:
                    continue  # no joined character inside: the plain scan has it
                idx = c.pat_entry[pid]
                ent = c.entries[idx]
                tech = joined_tech[k]
                if ent.action == "allow" or (tech == "split" and "split" not in ent.techniques) or view[s:e] != pd \
                        or (s > 0 and starts[s] == starts[s - 1]) or (e < len(starts) and starts[e] == starts[e - 1]):
                    continue  # (a hit must not take part of a replacement word)
                vctx = c.pat_extra[pid][1] if kind == _KIND_VARIANT else None  # a curated variant keeps its gate
                out.append((starts[s], ends[e - 1], idx, tech, vctx))

    def _initials_table(self) -> dict[str, tuple[int, ...]]:
        """Pinyin initials (bjl for 百家乐, jnd28 for 加拿大28) of ``block`` entries that enable
        ``pinyin`` and have at least three CJK characters; built on first use."""
        table = self._initials
        if table is None:
            syl = self._tables.syllable
            out: dict[str, list[int]] = {}
            for i, e in enumerate(self._c.entries):
                if e.action != "block" or e.regex or "pinyin" not in e.techniques:
                    continue
                d = dense_key(e.term)
                if sum(1 for ch in d if ch in syl) < _MIN_INITIALS or not all(ch in syl or ch.isdigit() for ch in d):
                    continue
                key = "".join(syl[ch][0] if ch in syl else ch for ch in d)
                out.setdefault(key, []).append(i)
            table = self._initials = {k: tuple(v) for k, v in out.items()}
        return table

    def _pinyin_automaton(self) -> tuple[ahocorasick.Automaton | None, tuple[tuple[int, ...], ...]]:
        """Pinyin keys of entries that enable the technique; built on first use."""
        if self._pinyin is not None:
            return self._pinyin
        with self._pinyin_lock:
            if self._pinyin is not None:
                return self._pinyin
            syl = self._tables.syllable
            keys: dict[str, list[int]] = {}
            for i, e in enumerate(self._c.entries):
                if e.action == "allow" or e.regex or "pinyin" not in e.techniques:
                    continue
                d = dense_key(e.term)
                if sum(1 for ch in d if ch in syl) < 2:
                    continue
                full = _translate(e.term, _tables().dense_bmp, _tables().dense_astral)  # 时时彩, not 时彩
                for form in {d, full}:
                    key = "".join(syl.get(ch, ch) for ch in form)
                    keys.setdefault(key, []).append(i)
                    ctx = contextual_syllables(form, syl)
                    if ctx is not None:
                        key = "".join(sy or ch for ch, sy in zip(form, ctx))
                        keys.setdefault(key, []).append(i)
            if not keys:
                self._pinyin = (None, ())
                return self._pinyin
            auto2 = ahocorasick.Automaton()
            grouped: list[tuple[int, ...]] = []
            for key, idxs in keys.items():
                auto2.add_word(key, (len(grouped), len(key)))
                grouped.append(tuple(idxs))
            auto2.make_automaton()
            self._pinyin = (auto2, tuple(grouped))
            return self._pinyin

    # ------------------------------------------------------------------ scanning

    def scan(self, text: str, *, scope: str = "content", today: dt.date | None = None) -> list[Hit]:
        """All hits in ``text``; offsets index the original text."""
        if not isinstance(text, str):
            raise InputError(f"text must be a str, got {type(text).__name__}")
        if scope not in _SCAN_SCOPES:
            raise InputError(f"scope must be one of {', '.join(_SCAN_SCOPES)}, got {scope!r}")
        if not text:
            return []
        pattern_hits = self._pattern_hits(text, scope, today or dt.date.today()) if self._c.regexes else []
        automaton = self._c.automaton
        if automaton is None:  # nothing else to find
            return pattern_hits
        nt = prepare(text).normalized
        dense = nt.dense
        if _ASTRAL.search(dense):
            dense = _ASTRAL.sub("\ufffd", dense)
        c = self._c
        cand: list[tuple[int, int, int, str, object | None]] = []  # (start, end, entry, technique, variant ctx)
        spellings: list[tuple[int, int, str, str]] = []  # (start, end, replacement, technique)
        cls_view = dense.translate(self._tables.class_table)
        shift = 0
        if not c.wide:
            cls_view = _u16(cls_view)
            shift = 1
        groups = c.groups
        pat_dense = c.pat_dense
        pat_entry = c.pat_entry
        pat_kind = c.pat_kind
        pat_homo = c.pat_homophone
        for end_b, val in automaton.iter(cls_view):
            if shift and not end_b & 1:
                continue
            e = (end_b + 1) >> shift
            for pid in ((val,) if val >= 0 else groups[-val - 1]):
                pd = pat_dense[pid]
                s = e - len(pd)
                seg = dense[s:e]
                if seg == pd:
                    if pat_kind[pid] == _KIND_TERM:
                        cand.append((s, e, pat_entry[pid], "", None))
                    elif pat_kind[pid] == _KIND_FORM:
                        spellings.append((s, e, c.split_chars[pat_entry[pid]], c.split_techs[pat_entry[pid]]))
                    elif pat_kind[pid] == _KIND_VARIANT:
                        tech, vctx = c.pat_extra[pid]
                        cand.append((s, e, pat_entry[pid], tech, vctx))
                    else:
                        cand.append((s, e, pat_entry[pid], _KIND_TECH[pat_kind[pid]], None))
                elif pat_homo[pid] and self._homophone_ok(seg, pd):
                    cand.append((s, e, pat_entry[pid], "homophone", None))
        if _LATIN_RUN.search(dense):
            cand.extend(self._pinyin_hits(dense, nt))
        if _LATIN_IN_CJK.search(dense):  # 代x写x论x文: the same letter or digit after each character
            for m in _LETTER_SEPARATED.finditer(dense):
                for a in range(m.start(), m.end() - 1, 2):
                    spellings.append((a, a + 2, dense[a], "noise"))
        if spellings:
            cand.extend(self._split_hits(dense, spellings))
        if not cand:
            return pattern_hits
        hits = self._finish(text, nt, dense, cand, scope, today or dt.date.today())
        if pattern_hits:
            hits = sorted(hits + pattern_hits, key=lambda h: (h.start, -h.end))
        return hits

    def check(self, text: str, *, scope: str = "content", today: dt.date | None = None) -> CheckResult:
        """Overall action (the most severe hit; ``allow`` when nothing fires) and the hits."""
        hits = self.scan(text, scope=scope, today=today)
        return CheckResult(most_severe([h.action for h in hits]), hits, self.version)

    # ------------------------------------------------------------------ internals

    def _pattern_hits(self, text: str, scope: str, today: dt.date) -> list[Hit]:
        """Hits of regex entries, matched on the folded text (case, width, traditional folded;
        invisible characters removed; punctuation kept)."""
        folded = prepare(text).folded
        omap = None
        if len(folded) != len(text):
            t = _tables()
            bmp, astral = _fold_mark_tables()
            marked = _translate(text, bmp, astral)  # type: ignore[arg-type]
            omap = _runs(marked, "\x01")
        entries = self._c.entries
        ctxw = self._c.context_words
        out: list[Hit] = []
        view: RegexText | None = None
        for idx, rx in self._c.regexes:
            ent = entries[idx]
            if ent.scope != scope and ent.scope != "any":
                continue
            if (ent.valid_from or ent.valid_to) and not ent.active_on(today):
                continue
            if view is None:
                view = RegexText(folded)
            rule = ctxw[idx]
            for s, e in view.spans(rx):
                if rule is not None and not _context_ok(folded, s, e, rule):
                    continue
                os_ = omap(s) if omap else s
                oe = (omap(e - 1) + 1) if omap else e
                out.append(Hit(ent.term, ent.category, ent.action, os_, oe, text[os_:oe], "pattern",
                               ent.term_id, ent.severity, ent.clause, ent.surface_actions))
        return out

    def _homophone_ok(self, seg: str, term: str) -> bool:
        n = len(term)
        if n < 2:
            return False
        same = sum(1 for a, b in zip(seg, term) if a == b)
        if same < n - max(1, n // 3):
            return False
        # A real word is likelier than an evasion (读博 is not 赌博).
        return not self._boundary.is_word(seg)

    def _pinyin_run_re(self) -> re.Pattern[str]:
        rx = self._pinyin_re
        if rx is None:
            sylls = sorted(set(self._tables.syllable.values()), key=len, reverse=True)
            rx = self._pinyin_re = re.compile("(?:" + "|".join(sylls) + ")+")
        return rx

    def _pinyin_hits(self, dense: str, nt: NormalizedText) -> list[tuple[int, int, int, str, object | None]]:
        auto, grouped = self._pinyin_automaton()
        if auto is None:
            return []
        syl = self._tables.syllable
        out: list[tuple[int, int, int, str, object | None]] = []
        # Latin words: runs of letters in the dense view, split where the original text had a
        # space or punctuation ("baijiale vip" is two words, so "baijiale" can be read alone)
        words: list[tuple[int, int]] = []
        cuts: set[int] = set()  # dense positions with a separator just before them
        for m in _LATIN_RUN.finditer(dense):
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
        initials = self._initials_table()
        if initials:  # a whole Latin word (plus digits right after it) spelling a term's initials
            n = len(dense)
            for ws, we in words:
                if ws > 0 and ws not in cuts and dense[ws - 1].isascii() and dense[ws - 1].isalnum():
                    continue
                while we < n and dense[we].isdigit() and we not in cuts:
                    we += 1
                if we < n and we not in cuts and dense[we].isascii() and dense[we].isalnum():
                    continue
                for idx in initials.get(dense[ws:we], ()):
                    out.append((ws, we, idx, "initials", None))
        # windows: each Latin word spelled in pinyin plus CJK context either side, merged
        spans: list[list[int]] = []
        plausible = self._pinyin_run_re()
        for ws, we in words:
            if not plausible.fullmatch(dense, ws, we):
                continue  # not spelled in pinyin syllables (html, wifi, ...)
            a, b = max(0, ws - _PINYIN_WINDOW), min(len(dense), we + _PINYIN_WINDOW)
            if spans and a <= spans[-1][1]:
                spans[-1][1] = max(spans[-1][1], b)
            else:
                spans.append([a, b])
        for a, b in spans:
            view: list[str] = []
            owner: list[int] = []  # view index → dense index
            starts: set[int] = set()
            ends: set[int] = set()
            for i in range(a, b):
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
            vs = "".join(view)
            for end_i, (gid, klen) in auto.iter(vs):
                ve = end_i + 1
                vstart = ve - klen
                if vstart not in starts or ve not in ends:
                    continue
                ds, de = owner[vstart], owner[ve - 1] + 1
                seg = dense[ds:de]
                if not any(ch.isascii() and ch.isalpha() for ch in seg):
                    continue  # all-CJK: an exact or homophone hit, not pinyin
                for idx in grouped[gid]:
                    out.append((ds, de, idx, "pinyin", None))
        return out

    def _finish(self, text: str, nt: NormalizedText, dense: str,
                cand: list[tuple[int, int, int, str, object | None]], scope: str, today: dt.date) -> list[Hit]:
        entries = self._c.entries
        ctxw = self._c.context_words
        allow_spans: list[tuple[int, int]] = []
        kept: list[tuple[int, int, int, str]] = []
        for s, e, idx, tech, vctx in cand:
            ent = entries[idx]
            if ent.scope != scope and ent.scope != "any":
                continue
            if (ent.valid_from or ent.valid_to) and not ent.active_on(today):
                continue
            if ent.action == "allow":
                allow_spans.append((s, e))
                continue
            rule = ctxw[idx]
            if rule is not None and not _context_ok(dense, s, e, rule):
                continue
            if vctx is not None:
                rule = (tuple(dense_key(w) for w in vctx.requires_any),  # type: ignore[attr-defined]
                        tuple(dense_key(w) for w in vctx.excludes_any), vctx.within)  # type: ignore[attr-defined]
                if not _context_ok(dense, s, e, rule):
                    continue
            if not self._boundary_ok(dense, s, e, ent, tech, nt):
                continue
            kept.append((s, e, idx, tech))
        if allow_spans and kept:
            kept = [k for k in kept if not any(a <= k[0] and k[1] <= b for a, b in allow_spans)]
        # one hit per entry and place: best technique, then longest
        best: dict[tuple[int, int], tuple[int, int, int, str]] = {}
        min_len = self._c.min_len
        tables = _tables()
        hits: list[Hit] = []
        for s, e, idx, tech in kept:
            os_, oe = nt.orig_span(s, e)
            surface = text[os_:oe]
            ent = entries[idx]
            if idx in min_len and tech in ("", "homophone") and \
                    len(_translate(surface, tables.dense_bmp, tables.dense_astral)) < min_len[idx]:
                continue
            if not tech:
                tech = _direct_technique(surface, ent.term)
            key = (idx, os_)
            prev = best.get(key)
            if prev is not None and (TECHNIQUE_RANK[prev[3]], -(prev[1] - prev[0])) <= (TECHNIQUE_RANK[tech], -(oe - os_)):
                continue
            best[key] = (os_, oe, idx, tech)
        # drop hits of an entry that lie inside another hit of the same entry
        items = sorted(best.values(), key=lambda h: (h[0], -h[1]))
        last_end: dict[int, int] = {}
        for os_, oe, idx, tech in items:
            if last_end.get(idx, -1) >= oe:
                continue
            last_end[idx] = oe
            ent = entries[idx]
            hits.append(Hit(ent.term, ent.category, ent.action, os_, oe, text[os_:oe], tech,
                            ent.term_id, ent.severity, ent.clause, ent.surface_actions))
        return hits

    def _boundary_ok(self, dense: str, s: int, e: int, ent: Entry, tech: str, nt: NormalizedText) -> bool:
        mode = ent.boundary
        if mode == "none":
            return True
        seg = dense[s:e]
        first, last = seg[0], seg[-1]
        # Latin / digit edges: the hit must not sit inside a longer Latin word or number
        # (a space or punctuation in the original text ends the word: "VX 886621", "VX：886621").
        if tech != "pinyin":
            if first.isascii() and first.isalnum() and s > 0 and dense[s - 1].isascii() and dense[s - 1].isalnum() \
                    and not _separated(nt, s):
                return False
            if last.isascii() and last.isalnum() and e < len(dense) and dense[e].isascii() and dense[e].isalnum() \
                    and not _separated(nt, e):
                return False
        if mode == "auto" and (len(seg) > 4 or not CJK_CHAR.search(seg)):
            return True
        return self._boundary.check(dense, s, e, strict=(mode == "strict"), containing_ok=(mode == "crossing"))


def _separated(nt: NormalizedText, i: int) -> bool:
    """Whether the original text had a deleted character (space, punctuation) before dense ``i``."""
    return nt.deleted and nt.orig_index(i) - nt.orig_index(i - 1) > 1


def _context_ok(dense: str, s: int, e: int, rule: tuple[tuple[str, ...], tuple[str, ...], int]) -> bool:
    requires, excludes, within = rule
    window = dense[max(0, s - within):s] + "\x01" + dense[e:e + within]
    if requires and not any(w in window for w in requires):
        return False
    if excludes and any(w in window for w in excludes):
        return False
    return True


def _direct_technique(surface: str, term: str) -> str:
    """How an identical dense match got there: exact, or which normalisation it needed."""
    if surface == term:
        return "exact"
    t = _tables()
    fold = t.fold_bmp
    dense_tab = t.dense_bmp
    noise = invisible = trad = False
    for ch in surface:
        cp = ord(ch)
        if cp < 0x10000:
            f = fold[cp]
            d = dense_tab[cp]
        else:
            f = t.fold_astral.get(cp, ch)
            d = t.dense_astral.get(cp, ch)
        if f is None:
            invisible = True
        elif d is None or d == BREAK:  # BREAK: line ends of vertical text
            noise = True
        elif t.folded_from.get(ch) == "traditional":
            trad = True
    if noise:
        return "noise"
    if len(_translate(surface, dense_tab, t.dense_astral)) > len(_translate(term, dense_tab, t.dense_astral)):
        return "repeat"
    if invisible:
        return "invisible"
    if trad:
        return "traditional"
    return "normalized"


def _version_of(entries: Sequence[Entry]) -> str:
    h = hashlib.sha256()
    for e in entries:
        h.update(repr(sorted(e.to_dict().items())).encode("utf-8"))
    return h.hexdigest()[:12]

