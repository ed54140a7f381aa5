"""The matcher's hottest loops, in C when the extension ``plugin.matching.cloops`` is built (``pip
install`` builds it from ``cloops.c``), else in Python with identical results.

* :func:`class_codes`: a class table as the 65,536 uint16 values the C loops read;
* :func:`encode_classes`: a view written in homophone classes, as the automaton's keys are;
* :func:`dense_outputs`: the automaton outputs over the dense view that the dense pass could keep;
* :func:`shape_outputs`: the shape-alike spellings of another homophone class (己/已), found on the term
  keys by a walk with the alike's class in place (they are no keys of their own);
* :func:`trie_outputs`: pyahocorasick's ``iter`` outputs, walked over its trie in C (:func:`direct_walk`
  says whether the installed pyahocorasick's layout allows it; then :func:`dense_outputs` walks so too,
  through :func:`trie_index`, direct tables of the trie's first two levels);
* :func:`offset_table`: the original offset of every dense position (the normaliser's offset map);
* :func:`other_reading_keys_py`: the hash rows of a polyphonic form's other readings (the pure-Python twin
  under :func:`plugin.matching.native_build.reading_rows`; the compile runs it in C there);
* :func:`dense_fold`: a text's first dense view, and whether it holds deletions, sentence ends, repeats;
* :func:`view_flags`: which of the Latin / separator passes a dense view needs (one kind scan);
* :func:`window_keys`: the pinyin pass's walk of a window's readings through the automaton and the rows;
* :func:`release_free_memory`: the heap's free pages back to the system after a big compile;
* :func:`record_maker`: a constructor of a frozen slots dataclass (``Hit``) from a tuple of its fields
  that sets the slots directly (:func:`slot_object_py` is its twin: the class called).

Each has a pure-Python twin (``*_py``); tests run both on the same inputs and compare.
"""

from __future__ import annotations

import sys
import zlib
from array import array
from bisect import bisect_left
from collections.abc import Callable, Sequence
from functools import lru_cache, partial
from itertools import compress, islice, product
from operator import eq
from typing import Any, TypeVar, cast

from ..chardata import text_kinds as text_kinds_py
from .model import PatternTexts

try:
    from . import cloops
except ImportError:  # not built (a checkout without ``pip install``): the Python twins serve
    cloops = None  # type: ignore[assignment]

__all__ = ["HOMOPHONE_FLAG", "NATIVE", "SHAPE_FLAG", "TERM_KIND", "Output", "class_codes", "offset_table", "offset_table_py",
           "other_reading_keys_py",
           "dense_outputs", "dense_walker", "kept_offsets", "DenseWalk", "DELETED_CODE", "FOLD_BREAK", "FOLD_DELETED", "FOLD_HAN_REPEAT",
           "dense_fold", "dense_fold_py", "equal_neighbours", "equal_neighbours_py", "kept_runs", "kept_runs_py", "text_kinds", "view_flags", "view_flags_py", "WindowKey", "window_keys", "window_keys_py", "KIND_LETTER", "KIND_PAIR_CJK",
           "KIND_PAIR_SEP", "VIEW_ASTRAL", "VIEW_LATIN_REPEAT", "VIEW_LATIN_RUN", "VIEW_SEPARATED",
           "dense_outputs_py", "direct_walk", "ShapeOutput", "shape_outputs", "shape_outputs_py", "shape_pairs", "ShapeWalk", "shape_walker", "record_maker", "slot_object_py", "trie_index", "trie_outputs", "trie_outputs_py", "encode_classes", "encode_classes_py", "release_free_memory"]

#: Whether the C extension is in use.
NATIVE: bool = cloops is not None

#: (start, end, pattern id, differ, digits): an automaton output the dense pass could keep, with the
#: number of characters where the text and the pattern differ (0: identical) and 1 when either holds
#: an ASCII digit (else 0).
Output = tuple[int, int, int, int, int]

