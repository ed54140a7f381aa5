"""plugin/rumors/proposals.py: rumour imports are proposed, previewed and published by another identity, with
an append-only audit trail (both database backends)."""

from __future__ import annotations

import pytest

from plugin.errors import InputError
from plugin.rumors import Refutation, Rumor, RumorIndex, RumorStatus
from plugin.rumors.proposals import RumorProposals
from plugin.store import ConflictError, FourEyesError, NotFoundError, StoreConfig, StoreError


def _rumor(rid: str, claim: str, status: RumorStatus = RumorStatus.FALSE) -> Rumor:
    return Rumor(id=rid, claim=claim, status=status, refutations=(Refutation(title="【辟谣】" + claim),))


SEED = [_rumor("garlic", "吃大蒜可以预防新冠病毒感染")]
NEW = _rumor("liquor", "喝高度白酒可以杀死体内的新冠病毒")


@pytest.fixture()
def proposals(db_target):
    p = RumorProposals.open(db_target)
    yield p
    p.close()


def test_a_proposal_changes_nothing_until_someone_else_publishes_it(proposals):
    proposals.bootstrap(SEED, actor="bootstrap:ops", source="seed.jsonl")
    revision = proposals.store.revision()
    pid = proposals.propose([NEW], author="ed", removals=["garlic"], note="白酒谣言", source="new.jsonl")
    assert proposals.store.get("liquor") is None and proposals.store.get("garlic") is not None
    assert proposals.store.revision() == revision  # no index reloads for a proposal
    assert proposals.proposal(pid)["status"] == "proposed"
    with pytest.raises(FourEyesError, match="'ED' proposed rumour import"):
        proposals.publish(pid, approver="ED")  # case-blind: the author under another spelling
    assert proposals.store.get("liquor") is None
    done = proposals.publish(pid, approver="ann")
    assert done["status"] == "published" and (done["approver"], done["approval"]) == ("ann", "four-eyes")
    assert done["stats"] == {"inserted": 1, "updated": 0, "unchanged": 0, "removed": 1}
    assert proposals.store.get("liquor") is not None and proposals.store.get("garlic") is None
    assert proposals.store.revision() != revision
    events = [(e["event"], e["actor"], e["proposal_id"]) for e in proposals.audit()]
    assert events == [("bootstrap", "bootstrap:ops", None), ("propose", "ed", pid), ("publish", "ann", pid)]
    with pytest.raises(StoreError, match="published"):
        proposals.publish(pid, approver="adm")


def test_four_eyes_off_records_a_self_approval(db_target):
    p = RumorProposals.open(db_target, StoreConfig(four_eyes=False))
    try:
        pid = p.propose([NEW], author="ed")
        assert p.publish(pid, approver="ed")["approval"] == "self"
    finally:
        p.close()


def test_identities_are_checked_names(proposals):
    with pytest.raises(StoreError, match="reserved for the single-operator mode"):
        proposals.propose([NEW], author="single-operator:root")
    with pytest.raises(StoreError, match="author name is required"):
        proposals.propose([NEW], author=" ")


@pytest.mark.parametrize("rumors, removals, message", [
    ([], [], "needs rumours to add or ids to remove"),
    ([NEW, NEW], [], "given twice"),
    ([NEW], ["liquor"], "both added and removed"),
    ([], ["a", "a"], "given twice"),
    ([], [""], r"remove\[0\]"),
    ([], [7], r"remove\[0\]"),
])
def test_bad_proposals_are_refused_and_store_nothing(proposals, rumors, removals, message):
    with pytest.raises(InputError, match=message):
        proposals.propose(rumors, author="ed", removals=removals)
    assert proposals.proposals(None) == [] and proposals.audit() == []


def test_bootstrap_only_fills_an_empty_store(proposals):
    assert proposals.bootstrap(SEED, actor="bootstrap:ops").inserted == 1
    with pytest.raises(StoreError, match="holds 1 rumours"):
        proposals.bootstrap([NEW], actor="bootstrap:ops")
    assert proposals.store.get("liquor") is None


def test_discard_is_recorded_and_final(proposals):
    pid = proposals.propose([NEW], author="ed")
    proposals.discard(pid, by="eve")
    assert proposals.proposal(pid)["discarded_by"] == "eve"
    with pytest.raises(StoreError, match="discarded"):
        proposals.publish(pid, approver="ann")
    assert proposals.store.get("liquor") is None
    with pytest.raises(NotFoundError):
        proposals.proposal(pid + 100)
    assert [e["event"] for e in proposals.audit(proposal_id=pid)] == ["propose", "discard"]


