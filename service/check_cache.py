"""Bounded memo of check results for the per-keystroke paths (query check, suggestion filtering).

Search suggestions repeat heavily (the same popular completions for the same prefixes), so each
text is matched once per lexicon version: ``CheckCache.check(text)`` returns the live matcher's
``CheckResult`` from an LRU cache (C-implemented ``functools.lru_cache``, thread-safe). The cache
belongs to one matcher object: when the live matcher is swapped it starts empty, so a new lexicon
version is never answered from old results. Rumour matches are memoised the same way and cleared
when the rumour index is refreshed. ``size=0`` turns caching off.
"""

from __future__ import annotations

import functools
import threading
from typing import Any, Callable

from plugin.live import LiveMatcher

__all__ = ["CheckCache"]


class CheckCache:
    """LRU-cached ``check`` / rumour ``match`` for the live matcher and rumour index."""

    def __init__(self, live: LiveMatcher, rumors: Any, size: int) -> None:
        self.live = live
        self.rumors = rumors
        self.size = size
        self._lock = threading.Lock()
        self._matcher: Any = None
        self._check: Callable[[str], Any] = lambda text: None
        self._rumor: Callable[[str], tuple[tuple[dict, ...], tuple[dict, ...]]] = self._rumor_uncached
        self._bind(live.current())
        self.reset_rumors()

    def _bind(self, matcher: Any) -> None:
        check = matcher.check
        fn = functools.lru_cache(maxsize=self.size)(check) if self.size > 0 else check
        with self._lock:
            self._matcher, self._check = matcher, fn

    def check(self, text: str) -> Any:
        """``live.current().check(text)``, memoised per matcher."""
        matcher = self.live.current()
        if matcher is not self._matcher:
            self._bind(matcher)
        return self._check(text)

    def _rumor_uncached(self, text: str) -> tuple[tuple[dict, ...], tuple[dict, ...]]:
        if self.rumors is None:
            return (), ()
        res = self.rumors.match(text, limit=3)
        if isinstance(res, dict):
            return tuple(res.get("pins", ())), tuple(res.get("labels", ()))
        return tuple(res.pins), tuple(res.labels)

    def rumor(self, text: str) -> tuple[tuple[dict, ...], tuple[dict, ...]]:
        """(pins, labels) of the rumour index for ``text``, memoised until :meth:`reset_rumors`."""
        return self._rumor(text)

    def reset_rumors(self) -> None:
        """Forget memoised rumour matches (call after the index is refreshed)."""
        fn = self._rumor_uncached
        self._rumor = functools.lru_cache(maxsize=self.size)(fn) if self.size > 0 else fn

    def info(self) -> dict[str, Any]:
        ci = getattr(self._check, "cache_info", None)
        ri = getattr(self._rumor, "cache_info", None)
        return {"size": self.size, "check": ci()._asdict() if ci else None, "rumor": ri()._asdict() if ri else None}
