"""SQLite helpers shared by the stores (rumours, reviews, lexicon versions).

One file can hold every component's tables; each component migrates its own schema,
recorded in ``schema_migrations``.
"""

from __future__ import annotations

import contextlib
import sqlite3
from pathlib import Path
from typing import ContextManager, Iterator, Literal, Sequence

__all__ = ["connect", "inserted_id", "migrate", "transaction"]


def connect(path: str | Path, *, timeout: float = 30.0) -> sqlite3.Connection:
    """Open ``path`` in WAL mode with foreign keys on; ``:memory:`` works too.

    The connection may be shared across threads (the caller serialises writes).
    """
    if str(path) != ":memory:":
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(str(path), timeout=timeout, check_same_thread=False, isolation_level=None)
    conn.row_factory = sqlite3.Row
    conn.execute("PRAGMA foreign_keys=ON")
    conn.execute(f"PRAGMA busy_timeout={int(timeout * 1000)}")
    if str(path) != ":memory:":
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
    return conn


@contextlib.contextmanager
def transaction(conn: sqlite3.Connection, *, lock: ContextManager[object] | None = None,
                mode: Literal["IMMEDIATE", "DEFERRED"] = "IMMEDIATE") -> Iterator[sqlite3.Connection]:
    """One transaction on ``conn`` (opened with ``isolation_level=None``, as :func:`connect` does):
    ``BEGIN <mode>`` ... ``COMMIT``, ``ROLLBACK`` when the block raises (the error propagates).

    ``IMMEDIATE`` (the default) takes SQLite's write lock at once, so writers in other processes
    wait here rather than failing at their first write; ``DEFERRED`` gives a consistent read
    snapshot. ``lock`` (a ``threading.Lock`` / ``RLock`` serialising this process's users of a shared
    connection) is held for the whole transaction.

        with transaction(conn, lock=self._lock) as c:
            c.execute("INSERT ...")
    """
    with lock if lock is not None else contextlib.nullcontext():
        conn.execute(f"BEGIN {mode}")
        try:
            yield conn
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")


def inserted_id(cursor: sqlite3.Cursor) -> int:
    """The rowid of the row ``cursor`` just inserted."""
    if cursor.lastrowid is None:
        raise sqlite3.InterfaceError("the statement inserted no row")
    return int(cursor.lastrowid)


def migrate(conn: sqlite3.Connection, component: str, migrations: Sequence[str]) -> int:
    """Apply the not-yet-applied ``migrations`` (SQL scripts, in order) for ``component``.

    Each script runs in its own transaction together with its bookkeeping row, so a crash
    leaves the schema at a whole version. Returns the schema version after migrating.
    """
    conn.execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations ("
        " component TEXT NOT NULL, version INTEGER NOT NULL,"
        " applied_at TEXT NOT NULL DEFAULT (datetime('now')), PRIMARY KEY (component, version))"
    )
    row = conn.execute(
        "SELECT COALESCE(MAX(version), 0) FROM schema_migrations WHERE component = ?", (component,)
    ).fetchone()
    current = int(row[0])
    for version, script in enumerate(migrations, 1):
        if version <= current:
            continue
        with transaction(conn):
            # re-check inside the write lock: another process may have migrated meanwhile
            done = conn.execute(
                "SELECT 1 FROM schema_migrations WHERE component = ? AND version = ?", (component, version)
            ).fetchone()
            if not done:
                for stmt in [s.strip() for s in script.split(";") if s.strip()]:
                    conn.execute(stmt)
                conn.execute(
                    "INSERT INTO schema_migrations (component, version) VALUES (?, ?)", (component, version)
                )
        current = version
    return current
