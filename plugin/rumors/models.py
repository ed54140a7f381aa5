"""The rumour model, shared by every rumour backend (the embedded index and the search-engine one).

Records: :class:`Rumor`, :class:`Refutation`, :class:`RumorStatus`, frozen dataclasses with
``to_dict`` / ``from_dict`` in the project's own JSON schema (the one ``qinglang rumors export``
writes and ``import`` reads back). Match results: :class:`RumorMatch` (one rumour that matched),
:class:`Pin` (a refutation to show first), :class:`RumorLabel` and :class:`RumorMatchResult`, whose
``to_dict()`` is the JSON the HTTP API and the CLI print. What a status means (pins, label, label
action) is :data:`plugin.policy.RUMOR_VERDICTS`.
"""

from __future__ import annotations

import datetime as _dt
import enum
from dataclasses import dataclass, field, replace
from typing import Any

from plugin.policy import RUMOR_VERDICTS

__all__ = ["Pin", "Refutation", "Rumor", "RumorLabel", "RumorMatch", "RumorMatchResult", "RumorStatus",
           "RUMOR_FIELDS", "REFUTATION_FIELDS"]


class RumorStatus(str, enum.Enum):
    """How a fact-check judged a claim. Only ``false`` / ``misleading`` pin refutations."""

    FALSE = "false"
    MISLEADING = "misleading"
    DISPUTED = "disputed"
    TRUE = "true"

    @property
    def pins(self) -> bool:
        """Whether searches for a rumour with this status get its refutation pinned."""
        return RUMOR_VERDICTS[self.value].pins

    @property
    def label(self) -> str | None:
        """The content label for this status (``None``: no label)."""
        return RUMOR_VERDICTS[self.value].label

    @property
    def label_action(self) -> str | None:
        """What the label does: ``label`` (shown) or ``limit`` (shown, traffic limited); ``None``: no label."""
        return RUMOR_VERDICTS[self.value].label_action

#: Field names of the project schema (anything else in a row is an error).
RUMOR_FIELDS = frozenset(
    {"id", "claim", "status", "triggers", "refutations", "tags", "created_at", "updated_at", "valid_from",
     "valid_until", "origin"}
)
REFUTATION_FIELDS = frozenset({"title", "summary", "url", "source", "published_at"})


def _now() -> str:
    return _dt.datetime.now(_dt.timezone.utc).replace(microsecond=0).isoformat()


@dataclass(frozen=True, slots=True)
class Refutation:
    """A refutation / explanation of a rumour, the thing that gets pinned."""

    title: str
    summary: str = ""
    url: str = ""
    source: str = ""  # the checker / authority
    published_at: str = ""  # ISO date, '' when unknown

    def to_dict(self) -> dict[str, str]:
        return {"title": self.title, "summary": self.summary, "url": self.url, "source": self.source,
                "published_at": self.published_at}

    def pin_dict(self) -> dict[str, str]:
        """The three fields a pin carries (CLI contract)."""
        return {"title": self.title, "url": self.url, "source": self.source}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Refutation":
        unknown = set(data) - REFUTATION_FIELDS
        if unknown:
            raise ValueError(f"unknown refutation field(s): {', '.join(sorted(unknown))}")
        title = data.get("title")
        if not isinstance(title, str) or not title.strip():
            raise ValueError("refutation needs a non-empty 'title'")
        kw: dict[str, str] = {"title": title.strip()}
        for name in ("summary", "url", "source", "published_at"):
            value = data.get(name)
            if value is None:
                continue
            if not isinstance(value, str):
                raise ValueError(f"refutation field {name!r} must be a string")
            kw[name] = value.strip()
        return cls(**kw)


@dataclass(frozen=True, slots=True)
class Rumor:
    """A checked claim with its refutations.

    ``triggers`` are curated phrases (editors); automatic ones are extracted by
    :mod:`plugin.rumors.triggers` when the index is built and are not stored.
    ``valid_from`` / ``valid_until`` (ISO dates, inclusive) bound when the rumour matches.
    """

    id: str
    claim: str
    status: RumorStatus
    triggers: tuple[str, ...] = ()
    refutations: tuple[Refutation, ...] = ()
    tags: tuple[str, ...] = ()
    created_at: str = field(default_factory=_now)
    updated_at: str = field(default_factory=_now)
    valid_from: str | None = None
    valid_until: str | None = None
    origin: str = ""  # where the record came from (e.g. the shared-data source name)

    def active_on(self, day: _dt.date) -> bool:
        """Whether ``day`` falls inside the validity window (open ends always match)."""
        iso = day.isoformat()
        if self.valid_from and iso < self.valid_from[:10]:
            return False
        if self.valid_until and iso > self.valid_until[:10]:
            return False
        return True

    def same_content(self, other: "Rumor") -> bool:
        """Equal apart from timestamps (used to make re-imports no-ops)."""
        return replace(self, created_at="", updated_at="") == replace(other, created_at="", updated_at="")

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "claim": self.claim,
            "status": self.status.value,
            "triggers": list(self.triggers),
            "refutations": [r.to_dict() for r in self.refutations],
            "tags": list(self.tags),
            "created_at": self.created_at,
            "updated_at": self.updated_at,
            "valid_from": self.valid_from,
            "valid_until": self.valid_until,
            "origin": self.origin,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Rumor":
        """Parse the project schema; raises ``ValueError`` naming the bad field."""
        unknown = set(data) - RUMOR_FIELDS
        if unknown:
            raise ValueError(f"unknown field(s): {', '.join(sorted(unknown))}")
        rid = data.get("id")
        if isinstance(rid, int) and not isinstance(rid, bool):
            rid = str(rid)
        if not isinstance(rid, str) or not rid.strip():
            raise ValueError("missing or empty 'id'")
        claim = data.get("claim")
        if not isinstance(claim, str) or not claim.strip():
            raise ValueError("missing or empty 'claim'")
        try:
            status = RumorStatus(data.get("status"))
        except ValueError:
            allowed = ", ".join(s.value for s in RumorStatus)
            raise ValueError(f"bad 'status' {data.get('status')!r} (allowed: {allowed})") from None
        refs_raw = data.get("refutations") or []
        if not isinstance(refs_raw, list) or not all(isinstance(r, dict) for r in refs_raw):
            raise ValueError("'refutations' must be a list of objects")
        refs = []
        for i, r in enumerate(refs_raw):
            try:
                refs.append(Refutation.from_dict(r))
            except ValueError as exc:
                raise ValueError(f"refutations[{i}]: {exc}") from None
        kw: dict[str, Any] = {}
        for name in ("created_at", "updated_at"):
            if data.get(name):
                kw[name] = _check_str(data, name)
        for name in ("valid_from", "valid_until"):
            if data.get(name):
                value = _check_str(data, name)
                try:
                    _dt.date.fromisoformat(value[:10])
                except ValueError:
                    raise ValueError(f"{name!r} must be an ISO date, got {value!r}") from None
                kw[name] = value
        return cls(
            id=rid.strip(),
            claim=claim.strip(),
            status=status,
            triggers=_str_tuple(data, "triggers"),
            refutations=tuple(refs),
            tags=_str_tuple(data, "tags"),
            origin=_check_str(data, "origin") if data.get("origin") else "",
            **kw,
        )


