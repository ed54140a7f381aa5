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

from .actor import Actor
from .entries import entry_json
from .errors import Issue, StoreError
from .validate import Change, validate_changes

if TYPE_CHECKING:
    from .store import LexiconStore

__all__ = ["ApplyResult", "ImportReport", "export_version", "import_files"]


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


@dataclass
class ApplyResult:
    """What :meth:`LexiconStore.apply` did: nothing (``unchanged``), a draft awaiting approval
    (``version`` None), or a published ``version``. ``reused``: the author's identical open draft
    from an earlier, interrupted apply was taken instead of drafting the files again."""

    report: ImportReport
    changeset_id: int | None = None
    revision: int | None = None
    version: int | None = None
    unchanged: bool = False
    reused: bool = False


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


def import_files(store: "LexiconStore", paths: Sequence[str], *, author: Actor | str, note: str = "",
                 changeset_id: int | None = None, replace: bool = False, dry_run: bool = False,
                 force: bool = False) -> ImportReport:
    """Validate ``paths`` and draft their entries (additions and edits; with ``replace`` also
    removals of entries missing from the files' categories) into a change-set.

    All or nothing: any error (or a forceable issue without ``force``) leaves the store untouched;
    a new change-set is created together with its changes in one transaction.
    """
    if not paths:
        raise StoreError("no lexicon files given")
    who = store.actor(author, "author")
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
        changes.append(Change(e.term_id, op, e.to_dict(), force, e.source, who.name))
    if replace:
        cats = {e.category for e in seen.values()}
        for tid, old in base_map.items():
            if old.category in cats and tid not in seen:
                counts["remove"] += 1
                changes.append(Change(tid, "remove", None, force, "", who.name))
    issues.extend(validate_changes(changes, base_map, base_version=base, known_categories=store.categories(base)))
    if not changes and not any(i.level == "error" for i in issues):
        issues.append(Issue("warning", "empty", f"the files change nothing against version {base}"))
    ok = not any(i.level == "error" or (i.level == "force" and not force) for i in issues)
    rep = ImportReport(ok, dry_run, base, changeset_id, counts, issues, changes)
    if not ok or dry_run or not changes:
        return rep
    if changeset_id is None:
        rep.changeset_id = store.create_changeset(
            who, note or "import " + ", ".join(Path(p).name for p in paths), changes=changes, base_version=base)
    else:
        store.add_changes(changeset_id, changes, editor=who)
    return rep


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
