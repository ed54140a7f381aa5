"""Offset-preserving text normalisation.

Two character-level passes, both table driven (``str.translate``):

1. *fold*: NFKC (single-character part), case, full/half width, stylised letters and
   digits, Latin look-alikes, traditional→simplified (a character table taken from
   OpenCC's ``t2s`` data), and deletion of invisible characters (zero-width, soft
   hyphen, BOM, variation selectors, combining marks).
2. *dense*: the folded text minus noise characters (punctuation, symbols, emoji,
   spaces) and with runs of the same character collapsed to one; sentence ends become
   a break character that no lexicon key contains, so noise skipping never joins the
   characters of two sentences.

:class:`NormalizedText` keeps a map from every dense position back to the original
text, so hits found on the dense view report offsets in the original.

:func:`prepare` is the one entry point for a text being checked: its :class:`Prepared`
result (folded form, dense view) is shared per text, so the matcher and the rumour analysis
of one request fold a query once.
"""

from __future__ import annotations

import bisect
import unicodedata
from array import array
from dataclasses import dataclass
from functools import lru_cache
from typing import Callable

from . import fixed_regex
from .chardata import emoji_words, kind_runs, kind_table
from .matching.native import DELETED_CODE, FOLD_BREAK, FOLD_HAN_REPEAT, dense_fold, equal_neighbours, kept_offsets, \
    kept_runs, offset_table, text_kinds
from .snapshot import cached

__all__ = [
    "BREAK",
    "NormalizedText",
    "Prepared",
    "char_class",
    "collapse_runs",
    "dense_key",
    "dense_table",
    "fold_char",
    "fold_text",
    "has_astral",
    "is_han",
    "normalize",
    "prepare",
    "repeat_runs",
    "warm_up",
]

#: Stands for a sentence end in the dense view; never part of a lexicon key.
BREAK = "\x00"

# Sentence / line ends: noise skipping never crosses them.
_HARD_BREAKS = "。！？!?；;\n\r\u2028\u2029｡"

# Latin look-alikes that NFKC leaves alone (Cyrillic, Greek) and a few stylised forms.
_LOOKALIKES = {
    "а": "a", "в": "b", "е": "e", "к": "k", "м": "m", "н": "h", "о": "o", "р": "p",
    "с": "c", "т": "t", "у": "y", "х": "x", "і": "i", "ј": "j", "ѕ": "s", "ԁ": "d",
    "ɡ": "g", "α": "a", "β": "b", "ε": "e", "ι": "i", "κ": "k", "ν": "v", "ο": "o",
    "ρ": "p", "τ": "t", "υ": "u", "χ": "x", "ω": "w", "ℓ": "l", "ɑ": "a", "ı": "i",
    "〇": "0", "Ｏ": "o", "ᴀ": "a", "ʙ": "b", "ᴄ": "c", "ᴅ": "d", "ᴇ": "e", "ɢ": "g",
    "ʜ": "h", "ɪ": "i", "ᴊ": "j", "ᴋ": "k", "ʟ": "l", "ᴍ": "m", "ɴ": "n", "ᴏ": "o",
    "ᴘ": "p", "ʀ": "r", "ᴛ": "t", "ᴜ": "u", "ᴠ": "v", "ᴡ": "w", "ʏ": "y", "ᴢ": "z",
    "ѵ": "v", "ԍ": "g", "ʋ": "v", "ɩ": "i", "ӏ": "l", "ԛ": "q", "ԝ": "w", "һ": "h", "ϲ": "c",
    "ϳ": "j", "ս": "u", "օ": "o", "ց": "g", "ɯ": "w", "ʌ": "a", "ᴦ": "r", "ɦ": "h",
    "➕": "+", "✚": "+", "﹢": "+",
}


# Letters used as separators between the characters of a term (百丶家丶乐, 代の开の发): the
# dot radical, kana iteration / prolonged-sound marks and the kana particles の / ノ.
_NOISE_LETTERS = "\t丶ヽゝヾゞー〃のノ"


