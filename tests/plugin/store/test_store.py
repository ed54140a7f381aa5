"""Lexicon store: versions, change-sets, validation, four-eyes, conflicts, rollback, import/export.

Identities are names the caller verified (the service and the CLI pass token names); the helpers
below publish at the revision the approver sees and roll back as two people.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
import threading
from pathlib import Path

import pytest
import yaml

from plugin.store import (
    Actor,
    AuthError,
    ConflictError,
    FourEyesError,
    LexiconStore,
    StoreError,
    TokenStore,
    ValidationError,
)
from tests.fakes import fake_factory
from tests.store_config import make_config


def add(store: LexiconStore, cs: int, term: str, category: str = "gambling", **kw) -> dict:
    return store.set_change(cs, "add", entry={"term": term, "category": category, **kw}, editor="alice")


def publish(s: LexiconStore, cs: int, *, approver: str, **kw) -> int:
    """Publish ``cs`` at the revision the approver sees now."""
    return s.publish(cs, approver=approver, expected_revision=s.changeset(cs)["revision"], **kw)


def rollback(s: LexiconStore, to_version: int, *, author: str, approver: str, note: str = "") -> int:
    """A rollback requested by ``author`` and published by ``approver``."""
    return publish(s, s.request_rollback(to_version, author=author, note=note), approver=approver)


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
    store.set_change(cs, "remove", term_id="clickbait:震惊", editor="alice")
    v1 = store.entries(1)
    v = publish(store, cs, approver="bob")
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
                     entry={"term": "百家乐", "category": "gambling", "action": "review", "severity": 3},
                     editor="alice")
    publish(store, cs, approver="bob")
    cs2 = store.create_changeset("carol")
    store.set_change(cs2, "remove", term_id="gambling:百家乐", editor="alice")
    publish(store, cs2, approver="bob")
    hist = store.entry_history("gambling:百家乐")
    assert [(h["since_version"], h["until_version"], h["entry"]["action"]) for h in hist] == [
        (1, 2, "block"), (2, 3, "review")]
    assert hist[1]["author"] == "alice"


def test_edit_renaming_an_entry_drafts_remove_plus_add(store: LexiconStore) -> None:
    cs = store.create_changeset("alice")
    res = store.set_change(cs, "edit", term_id="persona:炫富",
                           entry={"term": "晒富", "category": "persona", "action": "limit"}, editor="alice")
    assert sorted((c["op"], c["term_id"]) for c in res["changes"]) == [("add", "persona:晒富"),
                                                                       ("remove", "persona:炫富")]


def test_four_eyes(store: LexiconStore) -> None:
    cs = store.create_changeset("alice")
    add(store, cs, "线上棋牌")
    with pytest.raises(FourEyesError):
        publish(store, cs, approver="alice")
    assert store.live_version() == 1 and store.changeset(cs)["status"] == "draft"
    solo = LexiconStore(store.db_path, make_config(four_eyes=False), matcher_factory=fake_factory)
    assert publish(solo, cs, approver="alice") == 2
    assert solo.version_info(2)["approval"] == "self"  # recorded: nobody else approved it


@pytest.mark.parametrize("approver", ["ed\u200b", "\uff45\uff44", "e\u034fd", "ED\u00ad", "e\u2060d", "e\u3164d"])
def test_four_eyes_compares_names_as_they_read(store: LexiconStore, approver: str) -> None:
    """Token names are checked when a token is made, but a token made before a check existed (or a name reaching
    the store another way) can still carry invisible or compatibility characters: 'ed' + U+200B reads as 'ed' and
    was another person to four-eyes, which compared names case-blind only."""
    cs = store.create_changeset("ed")
    add(store, cs, "线上棋牌")
    with pytest.raises(FourEyesError):
        publish(store, cs, approver=approver)
    assert store.live_version() == 1
    assert publish(store, cs, approver="edna") == 2  # another name is another person


def test_a_contributor_cannot_approve_the_change_set(store: LexiconStore, tmp_path: Path) -> None:
    """Four-eyes means a second person: an approver who slipped an entry into (or took one out of)
    someone else's draft, by hand or by import, cannot then publish it."""
    cs = store.create_changeset("alice")
    add(store, cs, "线上棋牌")
    store.set_change(cs, "add", entry={"term": "网络赌球", "category": "gambling"}, editor="bob")
    with pytest.raises(FourEyesError, match="'bob' changed change-set"):
        publish(store, cs, approver="bob")
    cs2 = store.create_changeset("alice")
    add(store, cs2, "线上棋牌")
    add(store, cs2, "网络赌球")
    store.drop_change(cs2, "gambling:网络赌球", editor="Bob")  # names compare case-insensitively
    with pytest.raises(FourEyesError):
        publish(store, cs2, approver="bob")
    cs3 = store.create_changeset("alice")
    add(store, cs3, "线上棋牌")
    f = tmp_path / "more.txt"
    f.write_text("# category: gambling\n赌球平台\n", encoding="utf-8")
    assert store.import_files([str(f)], author="bob", changeset_id=cs3).ok
    with pytest.raises(FourEyesError):
        publish(store, cs3, approver="bob")
    assert store.live_version() == 1
    assert [store.changeset(c)["contributors"] for c in (cs, cs2, cs3)] == [["alice", "bob"], ["alice", "Bob"],
                                                                           ["alice", "bob"]]
    assert publish(store, cs2, approver="carol") == 2


