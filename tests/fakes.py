"""Small stand-ins for the matcher, the rumour index and an upstream engine (unit tests only)."""

from __future__ import annotations

from typing import Any

from plugin.models import CheckResult, Hit, most_severe
from plugin.rumors.models import Refutation, Rumor, RumorMatch, RumorMatchResult, RumorStatus


class FakeMatcher:
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


class FakeRumors:
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
        resp = {"took": 1, "timed_out": False, "hits": {"total": {"value": len(self.docs), "relation": "eq"},
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