def _is_invisible(ch: str) -> bool:
    """Characters that render as nothing and are used to split terms."""
    cat = unicodedata.category(ch)
    if cat in ("Cf", "Mn", "Me", "Cs", "Co") and ch != BREAK:
        return True
    cp = ord(ch)
    return (
        0xFE00 <= cp <= 0xFE0F
        or 0xE0100 <= cp <= 0xE01EF
        or cp in (0x00AD, 0x034F, 0x115F, 0x1160, 0x3164, 0xFFA0, 0x180E)
        or (cat == "Cc" and ch not in "\n\r\t")
    )


def _is_noise(ch: str) -> bool:
    """Punctuation, symbols, emoji and spaces: skipped between the characters of a term."""
    if ch == BREAK:
        return False
    cat = unicodedata.category(ch)
    return cat[0] in ("P", "S", "Z") or ch in _NOISE_LETTERS


@lru_cache(maxsize=1)
def _t2s_chars() -> dict[str, str]:
    """Character-level traditional→simplified table taken from OpenCC's t2s data."""
    import opencc

    conv = opencc.OpenCC("t2s")
    chars = [chr(cp) for cp in range(0x3400, 0xA000)] + [chr(cp) for cp in range(0xF900, 0xFB00)]
    # Convert in one call; OpenCC is phrase based, so separate characters by newlines.
    out = conv.convert("\n".join(chars)).split("\n")
    table: dict[str, str] = {}
    if len(out) == len(chars):
        for src, dst in zip(chars, out):
            if len(dst) == 1 and dst != src:
                table[src] = dst
    return table


#: Emoji that stand for words (lexicons/variants/emoji_words.yaml) fold to private-use characters
#: from here on, so they stay in the dense view (not noise) and can be read as their word.
EMOJI_BASE = 0xF800


@lru_cache(maxsize=1)
def emoji_codes() -> dict[str, str]:
    """Emoji of the table → the private-use character it folds to."""
    return {e: chr(EMOJI_BASE + i) for i, e in enumerate(emoji_words())}


def _number_style(ch: str) -> str:
    """A styled digit that NFKC leaves alone (double-circled ⓷, negative-circled ❸, dingbat ➌) as its
    ASCII digit, read off the Unicode data (a digit value on a symbol or other-number character);
    decimal digits of other scripts (Nd) are left as they are."""
    value = unicodedata.digit(ch, None)
    if value is None or unicodedata.category(ch) not in ("No", "So"):
        return ch
    return str(value)


def _fold_one(ch: str, t2s: dict[str, str]) -> str:
    """Fold one character; returns '' to delete it."""
    if ch in _HARD_BREAKS:
        return BREAK
    code = emoji_codes().get(ch)
    if code is not None:
        return code
    if _is_invisible(ch):
        return ""
    nf = unicodedata.normalize("NFKC", ch)
    if len(nf) != 1:
        core = "".join(c for c in nf if c.isalnum())  # ⑵ → (2) → 2, ⒏ → 8. → 8
        nf = core if len(core) == 1 and core.isascii() else ch
    nf = _LOOKALIKES.get(nf, nf)
    if len(nf) == 1 and not nf.isascii():
        nf = _number_style(nf)  # ⓷ ❸ ➌ → 3 (styles NFKC leaves alone)
    if not nf.isascii() and nf.isalpha():  # tone-marked pinyin and accented Latin: tóu → tou
        base = unicodedata.normalize("NFD", nf)
        if base[0].isascii() and base[0].isalpha() and all(unicodedata.combining(c) for c in base[1:]):
            nf = base[0]
    low = nf.lower()
    if len(low) == 1:
        nf = _LOOKALIKES.get(low, low)  # upper-case look-alikes: Р → р → p
    nf = t2s.get(nf, nf)
    if nf in _HARD_BREAKS:
        return BREAK
    return nf


@dataclass(frozen=True, slots=True)
class _Tables:
    fold_bmp: list[str | None]  # list-indexed: fastest for str.translate
    fold_astral: dict[int, str | None]
    dense_bmp: list[str | None]
    dense_astral: dict[int, str | None]
    folded_from: dict[str, str]  # char → fold reason: "traditional" or "normalized"


