"""The model store: proposals validated on the way in, four-eyes publish, versions, rollback, reload."""

from __future__ import annotations

from pathlib import Path

import pytest

from plugin.errors import InputError
from plugin.live import LiveMatcher
from plugin.scoring.model import model_bytes
from plugin.scoring.store import ModelStore
from plugin.store import StoreConfig
from plugin.store.actor import Actor
from plugin.store.errors import AuthError, FourEyesError, NotFoundError, StoreError
from plugin.store.reload import VersionPoller
from tests.spam_models import hand_model

GAMBLING_ONLY = {"网赌": ("gambling", 12.0)}


@pytest.fixture()
def store(db_target: str) -> ModelStore:
    """A model store on each backend (SQLite, then PostgreSQL)."""
    s = ModelStore(db_target, StoreConfig(reload_interval=0.05))
    yield s
    s.close()


def _propose(store: ModelStore, author: str = "ed", **kw: object) -> int:
    card, weights = model_bytes(hand_model(**kw))  # type: ignore[arg-type]
    return store.propose(card, weights, author=author, note="test")


def test_a_proposal_is_validated_and_stored(store: ModelStore) -> None:
    card, weights = model_bytes(hand_model())
    with pytest.raises(InputError, match="content_sha256"):
        store.propose(card, model_bytes(hand_model(GAMBLING_ONLY))[1], author="ed")  # another model's weights
    with pytest.raises(InputError, match="not a valid weights file"):
        store.propose(card, weights[:-40], author="ed")
    with pytest.raises(InputError, match="not valid JSON"):
        store.propose(b"{nope", weights, author="ed")
    with pytest.raises(StoreError, match="author name is required"):
        store.propose(card, weights, author=" ")
    pid = store.propose(card, weights, author="ed", note="first")
    info = store.proposal(pid)
    assert info["status"] == "proposed" and info["author"] == "ed" and info["model_version"].startswith("hand@")
    assert store.proposal_scorer(pid).score("网赌", "title").flagged
    assert store.live_version() is None
    with pytest.raises(NotFoundError):
        store.build_scorer()


def test_publish_needs_another_identity(store: ModelStore) -> None:
    pid = _propose(store)
    with pytest.raises(FourEyesError):
        store.publish(pid, approver="ED")  # the same person, whatever the case
    assert store.publish(pid, approver="ann") == 1
    v = store.version_info(1)
    assert (v["author"], v["approver"], v["approval"], v["kind"]) == ("ed", "ann", "four-eyes", "publish")
    with pytest.raises(StoreError, match="published"):
        store.publish(pid, approver="ann")
    alone = ModelStore(store.db, StoreConfig(four_eyes=False))
    assert alone.publish(_propose(alone), approver="ed") == 2 and alone.version_info(2)["approval"] == "self"
    with pytest.raises(AuthError):
        store.publish(_propose(store), approver=Actor.single("root"))
    with pytest.raises(StoreError, match="reserved"):
        store.publish(_propose(store), approver="single-operator:root")


def test_versions_reload_and_roll_back(store: ModelStore) -> None:
    first = store.publish(_propose(store), approver="ann")
    second = store.publish(_propose(store, seeded=GAMBLING_ONLY, name="gamble"), approver="ann")
    assert store.build_scorer().version.startswith("gamble@")
    live = LiveMatcher(store.build_scorer(first), str(first))
    poller = VersionPoller(store, live, build=store.build_scorer, what="model")
    assert poller.check_once() and live.version == str(second) and not poller.check_once()
    with pytest.raises(StoreError, match="already live"):
        store.request_rollback(second, author="ed")
    rid = store.request_rollback(first, author="ed")
    assert store.proposal(rid)["kind"] == "rollback" and store.proposal(rid)["rollback_of"] == first
    with pytest.raises(FourEyesError):
        store.publish(rid, approver="ed")
    third = store.publish(rid, approver="ann")
    assert store.version_info(third)["kind"] == "rollback" and store.version_info(third)["rollback_of"] == first
    assert poller.check_once() and live.current().version == store.build_scorer(first).version
    assert [v["number"] for v in store.versions()] == [3, 2, 1]


def test_discard(store: ModelStore) -> None:
    pid = _propose(store)
    store.discard(pid, by="eve")
    assert store.proposal(pid)["status"] == "discarded" and store.proposals() == []
    assert store.proposal(pid)["discarded_by"] == "eve"  # who abandoned it stays on record
    with pytest.raises(StoreError):
        store.publish(pid, approver="ann")
    with pytest.raises(NotFoundError):
        store.discard(999, by="eve")
