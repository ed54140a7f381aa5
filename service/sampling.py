"""A bounded in-memory ring of recent texts the service saw, handed to sinks in the background.

The hot path only appends to a ``deque(maxlen=N)`` (atomic in CPython, no lock, no I/O). A
background task calls :meth:`SampleRing.drain` every ``sample_flush_seconds`` and passes the new
samples to every registered sink, e.g. the lexicon store's sample recorder used for previews::

    app.state.guard.samples.add_sink(lambda batch: [recorder.record(k, t) for k, t in batch])
"""

from __future__ import annotations

import logging
from collections import deque
from typing import Callable

__all__ = ["SampleRing", "SampleSink"]

log = logging.getLogger("qinglang.service")

#: ``sink(batch)`` receives ``[(kind, text), ...]`` (kinds: query, suggestion, candidate).
SampleSink = Callable[[list[tuple[str, str]]], None]


class SampleRing:
    """Recent ``(kind, text)`` samples, at most ``size`` kept."""

    def __init__(self, size: int) -> None:
        self._ring: deque[tuple[str, str]] = deque(maxlen=size)
        self._pending: deque[tuple[str, str]] = deque(maxlen=size)
        self._sinks: list[SampleSink] = []

    def add(self, kind: str, text: str) -> None:
        """Record one sample (hot path: two deque appends)."""
        item = (kind, text)
        self._ring.append(item)
        self._pending.append(item)

    def add_sink(self, sink: SampleSink) -> None:
        self._sinks.append(sink)

    def snapshot(self, kind: str | None = None) -> list[tuple[str, str]]:
        """The samples in the ring, oldest first."""
        items = list(self._ring)
        return [s for s in items if s[0] == kind] if kind else items

    def drain(self) -> int:
        """Hand samples added since the last drain to the sinks; returns how many."""
        batch: list[tuple[str, str]] = []
        while self._pending:
            try:
                batch.append(self._pending.popleft())
            except IndexError:
                break
        if batch:
            for sink in list(self._sinks):
                try:
                    sink(batch)
                except Exception:  # a failing sink must not stop the others or the service
                    log.exception("sample sink %r failed", sink)
        return len(batch)

    def __len__(self) -> int:
        return len(self._ring)
