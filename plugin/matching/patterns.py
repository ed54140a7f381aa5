"""The pattern pass: regex entries (RE2) matched on the folded text (case, width, traditional
folded; invisible characters removed; punctuation kept), hits mapped back to the original."""

from __future__ import annotations

import datetime as dt

from ..lexicon_regex import RegexText
from ..models import Hit
from ..normalize import Prepared
from .compile import CompiledLexicon
from .filters import applies, entry_hit
from .model import Technique

__all__ = ["pattern_hits"]

_PATTERN = Technique.PATTERN.value


def pattern_hits(c: CompiledLexicon, prepared: Prepared, scope: str, today: dt.date) -> list[Hit]:
    """Hits of the regex entries that apply to ``scope`` on ``today`` (entry context rules apply)."""
    entries = c.entries
    gates = c.gates
    text = prepared.text
    folded = prepared.folded
    out: list[Hit] = []
    view: RegexText | None = None
    for idx, rx in c.regexes:
        ent = entries[idx]
        if not applies(ent, scope, today):
            continue
        if view is None:
            view = RegexText(folded)
        gate = gates[idx]
        for s, e in view.spans(rx):
            if gate is not None and not gate.allows(folded, s, e):
                continue
            os_, oe = prepared.folded_span(s, e)
            out.append(entry_hit(ent, text, os_, oe, _PATTERN))
    return out