#: The pattern kind of an entry's term (``compile.PatternKind.TERM``, defined here for the C loops).
TERM_KIND = 0
#: Flags of ``CompiledLexicon.pat_homophone``: the entry allows homophone hits; shape-alikes of the same
#: class are verified on the term's key (``cloops.c`` reads the same values).
HOMOPHONE_FLAG, SHAPE_FLAG = 1, 2
_DIGITS = frozenset("0123456789")


def class_codes(class_table: list[str | None]) -> bytes:
    """The BMP class table (one character per code point) as little-endian uint16 values."""
    codes = array("H", [ord(ch) if ch else cp for cp, ch in enumerate(class_table)])
    if sys.byteorder == "big":
        codes.byteswap()
    return codes.tobytes()


def _u16(s: str) -> str:
    return s.encode("utf-16-be", "surrogatepass").decode("latin-1")


def encode_classes_py(view: str, class_table: list[str | None], shift: int) -> str:
    """``view`` in homophone classes; as UTF-16 code units shown as latin-1 when ``shift`` is 1."""
    cls_view = view.translate(class_table)
    return _u16(cls_view) if shift else cls_view


def encode_classes(view: str, class_table: list[str | None], codes: bytes, shift: int) -> str:
    """:func:`encode_classes_py`, in C when built (``codes``: :func:`class_codes` of ``class_table``)."""
    if cloops is not None and codes:
        return cloops.encode_classes(view, codes, shift)
    return encode_classes_py(view, class_table, shift)