@lru_cache(maxsize=1)
def _tables() -> _Tables:
    """The translate tables (from the snapshot of :mod:`plugin.snapshot` when there is one)."""
    return _Tables(*cached("normalize-tables", _build_tables))


def _build_tables() -> tuple[list[str | None], dict[int, str | None], list[str | None], dict[int, str | None],
                             dict[str, str]]:
    t2s = _t2s_chars()
    fold_bmp: list[str | None] = []
    dense_bmp: list[str | None] = []
    reasons: dict[str, str] = {}
    for cp in range(0x10000):
        ch = chr(cp)
        f = _fold_one(ch, t2s)
        fold_bmp.append(f if f else None)
        if f and f != ch:
            reasons[ch] = "traditional" if f != _fold_one(ch, {}) else "normalized"
        if not f or _is_noise(f):
            dense_bmp.append(None)
        else:
            dense_bmp.append(f)
    fold_astral: dict[int, str | None] = {}
    dense_astral: dict[int, str | None] = {}
    for cp in range(0x10000, 0x30000):
        ch = chr(cp)
        cat = unicodedata.category(ch)
        if cat == "Cn":
            continue
        f = _fold_one(ch, t2s)
        if f != ch:
            fold_astral[cp] = f or None
            if f:
                reasons[ch] = "normalized"
        if not f or _is_noise(f):
            dense_astral[cp] = None
        elif f != ch:
            dense_astral[cp] = f
    for cp in range(0xE0000, 0xE0080):  # tag characters
        fold_astral[cp] = None
        dense_astral[cp] = None
    for cp in range(0xE0100, 0xE01F0):  # variation selectors supplement
        fold_astral[cp] = None
        dense_astral[cp] = None
    return fold_bmp, fold_astral, dense_bmp, dense_astral, reasons




def has_astral(text: str) -> bool:
    """Whether ``text`` holds a character beyond U+FFFF."""
    return not text.isascii() and len(text.encode("utf-16-le", "surrogatepass")) != 2 * len(text)


def is_han(ch: str) -> bool:
    """Whether ``ch`` is a CJK unified ideograph of the BMP (extension A or the main block): the
    characters whose repeats collapse. Unlike :func:`plugin.chardata.is_cjk`, compatibility ideographs
    (U+F900-FAFF) are not: NFKC folds them before this view."""
    return "\u4e00" <= ch <= "\u9fff" or "\u3400" <= ch <= "\u4dbf"


def repeat_runs(text: str, counts: Callable[[str], bool] = is_han) -> list[tuple[int, int]]:
    """``(start, end)`` of every run of one character written two or more times in a row, for the
    characters ``counts`` accepts (CJK ideographs by default), left to right."""
    runs: list[tuple[int, int]] = []
    for i in equal_neighbours(text):  # (one C read of the text when built)
        if counts(text[i]):
            if runs and runs[-1][1] == i:
                runs[-1] = (runs[-1][0], i + 1)
            else:
                runs.append((i - 1, i + 1))
    return runs


def collapse_runs(text: str, runs: list[tuple[int, int]], keep: Callable[[str, int], str] | None = None) -> str:
    """``text`` with each run of ``runs`` replaced by ``keep(run, start)`` (by default its first character)."""
    parts: list[str] = []
    last = 0
    for a, b in runs:
        parts.append(text[last:a])
        parts.append(keep(text[a:b], a) if keep is not None else text[a])
        last = b
    parts.append(text[last:])
    return "".join(parts)


def _translate(text: str, bmp: list[str | None], astral: dict[int, str | None]) -> str:
    out = text.translate(bmp)
    if has_astral(out):
        out = out.translate(astral)
    return out


def fold_char(ch: str) -> str:
    """Fold a single character ('' when it is deleted)."""
    return _fold_with(ch, _tables().fold_bmp, _tables().fold_astral)


def fold_text(text: str) -> str:
    """Fold a text (width, case, traditional→simplified, invisible characters removed).

    Lengths change only by deletions; sentence ends become :data:`BREAK`.
    """
    return _fold_with(text, _tables().fold_bmp, _tables().fold_astral)


