"""The matrix history in the shared database (SQLite and PostgreSQL): detectors of different processes /
replicas see each other's batches; the window and the per-owner / MCN bound apply; old rows are pruned."""

from __future__ import annotations

import datetime as dt

from plugin.review import Candidate
from plugin.review.matrix_store import MatrixHistoryStore, SharedMatrixDetector
from tests.candidates import candidate

NOW = dt.datetime(2026, 11, 21, 12, 0, tzinfo=dt.timezone.utc)


def _cand(cid: str, title: str, account: str, **acct: str) -> Candidate:
    return Candidate.model_validate(candidate(id=cid, title=title, account={"id": account, "name": account, **acct}))


def _detector(db: str, **kw) -> SharedMatrixDetector:
    return SharedMatrixDetector(MatrixHistoryStore(db), **kw)


def test_a_matrix_spread_over_two_replicas_links(db_target: str) -> None:
    a, b = _detector(db_target), _detector(db_target)  # two processes, one database
    first = _cand("c1", "某地商场发生火灾现场浓烟滚滚", "acct-1", mcn="星火ＭＣＮ")
    assert a.find([first], NOW) == [[]]
    a.remember([first], NOW, ["rv_1"])
    twin = _cand("c2", "某地商场发生火灾，现场浓烟滚滚！", "acct-2", mcn="星火mcn")
    (links,) = b.find([twin], NOW + dt.timedelta(minutes=5))
    assert [(l.candidate_id, l.account_id, l.shared, l.review_id, l.in_batch) for l in links] == \
        [("c1", "acct-1", "mcn", "rv_1", False)]
    other = _cand("c3", "某地商场发生火灾现场浓烟滚滚", "acct-3", mcn="别的机构")  # no shared MCN
    assert b.find([other], NOW) == [[]]
    same_account = _cand("c4", "某地商场发生火灾现场浓烟滚滚", "acct-1", mcn="星火MCN")
    assert b.find([same_account], NOW) == [[]]
    assert len(b) == 1


def test_window_bound_and_pruning(db_target: str) -> None:
    d = _detector(db_target, history_hours=1.0, group_scan=2)
    old = _cand("old", "某地商场发生火灾现场浓烟滚滚", "acct-1", owner_id="owner-9")
    d.remember([old], NOW - dt.timedelta(hours=2), ["rv_old"])
    twin = _cand("new", "某地商场发生火灾现场浓烟滚滚", "acct-2", owner_id="OWNER-9 ")
    assert d.find([twin], NOW) == [[]]  # outside the window
    for i in range(3):  # the newest two of the owner are compared: the oldest of these three is not
        d.remember([_cand(f"r{i}", "某地商场发生火灾现场浓烟滚滚" if i == 0 else f"无关标题第{i}条消息内容",
                          f"acct-{10 + i}", owner_id="owner-9")], NOW - dt.timedelta(minutes=30 - i), [f"rv_{i}"])
    assert d.find([twin], NOW) == [[]]
    d.remember([_cand("r9", "某地商场发生火灾现场浓烟滚滚", "acct-19", owner_id="owner-9")], NOW, ["rv_9"])
    assert [l.review_id for l in d.find([twin], NOW)[0]] == ["rv_9"]
    assert d.history.prune(NOW - dt.timedelta(hours=1)) == 1 and len(d) == 4
