"""Compiling lexicon entries into the automaton and tables the passes scan with.

Every entry contributes keys (one row each in parallel arrays): its term, its curated variants,
its term with digits written as numerals, its shape-alike variants. Split-character spellings
(弓长 → 张) and word emoji (🐧 → 企鹅) are keys of their own (kind ``FORM``), found by the same scan
and joined into a second view (:mod:`plugin.matching.split`). Keys are written in homophone classes,
as UTF-16 code units shown as latin-1 (an alphabet of 256 symbols) unless the lexicon is huge.
"""

from __future__ import annotations

import logging
import zlib
from array import array
from bisect import bisect_right
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from enum import IntEnum
from functools import lru_cache
from itertools import accumulate, compress, repeat
from operator import attrgetter
from typing import Any

import ahocorasick

from .. import fixed_regex
from ..lexicon import ContextRule, Entry
from ..lexicon_regex import PatternError, compile_pattern
from ..normalize import BREAK, collapse_runs, dense_key, has_astral, repeat_runs
from ..numerals import DIGIT_NUMERALS
from ..snapshot import paused_gc
from ..variants import VariantTables, phrase_holders
from .model import ContextGate, PatternTexts, Technique
from .native import HOMOPHONE_FLAG, NATIVE, SHAPE_FLAG, TERM_KIND, class_codes, encode_classes, shape_pairs
from .native_build import (ENTRY_ALLOW, ENTRY_BLOCK, ENTRY_PATTERN, ENTRY_PINYIN, ENTRY_SPLIT, HAS_DIGIT, SHAPED, add_keys,
                           entry_flags, initials_index, shape_rows, word_rows)
from .numeral_digits import digit_class_table
from .polyphony import other_reading_rows
from .slang import SlangTable, load_slang_table, slang_variants

__all__ = ["HOMOPHONE_FLAG", "MAX_SHAPE_VARIANTS", "MIN_INITIALS", "NOT_INITIAL", "SHAPE_FLAG", "CompiledLexicon", "PatternKind", "U16_MAX_PATTERNS",
           "as_bmp", "compile_lexicon", "compile_regexes", "context_gate", "shape_alike", "shape_ranked",
           "shape_sources"]

log = logging.getLogger(__name__)

#: Above this many keys the automaton takes plain strings: UTF-16 code units scan 1.5-4x faster
#: but need up to twice the nodes, which matters at a million terms.
U16_MAX_PATTERNS = 400_000
#: Shape-alike spellings per term.
MAX_SHAPE_VARIANTS = 24
#: CJK characters a term needs before its pinyin initials count (bjl, not dz).
MIN_INITIALS = 3
#: What a character without a syllable (and not a digit) reads as in an initials key.
NOT_INITIAL = "\x01"
_ASTRAL = fixed_regex.compile("[\U00010000-\U0010ffff]")


class PatternKind(IntEnum):
    """What an automaton key stands for."""

    TERM = TERM_KIND  # an entry's term
    VARIANT = 1  # a curated variant or the term with numerals for digits (technique and gate in ``variant_of``)
    SHAPE = 2  # the term with a shape-alike character
    FORM = 3  # a split-character spelling or word emoji (``pat_entry`` indexes ``forms``)
    #: the uncollapsed form of a term with a doubled character (时时彩, whose term key is 时彩): a direct
    #: hit where the dense view keeps the repeat (时#时#彩), and, with its phrase reading, what the
    #: pinyin pass reads (shishicai); other readings of polyphonic characters are no keys (pinyin)
    PINYIN = 4


def as_bmp(s: str) -> str:
    """Astral characters as U+FFFD (the scanned text gets the same), so keys are 2 bytes per character."""
    return _ASTRAL.sub("\ufffd", s) if has_astral(s) else s


def _u16(s: str) -> str:
    """UTF-16-BE code units shown as latin-1: the automaton's alphabet has 256 symbols."""
    return s.encode("utf-16-be", "surrogatepass").decode("latin-1")


def context_gate(rule: ContextRule) -> ContextGate:
    """A context rule with its words in dense form (what the dense view holds)."""
    return ContextGate(tuple(dense_key(w) for w in rule.requires_any),
                       tuple(dense_key(w) for w in rule.excludes_any), rule.within)


