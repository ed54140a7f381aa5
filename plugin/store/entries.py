"""Entries ⇄ JSON dicts for the store, through :mod:`plugin.lexicon`'s own YAML entry parser
(:func:`~plugin.lexicon.parse_entry_dict`).

The store keeps each entry as the JSON of :meth:`Entry.to_dict`; reading it back goes
through the same parser as a YAML lexicon entry, so a stored entry and a file entry
are validated identically.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any, Iterable

from plugin.lexicon import Entry, parse_entry_dict

__all__ = ["digest", "entry_from_dict", "entry_json", "parse_entry_dict", "term_id_of"]


def entry_from_dict(data: dict[str, Any], *, source: str = "store", stored: bool = False) -> Entry:
    """Build an entry from a dict that is known to be valid (raises ``ValueError`` otherwise)."""
    entry, problems = parse_entry_dict(data, source=source, stored=stored)
    errors = [p for p in problems if p.severity == "error"]
    if entry is None or errors:
        raise ValueError("; ".join(p.message for p in errors) or "invalid entry")
    return entry


def entry_json(entry: Entry) -> str:
    """Canonical JSON of an entry (sorted keys, no source location)."""
    return json.dumps(entry.to_dict(), ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def term_id_of(data: dict[str, Any]) -> str:
    """The stable id an entry dict will get: ``id`` or ``category:term``."""
    if data.get("id"):
        return str(data["id"])
    return f"{data.get('category', '')}:{str(data.get('term', '')).strip()}"


def digest(entry_jsons: Iterable[tuple[str, str]]) -> str:
    """sha256 over (term_id, json) pairs in term_id order: identifies a version's content."""
    h = hashlib.sha256()
    for tid, js in sorted(entry_jsons):
        h.update(tid.encode("utf-8") + b"\x00" + js.encode("utf-8") + b"\n")
    return h.hexdigest()
