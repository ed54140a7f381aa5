"""Labelling duties: source, AI-generated, fiction and old-news labels (seed 000 三.3/三.4, 二.1)."""

from __future__ import annotations

from typing import Iterable

from ..context import CandidateFacts, ReviewContext
from ..models import Candidate
from .base import Finding, Rule

__all__ = ["AILabelRule", "FictionLabelRule", "OldNewsRule", "SourceRule"]

LABEL_SOURCE = "来源"
LABEL_AI = "AI生成"
LABEL_FICTION = "虚构"
LABEL_OLD_NEWS = "旧闻"


class SourceRule(Rule):
    """Current affairs, public policy and social events need a declared source; without one the item is
    kept out of the list (limit) until the source is labelled."""

    id = "source_required"
    clauses = ("000 三.3", "000 三.4")
    topics = frozenset({"current_affairs", "public_policy", "social_event"})

    def evaluate(self, candidate: Candidate, facts: CandidateFacts, ctx: ReviewContext) -> Iterable[Finding]:
        if candidate.topic_type in self.topics and not candidate.declared.has_source:
            yield self.finding(
                "limit",
                f"{candidate.topic_type} item has no declared source; kept out of the list until it is labelled",
                labels=(LABEL_SOURCE,),
            )


class AILabelRule(Rule):
    """AI-generated content must carry the AI label: detected but undeclared → label required and limited."""

    id = "ai_label"
    clauses = ("000 三.3",)

    def evaluate(self, candidate: Candidate, facts: CandidateFacts, ctx: ReviewContext) -> Iterable[Finding]:
        if candidate.declared.ai_generated:
            yield self.finding("approve_with_labels", "declared AI-generated: show the AI label", labels=(LABEL_AI,))
        elif candidate.detected.ai_generated:
            yield self.finding(
                "limit",
                "detected as AI-generated but not declared: AI label required, limited until labelled",
                labels=(LABEL_AI,),
                clauses=("000 三.3", "001 第3条"),
            )


class FictionLabelRule(Rule):
    """Fictional or staged content must carry the 虚构 label. Signals: the declaration, the upstream
    detector, or persona / staging lexicon hits."""

    id = "fiction_label"
    clauses = ("000 三.3",)
    staging_categories = frozenset({"persona"})

    def evaluate(self, candidate: Candidate, facts: CandidateFacts, ctx: ReviewContext) -> Iterable[Finding]:
        if candidate.declared.fiction:
            yield self.finding("approve_with_labels", "declared fiction: show the 虚构 label", labels=(LABEL_FICTION,))
            return
        staged = [h.term for h in facts.content_hits if h.category in self.staging_categories]
        if candidate.detected.fiction or staged:
            why = "detected as fiction/staged" if candidate.detected.fiction else f"staging/persona terms: {'、'.join(dict.fromkeys(staged))}"
            yield self.finding(
                "limit",
                f"{why}, not declared: 虚构 label required, limited until labelled",
                labels=(LABEL_FICTION,),
                clauses=("000 三.3", "001 第5条"),
            )


class OldNewsRule(Rule):
    """Old news re-published as new must say so (旧闻 label)."""

    id = "old_news"
    clauses = ("000 二.1", "001 第3条")

    def evaluate(self, candidate: Candidate, facts: CandidateFacts, ctx: ReviewContext) -> Iterable[Finding]:
        if candidate.detected.old_news:
            yield self.finding("approve_with_labels", "detected as old news: 旧闻 label required", labels=(LABEL_OLD_NEWS,))