def dense_key(text: str, *, collapse: bool = True) -> str:
    """The dense form of a text or lexicon term: folded, noise removed, repeats collapsed.

    ``collapse=False`` keeps runs of one character (轻轻松松 stays four characters): the length
    a reduplicated term needs in the text.
    """
    d, held = _first_dense(text)
    return collapse_runs(d, repeat_runs(d)) if collapse and held & FOLD_HAN_REPEAT else d


def _first_dense(text: str) -> tuple[str, int]:
    """``text`` through the dense tables and what the pass saw (``FOLD_*`` flags), in one C pass when built;
    the general path (a character the tables write as several) reports a sentence end when there is one and
    a Han repeat as possible."""
    fast = dense_fold(text, *_dense_fold_args())
    if fast is not None:
        return fast
    t = _tables()
    d = _translate(text, t.dense_bmp, t.dense_astral)
    return d, (FOLD_BREAK if BREAK in d else 0) | FOLD_HAN_REPEAT


def char_class(ch: str) -> str:
    """Why a character changed under folding: 'traditional', 'normalized' or ''."""
    return _tables().folded_from.get(ch, "")


@dataclass(frozen=True, slots=True)
class _RunMap:
    """Maps positions of a shorter string back to a longer one it was cut from.

    ``dstart[k]`` / ``ostart[k]``: where kept run k starts in the short / long string.
    """

    dstart: list[int]
    ostart: list[int]

    def __call__(self, i: int) -> int:
        k = bisect.bisect_right(self.dstart, i) - 1
        return self.ostart[k] + (i - self.dstart[k])


def _runs(marked: str, mark: str) -> _RunMap:
    """Runs of characters other than ``mark`` (one character) in ``marked`` (one C read of the text when
    built: a long text's dense view deletes tens of thousands of runs of spaces and punctuation)."""
    dstart, ostart = kept_runs(marked, mark)
    return _RunMap(dstart, ostart)


