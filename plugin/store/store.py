"""The versioned lexicon store: immutable published versions, change-sets, publish, rollback.

Every published version is a row in ``lexicon_versions``; entries live in ``lexicon_entries``
as revisions valid for the half-open version range ``[since_version, until_version)``, so any
version can be read back and every entry has a full history. A publish writes the version row,
closes the revisions it replaces and inserts the new ones in ONE ``BEGIN IMMEDIATE``
transaction: a process killed mid-publish leaves the previous version live. The write lock
also serialises publishers across processes; a change-set based on an older version than the
live one is refused (optimistic concurrency) and stays a draft.

Identities (:class:`~plugin.store.actor.Actor`) come from the caller's credential, never from a
request field. Everyone who drafts or changes a change-set is recorded as a contributor; under
four-eyes none of them may publish it, and a publish names the revision the approver reviewed.
A rollback is a change-set too (requested by one person, published by another).
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import json
import logging
import os
import signal
import socket
import tempfile
import threading
import time
from pathlib import Path
from typing import Any, Callable, Collection, ContextManager, Sequence

from plugin.db import Database, Row, Tx, inserted_id, newest_rows, open_database
from plugin.lexicon import Entry, bundled_lexicon_paths, load_lexicons

from .actor import Actor, approval_kind, checked_actor, identity_key
from .config import StoreConfig
from .entries import digest, entry_from_dict, entry_json, parse_entry_dict, term_id_of
from .errors import ConflictError, FourEyesError, Issue, NotFoundError, StoreError, ValidationError
from .files import ApplyResult, ImportReport, ImportSource, export_documents, import_note, plan_import
from .preview_jobs import PreviewJobStore
from .preview import CorpusText, PreviewReport, bundled_sample_paths, load_sample_file, run_preview
from .samples import SampleRecorder
from .schema import LEXICON_MIGRATIONS, SAMPLE_MIGRATIONS, TOKEN_MIGRATIONS
from .validate import Change, validate_changes

__all__ = ["VERSION_CHANNEL", "CodecMatcherFactory", "LexiconStore", "MatcherFactory", "default_matcher_factory", "replica_name"]

log = logging.getLogger(__name__)

MatcherFactory = Callable[[Sequence[Entry], str], Any]

#: Crash tests set this to a point of a write (``"publish:after_close"`` ...) to kill the process there.
fault_point: str | None = None


class CodecMatcherFactory:
    """Builds ``plugin.Matcher`` (imported lazily: the store works without it) with the deployment's noise
    set (``noise_skip`` / ``noise_keep`` characters). Its matchers are what the artefact codec stores; the
    noise set is part of an artefact's identity (:attr:`artefact_tag`), so deployments with different noise
    sets never load each other's artefacts."""

    def __init__(self, noise_skip: str = "", noise_keep: str = "") -> None:
        self.noise_skip, self.noise_keep = noise_skip, noise_keep

    @property
    def artefact_tag(self) -> str:
        """Empty without a noise set, else a digest of it."""
        if not (self.noise_skip or self.noise_keep):
            return ""
        digest = hashlib.sha256(f"{self.noise_skip}\x00{self.noise_keep}".encode("utf-8")).hexdigest()[:16]
        return f"noise:{digest}"

    def __call__(self, entries: Sequence[Entry], version: str) -> Any:
        from plugin.matcher import Matcher
        from plugin.matching.noise import NoiseSet

        noise = NoiseSet(self.noise_skip, self.noise_keep)
        return Matcher.from_entries(list(entries), version=version, noise=noise or None)


#: ``plugin.Matcher.from_entries`` without a deployment noise set.
default_matcher_factory = CodecMatcherFactory()


#: The channel a publish announces its version number on (PostgreSQL NOTIFY; replicas LISTEN).
VERSION_CHANNEL = "qinglang_lexicon"


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")


def replica_name() -> str:
    """``host:pid`` of this process."""
    return f"{socket.gethostname()}:{os.getpid()}"


def _warm(matcher: Any) -> None:
    """Build a matcher's lazily built tables (the pinyin index) so its artefact holds them."""
    try:
        matcher.scan("warm up 测试 ceshi abc 123")
    except Exception:  # best effort: the artefact is still a working matcher
        log.debug("warm-up before storing the artefact failed", exc_info=True)


def _fault(point: str) -> None:
    if fault_point == point:
        os.kill(os.getpid(), signal.SIGKILL)


def _version_rows_sql(cols: str) -> str:
    return (f"SELECT {cols} FROM lexicon_entries WHERE since_version <= ? "
            "AND (until_version IS NULL OR until_version > ?)")


