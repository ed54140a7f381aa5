"""Compiled-lexicon artefacts: built once per published version, stored (database or directory), loaded by
every other replica instead of compiling; a missing, foreign or broken artefact falls back to compiling."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from plugin.matcher import Matcher
from plugin.matching.artefact import ARTEFACT_FORMAT
from plugin.store import LexiconStore
from plugin.store.store import CodecMatcherFactory
from tests.store_config import make_config


def _publish_one(store: LexiconStore) -> int:
    store.ensure_seeded()
    cs = store.create_changeset("alice")
    rev = store.set_change(cs, "add", entry={"term": "线上棋牌", "category": "gambling", "action": "block"},
                           editor="alice")["revision"]
    return store.publish(cs, approver="bob", expected_revision=rev, force=True)


@pytest.fixture
def compiles(monkeypatch) -> list[str]:
    """Every compile of a store version (Matcher.from_entries), by version."""
    seen: list[str] = []
    real = Matcher.from_entries.__func__

    def counting(cls, entries, version="", **options):
        seen.append(version)
        return real(cls, entries, version, **options)

    monkeypatch.setattr(Matcher, "from_entries", classmethod(counting))
    return seen


def test_built_once_then_loaded_by_other_replicas(db_target: str, compiles: list[str]) -> None:
    publisher = LexiconStore(db_target, make_config())
    version = _publish_one(publisher)
    first = publisher.load_or_build_matcher(version)
    assert publisher.last_matcher_source == "compiled" and compiles == [str(version)]
    (row,) = publisher.artefacts()
    assert row["version"] == version and row["format"] == ARTEFACT_FORMAT and row["size"] > 0
    replica = LexiconStore(db_target, make_config())
    loaded = replica.load_or_build_matcher(version)
    assert replica.last_matcher_source == "artefact" and compiles == [str(version)]
    assert loaded.version == str(version)
    for text in ("线上棋牌开局", "网上赌场", "今天天气不错"):
        assert loaded.scan(text) == first.scan(text)


def test_replicas_starting_together_compile_once(db_target: str, compiles: list[str]) -> None:
    version = _publish_one(LexiconStore(db_target, make_config()))
    replicas = [LexiconStore(db_target, make_config()) for _ in range(3)]
    barrier = threading.Barrier(len(replicas))
    versions: list[str] = []

    def start(store: LexiconStore) -> None:
        barrier.wait()
        versions.append(store.load_or_build_matcher(version).version)

    threads = [threading.Thread(target=start, args=(r,)) for r in replicas]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert versions == [str(version)] * 3
    assert compiles == [str(version)]  # one built it under the lock, the others loaded it
    assert sorted(r.last_matcher_source for r in replicas) == ["artefact", "artefact", "compiled"]


def test_foreign_or_broken_artefacts_are_compiled_instead(db_target: str, compiles: list[str]) -> None:
    store = LexiconStore(db_target, make_config())
    version = _publish_one(store)
    store.store_artefact(version, "some-other-codec", b"whatever", 0.0)
    store.load_or_build_matcher(version)
    assert store.last_matcher_source == "compiled"
    other = LexiconStore(db_target, make_config())
    other.db.execute("DELETE FROM lexicon_artefacts WHERE format = ?", (ARTEFACT_FORMAT,))
    other.store_artefact(version, ARTEFACT_FORMAT, b"\x00broken", 0.0)
    assert other.load_or_build_matcher(version).version == str(version)
    assert other.last_matcher_source == "compiled" and len(compiles) == 2


def test_a_planted_artefact_without_the_published_entries_is_not_served(tmp_path: Path) -> None:
    """Whoever can write the artefact directory must not serve a matcher no one approved: an artefact of the
    right version and codec whose entries are not the version's (one term dropped) is compiled over."""
    from plugin.matching.artefact import dump_matcher

    cfg = make_config(artefact_dir=str(tmp_path / "artefacts"))
    store = LexiconStore(tmp_path / "a.db", cfg)
    version = _publish_one(store)
    real = store.load_or_build_matcher(version)
    kept = [e for e in real.entries if e.term != "线上棋牌"]
    (path,) = (tmp_path / "artefacts").iterdir()
    path.write_bytes(dump_matcher(Matcher.from_entries(kept, str(version))))
    replica = LexiconStore(tmp_path / "a.db", cfg)
    served = replica.load_or_build_matcher(version)
    assert replica.last_matcher_source == "compiled"
    assert [h.term for h in served.scan("线上棋牌开局")] == ["线上棋牌"]


def test_artefacts_in_a_directory(tmp_path: Path, compiles: list[str]) -> None:
    cfg = make_config(artefact_dir=str(tmp_path / "artefacts"))
    store = LexiconStore(tmp_path / "a.db", cfg)
    version = _publish_one(store)
    store.load_or_build_matcher(version)
    files = list((tmp_path / "artefacts").iterdir())
    assert len(files) == 1 and files[0].name.startswith(f"lexicon-v{version}-")
    assert store.artefacts() == []  # not in the database
    again = LexiconStore(tmp_path / "a.db", cfg)
    again.load_or_build_matcher(version)
    assert again.last_matcher_source == "artefact" and len(compiles) == 1