@dataclass(frozen=True, slots=True)
class CompiledLexicon:
    """Compact compiled form: parallel arrays per key (``pat_*``), automaton values are ints.

    An automaton value ``v >= 0`` is a single pattern id; ``v < 0`` indexes ``groups[-v - 1]``.
    """

    entries: tuple[Entry, ...]
    class_table: list[str | None]  # CJK character → homophone class character (what keys are written in)
    pat_entry: array[int]  # pattern → entry index (FORM: index into ``forms``)
    pat_kind: bytes  # pattern → PatternKind
    pat_dense: PatternTexts  # pattern → its dense text (packed)
    pat_homophone: bytes  # term pattern flags: 1 its entry allows homophone hits, 2 shape-alike hits verified here
    shape_groups: dict[str, tuple[str, ...]]  # char → its shape-alikes (verified for alikes of the same class)
    variant_of: dict[int, tuple[Technique, ContextGate | None]]  # VARIANT pattern → (technique, its gate)
    groups: list[tuple[int, ...]]
    automaton: Any  # ahocorasick.Automaton, or None: no keys at all
    gates: tuple[ContextGate | None, ...]  # per entry: its context rule in dense form
    min_len: dict[int, int]  # entry → shortest surface (dense, uncollapsed) for reduplicated terms
    regexes: tuple[tuple[int, Any], ...]  # (entry, RE2 object) of pattern entries, matched on the folded text
    shift: int  # key code units per character as a shift: 1 (UTF-16 code units), 0 (plain strings, huge lexicons)
    forms: tuple[tuple[str, Technique], ...]  # FORM pattern's ``pat_entry`` → (what it reads as, technique)
    split_reach: int  # longest term key: how far around a spelling the joined view is scanned
    pinyin_entries: bytes  # per entry: 1 when its term takes part in the pinyin pass
    initials_crc: array[int]  # sorted CRC-32 of the pinyin initials of block entries (bjl → 百家乐) ...
    initials_entry: array[int]  # ... and the entry of each
    disabled_patterns: tuple[str, ...] = ()  # term ids of pattern entries RE2 refuses (from an older store)
    #: TERM pattern of a polyphonic term → its contextual class key (homophones must sound like it)
    pat_reading: dict[int, str] = field(default_factory=dict)
    #: other readings of polyphonic terms for the pinyin pass (:func:`~plugin.matching.polyphony.other_reading_rows`):
    #: sorted rows (key hash above ``PID_BITS``, pattern below) and sorted hashes of their prefixes
    reading_rows: array[int] = field(default_factory=lambda: array("Q"))
    reading_prefixes: array[int] = field(default_factory=lambda: array("I"))
    #: ``class_table`` as the uint16 values the C loops read (:func:`~plugin.matching.native.class_codes`;
    #: empty when the extension is not built)
    class_codes: bytes = field(init=False, repr=False, compare=False)
    #: character → the characters of the patterns it is a shape-alike of, of another homophone class
    #: (己 → 已): what the scan verifies on the term keys (:func:`shape_sources`); empty when no term
    #: pattern enables shape-alikes
    shape_sources: dict[str, str] = field(init=False, repr=False, compare=False)
    #: :func:`~plugin.matching.native.shape_pairs` of the patterns: where the C scan looks for them
    shape_pairs: bytes = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "class_codes", _shared_codes(self.class_table) if NATIVE else b"")
        object.__setattr__(self, "shape_sources", shape_sources(self))
        object.__setattr__(self, "shape_pairs", shape_pairs(self.pat_dense, self.pat_kind, self.pat_homophone,
                                                            self.shape_sources))

    @property
    def wide(self) -> bool:
        """Keys are plain strings (huge lexicons) instead of UTF-16 code units."""
        return self.shift == 0

    def encode(self, view: str) -> str:
        """``view`` (dense form) written like the keys: homophone classes, as UTF-16 code units
        unless wide. A match ending at code unit ``end_b`` ends at character ``(end_b + 1) >> shift``;
        with UTF-16, matches ending on an even ``end_b`` are misaligned (half a character) and skipped."""
        return encode_classes(view, self.class_table, self.class_codes, self.shift)

    def key_ends(self, view: str) -> Iterator[tuple[int, int]]:
        """``(end, pattern id)`` of every key found in the dense-form ``view`` (end exclusive)."""
        shift = self.shift
        groups = self.groups
        for end_b, val in self.automaton.iter(self.encode(view)):
            if shift and not end_b & 1:
                continue
            e = (end_b + 1) >> shift
            if val >= 0:
                yield e, val
            else:
                for pid in groups[-val - 1]:
                    yield e, pid


