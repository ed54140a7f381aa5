"""Rules on batch / history signals: matrix accounts, rumour matches, engagement spikes."""

from __future__ import annotations

from typing import Iterable

from ...models import Surface
from ..context import CandidateFacts, ReviewContext
from ..models import Candidate
from ..spike import detect_spike
from .base import Finding, Rule

__all__ = ["EngagementSpikeRule", "MatrixAccountRule", "RumorRule", "ScorerRule"]


class MatrixAccountRule(Rule):
    """Near-duplicate titles from different accounts sharing an owner or MCN: review every one."""

    id = "matrix_accounts"
    clauses = ("000 三.2", "000 二.2")

    def evaluate(self, candidate: Candidate, facts: CandidateFacts, ctx: ReviewContext) -> Iterable[Finding]:
        links = facts.matrix_links
        if not links:
            return
        desc = "; ".join(
            f"{l.candidate_id} by {l.account_id} (same {l.shared} {l.value!r}, similarity {l.similarity:.2f}, "
            f"{'this batch' if l.in_batch else 'recent history'})"
            for l in links[:5]
        )
        more = f" and {len(links) - 5} more" if len(links) > 5 else ""
        yield self.finding(
            "review",
            f"near-duplicate title from linked accounts: {desc}{more}",
            clauses=("000 三.2", "000 二.2", "001 第7条"),
            data={"links": [l.to_dict() for l in links[:20]]},
        )


class RumorRule(Rule):
    """A known rumour → reject with its refutations; a disputed claim → 争议 label and limit (the
    policy's trending row decides both)."""

    id = "rumor"
    clauses = ("001 第6条",)

    def evaluate(self, candidate: Candidate, facts: CandidateFacts, ctx: ReviewContext) -> Iterable[Finding]:
        row = ctx.policy.surface(Surface.TRENDING)
        pins = facts.rumor_pins
        if pins and row.on_pin is not None:
            claims = "；".join(p.claim[:60] for p in pins[:3])
            yield self.finding(
                row.on_pin,
                f"matches known rumour(s): {claims}",
                labels=(ctx.policy.rumor_verdict("false").label or "谣言",),
                refutations=tuple(p.to_dict() for p in pins),
                data={"rumor_ids": [p.rumor_id for p in pins]},
            )
        pinned = {p.rumor_id for p in pins}
        disputed = [lab for lab in facts.rumor_labels if lab.rumor_id not in pinned and not lab.status.pins]
        if disputed and row.on_disputed is not None:
            yield self.finding(
                row.on_disputed,
                "matches disputed claim(s): " + "；".join(f"{lab.rumor_id} ({lab.label})" for lab in disputed[:3]),
                labels=tuple(dict.fromkeys(lab.label for lab in disputed)),
                clauses=("001 第5条",),
                data={"rumor_ids": [lab.rumor_id for lab in disputed]},
            )


class ScorerRule(Rule):
    """What the guard's extra signals (:class:`plugin.protocols.Signal`, e.g. a learned spam scorer) say
    about the title and text, by the policy's trending row like a lexicon hit of the signal's action;
    the signal's category gives the clause and, for a ``label``, the label. The hits arrive as they
    count on the trending surface (:meth:`plugin.guard.Guard.signals_on`: the policy's score rule,
    scorer flags vetoed by the lexicon's context rules); the reason names the evidence spans."""

    id = "signal"
    clauses = ("000 三.1",)

    def evaluate(self, candidate: Candidate, facts: CandidateFacts, ctx: ReviewContext) -> Iterable[Finding]:
        row = ctx.policy.surface(Surface.TRENDING)
        for hit in facts.signals:
            decision = row.by_action[hit.action]
            if decision == row.mildest:
                continue
            meta = ctx.policy.category(hit.category) if hit.category else None
            why = f" [{hit.category}; evidence: {'、'.join(s for _, _, s in hit.evidence)}]" if hit.evidence else ""
            yield self.finding(
                decision,
                f"signal {hit.signal} ({hit.action}, score {hit.score:g}){': ' + hit.detail if hit.detail else ''}"
                f"{why}",
                labels=(meta.label,) if meta is not None and hit.action == "label" else (),
                clauses=(meta.clause,) if meta is not None else None,
                data=hit.to_dict(),
            )


class EngagementSpikeRule(Rule):
    """Engagement far above the item's own baseline: limit and freeze interaction counts."""

    id = "engagement_spike"
    clauses = ("000 三.4",)

    def evaluate(self, candidate: Candidate, facts: CandidateFacts, ctx: ReviewContext) -> Iterable[Finding]:
        if candidate.metrics is None:
            return
        s = ctx.settings
        spike = detect_spike(
            candidate.metrics.engagement_per_min, ratio=s.spike_ratio, robust_z=s.spike_robust_z,
            min_baseline=s.spike_min_baseline, min_value=s.spike_min_value, min_jump=s.spike_min_jump,
            short_ratio=s.spike_short_ratio, window=s.spike_window, baseline_quantile=s.spike_baseline_quantile,
            baseline_points=s.spike_baseline_points, growth_tolerance=s.spike_growth_tolerance,
            growth_ratio=s.spike_growth_ratio,
        )
        if spike is not None:
            ratio = "∞" if spike.ratio == float("inf") else f"{spike.ratio:.1f}"
            how = {
                "level_shift": f"robust z {min(spike.robust_z, 1e9):.1f}",
                "short_series": f"short series, more than {s.spike_short_ratio:g}× required",
                "growth": f"steady growth, but more than {s.spike_growth_ratio:g}× the baseline",
            }[spike.method]
            span = "the last minute" if spike.minutes == 1 else f"each of the last {spike.minutes} minutes"
            yield self.finding(
                "limit",
                f"engagement of at least {spike.level:g}/min in {span} is {ratio}× the item's baseline "
                f"{spike.baseline:g}/min ({how}): interactions frozen, traffic limited",
                freeze=True,
                data={"level": spike.level, "baseline": spike.baseline, "minutes": spike.minutes, "method": spike.method},
            )
