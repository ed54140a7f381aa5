"""Evaluation figures for the spam scorer: recall per category, false-flag rate per surface and per
source, each with a Wilson score interval (95 % unless asked otherwise)."""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass
from typing import Any, Callable, Iterable, Sequence

from .data import BENIGN, Sample

__all__ = ["Rate", "flag_report", "report_to_dict", "wilson"]


def wilson(k: int, n: int, z: float = 1.96) -> tuple[float, float]:
    """Wilson score interval of ``k`` successes in ``n`` trials; (0, 1) when ``n`` is 0."""
    if n <= 0:
        return 0.0, 1.0
    p = k / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return max(0.0, centre - half), min(1.0, centre + half)


@dataclass(frozen=True, slots=True)
class Rate:
    """``k`` of ``n`` with its Wilson interval."""

    k: int
    n: int

    @property
    def rate(self) -> float:
        return self.k / self.n if self.n else 0.0

    @property
    def interval(self) -> tuple[float, float]:
        return wilson(self.k, self.n)

    def to_dict(self) -> dict[str, Any]:
        lo, hi = self.interval
        return {"k": self.k, "n": self.n, "rate": round(self.rate, 5), "ci95": [round(lo, 5), round(hi, 5)]}

    def __str__(self) -> str:
        lo, hi = self.interval
        return f"{self.rate:7.2%} ({self.k}/{self.n}; 95% CI {lo:.2%}–{hi:.2%})"


def flag_report(samples: Sequence[Sample], flagged: Callable[[Sample], bool] | Iterable[bool]) -> dict[str, Any]:
    """Recall per spam category (and per category and surface), false-flag rate per surface and per
    (surface, source) of benign samples, as :class:`Rate` objects.

    ``flagged`` is either a predicate or one boolean per sample, in order.
    """
    flags = [flagged(s) for s in samples] if callable(flagged) else list(flagged)
    if len(flags) != len(samples):
        raise ValueError("one flag per sample is needed")
    counts: dict[tuple[str, ...], list[int]] = defaultdict(lambda: [0, 0])
    for s, f in zip(samples, flags):
        keys = [("recall", s.label), ("recall_by_surface", s.label, s.surface)] if s.label != BENIGN else [
            ("false_flags", s.surface), ("false_flags_by_source", s.surface, s.source)]
        for key in keys:
            counts[key][0] += int(f)
            counts[key][1] += 1
    spam = [f for s, f in zip(samples, flags) if s.label != BENIGN]
    out: dict[str, Any] = {"recall": {}, "recall_by_surface": {}, "false_flags": {}, "false_flags_by_source": {},
                           "recall_all": Rate(sum(spam), len(spam))}
    for key, (k, n) in sorted(counts.items()):
        table = out[key[0]]
        name = key[1] if len(key) == 2 else f"{key[1]}/{key[2]}"
        table[name] = Rate(k, n)
    return out


def report_to_dict(report: dict[str, Any]) -> dict[str, Any]:
    """:func:`flag_report`'s result with every :class:`Rate` as a JSON object."""
    def conv(v: Any) -> Any:
        if isinstance(v, Rate):
            return v.to_dict()
        if isinstance(v, dict):
            return {k: conv(x) for k, x in v.items()}
        return v
    return {k: conv(v) for k, v in report.items()}

