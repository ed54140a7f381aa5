"""A digit standing for a Chinese numeral inside a CJK term (``3公`` for 三公, ``6合彩`` for 六合彩).

Only when some term holds a numeral, the compiled class table writes each ASCII digit as the
homophone class of its numeral (3 → the class of 三), so the one scan finds ``3公`` where the key
三公 is. The candidate is then read strictly (:func:`digits_as_numerals`): a digit must face its own
numeral or itself, never another character of that class (``3户`` is not 散户) and a key's digit
faces only itself (the numeral spellings of a digit term are keys of their own).
"""

from __future__ import annotations

from collections.abc import Iterable

__all__ = ["DIGIT_NUMERAL", "NO_DIGITS", "NUMERAL_READ", "REJECT", "digit_class_table", "digits_as_numerals"]

#: The everyday numeral each ASCII digit stands for.
DIGIT_NUMERAL = dict(zip("0123456789", "零一二三四五六七八九"))
_NUMERALS = frozenset(DIGIT_NUMERAL.values())

NO_DIGITS, NUMERAL_READ, REJECT = 0, 1, -1


def digit_class_table(class_table: list[str | None], terms: Iterable[str]) -> list[str | None]:
    """``class_table`` with digits written as their numeral's class when some term holds a numeral
    (a copy; the shared table itself when none does)."""
    if not any(not _NUMERALS.isdisjoint(t) for t in terms):
        return class_table
    out = list(class_table)
    for digit, numeral in DIGIT_NUMERAL.items():
        out[ord(digit)] = class_table[ord(numeral)]
    return out


def digits_as_numerals(seg: str, key: str) -> int:
    """How ``seg`` (same classes as ``key``, not identical) reads when digits are involved:
    :data:`NUMERAL_READ` when it equals ``key`` with some digits read as the key's numerals,
    :data:`REJECT` when a digit faces anything but itself or its numeral (or a numeral read mixes with
    other differences), :data:`NO_DIGITS` when no digit takes part (the homophone check decides)."""
    read = other = False
    for a, b in zip(seg, key):
        if a == b:
            continue
        if a in DIGIT_NUMERAL:
            if DIGIT_NUMERAL[a] != b:
                return REJECT
            read = True
        elif b in DIGIT_NUMERAL:
            return REJECT
        else:
            other = True
    if not read:
        return NO_DIGITS
    return REJECT if other else NUMERAL_READ
