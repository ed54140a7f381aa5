"""Export rumours as an Elasticsearch query ruleset (ES 8.15+ ``rule`` query / retriever, native pinning).

Shape (Elasticsearch docs, "Create or update query ruleset", ``PUT _query_rules/<ruleset_id>``)::

    {"rules": [{"rule_id": "...", "type": "pinned",
                "criteria": [{"type": "contains", "metadata": "user_query", "values": ["..."]}],
                "actions": {"docs": [{"_index": "qinglang-rumors", "_id": "<rumor_id>"}]}}]}

One rule per pinnable rumour (status ``false`` / ``misleading``). Its trigger values are the rumour's
trigger phrases, or its claim when it has none, each passed through ``plugin.normalize.dense_key``
— so the application must send ``dense_key(user_query)`` as the ``user_query`` match criterion:

    {"query": {"rule": {"match_criteria": {"user_query": dense_key(q)},
                        "ruleset_ids": ["qinglang-rumors"], "organic": {...}}}}

The pinned documents are the refutation documents of the search-engine rumour backend
(``plugin.search.rumor_backend``: index ``qinglang-rumors``, ``_id`` = rumor id); that index must be
part of the search target. ES allows 100 rules per ruleset by default (up to 1000 with
``xpack.applications.rules.max_rules_per_ruleset``): :func:`build_query_rulesets` splits larger
exports into several rulesets, all listed in ``ruleset_ids``.
"""

from __future__ import annotations

from typing import Any, Iterable, Mapping

from plugin.normalize import BREAK, dense_key
from plugin.rumors.models import Rumor
from plugin.search.rumor_backend import rumor_from_record

__all__ = ["CRITERIA_TYPES", "DEFAULT_MAX_RULES", "build_query_ruleset", "build_query_rulesets"]

#: Criteria types documented for query rules (8.15+).
CRITERIA_TYPES = frozenset(
    {"global", "exact", "exact_fuzzy", "fuzzy", "prefix", "suffix", "contains", "lt", "lte", "gt", "gte", "always"}
)
#: ES default for ``xpack.applications.rules.max_rules_per_ruleset``.
DEFAULT_MAX_RULES = 100
_MIN_TRIGGER_CHARS = 4


def _trigger_values(record: Rumor, min_chars: int) -> list[str]:
    phrases = list(record.triggers) or [record.claim]
    values: list[str] = []
    for phrase in phrases:
        for part in dense_key(phrase).split(BREAK):  # a sentence break never occurs inside a query key
            if len(part) >= min_chars and part not in values:
                values.append(part)
    return values


def _rules(
    rumors: Iterable[Rumor | Mapping[str, Any]],
    *,
    index: str,
    criteria_type: str,
    metadata: str,
    min_trigger_chars: int,
) -> list[dict[str, Any]]:
    if criteria_type not in CRITERIA_TYPES - {"always", "global", "lt", "lte", "gt", "gte"}:
        raise ValueError(f"criteria_type must be a string criterion (exact, fuzzy, contains, ...), not {criteria_type!r}")
    rules: list[dict[str, Any]] = []
    seen: set[str] = set()
    for raw in rumors:
        record = rumor_from_record(raw)
        if not record.status.pins:
            continue
        if record.id in seen:
            raise ValueError(f"duplicate rumor_id {record.id!r} in export")
        seen.add(record.id)
        values = _trigger_values(record, min_trigger_chars)
        if not values:
            continue  # nothing specific enough to trigger on
        rules.append(
            {
                "rule_id": f"rumor-{record.id}",
                "type": "pinned",
                "criteria": [{"type": criteria_type, "metadata": metadata, "values": values}],
                "actions": {"docs": [{"_index": index, "_id": record.id}]},
            }
        )
    return rules


def build_query_ruleset(
    rumors: Iterable[Rumor | Mapping[str, Any]],
    *,
    index: str = "qinglang-rumors",
    criteria_type: str = "contains",
    metadata: str = "user_query",
    max_rules: int = DEFAULT_MAX_RULES,
    min_trigger_chars: int = _MIN_TRIGGER_CHARS,
) -> dict[str, Any]:
    """One ruleset body for ``PUT _query_rules/<id>``; ``ValueError`` when it would exceed ``max_rules``."""
    rules = _rules(rumors, index=index, criteria_type=criteria_type, metadata=metadata, min_trigger_chars=min_trigger_chars)
    if len(rules) > max_rules:
        raise ValueError(
            f"{len(rules)} rules exceed max_rules={max_rules} (the cluster's max_rules_per_ruleset); "
            "use build_query_rulesets() to split them"
        )
    return {"rules": rules}


def build_query_rulesets(
    rumors: Iterable[Rumor | Mapping[str, Any]],
    *,
    ruleset_id: str = "qinglang-rumors",
    index: str = "qinglang-rumors",
    criteria_type: str = "contains",
    metadata: str = "user_query",
    max_rules: int = DEFAULT_MAX_RULES,
    min_trigger_chars: int = _MIN_TRIGGER_CHARS,
) -> dict[str, dict[str, Any]]:
    """``{ruleset_id: body}``: ``ruleset_id`` alone when everything fits, else ``ruleset_id-1``, ``-2``..."""
    if max_rules < 1:
        raise ValueError("max_rules must be >= 1")
    rules = _rules(rumors, index=index, criteria_type=criteria_type, metadata=metadata, min_trigger_chars=min_trigger_chars)
    if len(rules) <= max_rules:
        return {ruleset_id: {"rules": rules}}
    return {
        f"{ruleset_id}-{n + 1}": {"rules": rules[start : start + max_rules]}
        for n, start in enumerate(range(0, len(rules), max_rules))
    }
