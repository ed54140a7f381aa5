"""Review records on SQLite and PostgreSQL: persistence, the queue, human decisions, append-only audit."""

from __future__ import annotations

import sqlite3

import pytest

from plugin.review import Candidate, ReviewEngine
from plugin.review.store import ReviewConflict, ReviewNotFound, ReviewStore
from tests.candidates import candidate


@pytest.fixture()
def stored(db_target, service_matcher):
    db = db_target
    store = ReviewStore(db)
    cands = [Candidate.model_validate(candidate(id="ok")),
             Candidate.model_validate(candidate(id="q", account={"name": "某市公安局"}))]
    results = ReviewEngine().review(cands, matcher=service_matcher)
    ids = store.record_batch(cands, results, lexicon_version="v7")
    return db, store, ids


def test_automatic_decisions_are_stored_with_version_and_rules(stored):
    _, store, (ok_id, q_id) = stored
    ok, q = store.get(ok_id), store.get(q_id)
    assert ok["status"] == "auto" and ok["decision"] == "approve"
    assert q["status"] == "pending" and q["automatic"]["decision"] == "review"
    assert q["automatic"]["lexicon_version"] == "v7"
    assert any(r["rule"] == "account_name" and r["decision"] == "review" for r in q["automatic"]["rule_results"])
    assert q["candidate"]["account"]["name"] == "某市公安局"
    assert [i["id"] for i in store.list_items("pending")] == [q_id]


def test_human_decision_persists_across_reopen(stored):
    db, store, (_, q_id) = stored
    store.decide(q_id, decision="reject", reviewer="alice", note="仿冒公安机关")
    store.close()
    again = ReviewStore(db)
    item = again.get(q_id)
    assert item["status"] == "decided" and item["decision"] == "reject"
    assert item["human"]["reviewer"] == "alice" and item["human"]["note"] == "仿冒公安机关" and item["human"]["decided_at"]
    assert again.list_items("pending") == []
    events = again.audit(item_id=q_id)
    assert [e["event"] for e in events] == ["auto_decision", "human_decision"]
    assert events[1]["actor"] == "alice"


def test_one_human_decision_per_item(stored):
    _, store, (ok_id, q_id) = stored
    store.decide(q_id, decision="approve", reviewer="bob", note="")
    with pytest.raises(ReviewConflict):
        store.decide(q_id, decision="reject", reviewer="eve", note="override")
    with pytest.raises(ReviewConflict):  # automatic decisions are not in the queue
        store.decide(ok_id, decision="reject", reviewer="eve", note="")
    with pytest.raises(ReviewNotFound):
        store.decide("rv_nope", decision="reject", reviewer="eve", note="")
    with pytest.raises(ValueError):
        store.decide(q_id, decision="review", reviewer="eve", note="")
    assert store.get(q_id)["human"]["reviewer"] == "bob"
    assert len(store.audit(item_id=q_id)) == 2  # the failed attempts left no trace


@pytest.mark.parametrize("sql", [
    "UPDATE review_audit SET actor = 'mallory'",
    "DELETE FROM review_audit",
    "UPDATE review_decisions SET decision = 'approve'",
    "DELETE FROM review_decisions",
    "UPDATE review_items SET decision = 'approve'",
    "DELETE FROM review_items",
])
def test_records_are_append_only(stored, sql):
    db, store, (_, q_id) = stored
    store.decide(q_id, decision="reject", reviewer="alice", note="x")
    if db.startswith("postgresql://"):  # a plain connection of its own: the database refuses, not our code
        import psycopg

        with psycopg.connect(db, autocommit=True) as conn, pytest.raises(psycopg.Error, match="append-only"):
            conn.execute(sql)
    else:
        conn = sqlite3.connect(db)
        with pytest.raises(sqlite3.DatabaseError, match="append-only"):
            conn.execute(sql)
        conn.close()
    assert store.get(q_id)["decision"] == "reject"


def test_batch_is_all_or_nothing(tmp_path, service_matcher):
    store = ReviewStore(tmp_path / "r.db")
    cands = [Candidate.model_validate(candidate(id=str(i))) for i in range(3)]
    results = ReviewEngine().review(cands, matcher=service_matcher)
    with pytest.raises(ValueError):
        store.record_batch(cands, results[:2], lexicon_version="v")
    store.conn.execute("CREATE TRIGGER boom BEFORE INSERT ON review_audit WHEN NEW.item_id IS NOT NULL "
                       "BEGIN SELECT RAISE(ABORT, 'disk on fire'); END")
    with pytest.raises(sqlite3.DatabaseError):
        store.record_batch(cands, results, lexicon_version="v")
    assert store.count("all") == 0
    assert store.conn.execute("SELECT COUNT(*) FROM review_runs").fetchone()[0] == 0


def test_recent_candidates_seed_the_matrix_history(tmp_path, service_matcher):
    import datetime as dt

    store = ReviewStore(tmp_path / "r.db")
    c = Candidate.model_validate(candidate(id="h", title="某地商场发生火灾现场浓烟", account={"id": "a1", "name": "甲", "mcn": "M"}))
    store.record_batch([c], ReviewEngine().review([c], matcher=service_matcher), lexicon_version="v")
    recent = store.recent_candidates(since=dt.datetime.now(dt.timezone.utc) - dt.timedelta(hours=1), limit=10)
    assert [x.id for x, _ in recent] == ["h"]
    engine = ReviewEngine()
    for cand, at in recent:
        engine.remember([cand], at)
    twin = Candidate.model_validate(candidate(id="t", title="某地商场发生火灾，现场浓烟", account={"id": "a2", "name": "乙", "mcn": "M"}))
    (r,) = engine.review([twin], matcher=service_matcher)
    assert r.decision == "review"


def test_concurrent_decisions_on_one_item_exactly_one_wins(db_target, service_matcher):
    """Several store objects (as several replicas would hold) decide one queued item at once."""
    import threading

    first = ReviewStore(db_target)
    cands = [Candidate.model_validate(candidate(id="q", account={"name": "某市公安局"}))]
    (item,) = first.record_batch(cands, ReviewEngine().review(cands, matcher=service_matcher), lexicon_version="v")
    stores = [ReviewStore(db_target) for _ in range(4)]
    outcomes: list[str] = []
    barrier = threading.Barrier(len(stores))

    def decide(i: int) -> None:
        barrier.wait()
        try:
            stores[i].decide(item, decision="reject", reviewer=f"r{i}", note="")
            outcomes.append("won")
        except ReviewConflict:
            outcomes.append("conflict")

    threads = [threading.Thread(target=decide, args=(i,)) for i in range(len(stores))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["conflict"] * 3 + ["won"]
    assert [e["event"] for e in first.audit(item_id=item)] == ["auto_decision", "human_decision"]
