"""The review engine: compute facts once per candidate (through :class:`plugin.guard.Guard`), run
every rule, combine the findings."""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import itertools
from typing import Sequence, TypeVar

from .. import fixed_regex
from ..guard import Guard
from ..models import Hit, Surface
from ..protocols import RumorLookup, SentenceWindowLookup, TextMatcher
from ..rumors.models import Pin, RumorLabel
from .combine import combine
from .context import CandidateFacts, ReviewContext
from .matrix import MatrixDetector
from .names import NameScanner
from .models import Candidate, ReviewResult
from .rules import Finding, Rule, default_rules
from .settings import ReviewSettings

__all__ = ["ReviewEngine"]

log = logging.getLogger(__name__)


#: Lexicon categories and cue words that mark hearsay; body chunks holding them are matched first.
_MARKER_CATEGORIES = frozenset({"rumor_marker"})
_HEARSAY_CUES = fixed_regex.compile(
    "网传|听说|据说|传言|传闻|紧急通知|紧急扩散|扩散|速转|转发|朋友圈|网友爆料|有消息称"
)
_SENTENCE = fixed_regex.compile(r"[^。！？!?；;…\n]*(?:[。！？!?；;…]+|\n+|$)")


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


R = TypeVar("R", Pin, RumorLabel)


def merge_by_rumor(a: Sequence[R], b: Sequence[R]) -> list[R]:
    """Union of two match lists (pins, or labels), one item per rumour (and label), best score first."""
    best: dict[tuple[str, str], R] = {}
    for item in itertools.chain(a, b):
        plain: object = item
        key = (item.rumor_id, plain.label if isinstance(plain, RumorLabel) else "")
        if key not in best or item.score > best[key].score:
            best[key] = item
    return sorted(best.values(), key=lambda m: -m.score)


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
            word_similarity=s.matrix_word_similarity, word_min=s.matrix_word_min,
            group_scan=s.matrix_group_scan,
        )

    def facts(self, candidate: Candidate, guard: Guard, matcher: TextMatcher | None = None) -> CandidateFacts:
        """Lexicon hits (content, and the account name in both scopes) and rumour matches for one
        candidate, through ``guard`` (``matcher``: the batch's matcher, default the guard's live one)."""
        matcher = matcher or guard.matcher()
        content = candidate.content
        # review-level spam hits in a text written about spam (crackdown news, advice) are dropped, as on
        # every other surface
        # and the generic spam shapes defer to a scorer that read the content and did not flag it
        signals = list(guard.signals_on(content, Surface.TRENDING, matcher=matcher))
        content_hits = guard.without_framed(content, guard.scan(content, matcher=matcher), Surface.TRENDING,
                                            matcher=matcher, signals=signals)
        # a lookup that matches sentence windows takes the title and a short body in one call (each a
        # sentence of the content, matched on its own)
        one_call = isinstance(guard.rumors, SentenceWindowLookup) and guard.rumors.matches_sentence_windows \
            and len(candidate.text or "") <= self.settings.rumor_chunk_chars
        first = guard.match_rumors(content if one_call else candidate.title, Surface.TRENDING)
        pins, labels = list(first.pins), list(first.labels)
        if candidate.text and guard.rumors is not None and not one_call:
            # the title alone, title + text, and the text on its own (sentence chunks when long): a rumour in
            # the body under a harmless title is still found; the best match per rumour is kept
            for piece in self._rumor_pieces(candidate, content_hits):
                more = guard.match_rumors(piece, Surface.TRENDING)
                pins = merge_by_rumor(pins, more.pins)
                labels = merge_by_rumor(labels, more.labels)
        name = candidate.account.name
        return CandidateFacts(
            content_hits=content_hits,
            name_hits=self.names.scan(matcher, name) if name else [],
            name_content_hits=guard.scan(name, matcher=matcher) if name else [],
            rumor_pins=pins,
            rumor_labels=labels,
            signals=signals,
        )

    def _rumor_pieces(self, candidate: Candidate, content_hits: list[Hit]) -> list[str]:
        """Texts besides the title to match against the rumour index: title + text, and the text alone
        (when longer than ``rumor_chunk_chars``: title + the text's first ``rumor_chunk_chars`` characters,
        and sentence chunks of at most that size, those with hearsay markers first, at most
        ``rumor_max_chunks``)."""
        text = candidate.text or ""
        s = self.settings
        if len(text) <= s.rumor_chunk_chars:
            return [candidate.content, text]
        # title + the text's beginning (a long text is matched in chunks below: never whole)
        pieces = [candidate.content[: len(candidate.content) - len(text) + s.rumor_chunk_chars]]
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
        guard: Guard | None = None,
        matcher: TextMatcher | None = None,
        rumors: RumorLookup | None = None,
        now: dt.datetime | None = None,
        remember: bool = True,
    ) -> list[ReviewResult]:
        """One result per candidate, in order, through ``guard`` (or a guard over ``matcher`` and
        ``rumors``; ``matcher`` given with a guard: the batch's matcher). ``remember=False`` leaves the
        matrix history unchanged (call :meth:`remember` once the results are stored)."""
        if guard is None:
            if matcher is None:
                raise TypeError("review() needs a guard or a matcher")
            guard = Guard(matcher, rumors, cache_size=0)
        matcher = matcher or guard.matcher()
        now = now or dt.datetime.now(dt.timezone.utc)
        ctx = ReviewContext(self.settings, now, str(matcher.version), guard.policy)
        links = self.matrix.find(candidates, now)
        results = []
        for cand, cand_links in zip(candidates, links):
            facts = self.facts(cand, guard, matcher)
            facts.matrix_links = cand_links
            findings: list[Finding] = []
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
