"""Hot-list (热搜) pre-publication review: a rules engine over candidates, no web framework.

    from plugin.review import Candidate, ReviewEngine
    engine = ReviewEngine()
    results = engine.review([Candidate.model_validate(d) for d in rows], guard=Guard(m, index))
    # (or matcher=m, rumors=index: a guard is built over them)
    results[0].to_dict()  # {"id","decision","reasons","required_labels","hits","refutations","freeze_interactions"}

Each rule (``plugin.review.rules``) is a small class citing the seed clause it enforces;
``plugin.review.store.ReviewStore`` persists decisions and the human audit trail in SQLite.
"""

from __future__ import annotations

from .engine import ReviewEngine
from .models import DECISIONS, Candidate, Reason, ReviewResult, most_severe_decision
from .settings import REVIEW_SETTINGS, ReviewSettings

__all__ = [
    "DECISIONS", "REVIEW_SETTINGS", "Candidate", "Reason", "ReviewEngine", "ReviewResult", "ReviewSettings",
    "most_severe_decision",
]