def dense_outputs_py(automaton: Any, dense: str, class_table: list[str | None], shift: int, pat_dense: Sequence[str],
                     pat_kind: bytes, pat_flags: bytes, groups: list[tuple[int, ...]]) -> list[Output]:
    """Every output of ``automaton`` over the encoded ``dense`` view that the dense pass could keep,
    in output order (:data:`Output`): identical to its pattern's dense text, or a TERM pattern with a
    digit on either side (numerals read as digits) or with a homophone / shape flag and few enough
    differing characters (at most one for a shape-alike, ``max(1, n // 3)`` for a homophone)."""
    out: list[Output] = []
    for end_b, val in automaton.iter(encode_classes_py(dense, class_table, shift)):
        if shift and not end_b & 1:
            continue  # half a character: misaligned
        e = (end_b + 1) >> shift
        for pid in ((val,) if val >= 0 else groups[-val - 1]):
            pd = pat_dense[pid]
            n = len(pd)
            s = e - n
            if s < 0:
                continue
            seg = dense[s:e]
            digits = 0 if _DIGITS.isdisjoint(seg) and _DIGITS.isdisjoint(pd) else 1
            if seg == pd:
                out.append((s, e, pid, 0, digits))
                continue
            if pat_kind[pid] != TERM_KIND:
                continue  # other kinds are hits only when identical
            differ = sum(1 for a, b in zip(seg, pd) if a != b)
            if not digits:
                flags = pat_flags[pid]
                if not ((differ == 1 and flags & SHAPE_FLAG)
                        or (flags & HOMOPHONE_FLAG and n >= 2 and differ <= max(1, n // 3))):
                    continue
            out.append((s, e, pid, differ, digits))
    return out


def dense_outputs(automaton: Any, dense: str, class_table: list[str | None], codes: bytes, shift: int,
                  pat_dense: PatternTexts, pat_kind: bytes, pat_flags: bytes,
                  groups: list[tuple[int, ...]], index: bytes = b"") -> list[Output]:
    """:func:`dense_outputs_py`, in C when built (walking the trie directly when :func:`direct_walk`,
    through ``index``, :func:`trie_index` of ``automaton``, when given)."""
    if cloops is not None and codes:
        return cloops.dense_outputs(automaton, dense, codes, shift, pat_dense.text, pat_dense.ends, pat_kind, pat_flags,
                                    groups, direct_walk(), index)
    return dense_outputs_py(automaton, dense, class_table, shift, pat_dense, pat_kind, pat_flags, groups)


#: (start, end, pattern id, position): a TERM pattern whose text is the dense text with one character,
#: the one at ``position``, written as another it is a shape-alike of (:func:`shape_outputs`).
ShapeOutput = tuple[int, int, int, int]


def shape_outputs_py(automaton: Any, dense: str, class_table: list[str | None], shift: int,
                     pat_dense: Sequence[str], pat_kind: bytes, pat_flags: bytes, groups: list[tuple[int, ...]],
                     sources: dict[str, str], reach: int) -> list[ShapeOutput]:
    """At each position p of ``dense`` whose character is in ``sources`` (character → the characters it is
    a shape-alike of, of another homophone class), for each such character t: the TERM patterns with the
    shape flag whose text is ``dense[s:e]`` with t at p (``s <= p < e``, at most ``reach`` characters),
    found by following ``automaton``'s keys from each s with t's class at p; in order of p, t, s, e."""
    out: list[ShapeOutput] = []
    for p, x in enumerate(dense):
        for t in sources.get(x, ""):
            for s in range(max(0, p - reach + 1), p + 1):
                for e in range(p + 1, min(len(dense), s + reach) + 1):
                    spelled = dense[s:p] + t + dense[p + 1:e]
                    key = encode_classes_py(spelled, class_table, shift)
                    if not automaton.match(key):
                        break
                    val = automaton.get(key, None)
                    if val is None:
                        continue
                    for pid in ((val,) if val >= 0 else groups[-val - 1]):
                        if pat_kind[pid] == TERM_KIND and pat_flags[pid] & SHAPE_FLAG and pat_dense[pid] == spelled:
                            out.append((s, e, pid, p))
    return out


def shape_outputs(automaton: Any, dense: str, class_table: list[str | None], codes: bytes, shift: int,
                  pat_dense: PatternTexts, pat_kind: bytes, pat_flags: bytes, groups: list[tuple[int, ...]],
                  sources: dict[str, str], reach: int, pairs: bytes = b"", index: bytes = b"") -> list[ShapeOutput]:
    """:func:`shape_outputs_py`, in C when built and the trie can be read directly (:func:`direct_walk`);
    ``pairs``: :func:`shape_pairs` of the patterns (the C walk starts only where they allow); ``index``:
    :func:`trie_index` of the automaton, or empty."""
    if cloops is not None and codes and pairs and sources and direct_walk():
        table, targets = _source_table(sources)
        found = cloops.shape_outputs(automaton, dense, codes, shift, pat_dense.text, pat_dense.ends, pat_kind,
                                     pat_flags, groups, table, targets, reach, pairs, index)
        if found is not None:
            return found
    return shape_outputs_py(automaton, dense, class_table, shift, pat_dense, pat_kind, pat_flags, groups,
                            sources, reach)


#: ``dense -> shape outputs``: :func:`shape_outputs` of one automaton and its tables (:func:`shape_walker`).
ShapeWalk = Callable[[str], list[ShapeOutput]]


def shape_walker(automaton: Any, class_table: list[str | None], codes: bytes, shift: int, pat_dense: PatternTexts,
                 pat_kind: bytes, pat_flags: bytes, groups: list[tuple[int, ...]], sources: dict[str, str],
                 reach: int, pairs: bytes = b"", index: bytes = b"") -> ShapeWalk:
    """:func:`shape_outputs` with everything but the view bound once, as :func:`dense_walker` binds the dense
    walk: the C walk (``cloops.bind_walk``: its arguments parsed once, the view passed alone) called directly per
    scan when it can read the trie (tried once here on an empty view)."""
    if cloops is not None and codes and pairs and sources and direct_walk():
        table, targets = _source_table(sources)
        walk = cloops.bind_walk(True, (automaton, codes, shift, pat_dense.text, pat_dense.ends, pat_kind, pat_flags,
                                       groups, table, targets, reach, pairs, index))
        if walk("") is not None:  # (None only when the trie cannot be read: never, once it could)
            return cast(ShapeWalk, walk)
    return partial(_shape_outputs_py_of, automaton, class_table, shift, pat_dense, pat_kind, pat_flags, groups,
                   sources, reach)


def _shape_outputs_py_of(automaton: Any, class_table: list[str | None], shift: int, pat_dense: PatternTexts,
                         pat_kind: bytes, pat_flags: bytes, groups: list[tuple[int, ...]], sources: dict[str, str],
                         reach: int, dense: str) -> list[ShapeOutput]:
    """:func:`shape_outputs_py` with the view last (:func:`shape_walker`'s twin)."""
    return shape_outputs_py(automaton, dense, class_table, shift, pat_dense, pat_kind, pat_flags, groups, sources, reach)


def shape_pairs(pat_dense: PatternTexts, pat_kind: bytes, pat_flags: bytes, sources: dict[str, str]) -> bytes:
    """The character pairs :func:`shape_outputs` looks for, as a bit set (empty without the extension): in
    each TERM pattern with the shape flag, around each character some source is an alike of, the one before
    it, or for the first character of a pattern, the one after it (or the end)."""
    if cloops is None or not sources:
        return b""
    return cloops.shape_filter(pat_dense.text, pat_dense.ends, pat_kind, pat_flags, "".join(sources.values()))


_source_cache: list[tuple[dict[str, str], tuple[bytes, tuple[str, ...]]]] = []  # (sources, their C tables)


def _source_table(sources: dict[str, str]) -> tuple[bytes, tuple[str, ...]]:
    """``sources`` as :func:`shape_outputs`'s C tables: per BMP code point 0 or k + 1 (native uint16) for
    the k-th string of the tuple (built once per ``sources``)."""
    for known, tables in _source_cache:
        if known is sources:
            return tables
    codes = array("H", bytes(2 * 0x10000))
    targets: list[str] = []
    for x, ts in sources.items():
        if ord(x) < 0x10000:
            targets.append(ts)
            codes[ord(x)] = len(targets)
    tables = (codes.tobytes(), tuple(targets))
    _source_cache[:] = [(sources, tables), *_source_cache[:3]]
    return tables
#: ``dense -> outputs``: :func:`dense_outputs` of one automaton and its pattern tables (:func:`dense_walker`).
DenseWalk = Callable[[str], list[Output]]


def dense_walker(automaton: Any, class_table: list[str | None], codes: bytes, shift: int, pat_dense: PatternTexts,
                 pat_kind: bytes, pat_flags: bytes, groups: list[tuple[int, ...]], index: bytes = b"") -> DenseWalk:
    """:func:`dense_outputs` with everything but the view bound once (a matcher's tables never change):
    the C walk called directly per scan, without a Python frame or the arguments looked up again
    (``cloops.bind_walk``: the bound arguments parsed once; functools.partial of ``dense_walk`` parsed a dozen
    of them per call)."""
    if cloops is not None and codes:
        return cast(DenseWalk, cloops.bind_walk(False, (automaton, codes, shift, pat_dense.text, pat_dense.ends,
                                                        pat_kind, pat_flags, groups, direct_walk(), index)))
    return partial(_outputs_py_of, automaton, class_table, shift, pat_dense, pat_kind, pat_flags, groups)


def _outputs_py_of(automaton: Any, class_table: list[str | None], shift: int, pat_dense: PatternTexts,
                   pat_kind: bytes, pat_flags: bytes, groups: list[tuple[int, ...]], dense: str) -> list[Output]:
    """:func:`dense_outputs_py` with the view last (:func:`dense_walker`'s twin)."""
    return dense_outputs_py(automaton, dense, class_table, shift, pat_dense, pat_kind, pat_flags, groups)


def trie_index(automaton: Any) -> bytes:
    """Direct child tables of the first two levels of ``automaton``'s trie when its letters are bytes
    (the UTF-16 view): the root's child by each byte and each such child's child by each byte (526 KB),
    read by :func:`dense_outputs` instead of scanning those nodes' up to 256 children. Empty when the
    trie is not walked directly (:func:`direct_walk`) or its letters are wider; the Python walk needs none."""
    if automaton is None or not direct_walk():
        return b""
    return cloops.trie_index(automaton) or b""


def trie_outputs_py(automaton: Any, text: str) -> list[tuple[int, int]]:
    """Every (end index, value) of a made ``automaton`` over ``text``: pyahocorasick's ``iter``."""
    return list(automaton.iter(text))


def trie_outputs(automaton: Any, text: str, index: bytes = b"") -> list[tuple[int, int]] | None:
    """:func:`trie_outputs_py` walked over the trie in C (``index``: :func:`trie_index` of ``automaton``,
    its first two levels as direct tables, or empty); None when the extension is not built or
    ``automaton`` is not a made pyahocorasick automaton of int values and string keys in the node
    layout ``cloops.c`` reads."""
    return cloops.trie_outputs(automaton, text, index) if cloops is not None else None


#: Keys and texts of :func:`direct_walk`'s probe: outputs along fail chains, at the root, nested, with
#: negative values, Latin-1 and wide letters.
_PROBE_KEYS = ("he", "she", "his", "hers", "s", "e", "\x00\x4e", "\x4e\x00\x4e", "赌博", "博彩", "赌", "彩票")
_PROBE_TEXTS = ("ushers his hex", "\x00\x4e\x00\x4e\x00", "赌博彩票赌", "", "she\x00\x4ehers")


@lru_cache(maxsize=1)
def direct_walk() -> bool:
    """Whether the C walk may read pyahocorasick's trie directly: on a probe automaton it gives
    exactly what ``iter`` gives (checked once per process; otherwise the C loops use ``iter``)."""
    if cloops is None:
        return False
    import ahocorasick

    probe = ahocorasick.Automaton(ahocorasick.STORE_INTS)
    for i, key in enumerate(_PROBE_KEYS):
        probe.add_word(key, i - 5)
    probe.make_automaton()
    if not all(trie_outputs(probe, t) == trie_outputs_py(probe, t) for t in _PROBE_TEXTS):
        return False
    narrow = ahocorasick.Automaton(ahocorasick.STORE_INTS)  # (byte letters only: walked through its index too)
    for i, key in enumerate(k for k in _PROBE_KEYS if max(map(ord, k)) < 256):
        narrow.add_word(key, i - 5)
    narrow.make_automaton()
    index = cloops.trie_index(narrow) or b""
    return bool(index) and all(trie_outputs(narrow, t, index) == trie_outputs_py(narrow, t) for t in _PROBE_TEXTS)


def offset_table_py(n: int, maps: list[tuple[list[int], list[int]]]) -> array[int]:
    """For each position ``0 <= i < n``: ``i`` mapped through each run map of ``maps`` in order (a map
    ``(dstart, ostart)`` sends ``i`` to ``ostart[k] + i - dstart[k]``, ``k`` the last run with
    ``dstart[k] <= i``; the runs start at 0)."""
    out = array("q")
    for i in range(n):
        for dstart, ostart in maps:
            k = bisect_left(dstart, i + 1) - 1
            i = ostart[k] + (i - dstart[k])
        out.append(i)
    return out


def offset_table(n: int, maps: list[tuple[list[int], list[int]]]) -> array[int] | None:
    """:func:`offset_table_py` in C; None without the extension (callers keep their per-position
    look-ups then: a table built in Python would cost more than it saves)."""
    if cloops is None:
        return None
    table = array("q")
    table.frombytes(cloops.offset_table(n, maps))
    return table


def kept_offsets(text: str, n: int, table: list[str | None], astral: dict[int, str | None],
                 codes: array[int] | None) -> array[int] | None:
    """The offset in ``text`` of each character the dense tables (``table``, ``astral``; ``codes``: as
    :func:`dense_fold` reads them) keep, in C: the offset table of a dense view that only deleted
    characters, in one pass. None without the extension, without ``codes``, or unless there are ``n``
    such characters each becoming one (callers build the table from their run maps then)."""
    if cloops is None or codes is None or type(astral) is not dict:
        return None
    got = cloops.kept_offsets(text, codes, astral, n)
    if got is None:
        return None
    out = array("q")
    out.frombytes(got)
    return out


def other_reading_keys_py(choices: list[tuple[str, ...]], pid: int, width: int, max_keys: int, pid_bits: int,
                          has_prefix: Callable[[str], bool] | None) -> tuple[list[int], list[int]]:
    """For one form (``choices``: per character, its readings as the automaton reads them, the table
    reading first): the rows ``crc << pid_bits | pid`` of its other reading combinations (in
    ``itertools.product`` order, at most ``max_keys - 1``; ``crc``: zlib CRC-32 of the key's UTF-16-BE
    bytes), and the CRC-32 of each distinct prefix at a class edge (``width`` code units a class),
    from the first class that differs from the table reading on, that ``has_prefix`` does not know."""
    combos = product(*choices)
    table = next(combos)
    rows: list[int] = []
    seen: set[str] = set()
    for combo in islice(combos, max_keys - 1):
        key = "".join(combo)
        rows.append(zlib.crc32(key.encode("utf-16-be", "surrogatepass")) << pid_bits | pid)
        first = next(k for k in range(len(combo)) if combo[k] != table[k])  # (before: a table-reading prefix)
        for k in range(first + 1, len(combo)):
            seen.add(key[:k * width])
    prefixes = [zlib.crc32(pre.encode("utf-16-be", "surrogatepass")) for pre in seen
                if has_prefix is None or not has_prefix(pre)]
    return rows, prefixes


#: :func:`dense_fold`'s table value of a deleted character, and the bits of what the folded text holds.
DELETED_CODE = 0xFFFFFFFF
FOLD_DELETED, FOLD_BREAK, FOLD_HAN_REPEAT = 1, 2, 4
_BREAK = "\x00"  # plugin.normalize.BREAK (a sentence end in the dense view)


def _is_han(ch: str) -> bool:
    """(plugin.normalize.is_han: the characters whose repeats collapse)"""
    return "\u4e00" <= ch <= "\u9fff" or "\u3400" <= ch <= "\u4dbf"


def dense_fold_py(text: str, table: list[str | None], astral: dict[int, str | None]) -> tuple[str, int] | None:
    """``text`` through the dense tables (``table``: the BMP ``str.translate`` list, ``None`` deletes;
    ``astral``: the same for characters beyond the BMP, applied where the first step left one) and
    what the result holds (``FOLD_DELETED``: something was deleted, ``FOLD_BREAK``: a sentence end,
    ``FOLD_HAN_REPEAT``: a Han character twice in a row); None when ``astral`` writes a character as
    more than one (the caller's general path)."""
    out = text.translate(table)
    if not out.isascii() and any(ord(ch) > 0xFFFF for ch in out):
        for ch in set(out):
            f = astral.get(ord(ch)) if ord(ch) > 0xFFFF else None
            if f is not None and len(f) != 1:
                return None
        out = out.translate(astral)
    flags = FOLD_DELETED if len(out) != len(text) else 0
    if _BREAK in out:
        flags |= FOLD_BREAK
    if any(a == b and _is_han(b) for a, b in zip(out, out[1:])):
        flags |= FOLD_HAN_REPEAT
    return out, flags


def dense_fold(text: str, table: list[str | None], astral: dict[int, str | None],
               codes: array[int] | None) -> tuple[str, int] | None:
    """:func:`dense_fold_py`, in C when built (``codes``: ``table`` as 65,536 uint32 code points,
    :data:`DELETED_CODE` for a deleted character; None when it cannot be written so)."""
    if cloops is not None and codes is not None and type(astral) is dict:
        return cloops.dense_fold(text, codes, astral)
    return dense_fold_py(text, table, astral)


def equal_neighbours_py(text: str) -> list[int]:
    """Every offset ``i >= 1`` with ``text[i] == text[i - 1]``, in order."""
    return list(compress(range(1, len(text)), map(eq, text, text[1:])))


#: :func:`equal_neighbours_py`, in C when built (one read of the text: a long text's repeat scan).
equal_neighbours: Callable[[str], list[int]] = cloops.equal_neighbours if cloops is not None else equal_neighbours_py


def kept_runs_py(marked: str, mark: str) -> tuple[list[int], list[int]]:
    """Where each run of characters other than ``mark`` (one character) starts in ``marked`` with the
    marks taken out and in ``marked`` itself: ``(dstart, ostart)``."""
    dstart: list[int] = []
    ostart: list[int] = []
    d = pos = 0
    for run in marked.split(mark):
        if run:
            dstart.append(d)
            ostart.append(pos)
            d += len(run)
        pos += len(run) + 1
    return dstart, ostart


#: :func:`kept_runs_py`, in C when built (a long text's dense view deletes tens of thousands of runs).
kept_runs: Callable[[str, str], tuple[list[int], list[int]]] = cloops.kept_runs if cloops is not None else kept_runs_py


def text_kinds(text: str, table: list[str]) -> str:
    """:func:`plugin.chardata.text_kinds` (``text`` as one kind letter per character), in C when built: the
    table read as 65,536 ASCII bytes (made once per table) instead of a list looked up per character, which
    cost a 1 MB text about 15 ms per kind string (the pinyin, separator and noise-run tests each take one)."""
    if cloops is not None:
        kinds = _kind_bytes(table)
        if kinds is not None:
            return cloops.text_kinds(text, kinds)
    return text_kinds_py(text, table)


#: id of a kind table → (the table, its bytes or None when it is not 65,536 ASCII letters); the kind tables are
#: module constants, made once per process.
_KIND_BYTES: dict[int, tuple[list[str], bytes | None]] = {}


def _kind_bytes(table: list[str]) -> bytes | None:
    """``table`` (:func:`plugin.chardata.kind_table`) as one byte per BMP character, when it can be written so."""
    got = _KIND_BYTES.get(id(table))
    if got is None or got[0] is not table:
        joined = "".join(table)
        kinds = joined.encode("ascii") if len(table) == len(joined) == 0x10000 and joined.isascii() else None
        got = _KIND_BYTES[id(table)] = (table, kinds)
    return got[1]


#: Bits of a character in :func:`view_flags`'s kind table, and of what a view holds.
KIND_LETTER, KIND_PAIR_CJK, KIND_PAIR_SEP = 1, 2, 4
VIEW_LATIN_RUN, VIEW_LATIN_REPEAT, VIEW_SEPARATED, VIEW_ASTRAL = 1, 2, 4, 8


def view_flags_py(view: str, kinds: bytes) -> int:
    """What ``view`` holds, read off the kind bits of its characters (``kinds``: one byte per BMP
    character; a character beyond the BMP reads as U+FFFD, as the scanned view writes it):
    ``VIEW_LATIN_RUN`` two letters in a row, ``VIEW_LATIN_REPEAT`` one letter twice in a row,
    ``VIEW_SEPARATED`` a CJK character, a separator and a CJK character in a row, ``VIEW_ASTRAL`` a
    character beyond the BMP."""
    flags = 0
    prev = ""
    k1 = k2 = 0
    for ch in view:
        if ord(ch) > 0xFFFF:
            flags |= VIEW_ASTRAL
            ch = "\ufffd"
        k = kinds[ord(ch)]
        if k & KIND_LETTER and k1 & KIND_LETTER:
            flags |= VIEW_LATIN_RUN
            if ch == prev:
                flags |= VIEW_LATIN_REPEAT
        if k & KIND_PAIR_CJK and k1 & KIND_PAIR_SEP and k2 & KIND_PAIR_CJK:
            flags |= VIEW_SEPARATED
        k2, k1, prev = k1, k, ch
    return flags


#: :func:`view_flags_py`, in C when built (the C function itself: every scan calls it, and a wrapper's frame
#: would cost about as much as the scan of a short view).
view_flags: Callable[[str, bytes], int] = cloops.view_flags if cloops is not None else view_flags_py


#: (first piece, last piece, key, pattern id, found by hash): a key of a pinyin window that names a pattern.
WindowKey = tuple[int, int, str, int, bool]


def window_keys_py(choices: list[tuple[str, ...]], last_word: int, automaton: Any, groups: list[tuple[int, ...]],
                   rows: array[int], prefixes: array[int], pid_bits: int) -> list[WindowKey]:
    """The pinyin pass's walk of one window (:mod:`plugin.matching.pinyin`): from each piece
    ``p < last_word``, the keys made of one reading per piece ``p..q`` (``choices``: per piece, its
    readings), followed while the automaton or the prefix hashes (``prefixes``, sorted) have them; for
    each key, the pattern ids the automaton gives (a negative value: ``groups``) and those of the sorted
    reading ``rows`` (``crc << pid_bits | pid``, ``crc`` the CRC-32 of the key's UTF-16-BE bytes), in
    walk order."""
    get, has_prefix = automaton.get, automaton.match
    n = len(choices)
    n_rows, n_prefixes = len(rows), len(prefixes)
    mask = (1 << pid_bits) - 1
    out: list[WindowKey] = []

    def extend(p: int, q: int, prefix: str) -> None:
        for r in choices[q]:
            key = prefix + r
            val = get(key, None)
            if val is not None:
                out.extend((p, q, key, pid, False) for pid in ((val,) if val >= 0 else groups[-val - 1]))
            h = zlib.crc32(key.encode("utf-16-be", "surrogatepass")) if n_rows else 0
            if n_rows:  # another reading of a polyphonic term (rows: hash above, pattern below)
                k = bisect_left(rows, h << pid_bits)
                while k < n_rows and rows[k] >> pid_bits == h:
                    out.append((p, q, key, rows[k] & mask, True))
                    k += 1
            if q + 1 < n:
                if has_prefix(key):
                    extend(p, q + 1, key)
                elif n_prefixes:
                    k = bisect_left(prefixes, h)
                    if k < n_prefixes and prefixes[k] == h:
                        extend(p, q + 1, key)

    for p in range(min(last_word, n)):
        extend(p, p, "")
    return out


def window_keys(choices: list[tuple[str, ...]], last_word: int, automaton: Any, groups: list[tuple[int, ...]],
                rows: array[int], prefixes: array[int], pid_bits: int) -> list[WindowKey]:
    """:func:`window_keys_py`, in C when built (reading the trie directly when :func:`direct_walk`)."""
    if cloops is not None:
        return cloops.window_keys(choices, last_word, automaton, groups, rows, prefixes, pid_bits, direct_walk())
    return window_keys_py(choices, last_word, automaton, groups, rows, prefixes, pid_bits)


def release_free_memory() -> bool:
    """Give the heap's free pages back to the system (glibc ``malloc_trim``; a no-op without the
    extension or elsewhere): a compile of a million entries leaves ~80 MB of freed temporaries
    between the automaton's nodes. Whether anything was released."""
    return cloops.release_free_memory() if cloops is not None else False


_T = TypeVar("_T")


def slot_object_py(cls: type[_T], values: tuple[Any, ...]) -> _T:
    """An instance of ``cls`` from its fields in order: ``cls(*values)``."""
    return cls(*values)


def record_maker(cls: type[_T], probe: tuple[Any, ...]) -> Callable[[tuple[Any, ...]], _T]:
    """A function building ``cls`` (a dataclass with ``slots=True`` and nothing but its fields, such as a
    frozen one, whose ``__init__`` sets each field through ``object.__setattr__``) from a tuple of its
    fields: ``cloops.slot_object``, which sets the slots directly, when built and when it gives what the
    class gives on ``probe`` (field for field, and equal); else :func:`slot_object_py`."""
    import dataclasses

    def made(values: tuple[Any, ...]) -> _T:
        return slot_object_py(cls, values)

    if cloops is None or not dataclasses.is_dataclass(cls):
        return made
    names = tuple(f.name for f in dataclasses.fields(cls))
    if getattr(cls, "__slots__", None) != names or len(probe) != len(names) \
            or getattr(cls, "__post_init__", None) is not None:
        return made
    # the member table's order (CPython sorts a class's slots by name): which field each member is
    marks = tuple(object() for _ in names)
    try:
        marked = cloops.slot_object(cls, bytes(range(len(names))), marks)
    except (TypeError, ValueError):
        return made
    field_of = {id(getattr(marked, n)): k for k, n in enumerate(names)}
    order = bytes(field_of[id(m)] for m in marks)  # member i takes the value of field order[i]
    fast = cloops.slot_object(cls, order, probe)
    slow = cls(*probe)
    if type(fast) is not cls or fast != slow or any(getattr(fast, n) is not getattr(slow, n) for n in names):
        return made
    from functools import partial

    return partial(cloops.slot_object, cls, order)
