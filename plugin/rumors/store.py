"""Persistence for rumours (:class:`RumorStore`, the embedded backend), in SQLite or PostgreSQL
(:mod:`plugin.db`).

Tables (component ``rumors``): ``rumor_rumors`` (one row per rumour), ``rumor_refutations``
(ordered, cascade-deleted with their rumour), ``rumor_terms`` (the analysed content tokens, used by
:meth:`RumorStore.candidates`: an FTS5 table ranked by BM25 on SQLite; one row per token, ranked by
the number of shared tokens, on PostgreSQL) and ``rumor_meta`` (a revision counter bumped by every
change, so indexes know when to rebuild).

Every write is one transaction (serialising the store's writers across processes): a batch is
stored whole or not at all.
"""

from __future__ import annotations

import datetime as _dt
import json
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Iterable, Iterator, Sequence

from plugin.db import Database, Row, db_errors, open_database
from plugin.errors import RumorError

from .analysis import analyze
from .models import Refutation, Rumor, RumorStatus

__all__ = ["RumorStore", "UpsertStats"]

_MIGRATIONS = [
    """
    CREATE TABLE rumor_rumors (
        id TEXT PRIMARY KEY,
        claim TEXT NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('false', 'misleading', 'disputed', 'true')),
        triggers TEXT NOT NULL DEFAULT '[]',
        tags TEXT NOT NULL DEFAULT '[]',
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        valid_from TEXT,
        valid_until TEXT,
        origin TEXT NOT NULL DEFAULT ''
    );
    CREATE TABLE rumor_refutations (
        rumor_id TEXT NOT NULL REFERENCES rumor_rumors(id) ON DELETE CASCADE,
        position INTEGER NOT NULL,
        title TEXT NOT NULL,
        summary TEXT NOT NULL DEFAULT '',
        url TEXT NOT NULL DEFAULT '',
        source TEXT NOT NULL DEFAULT '',
        published_at TEXT NOT NULL DEFAULT '',
        PRIMARY KEY (rumor_id, position)
    );
    CREATE VIRTUAL TABLE rumor_terms USING fts5(rumor_id UNINDEXED, terms, tokenize = 'unicode61');
    CREATE TABLE rumor_meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL);
    INSERT INTO rumor_meta (key, value) VALUES ('revision', 0)
    """,
]
#: PostgreSQL has no FTS5: one row per (rumour, token), found through an index on the token.
_PG_TERMS = ("CREATE TABLE rumor_terms (rumor_id TEXT NOT NULL REFERENCES rumor_rumors(id) ON DELETE CASCADE,"
             " term TEXT NOT NULL, PRIMARY KEY (term, rumor_id))")
_MIGRATIONS_BY_DIALECT = [
    {"sqlite": _MIGRATIONS[0],
     "postgresql": _MIGRATIONS[0].split("CREATE VIRTUAL TABLE")[0] + _PG_TERMS + ";\n CREATE TABLE rumor_meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL);"
     " INSERT INTO rumor_meta (key, value) VALUES ('revision', 0)"},
]



@dataclass(frozen=True, slots=True)
class UpsertStats:
    """What an upsert did: counts of new, changed and already-identical rumours."""

    inserted: int = 0
    updated: int = 0
    unchanged: int = 0

    def __add__(self, other: "UpsertStats") -> "UpsertStats":
        return UpsertStats(self.inserted + other.inserted, self.updated + other.updated,
                           self.unchanged + other.unchanged)

    def to_dict(self) -> dict[str, int]:
        return {"inserted": self.inserted, "updated": self.updated, "unchanged": self.unchanged}


def _now() -> str:
    return _dt.datetime.now(_dt.timezone.utc).replace(microsecond=0).isoformat()


def _fts_terms(rumor: Rumor) -> str:
    tokens = analyze(" ".join((rumor.claim, *rumor.triggers))).tokens
    # FTS5's unicode61 tokenizer splits on '#': keep numbers searchable as n60
    return " ".join(dict.fromkeys(("n" + t[1:]) if t.startswith("#") else t for t in tokens))


