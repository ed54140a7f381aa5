"""API tokens (hashed, roles) and the hot-reload poller."""

from __future__ import annotations

import hashlib
import sqlite3
import time
from pathlib import Path

import pytest

from plugin.live import LiveMatcher
from plugin.store import ROLES, AuthError, LexiconStore, StoreError, TokenStore, role_at_least
from plugin.store.reload import VersionPoller
from tests.fakes import EntryMatcher as FakeMatcher, fake_factory
from tests.store_config import make_config


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
    assert list(ROLES) == ["reader", "reviewer", "editor", "approver", "admin"]
    assert role_at_least("reviewer", "reader") and role_at_least("editor", "reviewer")
    assert not role_at_least("reviewer", "editor") and not role_at_least("reader", "reviewer")
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


@pytest.mark.parametrize("name", ["ed\u200b", "e\u202ed", "e\td", "ed\u00a0x", "ｅｄ", "e\u2028d",
                                  "\u0430nn", "\u0435d", "b\u03bfb",  # Cyrillic а / е, Greek ο among Latin
                                  "edi  tor"])  # two spaces look like one
def test_token_names_that_could_pass_for_another_name_are_refused(db_path: Path, name: str) -> None:
    tokens = TokenStore(db_path)
    with pytest.raises(StoreError, match="token name"):
        tokens.create(name, "approver")
    assert tokens.create("张 三", "approver")[0].name == "张 三"  # visible text, spaces between words
    assert tokens.create("张san", "approver")[0].name == "张san"  # Han with one alphabet is fine
    assert tokens.create("\u0410\u043d\u043d\u0430", "reader")[0].name == "Анна"  # one alphabet, Cyrillic


@pytest.mark.parametrize("name", ["ed\u034f", "ed\ufe0f", "ed\u180b", "ed\U000e0101", "ed\u17b4",  # invisible marks
                                  "\u115f", "ed\u1160", "ed\u2800"])  # blank letters and symbols
def test_token_names_with_invisible_or_blank_characters_are_refused(db_path: Path, name: str) -> None:
    """Default-ignorable characters of other categories than Cf (combining grapheme joiner, variation selectors,
    Khmer and Mongolian invisible marks) and blank letters (Hangul fillers) show as nothing: ``ed`` + U+034F read
    as ``ed`` in the audit while four-eyes saw two names, and U+115F alone was a name that shows as nothing."""
    tokens = TokenStore(db_path)
    with pytest.raises(StoreError, match="token name"):
        tokens.create(name, "approver")
    assert tokens.create("नमस्ते", "approver")[0].name == "नमस्ते"  # visible combining marks (virama) are letters' parts


@pytest.mark.parametrize("name", ["\ua4eenn", "\u13aann", "b\u0585b"])  # Lisu ꓮ, Cherokee Ꭺ, Armenian օ among Latin
def test_token_names_mixing_any_two_alphabets_are_refused(db_path: Path, name: str) -> None:
    """The look-alike check knew Latin, Cyrillic and Greek only: Lisu ꓮnn read as Ann, Armenian bօb as bob."""
    tokens = TokenStore(db_path)
    with pytest.raises(StoreError, match="token name"):
        tokens.create(name, "approver")
    for fine in ("田中さん", "김kim", "José", "ʼAbd", "Анна", "张san"):  # CJK scripts go with any one alphabet
        assert tokens.create(fine, "reader")[0].name == fine


def test_reviewer_role_on_a_store_made_before_it_existed(db_path: Path) -> None:
    """The token table of an older store is migrated to accept the reviewer role; tokens survive."""
    conn = sqlite3.connect(db_path)
    conn.executescript(
        "CREATE TABLE schema_migrations (component TEXT NOT NULL, version INTEGER NOT NULL, applied_at TEXT NOT"
        " NULL DEFAULT (datetime('now')), PRIMARY KEY (component, version));"
        "INSERT INTO schema_migrations (component, version) VALUES ('token', 1);"
        "CREATE TABLE token_tokens (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL, role TEXT NOT NULL"
        " CHECK (role IN ('reader', 'editor', 'approver', 'admin')), secret_hash TEXT NOT NULL UNIQUE,"
        " prefix TEXT NOT NULL, created_at TEXT NOT NULL, revoked_at TEXT, last_used_at TEXT);"
        f"INSERT INTO token_tokens (name, role, secret_hash, prefix, created_at) VALUES ('old', 'admin',"
        f" '{hashlib.sha256(b'qg_old').hexdigest()}', 'qg_old', '2026-01-01');")
    conn.close()
    tokens = TokenStore(db_path)
    assert tokens.verify("qg_old", "admin").name == "old"
    info, secret = tokens.create("rev", "reviewer")
    assert info.id == 2 and tokens.verify(secret, "reviewer").role == "reviewer"


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
        rev = other.set_change(cs, "add", entry={"term": "线上棋牌", "category": "gambling", "action": "block"},
                               editor="alice")["revision"]
        other.publish(cs, approver="bob", expected_revision=rev)
        assert _wait(lambda: live.version == "2")
        assert any(h.term == "线上棋牌" for h in live.current().scan("线上棋牌开局"))
        rb = other.request_rollback(1, author="carol")
        other.publish(rb, approver="bob", expected_revision=other.changeset(rb)["revision"])
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
    rev = store.set_change(cs, "add", entry={"term": "线上棋牌", "category": "gambling"},
                           editor="alice")["revision"]
    store.publish(cs, approver="bob", expected_revision=rev, force=True)
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


def test_publish_wakes_listening_replicas_and_heartbeats_show_versions(pg_url: str) -> None:
    """PostgreSQL: the poll interval is long (60 s); the publish's NOTIFY wakes the replica at once."""
    store = LexiconStore(pg_url, make_config(), matcher_factory=fake_factory)
    store.ensure_seeded()
    live = LiveMatcher(store.build_matcher(), "1")
    poller = VersionPoller(LexiconStore(pg_url, make_config(), matcher_factory=fake_factory), live,
                           interval=60).start()
    try:
        assert _wait(lambda: [r["version_served"] for r in store.replicas()] == ["1"])
        time.sleep(0.3)  # the listener is connected
        cs = store.create_changeset("alice")
        rev = store.set_change(cs, "add", entry={"term": "线上棋牌", "category": "gambling", "action": "block"},
                               editor="alice")["revision"]
        store.publish(cs, approver="bob", expected_revision=rev)
        assert _wait(lambda: live.version == "2", timeout=15)
        assert _wait(lambda: [r["version_served"] for r in store.replicas()] == ["2"], timeout=15)
        (replica,) = store.replicas()
        assert replica["replica_id"] == poller.replica_id and replica["reloads"] == 1 and replica["pid"]
    finally:
        poller.stop()
    assert store.forget_replicas(older_than=3600) == 0 and store.forget_replicas(older_than=-1) == 1
