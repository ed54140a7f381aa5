"""The review rules (one small class each) and the default rule set, in evaluation order."""

from __future__ import annotations

from .accounts import (
    AccountNameLexiconRule, AccountNameRule, DomainCertificationRule, NewAccountRule, ViolationHistoryRule,
)
from .base import Finding, Rule
from .labels import AILabelRule, FictionLabelRule, OldNewsRule, SourceRule
from .lexicon import LexiconRule
from .signals import EngagementSpikeRule, MatrixAccountRule, RumorRule, ScorerRule

__all__ = [
    "AILabelRule", "AccountNameLexiconRule", "AccountNameRule", "DomainCertificationRule", "EngagementSpikeRule", "FictionLabelRule",
    "Finding", "LexiconRule", "MatrixAccountRule", "NewAccountRule", "OldNewsRule", "Rule", "RumorRule",
    "ScorerRule", "SourceRule", "ViolationHistoryRule", "default_rules",
]


def default_rules() -> list[Rule]:
    """A fresh instance of every rule, in the order reasons are reported."""
    return [
        LexiconRule(), RumorRule(), DomainCertificationRule(), MatrixAccountRule(), AccountNameRule(),
        AccountNameLexiconRule(),
        NewAccountRule(), SourceRule(), AILabelRule(), FictionLabelRule(), OldNewsRule(),
        EngagementSpikeRule(), ViolationHistoryRule(), ScorerRule(),
    ]