class RumorStore:
    """Rumours persisted in the service's database; implements :class:`plugin.rumors.backend.RumorBackend`.

    ``RumorStore(db_path)`` opens (and migrates) a SQLite file (``":memory:"`` works for tests) or a
    ``postgresql://`` database. Safe to share across threads.
    """

    def __init__(self, db_path: str | Path | Database) -> None:
        self.path = db_path.location if isinstance(db_path, Database) else str(db_path)
        try:
            self.db = open_database(db_path)
            self._owned = not isinstance(db_path, Database)  # a database passed in is closed by its owner
            self.db.migrate("rumors", _MIGRATIONS_BY_DIALECT)
        except db_errors() as exc:
            raise RumorError(f"cannot open rumour store {self.path}: {exc}") from exc

    def _rows(self, sql: str, params: Sequence[Any] = (), tx: Any = None) -> list[Row]:
        return list(tx.execute(sql, params)) if tx is not None else self.db.execute(sql, params)

    # -- reading -----------------------------------------------------------------
    def revision(self) -> int:
        """A number that changes whenever any rumour is added, changed or deleted."""
        return int(self._rows("SELECT value FROM rumor_meta WHERE key = 'revision'")[0][0])

    def count(self) -> int:
        return int(self._rows("SELECT COUNT(*) FROM rumor_rumors")[0][0])

    def get(self, rumor_id: str, tx: Any = None) -> Rumor | None:
        rows = self._rows("SELECT * FROM rumor_rumors WHERE id = ?", (rumor_id,), tx)
        if not rows:
            return None
        refs = self._refutations([rumor_id], tx).get(rumor_id, ())
        return self._from_row(rows[0], refs)

    def iterate(self, batch: int = 2000) -> Iterator[Rumor]:
        """Every rumour, ordered by id (read in batches)."""
        last = ""
        while True:
            rows = self._rows("SELECT * FROM rumor_rumors WHERE id > ? ORDER BY id LIMIT ?", (last, batch))
            if not rows:
                return
            refs = self._refutations([r["id"] for r in rows])
            for row in rows:
                yield self._from_row(row, refs.get(row["id"], ()))
            last = rows[-1]["id"]

    def __iter__(self) -> Iterator[Rumor]:
        return self.iterate()

    def __len__(self) -> int:
        return self.count()

    def candidates(self, text: str, limit: int = 50) -> list[Rumor]:
        """Rumours sharing content tokens with ``text``, best BM25 first (FTS5)."""
        tokens = [("n" + t[1:]) if t.startswith("#") else t for t in dict.fromkeys(analyze(text).tokens)]
        tokens = [t for t in tokens if t.isalnum()]  # letters and digits only
        if not tokens:
            return []
        if self.db.dialect == "sqlite":
            query = " OR ".join(f'"{t}"' for t in tokens)
            rows = self._rows(
                "SELECT rumor_id FROM rumor_terms WHERE rumor_terms MATCH ? ORDER BY bm25(rumor_terms) LIMIT ?",
                (query, int(limit)))
        else:
            marks = ",".join("?" * len(tokens))
            rows = self._rows(f"SELECT rumor_id FROM rumor_terms WHERE term IN ({marks}) GROUP BY rumor_id"
                              " ORDER BY COUNT(*) DESC, rumor_id LIMIT ?", (*tokens, int(limit)))
        out = []
        for row in rows:
            rumor = self.get(row[0])
            if rumor is not None:
                out.append(rumor)
        return out

    # -- writing -----------------------------------------------------------------
    def upsert(self, rumors: Iterable[Rumor]) -> UpsertStats:
        """Insert or replace rumours by id, all in one transaction.

        A rumour identical to the stored one (timestamps aside) is left alone, so
        re-importing a file changes nothing. ``created_at`` of an existing rumour is kept.
        """
        batch = list(rumors)
        try:
            with self.db.transaction(write=True, lock="rumors") as tx:
                return self.write(tx, batch)[0]
        except db_errors() as exc:
            raise RumorError(f"rumour store write failed: {exc}") from exc

    def write(self, tx: Any, rumors: Sequence[Rumor], removals: Sequence[str] = ()) -> tuple[UpsertStats, int]:
        """:meth:`upsert` ``rumors`` and delete ``removals`` (returns the upsert's counts and how many of
        ``removals`` existed) inside the caller's write transaction ``tx``
        (taken with ``lock="rumors"``), so that what else the caller records (a published proposal and its
        audit row: :mod:`plugin.rumors.proposals`) commits with the rumours or not at all."""
        ids = [r.id for r in rumors]
        if len(set(ids)) != len(ids):
            dup = sorted({i for i in ids if ids.count(i) > 1})
            raise RumorError(f"duplicate rumour id(s) in one batch: {', '.join(dup[:5])}")
        inserted = updated = unchanged = removed = 0
        for rumor in rumors:
            old = self.get(rumor.id, tx)
            if old is not None and old.same_content(rumor):
                unchanged += 1
                continue
            if old is not None:
                rumor = replace(rumor, created_at=old.created_at, updated_at=_now())
                self._delete_one(tx, rumor.id)
                updated += 1
            else:
                inserted += 1
            self._insert_one(tx, rumor)
        for rid in removals:
            removed += self._delete_one(tx, rid)
        if inserted or updated or removed:
            self._bump(tx)
        return UpsertStats(inserted, updated, unchanged), removed

    def delete(self, rumor_ids: Iterable[str]) -> int:
        """Delete rumours (with their refutations); returns how many existed."""
        n = 0
        with self.db.transaction(write=True, lock="rumors") as tx:
            for rid in rumor_ids:
                n += self._delete_one(tx, rid)
            if n:
                self._bump(tx)
        return n

    def close(self) -> None:
        if self._owned:
            self.db.close()

    def __enter__(self) -> "RumorStore":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- helpers -----------------------------------------------------------------
    @staticmethod
    def _bump(tx: Any) -> None:
        tx.execute("UPDATE rumor_meta SET value = value + 1 WHERE key = 'revision'")

    @staticmethod
    def _delete_one(tx: Any, rid: str) -> int:
        tx.execute("DELETE FROM rumor_terms WHERE rumor_id = ?", (rid,))
        cur = tx.execute("DELETE FROM rumor_rumors WHERE id = ?", (rid,))
        return int(cur.rowcount)

    def _insert_one(self, tx: Any, r: Rumor) -> None:
        tx.execute(
            "INSERT INTO rumor_rumors (id, claim, status, triggers, tags, created_at, updated_at, valid_from,"
            " valid_until, origin) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (r.id, r.claim, r.status.value, json.dumps(list(r.triggers), ensure_ascii=False),
             json.dumps(list(r.tags), ensure_ascii=False), r.created_at, r.updated_at, r.valid_from,
             r.valid_until, r.origin),
        )
        tx.executemany(
            "INSERT INTO rumor_refutations (rumor_id, position, title, summary, url, source, published_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)",
            [(r.id, i, f.title, f.summary, f.url, f.source, f.published_at) for i, f in enumerate(r.refutations)],
        )
        terms = _fts_terms(r)
        if self.db.dialect == "sqlite":
            tx.execute("INSERT INTO rumor_terms (rumor_id, terms) VALUES (?, ?)", (r.id, terms))
        else:
            tx.executemany("INSERT INTO rumor_terms (rumor_id, term) VALUES (?, ?) ON CONFLICT DO NOTHING",
                           [(r.id, t) for t in terms.split()])

    def _refutations(self, ids: Sequence[str], tx: Any = None) -> dict[str, tuple[Refutation, ...]]:
        out: dict[str, list[Refutation]] = {}
        for i in range(0, len(ids), 500):
            chunk = list(ids[i : i + 500])
            marks = ",".join("?" * len(chunk))
            for row in self._rows(
                f"SELECT * FROM rumor_refutations WHERE rumor_id IN ({marks}) ORDER BY rumor_id, position", chunk, tx
            ):
                out.setdefault(row["rumor_id"], []).append(
                    Refutation(row["title"], row["summary"], row["url"], row["source"], row["published_at"])
                )
        return {k: tuple(v) for k, v in out.items()}

    @staticmethod
    def _from_row(row: Row, refs: tuple[Refutation, ...]) -> Rumor:
        return Rumor(
            id=row["id"],
            claim=row["claim"],
            status=RumorStatus(row["status"]),
            triggers=tuple(json.loads(row["triggers"])),
            refutations=refs,
            tags=tuple(json.loads(row["tags"])),
            created_at=row["created_at"],
            updated_at=row["updated_at"],
            valid_from=row["valid_from"],
            valid_until=row["valid_until"],
            origin=row["origin"],
        )