_codes_cache: list[tuple[list[str | None], bytes]] = []  # (class table, its codes), the latest few


def _shared_codes(class_table: list[str | None]) -> bytes:
    """:func:`~plugin.matching.native.class_codes` of ``class_table``, built once per table (the
    process-wide one, or a lexicon's copy with digits read as numerals)."""
    for table, codes in _codes_cache:
        if table is class_table:
            return codes
    codes = class_codes(class_table)
    _codes_cache[:] = [(class_table, codes), *_codes_cache[:3]]
    return codes


class _Patterns:
    """The parallel arrays of :class:`CompiledLexicon` under construction, one row per key."""

    __slots__ = ("entry", "kind", "dense", "homophone", "variant_of", "alt_keys", "forms")

    def __init__(self) -> None:
        self.entry: array[int] = array("i")
        self.kind = bytearray()
        self.dense: list[str] = []
        self.homophone = bytearray()
        self.variant_of: dict[int, tuple[Technique, ContextGate | None]] = {}
        self.alt_keys: list[tuple[int, str]] = []  # (pattern id, contextual class key) of polyphonic terms
        self.forms: list[tuple[str, Technique]] = []

    def add(self, entry: int, kind: PatternKind, dense: str, homophone: bool = False, shape: bool = False) -> None:
        self.entry.append(entry)
        self.kind.append(kind)
        self.dense.append(dense)
        self.homophone.append((HOMOPHONE_FLAG if homophone else 0) | (SHAPE_FLAG if shape else 0))

    def add_variant(self, entry: int, dense: str, technique: Technique, gate: ContextGate | None) -> None:
        self.variant_of[len(self.dense)] = (technique, gate)
        self.add(entry, PatternKind.VARIANT, dense)

    def add_form(self, spelling: str, reads_as: str, technique: Technique) -> None:
        self.add(len(self.forms), PatternKind.FORM, spelling)
        self.forms.append((reads_as, technique))


_TERM_OF, _CONTEXT_OF = attrgetter("term"), attrgetter("context")


def compile_lexicon(entries: tuple[Entry, ...], tables: VariantTables) -> CompiledLexicon:
    """Build the automaton and tables for ``entries`` (allow entries included)."""
    with paused_gc():  # (millions of rows, no cycles: the collections their allocations trigger find nothing)
        return _compile(entries, tables)


def _compile(entries: tuple[Entry, ...], tables: VariantTables) -> CompiledLexicon:
    terms_dense, uncollapsed = _dense_terms(entries)
    regexes, disabled = compile_regexes(entries)
    pats = _Patterns()
    flags = entry_flags(entries)  # (what the passes below ask of each entry, read once)
    pinyin, initials_crc, initials_entry = _pinyin_entries(flags, terms_dense, tables)
    _add_word_keys(pats, entries, terms_dense, tables, uncollapsed, pinyin)
    _add_slang_keys(pats, entries, terms_dense, load_slang_table())
    reach = max(map(len, pats.dense), default=0) + 2  # a joined word may be longer than its spelling
    used = set("".join(pats.dense))  # (every character of a word key)
    _add_split_forms(pats, flags, terms_dense, tables)
    _add_emoji_forms(pats, used, tables)
    wide = len(pats.dense) > U16_MAX_PATTERNS
    class_table = digit_class_table(tables.class_table, (d for i, d in enumerate(terms_dense)
                                                         if not entries[i].regex and entries[i].action != "allow"))
    if class_table is not tables.class_table:  # digits read as numerals: contextual keys written alike
        digits = {ord(ch): class_table[ord(ch)] for ch in "0123456789"}
        pats.alt_keys = [(pid, alt.translate(digits)) for pid, alt in pats.alt_keys]
    texts = PatternTexts(pats.dense)
    pats.dense = []  # (a string per key no more: freed before the automaton's nodes are allocated)
    automaton, groups = _build_automaton(texts, pats.alt_keys, class_table, wide)
    reading_rows, reading_prefixes = _reading_rows(texts, used, pats, pinyin, class_table, automaton, wide, tables)
    gates: list[ContextGate | None] = [None] * len(entries)
    contexts = list(map(_CONTEXT_OF, entries))
    for i in compress(range(len(entries)), contexts):  # (few entries have a context rule)
        gates[i] = context_gate(contexts[i])
    return CompiledLexicon(
        entries, class_table, pats.entry, bytes(pats.kind), texts, bytes(pats.homophone),
        tables.shape_groups, pats.variant_of, groups, automaton, tuple(gates),
        _min_lengths(terms_dense, uncollapsed), tuple(regexes), 0 if wide else 1, tuple(pats.forms), reach,
        bytes(pinyin), initials_crc, initials_entry, tuple(disabled), pat_reading=dict(pats.alt_keys),
        reading_rows=reading_rows, reading_prefixes=reading_prefixes)


