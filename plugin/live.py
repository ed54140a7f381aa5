"""A holder for the compiled matcher that running services swap atomically.

Readers call :meth:`LiveMatcher.current` once per request and use that object for the
whole request, so a reload never shows a half-built matcher.
"""

from __future__ import annotations

import threading
from typing import Any, Callable

__all__ = ["LiveMatcher"]


class LiveMatcher:
    """Holds the live matcher and the lexicon version it was compiled from."""

    def __init__(self, matcher: Any, version: str = "") -> None:
        self._state = (matcher, version or getattr(matcher, "version", ""))
        self._lock = threading.Lock()
        self._listeners: list[Callable[[Any, str], None]] = []

    def current(self) -> Any:
        """The live matcher (immutable; safe to use for a whole request)."""
        return self._state[0]

    @property
    def version(self) -> str:
        """The live lexicon version."""
        return self._state[1]

    def swap(self, matcher: Any, version: str) -> None:
        """Make ``matcher`` live; a single reference assignment, so readers never see a mix."""
        with self._lock:
            self._state = (matcher, version)
            listeners = list(self._listeners)
        for fn in listeners:
            fn(matcher, version)

    def on_swap(self, fn: Callable[[Any, str], None]) -> None:
        """Call ``fn(matcher, version)`` after every swap."""
        with self._lock:
            self._listeners.append(fn)
