"""Types of the C extension built from ``cprefilter.c`` (see :mod:`plugin.rumors.prefilter`)."""

from typing import Any

def claims_naming(tables: tuple[Any, ...], seeds: list[int], hit_slots: list[int], short: bool, /) -> list[int]: ...
def explains(tables: tuple[Any, ...], claims: list[int], hit_slots: list[int], hit_ends: list[int], text: str,
             weights: list[float], clauses: list[tuple[int, int, float]], min_cover: float, single_credit: float,
             /) -> bool: ...