def test_the_audit_trail_is_append_only(proposals):
    proposals.propose([NEW], author="ed")
    with pytest.raises(Exception, match="append-only"):
        with proposals.db.transaction(write=True) as tx:
            tx.execute("DELETE FROM rumor_audit")
    with pytest.raises(Exception, match="append-only"):
        with proposals.db.transaction(write=True) as tx:
            tx.execute("UPDATE rumor_audit SET actor = 'mallory'")
    assert [e["actor"] for e in proposals.audit()] == ["ed"]


def test_preview_names_the_pins_a_proposal_would_add_and_remove(proposals):
    proposals.bootstrap(SEED, actor="bootstrap:ops")
    live = RumorIndex.from_store(proposals.store)
    texts = ["喝白酒能杀死新冠病毒吗", "吃大蒜能预防新冠吗", "今天天气怎么样"]
    assert [p.rumor_id for p in live.match(texts[1]).pins] == ["garlic"]
    pid = proposals.propose([NEW], author="ed", removals=["garlic", "nope"])
    report = proposals.preview(pid, live, texts)
    assert report["rumors"] == {"added": ["liquor"], "changed": [], "unchanged": 0, "removed": ["garlic"],
                                "missing": ["nope"]}
    assert report["counts"] == {"newly_pinned": 1, "unpinned": 1, "pin_changed": 0, "labels_changed": 0,
                                "unchanged": 1}
    assert report["examples"]["newly_pinned"][0]["pins_after"] == ["liquor"]
    assert report["examples"]["unpinned"][0]["text"] == texts[1]
    assert proposals.store.get("liquor") is None  # a preview writes nothing


def test_a_preview_leaves_the_semantic_retrieval_out(proposals):
    from plugin.rumors.semantic import SemanticConfirm
    from tests.plugin.rumors.test_semantic import BY_COSINE, TableEmbedder

    class Recording(TableEmbedder):
        def query(self, text):
            raise AssertionError(f"a preview embedded {text!r}")

        def passages(self, texts):
            raise AssertionError("a preview embedded the claims")

    proposals.bootstrap(SEED, actor="bootstrap:ops")
    live = RumorIndex.from_store(proposals.store, semantic=SemanticConfirm(Recording({}), retrieval=BY_COSINE))
    pid = proposals.propose([NEW], author="ed")
    report = proposals.preview(pid, live, ["喝白酒能杀死新冠病毒吗", "今天天气怎么样", "小男孩的尿能防新冠"])
    assert report["semantic_retrieval_compared"] is False and report["counts"]["newly_pinned"] == 1


def test_proposals_beside_another_backend_publish_into_it(tmp_path, monkeypatch):
    """A backend outside the proposals' database (a search-engine index; here a store in another file): the
    proposals and audit stay in ``db``, publishing writes the backend, and a failed write leaves the proposal
    open with a ``publish_failed`` audit row (the backend may hold part of it), to be published again."""
    from plugin.rumors import RumorStore

    backend = RumorStore(tmp_path / "cluster.db")
    p = RumorProposals(backend, db=tmp_path / "service.db")
    try:
        assert not p.embedded
        p.bootstrap(SEED, actor="bootstrap:ops")
        with pytest.raises(StoreError, match="holds 1 rumours"):
            p.bootstrap([NEW], actor="bootstrap:ops")
        pid = p.propose([NEW], author="ed", removals=["garlic"])
        assert backend.get("liquor") is None
        report = p.preview(pid, None, ["喝白酒能杀死新冠病毒吗"])
        assert report["pins_compared"] is False and report["counts"] is None
        assert report["rumors"]["added"] == ["liquor"] and report["rumors"]["removed"] == ["garlic"]
        with pytest.raises(FourEyesError):
            p.publish(pid, approver="ed")

        def refused(_rumors: object) -> object:
            raise OSError("cluster unreachable")

        monkeypatch.setattr(backend, "upsert", refused)
        with pytest.raises(OSError, match="unreachable"):
            p.publish(pid, approver="ann")
        assert p.proposal(pid)["status"] == "proposed" and backend.get("garlic") is not None
        events = p.audit()
        assert [e["event"] for e in events] == ["bootstrap", "propose", "publish_failed"]  # said, not hidden
        assert "cluster unreachable" in events[-1]["detail"]["error"] and events[-1]["actor"] == "ann"
        monkeypatch.undo()
        done = p.publish(pid, approver="ann")
        assert done["stats"] == {"inserted": 1, "updated": 0, "unchanged": 0, "removed": 1}
        assert backend.get("liquor") is not None and backend.get("garlic") is None
        assert [e["event"] for e in p.audit()] == ["bootstrap", "propose", "publish_failed", "publish"]
    finally:
        p.close()
        backend.close()


def test_proposals_beside_another_backend_need_a_database():
    class Cluster:  # any backend that is not a RumorStore (nothing else is looked at)
        pass

    with pytest.raises(ValueError, match="need a database"):
        RumorProposals(Cluster())  # type: ignore[arg-type]


