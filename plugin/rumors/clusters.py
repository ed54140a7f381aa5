"""Clusters of near-duplicate claims, and the short core claim a ruling quotes.

The same rumour is often checked by several sources (a national platform, a newspaper's
fact-check column, a doctor's site) and copied many times on Weibo. Matched one by one, the
copies compete: a pin of a copy counts as a miss and the evidence is split. Clusters fix that:

* **Candidates** by MinHash over character shingles (bigrams of the folded, dense claim):
  :data:`BANDS` bands of :data:`ROWS` hashes; two claims sharing a band are compared (a band
  bucket holding more than :data:`MAX_BUCKET` claims is a template such as "X可以预防新冠", not a
  duplicate, and is skipped).
* **Verification** on the analysed words (:mod:`plugin.rumors.analysis`): weighted word overlap
  (one claim covered by the other ≥ :data:`MIN_CONTAINMENT`, and the overlap from both sides ≥
  :data:`MIN_OVERLAP`), no conflicting names, numbers or dates (the same claim about 深圳 and about
  重庆 is two rumours), the same verdict family (a pinning status is never merged with one that does
  not pin).
* **Canonical** member: the best source first (:data:`SOURCE_RANK`: editors' own rows, the national
  platform, newspapers' fact-checks, doctors, Weibo rulings), then one with a URL and a summary,
  then the shortest claim. Its id names the cluster; its refutation is the one pins show.

:func:`core_claim` reads the claim a Weibo community ruling quotes ("经查，该微博称“…”不实"): a short,
clean version of a long post, indexed as an extra match key of the same rumour.
"""

from __future__ import annotations

import zlib
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from .. import fixed_regex
from plugin.normalize import dense_key
from plugin.segment import segmenter
from plugin.numerals import quantities_agree

from .analysis import Analysis, Weights, is_name
from .models import Rumor

__all__ = ["BANDS", "MAX_BUCKET", "MIN_CONTAINMENT", "MIN_OVERLAP", "ROWS", "SOURCE_RANK", "Clusters",
           "core_claim", "find_clusters"]

#: MinHash layout: BANDS x ROWS hash functions; two claims sharing all ROWS hashes of one band are compared.
BANDS = 16
ROWS = 2
#: A band bucket with more claims than this is a template, not a set of duplicates.
MAX_BUCKET = 40
#: Share of the smaller claim's word weight the other claim must cover.
MIN_CONTAINMENT = 0.8
#: Weighted word overlap from both sides (Dice) two duplicates must reach.
MIN_OVERLAP = 0.65
#: A claim of at least MIN_COPY_WORDS content words whose word weight a post (more than SHORT_CLAIM content words and
#: at least COPY_LENGTH times as many) covers this much is copied in it: a post that repeats a fact-check's claim and
#: adds its own words (hashtags, the poster's comment) is the same rumour even when the overlap from both sides is
#: low. Two short claims are never copies of one another this way (气溶胶传播 vs 居家隔离经楼道气溶胶传播).
COPY_CONTAINMENT = 0.9
MIN_COPY_WORDS = 4
COPY_LENGTH = 2
#: ... and this share of the claim's character pairs (of its content words, in order) is in the post.
COPY_WORDING = 0.6
#: Candidates by rare words: each claim is compared with the claims holding its two heaviest words when at most
#: this many do.
MAX_POSTING = 40
#: Claims of at most this many content words are short: each side's own words are checked.
SHORT_CLAIM = 12
#: In short claims, a word of one side only weighing this share of the heaviest shared word is a claim of its own.
SUBJECT_SHARE = 0.6
#: Source preference for the canonical refutation (lower first); unknown sources after these.
SOURCE_RANK = {"": 0, "piyao_org_cn": 1, "tencent_jiaozhen": 2, "dxy_piyao": 3, "weibo_checked_fake": 4}

_PRIME = (1 << 31) - 1  # a * h + b < 2^63 for a, b, h < 2^31: no uint64 overflow
_RNG = np.random.default_rng(20261207)
_A = _RNG.integers(1, _PRIME, size=BANDS * ROWS, dtype=np.uint64)
_B = _RNG.integers(0, _PRIME, size=BANDS * ROWS, dtype=np.uint64)

_RULING = fixed_regex.compile(r"^经查[，,]?[^“\"]{0,14}?称[“\"]([^”\"]{4,120})[”\"]")


def core_claim(rumor: Rumor) -> str:
    """The claim a ruling's refutation quotes (经查，该微博称“<claim>”不实), '' when there is none or
    it is the claim itself."""
    for ref in rumor.refutations:
        m = _RULING.match(ref.summary)
        if m:
            quoted = m.group(1).strip()
            return "" if dense_key(quoted) == dense_key(rumor.claim) else quoted
    return ""


