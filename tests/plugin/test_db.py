"""plugin.db: the one transaction helper the stores share."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from plugin.db import connect, transaction


def _count(conn) -> int:
    return conn.execute("SELECT COUNT(*) FROM t").fetchone()[0]


def test_commit_rollback_and_lock(tmp_path: Path) -> None:
    conn = connect(tmp_path / "x.db")
    conn.execute("CREATE TABLE t (v INTEGER)")
    lock = threading.Lock()
    with transaction(conn, lock=lock) as c:
        assert lock.locked() and c.in_transaction
        c.execute("INSERT INTO t VALUES (1)")
    assert not lock.locked() and not conn.in_transaction and _count(conn) == 1
    with pytest.raises(KeyError):
        with transaction(conn, lock=lock):
            conn.execute("INSERT INTO t VALUES (2)")
            raise KeyError("boom")
    assert not lock.locked() and not conn.in_transaction and _count(conn) == 1  # rolled back, error kept
    with transaction(conn, mode="DEFERRED"):
        assert _count(conn) == 1


def test_immediate_takes_the_write_lock(tmp_path: Path) -> None:
    a, b = connect(tmp_path / "x.db", timeout=0.05), connect(tmp_path / "x.db", timeout=0.05)
    a.execute("CREATE TABLE t (v INTEGER)")
    with transaction(a):
        with pytest.raises(Exception, match="locked"):
            with transaction(b):
                pass
        assert not b.in_transaction
