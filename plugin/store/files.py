"""Import lexicon files into a change-set and export versions to the ``lexicons/`` YAML format."""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Sequence

import yaml

from plugin.errors import LexiconError
from plugin.lexicon import Entry, parse_lexicon_text, read_lexicon_text

from .entries import entry_json
from .errors import Issue, StoreError
from .validate import Change, validate_changes

if TYPE_CHECKING:
    from .store import LexiconStore

__all__ = ["ImportReport", "export_version", "import_files"]


@dataclass
class ImportReport:
    """What an import found and did. ``ok`` is false when anything refused it (then nothing was written)."""

    ok: bool
    dry_run: bool
    base_version: int
    changeset_id: int | None = None
    counts: dict[str, int] = field(default_factory=dict)
    issues: list[Issue] = field(default_factory=list)
    changes: list[Change] = field(default_factory=list)

    def messages(self, levels: tuple[str, ...] = ("error", "force")) -> list[str]:
        return [str(i) for i in self.issues if i.level in levels]

    def to_dict(self) -> dict[str, Any]:
        return {"ok": self.ok, "dry_run": self.dry_run, "base_version": self.base_version,
                "changeset_id": self.changeset_id, "counts": self.counts,
                "issues": [i.to_dict() for i in self.issues],
                "changes": [{"term_id": c.term_id, "op": c.op, "source": c.source} for c in self.changes]}


def _parse_files(paths: Sequence[str], issues: list[Issue]) -> list[Entry]:
    entries: list[Entry] = []
    for path in paths:
        try:
            text = read_lexicon_text(str(path))
        except LexiconError as exc:
            issues.extend(Issue("error", "file", p.message, "", p.path, p.line) for p in exc.problems)
            continue
        lex, problems = parse_lexicon_text(text, str(path))
        for p in problems:
            issues.append(Issue(p.severity, "parse", p.message, "", p.path, p.line))
        entries.extend(lex.entries)
    return entries


def import_files(store: "LexiconStore", paths: Sequence[str], *, author: str, note: str = "",
                 changeset_id: int | None = None, replace: bool = False, dry_run: bool = False,
                 force: bool = False) -> ImportReport:
    """Validate ``paths`` and draft their entries (additions and edits; with ``replace`` also
    removals of entries missing from the files' categories) into a change-set.

    All or nothing: any error (or a forceable issue without ``force``) leaves the store untouched.
    """
    if not paths:
        raise StoreError("no lexicon files given")
    issues: list[Issue] = []
    entries = _parse_files(paths, issues)
    if changeset_id is not None:
        base = int(store.changeset(changeset_id)["base_version"])
    else:
        base = store.ensure_seeded()
    base_map = store.entry_map(base)
    seen: dict[str, Entry] = {}
    changes: list[Change] = []
    counts = {"add": 0, "edit": 0, "remove": 0, "unchanged": 0}
    for e in entries:
        if e.term_id in seen:
            if entry_json(seen[e.term_id]) != entry_json(e):
                line = e.source.rsplit(":", 1)[-1]
                issues.append(Issue("error", "duplicate",
                                    f"{e.term_id!r} is defined again differently (first at {seen[e.term_id].source})",
                                    e.term_id, e.source, int(line) if line.isdigit() else None))
            continue
        seen[e.term_id] = e
        old = base_map.get(e.term_id)
        if old is not None and entry_json(old) == entry_json(e):
            counts["unchanged"] += 1
            continue
        op = "edit" if old is not None else "add"
        counts[op] += 1
        changes.append(Change(e.term_id, op, e.to_dict(), force, e.source, author))
    if replace:
        cats = {e.category for e in seen.values()}
        for tid, old in base_map.items():
            if old.category in cats and tid not in seen:
                counts["remove"] += 1
                changes.append(Change(tid, "remove", None, force, "", author))
    issues.extend(validate_changes(changes, base_map, base_version=base, known_categories=store.categories(base)))
    if not changes and not any(i.level == "error" for i in issues):
        issues.append(Issue("warning", "empty", f"the files change nothing against version {base}"))
    ok = not any(i.level == "error" or (i.level == "force" and not force) for i in issues)
    rep = ImportReport(ok, dry_run, base, changeset_id, counts, issues, changes)
    if not ok or dry_run or not changes:
        return rep
    if changeset_id is None:
        rep.changeset_id = changeset_id = store.create_changeset(author, note or "import " + ", ".join(
            Path(p).name for p in paths))
        if int(store.changeset(changeset_id)["base_version"]) != base:
            store.discard_changeset(changeset_id)
            raise StoreError("a new version was published during the import; run it again")
    _write_changes(store, changeset_id, changes, author)
    return rep


def _write_changes(store: "LexiconStore", cs_id: int, changes: list[Change], editor: str) -> None:
    """Insert the changes in one transaction (replacing earlier drafts of the same entries)."""
    import datetime as dt
    import json

    now = dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
    with store._tx() as conn:
        store._open_draft(conn, cs_id, None)
        conn.executemany(
            "INSERT INTO lexicon_changes (changeset_id, term_id, op, data, force, source, editor, updated_at)"
            " VALUES (?,?,?,?,?,?,?,?) ON CONFLICT(changeset_id, term_id) DO UPDATE SET op = excluded.op,"
            " data = excluded.data, force = excluded.force, source = excluded.source, editor = excluded.editor,"
            " updated_at = excluded.updated_at",
            [(cs_id, c.term_id, c.op, json.dumps(c.data, ensure_ascii=False) if c.data else None, int(c.force),
              c.source, editor, now) for c in changes])
        store._bump(conn, cs_id)


class _NoAliasDumper(yaml.SafeDumper):
    """Writes a value shared by two entries out twice: lexicon files may not hold anchors / aliases."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


def export_version(store: "LexiconStore", version: int | None, out_dir: str | Path) -> list[str]:
    """Write ``version`` (default: live) as one YAML lexicon per category; returns the file paths."""
    if version is None:
        version = store.ensure_seeded()
    info = store.version_info(version)
    by_cat: dict[str, list[Entry]] = {}
    for e in store.entries(version):
        by_cat.setdefault(e.category, []).append(e)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for cat in sorted(by_cat):
        doc = {
            "lexicon": cat, "category": cat, "version": version,
            "source": f"qinglang lexicon store, version {version} ({info['created_at']}, "
                      f"author {info['author']}, approver {info['approver'] or '-'})",
            "entries": [e.to_dict() for e in sorted(by_cat[cat], key=lambda x: x.term_id)],
        }
        text = yaml.dump(doc, Dumper=_NoAliasDumper, allow_unicode=True, sort_keys=False, width=120)
        path = out / f"{cat}.yaml"
        fd, tmp = tempfile.mkstemp(dir=out, prefix=f".{cat}.", suffix=".tmp")
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(f"# Exported from the qinglang lexicon store: version {version}, category {cat}.\n")
            fh.write(text)
        os.replace(tmp, path)
        written.append(str(path))
    return written
