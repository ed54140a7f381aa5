"""Lexicon store: versions, change-sets, validation, four-eyes, conflicts, rollback, import/export."""

from __future__ import annotations

import datetime as dt
import sqlite3
import threading
from pathlib import Path

import pytest
import yaml

from plugin.store import (
    ConflictError,
    FourEyesError,
    LexiconStore,
    StoreError,
    ValidationError,
)
from tests.store.fake_matcher import fake_factory
from tests.store.fixtures import LEXICONS, db_path, make_config, store  # noqa: F401  (fixtures)


def add(store: LexiconStore, cs: int, term: str, category: str = "gambling", **kw) -> dict:
    return store.set_change(cs, "add", entry={"term": term, "category": category, **kw}, editor="alice")


def test_seeded_from_bundled_lexicons_as_version_1(store: LexiconStore) -> None:
    assert store.live_version() is None
    assert store.ensure_seeded() == 1
    info = store.version_info(1)
    assert info["author"] == "bundled" and info["kind"] == "seed"
    ids = {e.term_id for e in store.entries()}
    assert {"gambling:百家乐", "clickbait:震惊", "persona:炫富", "gambling:百家乐器"} <= ids
    assert store.ensure_seeded() == 1  # idempotent


def test_publish_creates_immutable_version_with_diff(store: LexiconStore) -> None:
    cs = store.create_changeset("alice", "new gambling terms")
    add(store, cs, "线上棋牌", action="block", severity=4)
    store.set_change(cs, "remove", term_id="clickbait:震惊")
    v1 = store.entries(1)
    v = store.publish(cs, approver="bob")
    assert v == 2
    info = store.version_info(2)
    assert (info["author"], info["approver"], info["note"]) == ("alice", "bob", "new gambling terms")
    assert info["diff"] == {"added": 1, "removed": 1, "changed": 0}
    assert store.entries(1) == v1  # old version unchanged
    ids2 = {e.term_id for e in store.entries(2)}
    assert "gambling:线上棋牌" in ids2 and "clickbait:震惊" not in ids2
    d = store.diff(1, 2)
    assert [e["term"] for e in d["added"]] == ["线上棋牌"] and [e["term"] for e in d["removed"]] == ["震惊"]
    assert store.changeset(cs)["status"] == "published"
    with pytest.raises(StoreError, match="published"):
        add(store, cs, "再加一个")


def test_edit_and_entry_history(store: LexiconStore) -> None:
    cs = store.create_changeset("alice")
    store.set_change(cs, "edit", term_id="gambling:百家乐",
                     entry={"term": "百家乐", "category": "gambling", "action": "review", "severity": 3})
    store.publish(cs, approver="bob")
    cs2 = store.create_changeset("carol")
    store.set_change(cs2, "remove", term_id="gambling:百家乐")
    store.publish(cs2, approver="bob")
    hist = store.entry_history("gambling:百家乐")
    assert [(h["since_version"], h["until_version"], h["entry"]["action"]) for h in hist] == [
        (1, 2, "block"), (2, 3, "review")]
    assert hist[1]["author"] == "alice"


def test_edit_renaming_an_entry_drafts_remove_plus_add(store: LexiconStore) -> None:
    cs = store.create_changeset("alice")
    res = store.set_change(cs, "edit", term_id="persona:炫富",
                           entry={"term": "晒富", "category": "persona", "action": "limit"})
    assert sorted((c["op"], c["term_id"]) for c in res["changes"]) == [("add", "persona:晒富"),
                                                                       ("remove", "persona:炫富")]


def test_four_eyes(store: LexiconStore) -> None:
    cs = store.create_changeset("alice")
    add(store, cs, "线上棋牌")
    with pytest.raises(FourEyesError):
        store.publish(cs, approver="alice")
    assert store.live_version() == 1 and store.changeset(cs)["status"] == "draft"
    solo = LexiconStore(store.db_path, make_config(four_eyes=False), matcher_factory=fake_factory)
    assert solo.publish(cs, approver="alice") == 2


@pytest.mark.parametrize("entry, code", [
    ({"term": "   ", "category": "gambling"}, "entry"),
    ({"term": "", "category": "gambling"}, "entry"),
    ({"term": "x\x01y", "category": "gambling"}, "entry"),
    ({"term": "好词", "category": "gambling", "action": "ban"}, "entry"),
    ({"term": "好词", "category": "gambling", "colour": "red"}, "entry"),
])
def test_invalid_entries_refused_when_drafted(store: LexiconStore, entry: dict, code: str) -> None:
    cs = store.create_changeset("alice")
    with pytest.raises(ValidationError) as exc:
        store.set_change(cs, "add", entry=entry)
    assert exc.value.issues[0].code == code
    assert store.changeset(cs)["changes"] == []