def _reading_rows(texts: PatternTexts, chars: set[str], pats: _Patterns, pinyin: bytearray,
                  class_table: list[str | None], automaton: Any, wide: bool,
                  tables: VariantTables) -> tuple[array[int], array[int]]:
    """Rows of the other readings of the pinyin pass's keys (its entries' TERM and PINYIN rows;
    ``chars``: every character they hold, or more)."""
    if automaton is None:
        return array("Q"), array("I")

    def encode(s: str) -> str:
        cls = s.translate(class_table)
        return cls if wide else _u16(cls)

    return other_reading_rows(texts, chars, bytes(pats.kind), pats.entry, bytes(pinyin),
                              bytes((PatternKind.TERM, PatternKind.PINYIN)), encode, 1 if wide else 2,
                              tables.syllable, tables.syllable_class)


def _dense_terms(entries: tuple[Entry, ...]) -> tuple[list[str], dict[int, str]]:
    """:func:`dense_key` of every term, and :func:`_uncollapsed`, from one translate of all terms."""
    texts = list(map(_TERM_OF, entries))
    if not texts:
        return [], {}
    folded = dense_key("\n".join(texts), collapse=False)  # (what both forms start from)
    runs = repeat_runs(folded)
    parts = as_bmp(collapse_runs(folded, runs) if runs else folded).split(BREAK)
    if len(parts) != len(texts):
        parts = [as_bmp(dense_key(t)) for t in texts]
    # a dense form equal to its text is the text itself: the copies go at once (less memory kept)
    return [t if p == t else p for p, t in zip(parts, texts)], _uncollapsed(entries, folded, runs)


def compile_regexes(entries: tuple[Entry, ...]) -> tuple[list[tuple[int, Any]], list[str]]:
    """RE2 objects of pattern entries, and the term ids of those RE2 refuses."""
    regexes: list[tuple[int, Any]] = []
    disabled: list[str] = []
    for i, e in enumerate(entries):
        if not e.regex:
            continue
        try:
            regexes.append((i, compile_pattern(e.regex)))
        except PatternError as exc:  # published by an earlier release (the parser refuses new ones)
            log.error("pattern entry %s (%s) disabled: %s", e.term_id, e.source, exc)
            disabled.append(e.term_id)
    return regexes, disabled


def _variant_technique(name: str, entry: Entry) -> Technique:
    """A curated variant's technique (the lexicon parser only lets known ones through)."""
    try:
        return Technique(name or Technique.VARIANT)
    except ValueError:
        log.warning("entry %s: unknown variant technique %r read as variant", entry.term_id, name)
        return Technique.VARIANT


def _pinyin_entries(flags: bytes, terms_dense: list[str],
                    tables: VariantTables) -> tuple[bytearray, array[int], array[int]]:
    """Per entry (``flags``: :func:`~plugin.matching.native_build.entry_flags`): 1 when it takes part in
    the pinyin pass (enables ``pinyin``, at least two characters with a syllable); and the initials
    index: sorted CRC-32 of the pinyin initials of ``block`` entries whose characters all have a
    syllable or are digits (three syllables or more), with the entry of each."""
    out = bytearray(len(flags))
    initial = _initials_table(tables.syllable)
    part = flags.translate(_TAKES_PART)  # 1 per entry taking part: no pattern, no allow entry, pinyin enabled
    everyone = part.count(0) == 0
    taking_part: Sequence[int] = range(len(flags)) if everyone else [i for i, ok in enumerate(part) if ok]
    # every term's initials in one translate (one character per character: sliced by length); a
    # character with a syllable reads as a letter a-z, nothing else does
    forms = terms_dense if everyone else [terms_dense[i] for i in taking_part]
    block = flags.translate(_IS_BLOCK)
    eligible, crcs, which = initials_index("".join(forms).translate(initial), array("I", accumulate(map(len, forms))),
                                           block if everyone else bytes([block[i] for i in taking_part]),
                                           MIN_INITIALS, NOT_INITIAL)
    if everyone:
        out[:] = eligible
        return out, crcs, which
    for i, ok in zip(taking_part, eligible):
        out[i] = ok
    return out, crcs, array("i", [taking_part[k] for k in which])


