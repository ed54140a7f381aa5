"""Types of the C extension built from ``cscoring.c`` (see :meth:`plugin.rumors.scoring.ClaimScorer.bound`)."""

from collections.abc import Iterable, Sequence
from typing import Any

def bound(query: tuple[Any, ...], claim: tuple[Any, ...], params: tuple[float, ...],
          pair_words: dict[str, set[str]], n_auto: int, curated: bool, /) -> float: ...
def top_candidates(keys: list[tuple[Sequence[int], float]], sounds: list[tuple[Sequence[int], float]], hits: Iterable[int],
                   need: float, k: int, /) -> list[tuple[int, float]]: ...
