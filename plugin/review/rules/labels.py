"""Labelling duties: source, AI-generated, fiction and old-news labels (seed 000 三.3/三.4, 二.1)."""

from __future__ import annotations

import functools
from typing import Iterable

from ...normalize import BREAK, dense_key

from ..context import CandidateFacts, ReviewContext
from ..models import Candidate
from .base import Finding, Rule

__all__ = ["AILabelRule", "FictionLabelRule", "OldNewsRule", "SourceRule", "source_problem"]

LABEL_SOURCE = "来源"
LABEL_AI = "AI生成"
LABEL_FICTION = "虚构"
LABEL_OLD_NEWS = "旧闻"


#: Labels that introduce a source ("来源：新华社", "据网友称") and wording around it; taken off before the
#: declared source is compared with the placeholder list. Longest first.
_SOURCE_PREFIXES = (
    "信息来源", "消息来源", "转载自", "来源于", "来源", "来自", "出处", "转自", "引自", "据", "source", "from", "via",
)
_SOURCE_SUFFIXES = ("的消息", "消息", "报道", "爆料", "透露", "表示", "称", "说")


@functools.lru_cache(maxsize=64)
def _placeholder_keys(placeholders: tuple[str, ...]) -> frozenset[str]:
    return frozenset(k for k in (dense_key(p).replace(BREAK, "") for p in placeholders) if k)


def _source_keys(source: str) -> set[str]:
    """The normalised source, and the same with a leading label / trailing wording taken off."""
    key = dense_key(source).replace(BREAK, "")
    keys = {key}
    for prefix in _SOURCE_PREFIXES:
        if key.startswith(prefix):
            keys.add(key[len(prefix):])
            break
    for k in list(keys):
        for suffix in _SOURCE_SUFFIXES:
            if k.endswith(suffix) and len(k) > len(suffix):
                keys.add(k[: -len(suffix)])
                break
    return keys


def source_problem(source: str | None, placeholders: tuple[str, ...]) -> str | None:
    """Why ``source`` does not count as a declared source, or None when it does. Missing, blank or
    punctuation-only sources are missing; hearsay and placeholders (``placeholders``, compared after
    normalisation: width, case, traditional characters, punctuation and spaces) name no source."""
    if source is None or not source.strip():
        return "no declared source"
    keys = _source_keys(source)
    if "" in keys:
        return f"declared source {source!r} names no source"
    hit = sorted(keys & _placeholder_keys(tuple(placeholders)), key=lambda k: (-len(k), k))
    if hit:
        return f"declared source {source!r} is hearsay or a placeholder ({hit[0]}), not a source"
    return None


class SourceRule(Rule):
    """Current affairs, public policy and social events need a declared source; without one the item is
    kept out of the list (limit) until the source is labelled. Hearsay and placeholders (网传, 网友, 据说,
    未知, 转载 ... ``ReviewSettings.placeholder_sources``) count as no source."""

    id = "source_required"
    clauses = ("000 三.3", "000 三.4")
    topics = frozenset({"current_affairs", "public_policy", "social_event"})

    def evaluate(self, candidate: Candidate, facts: CandidateFacts, ctx: ReviewContext) -> Iterable[Finding]:
        if candidate.topic_type not in self.topics:
            return
        problem = source_problem(candidate.declared.source, ctx.settings.placeholder_sources)
        if problem is not None:
            yield self.finding(
                "limit",
                f"{candidate.topic_type} item: {problem}; kept out of the list until a source is labelled",
                labels=(LABEL_SOURCE,),
                data={"source": candidate.declared.source},
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