class NormalizedText:
    """A text with its dense view and a map back to original offsets.

    ``dense[i]`` comes from ``original[orig_index(i)]``. ``deleted`` tells whether any
    character was removed or merged (when False, offsets are identical). The map of
    deleted characters is built on first use: most checked texts have no hit and never
    need it.
    """

    __slots__ = ("original", "dense", "_deleted", "_collapsed", "_lazy_deleted", "_table", "_repeat_edges")

    def __init__(self, original: str, dense: str, deleted: "_RunMap | None", collapsed: "_RunMap | None",
                 lazy_deleted: bool = False) -> None:
        self.original = original
        self.dense = dense
        self._deleted = deleted  # dense-before-collapse index -> original index
        self._collapsed = collapsed  # dense index -> dense-before-collapse index
        self._lazy_deleted = lazy_deleted  # characters were deleted; map not built yet
        self._table: array[int] | None = None  # original offset per dense position (C-built), once asked
        self._repeat_edges: frozenset[int] | None = None  # repeat_edges(), once asked

    @property
    def deleted(self) -> bool:
        return self._lazy_deleted or self._deleted is not None or self._collapsed is not None

    @property
    def collapsed(self) -> bool:
        """Whether a run of one character written side by side became one (赌赌博博 → 赌博)."""
        return self._collapsed is not None

    def repeat_edges(self) -> frozenset[int]:
        """Dense positions whose character may have been written more than once in a row in the original: the
        character of a collapsed run, one the next dense character repeats (across a separator), and the last.
        Any other character but a sentence end (:data:`BREAK`, at no hit's edge) was written once, side by side
        or not (its original span is that one character: a repeat after it would have collapsed into it or
        follow it in the dense view), so the reduplicated-word filter asks only about hits with an edge here
        (:mod:`plugin.matching.reduplication`; tested on generated text, and on the bench's long text and titles
        when written)."""
        marks = self._repeat_edges
        if marks is None:
            dense = self.dense
            found = {i - 1 for i in equal_neighbours(dense)}
            found.add(len(dense) - 1)
            if self._collapsed is not None:  # (runs of the map are cut only where a collapsed repeat was)
                found.update(d - 1 for d in self._collapsed.dstart[1:])
            marks = self._repeat_edges = frozenset(found)
        return marks

    def orig_index(self, i: int) -> int:
        """Original offset of dense character ``i``."""
        table = self._table
        if table is None:
            table = self._table = self._offset_table()
        if 0 <= i < len(table):
            return table[i]
        if self._collapsed is not None:
            i = self._collapsed(i)
        if self._lazy_deleted:
            self._build_deleted()
        if self._deleted is not None:
            i = self._deleted(i)
        return i

    def _build_deleted(self) -> None:
        bmp, astral = _mark_tables()
        self._deleted = _runs(_fold_with(self.original, bmp, astral), _MARK)  # type: ignore[arg-type]
        self._lazy_deleted = False

    def _offset_table(self) -> "array[int]":
        """:meth:`orig_index` of every dense position in one table (built by the C extension; empty
        without it, and the maps answer per position). A view that only deleted characters reads its
        table off the text in one pass (no run map needed)."""
        if self._lazy_deleted and self._collapsed is None:
            table = kept_offsets(self.original, len(self.dense), *_dense_fold_args())
            if table is not None:
                return table
        if self._lazy_deleted:
            self._build_deleted()
        maps = [(m.dstart, m.ostart) for m in (self._collapsed, self._deleted) if m is not None]
        return offset_table(len(self.dense), maps) or array("q")

    def offsets(self) -> "array[int]":
        """The original offset of every dense position (:meth:`orig_index` of each, one table built on first
        use; empty without the C extension, and then :meth:`orig_span` answers per span)."""
        table = self._table
        if table is None:
            table = self._table = self._offset_table()
        return table

    def _offsets(self, a: int, b: int) -> tuple[int, int]:
        """:meth:`orig_index` of ``a`` and ``b`` (read off the table when both are in it)."""
        table = self._table
        if table is None:
            table = self._table = self._offset_table()
        if 0 <= a < len(table) and 0 <= b < len(table):
            return table[a], table[b]
        return self.orig_index(a), self.orig_index(b)

    def separated(self, i: int) -> bool:
        """Whether the original text had a deleted or merged character between dense ``i - 1`` and ``i``."""
        if not self.deleted:
            return False
        before, at = self._offsets(i - 1, i)
        return at - before > 1

    def gap_free(self, start: int, end: int) -> bool:
        """Whether no dense position in ``(start, end)`` is :meth:`separated` (two look-ups: the
        map is monotonic, so the ends are ``end - 1 - start`` apart only when every step is one)."""
        if not self.deleted:
            return True
        first, last = self._offsets(start, end - 1)
        return last - first == end - 1 - start

    def side_by_side(self, i: int) -> bool:
        """Whether dense ``i`` and the character after it (or the text's end) are side by side in the
        original: nothing deleted or merged between them."""
        if not self.deleted:
            return True
        table = self._table
        if table is None:
            table = self._table = self._offset_table()
        if not 0 <= i < len(table):
            return False  # (no table: not worked out here)
        return table[i] + 1 == (table[i + 1] if i + 1 < len(table) else len(self.original))

    def orig_span(self, start: int, end: int) -> tuple[int, int]:
        """Original ``[start, end)`` covering dense ``[start, end)`` (end exclusive).

        The end takes in trailing repeats of the last character ("赌博博" → whole run).
        """
        if not self.deleted:
            return start, end
        table = self._table
        if table is None:
            table = self._table = self._offset_table()
        if 0 <= start < end <= len(table):  # (orig_index, inlined: this runs per candidate)
            s, e = table[start], table[end - 1] + 1
            if end < len(table) and table[end] == e and self.dense[end] != self.dense[end - 1]:
                return s, e  # (the next character is another one, side by side: no repeat to take in)
        else:
            s, e = self.orig_index(start), self.orig_index(end - 1) + 1
        if self._collapsed is not None:
            orig = self.original
            target = self.dense[end - 1]
            n = len(orig)
            tables = _tables()
            while e < n:
                ch = orig[e]
                cp = ord(ch)
                f = tables.dense_bmp[cp] if cp < 0x10000 else tables.dense_astral.get(cp, ch)
                if f is None:  # deleted noise between repeats: only take it if a repeat follows
                    j = e + 1
                    while j < n:
                        cj = ord(orig[j])
                        fj = tables.dense_bmp[cj] if cj < 0x10000 else tables.dense_astral.get(cj, orig[j])
                        if fj is not None:
                            break
                        j += 1
                    if j < n and (tables.dense_bmp[ord(orig[j])] if ord(orig[j]) < 0x10000 else None) == target:
                        e = j + 1
                        continue
                    break
                if f != target:
                    break
                e += 1
        return s, e


