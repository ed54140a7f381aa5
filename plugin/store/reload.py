"""Hot reload: a thread that polls the store's live version and swaps in a freshly compiled matcher.

The poll is one cheap query (``MAX(number)``) on the poller's own connection. Compiling happens
outside any lock; the swap is a single reference assignment in :class:`plugin.live.LiveMatcher`,
so requests never see a half-built matcher. A failed compile is logged and the old matcher kept
(retried at the next poll with back-off).
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any, Callable

from plugin.live import LiveMatcher

__all__ = ["VersionPoller"]

log = logging.getLogger(__name__)


class VersionPoller:
    """Poll ``store`` every ``interval`` seconds (default: the store's ``reload_interval``) and keep ``live``
    on its newest version. ``build(version)`` makes what goes live (default: the lexicon store's
    ``build_matcher``; the model store passes ``build_scorer``); ``what`` names it in logs."""

    def __init__(self, store: Any, live: LiveMatcher, interval: float | None = None, *,
                 build: Callable[[int], Any] | None = None, what: str = "lexicon") -> None:
        self.store = store
        self.live = live
        self.build: Callable[[int], Any] = build if build is not None else store.build_matcher
        self.what = what
        self.interval = max(0.05, float(interval if interval is not None else store.config.reload_interval))
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._failed_version: int | None = None
        self._failures = 0
        self.reloads = 0
        self.last_error: str = ""

    def check_once(self) -> bool:
        """Reload if the store's live version differs from the live matcher's; returns whether it swapped."""
        version = self.store.live_version()
        if version is None or str(version) == str(self.live.version):
            return False
        if version == self._failed_version and self._failures and self._failures % 10:
            self._failures += 1  # back off: retry a failing version every 10th poll
            return False
        started = time.perf_counter()
        try:
            matcher = self.build(version)  # compiled outside any lock
        except Exception as exc:  # keep serving the old matcher
            self._failed_version, self._failures = version, self._failures + 1
            self.last_error = f"version {version}: {type(exc).__name__}: {exc}"
            log.exception("%s version %s failed to load; keeping version %s", self.what, version, self.live.version)
            return False
        self.live.swap(matcher, str(version))
        self._failed_version, self._failures, self.last_error = None, 0, ""
        self.reloads += 1
        log.info("%s version %s live (built in %.2fs)", self.what, version, time.perf_counter() - started)
        return True

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                self.check_once()
            except Exception:  # e.g. the database is locked or gone for a moment
                log.exception("%s version poll failed", self.what)

    def start(self) -> "VersionPoller":
        """Start the background thread (idempotent)."""
        if self._thread is None or not self._thread.is_alive():
            self._stop.clear()
            self._thread = threading.Thread(target=self._run, name=f"{self.what}-version-poller", daemon=True)
            self._thread.start()
        return self

    def stop(self, timeout: float = 5.0) -> None:
        """Stop the thread and wait for it."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None