#: ``bytes.translate`` tables over :func:`~plugin.matching.native_build.entry_flags`: 1 for an entry
#: that takes part in the pinyin pass, that may have split forms, whose action is block.
_TAKES_PART = bytes(f & (ENTRY_ALLOW | ENTRY_PATTERN | ENTRY_PINYIN) == ENTRY_PINYIN for f in range(256))
_SPLITS = bytes(f & (ENTRY_ALLOW | ENTRY_PATTERN | ENTRY_SPLIT) == ENTRY_SPLIT for f in range(256))
_IS_BLOCK = bytes(bool(f & ENTRY_BLOCK) for f in range(256))


_initials_cache: list[tuple[dict[str, str], list[str]]] = []  # (the process-wide syllable table, its initials table)


def _initials_table(syllable: dict[str, str]) -> list[str]:
    """BMP translate table: a character with a syllable → its initial letter, a digit → itself,
    anything else → :data:`NOT_INITIAL` (built once per syllable table)."""
    if _initials_cache and _initials_cache[0][0] is syllable:
        return _initials_cache[0][1]
    table = _build_initials_table(syllable)
    _initials_cache[:] = [(syllable, table)]
    return table


def _build_initials_table(syllable: dict[str, str]) -> list[str]:
    table = list(_digit_table())
    for ch, sy in syllable.items():
        if ord(ch) < 0x10000:
            table[ord(ch)] = sy[0]
    return table


@lru_cache(maxsize=1)
def _digit_table() -> tuple[str, ...]:
    return tuple(chr(cp) if chr(cp).isdigit() else NOT_INITIAL for cp in range(0x10000))


