"""The compile's bulk loops, in C when the extension ``plugin.matching.cbuild`` is built (``pip
install`` builds it from ``cbuild.c``), else in Python with identical results (the scan's loops are
:mod:`plugin.matching.native`).

* :func:`add_keys`: every distinct key added to the automaton once, patterns sharing a key as groups,
  the most frequent first letters first;
* :func:`initials_index`: which terms take part in the pinyin pass, and the initials index;
* :func:`reading_rows`: the hash rows and prefix hashes of the other readings of every polyphonic
  pattern of the pinyin pass (:func:`plugin.matching.polyphony.other_reading_rows`);
* :func:`entry_flags`: what the compile's passes ask of each entry, one byte each, read in one pass;
* :func:`word_rows`: the term rows of a run of plain word entries in one call (their shape-alikes are
  verified by the scan, no keys);
* :func:`shape_rows`: one term key read once for the compile's per-entry loop: whether it holds
  shape-alike characters or digits, and its shape-alike keys where the scan cannot verify them;
* :func:`letter_patterns`: the patterns whose text holds a Latin letter (the Latin-repeat keys');
* :func:`slotted_rows`: the objects of a frozen dataclass of slots, one per row of columns (an
  artefact's entries, read back), through the scan's record constructor
  (:func:`~plugin.matching.native.record_maker`, ``cloops.slot_object``).

Each has a pure-Python twin (``*_py``); tests run both on the same inputs and compare.
"""

from __future__ import annotations

import zlib
from array import array
from collections import Counter
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from .model import PatternTexts
from .native import other_reading_keys_py, record_maker

try:
    from . import cbuild
except ImportError:  # not built (a checkout without ``pip install``): the Python twins serve
    cbuild = None  # type: ignore[assignment]

__all__ = ["HAS_DIGIT", "NATIVE_BUILD", "SHAPED", "add_keys", "add_keys_py", "first_letter_rank", "initials_index", "initials_index_py", "letter_patterns", "letter_patterns_py", "reading_rows",
           "reading_rows_py", "shape_rows", "shape_rows_py", "slotted_rows", "slotted_rows_py",
           "word_rows", "word_rows_py", "entry_flags", "entry_flags_py", "ENTRY_ALLOW", "ENTRY_BLOCK",
           "ENTRY_PATTERN", "ENTRY_PINYIN", "ENTRY_SPLIT", "ENTRY_HOMOPHONE", "ENTRY_VARIANTS"]

T = TypeVar("T")

#: Whether the C extension of the compile is in use.
NATIVE_BUILD: bool = cbuild is not None


def reading_rows_py(texts: PatternTexts, kinds: bytes, entries: array[int], eligible: bytes, wanted: bytes,
                    choices: dict[str, tuple[str, ...]], width: int, max_keys: int,
                    pid_bits: int) -> tuple[array[int], array[int]]:
    """For every pattern whose kind is in ``wanted`` and whose entry is ``eligible`` (patterns from
    ``1 << pid_bits`` on left out), with a character of several readings (``choices``: every
    character of such a pattern → its encoded readings, the table reading first): the rows of its
    other reading combinations and the CRC-32 of their prefixes
    (:func:`~plugin.matching.native.other_reading_keys_py` without a prefix filter), as sorted
    ``array('Q')`` rows and a sorted ``array('I')`` of distinct prefixes."""
    rows: list[int] = []
    prefixes: set[int] = set()
    for pid in range(min(len(texts), 1 << pid_bits)):
        if kinds[pid] not in wanted or not eligible[entries[pid]]:
            continue
        parts = [choices[ch] for ch in texts[pid]]
        if all(len(p) == 1 for p in parts):
            continue
        form_rows, form_prefixes = other_reading_keys_py(parts, pid, width, max_keys, pid_bits, None)
        rows.extend(form_rows)
        prefixes.update(form_prefixes)
    return array("Q", sorted(rows)), array("I", sorted(prefixes))