def test_publish_names_the_revision_the_approver_reviewed(store: LexiconStore) -> None:
    """The author cannot change the draft between the approver's preview and the publish."""
    cs = store.create_changeset("alice")
    add(store, cs, "线上棋牌")
    rep = store.preview(cs)
    assert (rep.changeset_id, rep.revision) == (cs, 1) and rep.to_dict()["revision"] == 1
    add(store, cs, "抢红包", action="block")  # edited after bob previewed revision 1
    with pytest.raises(ConflictError, match="revision 2, not revision 1") as exc:
        store.publish(cs, approver="bob", expected_revision=rep.revision, force=True)
    assert exc.value.revision == 2 and store.live_version() == 1
    with pytest.raises(StoreError, match="expected_revision"):
        store.publish(cs, approver="bob", expected_revision=None)  # type: ignore[arg-type]
    assert store.publish(cs, approver="bob", expected_revision=store.preview(cs).revision, force=True) == 2
    assert {"gambling:线上棋牌", "gambling:抢红包"} <= {e.term_id for e in store.entries(2)}


def test_rollback_is_a_change_set_published_by_a_second_person(store: LexiconStore) -> None:
    cs = store.create_changeset("alice")
    add(store, cs, "线上棋牌")
    publish(store, cs, approver="bob")
    rb = store.request_rollback(1, author="bob", note="bad term")
    got = store.changeset(rb)
    assert (got["kind"], got["rollback_of"], got["status"], got["author"]) == ("rollback", 1, "draft", "bob")
    assert [(c["op"], c["term_id"]) for c in got["changes"]] == [("remove", "gambling:线上棋牌")]
    assert store.live_version() == 2  # asking changes nothing live
    with pytest.raises(FourEyesError):
        publish(store, rb, approver="bob")
    with pytest.raises(StoreError, match="cannot be edited"):
        add(store, rb, "网络赌球")
    with pytest.raises(StoreError, match="cannot be edited"):
        store.drop_change(rb, "gambling:线上棋牌", editor="carol")
    v = publish(store, rb, approver="carol")
    info = store.version_info(v)
    assert (info["kind"], info["rollback_of"], info["author"], info["approver"], info["approval"],
            info["changeset_id"]) == ("rollback", 1, "bob", "carol", "four-eyes", rb)
    assert info["digest"] == store.version_info(1)["digest"]
    with pytest.raises(StoreError, match="same entries"):
        store.request_rollback(1, author="bob")
    stale = store.request_rollback(2, author="bob")
    other = store.create_changeset("alice")
    add(store, other, "网络赌球")
    publish(store, other, approver="carol")
    with pytest.raises(ConflictError):
        publish(store, stale, approver="carol")
    with pytest.raises(StoreError, match="cannot be rebased"):
        store.rebase_changeset(stale, by="alice")


