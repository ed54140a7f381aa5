"""Polyphonic characters: every reading for the pinyin view, the reading in context for homophones.

* :func:`reading_keys`: the pinyin keys of a term, one per combination of its characters'
  readings (pypinyin ``heteronym=True``: 银行 → yinxing, yinhang, yinheng), so pinyin written for
  any reading of 行 / 重 / 藏 is found; at most :data:`MAX_READING_KEYS` per term.
  :func:`reading_class_keys` writes them in homophone classes: the keys only the pinyin pass
  reads in the main automaton (:mod:`plugin.matching.pinyin`).
* :func:`reading_ok`: homophone classes stay precise. Where pypinyin's phrase dictionary reads a
  polyphonic character of a term differently in context (银行: hang), a homophone candidate must
  sound like that reading: 银航 hits 收购银行卡, 银型 (the other reading, xing) does not.
"""

from __future__ import annotations

import zlib
from array import array
from collections.abc import Callable
from functools import lru_cache
from itertools import islice, product

from ..snapshot import cached
from .model import PatternTexts
from .native_build import reading_rows

__all__ = ["MAX_READING_KEYS", "PID_BITS", "PID_MASK", "is_reading", "key_hash", "other_reading_rows", "polyphonic_classes", "reading_class_keys", "reading_keys", "reading_ok",
           "readings"]

#: Pinyin keys per term form (combinations of readings).
MAX_READING_KEYS = 16


@lru_cache(maxsize=65536)
def readings(ch: str) -> tuple[str, ...]:
    """Toneless readings of one CJK character, most common first (empty for anything else)."""
    from pypinyin import Style, pinyin

    got = pinyin(ch, style=Style.NORMAL, heteronym=True, errors="ignore", v_to_u=False)
    if not got:
        return ()
    return tuple(dict.fromkeys(r.lower() for r in got[0] if r.isascii() and r.isalpha()))


def reading_keys(form: str, syllable: dict[str, str]) -> list[str]:
    """Pinyin keys of ``form`` for every combination of its characters' readings (the table
    reading first), at most :data:`MAX_READING_KEYS`; other characters are kept."""
    return _combinations(form, syllable, None)


def reading_class_keys(form: str, syllable: dict[str, str], syllable_class: dict[str, str]) -> list[str]:
    """:func:`reading_keys` written in homophone classes (one class character per character, as
    the main automaton's keys are): the first is the table reading's key; ``[]`` when no character
    of ``form`` has a second reading."""
    other = _other_classes(syllable, syllable_class)
    if other.keys().isdisjoint(form):  # (most characters have one reading: a set test per term)
        return []
    choices = [other.get(ch) or (syllable_class.get(syllable[ch], ch) if ch in syllable else ch,) for ch in form]
    return _bounded_product(choices)


def polyphonic_classes(syllable: dict[str, str], syllable_class: dict[str, str]) -> dict[str, tuple[str, ...]]:
    """Characters with more than one reading → the classes of their readings, the table reading
    first (process-wide; from the snapshot when there is one)."""
    return _other_classes(syllable, syllable_class)


#: A row of :func:`other_reading_rows`: the key's hash above these bits, its pattern below.
PID_BITS = 24
PID_MASK = (1 << PID_BITS) - 1


def key_hash(key: str) -> int:
    """CRC-32 of an automaton key (the same in every process, so the rows can be stored)."""
    return zlib.crc32(key.encode("utf-16-be", "surrogatepass"))


