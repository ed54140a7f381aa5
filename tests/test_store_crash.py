"""Crash safety: a process killed mid-publish leaves the previous version live and the store consistent."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from plugin.store import LexiconStore
from tests.store.fake_matcher import fake_factory
from tests.store.fixtures import db_path, make_config  # noqa: F401

ROOT = Path(__file__).resolve().parent.parent

PUBLISH = """
import sys
from plugin.store import LexiconStore
from tests.store.fixtures import make_config
from tests.store.fake_matcher import fake_factory
store = LexiconStore(sys.argv[1], make_config(), matcher_factory=fake_factory)
print(store.publish(int(sys.argv[2]), approver="bob", force=True))
"""


@pytest.mark.parametrize("point", ["publish:after_version_row", "publish:after_close", "publish:after_entries",
                                   "publish:before_commit"])
def test_killed_mid_publish(db_path: Path, point: str) -> None:
    store = LexiconStore(db_path, make_config(), matcher_factory=fake_factory)
    cs = store.create_changeset("alice", "crash me")
    store.set_change(cs, "add", entry={"term": "线上棋牌", "category": "gambling", "action": "block"})
    store.set_change(cs, "remove", term_id="clickbait:震惊")
    store.set_change(cs, "edit", term_id="persona:炫富",
                     entry={"term": "炫富", "category": "persona", "action": "review"})
    before = {e.term_id: e.to_dict() for e in store.entries(1)}
    store.close()

    env = {**os.environ, "QINGLANG_STORE_FAULT": point}
    proc = subprocess.run([sys.executable, "-c", PUBLISH, str(db_path), str(cs)], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == -signal.SIGKILL, proc.stderr

    conn = sqlite3.connect(db_path)
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    conn.close()
    store = LexiconStore(db_path, make_config(), matcher_factory=fake_factory)
    assert store.live_version() == 1
    assert {e.term_id: e.to_dict() for e in store.entries(1)} == before
    kept = store.changeset(cs)
    assert kept["status"] == "draft" and len(kept["changes"]) == 3
    # the same draft publishes cleanly afterwards
    proc = subprocess.run([sys.executable, "-c", PUBLISH, str(db_path), str(cs)], cwd=ROOT,
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert store.live_version() == 2
    ids = {e.term_id for e in store.entries(2)}
    assert "gambling:线上棋牌" in ids and "clickbait:震惊" not in ids
    assert [h["since_version"] for h in store.entry_history("persona:炫富")] == [1, 2]
