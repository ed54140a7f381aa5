"""Combine rule findings into one result: the most severe decision wins, labels are deduplicated."""

from __future__ import annotations

from typing import Any, Sequence

from .models import ReviewResult, most_severe_decision
from .rules.base import Finding

__all__ = ["MAX_RESULT_HITS", "combine"]

#: Most lexicon hits a result keeps (returned and stored); ``hits_total`` counts them all. A 20,000-character
#: text of lexicon terms holds ~9,000 hits: kept whole, each stored review item was 1.2 MB.
MAX_RESULT_HITS = 100


def combine(candidate_id: Any, findings: Sequence[Finding], hits: Sequence[dict[str, Any]] = ()) -> ReviewResult:
    """The decision is the most severe finding's; with no finding ``approve``. Labels required by any
    finding make a bare approval ``approve_with_labels``. Refutations are deduplicated by rumour id."""
    decision = most_severe_decision([f.decision for f in findings])
    labels = tuple(dict.fromkeys(l for f in findings for l in f.labels))
    if labels and decision == "approve":
        decision = "approve_with_labels"
    refutations: dict[Any, dict[str, Any]] = {}
    for f in findings:
        for r in f.refutations:
            refutations.setdefault(r.get("rumor_id", id(r)), r)
    return ReviewResult(
        id=candidate_id,
        decision=decision,
        reasons=tuple(f.reason for f in findings),
        required_labels=labels,
        hits=tuple(hits[:MAX_RESULT_HITS]),
        hits_total=len(hits),
        refutations=tuple(refutations.values()),
        freeze_interactions=any(f.freeze_interactions for f in findings),
        rule_results=tuple(f.to_dict() for f in findings),
    )
