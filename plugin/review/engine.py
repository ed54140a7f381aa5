"""The review engine: compute facts once per candidate, run every rule, combine the findings."""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any, Sequence

from .combine import combine
from .context import CandidateFacts, ReviewContext
from .matrix import MatrixDetector
from .models import Candidate, ReviewResult
from .rules import Rule, default_rules
from .settings import ReviewSettings

__all__ = ["ReviewEngine"]

log = logging.getLogger(__name__)


def _rumor_result(rumors: Any, text: str) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Pins and labels from a rumour index (``plugin.rumors.RumorIndex`` or anything with ``match``)."""
    if rumors is None:
        return [], []
    res = rumors.match(text, limit=3)
    if isinstance(res, dict):
        return list(res.get("pins", [])), list(res.get("labels", []))
    return list(getattr(res, "pins", [])), list(getattr(res, "labels", []))


def _merge_by_rumor(a: list[dict[str, Any]], b: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Union of two match lists, one entry per (rumour, label), best score first."""
    best: dict[Any, dict[str, Any]] = {}
    for item in a + b:
        key = (item.get("rumor_id"), item.get("label"))
        if key not in best or (item.get("score") or 0) > (best[key].get("score") or 0):
            best[key] = item
    return sorted(best.values(), key=lambda d: -(d.get("score") or 0))


class ReviewEngine:
    """Reviews batches of trending-list candidates.

    ``rules`` default to :func:`plugin.review.rules.default_rules`; ``settings`` hold the thresholds.
    The engine keeps the matrix-account history in memory (:class:`MatrixDetector`); callers that
    persist reviews seed it at start-up with :meth:`remember`.
    """

    def __init__(self, rules: Sequence[Rule] | None = None, settings: ReviewSettings | None = None) -> None:
        self.rules = list(rules) if rules is not None else default_rules()
        self.settings = settings or ReviewSettings()
        s = self.settings
        self.matrix = MatrixDetector(
            similarity=s.matrix_similarity, num_perm=s.matrix_num_perm,
            history_size=s.matrix_history_size, history_hours=s.matrix_history_hours,
        )

    def facts(self, candidate: Candidate, matcher: Any, rumors: Any = None) -> CandidateFacts:
        """Matcher hits (content and account name) and rumour matches for one candidate."""
        content = candidate.content
        pins, labels = _rumor_result(rumors, candidate.title)
        if candidate.text:  # a long body dilutes the title's similarity: match both, keep the best per rumour
            more_pins, more_labels = _rumor_result(rumors, content)
            pins = _merge_by_rumor(pins, more_pins)
            labels = _merge_by_rumor(labels, more_labels)
        return CandidateFacts(
            content_hits=list(matcher.scan(content)),
            name_hits=list(matcher.scan(candidate.account.name, scope="account_name")) if candidate.account.name else [],
            rumor_pins=pins,
            rumor_labels=labels,
        )

    def review(
        self,
        candidates: Sequence[Candidate],
        *,
        matcher: Any,
        rumors: Any = None,
        now: dt.datetime | None = None,
        remember: bool = True,
    ) -> list[ReviewResult]:
        """One result per candidate, in order. ``remember=False`` leaves the matrix history unchanged
        (call :meth:`remember` once the results are stored)."""
        now = now or dt.datetime.now(dt.timezone.utc)
        ctx = ReviewContext(self.settings, now, str(getattr(matcher, "version", "")))
        links = self.matrix.find(candidates, now)
        results = []
        for cand, cand_links in zip(candidates, links):
            facts = self.facts(cand, matcher, rumors)
            facts.matrix_links = cand_links
            findings = []
            for rule in self.rules:
                findings.extend(rule.evaluate(cand, facts, ctx))
            hits = [{**h.to_dict(), "field": "content"} for h in facts.content_hits]
            hits += [{**h.to_dict(), "field": "account_name"} for h in facts.name_hits]
            results.append(combine(cand.id, findings, hits))
        if remember:
            self.remember(candidates, now)
        return results

    def remember(self, candidates: Sequence[Candidate], seen_at: dt.datetime | None = None) -> None:
        """Add candidates to the matrix history."""
        self.matrix.remember(candidates, seen_at or dt.datetime.now(dt.timezone.utc))