_MARK = "\x01"

@lru_cache(maxsize=1)
def _mark_tables() -> tuple[list[str], dict[int, str]]:
    """Like the dense tables, but deleted characters become \\x01 (keeps lengths 1:1)."""
    t = _tables()
    bmp = [("\x01" if f is None else f) for f in t.dense_bmp]
    astral = {cp: ("\x01" if f is None else f) for cp, f in t.dense_astral.items()}
    return bmp, astral


@lru_cache(maxsize=1)
def _fold_mark_tables() -> tuple[list[str], dict[int, str]]:
    """Like the fold tables, but deleted characters become \\x01 (keeps lengths 1:1)."""
    t = _tables()
    bmp = [("\x01" if f is None else f) for f in t.fold_bmp]
    astral = {cp: ("\x01" if f is None else f) for cp, f in t.fold_astral.items()}
    return bmp, astral


# Vertical text (竖排): three or more lines of one character each. The line breaks between
# them are not sentence ends ("代\n开\n发\n票" reads 代开发票).
# The same holds for one-character sentences (征。信。修。复 当天见效); the last character may
# be followed by a space or punctuation instead of a break.
def _has_vertical_run(dense: str) -> bool:
    """Whether ``dense`` holds two lines of one character each in a row followed by another line
    (what ``(?:^|\\x00)(?:[^\\x00]\\x00+){2,}[^\\x00]`` finds), read from its sentence ends."""
    n = len(dense)
    single = 0  # lines of one character just before this one
    start = 0  # where the current line starts
    while start < n:
        end = dense.find(BREAK, start)
        if end < 0:
            return single >= 2  # the last line (not empty) follows two one-character lines
        if end == start:  # an empty line: a run of breaks goes on
            start += 1
            continue
        if single >= 2:
            return True
        single = single + 1 if end - start == 1 else 0
        start = end + 1
    return False
# The run is group 1; the break before it and the character after it are read, not taken (RE2 has no
# lookaround), so the next search starts at the run's end. Searched in UTF-8 bytes: BREAK and _MARK
# are one byte each there, and a search from an offset does not re-encode the text.
_VERTICAL_MARKED = fixed_regex.compile_bytes(b"(?:^|\x00)([\x00\x01]*(?:[^\x00\x01][\x01]*\x00[\x00\x01]*){2,}"
                                            b"[^\x00\x01])(?:[\x00\x01]|$)")


def _join_vertical(marked: str) -> str:
    """``marked`` with the breaks inside runs of one-character lines turned into deletions."""
    data = marked.encode("utf-8", "surrogatepass")
    parts: list[bytes] = []
    last = 0
    while (m := _VERTICAL_MARKED.search(data, last)) is not None:
        a, b = m.span(1)
        parts += [data[last:a], data[a:b].replace(BREAK.encode(), _MARK.encode())]
        last = b
    if not parts:
        return marked
    parts.append(data[last:])
    return b"".join(parts).decode("utf-8", "surrogatepass")


#: Sentence ends that a clearly-noise run may hold (line breaks always end a line).
_INLINE_BREAKS = "。！？!?；;｡"
#: Every BMP character → "1" for an inline sentence end, "0" else (a str.translate table).
_INLINE_BREAK_KIND = kind_table(lambda ch: "1" if ch in _INLINE_BREAKS else "0")
#: ASCII-style punctuation used as filler between the characters of a term (besides symbols and emoji).
_FILLER_PUNCT = frozenset("*#@&%/\\|_-~·•")


def _is_filler(ch: str) -> bool:
    """A character that is clearly filler in a noise run: a symbol or emoji (S*) or ``*#@&%/\\|_-~·•``."""
    return ch in _FILLER_PUNCT or unicodedata.category(ch)[0] == "S"


