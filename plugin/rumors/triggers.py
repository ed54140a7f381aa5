"""Trigger phrases: short phrases whose presence in a query points at one rumour.

Two kinds, both matched by one Aho-Corasick automaton over the query's content words
(:attr:`plugin.rumors.analysis.Analysis.dense`):

- *curated* triggers, written by editors on the rumour; a hit alone is enough to match.
- *automatic* triggers, extracted here from the claim: pairs of adjacent content words
  (stop-words skipped) that are at least 3 characters long and contain an informative
  word. A hit is phrase-order evidence that adds to the similarity score; it never
  matches on its own.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Callable

from .analysis import analyze

__all__ = ["trigger_key", "extract_triggers"]

_MIN_CHARS = 3


def trigger_key(phrase: str) -> str:
    """The form a phrase is matched in: its content words joined (''  when nothing is left)."""
    return analyze(phrase).dense


def extract_triggers(claim: str, weight: Callable[[str], float], *, min_weight: float = 5.0,
                     limit: int = 8, surface: Sequence[str] | None = None) -> list[str]:
    """Automatic trigger phrases of ``claim``, most informative first.

    ``weight`` scores a single word (see :class:`plugin.rumors.analysis.Weights`); a pair
    qualifies when its joined length is >= 3 characters and one of its words weighs at
    least ``min_weight``. ``surface``: the claim's content words when the caller has analysed it
    already (:attr:`plugin.rumors.analysis.Analysis.surface`).
    """
    words = analyze(claim).surface if surface is None else surface
    scored: dict[str, float] = {}
    for a, b in zip(words, words[1:]):
        phrase = a + b
        if len(phrase) < _MIN_CHARS:
            continue
        wa, wb = weight(a), weight(b)
        if max(wa, wb) < min_weight:
            continue
        scored[phrase] = max(scored.get(phrase, 0.0), wa + wb)
    return [p for p, _ in sorted(scored.items(), key=lambda kv: -kv[1])[:limit]]