def reading_rows(texts: PatternTexts, kinds: bytes, entries: array[int], eligible: bytes, wanted: bytes,
                 choices: dict[str, tuple[str, ...]], width: int, max_keys: int,
                 pid_bits: int) -> tuple[array[int], array[int]]:
    """:func:`reading_rows_py`, in C when built (one pass, no Python object per row)."""
    if cbuild is None:
        return reading_rows_py(texts, kinds, entries, eligible, wanted, choices, width, max_keys, pid_bits)
    row_bytes, prefix_bytes = cbuild.reading_rows(texts.text, texts.ends, kinds, entries, eligible, wanted, choices,
                                                  width, max_keys, pid_bits)
    rows, prefixes = array("Q"), array("I")
    rows.frombytes(row_bytes)
    prefixes.frombytes(prefix_bytes)
    return rows, prefixes


def add_keys_py(add: Callable[[str, int], object], text: str, ends: array[int],
                pids: array[int]) -> list[tuple[int, ...]]:
    """Key ``i`` is ``text[ends[i - 1]:ends[i]]``, for pattern ``pids[i]``. Calls ``add(key, value)``
    (the automaton's ``add_word``) once per distinct key: the value is the key's pattern when one
    pattern has it, else ``-g - 1`` where ``groups[g]`` (returned) holds its patterns in order of
    occurrence, each once (groups numbered as their second pattern arrives). Keys are added in
    :func:`first_letter_rank` order, keys of one rank in the order of their first occurrence: a
    pyahocorasick node keeps its children in the order they were added and searches them linearly,
    so the root's thousands of children are met most frequent first (half the time of adding the
    keys and of ``make_automaton`` at a million keys; the same trie, so the same matches)."""
    values: dict[str, int] = {}
    groups: list[tuple[int, ...]] = []
    start = 0
    for end, pid in zip(ends, pids):
        key = text[start:end]
        start = end
        prev = values.setdefault(key, pid)
        if prev == pid:
            continue
        if prev >= 0:
            groups.append((prev, pid))
            values[key] = -len(groups)
        elif pid not in groups[-prev - 1]:
            groups[-prev - 1] = groups[-prev - 1] + (pid,)
    rank = first_letter_rank(text[:ends[-1]] if len(ends) else "")
    for key, value in sorted(values.items(), key=lambda kv: rank(kv[0])):
        add(key, value)
    return groups


def first_letter_rank(text: str) -> Callable[[str], int]:
    """The sort key :func:`add_keys` orders keys by: the rank of a key's first letter among the BMP
    letters of ``text`` (the keys), most frequent first, ties by code point; 0 for an empty key, a
    first letter beyond the BMP after every rank."""
    counts = Counter(text)
    bmp = [ch for ch in counts if ord(ch) < 0x10000]
    ranks = {ch: r for r, ch in enumerate(sorted(bmp, key=lambda ch: (-counts[ch], ord(ch))), 1)}
    beyond = len(ranks) + 1

    def rank(key: str) -> int:
        return ranks.get(key[0], beyond) if key else 0

    return rank


def add_keys(add: Callable[[str, int], object], text: str, ends: array[int],
             pids: array[int]) -> list[tuple[int, ...]]:
    """:func:`add_keys_py`, in C when built (no Python string per key but the one added)."""
    if cbuild is None:
        return add_keys_py(add, text, ends, pids)
    return cbuild.add_keys(add, text, ends, pids)


def initials_index_py(initials: str, ends: array[int], block: bytes, min_syllables: int,
                      not_initial: str) -> tuple[bytes, array[int], array[int]]:
    """Form ``k`` is ``initials[ends[k - 1]:ends[k]]`` (a term as its pinyin initials: a letter a-z
    per character with a syllable). Returns one byte per form, 1 when it has two letters or more;
    and, for the forms with at least ``min_syllables`` letters, ``block[k]`` set and no
    ``not_initial`` character, the sorted CRC-32 of each (ASCII, other characters as "?") with its
    form (forms of one CRC in order)."""
    eligible = bytearray(len(ends))
    rows: list[tuple[int, int]] = []
    start = 0
    for k, end in enumerate(ends):
        form = initials[start:end]
        start = end
        letters = sum(1 for ch in form if "a" <= ch <= "z")
        if letters >= 2:
            eligible[k] = 1
            if letters >= min_syllables and block[k] and not_initial not in form:
                rows.append((zlib.crc32(form.encode("ascii", "replace")), k))
    rows.sort()
    return bytes(eligible), array("I", [crc for crc, _k in rows]), array("i", [k for _crc, k in rows])


