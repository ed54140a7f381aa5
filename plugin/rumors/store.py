"""SQLite persistence for rumours (:class:`RumorStore`, the embedded backend).

Tables (component ``rumors``): ``rumor_rumors`` (one row per rumour), ``rumor_refutations``
(ordered, cascade-deleted with their rumour), ``rumor_terms`` (an FTS5 table of analysed
content tokens, used by :meth:`RumorStore.candidates`) and ``rumor_meta`` (a revision
counter bumped by every change, so indexes know when to rebuild).

Every write is one ``BEGIN IMMEDIATE ... COMMIT`` transaction: a batch is stored whole or
not at all.
"""

from __future__ import annotations

import datetime as _dt
import json
import re
import sqlite3
import threading
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Iterable, Iterator, Sequence

from plugin.db import connect, migrate, transaction
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

_FTS_TOKEN = re.compile(r"[^\W_]+")


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
    """Rumours persisted in SQLite; implements :class:`plugin.rumors.backend.RumorBackend`.

    ``RumorStore(db_path)`` opens (and migrates) the file; ``":memory:"`` works for tests.
    Safe to share across threads: writes are serialised by a lock.
    """

    def __init__(self, db_path: str | Path) -> None:
        self.path = str(db_path)
        self._lock = threading.RLock()
        try:
            self._conn = connect(db_path)
            migrate(self._conn, "rumors", _MIGRATIONS)
        except sqlite3.Error as exc:
            raise RumorError(f"cannot open rumour store {self.path}: {exc}") from exc

    # -- reading -----------------------------------------------------------------
    def revision(self) -> int:
        """A number that changes whenever any rumour is added, changed or deleted."""
        row = self._conn.execute("SELECT value FROM rumor_meta WHERE key = 'revision'").fetchone()
        return int(row[0])

    def count(self) -> int:
        return int(self._conn.execute("SELECT COUNT(*) FROM rumor_rumors").fetchone()[0])

    def get(self, rumor_id: str) -> Rumor | None:
        row = self._conn.execute("SELECT * FROM rumor_rumors WHERE id = ?", (rumor_id,)).fetchone()
        if row is None:
            return None
        refs = self._refutations([rumor_id]).get(rumor_id, ())
        return self._from_row(row, refs)

    def iterate(self, batch: int = 2000) -> Iterator[Rumor]:
        """Every rumour, ordered by id (read in batches)."""
        last = ""
        while True:
            rows = self._conn.execute(
                "SELECT * FROM rumor_rumors WHERE id > ? ORDER BY id LIMIT ?", (last, batch)
            ).fetchall()
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
        tokens = [t for t in tokens if _FTS_TOKEN.fullmatch(t)]
        if not tokens:
            return []
        query = " OR ".join(f'"{t}"' for t in tokens)
        rows = self._conn.execute(
            "SELECT rumor_id FROM rumor_terms WHERE rumor_terms MATCH ? ORDER BY bm25(rumor_terms) LIMIT ?",
            (query, int(limit)),
        ).fetchall()
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
        ids = [r.id for r in batch]
        if len(set(ids)) != len(ids):
            dup = sorted({i for i in ids if ids.count(i) > 1})
            raise RumorError(f"duplicate rumour id(s) in one batch: {', '.join(dup[:5])}")
        inserted = updated = unchanged = 0
        try:
            with transaction(self._conn, lock=self._lock):
                for rumor in batch:
                    old = self.get(rumor.id)
                    if old is not None and old.same_content(rumor):
                        unchanged += 1
                        continue
                    if old is not None:
                        rumor = replace(rumor, created_at=old.created_at, updated_at=_now())
                        self._delete_one(rumor.id)
                        updated += 1
                    else:
                        inserted += 1
                    self._insert_one(rumor)
                if inserted or updated:
                    self._bump()
        except sqlite3.Error as exc:
            raise RumorError(f"rumour store write failed: {exc}") from exc
        return UpsertStats(inserted, updated, unchanged)

    def delete(self, rumor_ids: Iterable[str]) -> int:
        """Delete rumours (with their refutations); returns how many existed."""
        n = 0
        with transaction(self._conn, lock=self._lock):
            for rid in rumor_ids:
                n += self._delete_one(rid)
            if n:
                self._bump()
        return n

    def close(self) -> None:
        self._conn.close()

    def __enter__(self) -> "RumorStore":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- helpers -----------------------------------------------------------------
    def _bump(self) -> None:
        self._conn.execute("UPDATE rumor_meta SET value = value + 1 WHERE key = 'revision'")

    def _delete_one(self, rid: str) -> int:
        self._conn.execute("DELETE FROM rumor_terms WHERE rumor_id = ?", (rid,))
        cur = self._conn.execute("DELETE FROM rumor_rumors WHERE id = ?", (rid,))
        return cur.rowcount

    def _insert_one(self, r: Rumor) -> None:
        self._conn.execute(
            "INSERT INTO rumor_rumors (id, claim, status, triggers, tags, created_at, updated_at, valid_from,"
            " valid_until, origin) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (r.id, r.claim, r.status.value, json.dumps(list(r.triggers), ensure_ascii=False),
             json.dumps(list(r.tags), ensure_ascii=False), r.created_at, r.updated_at, r.valid_from,
             r.valid_until, r.origin),
        )
        self._conn.executemany(
            "INSERT INTO rumor_refutations (rumor_id, position, title, summary, url, source, published_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)",
            [(r.id, i, f.title, f.summary, f.url, f.source, f.published_at) for i, f in enumerate(r.refutations)],
        )
        self._conn.execute("INSERT INTO rumor_terms (rumor_id, terms) VALUES (?, ?)", (r.id, _fts_terms(r)))

    def _refutations(self, ids: Sequence[str]) -> dict[str, tuple[Refutation, ...]]:
        out: dict[str, list[Refutation]] = {}
        for i in range(0, len(ids), 500):
            chunk = list(ids[i : i + 500])
            marks = ",".join("?" * len(chunk))
            for row in self._conn.execute(
                f"SELECT * FROM rumor_refutations WHERE rumor_id IN ({marks}) ORDER BY rumor_id, position", chunk
            ):
                out.setdefault(row["rumor_id"], []).append(
                    Refutation(row["title"], row["summary"], row["url"], row["source"], row["published_at"])
                )
        return {k: tuple(v) for k, v in out.items()}

    @staticmethod
    def _from_row(row: sqlite3.Row, refs: tuple[Refutation, ...]) -> Rumor:
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
