"""Data types of the hot-list review: the candidate submitted for review and the result.

The candidate models are pydantic (validation with field-named errors; ``extra="forbid"`` so
an unknown field is an error, not silently ignored). Results are plain frozen dataclasses.
"""

from __future__ import annotations

import datetime as dt
import math
import unicodedata
from dataclasses import dataclass, field
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, StrictBool, StrictFloat, StrictInt, StrictStr,
    StringConstraints,
)

from .. import fixed_regex
from ..normalize import fold_text

__all__ = [
    "DECISIONS",
    "DECISION_ORDER",
    "DOMAINS",
    "TOPIC_TYPES",
    "Account",
    "Candidate",
    "Declared",
    "Detected",
    "EngagementMetrics",
    "Reason",
    "ReviewResult",
    "as_aware",
    "check_text",
    "enum_key",
    "most_severe_decision",
    "not_blank",
]

#: Review decisions, least to most severe.
DECISIONS = ("approve", "approve_with_labels", "limit", "review", "reject")
DECISION_ORDER: dict[str, int] = {d: i for i, d in enumerate(DECISIONS)}
TOPIC_TYPES = ("current_affairs", "public_policy", "social_event", "domain_info", "entertainment", "other")
DOMAINS = ("finance", "education", "medical", "legal")

TopicType = Literal["current_affairs", "public_policy", "social_event", "domain_info", "entertainment", "other"]
Domain = Literal["finance", "education", "medical", "legal"]

#: Longest title / text / name accepted (characters). The service applies its own, usually smaller, limits.
MAX_TITLE_CHARS = 1_000
MAX_TEXT_CHARS = 100_000
MAX_NAME_CHARS = 200
MAX_SERIES = 10_000
#: Integers are bounded to what SQLite (and most JSON consumers' int64) can hold.
INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1


#: C0/C1 control characters except tab, newline and CR (lone surrogates are checked apart).
_BAD_CHARS = fixed_regex.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def check_text(value: str) -> str:
    """Reject text with control characters (other than tab / newline / CR) or lone surrogates."""
    s = fixed_regex.first_surrogate(value)
    m = _BAD_CHARS.search(value, 0, s)
    if m is not None:
        ch, i = m.group(0), m.start()
        raise ValueError(f"control character U+{ord(ch):04X} at position {i} is not allowed")
    if s is not None:
        raise ValueError(f"lone surrogate U+{ord(value[s]):04X} at position {s} is not valid text")
    return value


def not_blank(value: str) -> str:
    """Reject text that is empty once spaces and invisible characters are removed."""
    if not fold_text(value).strip():
        raise ValueError("must not be blank (only spaces or invisible characters)")
    return value


_ENUM_SEPARATORS = fixed_regex.compile(f"[{fixed_regex.SPACE}\\-]+")


def enum_key(value: Any) -> Any:
    """Normalise an enum-like string before it is checked against the allowed values: NFKC (full-width
    letters), surrounding spaces stripped, case folded, inner spaces / hyphens → ``_``
    (``" Medical "`` → ``medical``, ``"Current-Affairs"`` → ``current_affairs``). Other types pass
    through unchanged (and fail the check)."""
    if isinstance(value, str):
        return _ENUM_SEPARATORS.sub("_", unicodedata.normalize("NFKC", value).strip()).casefold()
    return value


def as_aware(value: dt.datetime | None, tz: dt.tzinfo) -> dt.datetime | None:
    """``value`` with a zone: timestamps given without one are read in ``tz`` (the platform's zone,
    ``ReviewSettings.naive_timezone``); zoned timestamps are kept as they are."""
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=tz)
    return value


Text = Annotated[StrictStr, AfterValidator(check_text)]
#: Timestamps are kept as given; a timestamp without a zone is read in the configured zone when compared
#: (:func:`as_aware`, ``ReviewSettings.naive_timezone``), never silently as UTC.
Timestamp = dt.datetime
TopicTypeIn = Annotated[TopicType, BeforeValidator(enum_key)]
DomainIn = Annotated[Domain, BeforeValidator(enum_key)]
# Text fields: strict str, length limits (characters; errors read "String should have ... characters"),
# :func:`check_text` and, for the ones that must say something, :func:`not_blank`.
Id = Annotated[StrictStr, StringConstraints(min_length=1, max_length=MAX_NAME_CHARS), AfterValidator(check_text),
               AfterValidator(not_blank)]
_Title = Annotated[StrictStr, StringConstraints(min_length=1, max_length=MAX_TITLE_CHARS), AfterValidator(check_text),
                   AfterValidator(not_blank)]
