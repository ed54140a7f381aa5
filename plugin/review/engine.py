"""The review engine: compute facts once per candidate, run every rule, combine the findings."""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import re
from typing import Any, Sequence

from .combine import combine
from .context import CandidateFacts, ReviewContext
from .matrix import MatrixDetector
from .names import NameScanner
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


#: Lexicon categories and cue words that mark hearsay; body chunks holding them are matched first.
_MARKER_CATEGORIES = frozenset({"rumor_marker"})
_HEARSAY_CUES = re.compile(
    "网传|听说|据说|传言|传闻|紧急通知|紧急扩散|扩散|速转|转发|朋友圈|网友爆料|有消息称"
)
_SENTENCE = re.compile(r"[^。！？!?；;…\n]*(?:[。！？!?；;…]+|\n+|$)")


def body_chunks(text: str, size: int) -> list[tuple[int, int, str]]:
    """``text`` cut at sentence ends into chunks of at most ``size`` characters (sentences packed
    together; a longer sentence is cut): ``(start, end, chunk)`` in text order."""
    out: list[tuple[int, int, str]] = []
    cur_start = cur_end = 0
    for m in _SENTENCE.finditer(text):
        a, b = m.start(), m.end()
        if a == b:
            continue
        while b - a > size:  # an over-long sentence: flush, then cut it
            if cur_end > cur_start:
                out.append((cur_start, cur_end, text[cur_start:cur_end]))
            out.append((a, a + size, text[a:a + size]))
            a += size
            cur_start = cur_end = a
        if cur_end > cur_start and b - cur_start > size:
            out.append((cur_start, cur_end, text[cur_start:cur_end]))
            cur_start = a
        elif cur_end == cur_start:
            cur_start = a
        cur_end = b
    if cur_end > cur_start:
        out.append((cur_start, cur_end, text[cur_start:cur_end]))
    return [c for c in out if c[2].strip()]


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

    def __init__(self, rules: Sequence[Rule] | None = None, settings: ReviewSettings | None = None,
                 names: NameScanner | None = None) -> None:
        self.rules = list(rules) if rules is not None else default_rules()
        self.settings = settings or ReviewSettings()
        self.names = names or NameScanner()
        s = self.settings
        self.matrix = MatrixDetector(
            similarity=s.matrix_similarity, num_perm=s.matrix_num_perm,
            history_size=s.matrix_history_size, history_hours=s.matrix_history_hours,
            containment=s.matrix_containment, containment_min=s.matrix_containment_min,
            group_scan=s.matrix_group_scan,
        )

    def facts(self, candidate: Candidate, matcher: Any, rumors: Any = None) -> CandidateFacts:
        """Matcher hits (content, and the account name in both scopes) and rumour matches for one candidate."""
        content = candidate.content
        content_hits = list(matcher.scan(content))
        # an index that matches sentence windows takes the title and a short body in one call (each a
        # sentence of the content, matched on its own)
        one_call = getattr(rumors, "matches_sentence_windows", False) \
            and len(candidate.text or "") <= self.settings.rumor_chunk_chars
        pins, labels = _rumor_result(rumors, content if one_call else candidate.title)
        if candidate.text and rumors is not None and not one_call:
            # the title alone, title + text, and the text on its own (sentence chunks when long): a rumour in
            # the body under a harmless title is still found; the best match per rumour is kept
            for piece in self._rumor_pieces(candidate, content_hits):
                more_pins, more_labels = _rumor_result(rumors, piece)
                pins = _merge_by_rumor(pins, more_pins)
                labels = _merge_by_rumor(labels, more_labels)
        name = candidate.account.name
        return CandidateFacts(
            content_hits=content_hits,
            name_hits=self.names.scan(matcher, name) if name else [],
            name_content_hits=list(matcher.scan(name)) if name else [],
            rumor_pins=pins,
            rumor_labels=labels,
        )

    def _rumor_pieces(self, candidate: Candidate, content_hits: list[Any]) -> list[str]:
        """Texts besides the title to match against the rumour index: title + text, and the text alone
        (when longer than ``rumor_chunk_chars``: sentence chunks of at most that size, those with hearsay
        markers first, at most ``rumor_max_chunks``)."""
        text = candidate.text or ""
        s = self.settings
        pieces = [candidate.content]
        if len(text) <= s.rumor_chunk_chars:
            pieces.append(text)
            return pieces
        offset = len(candidate.content) - len(text)  # where the text starts inside the content
        marked = [h.start - offset for h in content_hits if h.category in _MARKER_CATEGORIES and h.start >= offset]
        chunks = body_chunks(text, s.rumor_chunk_chars)
        cues = marked + [m.start() for m in _HEARSAY_CUES.finditer(text)]
        first = [i for i, (start, end, _) in enumerate(chunks) if any(start <= p < end for p in cues)]
        taken = set(first)
        order = first + [i for i in range(len(chunks)) if i not in taken]
        pieces += [chunks[i][2] for i in order[: s.rumor_max_chunks]]
        return pieces

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
            hits += [{**h.to_dict(), "field": "account_name"} for h in facts.name_content_hits
                     if h.action in ("block", "review")]
            result = combine(cand.id, findings, hits)
            linked = tuple(dict.fromkeys(l.review_id for l in cand_links if not l.in_batch and l.review_id))
            if linked:
                result = dataclasses.replace(result, linked_review_ids=linked)
            results.append(result)
        if remember:
            self.remember(candidates, now)
        return results

    def remember(self, candidates: Sequence[Candidate], seen_at: dt.datetime | None = None,
                 review_ids: Sequence[str | None] | None = None) -> None:
        """Add candidates to the matrix history (``review_ids``: their stored review item ids, so a later
        near-duplicate can send them back to manual review)."""
        self.matrix.remember(candidates, seen_at or dt.datetime.now(dt.timezone.utc), review_ids)