def _noise_run_breaks(text: str) -> list[tuple[int, int]]:
    """Spans of sentence ends (``！``, ``。`` ...) inside a clearly-noise run (赌★！★博): filler
    right before and right after them. Such a run is noise, not a sentence end."""
    out: list[tuple[int, int]] = []
    for a, b in kind_runs(text_kinds(text, _INLINE_BREAK_KIND)):
        if a > 0 and b < len(text) and _is_filler(text[a - 1]) and _is_filler(text[b]):
            out.append((a, b))
    return out


def _join_noise_runs(marked: str, spans: list[tuple[int, int]]) -> str:
    """``marked`` (1:1 with the original) with the breaks of ``spans`` turned into deletions."""
    chars = list(marked)
    for a, b in spans:
        for i in range(a, b):
            if chars[i] == BREAK:
                chars[i] = _MARK
    return "".join(chars)


def _separated(text: str, left: int, right: int) -> bool:
    """Whether the original holds a visible noise character (space, punctuation, symbol) between
    ``left`` and ``right``: a repeat across it is two words (长江 江水), not a stutter."""
    return left + 1 < right and bool(fold_text(text[left + 1:right]))


def dense_table() -> tuple[list[str | None], dict[int, str | None], "array[int] | None"]:
    """The dense tables :func:`normalize` folds with (:func:`~plugin.matching.native.dense_fold`): the
    BMP ``str.translate`` list, the table of characters beyond the BMP, and the BMP table as 65,536
    uint32 code points for the C fold (None if it cannot be written so)."""
    t = _tables()
    return t.dense_bmp, t.dense_astral, _dense_codes()


@lru_cache(maxsize=1)
def _dense_fold_args() -> tuple[list[str | None], dict[int, str | None], "array[int] | None"]:
    """:func:`dense_table`, kept: the process-wide tables never change (one call per text reads them)."""
    return dense_table()


def _dense_codes() -> "array[int] | None":
    """The BMP dense table as 65,536 uint32 code points (:func:`_codes_of`)."""
    return _codes_of(_tables().dense_bmp)


#: id of a process-wide BMP table → (the table, its codes): the tables live as long as the process.
_CODES: dict[int, tuple[list[str | None], "array[int] | None"]] = {}


def _codes_of(bmp: list[str | None]) -> "array[int] | None":
    """A BMP ``str.translate`` table as 65,536 uint32 code points for the C fold (``DELETED_CODE``:
    deleted); None if some character becomes more than one (then the table is read as a list)."""
    got = _CODES.get(id(bmp))
    if got is None or got[0] is not bmp:
        codes: array[int] | None = array("I")
        for f in bmp:
            if f is not None and len(f) != 1:
                codes = None
                break
            codes.append(DELETED_CODE if f is None else ord(f))  # type: ignore[union-attr]
        got = _CODES[id(bmp)] = (bmp, codes)
    return got[1]


def _fold_with(text: str, bmp: list[str | None], astral: dict[int, str | None]) -> str:
    """:func:`_translate`, in one C pass when built (a process-wide table pair)."""
    fast = dense_fold(text, bmp, astral, _codes_of(bmp))
    return fast[0] if fast is not None else _translate(text, bmp, astral)