def other_reading_rows(texts: PatternTexts, chars: set[str], kinds: bytes, entries: array[int], eligible: bytes, wanted: bytes,
                       encode: Callable[[str], str], width: int, syllable: dict[str, str],
                       syllable_class: dict[str, str]) -> tuple[array[int], array[int]]:
    """The keys the patterns of the pinyin pass (kind in ``wanted``, entry ``eligible``) would have in
    every other combination of their polyphonic characters' readings (:func:`reading_class_keys`: at
    most 16 per form, in its order), as sorted 8-byte rows (:func:`key_hash` above :data:`PID_BITS`,
    the pattern below), and the sorted distinct hashes of their prefixes (at class edges: ``width``
    code units a class). ``chars``: every character those patterns hold (or more); ``encode`` writes a
    character or class as the automaton reads it.
    Patterns above :data:`PID_MASK` are left out. A prefix the automaton also has is kept: the pass
    follows a reading while either has it, so the answer is the same and no look-up is needed here."""
    other = _other_classes(syllable, syllable_class)
    units: dict[str, str] = {}

    def unit(x: str) -> str:
        found = units.get(x)
        if found is None:
            found = units[x] = encode(x)
        return found

    # every character of the patterns → its readings as the automaton reads them (the table reading first)
    choices = {ch: tuple(unit(x) for x in other.get(ch) or (ch,)) for ch in chars if ord(ch) < 0x10000}
    return reading_rows(texts, kinds, entries, eligible, wanted, choices, width, MAX_READING_KEYS, PID_BITS)


def is_reading(read: str, form: str, key: str, syllable: dict[str, str], syllable_class: dict[str, str]) -> bool:
    """Whether ``read`` (one class character per character of ``form``) is one of the keys
    :func:`reading_class_keys` writes for ``form`` (the first :data:`MAX_READING_KEYS` combinations
    of its characters' readings); ``key``: ``form`` in table-reading classes (what a character
    without another reading must read as)."""
    other = _other_classes(syllable, syllable_class)
    rank = 0
    for r, ch, k in zip(read, form, key):
        classes = other.get(ch)
        if classes is None:
            if r != k:
                return False
            continue
        if r not in classes:
            return False
        rank = rank * len(classes) + classes.index(r)  # (its place in the combinations' product order)
    return rank < MAX_READING_KEYS


_other_cache: list[tuple[dict[str, str], dict[str, str], dict[str, tuple[str, ...]]]] = []


def _other_classes(syllable: dict[str, str], syllable_class: dict[str, str]) -> dict[str, tuple[str, ...]]:
    """Characters with more than one reading → the classes of their readings (the table reading
    first), for one pair of (process-wide) tables; from the snapshot of :mod:`plugin.snapshot` when
    there is one (pypinyin's dictionaries are not loaded then)."""
    if _other_cache and _other_cache[0][0] is syllable and _other_cache[0][1] is syllable_class:
        return _other_cache[0][2]
    found = cached("polyphonic-classes", lambda: _build_other_classes(syllable, syllable_class))
    _other_cache[:] = [(syllable, syllable_class, found)]
    return found


def _build_other_classes(syllable: dict[str, str], syllable_class: dict[str, str]) -> dict[str, tuple[str, ...]]:
    from pypinyin.constants import PINYIN_DICT

    found: dict[str, tuple[str, ...]] = {}
    for cp, value in PINYIN_DICT.items():
        ch = chr(cp)
        first = syllable.get(ch)
        if first is None or "," not in value:  # (one reading with tones: one without)
            continue
        classes = tuple(dict.fromkeys(syllable_class[r] for r in (first, *readings(ch)) if r in syllable_class))
        if len(classes) > 1:
            found[ch] = classes
    return found


def _combinations(form: str, syllable: dict[str, str], write: dict[str, str] | None) -> list[str]:
    """Combinations of the readings of ``form``'s characters, each reading written as ``write``
    says (its syllable when None; a reading ``write`` lacks is left out)."""
    choices: list[tuple[str, ...]] = []
    for ch in form:
        first = syllable.get(ch)
        if first is None:
            choices.append((ch,))
            continue
        found = dict.fromkeys((first, *readings(ch)))
        choices.append(tuple(found) if write is None else tuple(write[r] for r in found if r in write))
    return _bounded_product(choices)


def _bounded_product(choices: list[tuple[str, ...]]) -> list[str]:
    """The joined combinations of ``choices`` in order, at most :data:`MAX_READING_KEYS`."""
    return ["".join(combo) for combo in islice(product(*choices), MAX_READING_KEYS)]


def reading_ok(seg: str, term: str, reading: str, class_table: list[str | None]) -> bool:
    """Whether every character of ``seg`` that differs from ``term`` sounds like the term's reading
    in context there (``reading``: the term's contextual key, one class character per character)."""
    for a, b, r in zip(seg, term, reading):
        if a != b and class_table[ord(a)] != r:
            return False
    return True
