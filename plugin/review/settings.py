"""Tunable thresholds of the review rules, each declared once with its default and help text."""

from __future__ import annotations

import datetime as dt
import functools
import zoneinfo
from dataclasses import dataclass, fields
from typing import Any

from ..settings import setting, setting_rows

__all__ = ["DEFAULT_PLACEHOLDER_SOURCES", "REVIEW_SETTINGS", "ReviewSettings", "resolve_timezone"]

#: Declared "sources" that name no source: hearsay, unknown, reposted from nowhere. Compared after
#: normalisation (width, case, traditional characters, punctuation and spaces removed) and after a
#: leading label such as 来源 / 据 / source is taken off (:func:`plugin.review.rules.labels.source_problem`).
DEFAULT_PLACEHOLDER_SOURCES: tuple[str, ...] = (
    "网传", "网友", "网友爆料", "网民", "网上", "网络", "互联网", "来自网络", "来源网络", "网络来源",
    "网络转载", "据说", "听说", "传言", "传闻", "小道消息", "朋友圈", "微信群", "群聊", "群里", "自媒体",
    "爆料", "知情人", "知情人士", "不详", "未知", "不明", "无", "暂无", "没有", "其他", "其它", "转载",
    "转发", "综合", "整理", "unknown", "none", "null", "nil", "na", "n/a", "internet", "online", "web",
    "network", "other", "repost",
)


@dataclass(frozen=True, slots=True)
class ReviewSettings:
    """Thresholds for the review rules (``REVIEW_SETTINGS`` lists them with their help)."""

    spike_ratio: float = setting(
        5.0, "engagement spike: the current level must exceed this multiple of the baseline")
    spike_robust_z: float = setting(
        6.0, "engagement spike: and its robust z-score against the earlier values (median/MAD) must exceed this")
    spike_min_baseline: int = setting(
        4, "engagement spike: earlier values needed for the standard test; with fewer (at least 1) the "
           "short-series test applies")
    spike_short_ratio: float = setting(
        10.0, "engagement spike: ratio required by the short-series test (no z-score)")
    spike_min_value: float = setting(
        30.0, "engagement spike: a current level (per minute) below this is never a spike")
    spike_min_jump: float = setting(
        20.0, "engagement spike: the level must exceed the baseline by at least this much (per minute)")
    spike_window: int = setting(
        10, "engagement spike: longest recent stretch (minutes) tested as a sustained level shift")
    spike_baseline_quantile: float = setting(
        0.25, "engagement spike: quantile of the earlier values used as the baseline")
    spike_baseline_points: int = setting(
        60, "engagement spike: earlier values (newest first) the baseline is taken from")
    spike_growth_tolerance: float = setting(
        1.5, "engagement spike: a jump at most this multiple of the recent steady step ratio is smooth growth")
    spike_growth_ratio: float = setting(
        50.0, "engagement spike: smooth growth is flagged only when the level exceeds this multiple of the baseline")
    matrix_similarity: float = setting(
        0.6, "matrix accounts: Jaccard similarity of title character bigrams counted as near-duplicate")
    matrix_containment: float = setting(
        0.8, "matrix accounts: share of the shorter title's bigrams found in the longer one counted as near-duplicate")
    matrix_containment_min: int = setting(
        6, "matrix accounts: bigrams the shorter title needs before containment counts")
    matrix_word_similarity: float = setting(
        0.7, "matrix accounts: Jaccard similarity of title word sets (order-free: reordered copies) counted as "
             "near-duplicate")
    matrix_word_min: int = setting(
        3, "matrix accounts: words (two or more characters) the shorter title needs before the word measure counts")
    matrix_group_scan: int = setting(
        200, "matrix accounts: newest history items per shared owner / MCN compared exactly (containment)")
    matrix_num_perm: int = setting(
        64, "matrix accounts: MinHash permutations")
    matrix_history_size: int = setting(
        5000, "matrix accounts: reviewed candidates kept as recent history (reloaded from the database at start-up)")
    matrix_history_hours: float = setting(
        72.0, "matrix accounts: how far back the recent history reaches")
    violations_limit: int = setting(
        3, "accounts with at least this many violations in 90 days are limited")
    naive_timezone: str = setting(
        "Asia/Shanghai", "zone of candidate timestamps given without one (IANA name such as Asia/Shanghai, or +08:00)")
    placeholder_sources: tuple[str, ...] = setting(
        DEFAULT_PLACEHOLDER_SOURCES, "declared sources that count as no source (hearsay, unknown)")
    rumor_chunk_chars: int = setting(
        200, "rumour matching: a body longer than this is also matched sentence by sentence in chunks of this size")
    rumor_max_chunks: int = setting(
        6, "rumour matching: most body chunks matched per candidate (chunks with hearsay markers first)")
    domain_min_score: int = setting(
        2, "domain inference: score needed to infer a domain (a term 1, a strong term 2)")
    domain_news_min_score: int = setting(
        4, "domain inference: score needed for current_affairs / public_policy / social_event items")

    def __post_init__(self) -> None:
        try:  # an unknown zone is an error now, not at the first review
            resolve_timezone(self.naive_timezone)
        except ValueError as exc:
            raise ValueError(f"naive_timezone: {exc}") from None
        if not 0.0 <= self.spike_baseline_quantile <= 1.0:
            raise ValueError("spike_baseline_quantile: must be between 0 and 1")
        for name in ("spike_window", "spike_baseline_points", "rumor_chunk_chars", "spike_min_baseline"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name}: must be at least 1")

    @property
    def timezone(self) -> dt.tzinfo:
        """The zone timestamps without one are read in."""
        return resolve_timezone(self.naive_timezone)

    def replace(self, **changes: Any) -> "ReviewSettings":
        known = {f.name for f in fields(self)}
        unknown = set(changes) - known
        if unknown:
            raise ValueError(f"unknown review setting(s): {', '.join(sorted(unknown))}")
        values = {f.name: getattr(self, f.name) for f in fields(self)}
        values.update(changes)
        return ReviewSettings(**values)


#: Zones used when the system has no tz database (zoneinfo finds nothing): fixed offsets.
_FIXED_ZONES = {
    "asia/shanghai": 8, "asia/chongqing": 8, "asia/hong_kong": 8, "asia/taipei": 8, "prc": 8, "utc": 0,
}


@functools.lru_cache(maxsize=32)
def resolve_timezone(name: str) -> dt.tzinfo:
    """An IANA zone name (``Asia/Shanghai``, ``UTC``) or a fixed offset (``+08:00``) as a tzinfo."""
    name = name.strip()
    if name[:1] in "+-" and len(name) in (3, 6):
        sign = -1 if name[0] == "-" else 1
        hours, minutes = int(name[1:3]), int(name[4:6]) if len(name) == 6 else 0
        return dt.timezone(sign * dt.timedelta(hours=hours, minutes=minutes))
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        fixed = _FIXED_ZONES.get(name.lower())
        if fixed is None:
            raise ValueError(
                f"unknown time zone {name!r} (expected an IANA name such as Asia/Shanghai, or +08:00)"
            ) from None
        return dt.timezone(dt.timedelta(hours=fixed), name)


#: (name, default, help) for every review setting.
REVIEW_SETTINGS: tuple[tuple[str, Any, str], ...] = setting_rows(ReviewSettings)