def _add_word_keys(pats: _Patterns, entries: tuple[Entry, ...], terms_dense: list[str],
                   tables: VariantTables, uncollapsed: dict[int, str], pinyin: bytearray) -> None:
    """Keys of the word entries: term, curated variants, numerals for digits, shape-alikes; for
    the pinyin pass, the readings of polyphonic characters in context and uncollapsed terms."""
    add = pats.add
    # (the term rows' appends inlined: this loop runs once per entry that is not plain)
    p_entry, p_kind, p_dense, p_homo = pats.entry.append, pats.kind.append, pats.dense.append, pats.homophone.append
    term_kind, shape_kind = int(PatternKind.TERM), int(PatternKind.SHAPE)
    alikes = _shape_alike_table(tables) if tables.shape_groups else None
    no_context = tables.no_context_chars  # characters that never start or end a phrase reading override
    holders = phrase_holders(terms_dense)  # terms that a phrase reading may read differently (one scan)
    # runs of plain entries (no pattern, variants, digits, phrase reading or doubled character) get their
    # term and shape-alike rows from one call (in C when built); this loop adds the others one by one
    own = bytearray(len(entries))
    for i in holders:
        own[i] = 1
    for i in uncollapsed:
        own[i] = 1
    as_tuple = entries if type(entries) is tuple else tuple(entries)
    i = 0
    while i < len(entries):
        i, row_entry, row_kind, row_flags, row_dense = word_rows(
            as_tuple, terms_dense, own, i, alikes, term_kind, HOMOPHONE_FLAG, SHAPE_FLAG)
        pats.entry.extend(row_entry)
        pats.kind.extend(row_kind)
        pats.homophone.extend(row_flags)
        pats.dense.extend(row_dense)
        if i == len(entries):
            break
        at = i  # (the entry this pass adds)
        e = entries[at]
        i += 1
        if e.regex:
            continue
        d = terms_dense[at]
        techniques = e.techniques
        allow = e.action == "allow"
        no_break = BREAK not in d
        # one read of the key (in C when built): whether a character has shape-alikes (and the entry
        # enables them), whether it holds a digit; where the term has no sentence end its alikes get no
        # key: the scan verifies them on the term's own key (:func:`shape_alike` for alikes of the same
        # homophone class, :func:`~plugin.matching.native.shape_outputs` for the others); a term with a
        # sentence end (no term key) has the term with one character replaced by an alike as keys, at most 24
        flags, shape_keys = shape_rows(d, alikes or _NO_ALIKES, alikes is not None and "shape" in techniques,
                                       no_break, MAX_SHAPE_VARIANTS)
        shaped = flags & SHAPED
        if d and no_break:
            homo = "homophone" in techniques and not allow
            if at in holders and (homo or pinyin[at]) and not no_context.issuperset(d):
                alt = tables.contextual_key(d)  # polyphonic characters read in context (银行 → hang)
                if alt is not None:
                    pats.alt_keys.append((len(pats.dense), alt))
            # shape-alikes are verified on the term's own key
            p_entry(at)
            p_kind(term_kind)
            p_dense(e.term if d == e.term else d)
            p_homo((HOMOPHONE_FLAG if homo else 0) | (SHAPE_FLAG if shaped and not allow else 0))
            if at in uncollapsed:
                full = uncollapsed[at]
                if full != d:  # 时时彩 as written (时#时#彩: a repeat across a separator stays), read as shishicai
                    if pinyin[at] and not no_context.issuperset(full):
                        alt = tables.contextual_key(full)
                        if alt is not None:
                            pats.alt_keys.append((len(pats.dense), alt))
                    add(at, PatternKind.PINYIN, full)
        if e.variants:
            _add_variants(pats, at, e)
        if allow or not d:
            continue
        if flags & HAS_DIGIT and no_break:  # 加拿大28 also as 加拿大二八 / 加拿大贰捌
            for table in DIGIT_NUMERALS:
                pats.add_variant(at, d.translate(table), Technique.VARIANT, None)
        if shape_keys:
            k = len(shape_keys)
            pats.entry.extend(repeat(at, k))
            pats.kind.extend(bytes((shape_kind,)) * k)
            pats.dense.extend(shape_keys)
            pats.homophone.extend(bytes(k))


_NO_ALIKES: list[tuple[tuple[str, bool], ...] | None] = [None] * 0x10000
_alike_table_cache: list[tuple[VariantTables, list[tuple[tuple[str, bool], ...] | None]]] = []


def _shape_alike_table(tables: VariantTables) -> list[tuple[tuple[str, bool], ...] | None]:
    """Per BMP code point: None, or (for a character of ``tables.shape_groups``) its shape-alikes as
    key characters with whether each is of its own homophone class (:func:`_shape_alikes`; empty for a
    character without any). Built once per shape and class table."""
    if _alike_table_cache and _alike_table_cache[0][0].shape_groups is tables.shape_groups \
            and _alike_table_cache[0][0].class_table is tables.class_table:
        return _alike_table_cache[0][1]
    alikes = _shape_alikes(tables)
    table: list[tuple[tuple[str, bool], ...] | None] = [None] * 0x10000
    for ch in tables.shape_groups:
        if ord(ch) < 0x10000:
            table[ord(ch)] = alikes.get(ch, ())
    _alike_table_cache[:] = [(tables, table)]
    return table


_alikes_cache: list[tuple[VariantTables, dict[str, tuple[tuple[str, bool], ...]]]] = []


def _shape_alikes(tables: VariantTables) -> dict[str, tuple[tuple[str, bool], ...]]:
    """Character → its shape-alikes as key characters (:func:`as_bmp`), each with whether it is of
    the character's own homophone class (built once per shape and class table)."""
    if _alikes_cache and _alikes_cache[0][0].shape_groups is tables.shape_groups \
            and _alikes_cache[0][0].class_table is tables.class_table:
        return _alikes_cache[0][1]
    found = {ch: tuple((as_bmp(alt), _same_class(tables.class_table, ch, alt)) for alt in alts)
             for ch, alts in tables.shape_groups.items() if alts}
    _alikes_cache[:] = [(tables, found)]
    return found