def test_a_command_line_beside_a_search_engine_service_cannot_publish_or_bootstrap(tmp_path):
    """The serving service records where its proposals publish (``claim``); a command line opening the same
    database for the embedded store is refused instead of filling a table nobody reads."""
    from plugin.rumors import RumorStore

    cluster = RumorStore(tmp_path / "cluster.db")  # stands in for the search-engine index
    service = RumorProposals(cluster, db=tmp_path / "service.db", claim=True)
    pid = service.propose([NEW], author="ed")
    cli = RumorProposals.open(tmp_path / "service.db")
    try:
        with pytest.raises(StoreError, match="published into the search-engine index"):
            cli.publish(pid, approver="ann")
        with pytest.raises(StoreError, match="published into the search-engine index"):
            cli.bootstrap([NEW], actor="bootstrap:root")
        assert cli.proposal(pid)["status"] == "proposed" and cli.store.get("liquor") is None
        assert service.publish(pid, approver="ann")["status"] == "published"
        assert cluster.get("liquor") is not None
    finally:
        cli.close()
        service.close()
        cluster.close()


@pytest.mark.parametrize("rid, message", [
    ("x" * 201, "1-200 characters"),
    ("谣" * 171, "512 UTF-8 bytes"),
    ("_qinglang_revision", "reserved"),
])
def test_rumour_ids_every_backend_can_store_and_remove(proposals, rid, message):
    with pytest.raises(InputError, match=message):
        proposals.propose([_rumor(rid, "吃大蒜可以预防新冠病毒感染")], author="ed")
    with pytest.raises(InputError, match=message):
        proposals.propose([], author="ed", removals=[rid])
    assert proposals.proposals() == []


def test_line_separators_inside_a_rumour_survive_the_proposal(proposals):
    odd = Rumor(id="odd\u2029id", claim="喝白酒\u0085可以杀死病毒", status=RumorStatus.FALSE,
                refutations=(Refutation(title="x\u2028y"),))
    pid = proposals.propose([odd], author="ed")
    rumors, _ = proposals.content(pid)
    assert rumors == [odd]
    assert proposals.publish(pid, approver="ann")["stats"]["inserted"] == 1


def test_a_slow_backend_write_holds_no_database_lock(tmp_path, monkeypatch):
    """Beside a search-engine backend the cluster is written with no database transaction open: the service's
    other writers (here a new proposal) go on while a publication waits for the cluster."""
    import threading

    from plugin.rumors import RumorStore

    cluster = RumorStore(tmp_path / "cluster.db")
    p = RumorProposals(cluster, db=tmp_path / "service.db", claim=True)
    pid = p.propose([NEW], author="ed")
    other_writer_done, writing = threading.Event(), threading.Event()
    real_upsert = cluster.upsert

    def slow_upsert(rumors):
        writing.set()
        if not other_writer_done.wait(10):
            raise TimeoutError("the other writer was blocked by the publication")
        return real_upsert(rumors)

    monkeypatch.setattr(cluster, "upsert", slow_upsert)
    result = {}
    publisher = threading.Thread(target=lambda: result.setdefault("done", p.publish(pid, approver="ann")))
    publisher.start()
    try:
        assert writing.wait(10)
        p.propose([_rumor("other", "某市下周全面封城")], author="eve")  # a database write meanwhile
        other_writer_done.set()
    finally:
        other_writer_done.set()
        publisher.join(20)
    assert result["done"]["status"] == "published" and cluster.get("liquor") is not None
    p.close()
    cluster.close()


def test_a_proposal_made_before_another_publication_of_its_rumours_is_refused(proposals):
    """Publishing a stale proposal silently undid a newer publication of the same rumours (a removal, a corrected
    refutation) that its approver may never have previewed against: refused as a conflict, as a lexicon draft on
    an older version is; proposals touching other rumours, or made after that publication, are published."""
    proposals.bootstrap(SEED, actor="bootstrap:ops")
    stale = proposals.propose([_rumor("garlic", "吃大蒜可以预防新冠病毒和流感")], author="ed")
    other = proposals.propose([NEW], author="eve")
    newer = proposals.propose([], author="eve", removals=["garlic"])
    proposals.publish(newer, approver="ann")
    with pytest.raises(ConflictError, match=f"#{newer} was published, which also changed garlic"):
        proposals.publish(stale, approver="ann")
    assert proposals.store.get("garlic") is None and proposals.proposal(stale)["status"] == "proposed"
    assert proposals.publish(other, approver="ann")["status"] == "published"
    again = proposals.propose([_rumor("garlic", "吃大蒜可以预防新冠病毒和流感")], author="ed")
    assert proposals.publish(again, approver="ann")["stats"]["inserted"] == 1