def test_single_operator_only_when_configured_and_recorded(store: LexiconStore, db_path: Path) -> None:
    me = Actor.single("ops")
    assert me.name == "single-operator:ops" and me.single_operator
    with pytest.raises(AuthError, match="not enabled"):
        store.create_changeset(me)
    with pytest.raises(StoreError, match="reserved"):
        store.create_changeset("single-operator:ops")  # a plain name cannot pass for it
    with pytest.raises(StoreError, match="reserved"):
        TokenStore(db_path).create("Single-Operator:ops", "admin")
    solo = LexiconStore(db_path, make_config(single_operator=True), matcher_factory=fake_factory)
    cs = solo.create_changeset(me)
    solo.set_change(cs, "add", entry={"term": "线上棋牌", "category": "gambling"}, editor=me)
    info = solo.version_info(publish(solo, cs, approver=me))
    assert (info["author"], info["approver"], info["approval"]) == ("single-operator:ops",) * 2 + ("single-operator",)
    assert solo.entry_history("gambling:线上棋牌")[0]["approval"] == "single-operator"


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
        store.set_change(cs, "add", entry=entry, editor="alice")
    assert exc.value.issues[0].code == code
    assert store.changeset(cs)["changes"] == []


def test_validation_rules(store: LexiconStore) -> None:
    cs = store.create_changeset("alice")
    add(store, cs, "赌")                                   # single character
    add(store, cs, "新赌法", category="nosuchcategory")      # unknown category
    add(store, cs, "網上賭場", action="review")             # folds like 网上赌场 (block/4): conflicting duplicate
    store.set_change(cs, "remove", term_id="gambling:不存在", editor="alice")
    codes = {(i.code, i.level) for i in store.validate_changeset(cs)}
    assert ("single_char", "force") in codes
    assert ("category", "error") in codes
    assert ("duplicate", "error") in codes
    assert ("missing", "error") in codes
    with pytest.raises(ValidationError):
        publish(store, cs, approver="bob", force=True)  # errors are never forceable
    assert store.live_version() == 1


def test_single_character_allowed_when_forced(store: LexiconStore) -> None:
    cs = store.create_changeset("alice")
    add(store, cs, "赌", action="review")
    with pytest.raises(ValidationError, match="single-character"):
        publish(store, cs, approver="bob")
    store.set_change(cs, "add", entry={"term": "赌", "category": "gambling", "action": "review"}, force=True,
                     editor="alice")
    assert publish(store, cs, approver="bob") == 2


def test_extra_categories_are_known(db_path: Path) -> None:
    s = LexiconStore(db_path, make_config(extra_categories=("campaign",)), matcher_factory=fake_factory)
    cs = s.create_changeset("alice")
    add(s, cs, "双十一秒杀", category="campaign", action="label")
    assert not [i for i in s.validate_changeset(cs) if i.level == "error"]


def test_block_share_needs_force(store: LexiconStore) -> None:
    cs = store.create_changeset("alice")
    add(store, cs, "抢红包", action="block")  # blocks 3 of the 8 corpus texts
    with pytest.raises(ValidationError, match="newly blocks 3 of 8"):
        publish(store, cs, approver="bob")
    assert publish(store, cs, approver="bob", force=True) == 2


def _stale_draft(store: LexiconStore) -> tuple[int, int]:
    """Draft ``a`` published as version 2; draft ``b``, also on version 1, left stale."""
    a = store.create_changeset("alice")
    b = store.create_changeset("carol")
    add(store, a, "线上棋牌")
    add(store, b, "百家乐网站")
    publish(store, a, approver="bob")
    return a, b


def test_conflict_on_stale_base_keeps_the_draft(store: LexiconStore) -> None:
    a, b = _stale_draft(store)
    with pytest.raises(ConflictError, match="drafted on version 1 but version 2") as exc:
        publish(store, b, approver="bob")
    assert (exc.value.base_version, exc.value.live_version) == (1, 2)
    kept = store.changeset(b)
    assert kept["status"] == "draft" and [c["term_id"] for c in kept["changes"]] == ["gambling:百家乐网站"]
    res = store.rebase_changeset(b, by="alice")
    assert res["to_version"] == 2 and res["overlapping"] == []
    assert publish(store, b, approver="bob") == 3
    assert {"gambling:线上棋牌", "gambling:百家乐网站"} <= {e.term_id for e in store.entries()}


def test_rebase_reports_overlap(store: LexiconStore) -> None:
    a = store.create_changeset("alice")
    b = store.create_changeset("carol")
    store.set_change(a, "remove", term_id="persona:炫富", editor="alice")
    store.set_change(b, "edit", term_id="persona:炫富", entry={"term": "炫富", "category": "persona",
                                                                "action": "review"}, editor="alice")
    publish(store, a, approver="bob")
    assert store.rebase_changeset(b, by="alice")["overlapping"] == ["persona:炫富"]
    assert any(i.code == "missing" for i in store.validate_changeset(b))


