"""The rule contract: one small class per rule, each returning findings that cite a seed clause."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar, Iterable

from ..clauses import clause
from ..models import Candidate, Reason

if TYPE_CHECKING:
    from ..context import CandidateFacts, ReviewContext

__all__ = ["Finding", "Rule"]


@dataclass(frozen=True, slots=True)
class Finding:
    """One rule firing: the decision it asks for, why, and what it adds to the result."""

    reason: Reason
    decision: str
    labels: tuple[str, ...] = ()
    refutations: tuple[dict[str, Any], ...] = ()
    freeze_interactions: bool = False
    data: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """The stored rule result."""
        d: dict[str, Any] = {**self.reason.to_dict(), "decision": self.decision}
        if self.labels:
            d["labels"] = list(self.labels)
        if self.freeze_interactions:
            d["freeze_interactions"] = True
        if self.data:
            d["data"] = self.data
        return d


class Rule:
    """Base class. Subclasses set ``id`` (stable: stored records use it) and ``clauses`` (seed clause
    keys from :mod:`plugin.review.clauses`) and implement :meth:`evaluate`."""

    id: ClassVar[str] = ""
    clauses: ClassVar[tuple[str, ...]] = ()

    def evaluate(self, candidate: Candidate, facts: "CandidateFacts", ctx: "ReviewContext") -> Iterable[Finding]:
        raise NotImplementedError

    def finding(
        self,
        decision: str,
        detail: str,
        *,
        labels: Iterable[str] = (),
        refutations: Iterable[dict[str, Any]] = (),
        freeze: bool = False,
        clauses: Iterable[str] | None = None,
        data: dict[str, Any] | None = None,
    ) -> Finding:
        keys = tuple(clauses) if clauses is not None else self.clauses
        return Finding(
            reason=Reason(self.id, "；".join(clause(k) for k in keys), detail),
            decision=decision,
            labels=tuple(labels),
            refutations=tuple(refutations),
            freeze_interactions=freeze,
            data=data or {},
        )

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.id}>"
