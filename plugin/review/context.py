"""What the rules read: per-candidate facts computed once, and the per-batch context."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from ..models import Hit, SignalHit
from ..policy import DEFAULT_POLICY, Policy
from ..rumors.models import Pin, RumorLabel
from .settings import ReviewSettings

__all__ = ["CandidateFacts", "MatrixLink", "ReviewContext"]


@dataclass(frozen=True, slots=True)
class MatrixLink:
    """A near-duplicate title from another account sharing the owner or the MCN."""

    candidate_id: str
    account_id: str
    shared: str  # "owner_id" | "mcn"
    value: str
    similarity: float
    in_batch: bool
    measure: str = "jaccard"  # "jaccard" | "containment" (character bigrams) | "words" (word sets, order-free)
    review_id: str | None = None  # stored review item of a history peer (when known)

    def to_dict(self) -> dict[str, Any]:
        return {
            "candidate_id": self.candidate_id,
            "account_id": self.account_id,
            "shared": self.shared,
            "value": self.value,
            "similarity": round(self.similarity, 3),
            "measure": self.measure,
            "in_batch": self.in_batch,
            **({"review_id": self.review_id} if self.review_id else {}),
        }


@dataclass(slots=True)
class CandidateFacts:
    """Matcher / rumour / matrix results for one candidate, computed once per review."""

    content_hits: list[Hit] = field(default_factory=list)
    name_hits: list[Hit] = field(default_factory=list)  # account-name scope (plugin.review.names.NameScanner)
    name_content_hits: list[Hit] = field(default_factory=list)  # content-scope lexicon terms in the account name
    rumor_pins: list[Pin] = field(default_factory=list)
    rumor_labels: list[RumorLabel] = field(default_factory=list)
    signals: list[SignalHit] = field(default_factory=list)  # plugin.protocols.Signal results on the content
    matrix_links: list[MatrixLink] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class ReviewContext:
    """Batch-wide context: thresholds, the review time, the lexicon version in use and the policy
    (lexicon action → review decision, category labels and clauses: :mod:`plugin.policy`)."""

    settings: ReviewSettings
    now: dt.datetime
    lexicon_version: str = ""
    policy: Policy = DEFAULT_POLICY