def test_who_rebased_and_who_discarded_a_draft_is_recorded(store: LexiconStore) -> None:
    a, b = _stale_draft(store)
    store.rebase_changeset(b, by="dave")
    store.discard_changeset(b, by="erin")
    events = store.changeset(b)["events"]
    assert [(e["event"], e["actor"], e["detail"]) for e in events] == [("rebase", "dave", "v1 -> v2"),
                                                                      ("discard", "erin", "")]
    assert all(e["at"] for e in events) and store.changeset(a)["events"] == []
    assert "dave" not in store.changeset(b)["contributors"]  # moving a draft changes none of its entries
    with pytest.raises(StoreError):
        store.discard_changeset(b, by="erin")  # discarded once; nothing more recorded
    assert len(store.changeset(b)["events"]) == 2


def test_expected_revision_guards_concurrent_edits_of_one_draft(store: LexiconStore) -> None:
    cs = store.create_changeset("alice")
    r1 = add(store, cs, "线上棋牌")["revision"]
    add(store, cs, "网络赌球")  # someone else edits the draft meanwhile
    with pytest.raises(ConflictError, match="changed by someone else"):
        store.set_change(cs, "add", entry={"term": "赌球平台", "category": "gambling"}, expected_revision=r1,
                         editor="alice")


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
            results[cs] = publish(s, cs, approver="boss")
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
    publish(store, cs, approver="bob")
    with pytest.raises(FourEyesError):
        rollback(store, 1, author="carol", approver="carol")
    v = rollback(store, 1, author="carol", approver="bob", note="bad term")
    assert v == 3
    info = store.version_info(3)
    assert info["kind"] == "rollback" and info["rollback_of"] == 1 and info["diff"]["removed"] == 1
    assert {e.term_id for e in store.entries(3)} == {e.term_id for e in store.entries(1)}
    assert store.version_info(3)["digest"] == store.version_info(1)["digest"]
    with pytest.raises(StoreError, match="already live"):
        rollback(store, 3, author="carol", approver="bob")
    # back to version 2 again: the entry returns with a new revision
    rollback(store, 2, author="carol", approver="bob")
    assert [h["since_version"] for h in store.entry_history("gambling:线上棋牌")] == [2, 4]


def test_export_import_round_trip(store: LexiconStore, tmp_path: Path) -> None:
    cs = store.create_changeset("alice")
    add(store, cs, "节日抽奖", action="label", valid_from="2026-01-01", valid_to="2026-02-01",
        variants=["节日抽將"], note="campaign", context={"requires_any": ["红包"], "within": 8})
    publish(store, cs, approver="bob")
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
    with pytest.raises(FourEyesError):  # under four-eyes nobody publishes their own files
        store.apply([str(f)], author="alice", note="x")
    assert store.changesets(None) == []
    res = store.apply([str(f)], author="alice", note="weekly update", publish=False)
    assert res.version is None and not res.reused and store.changeset(res.changeset_id)["status"] == "draft"
    v = publish(store, res.changeset_id, approver="bob")
    info = store.version_info(v)
    assert (info["author"], info["approver"], info["note"], info["approval"]) == ("alice", "bob", "weekly update",
                                                                                  "four-eyes")
    assert store.changeset(info["changeset_id"])["status"] == "published"
    solo = LexiconStore(store.db_path, make_config(four_eyes=False), matcher_factory=fake_factory)
    g = tmp_path / "gambling_more.txt"
    g.write_text("# category: gambling\n# action: block\n网络赌球\n", encoding="utf-8")
    res = solo.apply([str(g)], author="alice", note="one step")
    assert res.version == v + 1 and solo.version_info(res.version)["approval"] == "self"


def test_apply_of_unchanged_files_says_so(store: LexiconStore, tmp_path: Path) -> None:
    paths = store.export(None, tmp_path / "out")  # exactly the live version
    solo = LexiconStore(store.db_path, make_config(four_eyes=False), matcher_factory=fake_factory)
    res = solo.apply(paths, author="alice", note="same again")
    assert res.unchanged and res.changeset_id is None and res.version is None
    assert solo.changesets(None) == [] and solo.live_version() == 1


