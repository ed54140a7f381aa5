"""The lexicon's own exceptions as a veto on a scorer flag: allow phrases and context rules.

A learned score has no single position in the text, so the lexicon's exceptions apply to it like this
(one definition, read from the entries of the live lexicon version, so editors steer the veto by
publishing lexicon changes and it reloads with them):

- **context rules**: the ``excludes_any`` words that most entries of the flagged category carry (the
  lexicon header's context, which every entry inherits: crackdown-news and anti-fraud-advisory words
  such as 警方, 破获, 反诈, 谨防; not one entry's own narrow exception) anywhere in the dense view of
  the text veto the flag (a flag's evidence is spread over the text; a title is shorter than a rule's
  ``within`` window anyway), unless the text solicits (a contact id, a link, a call to action with a contact
  handle: :func:`~plugin.scoring.frames.solicits`), as a frame: "【公安局】你涉嫌洗钱，请立即拨打 … 联系办案民警"
  is a scam wearing crackdown words;
- **context frames** (:mod:`plugin.scoring.frames`): classes of benign writing about spam or with a
  code word in its everyday sense (anti-fraud advice, crackdown news, victims' stories, users warning
  each other, 菠菜 among cooking words …), when the text does not solicit (no contact id, no link);
- **lexicon hits written about spam**: a review-level (or milder) lexicon hit of a spam category
  (:data:`~plugin.scoring.data.CATEGORIES`) in a text written *about* spam (the frames of
  :data:`~plugin.scoring.frames.ABOUT_SPAM_FRAMES`: advice, crackdown news, victims, users warning each other)
  that does not solicit is dropped too (:meth:`ContextVeto.lexicon_hits`): the header context rules only look
  ``within`` a few characters of the term, and "不要相信…的投资平台，…百分之百是杀猪盘" puts its advice further away;
  a ``block`` entry (刷单返利) stands, and so does anything with a contact id or a link;
- **lexicon hits in a public-interest appeal** (a missing person, a lost item, a pet to adopt, a plea to pass a
  message on: :func:`~plugin.scoring.frames.appeal_of`): such a post gives a phone number because it asks the public
  for help, so "失主请联系:130…" or "领养请私信或加QQ…" met the generic contact pattern; a review-level spam hit in an
  appeal that offers nothing (no link, customer address, deadline or rate, no promise / offer / betting / scheme /
  goods word) is dropped; the model's flag is not (spam dressed as an appeal is left to the model);
- **allow phrases**: when more than half of every evidence span of the flag lies in occurrences of
  allow phrases (``allow:`` entries of any category: 彩票投注站, 一件代发 …), the model saw mostly
  allowed wording.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from typing import Any, Iterable, Sequence

from ..lexicon import Entry
from ..models import ACTION_ORDER, Action, Hit
from ..normalize import dense_key, prepare
from .data import CATEGORIES
from .frames import ABOUT_SPAM_FRAMES, appeal_of, frame_of, solicits

__all__ = ["PATTERN_CATEGORY", "SPAM_HIT_CATEGORIES", "ContextVeto"]

#: Lexicon categories whose review-level hits a frame may drop: the scorer's spam categories and the generic
#: spam shapes (``spam_pattern``: a contact handle after a contact verb, a throw-away link, an earnings promise).
SPAM_HIT_CATEGORIES: tuple[str, ...] = (*CATEGORIES, "spam_pattern")
#: The lexicon category of the generic spam shapes, whose review-level hits defer to a live scorer that read the
#: text and did not flag it (:attr:`plugin.policy.ScoreRule.patterns_defer`).
PATTERN_CATEGORY = "spam_pattern"


class ContextVeto:
    """Veto words per category and allow phrases, in dense form (immutable, thread-safe)."""

    __slots__ = ("excludes", "allow_phrases", "frames")

    def __init__(self, entries: Iterable[Entry], *, frames: bool = True) -> None:
        counts: dict[str, Counter[str]] = defaultdict(Counter)
        entries_of: Counter[str] = Counter()
        allows: set[str] = set()
        for e in entries:
            if e.action == "allow":
                if not e.regex and (key := dense_key(e.term)):
                    allows.add(key)
                continue
            entries_of[e.category] += 1
            if e.context is not None:
                counts[e.category].update({k for w in e.context.excludes_any if (k := dense_key(w))})
        # the category's own exclusions: words most of its entries carry (the lexicon header's context,
        # which every entry inherits), not one entry's narrow exception (手机 next to 刷机)
        self.excludes: dict[str, tuple[str, ...]] = {
            c: tuple(sorted(w for w, n in ws.items() if 2 * n >= entries_of[c])) for c, ws in counts.items()}
        self.allow_phrases: tuple[str, ...] = tuple(sorted(allows, key=lambda k: (-len(k), k)))
        self.frames = frames

    @classmethod
    def of(cls, matcher: Any, *, frames: bool = True) -> "ContextVeto":
        """The veto of a compiled matcher's entries (no lexicon words for a matcher without ``entries``)."""
        return cls(getattr(matcher, "entries", ()) or (), frames=frames)

    def lexicon_hits(self, text: str, hits: Sequence[Hit], surface: str
                     ) -> tuple[tuple[Hit, ...], tuple[tuple[str, str], ...]]:
        """``hits`` without those a frame vetoes (see the module docstring: a spam hit, :data:`SPAM_HIT_CATEGORIES`,
        at ``review`` or milder on ``surface``, in a text written in one of :data:`ABOUT_SPAM_FRAMES` that does not
        solicit, or in a public-interest appeal that offers nothing, :func:`~plugin.scoring.frames.appeal_of`), and
        ``(lexicon:<term_id or term>, frame:<class>:<marker>)`` of each dropped hit."""
        review = ACTION_ORDER[Action.REVIEW.value]
        framed = [h.category in SPAM_HIT_CATEGORIES and 0 < ACTION_ORDER.get(h.action_on(surface), 0) <= review
                  for h in hits]
        if not self.frames or not any(framed):
            return tuple(hits), ()
        frame = frame_of(text, ABOUT_SPAM_FRAMES) or appeal_of(text)
        if not frame:
            return tuple(hits), ()
        kept = tuple(h for h, f in zip(hits, framed) if not f)
        dropped = tuple((f"lexicon:{h.term_id or h.term}", f"frame:{frame}") for h, f in zip(hits, framed) if f)
        return kept, dropped

    def reason(self, text: str, category: str, evidence: Sequence[tuple[int, int, str]] = ()) -> str:
        """Why a flag of ``category`` on ``text`` is vetoed (``context:<word>`` / ``frame:<class>:<marker>`` /
        ``allow:<phrase>``), or ``""`` when it stands. ``evidence``: the flag's ``(start, end, surface)``
        spans of ``text``."""
        words = self.excludes.get(category, ())
        if not words and not self.frames and not (evidence and self.allow_phrases):
            return ""
        view = prepare(text).normalized
        dense = view.dense
        for w in words:
            if w in dense:
                if solicits(text):  # impersonation: "【公安局】你涉嫌洗钱，请拨打 …" is not crackdown news
                    break
                return f"context:{w}"
        if self.frames and (frame := frame_of(text)):
            return f"frame:{frame}"
        if not evidence:
            return ""
        covered: list[tuple[int, int, str]] = []
        for phrase in self.allow_phrases:
            i = dense.find(phrase)
            while i >= 0:
                a, b = view.orig_span(i, i + len(phrase))
                covered.append((a, b, phrase))
                i = dense.find(phrase, i + 1)
        if not covered:
            return ""
        used = []
        for start, end, _ in evidence:
            inside = [(a, b, p) for a, b, p in covered if start < b and a < end]
            chars = {i for a, b, _ in inside for i in range(max(a, start), min(b, end))}
            if 2 * len(chars) <= end - start:
                return ""
            used.append(inside[0][2])
        return f"allow:{used[0]}"
