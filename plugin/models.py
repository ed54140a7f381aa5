"""Result types shared by every part of the guard: actions, hits, check results."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from typing import Any

__all__ = [
    "ACTION_ORDER", "OVERRIDABLE_SURFACES", "Action", "CheckResult", "Hit", "SignalHit", "Surface", "most_severe",
]


class Action(str, Enum):
    """What to do with text that hits an entry, least to most severe."""

    ALLOW = "allow"
    LABEL = "label"
    LIMIT = "limit"
    REVIEW = "review"
    BLOCK = "block"


#: Severity rank of each action (higher is more severe).
ACTION_ORDER: dict[str, int] = {"allow": 0, "label": 1, "limit": 2, "review": 3, "block": 4}


class Surface(str, Enum):
    """Where a text is shown; the policy (:mod:`plugin.policy`) decides per surface.

    ``content`` is the lexicon's own verdict (``qinglang check``, evaluation): the decision is the
    most severe hit's action, as written in the lexicon.
    """

    CONTENT = "content"
    QUERY = "query"
    SUGGESTION = "suggestion"
    SEARCH_HIT = "search_hit"
    TRENDING = "trending"


#: Surfaces a lexicon entry may override its action for (``surface_actions:`` in a lexicon entry).
OVERRIDABLE_SURFACES: tuple[str, ...] = ("query", "suggestion", "search_hit", "trending")


def most_severe(actions: list[str] | tuple[str, ...]) -> str:
    """The most severe of ``actions``; ``allow`` for none."""
    best = "allow"
    for a in actions:
        if ACTION_ORDER[a] > ACTION_ORDER[best]:
            best = a
    return best


@dataclass(frozen=True, slots=True)
class Hit:
    """One lexicon hit. ``start``/``end`` index the ORIGINAL text; ``surface == text[start:end]``.

    ``technique`` says how it matched: exact, normalized, traditional, invisible, noise,
    repeat, pinyin, homophone, shape, split, variant.
    """

    term: str
    category: str
    action: str
    start: int
    end: int
    surface: str
    technique: str
    term_id: str = ""
    severity: int = 1
    clause: str = ""
    surface_actions: tuple[tuple[str, str], ...] = ()
    tags: tuple[str, ...] = ()  # the entry's tags (besides its category)
    replacement: str = ""  # what masking writes for this hit (the entry's ``replacement``; "" = per character)

    def action_on(self, where: str) -> str:
        """The hit's action on the surface ``where`` (a :class:`Surface`): the entry's override for
        it, else :attr:`action`."""
        for name, action in self.surface_actions:
            if name == where:
                return action
        return self.action

    def to_dict(self, full: bool = False) -> dict[str, Any]:
        """The CLI/JSON shape; ``full`` adds term_id, severity and clause."""
        d = {
            "term": self.term,
            "category": self.category,
            "action": self.action,
            "start": self.start,
            "end": self.end,
            "surface": self.surface,
            "technique": self.technique,
        }
        if self.tags:
            d["tags"] = list(self.tags)
        if full:
            d.update(term_id=self.term_id, severity=self.severity, clause=self.clause)
            if self.replacement:
                d["replacement"] = self.replacement
        return d


@dataclass(frozen=True, slots=True)
class CheckResult:
    """Overall action (most severe hit; ``allow`` when nothing fires) and the hits."""

    action: str
    hits: list[Hit] = field(default_factory=list)
    lexicon_version: str = ""

    def to_dict(self, full: bool = False) -> dict[str, Any]:
        return {
            "action": self.action,
            "hits": [h.to_dict(full) for h in self.hits],
            "lexicon_version": self.lexicon_version,
        }


@dataclass(frozen=True, slots=True)
class SignalHit:
    """What a signal other than the lexicon and the rumour index (:class:`plugin.protocols.Signal`,
    e.g. a learned spam scorer) says about a text: an action on the lexicon's scale, so the policy
    maps it to each surface's decision like a lexicon hit's."""

    signal: str  # the signal's name
    action: str  # allow / label / limit / review / block
    score: float = 0.0
    category: str = ""  # a category of plugin.policy.CATEGORIES (notices, labels), "" for none
    detail: str = ""
    #: why: ``(start, end, surface)`` spans of the ORIGINAL text (``surface == text[start:end]``)
    evidence: tuple[tuple[int, int, str], ...] = ()
    #: a scorer's flags, one per scorer surface (``title``, ``post``) the text is over its threshold on:
    #: ``(scorer surface, category, score)``. The policy (:meth:`plugin.policy.Policy.signal_on`) picks
    #: the one its surface row names and gives it that row's action; a hit without flags keeps ``action``.
    flags: tuple[tuple[str, str, float], ...] = ()

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"signal": self.signal, "action": self.action, "score": self.score,
                               "category": self.category, "detail": self.detail}
        if self.evidence:
            out["evidence"] = [{"start": a, "end": b, "surface": s} for a, b, s in self.evidence]
        return out


def hit_from_dict(d: dict[str, Any]) -> Hit:
    """Inverse of :meth:`Hit.to_dict`."""
    fields = {k: v for k, v in d.items() if k in Hit.__dataclass_fields__}
    if "tags" in fields:
        fields["tags"] = tuple(fields["tags"])
    return Hit(**fields)



