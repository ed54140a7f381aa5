"""Validation of a change-set against the version it is based on.

Levels: ``error`` (refused), ``force`` (refused unless forced), ``warning`` (reported only).
Entry-level checks (empty / whitespace / control characters / bad fields) come from the
lexicon parser; this module adds the store-level rules: single-character terms, conflicting
duplicates, unknown categories, edits/removals of entries that do not exist, and bidirectional
controls in any field (whatever the change came through: API, console, file import).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable

from plugin.lexicon import Entry, first_bidi_control
from plugin.normalize import BREAK, dense_key

from .entries import entry_from_dict
from .errors import Issue

__all__ = ["Change", "validate_changes"]


@dataclass(frozen=True, slots=True)
class Change:
    """One drafted change: ``op`` add / edit / remove of ``term_id`` (``data`` is the entry dict)."""

    term_id: str
    op: str
    data: dict[str, Any] | None = None
    force: bool = False
    source: str = ""
    editor: str = ""

    @property
    def line(self) -> int | None:
        tail = self.source.rsplit(":", 1)[-1] if ":" in self.source else ""
        return int(tail) if tail.isdigit() else None

    def to_dict(self) -> dict[str, Any]:
        return {"term_id": self.term_id, "op": self.op, "entry": self.data, "force": self.force,
                "source": self.source, "editor": self.editor}




def _bidi_fields(data: dict[str, Any]) -> list[str]:
    """Where ``data`` holds a bidirectional control: ``field: U+XXXX at position N`` per string (iterative)."""
    found: list[str] = []
    stack: list[tuple[str, Any]] = [(str(k), v) for k, v in data.items()]
    while stack:
        where, value = stack.pop()
        if isinstance(value, str):
            pos = first_bidi_control(value)
            if pos >= 0:
                found.append(f"{where}: U+{ord(value[pos]):04X} at position {pos}")
        elif isinstance(value, dict):
            stack.extend((f"{where}.{k}", v) for k, v in value.items())
        elif isinstance(value, list):
            stack.extend((f"{where}[{i}]", v) for i, v in enumerate(value))
    return sorted(found)


def _key(e: Entry) -> tuple[str, str, str]:
    return (e.category, e.scope, dense_key(e.term).replace(BREAK, ""))


def validate_changes(changes: Iterable[Change], base: dict[str, Entry], *, base_version: int | None,
                     known_categories: set[str]) -> list[Issue]:
    """Check ``changes`` against ``base`` (term_id -> entry); returns every issue found."""
    changes = list(changes)
    issues: list[Issue] = []

    def add(level: str, code: str, msg: str, ch: Change) -> None:
        issues.append(Issue(level, code, msg, ch.term_id, ch.source, ch.line))

    result: dict[str, Entry] = dict(base)
    touched: list[tuple[Change, Entry]] = []
    vname = f"version {base_version}" if base_version is not None else "the base version"
    for ch in changes:
        if ch.op == "remove":
            if ch.term_id not in base:
                add("error", "missing", f"cannot remove {ch.term_id!r}: it is not in {vname}", ch)
            result.pop(ch.term_id, None)
            continue
        if ch.op not in ("add", "edit"):
            add("error", "op", f"unknown change {ch.op!r} (expected add, edit or remove)", ch)
            continue
        bidi = _bidi_fields(ch.data or {})
        if bidi:
            add("error", "entry", "bidirectional control character in " + "; ".join(bidi[:3])
                + ": it changes the order in which the entry is shown (what reviewers read is not what is "
                "published); remove it", ch)
            continue
        try:
            entry = entry_from_dict(ch.data or {}, source=ch.source or "draft")
        except ValueError as exc:
            add("error", "entry", f"invalid entry: {exc}", ch)
            continue
        if ch.op == "add" and ch.term_id in base:
            add("error", "exists", f"{ch.term_id!r} already exists in {vname}; draft an edit instead", ch)
        elif ch.op == "edit":
            if ch.term_id not in base:
                add("error", "missing", f"cannot edit {ch.term_id!r}: it is not in {vname}", ch)
            elif base[ch.term_id].to_dict() == entry.to_dict():
                add("warning", "unchanged", f"edit of {ch.term_id!r} changes nothing", ch)
        if entry.category not in known_categories:
            add("error", "category",
                f"unknown category {entry.category!r} (known: {', '.join(sorted(known_categories))}; "
                "add it to the store's extra_categories to introduce a new one)", ch)
        if len(dense_key(entry.term).replace(BREAK, "")) <= 1 and entry.action != "allow" and not ch.force:
            add("force", "single_char",
                f"single-character term {entry.term!r} would match far too much; mark the change forced to keep it", ch)
        result[ch.term_id] = entry
        touched.append((ch, entry))
    by_key: dict[tuple[str, str, str], list[str]] = {}
    for tid, e in result.items():
        by_key.setdefault(_key(e), []).append(tid)
    for ch, e in touched:
        for other in by_key.get(_key(e), []):
            if other == ch.term_id:
                continue
            o = result[other]
            if (o.action, o.severity) != (e.action, e.severity):
                add("error", "duplicate",
                    f"conflicting duplicate: {e.term!r} ({e.action}/{e.severity}) normalises like {other!r} "
                    f"({o.action}/{o.severity}) in category {e.category!r}", ch)
            else:
                add("warning", "duplicate", f"{e.term!r} duplicates {other!r}", ch)
    return issues
