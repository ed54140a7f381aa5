"""The fakes of the test suite, in one place; each obeys the public protocol it stands in for
(:mod:`plugin.protocols`, checked by mypy at the bottom of this module).

* :class:`TermMatcher` and :class:`EntryMatcher`: :class:`~plugin.protocols.TextMatcher` (``{term: action}``
  substrings / lexicon entries with the store's ``matcher_factory``, :func:`fake_factory`);
* :class:`FakeRumors` and :class:`KeywordRumors`: :class:`~plugin.protocols.RumorLookup` (rows with a
  status / keyword -> :func:`pin`);
* :class:`FakeEngine`: an upstream search engine answering search bodies from a fixed ranked list.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any, Sequence

from plugin.lexicon import Entry
from plugin.models import CheckResult, Hit, most_severe
from plugin.normalize import fold_text
from plugin.rumors.models import Refutation, Rumor, RumorMatch, RumorMatchResult, RumorStatus


class TermMatcher:
    """Substring matcher over ``{term: action}``: enough to drive the hooks like the real Matcher."""

    def __init__(self, terms: dict[str, str], version: str = "fake-1") -> None:
        self.terms = terms
        self.version = version
        self.calls = 0

    def check(self, text: str, *, scope: str = "content") -> CheckResult:
        self.calls += 1
        hits = []
        for term, action in self.terms.items():
            start = text.find(term)
            if start >= 0:
                hits.append(Hit(term, "test", action, start, start + len(term), term, "exact"))
        return CheckResult(most_severe([h.action for h in hits]), hits, self.version)

    def scan(self, text: str, *, scope: str = "content", today: Any = None) -> list[Hit]:
        return self.check(text, scope=scope).hits


class KeywordRumors:
    """Pins every rumour whose keyword occurs in the query (a :class:`plugin.protocols.RumorLookup`)."""

    def __init__(self, rumors: dict[str, dict]) -> None:
        self.rumors = rumors  # keyword -> pin dict (see pin())

    def match(self, text: str, limit: int = 3) -> RumorMatchResult:
        matches = []
        for k, p in self.rumors.items():
            if k in text:
                rumor = Rumor(id=p["rumor_id"], claim=p["claim"], status=RumorStatus.FALSE,
                              refutations=(Refutation(**p["refutation"]),))
                matches.append(RumorMatch(rumor, p["score"]))
        return RumorMatchResult.build(matches[:limit])


def pin(rumor_id: str, url: str = "", title: str = "辟谣") -> dict:
    return {"rumor_id": rumor_id, "score": 0.9, "claim": f"claim {rumor_id}",
            "refutation": {"title": title, "url": url or f"https://piyao.example/{rumor_id}", "source": "test"}}


class FakeEngine:
    """Answers search bodies from a fixed ranked list of docs (query ignored); records every request."""

    def __init__(self, docs: list[dict], suggestions: list[str] | None = None) -> None:
        self.docs = docs
        self.suggestions = suggestions or []
        self.requests: list[Any] = []

    def search(self, body: dict) -> dict:
        self.requests.append(body)
        frm, size = body.get("from", 0), body.get("size", 10)
        hits = [{"_index": "news", "_id": d["id"], "_score": 1.0, "_source": d} for d in self.docs[frm : frm + size]]
        if "search_after" in body:
            start = int(body["search_after"][0]) + 1
            hits = [{"_index": "news", "_id": d["id"], "_source": d, "sort": [i]}
                    for i, d in enumerate(self.docs) if i >= start][:size]
        elif "sort" in body:
            for i, h in enumerate(hits):
                h["sort"] = [frm + i]
        resp: dict[str, Any] = {"took": 1, "timed_out": False,
                                "hits": {"total": {"value": len(self.docs), "relation": "eq"},
                                         "max_score": 1.0, "hits": hits}}
        if "suggest" in body:
            resp["suggest"] = {}
            for name, spec in body["suggest"].items():
                if name == "text":
                    continue
                inner = spec["completion"]
                prefix = spec.get("prefix", "")
                opts = [{"text": s, "_score": 1.0} for s in self.suggestions if s.startswith(prefix)][: inner["size"]]
                resp["suggest"][name] = [{"text": prefix, "offset": 0, "length": len(prefix), "options": opts}]
        return resp


class EntryMatcher:
    """A tiny substring matcher with the :class:`plugin.Matcher` contract (``from_entries`` / ``scan`` /
    ``check`` / ``version``) over lexicon entries: folded text, scopes, dates, allow entries (store tests)."""

    def __init__(self, entries: Sequence[Entry], version: str = "") -> None:
        self.entries = tuple(entries)
        self.version = version

    @classmethod
    def from_entries(cls, entries: Sequence[Entry], version: str = "") -> "EntryMatcher":
        return cls(entries, version)

    def scan(self, text: str, *, scope: str = "content", today: dt.date | None = None) -> list[Hit]:
        today = today or dt.date.today()
        folded = fold_text(text)
        hits = []
        allows = [e for e in self.entries if e.action == "allow" and fold_text(e.term) in folded]
        for e in self.entries:
            if e.action == "allow" or not e.active_on(today) or (e.scope != "any" and e.scope != scope):
                continue
            term = fold_text(e.term)
            start = folded.find(term)
            if start < 0 or any(fold_text(a.term) in folded and term in fold_text(a.term) for a in allows):
                continue
            hits.append(Hit(e.term, e.category, e.action, start, start + len(term), text[start:start + len(term)],
                            "exact", e.term_id, e.severity, e.clause))
        return hits

    def check(self, text: str, *, scope: str = "content") -> CheckResult:
        hits = self.scan(text, scope=scope)
        return CheckResult(most_severe([h.action for h in hits]), hits, self.version)


def fake_factory(entries: Sequence[Entry], version: str) -> EntryMatcher:
    """A ``matcher_factory`` for :class:`plugin.store.LexiconStore` that builds :class:`EntryMatcher`."""
    return EntryMatcher(entries, version)


class FakeRumors:
    """Stands in for ``plugin.rumors.RumorIndex`` (a :class:`plugin.protocols.RumorLookup`): claims matched
    by substring, the same typed result."""

    def __init__(self, rumors: list[dict[str, Any]]) -> None:
        self.rumors = rumors
        self.refreshed = 0

    def match(self, text: str, limit: int = 3) -> RumorMatchResult:
        matches = []
        for r in self.rumors:
            if r["key"] in text:
                status = RumorStatus(r["status"])
                ref = Refutation(title=r.get("refutation_title", "辟谣"), url=r.get("url", ""), source="test")
                rumor = Rumor(id=r["id"], claim=r.get("claim", r["key"]), status=status, refutations=(ref,))
                matches.append(RumorMatch(rumor, 0.9 if status.pins else 0.8))
        return RumorMatchResult.build(matches[:limit])

    def refresh(self) -> None:
        self.refreshed += 1

    def __len__(self) -> int:
        return len(self.rumors)


if TYPE_CHECKING:  # the fakes obey the protocols the guard takes (mypy checks these assignments)
    from plugin.protocols import RefreshableRumorLookup, RumorLookup, TextMatcher

    _term_matcher: TextMatcher = TermMatcher({})
    _entry_matcher: TextMatcher = EntryMatcher(())
    _rumors: RefreshableRumorLookup = FakeRumors([])
    _keyword_rumors: RumorLookup = KeywordRumors({})
