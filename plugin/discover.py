"""Code-word discovery: propose new lexicon terms from spam the lexicons miss, for an editor to judge.

Foreground: spam texts (with their category) that the current lexicons do not flag. Background:
benign texts. Candidates are the character n-grams (2 to ``max_len`` characters) of each text's
dense view (:func:`plugin.normalize.normalize`, the form the matcher scans), counted once per
text. A candidate is kept when

- it is over-represented in the foreground: the log-odds ratio with an informative Dirichlet prior
  (Monroe, Colaresi & Quinn 2008; the prior is the pooled frequency times ``prior``) has a z-score
  of at least ``min_z`` (proposals are ranked by the log-odds itself, the effect size, so frequent
  everyday words with a large z but a small ratio sink); digit strings and Chinese cut off at a
  digit (``一天2``) are not proposed;
- it holds together: its weakest split point has a pointwise mutual information of at least
  ``min_pmi`` (``加微`` + ``信`` does, ``信加`` does not);
- it stands free: the entropy of the characters seen to its left and to its right is at least
  ``min_entropy`` on both sides (``微信`` is followed by many things; ``微`` alone is followed by ``信``);
- a longer candidate does not absorb it (a substring seen in hardly more texts than a longer
  candidate that contains it is dropped in favour of the longer one);
- the lexicons do not already match it (known terms, variants and fuzzy spellings are dropped).

Each :class:`Proposal` carries its evidence: foreground and background text counts, the z-score, the
PMI, both entropies, the suggested category (the one most of its foreground texts carry), example
texts, and whether it also occurs in benign text (then it needs a context gate). Proposals are
suggestions for an editorial draft, never published automatically: measured precision is modest.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any, Callable, Sequence

from .normalize import BREAK, normalize

__all__ = ["DiscoverySettings", "Proposal", "discover"]


@dataclass(frozen=True, slots=True)
class DiscoverySettings:
    """Thresholds of :func:`discover` (see the module docstring)."""

    min_len: int = 2
    max_len: int = 6
    min_count: int = 3
    min_z: float = 3.0
    min_pmi: float = 1.0
    min_entropy: float = 1.0
    absorb: float = 0.8
    prior: float = 10.0
    examples: int = 3
    limit: int = 50

    def __post_init__(self) -> None:
        if not 2 <= self.min_len <= self.max_len <= 12:
            raise ValueError("need 2 <= min_len <= max_len <= 12")
        if self.min_count < 1 or self.limit < 1 or self.examples < 0 or not 0 < self.absorb <= 1:
            raise ValueError("min_count and limit must be >= 1, examples >= 0, absorb in (0, 1]")


@dataclass(frozen=True, slots=True)
class Proposal:
    """One proposed code word and the evidence for it: ``term`` is its commonest spelling in the
    spam texts, ``key`` the dense form the counts are over (repeats collapsed: 绿泡泡 → 绿泡)."""

    term: str
    key: str
    category: str
    foreground: int
    background: int
    log_odds: float
    z: float
    pmi: float
    left_entropy: float
    right_entropy: float
    needs_context: bool
    examples: tuple[str, ...] = field(default=())
    categories: dict[str, int] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {"term": self.term, "key": self.key, "category": self.category, "foreground": self.foreground,
                "background": self.background, "log_odds": round(self.log_odds, 2), "z": round(self.z, 2),
                "pmi": round(self.pmi, 2),
                "left_entropy": round(self.left_entropy, 2), "right_entropy": round(self.right_entropy, 2),
                "needs_context": self.needs_context, "categories": dict(self.categories),
                "examples": list(self.examples)}


def _doc_counts(views: Sequence[str], min_len: int, max_len: int) -> Counter[str]:
    counts: Counter[str] = Counter()
    for view in views:
        grams = set()
        for part in view.split(BREAK):
            size = len(part)
            for n in range(min_len, max_len + 1):
                for i in range(size - n + 1):
                    grams.add(part[i:i + n])
        counts.update(grams)
    return counts


def _occurrences(views: Sequence[str], max_len: int) -> Counter[str]:
    counts: Counter[str] = Counter()
    for view in views:
        for part in view.split(BREAK):
            size = len(part)
            for n in range(1, max_len + 1):
                counts.update(part[i:i + n] for i in range(size - n + 1))
    return counts


def _number_fragment(gram: str) -> bool:
    """Digits alone, or Chinese characters cut off at a digit (``一天2``): pieces of numbers."""
    if gram.isdigit():
        return True
    has_digit = any(c.isdigit() for c in gram)
    return has_digit and any(not c.isascii() for c in gram)


def _entropy(counter: Counter[str]) -> float:
    total = sum(counter.values())
    return -sum(c / total * math.log(c / total) for c in counter.values()) if total else 0.0


def discover(spam: Sequence[tuple[str, str]], background: Sequence[str], *, known: Callable[[str], bool],
             settings: DiscoverySettings | None = None) -> list[Proposal]:
    """Proposals from ``spam`` ((text, category) pairs the lexicons missed) against ``background``
    (benign texts), strongest first. ``known(term)`` tells whether the lexicons already match a term."""
    cfg = settings or DiscoverySettings()
    fg_norm = [normalize(t) for t, _ in spam]
    fg_views = [n.dense for n in fg_norm]
    bg_views = [normalize(t).dense for t in background]
    fg = _doc_counts(fg_views, cfg.min_len, cfg.max_len)
    bg = _doc_counts(bg_views, cfg.min_len, cfg.max_len)
    n_fg, n_bg = max(1, len(fg_views)), max(1, len(bg_views))
    n_all = n_fg + n_bg
    occ = _occurrences(fg_views, cfg.max_len)  # for PMI: occurrence probabilities in the foreground
    positions = max(1, sum(len(v) for v in fg_views))

    def prob(gram: str) -> float:
        return occ[gram] / positions

    scored: dict[str, tuple[float, float, float]] = {}
    for gram, f in fg.items():
        if len(gram) < cfg.min_len or f < cfg.min_count or BREAK in gram or _number_fragment(gram):
            continue
        b = bg.get(gram, 0)
        alpha = cfg.prior * (f + b) / n_all
        a0 = cfg.prior
        delta = (math.log((f + alpha) / (n_fg + a0 - f - alpha)) - math.log((b + alpha) / (n_bg + a0 - b - alpha)))
        z = delta / math.sqrt(1 / (f + alpha) + 1 / (b + alpha))
        if z < cfg.min_z:
            continue
        p = prob(gram)
        pmi = min(math.log(p / (prob(gram[:i]) * prob(gram[i:]))) for i in range(1, len(gram)))
        if pmi < cfg.min_pmi:
            continue
        scored[gram] = (delta, z, pmi)
    # branching entropy of the surviving candidates
    left: dict[str, Counter[str]] = defaultdict(Counter)
    right: dict[str, Counter[str]] = defaultdict(Counter)
    cand_lens = sorted({len(g) for g in scored})
    for view in fg_views:
        padded = f"{BREAK}{view}{BREAK}"
        for n in cand_lens:
            for i in range(1, len(padded) - n):
                gram = padded[i:i + n]
                if gram in scored:
                    left[gram][padded[i - 1]] += 1
                    right[gram][padded[i + n]] += 1
    free = {g: (_entropy(left[g]), _entropy(right[g])) for g in scored}
    kept = [g for g in scored if min(free[g]) >= cfg.min_entropy and not known(g)]
    # substring absorption: drop a candidate mostly seen inside a longer kept one
    kept.sort(key=len, reverse=True)
    final: list[str] = []
    for g in kept:
        if any(g in longer and fg[longer] >= cfg.absorb * fg[g] for longer in final):
            continue
        final.append(g)
    final.sort(key=lambda g: -scored[g][0])  # by log-odds: how much more typical of missed spam
    cats_of: dict[str, Counter[str]] = defaultdict(Counter)
    surfaces: dict[str, Counter[str]] = defaultdict(Counter)
    examples: dict[str, list[str]] = defaultdict(list)
    wanted = final[: cfg.limit]
    for (text, category), norm in zip(spam, fg_norm):
        for g in wanted:
            at = norm.dense.find(g)
            if at < 0:
                continue
            cats_of[g][category] += 1
            start, end = norm.orig_span(at, at + len(g))
            surfaces[g][text[start:end]] += 1
            if len(examples[g]) < cfg.examples:
                examples[g].append(text[:120])
    out = []
    for g in wanted:
        cats = cats_of[g]
        out.append(Proposal(
            term=surfaces[g].most_common(1)[0][0] if surfaces[g] else g, key=g,
            category=cats.most_common(1)[0][0] if cats else "", foreground=fg[g], background=bg.get(g, 0),
            log_odds=scored[g][0], z=scored[g][1], pmi=scored[g][2], left_entropy=free[g][0],
            right_entropy=free[g][1], needs_context=bg.get(g, 0) > 0, examples=tuple(examples[g]),
            categories=dict(cats)))
    return out
