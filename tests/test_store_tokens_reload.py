"""API tokens (hashed, roles) and the hot-reload poller."""

from __future__ import annotations

import hashlib
import sqlite3
import time
from pathlib import Path

import pytest

from plugin.live import LiveMatcher
from plugin.store import AuthError, LexiconStore, StoreError, TokenStore, role_at_least
from plugin.store.reload import VersionPoller
from tests.store.fake_matcher import FakeMatcher, fake_factory
from tests.store.fixtures import db_path, make_config, store  # noqa: F401


def test_tokens_are_stored_hashed_with_roles(db_path: Path) -> None:
    tokens = TokenStore(db_path)
    info, secret = tokens.create("alice", "editor")
    assert secret.startswith("qg_") and len(secret) > 40
    raw = sqlite3.connect(db_path).execute("SELECT secret_hash, prefix FROM token_tokens").fetchone()
    assert raw[0] == hashlib.sha256(secret.encode()).hexdigest() and secret not in raw
    assert tokens.verify(secret, "reader").name == "alice"
    assert tokens.verify(secret, "editor").role == "editor"
    with pytest.raises(AuthError, match="needs 'approver'"):
        tokens.verify(secret, "approver")
    with pytest.raises(AuthError, match="invalid"):
        tokens.verify(secret + "x", "reader")
    with pytest.raises(AuthError):
        tokens.verify("", "reader")
    tokens.revoke("alice")
    with pytest.raises(AuthError, match="revoked"):
        tokens.verify(secret, "reader")
    assert tokens.list()[0].revoked_at


def test_role_order() -> None:
    assert role_at_least("admin", "approver") and role_at_least("approver", "editor")
    assert role_at_least("editor", "reader") and not role_at_least("reader", "editor")
    assert not role_at_least("nobody", "reader")
    with pytest.raises(ValueError):
        role_at_least("admin", "god")


def test_token_errors(db_path: Path) -> None:
    tokens = TokenStore(db_path)
    with pytest.raises(StoreError, match="unknown role"):
        tokens.create("x", "root")
    with pytest.raises(StoreError):
        tokens.create("  ", "reader")
    with pytest.raises(StoreError, match="no token"):
        tokens.revoke("ghost")


def _wait(cond, timeout: float = 5.0) -> bool:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if cond():
            return True
        time.sleep(0.02)
    return cond()


def test_poller_swaps_new_versions(store: LexiconStore) -> None:
    store.ensure_seeded()
    live = LiveMatcher(store.build_matcher(), "1")
    other = LexiconStore(store.db_path, make_config(), matcher_factory=fake_factory)  # "another process"
    poller = VersionPoller(store, live, interval=0.05).start()
    try:
        cs = other.create_changeset("alice")
        other.set_change(cs, "add", entry={"term": "线上棋牌", "category": "gambling", "action": "block"})
        other.publish(cs, approver="bob")
        assert _wait(lambda: live.version == "2")
        assert any(h.term == "线上棋牌" for h in live.current().scan("线上棋牌开局"))
        other.rollback(1, author="carol", approver="bob")
        assert _wait(lambda: live.version == "3")
        assert not live.current().scan("线上棋牌开局")
    finally:
        poller.stop()


def test_poller_keeps_old_matcher_when_compile_fails(store: LexiconStore) -> None:
    store.ensure_seeded()
    calls = {"n": 0}

    def broken(entries, version):
        calls["n"] += 1
        raise RuntimeError("automaton exploded")

    live = LiveMatcher(FakeMatcher(store.entries(1), "1"), "1")
    cs = store.create_changeset("alice")
    store.set_change(cs, "add", entry={"term": "线上棋牌", "category": "gambling"})
    store.publish(cs, approver="bob", force=True)
    store.matcher_factory = broken
    poller = VersionPoller(store, live, interval=0.05)
    assert poller.check_once() is False
    assert live.version == "1" and "automaton exploded" in poller.last_error
    for _ in range(5):
        poller.check_once()
    assert calls["n"] == 1  # backs off instead of recompiling every poll
    store.matcher_factory = fake_factory
    for _ in range(10):
        poller.check_once()
    assert live.version == "2" and poller.last_error == ""