def normalize(text: str) -> NormalizedText:
    """Build the dense view of ``text`` with an offset map back to it."""
    # one pass (in C when built) also tells whether the text has sentence ends or Han repeats to look at
    dense1, held = _first_dense(text)
    if not held & (FOLD_BREAK | FOLD_HAN_REPEAT):  # (most short texts: no sentence end, no repeat to look at)
        return NormalizedText(text, dense1, None, None, len(dense1) != len(text))
    has_break, may_repeat = bool(held & FOLD_BREAK), bool(held & FOLD_HAN_REPEAT)
    deleted: _RunMap | None = None
    lazy = False
    noisy = _noise_run_breaks(text) if has_break else []
    if has_break and (noisy or _has_vertical_run(dense1)):
        bmp, astral = _mark_tables()
        marked = _fold_with(text, bmp, astral)  # type: ignore[arg-type]
        if noisy:
            marked = _join_noise_runs(marked, noisy)
        marked = _join_vertical(marked)
        dense1 = marked.replace(_MARK, "")
        deleted = _runs(marked, _MARK)
        may_repeat = True  # (joined lines may put two equal characters side by side)
    elif len(dense1) != len(text):
        lazy = True
    collapsed: _RunMap | None = None
    dense = dense1
    repeats = repeat_runs(dense1) if may_repeat else []
    if repeats:
        if lazy:  # where the repeats were in the original: a repeat across a space is no stutter
            bmp, astral = _mark_tables()
            deleted = _runs(_fold_with(text, bmp, astral), _MARK)  # type: ignore[arg-type]
            lazy = False
        orig = deleted

        def collapse(run: str, a: int) -> str:
            kept = [run[0]]
            for k in range(1, len(run)):
                split = orig is not None and _separated(text, orig(a + k - 1), orig(a + k))
                kept.append(run[k] if split else _MARK)
            return "".join(kept)

        marked2 = collapse_runs(dense1, repeats, collapse)
        if _MARK in marked2:
            collapsed = _runs(marked2, _MARK)
            dense = marked2.replace(_MARK, "")
    return NormalizedText(text, dense, deleted, collapsed, lazy)


_PREPARE_CACHE = 1024  # texts whose preparation is kept (a request's consumers share it)
_PREPARE_CACHE_CHARS = 2048  # longer texts (posts) are prepared afresh by each caller


class Prepared:
    """One text normalised once for every consumer: the matcher and the rumour analysis.

    Each view is computed on first use and kept: :attr:`folded` (the regex pass and the rumour
    analysis read it), :attr:`normalized` (the dense view the matcher's automaton scans, with its
    map back to the original). Read-only (the public attributes have no setter); get one with
    :func:`prepare`, which shares it per text.
    """

    __slots__ = ("_text", "_folded", "_normalized", "_fold_runs")

    def __init__(self, text: str) -> None:
        self._text = text
        self._folded: str | None = None
        self._normalized: NormalizedText | None = None
        self._fold_runs: tuple[_RunMap | None] | None = None  # (map, or None: nothing deleted), once computed

    def __repr__(self) -> str:
        return f"Prepared({self._text!r})"

    @property
    def text(self) -> str:
        """The original text."""
        return self._text

    @property
    def folded(self) -> str:
        """:func:`fold_text` of the text (same length but for deletions; sentence ends are :data:`BREAK`)."""
        folded = self._folded
        if folded is None:
            folded = self._folded = fold_text(self._text)
        return folded

    @property
    def normalized(self) -> NormalizedText:
        """:func:`normalize` of the text: the dense view with its offset map."""
        nt = self._normalized
        if nt is None:
            nt = self._normalized = normalize(self._text)
        return nt

    def folded_span(self, start: int, end: int) -> tuple[int, int]:
        """Original ``[start, end)`` of folded ``[start, end)`` (end exclusive, ``end > start``)."""
        cached = self._fold_runs
        if cached is None:
            runs = None
            if len(self.folded) != len(self._text):
                bmp, astral = _fold_mark_tables()
                runs = _runs(_fold_with(self._text, bmp, astral), _MARK)  # type: ignore[arg-type]
            cached = self._fold_runs = (runs,)
        runs = cached[0]
        if runs is None:
            return start, end
        return runs(start), runs(end - 1) + 1


#: :class:`Prepared` per text, the last ones kept.
_prepare_shared = lru_cache(maxsize=_PREPARE_CACHE)(Prepared)


def prepare(text: str) -> Prepared:
    """The :class:`Prepared` form of ``text``, shared per text: the matcher and the rumour
    analysis of one request fold it once (texts over 2,048 characters are not kept)."""
    if len(text) > _PREPARE_CACHE_CHARS:
        return Prepared(text)
    return _prepare_shared(text)


def warm_up() -> None:
    """Build every table of this module now (otherwise built on first use)."""
    t = _tables()
    for bmp in (t.fold_bmp, t.dense_bmp, _mark_tables()[0], _fold_mark_tables()[0]):
        _codes_of(bmp)  # type: ignore[arg-type]