def _check_str(data: dict[str, Any], name: str) -> str:
    value = data.get(name)
    if not isinstance(value, str):
        raise ValueError(f"{name!r} must be a string")
    return value.strip()


def _str_tuple(data: dict[str, Any], name: str) -> tuple[str, ...]:
    value = data.get(name)
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ValueError(f"{name!r} must be a list of strings")
    seen: dict[str, None] = {}
    for v in value:
        v = v.strip()
        if v:
            seen.setdefault(v, None)
    return tuple(seen)


@dataclass(frozen=True, slots=True)
class RumorMatch:
    """One rumour that matched a text."""

    rumor: Rumor
    score: float
    shared: tuple[str, ...] = ()  # canonical tokens in common (explanation)
    trigger: str = ""  # the curated trigger that matched, if any

    def refutation(self) -> Refutation:
        """The refutation to show: the first stored, else one derived from the claim."""
        if self.rumor.refutations:
            return self.rumor.refutations[0]
        return Refutation(title="【辟谣】" + self.rumor.claim)


@dataclass(frozen=True, slots=True)
class Pin:
    """A refutation to show at the top for a text that matches a false / misleading rumour."""

    rumor_id: str
    score: float
    claim: str
    refutation: Refutation

    def to_dict(self) -> dict[str, Any]:
        """``{"rumor_id", "score", "claim", "refutation": {"title", "url", "source"}}``."""
        return {"rumor_id": self.rumor_id, "score": self.score, "claim": self.claim,
                "refutation": self.refutation.pin_dict()}


@dataclass(frozen=True, slots=True)
class RumorLabel:
    """A label a rumour match puts on a text (谣言 / 失实: ``label``; 争议: ``limit``)."""

    label: str
    rumor_id: str
    status: RumorStatus
    score: float
    action: str
    refutation: Refutation | None = None

    def to_dict(self) -> dict[str, Any]:
        """``{"label", "rumor_id", "status", "score", "action", "refutation": {...} | None}``."""
        return {"label": self.label, "rumor_id": self.rumor_id, "status": self.status.value, "score": self.score,
                "action": self.action, "refutation": self.refutation.pin_dict() if self.refutation else None}


@dataclass(frozen=True, slots=True)
class RumorMatchResult:
    """Pins (refutations to show first, best first) and labels for one text."""

    matches: tuple[RumorMatch, ...] = ()
    refuting: bool = False  # the text itself refutes (辟谣 / 谣言 / 不实 ...): no 谣言 / 失实 label
    pins: tuple[Pin, ...] = ()
    labels: tuple[RumorLabel, ...] = ()

    @classmethod
    def build(cls, matches: list[RumorMatch] | tuple[RumorMatch, ...], refuting: bool = False) -> "RumorMatchResult":
        """Pins and labels of ``matches`` (best first) by :data:`plugin.policy.RUMOR_VERDICTS`."""
        pins: list[Pin] = []
        labels: list[RumorLabel] = []
        for m in matches:
            status = m.rumor.status
            score = round(m.score, 4)
            verdict = RUMOR_VERDICTS[status.value]
            ref = m.refutation() if verdict.pins else None
            if ref is not None:
                pins.append(Pin(m.rumor.id, score, m.rumor.claim, ref))
            if verdict.label is not None and verdict.label_action is not None and not (verdict.pins and refuting):
                labels.append(RumorLabel(verdict.label, m.rumor.id, status, score, verdict.label_action, ref))
        return cls(tuple(matches), refuting, tuple(pins), tuple(labels))

    @property
    def disputed(self) -> tuple[RumorLabel, ...]:
        """Labels of matched rumours that do not pin (disputed claims)."""
        pinned = {p.rumor_id for p in self.pins}
        return tuple(lab for lab in self.labels if lab.rumor_id not in pinned and not lab.status.pins)

    def to_dict(self) -> dict[str, Any]:
        """``{"pins": [...], "labels": [...]}`` (the JSON of the CLI and the HTTP API)."""
        return {"pins": [p.to_dict() for p in self.pins], "labels": [lab.to_dict() for lab in self.labels]}
