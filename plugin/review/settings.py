"""Tunable thresholds of the review rules, as data: ``(name, default, help)`` rows."""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any

__all__ = ["REVIEW_SETTINGS", "ReviewSettings"]


@dataclass(frozen=True, slots=True)
class ReviewSettings:
    """Thresholds for the review rules. Every field is listed with its help in ``REVIEW_SETTINGS``."""

    spike_ratio: float = 5.0
    spike_robust_z: float = 6.0
    spike_min_baseline: int = 4
    spike_min_value: float = 30.0
    matrix_similarity: float = 0.6
    matrix_num_perm: int = 64
    matrix_history_size: int = 5000
    matrix_history_hours: float = 72.0
    violations_limit: int = 3

    def replace(self, **changes: Any) -> "ReviewSettings":
        known = {f.name for f in fields(self)}
        unknown = set(changes) - known
        if unknown:
            raise ValueError(f"unknown review setting(s): {', '.join(sorted(unknown))}")
        values = {f.name: getattr(self, f.name) for f in fields(self)}
        values.update(changes)
        return ReviewSettings(**values)


#: (name, default, help) for every review setting.
REVIEW_SETTINGS: tuple[tuple[str, Any, str], ...] = (
    ("spike_ratio", 5.0, "engagement spike: last value must exceed this multiple of the median of earlier values"),
    ("spike_robust_z", 6.0, "engagement spike: and its robust z-score (median/MAD) must exceed this"),
    ("spike_min_baseline", 4, "engagement spike: earlier values needed before a spike can be judged"),
    ("spike_min_value", 30.0, "engagement spike: last value (per minute) below this is never a spike"),
    ("matrix_similarity", 0.6, "matrix accounts: Jaccard similarity of title character bigrams counted as near-duplicate"),
    ("matrix_num_perm", 64, "matrix accounts: MinHash permutations"),
    ("matrix_history_size", 5000, "matrix accounts: reviewed candidates kept as recent history"),
    ("matrix_history_hours", 72.0, "matrix accounts: how far back the recent history reaches"),
    ("violations_limit", 3, "accounts with at least this many violations in 90 days are limited"),
)