def _add_slang_keys(pats: _Patterns, entries: tuple[Entry, ...], terms_dense: list[str], slang: SlangTable) -> None:
    """Terms with a word of the slang table replaced by a coinage (威信号出售 for 微信号出售), for
    entries that enable ``homophone``; each keeps the coinage's context gate."""
    if not slang.rows:
        return
    firsts = {word[0] for word, _rows in slang.rows if word}  # (a term holding none has no variant)
    for i in _holding(terms_dense, firsts):  # (few terms hold a slang word's start)
        e = entries[i]
        d = terms_dense[i]
        if e.regex or e.action == "allow" or "homophone" not in e.techniques or BREAK in d:
            continue
        for vd, rule in slang_variants(d, slang):
            pats.add_variant(i, as_bmp(vd), Technique.VARIANT, context_gate(rule) if rule else None)


def _holding(texts: list[str], chars: set[str]) -> list[int]:
    """Indices of the ``texts`` that hold one of ``chars``, in order: each character searched for in all
    the texts joined (a C search) instead of each text read in turn (a string per character of every text)."""
    joined = "".join(texts)
    bounds = list(accumulate(map(len, texts)))  # text i ends before bounds[i]
    found: set[int] = set()
    for ch in chars:
        at = joined.find(ch)
        while at != -1:
            found.add(bisect_right(bounds, at))
            at = joined.find(ch, at + 1)
    return sorted(found)


def _add_variants(pats: _Patterns, i: int, e: Entry) -> None:
    """An entry's curated variants, each with its technique and context gate."""
    for v in e.variants:
        vd = as_bmp(dense_key(v.text))
        if vd and BREAK not in vd:
            pats.add_variant(i, vd, _variant_technique(v.technique, e), context_gate(v.context) if v.context else None)


def _same_class(class_table: list[str | None], a: str, b: str) -> bool:
    return ord(a) < 0x10000 and ord(b) < 0x10000 and class_table[ord(a)] == class_table[ord(b)]


def shape_alike(seg: str, term: str, c: CompiledLexicon) -> bool:
    """Whether ``seg`` (same homophone classes as ``term``, one character different) is ``term``
    with a shape-alike of the same class in place of one character (:func:`shape_ranked`)."""
    pos = 0
    for a, b in zip(seg, term):  # (the first differing character; a loop, not a generator: this runs per candidate)
        if a != b:
            break
        pos += 1
    t, alt = term[pos], seg[pos]
    return _same_class(c.class_table, t, alt) and alt in _bmp_alts(c.shape_groups, t) \
        and shape_ranked(term, pos, alt, c.shape_groups)


def shape_ranked(term: str, pos: int, alt: str, shape: dict[str, tuple[str, ...]]) -> bool:
    """Whether ``term`` with ``alt`` at ``pos`` is among its first :data:`MAX_SHAPE_VARIANTS` shape-alike
    spellings (alikes in ``shape`` order, character by character)."""
    alts = _bmp_alts(shape, term[pos])
    if alt not in alts:
        return False
    rank = sum(len(shape.get(ch, ())) for ch in term[:pos]) + alts.index(alt)
    return rank < MAX_SHAPE_VARIANTS


#: (id of a shape table, character) → (the table, the character's alikes with astral ones as :func:`as_bmp`
#: writes them): the tables live as long as the process (a few thousand characters each).
_BMP_ALTS: dict[tuple[int, str], tuple[dict[str, tuple[str, ...]], tuple[str, ...]]] = {}


def _bmp_alts(shape: dict[str, tuple[str, ...]], ch: str) -> tuple[str, ...]:
    """``ch``'s shape-alikes in ``shape``, each through :func:`as_bmp` (made once per table and character)."""
    got = _BMP_ALTS.get((id(shape), ch))
    if got is None or got[0] is not shape:
        got = _BMP_ALTS[(id(shape), ch)] = (shape, tuple(map(as_bmp, shape.get(ch, ()))))
    return got[1]


