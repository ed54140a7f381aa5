"""Background preview jobs on the store's database, so every worker and replica sees them: a preview started
on one replica shows its progress and report on any other (the console's refreshing page may land anywhere).

The process running a job writes its progress and a heartbeat; a job whose heartbeat stops (its process
died) reads as failed after :data:`STALE_SECONDS`. The newest :data:`KEEP` jobs are kept.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from dataclasses import dataclass
from typing import Any

from .. import fixed_regex
from plugin.db import Database, Row

__all__ = ["KEEP", "PREVIEW_JOB_MIGRATIONS", "STALE_SECONDS", "PreviewJob", "PreviewJobStore"]

#: Jobs kept in the database (oldest dropped first).
KEEP = 50
#: A running job without a heartbeat for this long is reported as failed.
STALE_SECONDS = 120.0
_ID_RE = fixed_regex.compile(r"^[0-9a-f]{16}$")

PREVIEW_JOB_MIGRATIONS = [
    """
    CREATE TABLE preview_jobs (
        id            TEXT PRIMARY KEY,
        changeset_id  INTEGER NOT NULL,
        total         INTEGER NOT NULL,
        done          INTEGER NOT NULL DEFAULT 0,
        report        TEXT,
        error         TEXT NOT NULL DEFAULT '',
        owner         TEXT NOT NULL,
        created_at    TEXT NOT NULL,
        updated_at    TEXT NOT NULL
    );
    CREATE INDEX preview_jobs_created ON preview_jobs(created_at)
    """,
]


@dataclass(frozen=True)
class PreviewJob:
    """One background preview: progress (``done`` of ``total`` texts), then ``report`` or ``error``;
    ``owner`` names the process running it."""

    id: str
    changeset_id: int
    total: int
    done: int = 0
    report: dict[str, Any] | None = None
    error: str = ""
    owner: str = ""

    @property
    def percent(self) -> int:
        return int(100 * self.done / self.total) if self.total else 100

    @property
    def finished(self) -> bool:
        return self.report is not None or bool(self.error)


def _now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


class PreviewJobStore:
    """Preview jobs in table ``preview_jobs`` of ``db`` (SQLite or PostgreSQL). Thread-safe."""

    def __init__(self, db: Database, *, keep: int = KEEP, stale_seconds: float = STALE_SECONDS) -> None:
        self.db = db
        self.keep = keep
        self.stale_seconds = stale_seconds
        db.migrate("preview_job", PREVIEW_JOB_MIGRATIONS)

    def create(self, changeset_id: int, total: int, owner: str) -> PreviewJob:
        """A new running job (and the oldest beyond :attr:`keep` dropped)."""
        job = PreviewJob(uuid.uuid4().hex[:16], int(changeset_id), int(total), owner=owner[:200])
        now = _now().isoformat(timespec="microseconds")
        with self.db.transaction(write=True, lock="preview_job") as tx:
            tx.execute("INSERT INTO preview_jobs (id, changeset_id, total, owner, created_at, updated_at) "
                       "VALUES (?, ?, ?, ?, ?, ?)", (job.id, job.changeset_id, job.total, job.owner, now, now))
            tx.execute("DELETE FROM preview_jobs WHERE id NOT IN "
                       "(SELECT id FROM preview_jobs ORDER BY created_at DESC, id DESC LIMIT ?)", (self.keep,))
        return job

    def _update(self, job_id: str, sets: str, params: tuple[Any, ...]) -> None:
        now = _now().isoformat(timespec="microseconds")
        with self.db.transaction(write=True, lock="preview_job") as tx:
            tx.execute(f"UPDATE preview_jobs SET {sets}, updated_at = ? WHERE id = ? AND report IS NULL AND error = ''",
                       (*params, now, job_id))

    def progress(self, job_id: str, done: int, total: int) -> None:
        """Record progress (also a heartbeat)."""
        self._update(job_id, "done = ?, total = ?", (int(done), int(total)))

    def heartbeat(self, job_id: str) -> None:
        """Say the job's process is still running it."""
        self._update(job_id, "done = done", ())

    def finish(self, job_id: str, report: dict[str, Any]) -> None:
        """Store the job's report (it is then finished)."""
        self._update(job_id, "report = ?, done = total", (json.dumps(report, ensure_ascii=False),))

    def fail(self, job_id: str, error: str) -> None:
        """Mark the job failed with ``error`` (shown to the editor)."""
        self._update(job_id, "error = ?", ((error or "preview failed")[:500],))

    def get(self, job_id: str) -> PreviewJob | None:
        """The job ``job_id`` (``None`` when unknown or dropped); a running job whose heartbeat stopped
        reads as failed."""
        if not isinstance(job_id, str) or not _ID_RE.match(job_id):
            return None
        with self.db.transaction(write=False) as tx:
            row = tx.execute("SELECT * FROM preview_jobs WHERE id = ?", (job_id,)).fetchone()
        return None if row is None else self._job(row)

    def _job(self, row: Row) -> PreviewJob:
        report = json.loads(row["report"]) if row["report"] is not None else None
        error = str(row["error"])
        if report is None and not error:
            updated = dt.datetime.fromisoformat(str(row["updated_at"]))
            if (_now() - updated).total_seconds() > self.stale_seconds:
                error = f"the preview stopped: its worker ({row['owner']}) no longer runs it; run the preview again"
        return PreviewJob(str(row["id"]), int(row["changeset_id"]), int(row["total"]), int(row["done"]), report,
                          error, str(row["owner"]))
