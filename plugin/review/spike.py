"""Engagement-spike detection against an item's own baseline (seed 000 三.4).

The series is engagement per minute, oldest first. A spike is a **sustained level shift that is still
going on**: for each recent stretch of the last ``m`` minutes (m = 1 .. ``window``), the stretch's level
is its LOWEST value (every minute of it must be high, so a burst that already ended is not a spike),
and the baseline is a low quantile (``baseline_quantile``, default the 25th percentile) of the up to
``baseline_points`` values before the stretch (a low quantile still sees the normal level when earlier
bursts or the start of this one are among those values). The stretch is a spike when

- the level is at least ``min_value`` and exceeds the baseline by at least ``min_jump`` (absolute floors:
  3 → 30 per minute is no event) and is at least twice the upper quartile of the earlier values, and
- with at least ``min_baseline`` earlier values: level > ``ratio`` × baseline AND the robust z-score of
  the level against the earlier values, (level − median) / (1.4826 · MAD), exceeds ``robust_z`` (a noisy
  baseline does not raise one); with 1 .. ``min_baseline``−1 earlier values (short series such as
  [5, 800]): level > ``short_ratio`` × baseline, a stricter ratio instead of the z-score, and
- it is not smooth growth: when the values from a few minutes before the stretch to now rose step by
  step (median step ratio > 1) and no step exceeds ``growth_tolerance`` × that median step ratio, the
  rise is a steady (e.g. exponential) trend and only counts once the level exceeds ``growth_ratio`` ×
  baseline (doubling every minute from 2 to 64 is organic growth, not a burst).

The cost is bounded: at most ``window`` stretches, each over at most ``baseline_points`` values.
"""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass
from typing import Sequence

__all__ = ["Spike", "detect_spike"]

#: Scales the median absolute deviation to a standard deviation for normal data.
MAD_SCALE = 1.4826
#: Step ratios looked at before a stretch when deciding whether the rise was steady growth.
_GROWTH_STEPS = 5
#: The level must also be this multiple of the upper quartile of the earlier values (an alternating,
#: noisy series is not a baseline the level shifted from).
_UPPER_MARGIN = 2.0


@dataclass(frozen=True, slots=True)
class Spike:
    """The current level compared with the item's baseline."""

    level: float  # lowest value of the recent stretch (the last value when the stretch is one minute)
    baseline: float  # low quantile of the earlier values
    median: float  # median of the earlier values
    mad: float
    ratio: float  # level / baseline (inf when the baseline is 0)
    robust_z: float  # (level - median) / (1.4826 * MAD); inf when MAD is 0; nan for the short-series test
    minutes: int  # length of the recent stretch
    method: str  # "level_shift" | "short_series" | "growth"

    @property
    def last(self) -> float:  # the name of ``level`` in older callers
        return self.level


def _quantile(sorted_values: list[float], q: float) -> float:
    """Linear-interpolated quantile of already sorted values."""
    if len(sorted_values) == 1:
        return sorted_values[0]
    pos = q * (len(sorted_values) - 1)
    lo = math.floor(pos)
    hi = min(lo + 1, len(sorted_values) - 1)
    return sorted_values[lo] + (sorted_values[hi] - sorted_values[lo]) * (pos - lo)


def _steady_growth(values: Sequence[float], k: int, tolerance: float) -> bool:
    """Whether the rise into the stretch values[k:] is steady growth: over the steps from a few minutes
    before the stretch to the end, every value is positive, the median step ratio is above 1 and no
    step exceeds ``tolerance`` × that median (no single jump)."""
    start = max(1, k - _GROWTH_STEPS)
    if any(v <= 0 for v in values[start - 1:]):
        return False
    steps = [values[i] / values[i - 1] for i in range(start, len(values))]
    if len(steps) < 3:
        return False
    typical = statistics.median(steps)
    return typical > 1.0 and max(steps) <= tolerance * typical


def detect_spike(
    values: Sequence[float], *, ratio: float = 5.0, robust_z: float = 6.0, min_baseline: int = 4,
    min_value: float = 30.0, min_jump: float = 20.0, short_ratio: float = 10.0, window: int = 10,
    baseline_quantile: float = 0.25, baseline_points: int = 60, growth_tolerance: float = 1.5,
    growth_ratio: float = 50.0,
) -> Spike | None:
    """A :class:`Spike` when the recent engagement is a sustained jump above the item's own baseline,
    else None (see the module documentation for the method). Needs at least two values."""
    n = len(values)
    if n < 2:
        return None
    best: Spike | None = None
    for m in range(1, min(window, n - 1) + 1):
        k = n - m  # the stretch is values[k:], the baseline the values before it
        level = float(min(values[k:]))
        if level < min_value:
            continue
        base = [float(v) for v in values[max(0, k - baseline_points):k]]
        ordered = sorted(base)
        baseline = _quantile(ordered, baseline_quantile)
        if level - baseline < min_jump or level < _UPPER_MARGIN * _quantile(ordered, 0.75):
            continue
        r = level / baseline if baseline > 0 else math.inf
        med = _quantile(ordered, 0.5)
        mad = statistics.median(abs(v - med) for v in base)
        if len(base) >= min_baseline:
            z = (level - med) / (MAD_SCALE * mad) if mad > 0 else (math.inf if level > med else 0.0)
            if not (r > ratio and z > robust_z):
                continue
            method = "level_shift"
        else:
            z = math.nan
            if not r > short_ratio:
                continue
            method = "short_series"
        if _steady_growth(values, k, growth_tolerance):
            if not r > growth_ratio:
                continue
            method = "growth"
        spike = Spike(level, baseline, med, mad, r, z, m, method)
        if best is None or spike.ratio > best.ratio:
            best = spike
    return best