class LexiconStore:
    """SQLite-backed versioned lexicon (``lexicon_*``, ``token_*`` and ``sample_*`` tables)."""

    def __init__(self, db_path: str | Path | Database, config: StoreConfig | None = None, *,
                 matcher_factory: MatcherFactory | None = None) -> None:
        self.db = open_database(db_path)
        self._owned = not isinstance(db_path, Database)  # a database passed in is closed by its owner
        self.db_path = db_path if isinstance(db_path, str) else str(db_path) if isinstance(db_path, Path) \
            else self.db.location
        self.config = config or StoreConfig()
        self.matcher_factory = matcher_factory or default_matcher_factory
        self._lock = threading.RLock()
        self.db.migrate("lexicon", LEXICON_MIGRATIONS)
        self.db.migrate("token", TOKEN_MIGRATIONS)
        self.db.migrate("sample", SAMPLE_MIGRATIONS)
        self._entries_cache: dict[int, dict[str, Entry]] = {}
        #: How :meth:`load_or_build_matcher` got its last matcher: ``artefact`` or ``compiled``.
        self.last_matcher_source = ""
        self._bundled_categories: set[str] | None = None
        #: Background preview jobs, shared by every worker and replica on this database.
        self.preview_jobs = PreviewJobStore(self.db)
        self.samples = SampleRecorder(lambda: self.db.transaction(write=True, lock="sample"), self._read, limit=self.config.sample_limit,
                                      flush_every=self.config.sample_flush)

    # ------------------------------------------------------------------ plumbing

    def _tx(self) -> ContextManager[Tx]:
        """A write transaction that serialises the store's writers across processes (SQLite's write lock,
        a PostgreSQL advisory lock)."""
        return self.db.transaction(write=True, lock="lexicon")

    def _read(self) -> ContextManager[Tx]:
        """A consistent read snapshot."""
        return self.db.transaction(write=False)

    def close(self) -> None:
        """Write buffered samples and close the connection."""
        try:
            self.samples.flush()
        finally:
            if self._owned:
                self.db.close()

    @property
    def database(self) -> Database:
        """The store's database (the token store may share it)."""
        return self.db

    # ------------------------------------------------------------------ versions

    def live_version(self) -> int | None:
        """Newest published version number (``None`` when nothing has been published)."""
        row = self.db.execute("SELECT MAX(number) FROM lexicon_versions")[0]
        return None if row[0] is None else int(row[0])

    def ensure_seeded(self) -> int:
        """Publish the bundled lexicons as version 1 (author ``bundled``) if the store is empty."""
        live = self.live_version()
        if live is not None:
            return live
        paths = list(self.config.bundled_paths if self.config.bundled_paths is not None else bundled_lexicon_paths())
        entries: dict[str, str] = {}
        for lex in load_lexicons(paths):
            for e in lex.entries:
                if e.term_id in entries:
                    log.warning("seed: %s defined twice; keeping the first (%s)", e.term_id, e.source)
                    continue
                entries[e.term_id] = entry_json(e)
        with self._tx() as conn:
            row = conn.execute("SELECT MAX(number) FROM lexicon_versions").fetchone()
            if row[0] is not None:  # another process seeded meanwhile
                return int(row[0])
            note = "seeded from the bundled lexicons: " + ", ".join(Path(p).name for p in paths)
            self._write_version(conn, 1, None, "seed", "bundled", "", note, None, None, entries, {}, "seed")
        return 1

    def _version_map(self, conn: Tx, version: int) -> dict[str, str]:
        rows = conn.execute(_version_rows_sql("term_id, data"), (version, version)).fetchall()
        return {r["term_id"]: r["data"] for r in rows}

    def _require_version(self, conn: Tx, version: int) -> Row:
        row: Row | None = conn.execute("SELECT * FROM lexicon_versions WHERE number = ?", (version,)).fetchone()
        if row is None:
            raise NotFoundError(f"no lexicon version {version}")
        return row

    def _write_version(self, conn: Tx, number: int, parent: int | None, kind: str, author: str,
                       approver: str, note: str, changeset_id: int | None, rollback_of: int | None,
                       new: dict[str, str], old: dict[str, str], approval: str) -> dict[str, list[str]]:
        added = sorted(set(new) - set(old))
        removed = sorted(set(old) - set(new))
        changed = sorted(t for t in set(new) & set(old) if new[t] != old[t])
        diff = {"added": added, "removed": removed, "changed": changed}
        conn.execute(
            "INSERT INTO lexicon_versions (number, parent, kind, author, approver, note, created_at, changeset_id,"
            " rollback_of, entry_count, digest, diff_json, approval) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
            (number, parent, kind, author, approver, note, _now(), changeset_id, rollback_of, len(new),
             digest(new.items()), json.dumps(diff, ensure_ascii=False), approval),
        )
        _fault("publish:after_version_row")
        conn.executemany(
            "UPDATE lexicon_entries SET until_version = ? WHERE term_id = ? AND until_version IS NULL",
            [(number, t) for t in removed + changed],
        )
        _fault("publish:after_close")
        rows = []
        for t in added + changed:
            d = json.loads(new[t])
            rows.append((t, d["category"], d["term"], d["action"], new[t], number))
        conn.executemany(
            "INSERT INTO lexicon_entries (term_id, category, term, action, data, since_version) VALUES (?,?,?,?,?,?)",
            rows,
        )
        _fault("publish:after_entries")
        return diff

    def versions(self, limit: int = 100, offset: int = 0) -> list[dict[str, Any]]:
        """Published versions, newest first."""
        with self._read() as conn:
            rows = conn.execute("SELECT * FROM lexicon_versions ORDER BY number DESC LIMIT ? OFFSET ?",
                                (limit, offset)).fetchall()
        return [self._version_dict(r) for r in rows]

    @staticmethod
    def _version_dict(r: Row) -> dict[str, Any]:
        diff = json.loads(r["diff_json"])
        return {
            "number": r["number"], "parent": r["parent"], "kind": r["kind"], "author": r["author"],
            "approver": r["approver"], "note": r["note"], "created_at": r["created_at"],
            "changeset_id": r["changeset_id"], "rollback_of": r["rollback_of"], "entry_count": r["entry_count"],
            "digest": r["digest"], "approval": r["approval"],
            "diff": {"added": len(diff["added"]), "removed": len(diff["removed"]), "changed": len(diff["changed"])},
            "diff_term_ids": diff,
        }

    def version_info(self, version: int | None = None) -> dict[str, Any]:
        """One version's metadata (default: the live version)."""
        with self._read() as conn:
            if version is None:
                row = conn.execute("SELECT * FROM lexicon_versions ORDER BY number DESC LIMIT 1").fetchone()
                if row is None:
                    raise NotFoundError("no lexicon version has been published yet")
            else:
                row = self._require_version(conn, version)
        return self._version_dict(row)

    def entry_map(self, version: int | None = None) -> dict[str, Entry]:
        """term_id -> Entry of ``version`` (default: live). Versions are immutable, so this is cached."""
        if version is None:
            version = self.live_version()
            if version is None:
                return {}
        cached = self._entries_cache.get(version)
        if cached is not None:
            return cached
        with self._read() as conn:
            self._require_version(conn, version)
            raw = self._version_map(conn, version)
        out = {t: entry_from_dict(json.loads(js), source=f"v{version}", stored=True) for t, js in sorted(raw.items())}
        if len(self._entries_cache) >= 4:
            self._entries_cache.pop(next(iter(self._entries_cache)))
        self._entries_cache[version] = out
        return out

    def entries(self, version: int | None = None) -> list[Entry]:
        """The entries of ``version`` (default: live), in term_id order."""
        return list(self.entry_map(version).values())

    def entry_changes(self, version: int | None = None, *,
                      term_ids: Collection[str] | None = None) -> dict[str, dict[str, Any]]:
        """term_id -> who last changed the entry as it is in ``version`` (default: live) and when: the
        version that introduced its revision (``since_version``), that version's author, approver and time.
        ``term_ids``: those entries only (one query, not a read of the whole version)."""
        if version is None:
            version = self.live_version()
            if version is None:
                return {}
        sql = ("SELECT e.term_id, e.since_version, v.author, v.approver, v.created_at FROM lexicon_entries e "
               "JOIN lexicon_versions v ON v.number = e.since_version WHERE e.since_version <= ? "
               "AND (e.until_version IS NULL OR e.until_version > ?)")
        args: list[Any] = [version, version]
        if term_ids is not None:
            wanted = sorted(set(term_ids))
            if not wanted:
                return {}
            sql += f" AND e.term_id IN ({', '.join('?' * len(wanted))})"
            args += wanted
        with self._read() as conn:
            rows = conn.execute(sql, args).fetchall()
        return {r["term_id"]: {"since_version": r["since_version"], "author": r["author"], "approver": r["approver"],
                               "changed_at": r["created_at"]} for r in rows}

    def search_entries(self, version: int | None = None, *, q: str = "", category: str | None = None,
                       action: str | None = None, limit: int = 100, offset: int = 0, tag: str | None = None,
                       author: str | None = None, changed_from: str | None = None, changed_to: str | None = None,
                       enabled: bool | None = None, matcher: Any = None,
                       changeset: int | None = None) -> dict[str, Any]:
        """Entries of a version whose term / id / note / variant contains ``q`` (after folding), or — with
        ``matcher``, a compiled matcher of that version — that ``matcher`` finds in ``q`` (so ``bjl``
        finds 百家乐 through its pinyin), filtered and paged. ``author``: who last changed the entry
        (author or approver of the version that introduced it, case-insensitive); ``changed_from`` /
        ``changed_to``: ISO dates (inclusive) of that version; ``tag``: one of the entry's tags; ``enabled``:
        only enabled / disabled entries. Each returned entry carries ``changed`` (:meth:`entry_changes`)
        and, when the matcher found it, ``matched`` (the technique). ``changeset``: search the entries the
        lexicon would have once that draft is published (``version`` is then its base; an entry the draft
        changes was last changed by the draft's editor, ``since_version`` None); ``matcher`` then compiles
        those entries."""
        from plugin.normalize import fold_text

        if changeset is not None:
            draft_row, drafted, _ = self._snapshot(changeset)
            version = int(draft_row["base_version"])
            draft = self._draft_map(draft_row, drafted)
            items = [draft[t] for t in sorted(draft)]
            changes = self.entry_changes(version)
            for drafted_change in drafted:
                changes[drafted_change.term_id] = {"since_version": None, "author": drafted_change.editor,
                                                   "approver": None, "changed_at": draft_row["updated_at"],
                                                   "changeset": changeset}
        else:
            if version is None:
                version = self.live_version()
            items = list(self.entry_map(version).values()) if version is not None else []
            changes = self.entry_changes(version) if version is not None else {}
        fq = fold_text(q.strip()) if q else ""
        via: dict[str, str] = {}
        if q.strip() and matcher is not None:
            for hit in matcher.scan(q.strip()):
                via.setdefault(hit.term_id, hit.technique)
        who = author.strip().casefold() if author else ""
        out = []
        for e in items:
            if category and e.category != category:
                continue
            if action and e.action != action:
                continue
            if tag and tag not in e.tags:
                continue
            if enabled is not None and e.enabled is not enabled:
                continue
            last = changes.get(e.term_id, {})
            if who and who not in (str(last.get("author", "")).casefold(), str(last.get("approver") or "").casefold()):
                continue
            day = str(last.get("changed_at", ""))[:10]
            if (changed_from and day < changed_from) or (changed_to and day > changed_to):
                continue
            if fq and e.term_id not in via and fq not in fold_text(e.term) and fq not in e.term_id \
                    and fq not in fold_text(e.note) and not any(fq in fold_text(v.text) for v in e.variants):
                continue
            out.append(e)
        out.sort(key=lambda e: (e.term_id not in via, e.term_id))  # what the matcher found first
        page = []
        for e in out[offset:offset + limit]:
            shown: dict[str, Any] = {"term_id": e.term_id, **e.to_dict(), "changed": changes.get(e.term_id)}
            if e.term_id in via:
                shown["matched"] = via[e.term_id]
            page.append(shown)
        return {"version": version, "changeset": changeset, "total": len(out), "entries": page}

    def categories(self, version: int | None = None) -> set[str]:
        """Categories a draft may use: the version's, the bundled lexicons' and configured extras."""
        cats = {e.category for e in self.entry_map(version).values()}
        if self._bundled_categories is None:
            paths = self.config.bundled_paths if self.config.bundled_paths is not None else bundled_lexicon_paths()
            try:
                self._bundled_categories = set(_file_categories(tuple(paths)))
            except Exception:  # a broken bundled file must not block editing
                log.exception("cannot read the bundled lexicons for their categories")
                self._bundled_categories = set()
        return cats | self._bundled_categories | set(self.config.extra_categories)

    def diff(self, a: int, b: int) -> dict[str, Any]:
        """Entry-level diff from version ``a`` to version ``b``."""
        with self._read() as conn:
            self._require_version(conn, a)
            self._require_version(conn, b)
            ma, mb = self._version_map(conn, a), self._version_map(conn, b)
        return {
            "from": a, "to": b,
            "added": [json.loads(mb[t]) for t in sorted(set(mb) - set(ma))],
            "removed": [json.loads(ma[t]) for t in sorted(set(ma) - set(mb))],
            "changed": [{"term_id": t, "before": json.loads(ma[t]), "after": json.loads(mb[t])}
                        for t in sorted(set(ma) & set(mb)) if ma[t] != mb[t]],
        }

    def entry_history(self, term_id: str) -> list[dict[str, Any]]:
        """Every revision of an entry, oldest first, with the version that introduced it."""
        with self._read() as conn:
            rows = conn.execute(
                "SELECT e.*, v.author, v.approver, v.approval, v.note, v.created_at, v.kind FROM lexicon_entries e "
                "JOIN lexicon_versions v ON v.number = e.since_version WHERE e.term_id = ? ORDER BY e.since_version",
                (term_id,),
            ).fetchall()
        return [{"term_id": r["term_id"], "since_version": r["since_version"], "until_version": r["until_version"],
                 "entry": json.loads(r["data"]), "author": r["author"], "approver": r["approver"],
                 "approval": r["approval"], "note": r["note"], "published_at": r["created_at"], "kind": r["kind"]}
                for r in rows]

    def build_matcher(self, version: int | None = None) -> Any:
        """A compiled matcher of ``version`` (default: live; the bundled lexicons when nothing is published)."""
        if version is None:
            version = self.live_version()
        if version is None:
            paths = self.config.bundled_paths if self.config.bundled_paths is not None else bundled_lexicon_paths()
            entries = [e for lex in load_lexicons(paths) for e in lex.entries]
            return self.matcher_factory(entries, "")
        return self.matcher_factory(self.entries(version), str(version))

    # ------------------------------------------------------------------ compiled artefacts

    def artefacts_enabled(self) -> bool:
        """Whether published versions are compiled once and shared as artefacts (the setting, and only for
        a :class:`CodecMatcherFactory`: a custom factory's matcher is not the codec's)."""
        return self.config.artefacts and isinstance(self.matcher_factory, CodecMatcherFactory)

    def _artefact_format(self, codec_format: str) -> str:
        """The stored format of an artefact: the codec's format plus the factory's noise-set tag."""
        tag = getattr(self.matcher_factory, "artefact_tag", "")
        return f"{codec_format}+{tag}" if tag else codec_format

    def load_or_build_matcher(self, version: int) -> Any:
        """The compiled matcher of a published ``version``: loaded from its stored artefact when there is
        one of the current codec format, else compiled, stored as an artefact and returned. Replicas that
        start at once compile a version once: the builder holds a lock (across processes) that the others
        wait on, then they load what it stored. ``last_matcher_source`` says which happened."""
        if not self.artefacts_enabled():
            self.last_matcher_source = "compiled"
            return self.build_matcher(version)
        from plugin.matching.artefact import ARTEFACT_FORMAT, dump_matcher, load_matcher

        fmt = self._artefact_format(ARTEFACT_FORMAT)
        matcher = self._load_artefact(version, fmt, load_matcher)
        if matcher is not None:
            return matcher
        with self.db.named_lock(f"artefact:{version}"):
            matcher = self._load_artefact(version, fmt, load_matcher)  # built meanwhile
            if matcher is not None:
                return matcher
            started = time.perf_counter()
            matcher = self.build_matcher(version)
            _warm(matcher)
            seconds = time.perf_counter() - started
            try:
                self.store_artefact(version, fmt, dump_matcher(matcher), seconds)
            except Exception:  # serving the compiled matcher matters more than sharing it
                log.exception("could not store the compiled artefact of lexicon version %s", version)
        self.last_matcher_source = "compiled"
        return matcher

    def _load_artefact(self, version: int, fmt: str, load: Callable[[bytes], Any]) -> Any:
        data = self.read_artefact(version, fmt)
        if data is None:
            return None
        try:
            matcher = load(data)
        except Exception:  # any codec's refusal (ValueError for this one): compiling is always possible
            log.warning("the artefact of lexicon version %s (%s) does not load; compiling instead", version, fmt,
                        exc_info=True)
            return None
        if str(getattr(matcher, "version", version)) != str(version):
            log.warning("the artefact of lexicon version %s holds version %s; compiling instead", version,
                        getattr(matcher, "version", "?"))
            return None
        self.last_matcher_source = "artefact"
        return matcher

    def _artefact_path(self, version: int, fmt: str) -> Path:
        """The artefact file of ``version``: named by the version's entry digest as well as its number, so a
        directory shared with another database (a re-created one, staging beside production) never hands
        one database's version N to the other."""
        rows = self.db.execute("SELECT digest FROM lexicon_versions WHERE number = ?", (version,))
        content = str(rows[0]["digest"]) if rows else ""
        tag = hashlib.sha256(f"{fmt}\x00{content}".encode("utf-8")).hexdigest()[:16]
        return Path(str(self.config.artefact_dir)) / f"lexicon-v{version}-{tag}.matcher"

    def read_artefact(self, version: int, fmt: str) -> bytes | None:
        """The stored artefact bytes of ``version`` in codec format ``fmt`` (``None`` when there are none)."""
        if self.config.artefact_dir:
            path = self._artefact_path(version, fmt)
            if not path.exists():
                return None
            data = path.read_bytes()
            rows = self.db.execute("SELECT sha256 FROM lexicon_artefact_files WHERE version = ? AND format = ?",
                                   (version, fmt))
            if not rows or str(rows[0]["sha256"]) != hashlib.sha256(data).hexdigest():
                log.warning("the artefact file of lexicon version %s is not the one this database recorded; "
                            "compiling instead", version)
                return None
            return data
        return self.db.read_blob("SELECT data FROM lexicon_artefacts WHERE version = ? AND format = ?", (version, fmt))

    def store_artefact(self, version: int, fmt: str, data: bytes, seconds: float) -> None:
        """Keep ``data`` as the artefact of ``version`` in codec format ``fmt`` (the first one stored stays)."""
        if self.config.artefact_dir:
            sha = hashlib.sha256(data).hexdigest()
            with self.db.transaction(write=True, lock="artefact") as tx:
                tx.execute("INSERT INTO lexicon_artefact_files (version, format, sha256, size, created_at)"
                           " VALUES (?,?,?,?,?) ON CONFLICT (version, format) DO NOTHING",
                           (version, fmt, sha, len(data), _now()))
                recorded = tx.execute("SELECT sha256 FROM lexicon_artefact_files WHERE version = ? AND format = ?",
                                      (version, fmt)).fetchone()[0]
            if recorded != sha:  # another replica's artefact is the recorded one: its file stays
                return
            path = self._artefact_path(version, fmt)
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
            os.replace(tmp, path)  # readers see the whole file or none
            self._prune_artefact_files()
            return
        keep = self.config.artefact_keep
        with self.db.transaction(write=True, lock="artefact") as tx:
            tx.execute("INSERT INTO lexicon_artefacts (version, format, data, size, built_by, build_seconds, created_at)"
                       " VALUES (?,?,?,?,?,?,?) ON CONFLICT (version, format) DO NOTHING",
                       (version, fmt, data, len(data), replica_name(), round(seconds, 3), _now()))
            if keep > 0:  # only the newest ``keep`` versions that have an artefact keep theirs
                tx.execute("DELETE FROM lexicon_artefacts WHERE version NOT IN (SELECT version FROM "
                           "(SELECT DISTINCT version FROM lexicon_artefacts ORDER BY version DESC LIMIT ?) AS newest)",
                           (keep,))

    def _prune_artefact_files(self) -> None:
        """Delete the artefact files of all but the newest ``artefact_keep`` versions in ``artefact_dir``."""
        keep = self.config.artefact_keep
        if keep <= 0:
            return
        found: dict[int, list[Path]] = {}
        for path in Path(str(self.config.artefact_dir)).glob("lexicon-v*-*.matcher"):
            number = path.name[len("lexicon-v"):].split("-", 1)[0]
            if number.isascii() and number.isdigit():
                found.setdefault(int(number), []).append(path)
        for version in sorted(found, reverse=True)[keep:]:
            for path in found[version]:
                try:
                    path.unlink()
                except OSError:  # another replica pruned it first
                    pass

    def artefacts(self) -> list[dict[str, Any]]:
        """The artefacts stored in the database (not their bytes), newest version first."""
        rows = self.db.execute("SELECT version, format, size, built_by, build_seconds, created_at"
                               " FROM lexicon_artefacts ORDER BY version DESC, format")
        return [dict(r) for r in rows]

    # ------------------------------------------------------------------ replicas

    def heartbeat(self, replica_id: str, version_served: str, *, reloads: int = 0, last_error: str = "") -> None:
        """Record that replica ``replica_id`` (this process) serves ``version_served`` now."""
        now = _now()
        self.db.execute(
            "INSERT INTO lexicon_replicas (replica_id, host, pid, version_served, reloads, last_error, started_at,"
            " last_seen) VALUES (?,?,?,?,?,?,?,?) ON CONFLICT (replica_id) DO UPDATE SET"
            " version_served = excluded.version_served, reloads = excluded.reloads,"
            " last_error = excluded.last_error, last_seen = excluded.last_seen",
            (replica_id, socket.gethostname(), os.getpid(), str(version_served), reloads, last_error[:500], now, now))

    def replicas(self, *, seen_within: float | None = None) -> list[dict[str, Any]]:
        """The replicas that reported a heartbeat (``seen_within`` seconds: only those seen since), newest
        first, each with ``age_seconds`` since its last heartbeat."""
        rows = self.db.execute("SELECT * FROM lexicon_replicas ORDER BY last_seen DESC, replica_id")
        now = dt.datetime.now(dt.timezone.utc)
        out = []
        for r in rows:
            d = dict(r)
            d["age_seconds"] = round((now - dt.datetime.fromisoformat(d["last_seen"])).total_seconds(), 1)
            if seen_within is None or d["age_seconds"] <= seen_within:
                out.append(d)
        return out

    def forget_replicas(self, older_than: float) -> int:
        """Delete replicas not seen for ``older_than`` seconds; returns how many."""
        cutoff = (dt.datetime.now(dt.timezone.utc) - dt.timedelta(seconds=older_than)).isoformat(timespec="seconds")
        with self.db.transaction(write=True) as tx:
            return int(tx.execute("DELETE FROM lexicon_replicas WHERE last_seen < ?", (cutoff,)).rowcount)

    # ------------------------------------------------------------------ identities

    def actor(self, who: Actor | str, role: str = "actor") -> Actor:
        """``who`` as an :class:`Actor` this store accepts (:func:`~plugin.store.actor.checked_actor`)."""
        return checked_actor(who, self.config, role)

    @staticmethod
    def _contribute(conn: Tx, cs_id: int, name: str, revision: int) -> None:
        conn.execute("INSERT INTO lexicon_contributors (changeset_id, name, first_revision, at)"
                     " VALUES (?,?,?,?) ON CONFLICT DO NOTHING", (cs_id, name, revision, _now()))

    @staticmethod
    def _contributors(conn: Tx, cs_id: int) -> list[str]:
        rows = conn.execute("SELECT name FROM lexicon_contributors WHERE changeset_id = ?"
                            " ORDER BY first_revision, name", (cs_id,)).fetchall()
        return [r["name"] for r in rows]

    # ------------------------------------------------------------------ change-sets

    def create_changeset(self, author: Actor | str, note: str = "", *, changes: Sequence[Change] = (),
                         base_version: int | None = None) -> int:
        """Open a draft based on the live version; returns its id.

        With ``changes`` the draft and its changes are written in one transaction (an interrupted
        import leaves nothing behind); ``base_version`` is the version they were computed against
        (:class:`ConflictError` when another version went live meanwhile).
        """
        who = self.actor(author, "author")
        base = self.ensure_seeded()
        with self._tx() as conn:
            cs_id = self._insert_changeset(conn, who.name, note, base, base_version)
            if changes:
                self._write_changes(conn, cs_id, [(c.term_id, c.op, _data_json(c.data), c.force, c.source)
                                                  for c in changes], who.name)
                self._bump(conn, cs_id)
            _fault("changeset:before_commit")
        return cs_id

    def _insert_changeset(self, conn: Tx, author: str, note: str, base: int, base_version: int | None = None) -> int:
        """A new draft on the live version (``base`` when none is recorded yet), its author a contributor."""
        live = conn.execute("SELECT MAX(number) FROM lexicon_versions").fetchone()[0] or base
        if base_version is not None and live != base_version:
            raise ConflictError(f"version {live} was published while the changes were prepared against version "
                                f"{base_version}; nothing was written: run it again",
                                base_version=base_version, live_version=live)
        now = _now()
        cur = conn.execute(
            "INSERT INTO lexicon_changesets (base_version, author, note, created_at, updated_at)"
            " VALUES (?,?,?,?,?) RETURNING id", (live, author, note, now, now))
        cs_id = inserted_id(cur)
        self._contribute(conn, cs_id, author, 0)
        return cs_id

    def _changeset_row(self, conn: Tx, cs_id: int) -> Row:
        row: Row | None = conn.execute("SELECT * FROM lexicon_changesets WHERE id = ?", (cs_id,)).fetchone()
        if row is None:
            raise NotFoundError(f"no change-set #{cs_id}")
        return row

    def _changes(self, conn: Tx, cs_id: int) -> list[Change]:
        rows = conn.execute("SELECT * FROM lexicon_changes WHERE changeset_id = ? ORDER BY term_id",
                            (cs_id,)).fetchall()
        return [Change(r["term_id"], r["op"], json.loads(r["data"]) if r["data"] else None, bool(r["force"]),
                       r["source"], r["editor"]) for r in rows]

    def _snapshot(self, cs_id: int) -> tuple[Row, list[Change], list[str]]:
        """A change-set's row, changes and contributors, read together (one revision)."""
        with self._read() as conn:
            row = self._changeset_row(conn, cs_id)
            return row, self._changes(conn, cs_id), self._contributors(conn, cs_id)

    def changeset(self, cs_id: int) -> dict[str, Any]:
        """A change-set with its changes, contributors (everyone who drafted or changed it) and events (who
        rebased or discarded it, when)."""
        with self._read() as conn:  # one snapshot: the events belong to the revision read
            d = dict(self._changeset_row(conn, cs_id))
            d["changes"] = [c.to_dict() for c in self._changes(conn, cs_id)]
            d["contributors"] = self._contributors(conn, cs_id)
            d["events"] = [dict(r) for r in conn.execute(
                "SELECT event, actor, at, detail FROM lexicon_changeset_events WHERE changeset_id = ? ORDER BY id",
                (cs_id,)).fetchall()]
        return d

    def changesets(self, status: str | None = "draft", limit: int = 100) -> list[dict[str, Any]]:
        """Change-sets (default: open drafts), newest first, with their change counts."""
        with self._read() as conn:
            return newest_rows(conn, "lexicon_changesets c", "c.*, (SELECT COUNT(*) FROM lexicon_changes x "
                               "WHERE x.changeset_id = c.id) AS n_changes", status, limit)

    def _open_draft(self, conn: Tx, cs_id: int, expected_revision: int | None, *,
                    editing: bool = False) -> Row:
        row = self._changeset_row(conn, cs_id)
        if row["status"] != "draft":
            where = f" as version {row['published_version']}" if row["published_version"] else ""
            raise StoreError(f"change-set #{cs_id} is {row['status']}{where}; open a new draft")
        if editing and row["kind"] == "rollback":
            raise StoreError(f"change-set #{cs_id} restores version {row['rollback_of']} exactly and cannot be "
                             "edited; discard it and draft the change you need")
        if expected_revision is not None and row["revision"] != expected_revision:
            raise ConflictError(
                f"change-set #{cs_id} was changed by someone else (now at revision {row['revision']}, "
                f"you edited revision {expected_revision}); reload it and apply your change again",
                revision=row["revision"])
        return row

    def _bump(self, conn: Tx, cs_id: int) -> int:
        conn.execute("UPDATE lexicon_changesets SET revision = revision + 1, updated_at = ? WHERE id = ?",
                     (_now(), cs_id))
        return int(conn.execute("SELECT revision FROM lexicon_changesets WHERE id = ?", (cs_id,)).fetchone()[0])

    def _write_changes(self, conn: Tx, cs_id: int,
                       rows: Sequence[tuple[str, str, str | None, bool, str]], editor: str) -> None:
        """Upsert ``(term_id, op, data_json, force, source)`` rows and record ``editor`` as a contributor."""
        now = _now()
        conn.executemany(
            "INSERT INTO lexicon_changes (changeset_id, term_id, op, data, force, source, editor, updated_at)"
            " VALUES (?,?,?,?,?,?,?,?) ON CONFLICT(changeset_id, term_id) DO UPDATE SET op = excluded.op,"
            " data = excluded.data, force = excluded.force, source = excluded.source,"
            " editor = excluded.editor, updated_at = excluded.updated_at",
            [(cs_id, t, o, d, int(f), s, editor, now) for t, o, d, f, s in rows])
        revision = int(conn.execute("SELECT revision FROM lexicon_changesets WHERE id = ?", (cs_id,)).fetchone()[0])
        self._contribute(conn, cs_id, editor, revision + 1)

    def set_change(self, cs_id: int | None, op: str, *, editor: Actor | str, entry: dict[str, Any] | None = None,
                   term_id: str | None = None, force: bool = False, expected_revision: int | None = None,
                   source: str = "", note: str = "") -> dict[str, Any]:
        """Draft one addition / edit / removal (replacing an earlier draft change of the same entry).

        ``cs_id`` ``None``: into a new draft by ``editor`` (``note``), created in the same transaction, so a
        refused change leaves no empty draft behind.

        ``editor`` becomes a contributor of the change-set (and so cannot approve it under four-eyes).
        ``entry`` (add / edit) is validated by the lexicon parser first; an edit that renames
        the entry (other term or category) is drafted as removal + addition. Returns
        ``{"changeset_id", "revision", "changes", "issues"}`` (issues of this change against the base version).
        """
        who = self.actor(editor, "editor")
        if op not in ("add", "edit", "remove"):
            raise StoreError(f"unknown change {op!r} (expected add, edit or remove)")
        rows: list[tuple[str, str, str | None]] = []
        if op == "remove":
            tid = term_id or (term_id_of(entry) if isinstance(entry, dict) else "")
            if not tid:
                raise StoreError("a removal needs the term_id (category:term) of the entry")
            rows.append((tid, "remove", None))
        else:
            e, problems = parse_entry_dict(entry, source=source or "draft")
            errors = [p for p in problems if p.severity == "error"]
            if e is None or errors:
                raise ValidationError([Issue("error", "entry", p.message, term_id or "", source, p.line)
                                       for p in errors] or [Issue("error", "entry", "invalid entry")])
            js = entry_json(e)
            if op == "edit" and term_id and term_id != e.term_id:
                rows += [(term_id, "remove", None), (e.term_id, "add", js)]
            else:
                rows.append((e.term_id, op, js))
        seeded = self.ensure_seeded() if cs_id is None else 0
        with self._tx() as conn:
            if cs_id is None:
                cs_id = self._insert_changeset(conn, who.name, note, seeded)
            row = self._open_draft(conn, cs_id, expected_revision, editing=True)
            self._write_changes(conn, cs_id, [(t, o, d, force, source) for t, o, d in rows], who.name)
            revision = self._bump(conn, cs_id)
            base = int(row["base_version"])
        changes = [Change(t, o, json.loads(d) if d else None, force, source, who.name) for t, o, d in rows]
        issues = validate_changes(changes, self.entry_map(base), base_version=base,
                                  known_categories=self.categories(base))
        return {"changeset_id": cs_id, "revision": revision, "changes": [c.to_dict() for c in changes],
                "issues": [i.to_dict() for i in issues]}

    def add_changes(self, cs_id: int, changes: Sequence[Change], *, editor: Actor | str,
                    expected_revision: int | None = None) -> int:
        """Draft several already validated changes into a draft in one transaction; returns the new revision."""
        who = self.actor(editor, "editor")
        with self._tx() as conn:
            self._open_draft(conn, cs_id, expected_revision, editing=True)
            self._write_changes(conn, cs_id, [(c.term_id, c.op, _data_json(c.data), c.force, c.source)
                                              for c in changes], who.name)
            return self._bump(conn, cs_id)

    def drop_change(self, cs_id: int, term_id: str, *, editor: Actor | str,
                    expected_revision: int | None = None) -> int:
        """Take one drafted change back out (``editor`` becomes a contributor); returns the new revision."""
        who = self.actor(editor, "editor")
        with self._tx() as conn:
            self._open_draft(conn, cs_id, expected_revision, editing=True)
            cur = conn.execute("DELETE FROM lexicon_changes WHERE changeset_id = ? AND term_id = ?", (cs_id, term_id))
            if cur.rowcount == 0:
                raise NotFoundError(f"change-set #{cs_id} has no change for {term_id!r}")
            revision = self._bump(conn, cs_id)
            self._contribute(conn, cs_id, who.name, revision)
            return revision

    @staticmethod
    def _record_event(conn: Tx, cs_id: int, event: str, actor: str, detail: str = "") -> None:
        conn.execute("INSERT INTO lexicon_changeset_events (changeset_id, event, actor, at, detail) VALUES (?,?,?,?,?)",
                     (cs_id, event, actor, _now(), detail))

    def discard_changeset(self, cs_id: int, *, by: Actor | str) -> None:
        """Abandon a draft (kept, marked discarded, for the record, with who discarded it)."""
        who = self.actor(by, "editor")
        with self._tx() as conn:
            self._open_draft(conn, cs_id, None)
            conn.execute("UPDATE lexicon_changesets SET status = 'discarded', updated_at = ? WHERE id = ?",
                         (_now(), cs_id))
            self._record_event(conn, cs_id, "discard", who.name)

    def rebase_changeset(self, cs_id: int, *, by: Actor | str) -> dict[str, Any]:
        """Move a stale draft onto the live version; returns the entries also changed by the newer versions.

        The revision moves, so an approver reviews the rebased draft before publishing it. A rollback
        change-set is not rebased (it would no longer restore its version): request it again. ``by`` (who
        rebased) is recorded with the versions moved across.
        """
        who = self.actor(by, "editor")
        with self._tx() as conn:
            row = self._open_draft(conn, cs_id, None)
            if row["kind"] == "rollback":
                raise StoreError(f"change-set #{cs_id} is a rollback to version {row['rollback_of']}; it cannot be "
                                 "rebased: discard it and request the rollback again")
            live = int(conn.execute("SELECT MAX(number) FROM lexicon_versions").fetchone()[0])
            base = int(row["base_version"])
            touched: set[str] = set()
            for (dj,) in conn.execute("SELECT diff_json FROM lexicon_versions WHERE number > ? AND number <= ?",
                                      (base, live)).fetchall():
                d = json.loads(dj)
                touched.update(d["added"] + d["removed"] + d["changed"])
            mine = {c.term_id for c in self._changes(conn, cs_id)}
            conn.execute("UPDATE lexicon_changesets SET base_version = ? WHERE id = ?", (live, cs_id))
            revision = self._bump(conn, cs_id)
            self._record_event(conn, cs_id, "rebase", who.name, f"v{base} -> v{live}")
        return {"changeset_id": cs_id, "from_version": base, "to_version": live, "revision": revision,
                "overlapping": sorted(mine & touched)}

    def _issues(self, row: Row, changes: list[Change]) -> list[Issue]:
        base = int(row["base_version"])
        if row["kind"] == "rollback":  # restores a version that was approved before: entry rules are not re-run
            issues: list[Issue] = []
        else:
            issues = validate_changes(changes, self.entry_map(base), base_version=base,
                                      known_categories=self.categories(base))
        if not changes:
            issues.append(Issue("error", "empty", f"change-set #{row['id']} has no changes"))
        return issues

    def validate_changeset(self, cs_id: int) -> list[Issue]:
        """Store-level validation of a draft against its base version."""
        row, changes, _ = self._snapshot(cs_id)
        return self._issues(row, changes)

    def _draft_map(self, row: Row, changes: list[Change]) -> dict[str, Entry]:
        result = dict(self.entry_map(int(row["base_version"])))
        for ch in changes:
            if ch.op == "remove":
                result.pop(ch.term_id, None)
            else:
                try:
                    result[ch.term_id] = entry_from_dict(ch.data or {}, source=f"draft#{row['id']}")
                except ValueError:
                    continue
        return result

    def draft_entries(self, cs_id: int) -> list[Entry]:
        """The entries the live lexicon would have after publishing the draft (valid changes only)."""
        row, changes, _ = self._snapshot(cs_id)
        result = self._draft_map(row, changes)
        return [result[t] for t in sorted(result)]

    # ------------------------------------------------------------------ preview

    def preview_corpus(self, *, include_samples: bool = True) -> list[CorpusText]:
        """The bundled sample corpora plus the recent texts the service recorded (deduplicated)."""
        paths = self.config.sample_paths if self.config.sample_paths is not None else bundled_sample_paths()
        items: list[CorpusText] = []
        for p in paths:
            items.extend(load_sample_file(p))
        if include_samples:
            items.extend(self.samples.texts())
        seen: set[str] = set()
        out = []
        for it in items:
            if it.text not in seen:
                seen.add(it.text)
                out.append(it)
        return out

    def preview(self, cs_id: int, *, base_matcher: Any = None, corpus: Sequence[CorpusText] | None = None,
                today: dt.date | None = None, progress: Callable[[int, int], None] | None = None) -> PreviewReport:
        """Decision diff of the draft against its base version on the preview corpus (``corpus``: another
        one, e.g. an uploaded file; ``progress(done, total)``: see :func:`~plugin.store.preview.run_preview`).

        The report names the revision it previewed (``revision``): publishing names it back, so what
        goes live is exactly what was previewed.
        """
        row, changes, _ = self._snapshot(cs_id)
        base = int(row["base_version"])
        if base_matcher is None or str(getattr(base_matcher, "version", "")) != str(base):
            base_matcher = self.build_matcher(base)
        entries = self._draft_map(row, changes)
        draft = self.matcher_factory([entries[t] for t in sorted(entries)], f"draft#{cs_id}")
        rep = run_preview(base_matcher, draft, corpus if corpus is not None else self.preview_corpus(),
                          base_version=base, today=today, max_examples=self.config.preview_examples,
                          max_new_block_share=self.config.max_new_block_share, progress=progress)
        rep.changeset_id, rep.revision = cs_id, int(row["revision"])
        return rep

    # ------------------------------------------------------------------ publish / rollback

    def _approval(self, row: Row, contributors: Sequence[str], who: Actor) -> str:
        """How ``who`` approves this change-set (``four-eyes``, ``self``, ``single-operator``); raises
        :class:`FourEyesError` when ``who`` drafted or changed it and four-eyes is on."""
        did = "drafted" if identity_key(who.name) == identity_key(str(row["author"])) else "changed"
        return approval_kind(who, [str(row["author"]), *contributors], self.config,
                             f"four-eyes: {who.name!r} {did} change-set #{row['id']} and cannot also approve it; "
                             "someone who did not change it must publish it")

    @staticmethod
    def _check_revision(row: Row, expected_revision: int) -> None:
        if row["revision"] != expected_revision:
            raise ConflictError(
                f"change-set #{row['id']} is at revision {row['revision']}, not revision {expected_revision} that "
                f"you approved: it changed after you reviewed it. Review it again (preview) and publish revision "
                f"{row['revision']}.", revision=row["revision"], base_version=row["base_version"])

    def publish(self, cs_id: int, *, approver: Actor | str, expected_revision: int, note: str | None = None,
                force: bool = False, base_matcher: Any = None, corpus: Sequence[CorpusText] | None = None) -> int:
        """Publish revision ``expected_revision`` of a draft as a new version; returns its number.

        Refused (nothing changes, the draft stays) when: the draft is no longer at
        ``expected_revision`` (it moved after the approver reviewed it); under four-eyes, the
        approver drafted or changed it (any contributor); the draft is based on an older version
        than the live one; validation finds errors; or, without ``force``, forceable issues such as
        a draft that newly blocks more than ``max_new_block_share`` of the preview corpus.
        """
        who = self.actor(approver, "approver")
        if isinstance(expected_revision, bool) or not isinstance(expected_revision, int):
            raise StoreError("publishing needs expected_revision: the revision of the change-set you reviewed")
        row, changes, contributors = self._snapshot(cs_id)
        if row["status"] != "draft":
            raise StoreError(f"change-set #{cs_id} is {row['status']}; nothing to publish")
        self._check_revision(row, expected_revision)
        self._approval(row, contributors, who)
        self._check_base(row)
        issues = self._issues(row, changes)
        if not force and not any(i.level == "error" for i in issues):
            try:
                rep = self.preview(cs_id, base_matcher=base_matcher, corpus=corpus)
            except ImportError as exc:
                issues.append(Issue("warning", "preview", f"preview skipped (no matcher available: {exc})"))
            else:
                if rep.needs_force:
                    issues.append(Issue(
                        "force", "block_share",
                        f"the draft newly blocks {rep.counts['newly_blocked']} of {rep.corpus_size} preview texts "
                        f"({rep.new_block_share:.1%} > {self.config.max_new_block_share:.1%}); "
                        "review the preview and publish with force to go ahead"))
        blocking = [i for i in issues if i.level == "error" or (i.level == "force" and not force)]
        if blocking:
            raise ValidationError(issues)
        with self._tx() as conn:
            row2 = self._changeset_row(conn, cs_id)
            if row2["status"] != "draft":
                raise ConflictError(f"change-set #{cs_id} changed while it was being published; "
                                    "review it and publish again")
            self._check_revision(row2, expected_revision)
            approval = self._approval(row2, self._contributors(conn, cs_id), who)
            self._check_base(row2, conn)
            base = int(row2["base_version"])
            old = self._version_map(conn, base)
            if row2["kind"] == "rollback":
                new = self._version_map(conn, int(row2["rollback_of"]))  # exactly the version it restores
            else:
                new = dict(old)
                for ch in self._changes(conn, cs_id):
                    if ch.op == "remove":
                        new.pop(ch.term_id, None)
                    else:
                        new[ch.term_id] = entry_json(entry_from_dict(ch.data or {}))
            number = base + 1
            kind = "rollback" if row2["kind"] == "rollback" else "publish"
            self._write_version(conn, number, base, kind, row2["author"], who.name,
                                note if note is not None else row2["note"], cs_id, row2["rollback_of"], new, old,
                                approval)
            conn.execute("UPDATE lexicon_changesets SET status = 'published', published_version = ?, updated_at = ?"
                         " WHERE id = ?", (number, _now(), cs_id))
            self.db.notify(conn, VERSION_CHANNEL, str(number))  # delivered to the replicas on commit
            _fault("publish:before_commit")
        log.info("published lexicon version %s (change-set #%s, author %s, approver %s, %s)",
                 number, cs_id, row2["author"], who.name, approval)
        return number

    def _check_base(self, row: Row, conn: Tx | None = None) -> None:
        q = "SELECT number, author, note FROM lexicon_versions ORDER BY number DESC LIMIT 1"
        if conn is not None:
            live = conn.execute(q).fetchone()
        else:
            rows = self.db.execute(q)
            live = rows[0] if rows else None
        if live is not None and live["number"] != row["base_version"]:
            raise ConflictError(
                f"conflict: change-set #{row['id']} was drafted on version {row['base_version']} but version "
                f"{live['number']} (by {live['author']}: {live['note'] or 'no note'}) is live now. The draft is "
                f"kept: rebase it onto version {live['number']}, check the preview and publish again.",
                base_version=row["base_version"], live_version=live["number"])

    def request_rollback(self, to_version: int, *, author: Actor | str, note: str = "") -> int:
        """Draft a rollback: a change-set (kind ``rollback``) restoring the entries of ``to_version``;
        returns its id. Like any change-set it goes live only when an approver publishes it (under
        four-eyes, someone other than ``author``); it cannot be edited or rebased."""
        who = self.actor(author, "author")
        self.ensure_seeded()
        now = _now()
        with self._tx() as conn:
            self._require_version(conn, to_version)
            live = int(conn.execute("SELECT MAX(number) FROM lexicon_versions").fetchone()[0])
            if to_version == live:
                raise StoreError(f"version {to_version} is already live")
            new, old = self._version_map(conn, to_version), self._version_map(conn, live)
            rows = ([(t, "add", new[t], True, f"v{to_version}") for t in sorted(set(new) - set(old))]
                    + [(t, "remove", None, True, f"v{to_version}") for t in sorted(set(old) - set(new))]
                    + [(t, "edit", new[t], True, f"v{to_version}") for t in sorted(set(new) & set(old))
                       if new[t] != old[t]])
            if not rows:
                raise StoreError(f"version {to_version} has the same entries as the live version {live}; "
                                 "nothing to roll back")
            cur = conn.execute(
                "INSERT INTO lexicon_changesets (base_version, author, note, created_at, updated_at, kind, rollback_of)"
                " VALUES (?,?,?,?,?,'rollback',?) RETURNING id",
                (live, who.name, note or f"rollback to version {to_version}", now, now, to_version))
            cs_id = inserted_id(cur)
            self._contribute(conn, cs_id, who.name, 0)
            self._write_changes(conn, cs_id, rows, who.name)
            self._bump(conn, cs_id)
        return cs_id

    # ------------------------------------------------------------------ files

    def import_files(self, paths: Sequence[ImportSource], *, author: Actor | str, note: str = "",
                     changeset_id: int | None = None, replace: bool = False, dry_run: bool = False,
                     force: bool = False) -> ImportReport:
        """Validate lexicon files (paths or :class:`~plugin.store.files.LexiconDocument` uploads) and draft their changes into a change-set (``changeset_id``, else a new
        one), all or nothing: any error, or a forceable issue without ``force``, leaves the store untouched
        (:func:`~plugin.store.files.plan_import` says what the files change)."""
        who = self.actor(author, "author")
        base = int(self.changeset(changeset_id)["base_version"]) if changeset_id is not None else self.ensure_seeded()
        rep = plan_import(paths, self.entry_map(base), base_version=base, known_categories=self.categories(base),
                          editor=who.name, changeset_id=changeset_id, replace=replace, dry_run=dry_run, force=force)
        if not rep.ok or dry_run or not rep.changes:
            return rep
        if changeset_id is None:
            rep.changeset_id = self.create_changeset(who, note or import_note(paths), changes=rep.changes,
                                                     base_version=base)
        else:
            self.add_changes(changeset_id, rep.changes, editor=who)
        return rep

    def export(self, version: int | None, out_dir: str | Path) -> list[str]:
        """Write ``version`` (default: live) as YAML lexicon files, one per category, into ``out_dir`` (each
        file replaced atomically); returns the paths written."""
        if version is None:
            version = self.ensure_seeded()
        documents = export_documents(version, self.version_info(version), self.entries(version))
        out = Path(out_dir)
        out.mkdir(parents=True, exist_ok=True)
        written = []
        for name, text in documents.items():
            path = out / name
            fd, tmp = tempfile.mkstemp(dir=out, prefix=f".{path.stem}.", suffix=".tmp")
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                fh.write(text)
            os.replace(tmp, path)
            written.append(str(path))
        return written

    def _same_open_draft(self, author: str, base: int, changes: Sequence[Change]) -> dict[str, Any] | None:
        """``author``'s open edit draft on ``base`` holding exactly ``changes`` (an earlier, interrupted apply)."""
        want = sorted((c.term_id, c.op, _data_json(c.data)) for c in changes)
        with self._read() as conn:
            rows = conn.execute("SELECT id FROM lexicon_changesets WHERE status = 'draft' AND kind = 'edit'"
                                " AND author = ? AND base_version = ? ORDER BY id", (author, base)).fetchall()
            for r in rows:
                have = sorted((c.term_id, c.op, _data_json(c.data)) for c in self._changes(conn, r["id"]))
                if have == want:
                    return dict(self._changeset_row(conn, r["id"]))
        return None

    def apply(self, paths: Sequence[str], *, author: Actor | str, note: str, replace: bool = False,
              force: bool = False, publish: bool = True) -> ApplyResult:
        """Validate files and record them as a change-set by ``author``; with ``publish``, also publish it
        as ``author`` (only possible where one person may publish alone: the single-operator mode, or
        four-eyes off). Files that change nothing are reported as ``unchanged`` (nothing is written).
        An earlier apply of the same files that was interrupted left ``author``'s draft with the same
        changes: it is reused rather than drafted again."""
        who = self.actor(author, "author")
        if publish and self.config.four_eyes and not who.single_operator:
            raise FourEyesError(f"four-eyes: {who.name!r} cannot publish their own change; apply without publishing "
                                "and let an approver publish the change-set")
        rep = self.import_files(paths, author=who, note=note, replace=replace, force=force, dry_run=True)
        if not rep.ok:
            raise ValidationError(rep.issues, "import refused: " + "; ".join(rep.messages()[:5]))
        if not rep.changes:
            return ApplyResult(report=rep, unchanged=True)
        found = self._same_open_draft(who.name, rep.base_version, rep.changes)
        if found is not None:
            cs_id, reused = int(found["id"]), True
        else:
            cs_id = self.create_changeset(who, note, changes=rep.changes, base_version=rep.base_version)
            reused = False
        rep.changeset_id, rep.dry_run = cs_id, False
        revision = int(self.changeset(cs_id)["revision"])
        version = None
        if publish:
            try:
                version = self.publish(cs_id, approver=who, expected_revision=revision, note=note, force=force)
            except StoreError:
                self.discard_changeset(cs_id, by=who)
                raise
        return ApplyResult(report=rep, changeset_id=cs_id, revision=revision, version=version, reused=reused)

    # ------------------------------------------------------------------ samples

    def record_sample(self, kind: str, text: str) -> None:
        """Remember a text the service saw (``query``, ``suggestion``, ``candidate`` ...) for previews."""
        self.samples.record(kind, text)


@functools.lru_cache(maxsize=8)
def _file_categories(paths: tuple[str, ...]) -> frozenset[str]:
    """Categories defined by lexicon files (cached per process; bundled files do not change at run time)."""
    return frozenset(e.category for lex in load_lexicons(paths) for e in lex.entries)


def _data_json(data: dict[str, Any] | None) -> str | None:
    """Canonical JSON of a change's entry dict (``None`` for a removal)."""
    return json.dumps(data, ensure_ascii=False, sort_keys=True) if data else None
