"""The review-queue loop: audit sampling of scored traffic (bounded), decisions exported as training rows
(rejections → positives with their category, approvals → hard negatives, unflagged audit texts → benign),
training on the export, and the weekly drift report."""

from __future__ import annotations

import json
import random
from pathlib import Path

from click.testing import CliRunner

from plugin import Guard, Matcher
from plugin.cli import cli
from plugin.lexicon import Entry
from plugin.review import Candidate, ReviewEngine
from plugin.review.store import ReviewStore
from plugin.scoring import SpamScorer
from plugin.scoring.data import read_labelled
from plugin.scoring.loop import AuditSampler, decision_rows, drift_report, export_decisions
from plugin.scoring.signal import ModelSignal
from plugin.scoring.store import ModelStore, Observation
from tests.candidates import NOW, candidate
from tests.spam_models import hand_model


def test_the_sampler_scores_a_random_share_and_keeps_the_newest(db_path: Path) -> None:
    store = ModelStore(db_path)
    scorer = SpamScorer(hand_model())
    sampler = AuditSampler(store, lambda: scorer, rate=1.0, limit=3)
    sampler([("query", "网赌上分"), ("suggestion", "天气"), ("candidate", "春季花展"), ("unknown", "x"),
             ("query", "今天新闻")])
    rows = store.observations()
    assert [o.text for o in rows] == ["天气", "春季花展", "今天新闻"]  # bounded: the newest 3 of 4 scored
    assert [o.surface for o in rows] == ["suggestion", "trending", "query"]
    assert not any(o.flagged for o in rows) and all(o.model_version.startswith("hand@") for o in rows)
    sampler([("query", "网赌上分")])
    assert store.observations(flagged=True)[0].text == "网赌上分"
    none = AuditSampler(store, lambda: scorer, rate=0.0, limit=10)
    none([("query", "a")] * 50)
    half = AuditSampler(store, lambda: scorer, rate=0.5, limit=1000, rng=random.Random(7))
    half([("query", f"文本{i}") for i in range(200)])
    assert 60 < half.recorded < 140
    AuditSampler(store, lambda: None, rate=1.0, limit=10)([("query", "no model")])  # no model: nothing


def _decided_queue(db_path: Path) -> ReviewStore:
    """Three queued trending items decided by a person: a gambling rejection, a rumour-like rejection
    without a spam category, and an approval."""
    matcher = Matcher.from_entries([Entry("上分", "gambling", action="review"),
                                    Entry("网传", "rumor_marker", action="review")])
    guard = Guard(matcher)
    cands = [Candidate.model_validate(candidate(id=f"c{i}", title=t, text=x))
             for i, (t, x) in enumerate([("棋牌上分秒到", "加我带你上分"), ("网传某地地震", ""),
                                         ("游戏上分攻略", "")])]
    results = ReviewEngine().review(cands, guard=guard, now=NOW)
    assert [r.decision for r in results] == ["review"] * 3
    reviews = ReviewStore(db_path)
    ids = reviews.record_batch(cands, results, lexicon_version="t", at=NOW)
    for item_id, decision in zip(ids, ["reject", "reject", "approve"]):
        reviews.decide(item_id, decision=decision, reviewer="rev", note="", at=NOW)
    return reviews


def test_decisions_become_labelled_rows(db_path: Path) -> None:
    reviews = _decided_queue(db_path)
    rows, counts = decision_rows(reviews.list_items("decided"))
    assert [(r["text"], r["label"], r["surface"], r["source"]) for r in rows] == [
        ("棋牌上分秒到", "gambling", "title", "queue_rejected"), ("加我带你上分", "gambling", "post", "queue_rejected"),
        ("游戏上分攻略", "benign", "title", "queue_approved")]
    assert counts["rejected_not_spam"] == 1 and rows[0]["date"] == NOW.date().isoformat()
    store = ModelStore(db_path)
    store.record_observations([Observation("2026-11-20T10:00:00+00:00", "query", t, 0.1, "fraud", f, "m@1")
                               for t, f in (("天气预报", False), ("刷单日结", True), ("游戏上分攻略", False))],
                              limit=100)
    rows, counts = export_decisions(reviews.list_items("decided"), store)
    assert [r["text"] for r in rows if r["source"] == "audit"] == ["天气预报"]  # unflagged, not already a row
    assert counts["audit"] == 1


def test_cli_export_decisions_writes_training_rows(db_path: Path, tmp_path: Path) -> None:
    _decided_queue(db_path).close()
    out = tmp_path / "rows.jsonl"
    r = CliRunner().invoke(cli, ["model", "export-decisions", "--db", str(db_path), "--out", str(out)])
    assert r.exit_code == 0, r.output
    assert "queue_rejected 1" in r.output and "rejected_not_spam 1" in r.output
    rows = read_labelled(out)  # the shape `qinglang model train` reads
    assert {(row.label, row.surface, row.source) for row in rows} == {
        ("gambling", "title", "queue_rejected"), ("gambling", "post", "queue_rejected"),
        ("benign", "title", "queue_approved")}
    bad = CliRunner().invoke(cli, ["model", "export-decisions", "--db", str(tmp_path / "none.db"), "--out", "x"])
    assert bad.exit_code == 2


def test_drift_per_week_and_surface(db_path: Path) -> None:
    obs = [Observation(f"2026-11-{d:02d}T08:00:00+00:00", s, "t", score, "fraud", score >= 0.5, "m@1")
           for d, s, score in ((16, "query", 0.1), (17, "query", 0.3), (18, "query", 0.9), (23, "query", 0.2),
                               (23, "trending", 0.05))]
    rep = drift_report(obs)
    assert [(r["week"], r["surface"], r["texts"]) for r in rep] == [
        ("2026-W47", "query", 3), ("2026-W48", "query", 1), ("2026-W48", "trending", 1)]
    first = rep[0]
    assert first["p50"] == 0.3 and first["p99"] == 0.9 and first["flagged_share"] == round(1 / 3, 4)
    store = ModelStore(db_path)
    store.record_observations(obs, limit=100)
    r = CliRunner().invoke(cli, ["model", "drift", "--db", str(db_path), "--json"])
    assert r.exit_code == 0 and json.loads(r.output) == rep
    table = CliRunner().invoke(cli, ["model", "drift", "--db", str(db_path)])
    assert "2026-W47" in table.output and "33.33%" in table.output


def test_service_style_sampler_sees_what_the_guard_scores(db_path: Path) -> None:
    """The sampler records the raw model flag on each surface's scorer thresholds (as the policy names)."""
    scorer = SpamScorer(hand_model())
    guard = Guard(Matcher.from_entries([]), signals=[ModelSignal(scorer)])
    store = ModelStore(db_path)
    AuditSampler(store, lambda: scorer, rate=1.0, limit=10, policy=guard.policy)([("query", "刷单日结")])
    (o,) = store.observations()
    assert o.flagged and guard.check("刷单日结", "query").action == "review" and o.category == "fraud"
