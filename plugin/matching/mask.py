"""Masking: the text with its hits replaced, and where each replacement went.

Overlapping hits are masked as one span. A span is written as the ``replacement`` of the longest hit
in it whose entry has one (a neutral phrase, e.g. ``[已屏蔽]`` or ``某平台``), else as the mask
string once per character (``*`` → ``****``). Offsets of both the original and the masked text are
returned (:class:`MaskedSpan`).
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Any

from ..errors import InputError
from ..models import Hit

__all__ = ["MAX_MASK_LEN", "MaskResult", "MaskedSpan", "mask_text"]

#: Longest mask string (written once per masked character).
MAX_MASK_LEN = 8


@dataclass(frozen=True, slots=True)
class MaskedSpan:
    """One masked span: ``start``/``end`` in the original text, ``masked_start``/``masked_end`` in the
    masked text, the hits it covers (term ids) and what was written."""

    start: int
    end: int
    masked_start: int
    masked_end: int
    term_ids: tuple[str, ...]
    categories: tuple[str, ...]
    written: str

    def to_dict(self) -> dict[str, Any]:
        return {"start": self.start, "end": self.end, "masked_start": self.masked_start,
                "masked_end": self.masked_end, "term_ids": list(self.term_ids),
                "categories": list(self.categories), "written": self.written}


@dataclass(frozen=True, slots=True)
class MaskResult:
    """The masked text and its spans (in text order)."""

    text: str
    spans: tuple[MaskedSpan, ...]
    lexicon_version: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {"text": self.text, "spans": [s.to_dict() for s in self.spans], "lexicon_version": self.lexicon_version}


def mask_text(text: str, hits: Sequence[Hit], replacement: str = "*", *, actions: Collection[str] | None = None,
              lexicon_version: str = "") -> MaskResult:
    """``text`` with ``hits`` (offsets into ``text``) masked; ``actions``: only hits with one of these
    actions (default: every hit)."""
    if not isinstance(replacement, str) or not 1 <= len(replacement) <= MAX_MASK_LEN:
        raise InputError(f"replacement must be 1-{MAX_MASK_LEN} characters, got {replacement!r}")
    chosen = sorted((h for h in hits if (actions is None or h.action in actions) and h.end > h.start),
                    key=lambda h: (h.start, -h.end))
    groups: list[list[Hit]] = []
    end = -1
    for h in chosen:
        if groups and h.start < end:
            groups[-1].append(h)
            end = max(end, h.end)
        else:
            groups.append([h])
            end = h.end
    out: list[str] = []
    spans: list[MaskedSpan] = []
    pos = at = 0
    for group in groups:
        s, e = group[0].start, max(h.end for h in group)
        out.append(text[pos:s])
        at += s - pos
        named = [h for h in group if h.replacement]
        written = max(named, key=lambda h: h.end - h.start).replacement if named else replacement * (e - s)
        out.append(written)
        spans.append(MaskedSpan(s, e, at, at + len(written), tuple(dict.fromkeys(h.term_id for h in group)),
                                tuple(dict.fromkeys(h.category for h in group)), written))
        at += len(written)
        pos = e
    out.append(text[pos:])
    return MaskResult("".join(out), tuple(spans), lexicon_version)