_Body = Annotated[StrictStr, StringConstraints(max_length=MAX_TEXT_CHARS), AfterValidator(check_text)]
_Name = Annotated[StrictStr, StringConstraints(max_length=MAX_NAME_CHARS), AfterValidator(check_text)]
_Source = Annotated[StrictStr, StringConstraints(max_length=MAX_NAME_CHARS * 5), AfterValidator(check_text)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Declared(_Model):
    """What the publisher declared: the information source and the AI / fiction labels."""

    source: _Source | None = None
    ai_generated: StrictBool = False
    fiction: StrictBool = False

    @property
    def has_source(self) -> bool:
        return bool(self.source and self.source.strip())


class Detected(_Model):
    """Signals from upstream classifiers (all optional)."""

    ai_generated: StrictBool = False
    old_news: StrictBool = False
    fiction: StrictBool = False  # staged / fictional content detected upstream


class Account(_Model):
    """The publishing account."""

    id: Id
    name: _Name
    verified_org: StrictBool = False
    certified_domains: Annotated[list[DomainIn], Field(max_length=len(DOMAINS) * 2)] = []
    registered_at: Timestamp | None = None
    renamed_at: Timestamp | None = None
    owner_id: _Name | None = None
    mcn: _Name | None = None
    violations_90d: Annotated[StrictInt, Field(ge=0, le=INT64_MAX)] = 0


def _finite(values: list[float]) -> list[float]:
    for i, v in enumerate(values):
        if not math.isfinite(v):
            raise ValueError(f"value at index {i} is not a finite number")
    return values


class EngagementMetrics(_Model):
    """Engagement time series, one value per minute, oldest first."""

    engagement_per_min: Annotated[
        list[Annotated[StrictFloat, Field(ge=0)]], Field(max_length=MAX_SERIES), AfterValidator(_finite)
    ] = []


class Candidate(_Model):
    """An item proposed for the trending list (热搜)."""

    id: Id | Annotated[StrictInt, Field(ge=INT64_MIN, le=INT64_MAX)]
    title: _Title
    text: _Body | None = None
    topic_type: TopicTypeIn
    domain: DomainIn | None = None
    declared: Declared = Declared()
    detected: Detected = Detected()
    account: Account
    event_started_at: Timestamp | None = None
    metrics: EngagementMetrics | None = None

    @property
    def content(self) -> str:
        """Title and body as one text for lexicon and rumour matching."""
        return self.title if not self.text else f"{self.title}\n{self.text}"


def most_severe_decision(decisions: list[str]) -> str:
    """The most severe of ``decisions`` (``approve`` for none)."""
    best = "approve"
    for d in decisions:
        if DECISION_ORDER[d] > DECISION_ORDER[best]:
            best = d
    return best


@dataclass(frozen=True, slots=True)
class Reason:
    """Why a rule fired: its stable id, the seed clause it enforces, and a human-readable detail."""

    rule: str
    clause: str
    detail: str

    def to_dict(self) -> dict[str, str]:
        return {"rule": self.rule, "clause": self.clause, "detail": self.detail}


@dataclass(frozen=True, slots=True)
class ReviewResult:
    """The combined verdict for one candidate."""

    id: Any
    decision: str
    reasons: tuple[Reason, ...] = ()
    required_labels: tuple[str, ...] = ()
    hits: tuple[dict[str, Any], ...] = ()
    refutations: tuple[dict[str, Any], ...] = ()
    freeze_interactions: bool = False
    rule_results: tuple[dict[str, Any], ...] = field(default=(), compare=False)
    #: every lexicon hit of the candidate, of which ``hits`` keeps the first ``MAX_RESULT_HITS`` (plugin.review.combine)
    hits_total: int = 0
    #: stored review items from the history this candidate is a matrix near-duplicate of (they go back
    #: to the manual queue with it; see ``ReviewStore.record_batch(requeue=...)``)
    linked_review_ids: tuple[str, ...] = field(default=(), compare=False)

    def to_dict(self) -> dict[str, Any]:
        """The API shape (rule_results are stored, not returned)."""
        return {
            "id": self.id,
            "decision": self.decision,
            "reasons": [r.to_dict() for r in self.reasons],
            "required_labels": list(self.required_labels),
            "hits": list(self.hits),
            "hits_total": max(self.hits_total, len(self.hits)),
            "refutations": list(self.refutations),
            "freeze_interactions": self.freeze_interactions,
        }
