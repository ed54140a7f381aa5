"""Preview: run a draft lexicon and the live one over a corpus and report the decision diff."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Sequence

from plugin.models import most_severe

__all__ = ["CorpusText", "PreviewReport", "bundled_sample_paths", "highlight", "load_sample_file", "run_preview", "sample_texts"]

MAX_TEXT = 500


@dataclass(frozen=True, slots=True)
class CorpusText:
    """One preview text and where it came from (``bundled:<file>``, ``query``, ``suggestion`` ...)."""

    text: str
    source: str


def bundled_sample_paths() -> list[str]:
    """The shipped preview corpus: ``plugin/store/sample_titles.jsonl`` (400 MIT-licensed Weibo hot-search
    titles, see ``sample_titles.LICENSE``)."""
    path = Path(__file__).with_name("sample_titles.jsonl")
    return [str(path)] if path.exists() else []


def load_sample_file(path: str) -> list[CorpusText]:
    """Texts of a sample file: JSONL objects with ``text`` or ``title`` (``_meta`` lines skipped) or plain lines."""
    with open(path, encoding="utf-8") as fh:
        return sample_texts(fh, f"bundled:{Path(path).name}", jsonl=path.endswith(".jsonl"))


def _is_text(text: str) -> bool:
    """Whether ``text`` is valid Unicode text: a JSON line may escape a lone surrogate (``"\\ud800"``), which
    no report or database row can store."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def sample_texts(lines: Iterable[str], source: str, *, jsonl: bool, limit: int | None = None) -> list[CorpusText]:
    """Preview texts from the lines of a sample file (an uploaded corpus too): JSONL objects with ``text``
    or ``title`` (``_meta`` and malformed lines skipped, and texts holding a lone surrogate) or plain lines (``#`` comments skipped); each text
    cut at :data:`MAX_TEXT` characters, at most ``limit`` texts."""
    out: list[CorpusText] = []
    for line in lines:
        if limit is not None and len(out) >= limit:
            break
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if jsonl:
            try:
                obj = json.loads(line)
            except (json.JSONDecodeError, RecursionError):  # malformed, or nested too deeply to decode
                continue
            if not isinstance(obj, dict) or "_meta" in obj:
                continue
            text = obj.get("text") or obj.get("title")
            if isinstance(text, str) and text.strip() and _is_text(text):
                out.append(CorpusText(text.strip()[:MAX_TEXT], source))
        else:
            out.append(CorpusText(line[:MAX_TEXT], source))
    return out


def highlight(text: str, hits: Iterable[Any], open_: str = "【", close: str = "】") -> str:
    """``text`` with each (merged) hit span wrapped in ``open_`` … ``close``."""
    spans = sorted((h.start, h.end) for h in hits if getattr(h, "action", "") != "allow")
    merged: list[list[int]] = []
    for s, e in spans:
        if merged and s <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], e)
        else:
            merged.append([s, e])
    out, pos = [], 0
    for s, e in merged:
        out.append(text[pos:s])
        out.append(open_ + text[s:e] + close)
        pos = e
    out.append(text[pos:])
    return "".join(out)


def _decide(matcher: Any, text: str, today: dt.date) -> tuple[str, list[Any]]:
    hits = matcher.scan(text, today=today)
    return most_severe([h.action for h in hits]), hits


@dataclass
class PreviewReport:
    """The decision diff of a draft against the live lexicon on a corpus."""

    base_version: int | None
    corpus_size: int
    sources: dict[str, int]
    newly_blocked: list[dict[str, Any]] = field(default_factory=list)
    newly_allowed: list[dict[str, Any]] = field(default_factory=list)
    changed: list[dict[str, Any]] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    per_category: dict[str, dict[str, int]] = field(default_factory=dict)
    max_new_block_share: float = 0.0
    today: str = ""
    changeset_id: int | None = None
    revision: int | None = None  # the change-set revision previewed (publish names it back)

    @property
    def new_block_share(self) -> float:
        return self.counts.get("newly_blocked", 0) / self.corpus_size if self.corpus_size else 0.0

    @property
    def needs_force(self) -> bool:
        return self.new_block_share > self.max_new_block_share

    def to_dict(self) -> dict[str, Any]:
        return {
            "base_version": self.base_version, "changeset_id": self.changeset_id, "revision": self.revision,
            "today": self.today,
            "corpus": {"size": self.corpus_size, "sources": self.sources},
            "counts": self.counts, "per_category": self.per_category,
            "new_block_share": round(self.new_block_share, 6), "max_new_block_share": self.max_new_block_share,
            "needs_force": self.needs_force,
            "newly_blocked": self.newly_blocked, "newly_allowed": self.newly_allowed, "changed": self.changed,
        }


def _example(item: CorpusText, before: str, after: str, hb: list[Any], ha: list[Any]) -> dict[str, Any]:
    return {
        "text": item.text, "source": item.source, "before": before, "after": after,
        "hits_before": [h.to_dict() for h in hb], "hits_after": [h.to_dict() for h in ha],
        "highlight_before": highlight(item.text, hb), "highlight_after": highlight(item.text, ha),
    }


def run_preview(base_matcher: Any, draft_matcher: Any, corpus: Sequence[CorpusText], *,
                base_version: int | None = None, today: dt.date | None = None, max_examples: int = 20,
                max_new_block_share: float = 0.02,
                progress: Callable[[int, int], None] | None = None) -> PreviewReport:
    """Scan ``corpus`` with both matchers and collect every text whose decision or hits changed.
    ``progress(done, total)`` is called every 50 texts and at the end (a long preview's progress bar)."""
    today = today or dt.date.today()
    sources: dict[str, int] = {}
    for item in corpus:
        sources[item.source] = sources.get(item.source, 0) + 1
    rep = PreviewReport(base_version, len(corpus), sources, max_new_block_share=max_new_block_share,
                        today=today.isoformat())
    counts = {"newly_blocked": 0, "newly_allowed": 0, "changed": 0, "hits_changed": 0, "unchanged": 0}
    per_cat: dict[str, dict[str, int]] = {}
    total = len(corpus)
    for i, item in enumerate(corpus):
        if progress is not None and i % 50 == 0:
            progress(i, total)
        before, hb = _decide(base_matcher, item.text, today)
        after, ha = _decide(draft_matcher, item.text, today)
        kb = {(h.category, h.term, h.action) for h in hb}
        ka = {(h.category, h.term, h.action) for h in ha}
        if kb == ka and before == after:
            counts["unchanged"] += 1
            continue
        for cat in {c for c, _, _ in ka - kb}:
            per_cat.setdefault(cat, {"gained": 0, "lost": 0})["gained"] += 1
        for cat in {c for c, _, _ in kb - ka}:
            per_cat.setdefault(cat, {"gained": 0, "lost": 0})["lost"] += 1
        if after == "block" and before != "block":
            group, name = rep.newly_blocked, "newly_blocked"
        elif after == "allow" and before != "allow":
            group, name = rep.newly_allowed, "newly_allowed"
        elif after != before:
            group, name = rep.changed, "changed"
        else:
            group, name = rep.changed, "hits_changed"
        counts[name] += 1
        if len(group) < max_examples:
            group.append(_example(item, before, after, hb, ha))
    if progress is not None:
        progress(total, total)
    rep.counts = counts
    rep.per_category = dict(sorted(per_cat.items()))
    return rep