def test_a_directory_shared_by_two_databases_never_serves_the_other_ones_version(tmp_path: Path) -> None:
    """Version numbers restart in every database (a re-created one, staging beside production): the file of
    one database's version 2 must not be loaded as the other's version 2."""
    cfg = make_config(artefact_dir=str(tmp_path / "artefacts"))

    def publish(db: str, term: str) -> tuple[LexiconStore, int]:
        store = LexiconStore(tmp_path / db, cfg)
        store.ensure_seeded()
        cs = store.create_changeset("alice")
        rev = store.set_change(cs, "add", entry={"term": term, "category": "gambling", "action": "block"},
                               editor="alice")["revision"]
        return store, store.publish(cs, approver="bob", expected_revision=rev, force=True)

    first, v1 = publish("a.db", "线上棋牌")
    first.load_or_build_matcher(v1)
    second, v2 = publish("b.db", "网络赌盘")
    assert v1 == v2
    matcher = second.load_or_build_matcher(v2)
    assert second.last_matcher_source == "compiled"
    assert [h.term for h in matcher.scan("线上棋牌 网络赌盘")] == ["网络赌盘"]
    again = LexiconStore(tmp_path / "a.db", cfg)
    assert [h.term for h in again.load_or_build_matcher(v1).scan("线上棋牌 网络赌盘")] == ["线上棋牌"]
    assert again.last_matcher_source == "artefact"


def test_off_or_custom_factory_always_compiles(tmp_path: Path) -> None:
    from tests.fakes import fake_factory

    store = LexiconStore(tmp_path / "a.db", make_config(artefacts=False))
    version = _publish_one(store)
    store.load_or_build_matcher(version)
    assert store.last_matcher_source == "compiled" and store.artefacts() == []
    fake = LexiconStore(tmp_path / "a.db", make_config(), matcher_factory=fake_factory)
    assert not fake.artefacts_enabled()


def test_a_deployment_noise_set_is_part_of_the_artefact_identity(db_target: str, compiles: list[str]) -> None:
    noisy = LexiconStore(db_target, make_config(), matcher_factory=CodecMatcherFactory(noise_skip="丨"))
    assert noisy.artefacts_enabled()
    version = _publish_one(noisy)
    noisy.load_or_build_matcher(version)
    (row,) = noisy.artefacts()
    assert row["format"].startswith(ARTEFACT_FORMAT + "+noise:")
    replica = LexiconStore(db_target, make_config(), matcher_factory=CodecMatcherFactory(noise_skip="丨"))
    loaded = replica.load_or_build_matcher(version)
    assert replica.last_matcher_source == "artefact" and compiles == [str(version)]
    assert [h.term for h in loaded.scan("线丨上丨棋丨牌")] == ["线上棋牌"]  # the noise set came with it
    plain = LexiconStore(db_target, make_config())  # another noise set: compiles its own, never loads that one
    other = plain.load_or_build_matcher(version)
    assert plain.last_matcher_source == "compiled" and compiles == [str(version)] * 2
    assert other.scan("线丨上丨棋丨牌") == [] and len(plain.artefacts()) == 2


def _publish_term(store: LexiconStore, term: str) -> int:
    cs = store.create_changeset("alice")
    rev = store.set_change(cs, "add", entry={"term": term, "category": "gambling", "action": "block"},
                           editor="alice")["revision"]
    return store.publish(cs, approver="bob", expected_revision=rev, force=True)


def test_only_the_newest_versions_keep_their_artefacts(db_target: str) -> None:
    store = LexiconStore(db_target, make_config(artefact_keep=2))
    store.ensure_seeded()
    versions = [_publish_term(store, t) for t in ("线上棋牌", "网络赌盘", "澳门赌场开户")]
    for v in versions:
        store.load_or_build_matcher(v)
    assert sorted(a["version"] for a in store.artefacts()) == versions[1:]
    replica = LexiconStore(db_target, make_config(artefact_keep=2))
    replica.load_or_build_matcher(versions[-1])
    assert replica.last_matcher_source == "artefact"  # the kept one still loads


def test_artefact_files_of_older_versions_are_deleted(tmp_path: Path) -> None:
    out = tmp_path / "artefacts"
    store = LexiconStore(tmp_path / "a.db", make_config(artefact_dir=str(out), artefact_keep=2))
    store.ensure_seeded()
    versions = [_publish_term(store, t) for t in ("线上棋牌", "网络赌盘", "澳门赌场开户")]
    for v in versions:
        store.load_or_build_matcher(v)
    kept = sorted(int(p.name.split("-")[1][1:]) for p in out.glob("*.matcher"))
    assert kept == versions[1:]
    everything = LexiconStore(tmp_path / "b.db", make_config(artefact_dir=str(tmp_path / "all"), artefact_keep=0))
    everything.ensure_seeded()
    for v in [_publish_term(everything, t) for t in ("线上棋牌", "网络赌盘", "澳门赌场开户")]:
        everything.load_or_build_matcher(v)
    assert len(list((tmp_path / "all").glob("*.matcher"))) == 3
