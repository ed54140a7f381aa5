"""Review candidates for the review and service tests: a clean candidate to vary, and a review at a fixed time."""

from __future__ import annotations

import copy
import datetime as dt
from typing import Any

from plugin.review import Candidate, ReviewEngine

__all__ = ["NOW", "candidate", "review", "rules_of"]


_BASE_CANDIDATE: dict[str, Any] = {
    "id": "c1",
    "title": "城市公园春季花展开幕",
    "text": "今年的花展展出了两百多个品种。",
    "topic_type": "entertainment",
    "domain": None,
    "declared": {"source": None, "ai_generated": False, "fiction": False},
    "detected": {"ai_generated": False, "old_news": False},
    "account": {"id": "acc1", "name": "花友小李", "verified_org": False, "certified_domains": [],
                "registered_at": "2020-01-01T00:00:00Z", "renamed_at": None, "owner_id": None, "mcn": None,
                "violations_90d": 0},
    "metrics": {"engagement_per_min": [10, 12, 11, 13, 12]},
}


def candidate(**changes: Any) -> dict[str, Any]:
    """A clean candidate (approved by every rule) with ``changes``; ``account={...}`` merges into the account."""
    c = copy.deepcopy(_BASE_CANDIDATE)
    for k, v in changes.items():
        if k in ("account", "declared", "detected") and isinstance(v, dict):
            c[k].update(v)
        else:
            c[k] = v
    return c


#: The fixed review time of the review-rule tests.
NOW = dt.datetime(2026, 11, 21, 12, 0, tzinfo=dt.timezone.utc)


def review(matcher, *cands, rumors=None, engine=None):
    """Review candidate dicts at :data:`NOW` (a fresh engine unless one is given)."""
    engine = engine or ReviewEngine()
    return engine.review([Candidate.model_validate(c) for c in cands], matcher=matcher, rumors=rumors, now=NOW)


def rules_of(result) -> set[str]:
    return {r.rule for r in result.reasons}