def initials_index(initials: str, ends: array[int], block: bytes, min_syllables: int,
                   not_initial: str) -> tuple[bytes, array[int], array[int]]:
    """:func:`initials_index_py`, in C when built."""
    if cbuild is None:
        return initials_index_py(initials, ends, block, min_syllables, not_initial)
    eligible, crc_bytes, form_bytes = cbuild.initials_index(initials, ends, block, min_syllables, not_initial)
    crcs, forms = array("I"), array("i")
    crcs.frombytes(crc_bytes)
    forms.frombytes(form_bytes)
    return eligible, crcs, forms


def letter_patterns_py(text: str, ends: array[int]) -> array[int]:
    """The patterns (pattern ``i``: ``text[ends[i - 1]:ends[i]]``) whose text holds a Latin letter a-z, in order."""
    found = array("i")
    start = 0
    for pid, end in enumerate(ends):
        if any("a" <= ch <= "z" for ch in text[start:end]):
            found.append(pid)
        start = end
    return found


def letter_patterns(text: str, ends: array[int]) -> array[int]:
    """:func:`letter_patterns_py`, in C when built (one pass over the packed texts, no slice per pattern)."""
    if cbuild is None:
        return letter_patterns_py(text, ends)
    found = array("i")
    found.frombytes(cbuild.letter_patterns(text, ends))
    return found


def slotted_rows_py(cls: type[T], columns: tuple[Sequence[Any], ...]) -> list[T]:
    """``cls(*row)`` for each row of ``columns`` (one sequence per field of ``cls``, in order)."""
    if len({len(c) for c in columns}) > 1:
        raise ValueError("columns of different lengths")
    return [cls(*row) for row in zip(*columns)]


def slotted_rows(cls: type[T], columns: tuple[Sequence[Any], ...]) -> list[T]:
    """:func:`slotted_rows_py`, each object made by :func:`~plugin.matching.native.record_maker` (its slots
    written directly in C when built and when that gives what ``cls`` gives on the first row)."""
    if len({len(c) for c in columns}) > 1:
        raise ValueError("columns of different lengths")
    if not columns or not len(columns[0]):
        return slotted_rows_py(cls, columns)
    make = record_maker(cls, tuple(c[0] for c in columns))
    return list(map(make, zip(*columns)))


#: Flags of :func:`shape_rows`: a character of the key has shape-alikes; the key holds an ASCII digit.
SHAPED, HAS_DIGIT = 1, 2


def shape_rows_py(d: str, table: list[tuple[tuple[str, bool], ...] | None], want_shape: bool, verified: bool,
                  max_variants: int) -> tuple[int, list[str]]:
    """For one term key ``d`` (BMP characters): :data:`SHAPED` when ``want_shape`` and some character
    has an item in ``table`` (per BMP code point: None, or its shape-alikes as (alike, same homophone
    class) pairs), :data:`HAS_DIGIT` when ``d`` holds 0-9; and when shaped and not ``verified`` (the scan
    verifies alikes on the term's own key: :func:`~plugin.matching.native.shape_outputs`), ``d`` with one
    character replaced by an alike, in order, at most ``max_variants``."""
    flags = HAS_DIGIT if any("0" <= ch <= "9" for ch in d) else 0
    if want_shape and any(ord(ch) < 0x10000 and table[ord(ch)] is not None for ch in d):
        flags |= SHAPED
    keys: list[str] = []
    if not flags & SHAPED or verified:
        return flags, keys
    for pos, ch in enumerate(d):
        found = table[ord(ch)] if ord(ch) < 0x10000 else None
        for alt, _same_class in found or ():
            if len(keys) >= max_variants:
                return flags, keys
            keys.append(d[:pos] + alt + d[pos + 1:])
    return flags, keys