def test_validation_rules(store: LexiconStore) -> None:
    cs = store.create_changeset("alice")
    add(store, cs, "赌")                                   # single character
    add(store, cs, "新赌法", category="nosuchcategory")      # unknown category
    add(store, cs, "網上賭場", action="review")             # folds like 网上赌场 (block/4): conflicting duplicate
    store.set_change(cs, "remove", term_id="gambling:不存在")
    codes = {(i.code, i.level) for i in store.validate_changeset(cs)}
    assert ("single_char", "force") in codes
    assert ("category", "error") in codes
    assert ("duplicate", "error") in codes
    assert ("missing", "error") in codes
    with pytest.raises(ValidationError):
        store.publish(cs, approver="bob", force=True)  # errors are never forceable
    assert store.live_version() == 1


def test_single_character_allowed_when_forced(store: LexiconStore) -> None:
    cs = store.create_changeset("alice")
    add(store, cs, "赌", action="review")
    with pytest.raises(ValidationError, match="single-character"):
        store.publish(cs, approver="bob")
    store.set_change(cs, "add", entry={"term": "赌", "category": "gambling", "action": "review"}, force=True)
    assert store.publish(cs, approver="bob") == 2


def test_extra_categories_are_known(db_path: Path) -> None:
    s = LexiconStore(db_path, make_config(extra_categories=("campaign",)), matcher_factory=fake_factory)
    cs = s.create_changeset("alice")
    add(s, cs, "双十一秒杀", category="campaign", action="label")
    assert not [i for i in s.validate_changeset(cs) if i.level == "error"]


def test_block_share_needs_force(store: LexiconStore) -> None:
    cs = store.create_changeset("alice")
    add(store, cs, "抢红包", action="block")  # blocks 3 of the 8 corpus texts
    with pytest.raises(ValidationError, match="newly blocks 3 of 8"):
        store.publish(cs, approver="bob")
    assert store.publish(cs, approver="bob", force=True) == 2


def test_conflict_on_stale_base_keeps_the_draft(store: LexiconStore) -> None:
    a = store.create_changeset("alice")
    b = store.create_changeset("carol")
    add(store, a, "线上棋牌")
    add(store, b, "百家乐网站")
    store.publish(a, approver="bob")
    with pytest.raises(ConflictError, match="drafted on version 1 but version 2") as exc:
        store.publish(b, approver="bob")
    assert (exc.value.base_version, exc.value.live_version) == (1, 2)
    kept = store.changeset(b)
    assert kept["status"] == "draft" and [c["term_id"] for c in kept["changes"]] == ["gambling:百家乐网站"]
    res = store.rebase_changeset(b)
    assert res["to_version"] == 2 and res["overlapping"] == []
    assert store.publish(b, approver="bob") == 3
    assert {"gambling:线上棋牌", "gambling:百家乐网站"} <= {e.term_id for e in store.entries()}


def test_rebase_reports_overlap(store: LexiconStore) -> None:
    a = store.create_changeset("alice")
    b = store.create_changeset("carol")
    store.set_change(a, "remove", term_id="persona:炫富")
    store.set_change(b, "edit", term_id="persona:炫富", entry={"term": "炫富", "category": "persona",
                                                                "action": "review"})
    store.publish(a, approver="bob")
    assert store.rebase_changeset(b)["overlapping"] == ["persona:炫富"]
    assert any(i.code == "missing" for i in store.validate_changeset(b))


def test_expected_revision_guards_concurrent_edits_of_one_draft(store: LexiconStore) -> None:
    cs = store.create_changeset("alice")
    r1 = add(store, cs, "线上棋牌")["revision"]
    add(store, cs, "网络赌球")  # someone else edits the draft meanwhile
    with pytest.raises(ConflictError, match="changed by someone else"):
        store.set_change(cs, "add", entry={"term": "赌球平台", "category": "gambling"}, expected_revision=r1)


def test_concurrent_drafts_from_threads_lose_nothing(store: LexiconStore) -> None:
    cs = store.create_changeset("alice")
    others = [LexiconStore(store.db_path, make_config(), matcher_factory=fake_factory) for _ in range(4)]
    errors: list[BaseException] = []

    def work(i: int) -> None:
        try:
            for j in range(10):
                others[i].set_change(cs, "add", entry={"term": f"测试词{i}号{j}", "category": "gambling"},
                                     editor=f"ed{i}")
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(4)]
    [t.start() for t in threads]
    [t.join() for t in threads]
    assert not errors
    got = store.changeset(cs)
    assert len(got["changes"]) == 40 and got["revision"] == 40


