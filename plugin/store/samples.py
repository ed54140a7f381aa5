"""A bounded sample of the texts the service saw (queries, suggestions, candidates), for previews.

Texts are buffered in memory and written in batches (one small transaction per batch);
each kind keeps at most ``limit`` distinct texts, the most recently seen.
"""

from __future__ import annotations

import datetime as dt
import threading
from contextlib import AbstractContextManager
from typing import Any, Callable

from .. import fixed_regex
from plugin.db import Tx

from .preview import MAX_TEXT, CorpusText

__all__ = ["SampleRecorder"]

_KIND_RE = fixed_regex.compile(r"^[a-z][a-z0-9_]{0,19}$")
_CONTROL = fixed_regex.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


class SampleRecorder:
    """Records ``(kind, text)`` pairs into ``sample_texts``; ``tx`` / ``read`` are the store's
    write-transaction and read-snapshot context factories (both yield the connection)."""

    def __init__(self, tx: Callable[[], AbstractContextManager[Tx]],
                 read: Callable[[], AbstractContextManager[Tx]], *, limit: int = 2000, flush_every: int = 64) -> None:
        self._tx = tx
        self._read = read
        self.limit = limit
        self.flush_every = max(1, flush_every)
        self._buf: list[tuple[str, str]] = []
        self._lock = threading.Lock()

    def record(self, kind: str, text: str) -> None:
        """Remember ``text`` under ``kind``; raises ``ValueError`` for a malformed kind."""
        if not isinstance(kind, str) or not _KIND_RE.match(kind):
            raise ValueError(f"sample kind must be lower-case letters/digits/_ (e.g. query), got {kind!r}")
        if not isinstance(text, str):
            return
        text = _CONTROL.sub(" ", text).strip()[:MAX_TEXT]
        if not text:
            return
        with self._lock:
            self._buf.append((kind, text))
            full = len(self._buf) >= self.flush_every
        if full:
            self.flush()

    def flush(self) -> int:
        """Write buffered samples and trim every touched kind to ``limit``; returns rows written."""
        with self._lock:
            batch, self._buf = self._buf, []
        if not batch:
            return 0
        now = dt.datetime.now(dt.timezone.utc).isoformat(timespec="microseconds")
        with self._tx() as conn:
            conn.executemany(
                "INSERT INTO sample_texts (kind, text, last_seen) VALUES (?, ?, ?) "
                "ON CONFLICT(kind, text) DO UPDATE SET seen = sample_texts.seen + 1, last_seen = excluded.last_seen",
                [(k, t, now) for k, t in batch],
            )
            for kind in {k for k, _ in batch}:
                conn.execute(
                    "DELETE FROM sample_texts WHERE kind = ? AND id NOT IN "
                    "(SELECT id FROM sample_texts WHERE kind = ? ORDER BY last_seen DESC, id DESC LIMIT ?)",
                    (kind, kind, self.limit),
                )
        return len(batch)

    def texts(self, kinds: list[str] | None = None) -> list[CorpusText]:
        """The stored samples (after a flush), newest first."""
        self.flush()
        sql = "SELECT kind, text FROM sample_texts"
        args: tuple[Any, ...] = ()
        if kinds:
            sql += f" WHERE kind IN ({','.join('?' * len(kinds))})"
            args = tuple(kinds)
        with self._read() as conn:
            rows = conn.execute(sql + " ORDER BY last_seen DESC, id DESC", args).fetchall()
        return [CorpusText(r["text"], r["kind"]) for r in rows]

    def counts(self) -> dict[str, int]:
        self.flush()
        with self._read() as conn:
            rows = conn.execute("SELECT kind, COUNT(*) AS n FROM sample_texts GROUP BY kind").fetchall()
        return {r["kind"]: r["n"] for r in rows}
