"""Model versions under four-eyes: propose (upload) → preview → publish by another identity → rollback.

All SQL of the model store is in this module (``model_*`` tables in the shared database of
:mod:`plugin.db`, SQLite or PostgreSQL, migrated with :meth:`plugin.db.Database.migrate`; plain portable SQL:
integers, text and one blob column).

- A **proposal** holds a model's card and weights as uploaded (validated on the way in with every
  check of :func:`plugin.scoring.model.load_model_bytes`) and its author. Proposals are immutable, so
  what an approver previewed is what goes live.
- **Publishing** a proposal makes it a new version (``number`` = live + 1). Under four-eyes
  (:attr:`plugin.store.StoreConfig.four_eyes`) the approver must not be the author; identities come
  from credentials exactly as for lexicon change-sets (:func:`plugin.store.actor.checked_actor`), and
  each version records how it was approved (``four-eyes``, ``self`` with four-eyes off, ``single-operator``).
- A **rollback** is a proposal too (kind ``rollback``, a copy of an earlier version's model), published
  by someone other than its requester.
- The live version is the highest number; services poll :meth:`ModelStore.live_version` and swap the
  scorer in (:class:`plugin.store.reload.VersionPoller` with :meth:`ModelStore.build_scorer`).

Interrupted writes leave nothing half-written: a proposal and a publish are one transaction each.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ContextManager, Sequence

from ..db import Database, Row, Tx, newest_rows, open_database
from ..errors import InputError, ModelError
from ..store.actor import Actor, approval_kind, checked_actor
from ..store.config import StoreConfig
from ..store.errors import NotFoundError, StoreError
from .model import LinearModel, load_model_bytes
from .scorer import SpamScorer

__all__ = ["MODEL_MIGRATIONS", "ModelStore", "Observation"]

log = logging.getLogger(__name__)

MODEL_MIGRATIONS = [
    """
    CREATE TABLE model_proposals (
        id                INTEGER PRIMARY KEY AUTOINCREMENT,
        kind              TEXT NOT NULL CHECK (kind IN ('upload', 'rollback')),
        author            TEXT NOT NULL,
        note              TEXT NOT NULL DEFAULT '',
        status            TEXT NOT NULL DEFAULT 'proposed' CHECK (status IN ('proposed', 'published', 'discarded')),
        model_version     TEXT NOT NULL,
        card              TEXT NOT NULL,
        weights           BLOB NOT NULL,
        rollback_of       INTEGER,
        created_at        TEXT NOT NULL,
        updated_at        TEXT NOT NULL,
        published_version INTEGER
    );
    CREATE TABLE model_versions (
        number         INTEGER PRIMARY KEY,
        proposal_id    INTEGER NOT NULL REFERENCES model_proposals(id),
        kind           TEXT NOT NULL CHECK (kind IN ('publish', 'rollback')),
        model_version  TEXT NOT NULL,
        author         TEXT NOT NULL,
        approver       TEXT NOT NULL,
        approval       TEXT NOT NULL,
        note           TEXT NOT NULL DEFAULT '',
        created_at     TEXT NOT NULL,
        rollback_of    INTEGER
    )
    """,
    # 2: scored texts the service saw (a random sample of every surface's traffic, flagged or not): the
    # drift report reads their scores, the decision export their unflagged texts (the audit sample)
    """
    CREATE TABLE model_observations (
        id             INTEGER PRIMARY KEY AUTOINCREMENT,
        at             TEXT NOT NULL,
        surface        TEXT NOT NULL,
        text           TEXT NOT NULL,
        score          REAL NOT NULL,
        category       TEXT NOT NULL,
        flagged        INTEGER NOT NULL,
        model_version  TEXT NOT NULL
    );
    CREATE INDEX model_observations_at ON model_observations(at)
    """,
    # 3: who discarded a proposal (a discard recorded nobody)
    """
    ALTER TABLE model_proposals ADD COLUMN discarded_by TEXT
    """,
]

@dataclass(frozen=True, slots=True)
class Observation:
    """One scored text the service saw: when, on which surface, the top category's score, whether it was
    over that surface's threshold, and the model that scored it."""

    at: str
    surface: str
    text: str
    score: float
    category: str
    flagged: bool
    model_version: str


_PROPOSAL_COLUMNS = ("id, kind, author, note, status, model_version, rollback_of, created_at, updated_at, "
                     "published_version, discarded_by")


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")