def shape_rows(d: str, table: list[tuple[tuple[str, bool], ...] | None], want_shape: bool, verified: bool,
               max_variants: int) -> tuple[int, list[str]]:
    """:func:`shape_rows_py`, in C when built."""
    if cbuild is None:
        return shape_rows_py(d, table, want_shape, verified, max_variants)
    return cbuild.shape_rows(d, table, want_shape, verified, max_variants)


#: What :func:`word_rows` returns: where it stopped, and the rows' entries, kinds, flags and dense texts.
WordRows = tuple[int, "array[int]", bytes, bytes, list[str]]


def word_rows_py(entries: tuple[Any, ...], terms: list[str], own: bytes | bytearray, start: int,
                 table: list[tuple[tuple[str, bool], ...] | None] | None, term_kind: int, homophone_flag: int,
                 shape_flag: int) -> WordRows:
    """The pattern rows of the plain word entries from ``start`` on, up to the first that is not plain
    (returned first: the compile's own loop adds that one). Plain: ``own[i]`` 0, no ``regex``, no
    ``variants``, a term key ``terms[i]`` neither empty nor holding a sentence end (U+0000) or a digit.
    Per entry its term row (``term_kind``; ``homophone_flag`` when its techniques hold "homophone" and
    it is no allow entry, ``shape_flag`` when shaped and no allow entry: its shape-alikes are verified on
    this row). Shaped: ``table`` is not None, the techniques hold "shape" and some character has an item in it."""
    row_entry, kinds, flags, dense = array("i"), bytearray(), bytearray(), []
    i = start
    while i < len(entries):
        e, d = entries[i], terms[i]
        if own[i] or not d or e.regex or e.variants or "\x00" in d or any("0" <= ch <= "9" for ch in d):
            break
        allow = e.action == "allow"
        homo = not allow and "homophone" in e.techniques
        shaped = table is not None and "shape" in e.techniques and shape_rows_py(d, table, True, True, 0)[0] & SHAPED
        row_entry.append(i)
        kinds.append(term_kind)
        flags.append((homophone_flag if homo else 0) | (shape_flag if shaped and not allow else 0))
        dense.append(d)
        i += 1
    return i, row_entry, bytes(kinds), bytes(flags), dense


def word_rows(entries: tuple[Any, ...], terms: list[str], own: bytes | bytearray, start: int,
              table: list[tuple[tuple[str, bool], ...] | None] | None, term_kind: int, homophone_flag: int,
              shape_flag: int) -> WordRows:
    """:func:`word_rows_py`, in C when built (no Python bytecode per entry)."""
    args = (entries, terms, own, start, table, term_kind, homophone_flag, shape_flag)
    if cbuild is None:
        return word_rows_py(*args)
    stop, entry_bytes, kinds, flags, dense = cbuild.word_rows(*args)
    row_entry = array("i")
    row_entry.frombytes(entry_bytes)
    return stop, row_entry, kinds, flags, dense


#: Bits of :func:`entry_flags`: the action is allow / block, the entry is a pattern, its techniques hold
#: pinyin / split / homophone, it has curated variants.
ENTRY_ALLOW, ENTRY_BLOCK, ENTRY_PATTERN, ENTRY_PINYIN, ENTRY_SPLIT, ENTRY_HOMOPHONE, ENTRY_VARIANTS = 1, 2, 4, 8, 16, 32, 64


def entry_flags_py(entries: Sequence[Any]) -> bytes:
    """One byte per entry (``ENTRY_*`` bits): what the compile's passes ask of it."""
    return bytes((ENTRY_ALLOW if e.action == "allow" else ENTRY_BLOCK if e.action == "block" else 0)
                 | (ENTRY_PATTERN if e.regex else 0) | (ENTRY_PINYIN if "pinyin" in e.techniques else 0)
                 | (ENTRY_SPLIT if "split" in e.techniques else 0)
                 | (ENTRY_HOMOPHONE if "homophone" in e.techniques else 0) | (ENTRY_VARIANTS if e.variants else 0)
                 for e in entries)


def entry_flags(entries: Sequence[Any]) -> bytes:
    """:func:`entry_flags_py`, in C when built (attributes read without Python bytecode per entry)."""
    if cbuild is None:
        return entry_flags_py(entries)
    return cbuild.entry_flags(entries if type(entries) is tuple else tuple(entries))
