"""Types of the C extension built from ``cscoring.c`` (see :meth:`plugin.rumors.scoring.ClaimScorer.bound`)."""

from collections.abc import Iterable, Sequence

def bound(query: bytes, claim: bytes, held: str, params: tuple[float, ...], n_auto: int, curated: bool, /) -> float: ...
def top_candidates(keys: list[tuple[Sequence[int], float]], sounds: list[tuple[Sequence[int], float]], hits: Iterable[int],
                   need: float, k: int, /) -> list[tuple[int, float]]: ...
