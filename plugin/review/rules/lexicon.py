"""Lexicon hits on the title / text (and on the account name) mapped to review decisions."""

from __future__ import annotations

from collections import defaultdict
from typing import Any, Iterable

from ...models import Hit, Surface
from ..context import CandidateFacts, ReviewContext
from ..models import Candidate, Reason
from .base import Finding, Rule

__all__ = ["LexiconRule", "cite_clause"]

#: Categories that only describe account names; the account-name rule handles them.
NAME_ONLY_CATEGORIES = frozenset({"account_name"})


class LexiconRule(Rule):
    """One finding per (action, category) of lexicon hits, by the policy's trending row
    (:mod:`plugin.policy`): block → reject, review → review, limit → limit, label →
    approve_with_labels with the category's label. A hit's action is its entry's action on the
    ``trending`` surface (``surface_actions`` overrides it)."""

    id = "lexicon"
    clauses = ("000 三.1",)

    def evaluate(self, candidate: Candidate, facts: CandidateFacts, ctx: ReviewContext) -> Iterable[Finding]:
        policy = ctx.policy
        row = policy.surface(Surface.TRENDING)
        groups: dict[tuple[str, str, str], list[Hit]] = defaultdict(list)
        for where, hits in (("title/text", facts.content_hits), ("account name", facts.name_hits)):
            for h in policy.with_tags(hits):  # the policy's tag rules (plugin.policy.Policy.tag_actions)
                action = h.action_on(Surface.TRENDING)
                if h.category in NAME_ONLY_CATEGORIES or row.by_action[action] == row.mildest:
                    continue
                groups[(action, h.category, where)].append(h)
        for (action, category, where), hits in groups.items():
            own = next((h.clause for h in hits if h.clause), "")
            meta = policy.category(category)
            terms = "、".join(dict.fromkeys(h.term if h.surface == h.term else f"{h.surface}→{h.term}" for h in hits))
            labels = (meta.label,) if action == "label" else ()
            yield cite_clause(
                self, own, meta.clause, row.by_action[action], f"{where} hits {category} terms ({action}): {terms}",
                {"category": category, "action": action,
                 "term_ids": list(dict.fromkeys(h.term_id for h in hits))},  # once each: a text may repeat a term
                labels=labels,
            )


def cite_clause(rule: Rule, own: str, default: str, decision: str, detail: str, data: dict[str, Any],
                labels: tuple[str, ...] = ()) -> Finding:
    """A finding citing the lexicon entry's own clause: a known seed clause key is expanded; any other
    citation the entry carries (lexicon header / entry text) is reported as written; without one the
    category's ``default`` clause is cited."""
    known = _known_clauses()
    finding = rule.finding(decision, detail, labels=labels, clauses=(own,) if own in known else (default,), data=data)
    if own and own not in known:
        finding = Finding(Reason(rule.id, own, finding.reason.detail), finding.decision, finding.labels,
                          finding.refutations, finding.freeze_interactions, finding.data)
    return finding


def _known_clauses() -> dict[str, str]:
    from ..clauses import CLAUSES

    return CLAUSES