@dataclass(frozen=True, slots=True)
class Clusters:
    """Rumour index → cluster: ``canonical[i]`` is the index of its cluster's canonical rumour,
    ``size[i]`` the number of rumours in it (1: alone)."""

    canonical: tuple[int, ...]
    size: tuple[int, ...]

    @property
    def count(self) -> int:
        """Clusters of two or more rumours."""
        return len({c for c, n in zip(self.canonical, self.size) if n > 1})


def _signatures(claims: Sequence[str]) -> np.ndarray:
    sigs = np.full((len(claims), BANDS * ROWS), np.iinfo(np.uint64).max, dtype=np.uint64)
    for i, claim in enumerate(claims):
        key = dense_key(claim)
        shingles = {key[j : j + 2] for j in range(len(key) - 1)} or {key}
        h = np.fromiter((zlib.crc32(s.encode("utf-8")) % _PRIME for s in shingles), dtype=np.uint64,
                        count=len(shingles))
        sigs[i] = ((_A[:, None] * h[None, :] + _B[:, None]) % np.uint64(_PRIME)).min(axis=1)
    return sigs


def _candidate_pairs(sigs: np.ndarray) -> set[tuple[int, int]]:
    pairs: set[tuple[int, int]] = set()
    for b in range(BANDS):
        buckets: dict[bytes, list[int]] = {}
        band = np.ascontiguousarray(sigs[:, b * ROWS : (b + 1) * ROWS])
        for i in range(len(band)):
            buckets.setdefault(band[i].tobytes(), []).append(i)
        for members in buckets.values():
            if 1 < len(members) <= MAX_BUCKET:
                for x in range(len(members)):
                    for y in range(x + 1, len(members)):
                        pairs.add((members[x], members[y]))
    return pairs


def _numbers_conflict(a: Analysis, b: Analysis) -> bool:
    na = [t[1:] for t in a.words if t.startswith("#")]
    nb = [t[1:] for t in b.words if t.startswith("#")]
    if not na or not nb:
        return False
    agree = [quantities_agree(x, y) for x in na for y in nb]
    return not any(agree) and any(v is False for v in agree)


def _rare_word_pairs(analyses: Sequence[Analysis], weights: Weights) -> set[tuple[int, int]]:
    """Candidate pairs MinHash misses: a short claim and a long post that copies it share few of the post's
    character pairs, but the post holds the claim's rarest words. Each claim of :data:`MIN_COPY_WORDS` to
    :data:`SHORT_CLAIM` content words is paired with the posts (:data:`COPY_LENGTH` times as many words, more than
    :data:`SHORT_CLAIM`) holding two of its three heaviest words (words held by more than :data:`MAX_POSTING`
    claims are not looked up): the pairs :data:`COPY` can join."""
    postings: dict[str, list[int]] = {}
    for i, a in enumerate(analyses):
        for t in set(a.words):
            if not t.startswith("#"):
                postings.setdefault(t, []).append(i)
    pairs: set[tuple[int, int]] = set()
    sizes = [len({t for t in a.words if not t.startswith("#")}) for a in analyses]
    for i, a in enumerate(analyses):
        if not MIN_COPY_WORDS <= sizes[i] <= SHORT_CLAIM:
            continue
        words = [t for t in sorted({t for t in a.words if not t.startswith("#")}, key=lambda t: (-weights.token(t), t))[:3]
                 if len(postings[t]) <= MAX_POSTING]
        for x in range(len(words)):
            for y in range(x + 1, len(words)):
                for j in set(postings[words[x]]).intersection(postings[words[y]]):
                    if sizes[j] > SHORT_CLAIM and sizes[j] >= COPY_LENGTH * sizes[i]:
                        pairs.add((min(i, j), max(i, j)))
    return pairs


#: :func:`_duplicates`: not duplicates, near-duplicates (overlap both ways), one claim copied in a post.
NOT_DUPLICATES, DUPLICATES, COPY = 0, 1, 2


def _bigram_share(short: str, long: str) -> float:
    """The share of ``short``'s character pairs that ``long`` holds (the claim's wording, in order, in the post)."""
    pairs = {short[k : k + 2] for k in range(len(short) - 1)}
    return sum(1 for g in pairs if g in long) / len(pairs) if pairs else 0.0


