"""Two service processes (replicas) on one PostgreSQL: a publish through one is served by the other within
seconds; concurrent decisions on one queue item through both: exactly one wins; a matrix spread over the
two links; a replica killed mid-publish leaves the store consistent and the other replica serving."""

from __future__ import annotations

import signal
import threading
import time

import httpx
import pytest

from plugin.store import LexiconStore, TokenStore
from tests.candidates import candidate
from tests.service.replica import replicas
from tests.service.server import free_port
from tests.store_config import LEXICONS, make_config


def _wait(cond, timeout: float = 60.0) -> bool:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if cond():
            return True
        time.sleep(0.1)
    return cond()


def _check(url: str, text: str = "线上棋牌开局") -> dict:
    return httpx.post(url + "/v1/query/check", json={"query": text}, timeout=10).json()


def _version(url: str) -> str:
    return _check(url)["lexicon_version"]


@pytest.fixture
def two(pg_url: str):
    store = LexiconStore(pg_url, make_config())
    store.ensure_seeded()  # version 1 from the small test lexicons
    store.load_or_build_matcher(1)  # its artefact: the replicas load it instead of compiling (faster start)
    tokens = TokenStore(pg_url)
    h = {name: {"Authorization": f"Bearer {tokens.create(name, role)[1]}"}
         for name, role in (("ed", "editor"), ("ann", "approver"), ("adm", "admin"), ("rev1", "reviewer"),
                            ("rev2", "reviewer"))}
    common = {"QINGLANG_DB_PATH": pg_url, "QINGLANG_BUNDLED_PATHS": ",".join(LEXICONS),
              "QINGLANG_RELOAD_INTERVAL": "30", "QINGLANG_PROTECT_REVIEWS": "true"}
    envs = [{**common, "QINGLANG_PORT": str(free_port())},
            {**common, "QINGLANG_PORT": str(free_port()), "QINGLANG_STORE_FAULT": "publish:before_commit"}]
    with replicas(envs, timeout=180) as procs:
        yield store, h, procs


def _draft(url: str, h: dict, term: str) -> tuple[int, int]:
    cs = httpx.post(url + "/v1/admin/changesets", json={"note": term}, headers=h["ed"]).json()["id"]
    r = httpx.post(url + f"/v1/admin/changesets/{cs}/changes", headers=h["ed"],
                   json={"op": "add", "entry": {"term": term, "category": "gambling", "action": "block"}})
    return cs, r.json()["revision"]


def test_two_replicas_share_one_postgresql(two) -> None:
    store, h, ((a, _), (b, proc_b)) = two
    assert _version(a) == _version(b) == "1"

    # publish through A: B serves it within seconds (woken by NOTIFY: its poll interval is 30 s)
    cs, rev = _draft(a, h, "线上棋牌")
    r = httpx.post(a + f"/v1/admin/changesets/{cs}/publish", json={"expected_revision": rev, "force": True},
                   headers=h["ann"], timeout=90)
    assert r.status_code == 200 and r.json()["number"] == 2
    assert _version(a) == "2"
    assert _wait(lambda: _version(b) == "2"), "replica B did not pick up version 2"
    hits = _check(b)["hits"]
    assert hits and hits[0]["term"] == "线上棋牌"
    rollout = httpx.get(a + "/v1/admin/rollout", headers=h["adm"]).json()
    assert _wait(lambda: httpx.get(a + "/v1/admin/rollout", headers=h["adm"]).json()["converged"])
    assert len([x for x in rollout["replicas"] if x["live"]]) == 2

    # concurrent decisions on one queued item, through both replicas: exactly one wins
    queued = candidate(id="q1", account={"id": "gov-1", "name": "某市公安局"})
    item = httpx.post(a + "/v1/trending/review", json={"candidates": [queued]}, headers=h["rev1"], timeout=30).json()["results"][0]
    assert item["decision"] == "review"
    codes: list[int] = []
    barrier = threading.Barrier(2)

    def decide(url: str, who: str) -> None:
        barrier.wait()
        codes.append(httpx.post(url + f"/v1/reviews/{item['review_id']}/decision", headers=h[who],
                                json={"decision": "reject", "note": who}, timeout=30).status_code)

    threads = [threading.Thread(target=decide, args=(u, w)) for u, w in ((a, "rev1"), (b, "rev2"))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(codes) == [200, 409]
    audit = httpx.get(a + f"/v1/reviews/{item['review_id']}/audit", headers=h["rev1"]).json()
    assert [e["event"] for e in audit["events"]] == ["auto_decision", "human_decision"]

    # a matrix spread over the two replicas links
    first = candidate(id="m1", title="某地商场发生火灾现场浓烟滚滚", account={"id": "acct-1", "name": "甲", "mcn": "星火MCN"})
    twin = candidate(id="m2", title="某地商场发生火灾，现场浓烟滚滚！", account={"id": "acct-2", "name": "乙", "mcn": "星火ＭＣＮ"})
    r1 = httpx.post(a + "/v1/trending/review", json={"candidates": [first]}, headers=h["rev1"], timeout=30).json()["results"][0]
    r2 = httpx.post(b + "/v1/trending/review", json={"candidates": [twin]}, headers=h["rev2"], timeout=30).json()["results"][0]
    assert r1["decision"] == "approve" and r2["decision"] == "review"
    requeued = httpx.get(a + f"/v1/reviews/{r1['review_id']}", headers=h["rev1"]).json()
    assert requeued["status"] == "pending" and requeued["requeued"]["by_item_id"] == r2["review_id"]

    # B dies (SIGKILL) in the middle of a publish: nothing of it is visible, A keeps serving, the draft publishes
    cs, rev = _draft(b, h, "百家乐园")
    with pytest.raises(httpx.HTTPError):
        httpx.post(b + f"/v1/admin/changesets/{cs}/publish", json={"expected_revision": rev, "force": True},
                   headers=h["ann"], timeout=90)
    assert proc_b.wait(10) == -signal.SIGKILL
    assert store.live_version() == 2 and store.changeset(cs)["status"] == "draft"
    assert _version(a) == "2"
    r = httpx.post(a + f"/v1/admin/changesets/{cs}/publish", json={"expected_revision": rev, "force": True},
                   headers=h["ann"], timeout=90)
    assert r.status_code == 200 and r.json()["number"] == 3 and _version(a) == "3"
    assert {"gambling:线上棋牌", "gambling:百家乐园"} <= {e.term_id for e in store.entries(3)}
