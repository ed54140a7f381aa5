"""The matrix-account history in the shared database, so a matrix spread over workers, replicas and
batches links (:class:`SharedMatrixDetector`).

:class:`~plugin.review.matrix.MatrixDetector` keeps its history in the memory of one process; here the
history is the table ``review_matrix_history`` (component ``review_matrix``, SQLite or PostgreSQL through
:mod:`plugin.db`): one row per reviewed candidate and shared owner / MCN key, with the title and account.
A batch looks up, for each owner / MCN key it carries, the newest ``group_scan`` rows of that key within
the history window (an index on ``(group_kind, group_key, seen_at)`` keeps this one cheap range read per
key), and compares each with the detector's own similarity (:meth:`MatrixDetector.similar`, unchanged).
Rows older than the window are pruned. Batches are reviewed one at a time across every process through
:class:`plugin.db.NamedLock` (the service's ``review_lock``), so each batch sees the previous one.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Iterable, Sequence

from ..db import Database, open_database
from .context import MatrixLink
from .matrix import MatrixDetector, group_key
from .models import Account, Candidate

__all__ = ["MATRIX_MIGRATIONS", "MatrixHistoryStore", "SharedMatrixDetector"]

MATRIX_MIGRATIONS = [
    """
    CREATE TABLE review_matrix_history (
        id            INTEGER PRIMARY KEY,
        group_kind    TEXT NOT NULL CHECK (group_kind IN ('owner_id', 'mcn')),
        group_key     TEXT NOT NULL,
        candidate_id  TEXT NOT NULL,
        account_id    TEXT NOT NULL,
        owner_id      TEXT,
        mcn           TEXT,
        title         TEXT NOT NULL,
        review_id     TEXT,
        seen_at       TEXT NOT NULL
    );
    CREATE INDEX review_matrix_history_group ON review_matrix_history(group_kind, group_key, seen_at);
    CREATE INDEX review_matrix_history_seen ON review_matrix_history(seen_at)
    """,
]


def _iso(t: dt.datetime) -> str:
    return t.astimezone(dt.timezone.utc).isoformat(timespec="microseconds")


class MatrixHistoryStore:
    """``review_matrix_history``: what the matrix check of later batches compares against."""

    def __init__(self, db: str | Any) -> None:
        self.db: Database = open_database(db)
        self.db.migrate("review_matrix", MATRIX_MIGRATIONS)
        self._writes = 0

    def add(self, candidates: Sequence[Candidate], seen_at: dt.datetime,
            review_ids: Sequence[str | None]) -> int:
        """Remember candidates that carry an owner / MCN (one row per key); returns rows written."""
        at = _iso(seen_at)
        rows = []
        for c, review_id in zip(candidates, review_ids):
            for kind, key in (("owner_id", group_key(c.account.owner_id)), ("mcn", group_key(c.account.mcn))):
                if key:
                    rows.append((kind, key, str(c.id), c.account.id, c.account.owner_id, c.account.mcn, c.title,
                                 review_id, at))
        if not rows:
            return 0
        with self.db.transaction(write=True) as tx:
            tx.executemany(
                "INSERT INTO review_matrix_history (group_kind, group_key, candidate_id, account_id, owner_id, mcn,"
                " title, review_id, seen_at) VALUES (?,?,?,?,?,?,?,?,?)", rows)
        return len(rows)

    def recent(self, keys: Iterable[tuple[str, str]], *, since: dt.datetime, per_key: int) -> list[dict[str, Any]]:
        """The newest ``per_key`` rows of each owner / MCN key seen since ``since`` (one row per candidate)."""
        out: dict[tuple[str, str | None], dict[str, Any]] = {}
        since_s = _iso(since)
        with self.db.transaction(write=False) as tx:
            for kind, key in dict.fromkeys(keys):
                for r in tx.execute(
                        "SELECT candidate_id, account_id, owner_id, mcn, title, review_id, seen_at"
                        " FROM review_matrix_history WHERE group_kind = ? AND group_key = ? AND seen_at >= ?"
                        " ORDER BY seen_at DESC, id DESC LIMIT ?", (kind, key, since_s, per_key)).fetchall():
                    out.setdefault((r["candidate_id"], r["review_id"]), dict(r))
        return list(out.values())

    def prune(self, before: dt.datetime) -> int:
        """Delete rows seen before ``before``; returns how many."""
        with self.db.transaction(write=True) as tx:
            return int(tx.execute("DELETE FROM review_matrix_history WHERE seen_at < ?", (_iso(before),)).rowcount)

    def count(self) -> int:
        return int(self.db.execute("SELECT COUNT(*) FROM review_matrix_history")[0][0])


class SharedMatrixDetector(MatrixDetector):
    """A :class:`MatrixDetector` whose history is a :class:`MatrixHistoryStore` (shared by every process on
    the database) instead of this process's memory. Same settings; ``history_size`` does not apply (the
    history is bounded by ``history_hours`` and, per owner / MCN, by ``group_scan``)."""

    #: Prune the table every this many remembered batches.
    PRUNE_EVERY = 100

    def __init__(self, history: MatrixHistoryStore, **settings: Any) -> None:
        super().__init__(**settings)
        self.history = history
        self._batches = 0

    def find(self, batch: Sequence[Candidate], now: dt.datetime) -> list[list[MatrixLink]]:
        """Links within the batch (the base detector's, its own memory holding nothing) and to the shared
        history: every stored candidate of a shared owner / MCN in the window, compared exactly."""
        links = super().find(batch, now)
        items = [self._item(f"b{i}", c, now) for i, c in enumerate(batch)]
        grouped = [i for i, it in enumerate(items) if (it.owner_id or it.mcn) and it.shingles]
        if not grouped or self.group_scan <= 0:
            return links
        keys = [gk for i in grouped for gk in self._group_keys(items[i])]
        rows = self.history.recent(keys, since=now - self.history_window, per_key=self.group_scan)
        past = [self._item(f"h{n}", _candidate(r), dt.datetime.fromisoformat(r["seen_at"]), r["review_id"])
                for n, r in enumerate(rows)]
        for i in grouped:
            mine = set(self._group_keys(items[i]))
            for b in past:
                if mine.intersection(self._group_keys(b)):
                    self._maybe_link(links[i], items[i], b, in_batch=False)
        return links

    def remember(self, candidates: Iterable[Candidate], seen_at: dt.datetime,
                 review_ids: Sequence[str | None] | None = None) -> None:
        """Store reviewed candidates in the shared history (and now and then prune what left the window)."""
        candidates = list(candidates)
        ids = list(review_ids) if review_ids is not None else [None] * len(candidates)
        self.history.add(candidates, seen_at, ids)
        self._batches += 1
        if self._batches % self.PRUNE_EVERY == 0:
            self.history.prune(seen_at - self.history_window)

    def __len__(self) -> int:
        return self.history.count()


def _candidate(row: dict[str, Any]) -> Candidate:
    """The fields of a stored candidate the matrix check reads (built without validation: they were
    validated when the candidate was reviewed)."""
    account = Account.model_construct(id=row["account_id"], name="", owner_id=row["owner_id"], mcn=row["mcn"])
    return Candidate.model_construct(id=row["candidate_id"], title=row["title"], account=account)
