"""Types of the C extension built from ``cscoring.c`` (see :meth:`plugin.rumors.scoring.ClaimScorer.bound`)."""

from typing import Any

def bound(query: tuple[Any, ...], claim: tuple[Any, ...], params: tuple[float, ...],
          pair_words: dict[str, set[str]], n_auto: int, curated: bool, /) -> float: ...
