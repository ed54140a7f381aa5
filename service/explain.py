"""Why a text gets what it gets: the editorial console's "test a text" box (:mod:`service.console`) and its
JSON twin ``POST /v1/admin/test`` (:mod:`service.admin`), one function over the guard (:class:`plugin.guard.Guard`,
``check(..., explain=True)`` on every surface) and the lexicon store (who last changed each entry)."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI

from plugin.models import Surface

from .editorial import get_store
from .state import state_of

__all__ = ["explain_text"]


def explain_text(app: FastAPI, text: str) -> dict[str, Any]:
    """Why ``text`` gets what it gets: the hits (technique, span, entry, who last changed it), the
    decision on every surface with what decided it, rumour pins and model evidence."""
    state = state_of(app)
    store = get_store(app)
    guard = getattr(state, "checks", None)
    verdicts = {}
    if guard is not None:
        for surface in Surface:
            verdicts[surface.value] = guard.check(text, surface, explain=True)
        hits = list(verdicts[Surface.CONTENT.value].hits)
    else:
        hits = list(state.live.current().scan(text))
    version = str(state.live.version)
    changes = store.entry_changes(int(version), term_ids={h.term_id for h in hits}) if version.isdigit() else {}
    entries = store.entry_map(int(version)) if version.isdigit() else {}
    rows = []
    for h in hits:
        entry = entries.get(h.term_id)
        rows.append({**h.to_dict(full=True), "changed": changes.get(h.term_id),
                     "note": entry.note if entry is not None else "",
                     "tags": list(entry.tags) if entry is not None else []})
    surfaces = []
    pins: dict[str, dict[str, Any]] = {}
    signals: dict[str, dict[str, Any]] = {}
    for name, v in verdicts.items():
        exp = v.explanation
        surfaces.append({"surface": name, "decision": v.action, "notice": v.notice or "",
                         "decided_by": exp.decided_by if exp is not None else "",
                         "labels": [lab.to_dict() for lab in v.labels]})
        for p in v.pins:
            pins.setdefault(p.rumor_id, p.to_dict())
        for s in v.signals:
            signals.setdefault(s.signal, s.to_dict())
    return {"text": text, "lexicon_version": version, "hits": rows, "surfaces": surfaces,
            "pins": list(pins.values()), "signals": list(signals.values())}