def test_apply_reuses_the_authors_identical_open_draft(store: LexiconStore, tmp_path: Path) -> None:
    f = tmp_path / "gambling_new.txt"
    f.write_text("# category: gambling\n# action: block\n线上棋牌\n", encoding="utf-8")
    first = store.apply([str(f)], author="alice", note="weekly", publish=False)
    again = store.apply([str(f)], author="alice", note="weekly", publish=False)
    assert (again.changeset_id, again.reused, first.reused) == (first.changeset_id, True, False)
    other = store.apply([str(f)], author="carol", note="weekly", publish=False)  # not someone else's draft
    assert other.changeset_id != first.changeset_id and not other.reused
    assert len(store.changesets("draft")) == 2


def test_validity_windows_are_kept_for_match_time(store: LexiconStore) -> None:
    cs = store.create_changeset("alice")
    add(store, cs, "春运抢票", action="review", valid_from="2026-01-10", valid_to="2026-02-20")
    publish(store, cs, approver="bob")
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
    store.set_change(cs, "remove", term_id="persona:炫富", editor="alice")
    store.set_change(cs, "remove", term_id="gambling:网上赌场", editor="alice")
    rep = store.preview(cs)
    assert rep.counts["newly_allowed"] == 1  # 某网红炫富翻车
    assert rep.counts["hits_changed"] == 1   # still blocked by 百家乐, one hit fewer
    assert rep.newly_allowed[0]["highlight_before"] == "某网红【炫富】翻车"


@pytest.mark.sqlite_only
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
                                   "valid_from": "2026-01-10", "valid_to": "2026-02-20"}, editor="alice")
    publish(s, cs, approver="bob", force=True)
    m = s.build_matcher()
    assert m.version == "2"
    assert [h.term for h in m.scan("春运抢票神器", today=dt.date(2026, 1, 15))] == ["春运抢票"]
    assert m.scan("春运抢票神器", today=dt.date(2026, 3, 1)) == []
    assert [h.action for h in m.scan("网上赌场开业")] == ["block"]
    cs2 = s.create_changeset("alice")
    s.set_change(cs2, "remove", term_id="gambling:网上赌场", editor="alice")
    rep = s.preview(cs2, base_matcher=m)
    assert rep.counts["hits_changed"] + rep.counts["newly_allowed"] + rep.counts["changed"] >= 1


def test_search_entries_through_a_matcher_and_by_who_changed_them(store: LexiconStore) -> None:
    from plugin import Matcher

    store.ensure_seeded()
    cs = store.create_changeset("ed", "x")
    store.set_change(cs, "add", entry={"term": "菠菜导师", "category": "gambling", "tags": ["候选新词"]}, editor="ed")
    store.publish(cs, approver="ann", expected_revision=store.changeset(cs)["revision"])
    found = store.search_entries(q="bjl", matcher=Matcher.from_entries(store.entries(), "2"))
    assert [e["term_id"] for e in found["entries"]][:1] == ["gambling:百家乐"] and found["entries"][0]["matched"] == "initials"
    assert store.search_entries(q="bjl")["total"] == 0  # a substring alone does not find it
    assert [e["term_id"] for e in store.search_entries(author="ANN")["entries"]] == ["gambling:菠菜导师"]
    assert [e["term_id"] for e in store.search_entries(tag="候选新词")["entries"]] == ["gambling:菠菜导师"]
    today = dt.date.today().isoformat()
    assert store.search_entries(changed_from=today)["total"] == len(store.entries())
    assert store.search_entries(changed_to="2000-01-01")["total"] == 0
    changed = store.entry_changes()["gambling:菠菜导师"]
    assert (changed["since_version"], changed["author"], changed["approver"]) == (2, "ed", "ann")
    assert store.entry_changes()["gambling:百家乐"]["author"] == "bundled"


def test_a_change_into_a_new_draft_is_written_with_it_or_not_at_all(store: LexiconStore) -> None:
    with pytest.raises(ValidationError):
        store.set_change(None, "add", entry={"term": "菠" * 80, "category": "gambling"}, editor="ed", note="n")
    assert store.changesets("draft") == []
    res = store.set_change(None, "add", entry={"term": "菠菜导师", "category": "gambling"}, editor="ed", note="候选")
    cs = store.changeset(res["changeset_id"])
    assert (cs["author"], cs["note"], cs["revision"], cs["contributors"]) == ("ed", "候选", res["revision"], ["ed"])
    assert [c["term_id"] for c in cs["changes"]] == ["gambling:菠菜导师"]