def _duplicates(a: Analysis, b: Analysis, weights: Weights) -> int:
    """:data:`DUPLICATES` / :data:`COPY` when the two claims are one rumour (see the module docstring), else
    :data:`NOT_DUPLICATES`."""
    wa = {t: weights.token(t) for t in a.words if not t.startswith("#")}
    wb = {t: weights.token(t) for t in b.words if not t.startswith("#")}
    if len(wa) < 2 or len(wb) < 2:
        return NOT_DUPLICATES
    # a word of the other claim counts 1, a part of one of its words 0.7 (病毒 / 病毒感染)
    shared_a = sum(w * (1.0 if t in wb else 0.7 if t in b.subs else 0.0) for t, w in wa.items())
    shared_b = sum(w * (1.0 if t in wa else 0.7 if t in a.subs else 0.0) for t, w in wb.items())
    total_a, total_b = sum(wa.values()), sum(wb.values())
    if max(shared_a / total_a, shared_b / total_b) < MIN_CONTAINMENT:
        return NOT_DUPLICATES
    kind = DUPLICATES
    if (shared_a + shared_b) / (total_a + total_b) < MIN_OVERLAP:
        # one claim copied in a post that adds words of its own: its words and, mostly, its wording in the post
        # (a short claim whose words a long post happens to hold here and there is no copy)
        if not any(len(w) >= MIN_COPY_WORDS and len(post) > SHORT_CLAIM and len(post) >= COPY_LENGTH * len(w)
                   and shared / total >= COPY_CONTAINMENT and _bigram_share(x.dense, y.dense) >= COPY_WORDING
                   for w, post, shared, total, x, y in ((wa, wb, shared_a, total_a, a, b),
                                                        (wb, wa, shared_b, total_b, b, a))):
            return NOT_DUPLICATES
        kind = COPY
    if len(wa) <= SHORT_CLAIM and len(wb) <= SHORT_CLAIM:
        # short claims that each say something the other does not (疫苗 ... vs 草莓 ...): two rumours
        heavy = SUBJECT_SHARE * max(w for t, w in wa.items() if t in wb or t in b.subs) if shared_a else 0.0
        own_a = any(w >= heavy for t, w in wa.items() if t not in wb and t not in b.subs)
        own_b = any(w >= heavy for t, w in wb.items() if t not in wa and t not in a.subs)
        if own_a and own_b:
            return NOT_DUPLICATES
    if _names_conflict(_names(a), _names(b)):
        return NOT_DUPLICATES  # 深圳 ... vs 重庆 ...: the same template about two places
    return NOT_DUPLICATES if _numbers_conflict(a, b) else kind


def _names(a: Analysis) -> set[str]:
    return {t for t in a.words if not t.startswith("#") and is_name(t)}


def _names_conflict(a: set[str], b: set[str]) -> bool:
    """Both sides name a place, person or organisation the other lacks (深圳 ... vs 重庆 ...)."""
    return _own_names(a, b) and _own_names(b, a)


def _own_names(names: set[str], other: set[str]) -> bool:
    """Whether ``names`` has a name ``other`` lacks, a name inside another counting as the same
    (武汉 / 武汉市, 硚口 / 硚口区)."""
    return any(not any(n in o or o in n for o in other) for n in names - other)




def _rank(r: Rumor) -> tuple[int, int, int, int, str]:
    ref = r.refutations[0] if r.refutations else None
    return (SOURCE_RANK.get(r.origin, len(SOURCE_RANK)), 0 if ref is not None and ref.url else 1,
            0 if ref is not None and ref.summary else 1, len(r.claim), r.id)


def find_clusters(rumors: Sequence[Rumor], analyses: Sequence[Analysis], weights: Weights) -> Clusters:
    """Near-duplicate claims grouped (see the module docstring); ``analyses[i]`` is ``rumors[i]``'s."""
    n = len(rumors)
    parent = list(range(n))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    if n > 1:
        # per cluster root: its members' dictionary names (places, people, organisations jieba knows: a post's
        # unknown words — handles, hashtags — would make every two posts "name" different things)
        proper = segmenter().proper_names()
        names = {i: [{t for t in analyses[i].words if t in proper}] for i in range(n)}
        candidates = _candidate_pairs(_signatures([r.claim for r in rumors])) | _rare_word_pairs(analyses, weights)
        for i, j in sorted(candidates):
            if rumors[i].status.pins != rumors[j].status.pins:
                continue
            ri, rj = root(i), root(j)
            if ri == rj:
                continue
            # each new member must also be a duplicate of the other cluster's first member (no chains)
            kinds = [_duplicates(analyses[i], analyses[j], weights),
                     _duplicates(analyses[ri], analyses[j], weights) if ri != i else DUPLICATES,
                     _duplicates(analyses[i], analyses[rj], weights) if rj != j else DUPLICATES]
            if NOT_DUPLICATES in kinds:
                continue
            # a claim copied in posts joins them through itself: then no two members of the joined cluster may
            # name different places (copied in the 深圳 and the 重庆 variant of one post, it joins neither to the other)
            if COPY in kinds and any(_names_conflict(x, y) for x in names[ri] for y in names[rj]):
                continue
            parent[max(ri, rj)] = min(ri, rj)
            names[min(ri, rj)] += names.pop(max(ri, rj))
    groups: dict[int, list[int]] = {}
    for i in range(n):
        groups.setdefault(root(i), []).append(i)
    canonical = [0] * n
    size = [1] * n
    for members in groups.values():
        best = min(members, key=lambda i: _rank(rumors[i]))
        for i in members:
            canonical[i] = best
            size[i] = len(members)
    return Clusters(tuple(canonical), tuple(size))
