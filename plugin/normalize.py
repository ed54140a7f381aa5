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
"""

from __future__ import annotations

import re
import sys
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

__all__ = [
    "BREAK",
    "NormalizedText",
    "char_class",
    "dense_key",
    "fold_char",
    "fold_text",
    "normalize",
]

#: Stands for a sentence end in the dense view; never part of a lexicon key.
BREAK = "\x00"

# Sentence / line ends: noise skipping never crosses them.
_HARD_BREAKS = "。．！？!?；;\n\r\u2028\u2029｡"

# Latin look-alikes that NFKC leaves alone (Cyrillic, Greek) and a few stylised forms.
_LOOKALIKES = {
    "а": "a", "в": "b", "е": "e", "к": "k", "м": "m", "н": "h", "о": "o", "р": "p",
    "с": "c", "т": "t", "у": "y", "х": "x", "і": "i", "ј": "j", "ѕ": "s", "ԁ": "d",
    "ɡ": "g", "α": "a", "β": "b", "ε": "e", "ι": "i", "κ": "k", "ν": "v", "ο": "o",
    "ρ": "p", "τ": "t", "υ": "u", "χ": "x", "ω": "w", "ℓ": "l", "ɑ": "a", "ı": "i",
    "〇": "0", "Ｏ": "o", "ᴀ": "a", "ʙ": "b", "ᴄ": "c", "ᴅ": "d", "ᴇ": "e", "ɢ": "g",
    "ʜ": "h", "ɪ": "i", "ᴊ": "j", "ᴋ": "k", "ʟ": "l", "ᴍ": "m", "ɴ": "n", "ᴏ": "o",
    "ᴘ": "p", "ʀ": "r", "ᴛ": "t", "ᴜ": "u", "ᴠ": "v", "ᴡ": "w", "ʏ": "y", "ᴢ": "z",
}


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
    return cat[0] in ("P", "S", "Z") or ch in "\t"


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


def _fold_one(ch: str, t2s: dict[str, str]) -> str:
    """Fold one character; returns '' to delete it."""
    if ch in _HARD_BREAKS:
        return BREAK
    if _is_invisible(ch):
        return ""
    nf = unicodedata.normalize("NFKC", ch)
    if len(nf) != 1:
        nf = ch
    nf = _LOOKALIKES.get(nf, nf)
    low = nf.lower()
    if len(low) == 1:
        nf = low
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
    return _Tables(fold_bmp, fold_astral, dense_bmp, dense_astral, reasons)


_ASTRAL = re.compile("[\U00010000-\U0010ffff]")
_REPEAT = re.compile(r"([\u3400-\u4dbf\u4e00-\u9fff])\1+")


def _translate(text: str, bmp: list[str | None], astral: dict[int, str | None]) -> str:
    out = text.translate(bmp)
    if _ASTRAL.search(out):
        out = out.translate(astral)
    return out


def fold_char(ch: str) -> str:
    """Fold a single character ('' when it is deleted)."""
    return _translate(ch, _tables().fold_bmp, _tables().fold_astral)


def fold_text(text: str) -> str:
    """Fold a text (width, case, traditional→simplified, invisible characters removed).

    Lengths change only by deletions; sentence ends become :data:`BREAK`.
    """
    return _translate(text, _tables().fold_bmp, _tables().fold_astral)


def dense_key(text: str) -> str:
    """The dense form of a text or lexicon term: folded, noise removed, repeats collapsed."""
    t = _tables()
    d = _translate(text, t.dense_bmp, t.dense_astral)
    return _REPEAT.sub(r"\1", d)


def char_class(ch: str) -> str:
    """Why a character changed under folding: 'traditional', 'normalized' or ''."""
    return _tables().folded_from.get(ch, "")


@dataclass(frozen=True, slots=True)
class NormalizedText:
    """A text with its dense view and a map back to original offsets.

    ``dense[i]`` comes from ``original[orig_index(i)]``. ``deleted`` tells whether any
    character was removed or merged (when False, offsets are identical).
    """

    original: str
    dense: str
    _pos: list[int] | None  # dense index -> original index (None: identity)

    @property
    def deleted(self) -> bool:
        return self._pos is not None

    def orig_index(self, i: int) -> int:
        """Original offset of dense character ``i``."""
        if self._pos is None:
            return i
        return self._pos[i]

    def orig_span(self, start: int, end: int) -> tuple[int, int]:
        """Original ``[start, end)`` covering dense ``[start, end)`` (end exclusive)."""
        if self._pos is None:
            return start, end
        s = self._pos[start]
        last = self._pos[end - 1]
        e = last + 1
        # Include the trailing repeats of the last character ("赌博博" → whole run).
        orig = self.original
        ch = orig[last]
        n = len(orig)
        while e < n and orig[e] == ch:
            e += 1
        # Astral characters occupy one index in str; nothing more to do.
        return s, e


def normalize(text: str) -> NormalizedText:
    """Build the dense view of ``text`` with an offset map back to it."""
    t = _tables()
    dense1 = _translate(text, t.dense_bmp, t.dense_astral)
    if len(dense1) == len(text):
        collapsed = _REPEAT.sub(r"\1", dense1)
        if len(collapsed) == len(dense1):
            return NormalizedText(text, dense1, None)
    # Build the position map: kept characters in order, then drop collapsed repeats.
    bmp = t.dense_bmp
    astral = t.dense_astral
    pos: list[int] = []
    chars: list[str] = []
    prev = ""
    for i, ch in enumerate(text):
        cp = ord(ch)
        if cp < 0x10000:
            f = bmp[cp]
        else:
            f = astral.get(cp, ch)
        if not f:
            continue
        if f == prev and "\u3400" <= f <= "\u9fff":
            continue
        prev = f
        chars.append(f)
        pos.append(i)
    return NormalizedText(text, "".join(chars), pos)
