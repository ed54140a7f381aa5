"""Which passes a dense view needs, decided by one scan of its character kinds (in C when built):
most texts have no two Latin letters in a row (no pinyin or Latin-repeat pass), no separator
between two CJK characters (no separator spellings) and no character beyond the BMP."""

from __future__ import annotations

from functools import lru_cache

from .native import KIND_LETTER, KIND_PAIR_CJK, KIND_PAIR_SEP, VIEW_ASTRAL, VIEW_LATIN_REPEAT, VIEW_LATIN_RUN, \
    VIEW_SEPARATED, view_flags
from .pinyin import LETTER_KIND
from .split import PAIR_KIND

__all__ = ["VIEW_ASTRAL", "VIEW_LATIN_REPEAT", "VIEW_LATIN_RUN", "VIEW_SEPARATED", "kind_bits", "passes_needed"]


@lru_cache(maxsize=1)
def kind_bits() -> bytes:
    """One byte per BMP character: ``KIND_LETTER`` (a Latin letter a-z, :data:`~.pinyin.LETTER_KIND`),
    ``KIND_PAIR_CJK`` / ``KIND_PAIR_SEP`` (a CJK character / a separator of :data:`~.split.PAIR_KIND`)."""
    # (two translates and an OR of the bits, which are disjoint: no Python step per character)
    letter_bits = bytes(KIND_LETTER if b == ord("1") else 0 for b in range(256))
    pair_bits = bytes(KIND_PAIR_CJK if b == ord("c") else KIND_PAIR_SEP if b == ord("s") else 0 for b in range(256))
    letters = "".join(LETTER_KIND).encode("latin-1").translate(letter_bits)
    pairs = "".join(PAIR_KIND).encode("latin-1").translate(pair_bits)
    return (int.from_bytes(letters, "little") | int.from_bytes(pairs, "little")).to_bytes(len(letters), "little")


def passes_needed(dense: str) -> int:
    """The ``VIEW_*`` bits of ``dense`` (read as :func:`~.compile.as_bmp` writes it): two Latin letters
    in a row (pinyin pass, :func:`~.pinyin.has_latin_run`), one letter twice in a row (Latin-repeat
    fold, :func:`~.latin_repeat.has_latin_repeat`), a separated CJK character
    (:func:`~.split.has_separated_cjk`), a character beyond the BMP (the view needs :func:`~.compile.as_bmp`)."""
    return view_flags(dense, kind_bits())