def test_concurrent_publishers_exactly_one_wins(store: LexiconStore) -> None:
    ids = []
    for i in range(4):
        cs = store.create_changeset(f"author{i}")
        add(store, cs, f"并发词{i}号")
        ids.append(cs)
    results: dict[int, object] = {}

    def pub(cs: int) -> None:
        s = LexiconStore(store.db_path, make_config(), matcher_factory=fake_factory)
        try:
            results[cs] = s.publish(cs, approver="boss")
        except ConflictError as exc:
            results[cs] = exc

    threads = [threading.Thread(target=pub, args=(cs,)) for cs in ids]
    [t.start() for t in threads]
    [t.join() for t in threads]
    wins = [v for v in results.values() if isinstance(v, int)]
    assert wins == [2]
    assert store.live_version() == 2
    assert sum(c["status"] == "draft" for c in store.changesets(None)) == 3


def test_rollback_is_a_new_version(store: LexiconStore) -> None:
    cs = store.create_changeset("alice")
    add(store, cs, "线上棋牌")
    store.publish(cs, approver="bob")
    with pytest.raises(FourEyesError):
        store.rollback(1, author="carol", approver="carol")
    v = store.rollback(1, author="carol", approver="bob", note="bad term")
    assert v == 3
    info = store.version_info(3)
    assert info["kind"] == "rollback" and info["rollback_of"] == 1 and info["diff"]["removed"] == 1
    assert {e.term_id for e in store.entries(3)} == {e.term_id for e in store.entries(1)}
    assert store.version_info(3)["digest"] == store.version_info(1)["digest"]
    with pytest.raises(StoreError, match="already live"):
        store.rollback(3, author="carol", approver="bob")
    # back to version 2 again: the entry returns with a new revision
    store.rollback(2, author="carol", approver="bob")
    assert [h["since_version"] for h in store.entry_history("gambling:线上棋牌")] == [2, 4]


def test_export_import_round_trip(store: LexiconStore, tmp_path: Path) -> None:
    cs = store.create_changeset("alice")
    add(store, cs, "节日抽奖", action="label", valid_from="2026-01-01", valid_to="2026-02-01",
        variants=["节日抽將"], note="campaign", context={"requires_any": ["红包"], "within": 8})
    store.publish(cs, approver="bob")
    paths = store.export(2, tmp_path / "out")
    assert sorted(Path(p).name for p in paths) == ["clickbait.yaml", "gambling.yaml", "persona.yaml"]
    doc = yaml.safe_load(Path(tmp_path / "out" / "gambling.yaml").read_text(encoding="utf-8"))
    assert doc["category"] == "gambling" and doc["version"] == 2
    rep = store.import_files(paths, author="carol", dry_run=True)
    assert rep.ok and rep.counts == {"add": 0, "edit": 0, "remove": 0, "unchanged": 8}
    # a fresh store seeded from the export has the same content digest
    other = LexiconStore(tmp_path / "other.db", make_config(bundled_paths=tuple(paths)), matcher_factory=fake_factory)
    other.ensure_seeded()
    assert other.version_info(1)["digest"] == store.version_info(2)["digest"]


def test_import_reports_line_numbers_and_is_all_or_nothing(store: LexiconStore, tmp_path: Path) -> None:
    good = tmp_path / "gambling_more.yaml"
    good.write_text("category: gambling\naction: block\nentries:\n  - 线上棋牌\n  - 网络赌球\n", encoding="utf-8")
    bad = tmp_path / "bad.yaml"
    bad.write_text("category: gambling\nentries:\n  - 好词\n  - '   '\n  - term: 坏词\n    action: ban\n"
                   "  - term: 另一个\n    category: unknown_cat\n", encoding="utf-8")
    rep = store.import_files([str(good), str(bad)], author="alice")
    assert not rep.ok and rep.changeset_id is None
    msgs = rep.messages()
    assert any(f"{bad}:4" in m and "empty term" in m for m in msgs)
    assert any(f"{bad}:5" in m and "unknown action" in m for m in msgs)
    assert any(f"{bad}:7" in m and "unknown category" in m for m in msgs)
    assert store.changesets(None) == []  # nothing written
    rep = store.import_files([str(good)], author="alice", dry_run=True)
    assert rep.ok and rep.counts["add"] == 2 and store.changesets(None) == []
    rep = store.import_files([str(good)], author="alice")
    assert rep.ok and len(store.changeset(rep.changeset_id)["changes"]) == 2


