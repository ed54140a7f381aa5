"""A tiny substring matcher with the plugin.Matcher contract (from_entries / scan / check / version; a
:class:`plugin.protocols.TextMatcher`), for store tests."""

from __future__ import annotations

import datetime as dt
from typing import Sequence

from plugin.lexicon import Entry
from plugin.models import CheckResult, Hit, most_severe
from plugin.normalize import fold_text


class FakeMatcher:
    def __init__(self, entries: Sequence[Entry], version: str = "") -> None:
        self.entries = tuple(entries)
        self.version = version

    @classmethod
    def from_entries(cls, entries: Sequence[Entry], version: str = "") -> "FakeMatcher":
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


def fake_factory(entries: Sequence[Entry], version: str) -> FakeMatcher:
    return FakeMatcher(entries, version)
