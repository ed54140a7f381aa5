"""Crash safety: a process killed mid-publish leaves the previous version live and the store consistent;
an interrupted import or apply leaves no orphan draft."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from plugin.store import LexiconStore
from tests.fakes import fake_factory
from tests.paths import ROOT
from tests.store_config import make_config


PUBLISH = """
import os, sys
import plugin.store.store
plugin.store.store.fault_point = os.environ.get("QINGLANG_STORE_FAULT")  # set by the test
from plugin.store import LexiconStore
from tests.fakes import fake_factory
from tests.store_config import make_config
store = LexiconStore(sys.argv[1], make_config(), matcher_factory=fake_factory)
cs = int(sys.argv[2])
print(store.publish(cs, approver="bob", expected_revision=store.changeset(cs)["revision"], force=True))
"""

APPLY = """
import os, sys
import plugin.store.store
plugin.store.store.fault_point = os.environ.get("QINGLANG_STORE_FAULT")  # set by the test
from plugin.store import LexiconStore
from tests.fakes import fake_factory
from tests.store_config import make_config
store = LexiconStore(sys.argv[1], make_config(four_eyes=False), matcher_factory=fake_factory)
res = store.apply(sys.argv[2:], author="alice", note="weekly", force=True)
print(res.version, res.reused)
"""

IMPORT = """
import os, sys
import plugin.store.store
plugin.store.store.fault_point = os.environ.get("QINGLANG_STORE_FAULT")  # set by the test
from plugin.store import LexiconStore
from tests.fakes import fake_factory
from tests.store_config import make_config
store = LexiconStore(sys.argv[1], make_config(), matcher_factory=fake_factory)
print(store.import_files(sys.argv[2:], author="alice").changeset_id)
"""


def _run(script: str, *args: str, fault: str | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, "QINGLANG_STORE_FAULT": fault} if fault else None
    return subprocess.run([sys.executable, "-c", script, *args], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=60)


@pytest.mark.parametrize("point", ["publish:after_version_row", "publish:after_close", "publish:after_entries",
                                   "publish:before_commit"])
def test_killed_mid_publish(db_target: str, point: str) -> None:
    """On both backends (SQLite, PostgreSQL)."""
    db_path = db_target
    store = LexiconStore(db_path, make_config(), matcher_factory=fake_factory)
    cs = store.create_changeset("alice", "crash me")
    store.set_change(cs, "add", entry={"term": "线上棋牌", "category": "gambling", "action": "block"},
                     editor="alice")
    store.set_change(cs, "remove", term_id="clickbait:震惊", editor="alice")
    store.set_change(cs, "edit", term_id="persona:炫富",
                     entry={"term": "炫富", "category": "persona", "action": "review"}, editor="alice")
    before = {e.term_id: e.to_dict() for e in store.entries(1)}
    store.close()

    env = {**os.environ, "QINGLANG_STORE_FAULT": point}
    proc = subprocess.run([sys.executable, "-c", PUBLISH, str(db_path), str(cs)], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == -signal.SIGKILL, proc.stderr

    if not db_path.startswith("postgresql://"):
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


def test_interrupted_apply_leaves_no_orphan_draft(db_path: Path, tmp_path: Path) -> None:
    """An apply killed while publishing leaves its draft; running it again reuses that draft (no second
    one) and publishes it."""
    LexiconStore(db_path, make_config(), matcher_factory=fake_factory).ensure_seeded()
    f = tmp_path / "gambling_new.txt"
    f.write_text("# category: gambling\n# action: block\n线上棋牌\n网络赌球\n", encoding="utf-8")
    proc = _run(APPLY, str(db_path), str(f), fault="publish:after_version_row")
    assert proc.returncode == -signal.SIGKILL, proc.stderr
    store = LexiconStore(db_path, make_config(), matcher_factory=fake_factory)
    assert store.live_version() == 1 and len(store.changesets("draft")) == 1
    proc = _run(APPLY, str(db_path), str(f))
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == ["2", "True"]
    assert store.changesets("draft") == [] and len(store.changesets(None)) == 1
    assert store.changeset(store.version_info(2)["changeset_id"])["status"] == "published"


def test_import_killed_while_drafting_leaves_nothing(db_path: Path, tmp_path: Path) -> None:
    """The new change-set and its changes are written in one transaction."""
    LexiconStore(db_path, make_config(), matcher_factory=fake_factory).ensure_seeded()
    f = tmp_path / "gambling_new.txt"
    f.write_text("# category: gambling\n线上棋牌\n", encoding="utf-8")
    proc = _run(IMPORT, str(db_path), str(f), fault="changeset:before_commit")
    assert proc.returncode == -signal.SIGKILL, proc.stderr
    assert LexiconStore(db_path, make_config(), matcher_factory=fake_factory).changesets(None) == []
