"""Hot reload across replicas: a thread that keeps this process on the store's newest published version.

A publish is announced on :data:`~plugin.store.store.VERSION_CHANNEL` when it commits (PostgreSQL
NOTIFY): every replica listening wakes at once. Polling stays the fallback, and is the only way on
SQLite: every ``interval`` seconds one cheap query (``MAX(number)``). A new version is loaded from its
compiled artefact (:meth:`~plugin.store.LexiconStore.load_or_build_matcher`), or compiled, outside any
lock; the swap is a single reference assignment in :class:`plugin.live.LiveMatcher`, so requests never
see a half-built matcher. A failed load is logged and the old matcher kept (retried with back-off).

Each poll also records a heartbeat (:meth:`~plugin.store.LexiconStore.heartbeat`): which version this
replica serves, so ``/v1/admin/rollout`` shows every replica's version.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from typing import Any, Callable, Iterator

from plugin.live import LiveMatcher

from .store import VERSION_CHANNEL, replica_name

__all__ = ["VersionPoller"]

log = logging.getLogger(__name__)


class VersionPoller:
    """Keep ``live`` on ``store``'s newest version: woken by publishes where the database announces them,
    else every ``interval`` seconds (default: the store's ``reload_interval``). ``build(version)`` makes what
    goes live (default: the lexicon store's stored artefact or compiled matcher; the model store passes
    ``build_scorer``); ``what`` names it in logs. ``on_failure(version, error)`` is called when a version fails
    to load (the service counts it in its metrics)."""

    #: Every this many heartbeats, replicas not seen for ``FORGET_AFTER`` seconds are deleted.
    FORGET_EVERY = 500
    FORGET_AFTER = 86_400.0

    def __init__(self, store: Any, live: LiveMatcher, interval: float | None = None, *,
                 build: Callable[[int], Any] | None = None, what: str = "lexicon",
                 replica_id: str | None = None, on_failure: Callable[[int, str], None] | None = None) -> None:
        self.store = store
        self.on_failure = on_failure
        self.live = live
        self.build: Callable[[int], Any] = (build if build is not None
                                           else getattr(store, "load_or_build_matcher", store.build_matcher))
        self.what = what
        self.interval = max(0.05, float(interval if interval is not None else store.config.reload_interval))
        self.replica_id = replica_id or f"{replica_name()}:{uuid.uuid4().hex[:6]}"
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._failed_version: int | None = None
        self._failures = 0
        self.reloads = 0
        self._beats = 0
        self.last_error: str = ""
        #: How the last new version was obtained (``artefact`` / ``compiled``) and how long it took.
        self.last_source: str = ""
        self.last_load_seconds: float = 0.0

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
            matcher = self.build(version)  # outside any lock
        except Exception as exc:  # keep serving the old matcher
            self._failed_version, self._failures = version, self._failures + 1
            self.last_error = f"version {version}: {type(exc).__name__}: {exc}"
            log.exception("%s version %s failed to load; keeping version %s", self.what, version, self.live.version)
            if self.on_failure is not None:
                self.on_failure(version, self.last_error)
            return False
        self.live.swap(matcher, str(version))
        self._failed_version, self._failures, self.last_error = None, 0, ""
        self.reloads += 1
        self.last_source = getattr(self.store, "last_matcher_source", "") or "compiled"
        self.last_load_seconds = time.perf_counter() - started
        log.info("%s version %s live (%s in %.2fs)", self.what, version, self.last_source, self.last_load_seconds)
        return True

    def beat(self) -> None:
        """Record this replica's heartbeat (best effort)."""
        beat = getattr(self.store, "heartbeat", None)
        if beat is None:
            return
        try:
            beat(self.replica_id, str(self.live.version), reloads=self.reloads, last_error=self.last_error)
            self._beats += 1
            if self._beats % self.FORGET_EVERY == 1:  # replicas gone for a day leave the rollout list
                self.store.forget_replicas(older_than=self.FORGET_AFTER)
        except Exception:
            log.debug("heartbeat not recorded", exc_info=True)

    def _wake_ups(self, tick: float) -> Iterator[str]:
        """Announced versions (PostgreSQL LISTEN), and ``""`` every ``tick`` seconds."""
        db = getattr(self.store, "db", None)
        if db is not None and db.dialect == "postgresql":
            yield from db.listen(VERSION_CHANNEL, tick)
        while not self._stop.wait(tick):
            yield ""

    def _run(self) -> None:
        tick = min(self.interval, 0.5)  # how soon stop() is noticed
        next_poll = time.monotonic() + self.interval
        for payload in self._wake_ups(tick):
            if self._stop.is_set():
                return
            if not payload and time.monotonic() < next_poll:
                continue
            try:
                self.check_once()
            except Exception:  # e.g. the database is locked or gone for a moment
                log.exception("%s version poll failed", self.what)
            self.beat()
            next_poll = time.monotonic() + self.interval

    def start(self) -> "VersionPoller":
        """Start the background thread (idempotent)."""
        if self._thread is None or not self._thread.is_alive():
            self._stop.clear()
            self.beat()
            self._thread = threading.Thread(target=self._run, name=f"{self.what}-version-poller", daemon=True)
            self._thread.start()
        return self

    def catch_up_and_start(self) -> "VersionPoller":
        """Pick up a version published while the process was down (a failure is logged; the poll retries),
        then :meth:`start`."""
        try:
            self.check_once()
        except Exception:
            log.exception("initial %s version check failed", self.what)
        return self.start()

    def stop(self, timeout: float = 5.0) -> None:
        """Stop the thread and wait for it."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None
