"""Engagement-spike detection against an item's own baseline (seed 000 三.4)."""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from typing import Sequence

__all__ = ["Spike", "detect_spike"]

#: Scales the median absolute deviation to a standard deviation for normal data.
MAD_SCALE = 1.4826


@dataclass(frozen=True, slots=True)
class Spike:
    """The last value compared with the earlier ones."""

    last: float
    median: float
    mad: float
    ratio: float  # last / median (inf when the median is 0)
    robust_z: float  # (last - median) / (1.4826 * MAD) (inf when MAD is 0)


def detect_spike(
    values: Sequence[float], *, ratio: float = 5.0, robust_z: float = 6.0, min_baseline: int = 4,
    min_value: float = 30.0,
) -> Spike | None:
    """A :class:`Spike` when the last value is an outlier against the earlier values, else None.

    The last value must exceed ``ratio`` × the baseline median AND have a robust z-score above
    ``robust_z`` (median / MAD, so a single earlier burst does not hide a spike and a noisy
    baseline does not raise one) AND be at least ``min_value``. Needs ``min_baseline`` earlier values.
    """
    if len(values) < min_baseline + 1:
        return None
    base, last = list(values[:-1]), float(values[-1])
    if last < min_value:
        return None
    med = statistics.median(base)
    mad = statistics.median(abs(v - med) for v in base)
    r = last / med if med > 0 else float("inf")
    z = (last - med) / (MAD_SCALE * mad) if mad > 0 else (float("inf") if last > med else 0.0)
    if r > ratio and z > robust_z:
        return Spike(last, med, mad, r, z)
    return None
