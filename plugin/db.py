"""SQLite helpers shared by the stores (rumours, reviews, lexicon versions).

One file can hold every component's tables; each component migrates its own schema,
recorded in ``schema_migrations``.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Sequence

__all__ = ["connect", "migrate"]


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
        conn.execute("BEGIN IMMEDIATE")
        try:
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
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        current = version
    return current
