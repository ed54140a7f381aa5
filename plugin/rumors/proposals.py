"""Rumour imports under four-eyes: propose → preview → publish by another identity, with an audit trail.

What is pinned at the top of searches is editorial content, so it changes the way lexicon entries and model
versions do (:mod:`plugin.store`, the same rules and the same identities):

- A **proposal** holds the rumours to add or replace (a parsed import file, in the project schema) and the
  ids to remove, with its author: the name of the caller's verified token (never a request field;
  :func:`plugin.store.actor.checked_actor`). Proposals are immutable, so what an approver previewed is what
  goes live; a proposal never changes the live rumours by itself.
- A **preview** (:meth:`RumorProposals.preview`) says which rumours a proposal adds, changes, leaves alone
  and removes, and which texts of a sample (the bundled hot-search titles, the recent queries and titles
  the service saw) would gain, lose or change a pin or a label.
- **Publishing** writes the rumours, marks the proposal published and appends the audit row in ONE
  transaction (``lock="rumors"``, the rumour store's writer lock): all of it or nothing. Under four-eyes
  (:attr:`plugin.store.StoreConfig.four_eyes`) the approver must not be the author
  (:func:`plugin.store.actor.approval_kind`, the rule lexicon change-sets and model versions follow).
  The rumour store's revision moves, so every index reloads at its next refresh (the publishing service
  at once).
- With a **search-engine backend** (:class:`plugin.search.rumor_backend.SearchEngineRumorBackend`, or any
  :class:`~plugin.rumors.backend.RumorBackend` outside the proposals' database) the proposals and the audit
  trail stay in the service's database; publishing checks the proposal, writes the cluster with no database
  transaction open (publications and discards serialised by a named lock), then marks it published. A failed
  cluster write leaves the proposal open with a ``publish_failed`` audit row (the cluster may hold part of it),
  and publishing it again completes it (rumours are upserted by id). The serving service records where its
  proposals publish (``claim``): a command line opening the same database for the embedded store may propose
  but not publish or bootstrap. The preview then lists the rumour changes only:
  the cluster scores pins itself, so no local index can say which texts would change.
- The **bootstrap** import (:meth:`RumorProposals.bootstrap`, ``qinglang rumors import`` into a store
  that holds no rumour) is the one direct write: it fills an empty store at install time, and is audited.
- Every step is a row of ``rumor_audit`` (append-only: database triggers refuse UPDATE and DELETE).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import logging
from pathlib import Path
from typing import Any, ContextManager, Iterable, Sequence

from plugin.db import Database, Row, Tx, append_only, inserted_id, newest_rows, open_database
from plugin.errors import InputError
from plugin.store.actor import Actor, approval_kind, checked_actor
from plugin.store.config import StoreConfig
from plugin.store.errors import ConflictError, NotFoundError, StoreError

from .backend import RumorBackend
from .index import RumorIndex
from .models import Rumor
from .store import RumorStore, UpsertStats

__all__ = ["MAX_PROPOSAL_RUMORS", "MAX_REMOVALS", "RUMOR_REVIEW_MIGRATIONS", "RumorProposals"]

log = logging.getLogger(__name__)

#: Most rumours one proposal may hold, and most ids it may remove.
MAX_PROPOSAL_RUMORS = 200_000
MAX_REMOVALS = 10_000
#: Longest rumour id a removal may name (ids of imported rumours are short).
MAX_ID_CHARS = 200

RUMOR_REVIEW_MIGRATIONS = [
    """
    CREATE TABLE rumor_proposals (
        id                 INTEGER PRIMARY KEY AUTOINCREMENT,
        author             TEXT NOT NULL,
        note               TEXT NOT NULL DEFAULT '',
        source             TEXT NOT NULL DEFAULT '',
        status             TEXT NOT NULL DEFAULT 'proposed' CHECK (status IN ('proposed', 'published', 'discarded')),
        rumors             TEXT NOT NULL,
        removals           TEXT NOT NULL DEFAULT '[]',
        n_rumors           INTEGER NOT NULL,
        n_removals         INTEGER NOT NULL,
        digest             TEXT NOT NULL,
        created_at         TEXT NOT NULL,
        updated_at         TEXT NOT NULL,
        approver           TEXT,
        approval           TEXT,
        published_at       TEXT,
        discarded_by       TEXT
    );
    CREATE TABLE rumor_audit (
        seq          INTEGER PRIMARY KEY AUTOINCREMENT,
        at           TEXT NOT NULL,
        actor        TEXT NOT NULL,
        event        TEXT NOT NULL,
        proposal_id  INTEGER,
        detail       TEXT NOT NULL DEFAULT '{}'
    )
    """,
    # which rumours this database's proposals publish into, as the serving service set it (a command-line
    # publish or bootstrap beside a service whose rumours live in a search engine is refused)
    """
    CREATE TABLE rumor_proposal_target (
        id      INTEGER PRIMARY KEY CHECK (id = 1),
        target  TEXT NOT NULL
    )
    """,
]

#: The named lock (plugin.db.Database.named_lock) publications and discards beside a backend take.
_PUBLISH_LOCK = "rumor-publish"

_COLUMNS = ("id, author, note, source, status, n_rumors, n_removals, digest, created_at, updated_at, approver, "
            "approval, published_at, discarded_by")


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")


def _jsonl(rumors: Sequence[Rumor]) -> str:
    return "".join(json.dumps(r.to_dict(), ensure_ascii=False, sort_keys=True) + "\n" for r in rumors)


#: Most UTF-8 bytes of a rumour id (a search engine's document ``_id`` holds at most 512).
MAX_ID_BYTES = 512
#: Ids a backend keeps for itself (the search-engine backend's revision document).
RESERVED_ID_PREFIX = "_qinglang"


def id_problem(rid: object) -> str | None:
    """Why ``rid`` cannot be a rumour id a proposal adds or removes, or None: 1-``MAX_ID_CHARS`` characters
    and at most ``MAX_ID_BYTES`` UTF-8 bytes (what every backend can store and remove), not reserved."""
    if not isinstance(rid, str) or not rid.strip() or len(rid) > MAX_ID_CHARS:
        return f"a rumour id (1-{MAX_ID_CHARS} characters) is expected"
    if len(rid.encode("utf-8", "surrogatepass")) > MAX_ID_BYTES:
        return f"a rumour id holds at most {MAX_ID_BYTES} UTF-8 bytes"
    if rid.strip().startswith(RESERVED_ID_PREFIX):
        return f"ids starting with {RESERVED_ID_PREFIX!r} are reserved"
    return None


def _checked_removals(removals: Iterable[Any]) -> list[str]:
    out: list[str] = []
    for i, rid in enumerate(removals):
        problem = id_problem(rid)
        if problem:
            raise InputError(f"remove[{i}]: {problem}")
        out.append(str(rid).strip())
    if len(out) > MAX_REMOVALS:
        raise InputError(f"a proposal removes at most {MAX_REMOVALS} rumours ({len(out)} given)")
    if len(set(out)) != len(out):
        raise InputError("remove: an id is given twice")
    return out


def _changes(rumors: Sequence[Rumor], removals: Sequence[str], current: dict[str, Rumor]) -> dict[str, Any]:
    """Ids added, changed, unchanged (a count), removed and missing of a proposal against ``current``."""
    added, changed, unchanged = [], [], 0
    for r in rumors:
        old = current.get(r.id)
        if old is None:
            added.append(r.id)
        elif old.same_content(r):
            unchanged += 1
        else:
            changed.append(r.id)
    return {"added": added, "changed": changed, "unchanged": unchanged,
            "removed": [rid for rid in removals if rid in current],
            "missing": [rid for rid in removals if rid not in current]}


def _refuse_if_held(held: int) -> None:
    """The direct (bootstrap) import only fills an empty store."""
    if held:
        raise StoreError(f"the rumour store holds {held} rumours: a further import is a proposal that another editor "
                         "approves (qinglang rumors import --token, or POST /v1/admin/rumors/proposals); the direct "
                         "import only fills an empty store")


def _touched(row: Row) -> set[str]:
    """The rumour ids a proposal row adds, replaces or removes."""
    # lines end at "\n" only (see :meth:`RumorProposals.content`)
    ids = {str(json.loads(line)["id"]) for line in str(row["rumors"]).split("\n") if line}
    return ids | {str(rid) for rid in json.loads(row["removals"])}


class RumorProposals:
    """Rumour proposals, their publication and the rumour audit trail (``rumor_proposals``, ``rumor_audit``).
    Beside a :class:`RumorStore` they live in its database and publish in its transaction; beside another
    :class:`~plugin.rumors.backend.RumorBackend` (a search-engine index) they live in ``db``. Thread-safe;
    writers are serialised with the rumour store's own (``lock="rumors"``)."""

    def __init__(self, store: RumorStore | RumorBackend, config: StoreConfig | None = None, *,
                 db: str | Path | Database | None = None, claim: bool = False) -> None:
        self.store = store
        self.config = config or StoreConfig()
        self._owned_db: Database | None = None
        if db is None:
            if not isinstance(store, RumorStore):
                raise ValueError("rumour proposals beside a search-engine backend need a database (db=)")
            self.db: Database = store.db
        else:
            self.db = open_database(db)
            self._owned_db = None if isinstance(db, Database) else self.db
        #: whether publishing writes the rumours in the proposals' own transaction
        self.embedded = isinstance(store, RumorStore) and store.db is self.db
        self.db.migrate("rumor_review", RUMOR_REVIEW_MIGRATIONS)
        append_only(self.db, ("rumor_audit",))
        #: where publishing writes (the serving service records it with ``claim``; others must agree to publish)
        self.target = "embedded rumour store" if self.embedded else \
            f"search-engine index {getattr(store, 'index', type(store).__name__)}"
        if claim:
            with self._tx() as tx:
                tx.execute("INSERT INTO rumor_proposal_target (id, target) VALUES (1, ?) ON CONFLICT (id) DO UPDATE "
                           "SET target = excluded.target", (self.target,))

    @classmethod
    def open(cls, db_path: str | Path | Database, config: StoreConfig | None = None) -> "RumorProposals":
        """Proposals over the rumour store of ``db_path`` (opened, and migrated, here; :meth:`close` closes it)."""
        return cls(RumorStore(db_path), config)

    def close(self) -> None:
        """Close the rumour store (its database, when the store opened it), or the database opened here."""
        if isinstance(self.store, RumorStore):
            self.store.close()
        if self._owned_db is not None:
            self._owned_db.close()

    def _tx(self) -> ContextManager[Tx]:
        return self.db.transaction(write=True, lock="rumors")

    def _read(self) -> ContextManager[Tx]:
        return self.db.transaction(write=False)

    @staticmethod
    def _audit(tx: Tx, actor: str, event: str, proposal_id: int | None, detail: dict[str, Any]) -> None:
        tx.execute("INSERT INTO rumor_audit (at, actor, event, proposal_id, detail) VALUES (?,?,?,?,?)",
                   (_now(), actor, event, proposal_id, json.dumps(detail, ensure_ascii=False, sort_keys=True)))

    # ------------------------------------------------------------------ proposals

    def propose(self, rumors: Sequence[Rumor], *, author: Actor | str, removals: Iterable[Any] = (),
                note: str = "", source: str = "") -> int:
        """Store rumours to add or replace and ids to remove as a proposal by ``author``; returns its id.
        Nothing live changes. :class:`~plugin.errors.InputError` for an empty, oversized or contradictory
        proposal (an id both added and removed, or given twice)."""
        who = checked_actor(author, self.config, "author")
        gone = _checked_removals(removals)
        batch = list(rumors)
        if not batch and not gone:
            raise InputError("a proposal needs rumours to add or ids to remove")
        if len(batch) > MAX_PROPOSAL_RUMORS:
            raise InputError(f"a proposal holds at most {MAX_PROPOSAL_RUMORS} rumours ({len(batch)} given)")
        ids = [r.id for r in batch]
        for i, rid in enumerate(ids):
            problem = id_problem(rid)
            if problem:
                raise InputError(f"rumour {i + 1} ({rid[:40]!r}): {problem}")
        if len(set(ids)) != len(ids):
            raise InputError("a rumour id is given twice")
        both = sorted(set(ids) & set(gone))
        if both:
            raise InputError(f"rumour id(s) both added and removed: {', '.join(both[:5])}")
        content = _jsonl(batch)
        removals_json = json.dumps(gone, ensure_ascii=False)
        digest = hashlib.sha256((content + "\x00" + removals_json).encode("utf-8")).hexdigest()
        now = _now()
        with self._tx() as tx:
            cur = tx.execute(
                "INSERT INTO rumor_proposals (author, note, source, rumors, removals, n_rumors, n_removals, digest,"
                " created_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?,?) RETURNING id",
                (who.name, note[:2000], source[:200], content, removals_json, len(batch), len(gone), digest, now, now))
            pid = inserted_id(cur)
            self._audit(tx, who.name, "propose", pid, {"rumors": len(batch), "removals": len(gone), "digest": digest,
                                                       "source": source[:200]})
        return pid

    @staticmethod
    def _row(tx: Tx, proposal_id: int) -> Row:
        row: Row | None = tx.execute(f"SELECT {_COLUMNS} FROM rumor_proposals WHERE id = ?", (proposal_id,)).fetchone()
        if row is None:
            raise NotFoundError(f"no rumour proposal #{proposal_id}")
        return row

    def proposal(self, proposal_id: int) -> dict[str, Any]:
        """A proposal's metadata (not its rumours)."""
        with self._read() as tx:
            return dict(self._row(tx, proposal_id))

    def proposals(self, status: str | None = "proposed", limit: int = 100) -> list[dict[str, Any]]:
        """Proposals (default: open ones), newest first."""
        with self._read() as tx:
            return newest_rows(tx, "rumor_proposals", _COLUMNS, status, limit)

    def content(self, proposal_id: int) -> tuple[list[Rumor], list[str]]:
        """The rumours a proposal adds or replaces and the ids it removes."""
        with self._read() as tx:
            self._row(tx, proposal_id)
            row = tx.execute("SELECT rumors, removals FROM rumor_proposals WHERE id = ?", (proposal_id,)).fetchone()
        # lines end at "\n" only: U+2028, U+2029 and U+0085 may sit inside a JSON string (str.splitlines cuts there)
        rumors = [Rumor.from_dict(json.loads(line)) for line in str(row["rumors"]).split("\n") if line]
        return rumors, list(json.loads(row["removals"]))

    def discard(self, proposal_id: int, *, by: Actor | str) -> None:
        """Abandon an open proposal (kept, marked discarded by ``by``, for the record)."""
        who = checked_actor(by, self.config, "discarded by")
        with contextlib.nullcontext() if self.embedded else self.db.named_lock(_PUBLISH_LOCK):
            with self._tx() as tx:  # (beside a backend: never while a publication writes the cluster)
                row = self._row(tx, proposal_id)
                if row["status"] != "proposed":
                    raise StoreError(f"rumour proposal #{proposal_id} is {row['status']}")
                tx.execute("UPDATE rumor_proposals SET status = 'discarded', updated_at = ?, discarded_by = ? "
                           "WHERE id = ?", (_now(), who.name, proposal_id))
                self._audit(tx, who.name, "discard", proposal_id, {})

    # ------------------------------------------------------------------ preview

    def changes(self, proposal_id: int) -> dict[str, Any]:
        """Which rumours the proposal adds, changes, leaves as they are and removes (ids; removals of ids the
        store does not hold are listed as ``missing``), against the rumours stored now."""
        rumors, removals = self.content(proposal_id)
        return _changes(rumors, removals, {r.id: r for r in self.store.iterate()})

    def preview(self, proposal_id: int, live: RumorIndex | None, texts: Sequence[str], *,
                examples: int = 10) -> dict[str, Any]:
        """What publishing the proposal would change: :meth:`changes`, and the texts of ``texts`` (a sample of
        titles and queries) whose pins or rumour labels differ between ``live`` (the index serving now) and
        an index of the stored rumours with the proposal applied, built with ``live``'s decision
        (counts, and up to ``examples`` texts of each kind). The semantic retrieval (an embedding per text, the
        search box's second path) is left out of the comparison on both sides (``semantic_retrieval_compared``
        false): a preview of thousands of texts would take minutes with it. ``live=None`` (a search-engine
        backend, which scores pins in the cluster): the rumour changes only, ``pins_compared`` false."""
        rumors, removals = self.content(proposal_id)
        current = {r.id: r for r in self.store.iterate()}
        draft_map = dict(current)
        for rid in removals:
            draft_map.pop(rid, None)
        draft_map.update({r.id: r for r in rumors})
        changes = _changes(rumors, removals, current)
        if live is None:
            return {"proposal_id": proposal_id, "rumors": changes, "pins_compared": False, "sample_size": 0,
                    "counts": None, "examples": {}, "index_size_after": len(draft_map),
                    "semantic_retrieval_compared": False}
        draft = RumorIndex(list(draft_map.values()), scoring=live.scoring, model=live.model, tiers=live.tiers,
                           semantic=live.semantic)
        counts = {"newly_pinned": 0, "unpinned": 0, "pin_changed": 0, "labels_changed": 0, "unchanged": 0}
        shown: dict[str, list[dict[str, Any]]] = {k: [] for k in counts if k != "unchanged"}
        for text in dict.fromkeys(texts):
            before, after = live.match(text, retrieve=False), draft.match(text, retrieve=False)
            pins_before = [p.rumor_id for p in before.pins]
            pins_after = [p.rumor_id for p in after.pins]
            labels_before = sorted((lab.label, lab.rumor_id) for lab in before.labels)
            labels_after = sorted((lab.label, lab.rumor_id) for lab in after.labels)
            if pins_before == pins_after:
                kind = "labels_changed" if labels_before != labels_after else "unchanged"
            elif not pins_before:
                kind = "newly_pinned"
            elif not pins_after:
                kind = "unpinned"
            else:
                kind = "pin_changed"
            counts[kind] += 1
            if kind != "unchanged" and len(shown[kind]) < examples:
                shown[kind].append({"text": text, "pins_before": pins_before, "pins_after": pins_after,
                                    "labels_before": [lab for lab, _ in labels_before],
                                    "labels_after": [lab for lab, _ in labels_after]})
        return {"proposal_id": proposal_id, "rumors": changes, "pins_compared": True,
                "sample_size": sum(counts.values()),
                "counts": counts, "examples": shown, "index_size_after": len(draft),
                "semantic_retrieval_compared": False}

    # ------------------------------------------------------------------ publish

    def publish(self, proposal_id: int, *, approver: Actor | str, note: str | None = None) -> dict[str, Any]:
        """Write an open proposal's rumours and removals into the store, mark it published and audit it, in
        one transaction; returns the proposal with ``stats`` (inserted / updated / unchanged / removed).
        Under four-eyes the approver must not be its author (:class:`~plugin.store.FourEyesError`).

        Beside a search-engine backend the cluster is written with no database transaction open (a slow
        cluster must not stall the service's other writers), publications and discards of rumour proposals
        serialised by a named lock instead; a failed cluster write leaves the proposal open with a
        ``publish_failed`` audit row (the cluster may hold part of it; publishing again completes it)."""
        who = checked_actor(approver, self.config, "approver")
        rumors, removals = self.content(proposal_id)
        if self.embedded:
            with self._tx() as tx:
                row, approval = self._publishable(tx, proposal_id, who)
                stats, removed = self._write(tx, rumors, removals)
                self._finish_publish(tx, proposal_id, row, who.name, approval, stats, removed, note)
            return {**self.proposal(proposal_id), "stats": {**stats.to_dict(), "removed": removed}}
        with self.db.named_lock(_PUBLISH_LOCK):
            with self._read() as tx:
                row, approval = self._publishable(tx, proposal_id, who)
            try:
                stats, removed = self._write(None, rumors, removals)
            except Exception as exc:
                with self._tx() as tx:
                    self._audit(tx, who.name, "publish_failed", proposal_id,
                                {"error": f"{type(exc).__name__}: {exc}"[:500]})
                log.error("publishing rumour proposal #%s failed: %s", proposal_id, exc)
                raise
            with self._tx() as tx:
                self._finish_publish(tx, proposal_id, row, who.name, approval, stats, removed, note)
        return {**self.proposal(proposal_id), "stats": {**stats.to_dict(), "removed": removed}}

    def _publishable(self, tx: Tx, proposal_id: int, who: Actor) -> tuple[Row, str]:
        """The open proposal's row and the approval kind ``who`` gives it (four-eyes, the publishing target)."""
        row = self._row(tx, proposal_id)
        if row["status"] != "proposed":
            raise StoreError(f"rumour proposal #{proposal_id} is {row['status']}; nothing to publish")
        approval = approval_kind(who, [str(row["author"])], self.config,
                                 f"four-eyes: {who.name!r} proposed rumour import #{proposal_id} and cannot "
                                 "also approve it; someone else must publish it")
        self._check_target(tx)
        self._check_not_overtaken(tx, proposal_id)
        return row, approval

    @staticmethod
    def _check_not_overtaken(tx: Tx, proposal_id: int) -> None:
        """:class:`ConflictError` when a proposal published after this one was made touched the same rumour ids:
        publishing this one would silently undo that publication (a removal, a corrected refutation), which its
        approver may never have previewed against. The order is the audit trail's (``seq``)."""
        made = tx.execute("SELECT seq FROM rumor_audit WHERE proposal_id = ? AND event = 'propose'",
                          (proposal_id,)).fetchone()
        if made is None:  # a proposal older than its audit row: nothing to order it by
            return
        later = tx.execute(
            "SELECT p.id, p.rumors, p.removals FROM rumor_audit a JOIN rumor_proposals p ON p.id = a.proposal_id"
            " WHERE a.event = 'publish' AND a.seq > ? AND p.id <> ? ORDER BY a.seq", (made[0], proposal_id)).fetchall()
        if not later:
            return
        mine = _touched(tx.execute("SELECT rumors, removals FROM rumor_proposals WHERE id = ?",
                                   (proposal_id,)).fetchone())
        for other in later:
            both = sorted(mine & _touched(other))
            if both:
                raise ConflictError(
                    f"rumour proposal #{proposal_id} was made before proposal #{other['id']} was published, which "
                    f"also changed {', '.join(both[:5])}{' …' if len(both) > 5 else ''}: publishing it would undo "
                    "that. Nothing was written; propose the change again from the rumours stored now (and discard "
                    f"#{proposal_id})", overlapping=both)

    def _finish_publish(self, tx: Tx, proposal_id: int, row: Row, approver: str, approval: str,
                        stats: UpsertStats, removed: int, note: str | None) -> None:
        """Mark the proposal published and append its audit row (in the transaction that wrote it)."""
        now = _now()
        tx.execute("UPDATE rumor_proposals SET status = 'published', approver = ?, approval = ?, published_at = ?,"
                   " updated_at = ? WHERE id = ?", (approver, approval, now, now, proposal_id))
        detail = {**stats.to_dict(), "removed": removed, "approval": approval, "digest": row["digest"]}
        if note:
            detail["note"] = note[:2000]
        self._audit(tx, approver, "publish", proposal_id, detail)
        log.info("published rumour proposal #%s (author %s, approver %s, %s): %s", proposal_id, row["author"],
                 approver, approval, detail)

    def _check_target(self, tx: Tx) -> None:
        """Refuse to write rumours anywhere but where the serving service publishes them (a command line
        opening the service's database while its rumours live in a search engine would fill a table nobody reads)."""
        row = tx.execute("SELECT target FROM rumor_proposal_target WHERE id = 1").fetchone()
        if row is not None and str(row[0]) != self.target:
            raise StoreError(f"this database's rumour proposals are published into the {row[0]} by the service that "
                             f"serves them, not into the {self.target}: publish through its API "
                             "(POST /v1/admin/rumors/proposals/{id}/publish)")

    def _write(self, tx: Tx | None, rumors: Sequence[Rumor], removals: Sequence[str]) -> tuple[UpsertStats, int]:
        """Write rumours and removals: in ``tx`` for the embedded store, else into the backend (``tx`` None: no
        database transaction is open while a cluster is written)."""
        if isinstance(self.store, RumorStore) and self.embedded:
            assert tx is not None, "the embedded store writes in the proposals' transaction"
            return self.store.write(tx, rumors, removals)
        stats = self.store.upsert(rumors) if rumors else UpsertStats()
        return stats, self.store.delete(removals) if removals else 0

    def bootstrap(self, rumors: Sequence[Rumor], *, actor: str, source: str = "") -> UpsertStats:
        """Fill a store that holds no rumour yet (the install-time import of the bundled or shared set), audited
        as ``bootstrap`` by ``actor``; :class:`~plugin.store.StoreError` once the store holds rumours (then
        changes are proposals). Beside a backend, as :meth:`publish`: no transaction open during its write."""
        batch = list(rumors)
        if self.embedded:
            with self._tx() as tx:
                self._check_target(tx)
                _refuse_if_held(int(tx.execute("SELECT COUNT(*) FROM rumor_rumors").fetchone()[0]))
                stats, _ = self._write(tx, batch, [])
                self._audit(tx, actor, "bootstrap", None, {**stats.to_dict(), "source": source[:200]})
            return stats
        with self.db.named_lock(_PUBLISH_LOCK):
            with self._read() as tx:
                self._check_target(tx)
            _refuse_if_held(self.store.count())
            stats, _ = self._write(None, batch, [])
            with self._tx() as tx:
                self._audit(tx, actor, "bootstrap", None, {**stats.to_dict(), "source": source[:200]})
        return stats

    # ------------------------------------------------------------------ audit

    def audit(self, *, proposal_id: int | None = None, after: int = 0, limit: int = 1000) -> list[dict[str, Any]]:
        """Audit events, oldest first (after sequence number ``after``; of one proposal)."""
        sql = "SELECT seq, at, actor, event, proposal_id, detail FROM rumor_audit WHERE seq > ?"
        args: list[Any] = [after]
        if proposal_id is not None:
            sql += " AND proposal_id = ?"
            args.append(proposal_id)
        with self._read() as tx:
            rows = tx.execute(sql + " ORDER BY seq LIMIT ?", (*args, limit)).fetchall()
        return [{**{k: r[k] for k in ("seq", "at", "actor", "event", "proposal_id")}, "detail": json.loads(r["detail"])}
                for r in rows]