class ModelStore:
    """Model versions in the shared database (``model_*`` tables; its own connection, or a given
    :class:`~plugin.db.Database`); thread-safe, and writers are serialised across processes."""

    def __init__(self, db_path: str | Path | Database, config: StoreConfig | None = None) -> None:
        self.db = open_database(db_path)
        self._owned = not isinstance(db_path, Database)
        self.db_path = self.db.location if isinstance(db_path, Database) else str(db_path)
        self.config = config or StoreConfig()
        self.db.migrate("model", MODEL_MIGRATIONS)
        self._scorers: dict[int, SpamScorer] = {}

    def _tx(self) -> ContextManager[Tx]:
        return self.db.transaction(write=True, lock="model")

    def _read(self) -> ContextManager[Tx]:
        return self.db.transaction(write=False)

    def close(self) -> None:
        if self._owned:
            self.db.close()

    # ------------------------------------------------------------------ proposals

    def propose(self, card: bytes | str, weights: bytes, *, author: Actor | str, note: str = "") -> int:
        """Store an uploaded model (card JSON and weights-file bytes) as a proposal; returns its id.
        An invalid model raises :class:`~plugin.errors.InputError` naming what is wrong."""
        who = checked_actor(author, self.config, "author")
        raw_card = card.encode("utf-8") if isinstance(card, str) else bytes(card)
        model = self._validated(raw_card, bytes(weights))
        now = _now()
        with self._tx() as conn:
            cur = conn.execute(
                "INSERT INTO model_proposals (kind, author, note, model_version, card, weights, created_at, updated_at)"
                " VALUES ('upload', ?, ?, ?, ?, ?, ?, ?) RETURNING id",
                (who.name, note[:2000], model.card.version, raw_card.decode("utf-8"), bytes(weights), now, now))
            return int(cur.fetchone()[0])

    @staticmethod
    def _validated(card: bytes, weights: bytes) -> LinearModel:
        try:
            return load_model_bytes(card, weights, "uploaded model")
        except ModelError as exc:
            raise InputError(str(exc)) from None

    def proposal(self, proposal_id: int) -> dict[str, Any]:
        """A proposal's metadata (not its bytes)."""
        with self._read() as conn:
            return dict(self._proposal_row(conn, proposal_id))

    @staticmethod
    def _proposal_row(conn: Tx, proposal_id: int) -> Row:
        row: Row | None = conn.execute(
            f"SELECT {_PROPOSAL_COLUMNS} FROM model_proposals WHERE id = ?", (proposal_id,)).fetchone()
        if row is None:
            raise NotFoundError(f"no model proposal #{proposal_id}")
        return row

    def proposals(self, status: str | None = "proposed", limit: int = 100) -> list[dict[str, Any]]:
        """Proposals (default: open ones), newest first."""
        with self._read() as conn:
            return newest_rows(conn, "model_proposals", _PROPOSAL_COLUMNS, status, limit)

    def proposal_scorer(self, proposal_id: int) -> SpamScorer:
        """The scorer of a proposal (for its preview)."""
        with self._read() as conn:
            self._proposal_row(conn, proposal_id)
            row = conn.execute("SELECT card, weights FROM model_proposals WHERE id = ?", (proposal_id,)).fetchone()
        return SpamScorer(load_model_bytes(row["card"].encode("utf-8"), bytes(row["weights"]),
                                           f"model proposal #{proposal_id}"))

    def discard(self, proposal_id: int, by: Actor | str) -> None:
        """Abandon an open proposal (kept, marked discarded by ``by``, for the record)."""
        who = checked_actor(by, self.config, "discarded by")
        with self._tx() as conn:
            row = self._proposal_row(conn, proposal_id)
            if row["status"] != "proposed":
                raise StoreError(f"model proposal #{proposal_id} is {row['status']}")
            conn.execute("UPDATE model_proposals SET status = 'discarded', updated_at = ?, discarded_by = ? "
                         "WHERE id = ?", (_now(), who.name, proposal_id))

    # ------------------------------------------------------------------ versions

    def live_version(self) -> int | None:
        """The newest published model version (``None``: none published)."""
        row = self.db.execute("SELECT MAX(number) FROM model_versions")[0]
        return None if row[0] is None else int(row[0])

    def versions(self, limit: int = 100) -> list[dict[str, Any]]:
        """Published versions, newest first."""
        with self._read() as conn:
            rows = conn.execute("SELECT * FROM model_versions ORDER BY number DESC LIMIT ?", (limit,)).fetchall()
        return [dict(r) for r in rows]

    def version_info(self, number: int) -> dict[str, Any]:
        with self._read() as conn:
            row = conn.execute("SELECT * FROM model_versions WHERE number = ?", (number,)).fetchone()
        if row is None:
            raise NotFoundError(f"no model version {number}")
        return dict(row)

    def build_scorer(self, number: int | None = None) -> SpamScorer:
        """The scorer of version ``number`` (default: live); versions are immutable, so it is cached."""
        if number is None:
            number = self.live_version()
            if number is None:
                raise NotFoundError("no model version has been published yet")
        cached = self._scorers.get(number)
        if cached is not None:
            return cached
        with self._read() as conn:
            row = conn.execute(
                "SELECT p.card, p.weights FROM model_versions v JOIN model_proposals p ON p.id = v.proposal_id"
                " WHERE v.number = ?", (number,)).fetchone()
        if row is None:
            raise NotFoundError(f"no model version {number}")
        scorer = SpamScorer(load_model_bytes(row["card"].encode("utf-8"), bytes(row["weights"]),
                                             f"model version {number}"))
        if len(self._scorers) >= 4:
            self._scorers.pop(next(iter(self._scorers)))
        self._scorers[number] = scorer
        return scorer

    def publish(self, proposal_id: int, *, approver: Actor | str, note: str | None = None) -> int:
        """Publish an open proposal as the next version; returns its number. Under four-eyes the approver
        must not be the proposal's author (:class:`~plugin.store.FourEyesError`)."""
        who = checked_actor(approver, self.config, "approver")
        with self._tx() as conn:
            row = self._proposal_row(conn, proposal_id)
            if row["status"] != "proposed":
                raise StoreError(f"model proposal #{proposal_id} is {row['status']}; nothing to publish")
            approval = self._approval(row, who)
            live = conn.execute("SELECT MAX(number) FROM model_versions").fetchone()[0]
            number = int(live or 0) + 1
            kind = "rollback" if row["kind"] == "rollback" else "publish"
            conn.execute(
                "INSERT INTO model_versions (number, proposal_id, kind, model_version, author, approver, approval,"
                " note, created_at, rollback_of) VALUES (?,?,?,?,?,?,?,?,?,?)",
                (number, proposal_id, kind, row["model_version"], row["author"], who.name, approval,
                 row["note"] if note is None else note[:2000], _now(), row["rollback_of"]))
            conn.execute("UPDATE model_proposals SET status = 'published', published_version = ?, updated_at = ?"
                         " WHERE id = ?", (number, _now(), proposal_id))
        log.info("published model version %s (%s, proposal #%s, author %s, approver %s, %s)",
                 number, row["model_version"], proposal_id, row["author"], who.name, approval)
        return number

    def _approval(self, row: Row, who: Actor) -> str:
        return approval_kind(who, [str(row["author"])], self.config,
                             f"four-eyes: {who.name!r} proposed model #{row['id']} and cannot also approve it; "
                             "someone else must publish it")

    def request_rollback(self, to_version: int, *, author: Actor | str, note: str = "") -> int:
        """Propose going back to ``to_version``'s model (published like any proposal); returns its id."""
        who = checked_actor(author, self.config, "author")
        now = _now()
        with self._tx() as conn:
            live = conn.execute("SELECT MAX(number) FROM model_versions").fetchone()[0]
            row = conn.execute(
                "SELECT p.model_version, p.card, p.weights FROM model_versions v"
                " JOIN model_proposals p ON p.id = v.proposal_id WHERE v.number = ?", (to_version,)).fetchone()
            if row is None:
                raise NotFoundError(f"no model version {to_version}")
            if to_version == live:
                raise StoreError(f"model version {to_version} is already live")
            cur = conn.execute(
                "INSERT INTO model_proposals (kind, author, note, model_version, card, weights, rollback_of,"
                " created_at, updated_at) VALUES ('rollback', ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
                (who.name, note[:2000] or f"rollback to model version {to_version}", row["model_version"],
                 row["card"], bytes(row["weights"]), to_version, now, now))
            return int(cur.fetchone()[0])

    # ------------------------------------------------------------------ observations

    def record_observations(self, rows: Sequence[Observation], *, limit: int) -> int:
        """Append scored texts and keep only the newest ``limit``; returns the rows written."""
        if not rows:
            return 0
        with self._tx() as conn:
            conn.executemany(
                "INSERT INTO model_observations (at, surface, text, score, category, flagged, model_version)"
                " VALUES (?,?,?,?,?,?,?)",
                [(r.at, r.surface, r.text, r.score, r.category, int(r.flagged), r.model_version) for r in rows])
            conn.execute("DELETE FROM model_observations WHERE id <= "
                         "(SELECT id FROM model_observations ORDER BY id DESC LIMIT 1 OFFSET ?)", (limit,))
        return len(rows)

    def observations(self, *, flagged: bool | None = None, since: str | None = None,
                     limit: int = 100_000) -> list[Observation]:
        """Recorded scored texts, oldest first (``flagged``: only those over / under threshold; ``since``:
        ISO date or time)."""
        sql = "SELECT at, surface, text, score, category, flagged, model_version FROM model_observations WHERE 1=1"
        args: list[Any] = []
        if flagged is not None:
            sql += " AND flagged = ?"
            args.append(int(flagged))
        if since:
            sql += " AND at >= ?"
            args.append(since)
        with self._read() as conn:
            rows = conn.execute(sql + " ORDER BY id DESC LIMIT ?", (*args, limit)).fetchall()
        return [Observation(r["at"], r["surface"], r["text"], float(r["score"]), r["category"], bool(r["flagged"]),
                            r["model_version"]) for r in reversed(rows)]
