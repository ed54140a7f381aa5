"""Account-name scanning for the impersonation rule (seed 001 第1条).

The matcher's ``account_name`` scope is the primary source. On top of it:

- **Homophones.** A second matcher is derived from the live matcher's account-name entries of at
  least ``homophone_min_chars`` (default 3) characters with the matcher's own ``homophone`` technique
  switched on (a homophone hit needs most characters identical and must not itself be a dictionary
  word: 新花社 is 新华社, 解放君 is 解放军, 工安局 is 公安局). Two-character names stay exact (北京 and 背景
  share a reading), as the bundled lexicon's policy says. This covers lexicon versions (e.g. published
  in the store) whose entries do not enable the technique; built once per matcher object (a few ms).
- **Letters slipped in.** One or two Latin letters / digits between Chinese characters are taken out
  and the name scanned again (公a安局 → 公安局); only hits across such a gap are added.
- **Accidental hits** are dropped with the matcher's ``crossing`` boundary (also for entries that
  skip the boundary check): a hit cut by a word of the name names nothing (每日|报价 cuts 日报,
  每日|报道 too); a hit inside ONE longer word is kept (names are compounds: 公安局 holds 公安,
  人民日报 holds 日报).
- **Weak terms** (too common alone: 人民 in 为人民服务的小张) count only next to another name hit. They
  are the entries with severity 1 and the terms in ``WEAK_TERMS``.
"""

from __future__ import annotations

import dataclasses
import logging
import threading
import weakref
from typing import Any, Iterable

from .. import fixed_regex
from ..boundary import WordBoundary
from ..variants import is_cjk

__all__ = ["WEAK_TERMS", "NameScanner", "accidental_hit"]

log = logging.getLogger(__name__)

#: Account-name terms too common to count alone (entries with severity 1 count as weak too).
WEAK_TERMS: frozenset[str] = frozenset({"人民"})

_SLIPPED = fixed_regex.compile(r"[A-Za-z0-9]{1,2}")


def accidental_hit(name: str, start: int, end: int) -> bool:
    """Whether ``name[start:end]`` is cut by a word of ``name`` and not contained in one (每日|报价 cuts
    日报; 人民日报 holds it): the matcher's ``crossing`` boundary
    (:meth:`plugin.boundary.WordBoundary.check` with ``containing_ok``), for hits whose entries or
    patterns had no boundary check."""
    return not WordBoundary.shared().check(name, start, end, containing_ok=True)


class NameScanner:
    """Account-name hits for one matcher (thread-safe; derived matchers cached per matcher object)."""

    def __init__(self, *, homophones: bool = True, homophone_min_chars: int = 3, slipped_letters: bool = True,
                 weak_terms: Iterable[str] = WEAK_TERMS) -> None:
        self.homophones = homophones
        self.homophone_min_chars = homophone_min_chars
        self.slipped_letters = slipped_letters
        self.weak_terms = frozenset(weak_terms)
        self._derived: "weakref.WeakKeyDictionary[Any, Any]" = weakref.WeakKeyDictionary()
        self._lock = threading.Lock()

    # -- the derived homophone matcher ---------------------------------------------------------

    def _homophone_matcher(self, matcher: Any) -> Any:
        try:
            cached = self._derived.get(matcher)
        except TypeError:  # not weak-referenceable / hashable: no derived matcher
            return None
        if cached is not None:
            return cached or None
        with self._lock:
            cached = self._derived.get(matcher)
            if cached is None:
                cached = self._build(matcher, self.homophone_min_chars) or False
                self._derived[matcher] = cached
        return cached or None

    @staticmethod
    def _build(matcher: Any, min_chars: int) -> Any:
        entries = [e for e in getattr(matcher, "entries", ()) if getattr(e, "scope", "") == "account_name"]
        if not entries or not hasattr(type(matcher), "from_entries"):
            return None
        derived = [
            e if e.action == "allow" or e.regex or "homophone" in e.techniques or len(e.term) < min_chars
            else dataclasses.replace(e, techniques=frozenset(e.techniques) | {"homophone"})
            for e in entries
        ]
        if derived == entries:
            return None  # the entries enable homophones already where they may: nothing to add
        try:
            return type(matcher).from_entries(derived, version=f"{getattr(matcher, 'version', '')}+name-homophone")
        except Exception:  # a broken derived matcher must not break reviews: the plain scan still runs
            log.exception("could not build the account-name homophone matcher")
            return None

    # -- scanning --------------------------------------------------------------------------------

    def scan(self, matcher: Any, name: str) -> list[Any]:
        """Account-name hits of ``name`` (offsets index ``name``), accidental and lone weak hits removed."""
        if not name:
            return []
        hits = list(matcher.scan(name, scope="account_name"))
        seen = {(h.term, h.start, h.end) for h in hits}
        if self.homophones:
            derived = self._homophone_matcher(matcher)
            if derived is not None:
                for h in derived.scan(name, scope="account_name"):
                    if h.technique == "homophone" and (h.term, h.start, h.end) not in seen:
                        hits.append(h)
                        seen.add((h.term, h.start, h.end))
        if self.slipped_letters:
            for h in self._slipped(matcher, name):
                if (h.term, h.start, h.end) not in seen and not any(h.term == x.term for x in hits):
                    hits.append(h)
                    seen.add((h.term, h.start, h.end))
        return self.filter(name, hits)

    def filter(self, name: str, hits: list[Any]) -> list[Any]:
        """Drop accidental hits, then weak hits when no other hit is left."""
        hits = [h for h in hits if not accidental_hit(name, h.start, h.end)]
        strong = [h for h in hits if not self.is_weak(h)]
        return hits if strong else []

    def is_weak(self, hit: Any) -> bool:
        return hit.term in self.weak_terms or getattr(hit, "severity", 2) <= 1

    @staticmethod
    def _slipped(matcher: Any, name: str) -> list[Any]:
        """Hits across one or two Latin letters / digits put between Chinese characters (公a安局)."""
        keep: list[int] = []  # original index of each kept character
        gaps: set[int] = set()  # positions in the compact string where something was taken out
        i = 0
        n = len(name)
        while i < n:
            m = _SLIPPED.match(name, i)
            if m and i > 0 and m.end() < n and is_cjk(name[i - 1]) and is_cjk(name[m.end()]):
                gaps.add(len(keep))
                i = m.end()
                continue
            keep.append(i)
            i += 1
        if not gaps:
            return []
        compact = "".join(name[k] for k in keep)
        out = []
        for h in matcher.scan(compact, scope="account_name"):
            if not any(h.start < g < h.end for g in gaps):
                continue  # found without taking anything out: the plain scan has it
            start, end = keep[h.start], keep[h.end - 1] + 1
            out.append(dataclasses.replace(h, start=start, end=end, surface=name[start:end], technique="split"))
        return out