def test_import_replace_drafts_removals(store: LexiconStore, tmp_path: Path) -> None:
    f = tmp_path / "persona.tsv"
    f.write_text("晒富\tpersona\tlimit\t2\n", encoding="utf-8")
    rep = store.import_files([str(f)], author="alice", replace=True, dry_run=True)
    assert rep.counts == {"add": 1, "edit": 0, "remove": 1, "unchanged": 0}


def test_apply_is_one_audited_step(store: LexiconStore, tmp_path: Path) -> None:
    f = tmp_path / "gambling_new.txt"
    f.write_text("# category: gambling\n# action: block\n线上棋牌\n", encoding="utf-8")
    with pytest.raises(FourEyesError):
        store.apply([str(f)], author="alice", approver="alice", note="x")
    assert store.live_version() is None or store.live_version() == 1
    v = store.apply([str(f)], author="alice", approver="bob", note="weekly update")
    info = store.version_info(v)
    assert (info["author"], info["approver"], info["note"]) == ("alice", "bob", "weekly update")
    assert store.changeset(info["changeset_id"])["status"] == "published"


def test_validity_windows_are_kept_for_match_time(store: LexiconStore) -> None:
    cs = store.create_changeset("alice")
    add(store, cs, "春运抢票", action="review", valid_from="2026-01-10", valid_to="2026-02-20")
    store.publish(cs, approver="bob")
    m = store.build_matcher()
    assert m.version == "2"
    assert m.scan("春运抢票神器", today=dt.date(2026, 1, 15))
    assert not m.scan("春运抢票神器", today=dt.date(2026, 3, 1))
    assert not m.scan("春运抢票神器", today=dt.date(2026, 1, 9))


def test_samples_are_bounded_and_feed_the_preview(db_path: Path) -> None:
    s = LexiconStore(db_path, make_config(sample_limit=5, sample_flush=3), matcher_factory=fake_factory)
    for i in range(12):
        s.record_sample("query", f"查询{i} 抢红包")
    s.record_sample("suggestion", "抢红包技巧")
    s.record_sample("query", "查询11 抢红包")  # repeat: counted, not duplicated
    assert s.samples.counts() == {"query": 5, "suggestion": 1}
    with pytest.raises(ValueError):
        s.record_sample("Bad Kind", "x")
    cs = s.create_changeset("alice")
    add(s, cs, "抢红包", action="block")
    rep = s.preview(cs)
    assert rep.sources == {"bundled:corpus.jsonl": 8, "query": 5, "suggestion": 1}
    assert rep.counts["newly_blocked"] == 3 + 6
    ex = rep.newly_blocked[0]
    assert "【抢红包】" in ex["highlight_after"] and ex["before"] == "allow" and ex["after"] == "block"
    assert rep.per_category == {"gambling": {"gained": 9, "lost": 0}}


def test_preview_reports_newly_allowed(store: LexiconStore) -> None:
    cs = store.create_changeset("alice")
    store.set_change(cs, "remove", term_id="persona:炫富")
    store.set_change(cs, "remove", term_id="gambling:网上赌场")
    rep = store.preview(cs)
    assert rep.counts["newly_allowed"] == 1  # 某网红炫富翻车
    assert rep.counts["hits_changed"] == 1   # still blocked by 百家乐, one hit fewer
    assert rep.newly_allowed[0]["highlight_before"] == "某网红【炫富】翻车"


def test_store_is_consistent_sqlite(store: LexiconStore) -> None:
    store.ensure_seeded()
    conn = sqlite3.connect(store.db_path)
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_real_matcher_honours_validity_windows_from_the_store(db_path: Path) -> None:
    """With the real plugin.Matcher (not the fake): windows activate/expire without a publish."""
    s = LexiconStore(db_path, make_config())
    cs = s.create_changeset("alice")
    s.set_change(cs, "add", entry={"term": "春运抢票", "category": "gambling", "action": "review",
                                   "valid_from": "2026-01-10", "valid_to": "2026-02-20"})
    s.publish(cs, approver="bob", force=True)
    m = s.build_matcher()
    assert m.version == "2"
    assert [h.term for h in m.scan("春运抢票神器", today=dt.date(2026, 1, 15))] == ["春运抢票"]
    assert m.scan("春运抢票神器", today=dt.date(2026, 3, 1)) == []
    assert [h.action for h in m.scan("网上赌场开业")] == ["block"]
    cs2 = s.create_changeset("alice")
    s.set_change(cs2, "remove", term_id="gambling:网上赌场")
    rep = s.preview(cs2, base_matcher=m)
    assert rep.counts["hits_changed"] + rep.counts["newly_allowed"] + rep.counts["changed"] >= 1
