"""Persistence of reviews (SQLite or PostgreSQL, :mod:`plugin.db`): automatic decisions, the manual review queue and the audit trail.

Tables (prefix ``review_``), all append-only — database triggers abort any UPDATE or DELETE:

- ``review_runs``       one row per reviewed batch (time, lexicon version, size)
- ``review_items``      one row per reviewed candidate: the candidate, the decision, the rule results
                        and the lexicon version; ``queued`` = 1 when it went to manual review
- ``review_decisions``  at most one human decision per item: who, when, why
- ``review_requeues``   at most one per item: an automatically decided item sent to manual review
                        later, because a newer item turned out to be its matrix near-duplicate
- ``review_audit``      every event (automatic decision, requeue, human decision) in order

An item's status is derived: ``pending`` (queued or requeued, no human decision), ``decided`` (human
decision) or ``auto`` (neither). A batch, its requeues and its audit rows are written in one transaction.
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
import uuid
from pathlib import Path
from typing import Any, Sequence

from ..db import Database, Row, append_only, integrity_errors, open_database
from ..errors import GuardError
from .models import DECISIONS, Candidate, ReviewResult

__all__ = ["HUMAN_DECISIONS", "REQUEUE_DECISIONS", "ReviewConflict", "ReviewNotFound", "ReviewStore", "STATUSES"]

#: Decisions a reviewer may take (``review`` would send the item back to the queue it is in).
HUMAN_DECISIONS = tuple(d for d in DECISIONS if d != "review")
STATUSES = ("pending", "decided", "auto", "all")

_SCHEMA_V1 = """
CREATE TABLE review_runs (
    id INTEGER PRIMARY KEY,
    created_at TEXT NOT NULL,
    lexicon_version TEXT NOT NULL,
    candidate_count INTEGER NOT NULL
);
CREATE TABLE review_items (
    id TEXT PRIMARY KEY,
    run_id INTEGER NOT NULL REFERENCES review_runs(id),
    candidate_id TEXT NOT NULL,
    candidate_json TEXT NOT NULL,
    decision TEXT NOT NULL,
    result_json TEXT NOT NULL,
    rule_results_json TEXT NOT NULL,
    lexicon_version TEXT NOT NULL,
    created_at TEXT NOT NULL,
    queued INTEGER NOT NULL
);
CREATE INDEX review_items_queue ON review_items(queued, created_at);
CREATE INDEX review_items_created ON review_items(created_at);
CREATE INDEX review_items_candidate ON review_items(candidate_id);
CREATE TABLE review_decisions (
    id INTEGER PRIMARY KEY,
    item_id TEXT NOT NULL UNIQUE REFERENCES review_items(id),
    decision TEXT NOT NULL,
    reviewer TEXT NOT NULL,
    note TEXT NOT NULL,
    decided_at TEXT NOT NULL
);
CREATE TABLE review_audit (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    at TEXT NOT NULL,
    actor TEXT NOT NULL,
    event TEXT NOT NULL,
    item_id TEXT,
    payload_json TEXT NOT NULL
)
"""

_SCHEMA_V2 = """
CREATE TABLE review_requeues (
    id INTEGER PRIMARY KEY,
    item_id TEXT NOT NULL UNIQUE REFERENCES review_items(id),
    by_item_id TEXT NOT NULL REFERENCES review_items(id),
    reason TEXT NOT NULL,
    requeued_at TEXT NOT NULL
)
"""

#: PostgreSQL has no rowid: review_items get an identity column of that name (the insertion order).
_SCHEMA_V1_PG = _SCHEMA_V1.replace("    queued INTEGER NOT NULL\n);",
                                   "    queued INTEGER NOT NULL,\n    rowid BIGINT GENERATED ALWAYS AS IDENTITY\n);")
assert _SCHEMA_V1_PG != _SCHEMA_V1

_APPEND_ONLY = ("review_runs", "review_items", "review_decisions", "review_audit", "review_requeues")

#: Automatic decisions a later matrix near-duplicate sends back to manual review (a rejected item is
#: already off the list; queued and decided items have had, or will get, a person's look).
REQUEUE_DECISIONS = frozenset({"approve", "approve_with_labels", "limit"})

#: WHERE clauses of the derived statuses (``i`` items, ``d`` decisions, ``q`` requeues).
_STATUS_WHERE = {
    "pending": " WHERE (i.queued = 1 OR q.id IS NOT NULL) AND d.id IS NULL",
    "decided": " WHERE d.id IS NOT NULL",
    "auto": " WHERE i.queued = 0 AND q.id IS NULL AND d.id IS NULL",
    "all": "",
}
_JOINS = " LEFT JOIN review_decisions d ON d.item_id = i.id LEFT JOIN review_requeues q ON q.item_id = i.id"


class ReviewNotFound(GuardError, KeyError):
    """No review item with that id."""


class ReviewConflict(GuardError):
    """The item cannot take a human decision (already decided, or never queued)."""


def _now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


def _iso(t: dt.datetime) -> str:
    return t.astimezone(dt.timezone.utc).isoformat(timespec="microseconds")


def _dumps(obj: Any) -> str:
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":"), default=str)


class ReviewStore:
    """Review records in the service's database (thread-safe). A human decision is taken at most once per
    item across every process and replica: the item's row is locked (PostgreSQL ``FOR UPDATE``; SQLite's
    write lock) and ``review_decisions.item_id`` is unique."""

    def __init__(self, db: str | Path | sqlite3.Connection | Database) -> None:
        self.db = open_database(db)
        self._owned = not isinstance(db, Database)  # a database passed in is closed by its owner
        self.db.migrate("review", [{"sqlite": _SCHEMA_V1, "postgresql": _SCHEMA_V1_PG}, _SCHEMA_V2])
        append_only(self.db, _APPEND_ONLY)

    @property
    def conn(self) -> sqlite3.Connection:
        """The raw SQLite connection (SQLite only; tests and tools inspect it)."""
        raw = getattr(self.db, "raw", None)
        if not isinstance(raw, sqlite3.Connection):
            raise TypeError("the review store is not on SQLite")
        return raw

    def close(self) -> None:
        if self._owned:
            self.db.close()

    # -- automatic decisions ---------------------------------------------------------------

    def record_batch(
        self,
        candidates: Sequence[Candidate],
        results: Sequence[ReviewResult],
        *,
        lexicon_version: str,
        at: dt.datetime | None = None,
        submitted_by: str | None = None,
    ) -> list[str]:
        """Store a reviewed batch in one transaction; returns the new item ids (same order). ``submitted_by``
        (the name of the caller's verified token, when the route needs one) is kept in each automatic
        decision's audit row.

        Items named in a result's ``linked_review_ids`` (earlier items this candidate is a matrix
        near-duplicate of) are sent to the manual queue too, when their automatic decision let them
        through (:data:`REQUEUE_DECISIONS`) and they are not queued, requeued or decided already; one
        ``review_requeues`` row and one ``requeued`` audit event each, never a second queue row."""
        if len(candidates) != len(results):
            raise ValueError("candidates and results differ in length")
        at_s = _iso(at or _now())
        ids = [f"rv_{uuid.uuid4().hex[:16]}" for _ in candidates]
        rows = []
        audit = []
        for item_id, cand, res in zip(ids, candidates, results):
            queued = 1 if res.decision == "review" else 0
            result = res.to_dict()
            rows.append((
                item_id, str(cand.id), cand.model_dump_json(), res.decision, _dumps(result),
                _dumps(list(res.rule_results)), lexicon_version, at_s, queued,
            ))
            audit.append((at_s, "system", "auto_decision", item_id, _dumps({
                "candidate_id": str(cand.id), "decision": res.decision, "queued": bool(queued),
                "lexicon_version": lexicon_version, "rules": [r.rule for r in res.reasons],
                **({"submitted_by": submitted_by} if submitted_by else {}),
            })))
        with self.db.transaction(write=True) as tx:
            run_id = tx.execute(
                "INSERT INTO review_runs (created_at, lexicon_version, candidate_count) VALUES (?, ?, ?) RETURNING id",
                (at_s, lexicon_version, len(candidates)),
            ).fetchone()[0]
            tx.executemany(
                "INSERT INTO review_items (id, run_id, candidate_id, candidate_json, decision, result_json,"
                " rule_results_json, lexicon_version, created_at, queued) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [(r[0], run_id, *r[1:]) for r in rows],
            )
            tx.executemany(
                "INSERT INTO review_audit (at, actor, event, item_id, payload_json) VALUES (?, ?, ?, ?, ?)", audit
            )
            self._requeue_linked(tx, ids, candidates, results, at_s)
        return ids

    def _requeue_linked(self, tx: Any, ids: Sequence[str], candidates: Sequence[Candidate],
                        results: Sequence[ReviewResult], at_s: str) -> None:
        """Inside record_batch's transaction: requeue the earlier items the new ones are linked to."""
        done: set[str] = set()
        for item_id, cand, res in zip(ids, candidates, results):
            for target in getattr(res, "linked_review_ids", ()) or ():
                if target in done or target in ids:
                    continue
                tx.execute("SELECT id FROM review_items WHERE id = ?" + self.db.for_update, (target,))
                row = tx.execute(
                    "SELECT i.queued, i.decision, i.candidate_id, d.id AS decided, q.id AS requeued FROM review_items i"
                    + _JOINS + " WHERE i.id = ?", (target,)
                ).fetchone()
                if row is None or row["queued"] or row["decided"] is not None or row["requeued"] is not None \
                        or row["decision"] not in REQUEUE_DECISIONS:
                    continue
                done.add(target)
                reason = (f"matrix near-duplicate: candidate {cand.id!s} (review {item_id}) from an account sharing "
                          f"its owner / MCN; automatic decision was {row['decision']}")
                tx.execute(
                    "INSERT INTO review_requeues (item_id, by_item_id, reason, requeued_at) VALUES (?, ?, ?, ?)",
                    (target, item_id, reason, at_s),
                )
                tx.execute(
                    "INSERT INTO review_audit (at, actor, event, item_id, payload_json) VALUES (?, ?, ?, ?, ?)",
                    (at_s, "system", "requeued", target, _dumps({
                        "candidate_id": row["candidate_id"], "by_item_id": item_id, "by_candidate_id": str(cand.id),
                        "reason": reason, "automatic_decision": row["decision"],
                    })),
                )

    # -- the queue and human decisions -------------------------------------------------------

    _SELECT = (
        "SELECT i.id, i.candidate_id, i.candidate_json, i.decision, i.result_json, i.rule_results_json,"
        " i.lexicon_version, i.created_at, i.queued, d.decision AS human_decision, d.reviewer, d.note,"
        " d.decided_at, q.by_item_id AS requeued_by, q.reason AS requeue_reason, q.requeued_at"
        " FROM review_items i" + _JOINS
    )

    @staticmethod
    def _item(row: Row) -> dict[str, Any]:
        if row["human_decision"] is not None:
            status = "decided"
        else:
            status = "pending" if row["queued"] or row["requeued_by"] is not None else "auto"
        human = None
        if row["human_decision"] is not None:
            human = {"decision": row["human_decision"], "reviewer": row["reviewer"], "note": row["note"],
                     "decided_at": row["decided_at"]}
        result = json.loads(row["result_json"])
        return {
            "id": row["id"],
            "candidate_id": row["candidate_id"],
            "status": status,
            "decision": human["decision"] if human else row["decision"],
            "automatic": {
                "decision": row["decision"],
                "reasons": result.get("reasons", []),
                "required_labels": result.get("required_labels", []),
                "refutations": result.get("refutations", []),
                "freeze_interactions": result.get("freeze_interactions", False),
                "rule_results": json.loads(row["rule_results_json"]),
                "lexicon_version": row["lexicon_version"],
                "decided_at": row["created_at"],
            },
            "human": human,
            "requeued": None if row["requeued_by"] is None else {
                "by_item_id": row["requeued_by"], "reason": row["requeue_reason"], "at": row["requeued_at"]},
            "candidate": json.loads(row["candidate_json"]),
            "created_at": row["created_at"],
        }

    def list_items(self, status: str = "pending", *, limit: int = 100, offset: int = 0) -> list[dict[str, Any]]:
        """Items by status, oldest first (the queue order)."""
        if status not in STATUSES:
            raise ValueError(f"unknown status {status!r}; expected one of {', '.join(STATUSES)}")
        where = _STATUS_WHERE[status]
        rows = self.db.execute(self._SELECT + where + " ORDER BY i.created_at, i.rowid LIMIT ? OFFSET ?",
                               (limit, offset))
        return [self._item(r) for r in rows]

    def count(self, status: str = "pending") -> int:
        where = _STATUS_WHERE[status]
        return int(self.db.execute("SELECT COUNT(*) FROM review_items i" + _JOINS + where)[0][0])

    def get(self, item_id: str) -> dict[str, Any]:
        rows = self.db.execute(self._SELECT + " WHERE i.id = ?", (item_id,))
        if not rows:
            raise ReviewNotFound(item_id)
        return self._item(rows[0])

    def decide(self, item_id: str, *, decision: str, reviewer: str, note: str,
               at: dt.datetime | None = None, actor: str | None = None) -> dict[str, Any]:
        """Record a human decision on a pending item (with its audit row, in one transaction).
        ``reviewer`` is the identity the caller authenticated (the service passes the name of the
        request's API token, never a request field); ``actor`` is how it was authenticated for the
        audit row, e.g. ``token:<name>`` (default: the reviewer)."""
        if decision not in HUMAN_DECISIONS:
            raise ValueError(f"decision must be one of {', '.join(HUMAN_DECISIONS)}")
        if not reviewer.strip():
            raise ValueError("reviewer must not be empty")
        at_s = _iso(at or _now())
        try:
            self._decide(item_id, decision, reviewer, note, at_s, actor)
        except integrity_errors() as exc:  # another process decided it between our check and our insert
            raise ReviewConflict(f"review {item_id} was already decided") from exc
        return self.get(item_id)

    def _decide(self, item_id: str, decision: str, reviewer: str, note: str, at_s: str, actor: str | None) -> None:
        with self.db.transaction(write=True) as tx:
            # lock the item's row: concurrent decisions on one item, from any replica, queue up here
            tx.execute("SELECT id FROM review_items WHERE id = ?" + self.db.for_update, (item_id,))
            row = tx.execute(
                "SELECT i.queued, i.decision, d.reviewer, d.decided_at, q.id AS requeued FROM review_items i"
                + _JOINS + " WHERE i.id = ?", (item_id,)
            ).fetchone()
            if row is None:
                raise ReviewNotFound(item_id)
            if row["decided_at"] is not None:
                raise ReviewConflict(f"review {item_id} was already decided by {row['reviewer']} at {row['decided_at']}")
            if not row["queued"] and row["requeued"] is None:
                raise ReviewConflict(f"review {item_id} is not in the manual review queue (automatic decision {row['decision']})")
            tx.execute(
                "INSERT INTO review_decisions (item_id, decision, reviewer, note, decided_at) VALUES (?, ?, ?, ?, ?)",
                (item_id, decision, reviewer, note, at_s),
            )
            tx.execute(
                "INSERT INTO review_audit (at, actor, event, item_id, payload_json) VALUES (?, ?, ?, ?, ?)",
                (at_s, actor or reviewer, "human_decision", item_id,
                 _dumps({"decision": decision, "reviewer": reviewer, "note": note,
                         "automatic_decision": row["decision"]})),
            )

    # -- audit and history ---------------------------------------------------------------------

    def audit(self, *, item_id: str | None = None, after: int = 0, limit: int = 1000) -> list[dict[str, Any]]:
        """Audit events in order (``after``: sequence number to continue from)."""
        sql = "SELECT seq, at, actor, event, item_id, payload_json FROM review_audit WHERE seq > ?"
        args: list[Any] = [after]
        if item_id is not None:
            sql += " AND item_id = ?"
            args.append(item_id)
        sql += " ORDER BY seq LIMIT ?"
        args.append(limit)
        rows = self.db.execute(sql, args)
        return [
            {"seq": r["seq"], "at": r["at"], "actor": r["actor"], "event": r["event"], "item_id": r["item_id"],
             "payload": json.loads(r["payload_json"])}
            for r in rows
        ]

    def recent_candidates(self, *, since: dt.datetime, limit: int) -> list[tuple[Candidate, dt.datetime]]:
        """Candidates reviewed since ``since`` (newest ``limit``, returned oldest first), for the matrix history."""
        return [(c, at) for c, at, _ in self.recent_items(since=since, limit=limit)]

    def recent_items(self, *, since: dt.datetime, limit: int) -> list[tuple[Candidate, dt.datetime, str]]:
        """Like :meth:`recent_candidates`, with each item's id: ``(candidate, created_at, item_id)``."""
        rows = self.db.execute(
            "SELECT id, candidate_json, created_at FROM review_items WHERE created_at >= ?"
            " ORDER BY created_at DESC, rowid DESC LIMIT ?", (_iso(since), limit))
        out = []
        for r in reversed(rows):
            try:
                out.append((Candidate.model_validate_json(r["candidate_json"]), dt.datetime.fromisoformat(r["created_at"]),
                            r["id"]))
            except ValueError:  # a row written by an older schema of the candidate: skip it
                continue
        return out