def shape_sources(c: CompiledLexicon) -> dict[str, str]:
    """Character → the characters it is a shape-alike of, of another homophone class, that some pattern
    of ``c`` holds (己 → 已), when some term pattern enables shape-alikes; else empty."""
    if not c.pat_homophone.translate(_SHAPE_BIT).count(1):
        return {}
    text = c.pat_dense.text
    found: dict[str, str] = {}
    for ch, alts in c.shape_groups.items():
        if ch not in text:
            continue
        for alt in map(as_bmp, alts):
            if not _same_class(c.class_table, ch, alt) and ch not in found.get(alt, ""):
                found[alt] = found.get(alt, "") + ch
    return found


_SHAPE_BIT = bytes(bool(f & SHAPE_FLAG) for f in range(256))


def _add_split_forms(pats: _Patterns, flags: bytes, terms_dense: list[str], tables: VariantTables) -> None:
    """Component spellings (弓长 → 张) of the characters that split-enabled terms contain (``flags``:
    :func:`~plugin.matching.native_build.entry_flags`)."""
    splits = flags.translate(_SPLITS)
    wanted = set("".join(terms_dense if splits.count(0) == 0 else [terms_dense[i] for i, ok in enumerate(splits) if ok]))
    wanted.discard(BREAK)
    if wanted:
        for form, ch in tables.split_join.items():
            if ch in wanted:
                pats.add_form(form, ch, Technique.SPLIT)


def _add_emoji_forms(pats: _Patterns, used: set[str], tables: VariantTables) -> None:
    """Word emoji (🐧 → 企鹅) whose word's characters all occur in some key (``used``)."""
    for code, word in tables.emoji_join.items():
        if used.issuperset(word):
            pats.add_form(code, word, Technique.VARIANT)


def _build_automaton(texts: PatternTexts, alt_keys: list[tuple[int, str]], class_table: list[str | None],
                     wide: bool) -> tuple[Any, list[tuple[int, ...]]]:
    """One automaton over the class keys of every pattern (None when there are none); keys
    shared by several patterns map to a group. ``alt_keys``: (pattern, contextual class key) of
    polyphonic terms, an extra key for the same pattern."""
    if not len(texts):
        return None, []
    automaton = ahocorasick.Automaton(ahocorasick.STORE_INTS)  # (int values: no Python object per key)
    # every key sliced out of one translated (and encoded) string: the patterns' keys, then the contextual keys
    joined = texts.text.translate(class_table)
    ends = array("I", texts.ends)
    if alt_keys:
        ends.extend(accumulate((len(key) for _pid, key in alt_keys), initial=len(joined)))
        del ends[len(texts)]  # (accumulate's initial value: the end of the last pattern, already there)
        joined += "".join(key for _pid, key in alt_keys)
    if not wide:
        joined = _u16(joined)
        ends = array("I", [2 * end for end in ends])
    pids = array("i", range(len(texts)))
    pids.extend(pid for pid, _key in alt_keys)
    groups = add_keys(automaton.add_word, joined, ends, pids)
    del joined
    automaton.make_automaton()
    return automaton, groups


def _uncollapsed(entries: tuple[Entry, ...], folded: str, runs: list[tuple[int, int]]) -> dict[int, str]:
    """Dense terms with runs of one character kept (轻轻松松 stays four characters), for the entries
    where that differs from the collapsed form; ``folded``: the uncollapsed dense form of all terms
    joined by line breaks, ``runs`` its :func:`repeat_runs`."""
    joined = as_bmp(folded)
    if joined.count(BREAK) != len(entries) - 1:  # a term with a sentence end inside: one by one
        out = {i: as_bmp(dense_key(e.term, collapse=False)) for i, e in enumerate(entries)}
        return {i: u for i, u in out.items() if repeat_runs(u)}  # what collapsing removes
    if joined is not folded:  # (an astral character read as U+FFFD is no longer a repeat)
        runs = repeat_runs(joined)
    found: dict[int, str] = {}
    idx = 0
    last = 0
    for start, _ in runs:
        idx += joined.count(BREAK, last, start)
        last = start
        if idx not in found:
            found[idx] = as_bmp(dense_key(entries[idx].term, collapse=False))
    return found


def _min_lengths(terms_dense: list[str], uncollapsed: dict[int, str]) -> dict[int, int]:
    """Terms with a doubled character (轻轻松松) collapse to a shorter key; a hit must still be
    at least as long as the uncollapsed term, so 轻松 alone is not 轻轻松松."""
    return {i: len(u) for i, u in uncollapsed.items() if len(terms_dense[i]) < len(u)}
