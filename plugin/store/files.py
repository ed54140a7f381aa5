"""Lexicon files in and out of the store, as plans: :func:`plan_import` turns files into the changes they
make against a version (validated, nothing written) and :func:`export_documents` turns a version into
YAML documents. :class:`~plugin.store.store.LexiconStore` does the reading and writing."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Mapping, Sequence

import yaml

from plugin.errors import LexiconError
from plugin.lexicon import Entry, parse_lexicon_text, read_lexicon_text

from .entries import entry_json
from .errors import Issue, StoreError
from .validate import Change, validate_changes

__all__ = ["ApplyResult", "ImportReport", "LexiconDocument", "export_documents", "import_note", "plan_import"]


@dataclass(frozen=True)
class LexiconDocument:
    """A lexicon file held in memory (an upload): ``name`` gives its format by suffix and is the source that
    reports and change-sets record."""

    name: str
    text: str


#: What an import reads: a path on disk or an uploaded document.
ImportSource = str | LexiconDocument


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


def _parse_files(sources: Sequence[ImportSource], issues: list[Issue]) -> list[Entry]:
    entries: list[Entry] = []
    for source in sources:
        if isinstance(source, LexiconDocument):
            path, text = source.name, source.text.removeprefix("\ufeff")
        else:
            path = str(source)
            try:
                text = read_lexicon_text(path)
            except LexiconError as exc:
                issues.extend(Issue("error", "file", p.message, "", p.path, p.line) for p in exc.problems)
                continue
        lex, problems = parse_lexicon_text(text, path)
        for p in problems:
            issues.append(Issue(p.severity, "parse", p.message, "", p.path, p.line))
        entries.extend(lex.entries)
    return entries


def plan_import(paths: Sequence[ImportSource], base_map: Mapping[str, Entry], *, base_version: int,
                known_categories: set[str], editor: str, changeset_id: int | None = None,
                replace: bool = False, dry_run: bool = False, force: bool = False) -> ImportReport:
    """Parse and validate ``paths`` (files or uploaded documents) against version ``base_version`` (entries ``base_map``) and plan the
    changes they make: additions and edits, and with ``replace`` also removals of entries missing from
    the files' categories. Writes nothing; :meth:`LexiconStore.import_files
    <plugin.store.store.LexiconStore.import_files>` records the planned changes when ``ok``."""
    if not paths:
        raise StoreError("no lexicon files given")
    issues: list[Issue] = []
    entries = _parse_files(paths, issues)
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
        changes.append(Change(e.term_id, op, e.to_dict(), force, e.source, editor))
    if replace:
        cats = {e.category for e in seen.values()}
        for tid, old in base_map.items():
            if old.category in cats and tid not in seen:
                counts["remove"] += 1
                changes.append(Change(tid, "remove", None, force, "", editor))
    issues.extend(validate_changes(changes, dict(base_map), base_version=base_version,
                                   known_categories=known_categories))
    if not changes and not any(i.level == "error" for i in issues):
        issues.append(Issue("warning", "empty", f"the files change nothing against version {base_version}"))
    ok = not any(i.level == "error" or (i.level == "force" and not force) for i in issues)
    return ImportReport(ok, dry_run, base_version, changeset_id, counts, issues, changes)


def import_note(paths: Sequence[ImportSource]) -> str:
    """The default note of a change-set drafted from ``paths``."""
    return "import " + ", ".join(Path(p.name if isinstance(p, LexiconDocument) else p).name for p in paths)


class _NoAliasDumper(yaml.SafeDumper):
    """Writes a value shared by two entries out twice: lexicon files may not hold anchors / aliases."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


def export_documents(version: int, info: Mapping[str, Any], entries: Iterable[Entry]) -> dict[str, str]:
    """The YAML lexicon files of ``version`` (one per category, ``{file name: text}``); ``info`` is the
    version's row (:meth:`LexiconStore.version_info <plugin.store.store.LexiconStore.version_info>`)."""
    by_cat: dict[str, list[Entry]] = {}
    for e in entries:
        by_cat.setdefault(e.category, []).append(e)
    out: dict[str, str] = {}
    for cat in sorted(by_cat):
        doc = {
            "lexicon": cat, "category": cat, "version": version,
            "source": f"qinglang lexicon store, version {version} ({info['created_at']}, "
                      f"author {info['author']}, approver {info['approver'] or '-'})",
            "entries": [e.to_dict() for e in sorted(by_cat[cat], key=lambda x: x.term_id)],
        }
        text = yaml.dump(doc, Dumper=_NoAliasDumper, allow_unicode=True, sort_keys=False, width=120)
        out[f"{cat}.yaml"] = f"# Exported from the qinglang lexicon store: version {version}, category {cat}.\n{text}"
    return out

