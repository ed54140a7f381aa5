"""Types of the C extension built from ``cprefilter.c`` (see :mod:`plugin.rumors.prefilter`)."""

from collections.abc import Iterable
from typing import Any

def claims_naming(tables: tuple[Any, ...], seeds: list[int], hit_slots: list[int], short: bool, /) -> list[int]: ...
def explains(tables: tuple[Any, ...], claims: list[int], hit_slots: list[int], hit_ends: list[int], text: str,
             weights: list[float], clauses: list[tuple[int, int, float]], min_cover: float, single_credit: float,
             /) -> bool: ...
def sound_hits(sound_tables: tuple[Any, ...], terms: list[str], text: str, max_len: int, /) -> list[tuple[int, int]]: ...


class Filter:
    """The pre-filter's tables held once, and its whole decision."""

    def __init__(self, tables: tuple[Any, ...], sound_tables: tuple[Any, ...], key_tables: tuple[Any, ...],
                 weights: Any, clause_end: str, seed_claims: int, short_chars: int, min_cover: float,
                 single_credit: float, max_len: int) -> None: ...
    def decide(self, text: str, matches: Iterable[tuple[int, int]] | None = None, /) -> bool: ...
    def key_hits(self, text: str, /) -> list[tuple[int, int]] | None: ...


class Frames:
    """The question wording of ``QuestionFrames`` (literals in the expression's order, particles, what ends a
    particle run, question marks), removed from a BMP text."""

    def __init__(self, literals: list[str], particles: str, ends: str, marks: str) -> None: ...
    def strip(self, text: str, /) -> str: ...
