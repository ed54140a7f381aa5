"""The review-queue loop: the moderators' decisions and a random audit sample of unflagged traffic as
training rows, and the drift of the scores over time.

- :class:`AuditSampler` is a sample sink of the service (``GuardState.samples``): in the background it
  scores a random ``rate`` of the recent texts (queries, suggestion prefixes, trending titles) with the
  live model, flagged or not, and records them (:meth:`ModelStore.record_observations`, bounded). The
  request path does nothing more than it did.
- :func:`export_decisions` turns human review decisions into labelled rows for ``qinglang model train``:
  a rejection whose automatic findings name a spam category is a positive of that category; an
  approval is a hard negative (the automatic decision was wrong or doubtful, a person said benign);
  plus the recorded texts the model did NOT flag, as benign (``source: audit``), so the next model does
  not only learn from what the current one already flagged.
- :func:`drift_report`: per ISO week and surface, the number of recorded texts, score quantiles and the
  share over the threshold; the sample is uniform over traffic, so a change is a change in traffic or in
  the model, not in what was flagged.
"""

from __future__ import annotations

import datetime as dt
import logging
import random
from collections import Counter, defaultdict
from typing import Any, Callable, Iterable, Sequence

from ..models import Surface
from ..policy import DEFAULT_POLICY, Policy
from .data import CATEGORIES
from .scorer import TextScorer
from .store import ModelStore, Observation

__all__ = ["AuditSampler", "DRIFT_QUANTILES", "decision_rows", "drift_report", "export_decisions"]

log = logging.getLogger(__name__)

#: The surface a recorded sample is scored on, by its kind.
SAMPLE_SURFACES: dict[str, Surface] = {"query": Surface.QUERY, "suggestion": Surface.SUGGESTION,
                                       "candidate": Surface.TRENDING}
#: Score quantiles in the drift report.
DRIFT_QUANTILES = (0.5, 0.9, 0.99)
#: Human decisions that make a hard negative.
_APPROVALS = frozenset({"approve", "approve_with_labels"})
#: Rules whose findings name a spam category.
_CATEGORY_RULES = frozenset({"lexicon", "signal"})


class AuditSampler:
    """Scores and records a random ``rate`` of ``(kind, text)`` samples (a sample sink; never raises)."""

    def __init__(self, store: ModelStore, scorer: Callable[[], TextScorer | None], *, rate: float, limit: int,
                 policy: Policy = DEFAULT_POLICY, rng: random.Random | None = None) -> None:
        self.store = store
        self.scorer = scorer
        self.rate = rate
        self.limit = limit
        self.policy = policy
        self.rng = rng or random.Random()
        self.recorded = 0

    def __call__(self, batch: list[tuple[str, str]]) -> None:
        if self.rate <= 0:
            return
        scorer = self.scorer()
        if scorer is None:
            return
        now = dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
        rows = []
        for kind, text in batch:
            where = SAMPLE_SURFACES.get(kind)
            if where is None or not text or self.rng.random() >= self.rate:
                continue
            model_surface = self.policy.surface(where).score.scorer_surface
            if model_surface is None or model_surface not in scorer.surfaces:
                continue
            try:
                r = scorer.score(text[:2000], model_surface, evidence=0)
            except Exception:
                log.debug("audit sample not scored", exc_info=True)
                continue
            rows.append(Observation(now, where.value, text[:2000], round(r.score, 6), r.category, r.flagged,
                                    r.model_version))
        try:
            self.recorded += self.store.record_observations(rows, limit=self.limit)
        except Exception:  # sampling must never fail the flush task
            log.exception("audit sample not recorded")


def _spam_category(item: dict[str, Any]) -> str:
    """The spam category the automatic findings of a review item name most (``""``: none)."""
    cats = Counter(str(r.get("data", {}).get("category", "")) for r in item["automatic"]["rule_results"]
                   if r.get("rule") in _CATEGORY_RULES and isinstance(r.get("data"), dict))
    found = [(n, c) for c, n in cats.items() if c in CATEGORIES]
    return max(found)[1] if found else ""


def decision_rows(items: Iterable[dict[str, Any]]) -> tuple[list[dict[str, Any]], Counter[str]]:
    """Labelled rows from decided review items (``ReviewStore.list_items("decided")``): rejections with a
    spam category as positives, approvals as hard negatives; the counts of what was taken and skipped."""
    rows: list[dict[str, Any]] = []
    counts: Counter[str] = Counter()
    for item in items:
        human = item.get("human") or {}
        decision = human.get("decision")
        cand = item.get("candidate") or {}
        title = str(cand.get("title") or "").strip()
        date = str(human.get("decided_at") or item.get("created_at") or "")[:10]
        if not title:
            continue
        if decision == "reject":
            category = _spam_category(item)
            if not category:
                counts["rejected_not_spam"] += 1
                continue
            label, source = category, "queue_rejected"
        elif decision in _APPROVALS:
            label, source = "benign", "queue_approved"
        else:
            counts[f"skipped_{decision}"] += 1
            continue
        counts[source] += 1
        rows.append({"text": title, "label": label, "surface": "title", "source": source, "date": date})
        body = str(cand.get("text") or "").strip()
        if body:
            rows.append({"text": body, "label": label, "surface": "post", "source": source, "date": date})
    return rows, counts


def export_decisions(items: Iterable[dict[str, Any]], store: ModelStore, *, audit_limit: int = 10_000,
                     since: str | None = None) -> tuple[list[dict[str, Any]], Counter[str]]:
    """:func:`decision_rows` plus up to ``audit_limit`` recorded texts the model did not flag, as benign rows
    (``source: audit``; the newest first when there are more)."""
    rows, counts = decision_rows(items)
    if since:
        rows = [r for r in rows if r["date"] >= since[:10]]
    audit = store.observations(flagged=False, since=since, limit=audit_limit) if audit_limit > 0 else []
    seen = {r["text"] for r in rows}
    for o in audit:
        if o.text in seen:
            continue
        seen.add(o.text)
        rows.append({"text": o.text, "label": "benign", "surface": "title", "source": "audit", "date": o.at[:10]})
        counts["audit"] += 1
    return rows, counts


def _quantile(sorted_values: Sequence[float], q: float) -> float:
    """The ``q`` quantile (nearest rank) of sorted values."""
    i = min(len(sorted_values) - 1, max(0, int(round(q * (len(sorted_values) - 1)))))
    return sorted_values[i]


def drift_report(observations: Iterable[Observation]) -> list[dict[str, Any]]:
    """Per ISO week (``2026-W49``) and surface, oldest first: texts, mean score, :data:`DRIFT_QUANTILES`,
    share over threshold, and the model versions that scored them."""
    groups: dict[tuple[str, str], list[Observation]] = defaultdict(list)
    for o in observations:
        try:
            day = dt.date.fromisoformat(o.at[:10])
        except ValueError:
            continue
        iso = day.isocalendar()
        groups[(f"{iso.year}-W{iso.week:02d}", o.surface)].append(o)
    out = []
    for (week_id, surface), obs in sorted(groups.items()):
        scores = sorted(o.score for o in obs)
        flagged = sum(o.flagged for o in obs)
        out.append({
            "week": week_id, "surface": surface, "texts": len(obs),
            "mean": round(sum(scores) / len(scores), 4),
            **{f"p{round(q * 100)}": round(_quantile(scores, q), 4) for q in DRIFT_QUANTILES},
            "flagged": flagged, "flagged_share": round(flagged / len(obs), 4),
            "models": sorted({o.model_version for o in obs}),
        })
    return out
