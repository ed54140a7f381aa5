"""What a review desk needs from stored review items (:meth:`plugin.review.store.ReviewStore.list_items`):
the categories, rules and age of an item, filters over the pending queue, its matrix links, and its reasons
as a Chinese operator reads them (rule name, the clause cited as ``《清朗·…》二.3 以偏概全设置话题``, a detail
rebuilt from the rule's data where the rule stores it).

Every reviewed item is a trending-list candidate today (the queue holds what the ``trending`` surface
sends to review), so the surface of an item is ``trending``.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Iterable, Mapping, Sequence

from ..policy import display_name
from .clauses import citation

__all__ = ["QUEUE_SURFACE", "filter_items", "item_age_hours", "item_categories", "item_rules", "matrix_links",
           "readable_reasons"]

#: The surface whose candidates the review queue holds.
QUEUE_SURFACE = "trending"


def _results(item: Mapping[str, Any]) -> list[dict[str, Any]]:
    return list(item.get("automatic", {}).get("rule_results") or [])


def item_categories(item: Mapping[str, Any]) -> list[str]:
    """Categories behind an item's findings (lexicon hits, signals), in order of appearance."""
    cats: dict[str, None] = {}
    for r in _results(item):
        cat = (r.get("data") or {}).get("category")
        if isinstance(cat, str) and cat:
            cats[cat] = None
    return list(cats)


def item_rules(item: Mapping[str, Any]) -> list[str]:
    """Ids of the rules that fired on an item (its reasons), in order, plus ``requeued`` when a later
    matrix near-duplicate sent it back to the queue."""
    rules = dict.fromkeys(r.get("rule", "") for r in _results(item) if r.get("rule"))
    if item.get("requeued"):
        rules["matrix_accounts"] = None
    return list(rules)


def item_age_hours(item: Mapping[str, Any], now: dt.datetime) -> float:
    """Hours the item has waited (since it was queued or requeued)."""
    since = (item.get("requeued") or {}).get("at") or item.get("created_at")
    try:
        t = dt.datetime.fromisoformat(str(since))
    except ValueError:
        return 0.0
    if t.tzinfo is None:
        t = t.replace(tzinfo=dt.timezone.utc)
    return max(0.0, (now - t).total_seconds() / 3600)


def filter_items(items: Iterable[Mapping[str, Any]], *, surface: str | None = None, category: str | None = None,
                 rule: str | None = None, min_age_hours: float | None = None,
                 now: dt.datetime | None = None) -> list[Mapping[str, Any]]:
    """The items matching every given filter: ``surface`` (:data:`QUEUE_SURFACE` for all of today's
    items), a ``category`` of :func:`item_categories`, a ``rule`` of :func:`item_rules`, waiting at least
    ``min_age_hours``."""
    now = now or dt.datetime.now(dt.timezone.utc)
    out = []
    for item in items:
        if surface and surface != QUEUE_SURFACE:
            continue
        if category and category not in item_categories(item):
            continue
        if rule and rule not in item_rules(item):
            continue
        if min_age_hours is not None and item_age_hours(item, now) < min_age_hours:
            continue
        out.append(item)
    return out


def matrix_links(item: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The matrix near-duplicates an item was linked to (other candidate, account, what they share)."""
    links: list[dict[str, Any]] = []
    for r in _results(item):
        if r.get("rule") == "matrix_accounts":
            links.extend(l for l in (r.get("data") or {}).get("links", []) if isinstance(l, dict))
    return links


_WHERE = {"title/text": ("标题/正文", "title/text"), "account name": ("账号名称", "account name")}


def _detail(result: Mapping[str, Any], lang: str) -> str:
    """A finding's detail in ``lang``: rebuilt from the rule's data where it has the facts, else as stored."""
    data = result.get("data") or {}
    rule = result.get("rule")
    detail = str(result.get("detail", ""))
    if rule in ("lexicon", "account_name_lexicon") and "category" in data and "action" in data:
        where = next((v for k, v in _WHERE.items() if detail.startswith(k)), _WHERE["title/text"])
        terms = detail.rsplit(": ", 1)[-1] if ": " in detail else "、".join(data.get("term_ids", []))
        cat, act = display_name("category", data["category"], lang), display_name("action", data["action"], lang)
        if lang == "zh":
            return f"{where[0]}命中{cat}词条（{act}）：{terms}"
        return f"{where[1]} hits {cat} terms ({act}): {terms}"
    if rule == "signal" and "signal" in data:
        cat = display_name("category", str(data.get("category", "")), lang)
        score = data.get("score", 0)
        if lang == "zh":
            return f"模型 {data['signal']} 判为{cat or '违规'}（{display_name('action', str(data.get('action')), lang)}，得分 {score:g}）"
    return detail


def readable_reasons(item: Mapping[str, Any], lang: str = "zh") -> list[dict[str, str]]:
    """An item's reasons as an operator reads them: ``rule`` (display name), ``decision`` (display name),
    ``clause`` (the citation), ``detail``, and the raw ``rule_id``."""
    out = []
    results: Sequence[Mapping[str, Any]] = _results(item) or item.get("automatic", {}).get("reasons", [])
    for r in results:
        out.append({"rule_id": str(r.get("rule", "")), "rule": display_name("rule", str(r.get("rule", "")), lang),
                    "decision": display_name("decision", str(r.get("decision", "")), lang) if r.get("decision") else "",
                    "clause": citation(str(r.get("clause", ""))), "detail": _detail(r, lang)})
    return out
