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

__all__ = ["Pin", "PinTier", "Refutation", "Rumor", "RumorLabel", "RumorMatch", "RumorMatchResult", "RumorStatus",
           "RUMOR_FIELDS", "REFUTATION_FIELDS", "SUMMARY_CHARS", "headline"]

#: Longest refutation summary a pin carries (characters; longer ones are cut at a sentence end or with …).
SUMMARY_CHARS = 240
_HEADLINE_CLAIM_CHARS = 40


class PinTier(str, enum.Enum):
    """How sure a match is: ``pin`` (shown on top of the results) or ``related`` (a 相关辟谣 card or
    label that does not displace results)."""

    PIN = "pin"
    RELATED = "related"


def headline(claim: str, status: "RumorStatus") -> str:
    """A Chinese headline for a refutation: 网传“<claim>”系谣言 / 有失实 / 存在争议 / 属实."""
    short = claim if len(claim) <= _HEADLINE_CLAIM_CHARS else claim[:_HEADLINE_CLAIM_CHARS].rstrip("，,。 ") + "…"
    verdict = {"false": "系谣言", "misleading": "有失实", "disputed": "存在争议", "true": "属实"}[status.value]
    return f"网传“{short}”{verdict}"


def _short_summary(text: str) -> str:
    """The summary cut to :data:`SUMMARY_CHARS`: at the last sentence end that fits, else with …."""
    if len(text) <= SUMMARY_CHARS:
        return text
    head = text[:SUMMARY_CHARS]
    end = max(head.rfind(ch) for ch in "。！？!?；;")
    return head[: end + 1] if end >= SUMMARY_CHARS // 2 else head.rstrip() + "…"


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
        """What a pin shows: ``title``, ``url``, ``source`` (the CLI contract) and the presentable
        parts: ``summary`` (cut to :data:`SUMMARY_CHARS`), ``checker`` (who checked: the source),
        ``published_at``."""
        return {"title": self.title, "url": self.url, "source": self.source, "summary": _short_summary(self.summary),
                "checker": self.source, "published_at": self.published_at}

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
    #: the cluster of near-duplicate claims the rumour belongs to (its canonical rumour's id; '' = none)
    cluster_id: str = ""
    cluster_size: int = 1
    #: the cluster's canonical refutation (best source first), when it is not the rumour's own
    canonical: Refutation | None = None
    #: probability from the learned pin decision (None: decided by the score threshold alone)
    confidence: float | None = None
    tier: PinTier = PinTier.PIN
    #: the tier was decided by the semantic layer (a confirmation or the retrieval) on its own scale: a
    #: surface's pin tiers (:func:`plugin.rumors.decision.retier`) leave it as it is
    semantic: bool = False

    def refutation(self) -> Refutation:
        """The refutation to show: the cluster's canonical one, the first stored, else one derived from the claim."""
        if self.canonical is not None:
            return self.canonical
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
    status: RumorStatus = RumorStatus.FALSE
    tier: PinTier = PinTier.PIN
    cluster_id: str = ""  # '' when the rumour is in no cluster (then it is its own)
    cluster_size: int = 1
    confidence: float | None = None

    @property
    def verdict_label(self) -> str:
        """The verdict in Chinese (谣言 / 失实)."""
        return self.status.label or ""

    def to_dict(self) -> dict[str, Any]:
        """``{"rumor_id", "score", "claim", "refutation": {"title", "url", "source", "summary", "checker",
        "published_at"}, "verdict", "verdict_label", "headline", "tier", "cluster_id", "cluster_size",
        "confidence"}``."""
        return {"rumor_id": self.rumor_id, "score": self.score, "claim": self.claim,
                "refutation": self.refutation.pin_dict(), "verdict": self.status.value,
                "verdict_label": self.verdict_label, "headline": headline(self.claim, self.status),
                "tier": self.tier.value, "cluster_id": self.cluster_id or self.rumor_id,
                "cluster_size": self.cluster_size, "confidence": self.confidence}


@dataclass(frozen=True, slots=True)
class RumorLabel:
    """A label a rumour match puts on a text (谣言 / 失实: ``label``; 争议: ``limit``)."""

    label: str
    rumor_id: str
    status: RumorStatus
    score: float
    action: str
    refutation: Refutation | None = None
    cluster_id: str = ""  # the cluster of near-duplicate claims ('' : the rumour is its own)

    def to_dict(self) -> dict[str, Any]:
        """``{"label", "rumor_id", "status", "score", "action", "refutation": {...} | None, "cluster_id"}``."""
        return {"label": self.label, "rumor_id": self.rumor_id, "status": self.status.value, "score": self.score,
                "action": self.action, "refutation": self.refutation.pin_dict() if self.refutation else None,
                "cluster_id": self.cluster_id or self.rumor_id}


@dataclass(frozen=True, slots=True)
class RumorMatchResult:
    """Pins (refutations to show first, best first) and labels for one text."""

    matches: tuple[RumorMatch, ...] = ()
    refuting: bool = False  # the text itself refutes (辟谣 / 谣言 / 不实 ...): no 谣言 / 失实 label
    pins: tuple[Pin, ...] = ()
    labels: tuple[RumorLabel, ...] = ()
    #: medium-confidence matches of pinning rumours: a 相关辟谣 card or label, not on top of the results
    related: tuple[Pin, ...] = ()

    @classmethod
    def build(cls, matches: list[RumorMatch] | tuple[RumorMatch, ...], refuting: bool = False) -> "RumorMatchResult":
        """Pins, related refutations and labels of ``matches`` (best first) by
        :data:`plugin.policy.RUMOR_VERDICTS`; only ``pin``-tier matches pin and label."""
        pins: list[Pin] = []
        related: list[Pin] = []
        labels: list[RumorLabel] = []
        for m in matches:
            status = m.rumor.status
            score = round(m.score, 4)
            verdict = RUMOR_VERDICTS[status.value]
            ref = m.refutation() if verdict.pins else None
            conf = None if m.confidence is None else round(m.confidence, 4)
            if m.tier is PinTier.RELATED:
                if ref is not None:
                    related.append(Pin(m.rumor.id, score, m.rumor.claim, ref, status, PinTier.RELATED, m.cluster_id,
                                       m.cluster_size, conf))
                continue
            if ref is not None:
                pins.append(Pin(m.rumor.id, score, m.rumor.claim, ref, status, PinTier.PIN, m.cluster_id,
                                m.cluster_size, conf))
            if verdict.label is not None and verdict.label_action is not None and not (verdict.pins and refuting):
                labels.append(RumorLabel(verdict.label, m.rumor.id, status, score, verdict.label_action, ref,
                                         m.cluster_id))
        return cls(tuple(matches), refuting, tuple(pins), tuple(labels), tuple(related))

    @property
    def disputed(self) -> tuple[RumorLabel, ...]:
        """Labels of matched rumours that do not pin (disputed claims)."""
        pinned = {p.rumor_id for p in self.pins}
        return tuple(lab for lab in self.labels if lab.rumor_id not in pinned and not lab.status.pins)

    def to_dict(self) -> dict[str, Any]:
        """``{"pins": [...], "labels": [...]}`` (the JSON of the CLI and the HTTP API), plus ``"related"``
        when there are related refutations."""
        out: dict[str, Any] = {"pins": [p.to_dict() for p in self.pins], "labels": [lab.to_dict() for lab in self.labels]}
        if self.related:
            out["related"] = [p.to_dict() for p in self.related]
        return out
