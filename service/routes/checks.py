"""Query checks and search-suggestion filtering (seed 000 三.1: search results and suggestions must
not show traffic-chasing content; seed 001 第6条: pin refutations for rumour searches)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from plugin.models import ACTION_ORDER
from plugin.review.rules.lexicon import CATEGORY_LABELS

from ..state import GuardState
from ..schemas import QueryCheckRequest, QueryCheckResponse, SuggestionFilterRequest, SuggestionFilterResponse
from .deps import body_doc, guard_of, parse_json, read_body, run_check, too_large, too_long

router = APIRouter(tags=["checks"])

#: Lexicon action → query-check action: a limit/label hit still lets the query run (the hits say why).
QUERY_ACTIONS = {"allow": "allow", "label": "allow", "limit": "allow", "review": "review", "block": "block"}

#: Chinese names of categories, for notices.
CATEGORY_NAMES = {
    "gambling": "赌博", "fraud": "诈骗", "blackmarket_ad": "黑产广告", "clickbait": "标题党",
    "persona": "违背公序良俗的人设炒作", "rumor_marker": "不实信息", "account_name": "仿冒账号",
}

BLOCK_NOTICE = "根据相关法律法规和政策，该搜索词涉及{names}内容，相关结果未予显示。"
REVIEW_NOTICE = "该搜索词涉及{names}内容，相关结果正在审核中。"
RUMOR_NOTICE = "网传信息经核实不实，辟谣信息已置顶显示。"


def _names(hits: list[Any], action: str) -> str:
    cats = dict.fromkeys(h.category for h in hits if h.action == action)
    return "、".join(CATEGORY_NAMES.get(c, c) for c in cats) or "违规"


@router.post("/v1/query/check", response_model=None, responses={200: {"model": QueryCheckResponse}},
             summary="Check a search query", openapi_extra=body_doc(QueryCheckRequest))
async def query_check(request: Request) -> JSONResponse:
    """The action for a query (allow / block / review), its hits, refutations to pin for a rumour
    query, labels, and a notice to show when the query is blocked."""
    raw = await read_body(request)
    return await run_check(request, check_query, guard_of(request), raw)


def check_query(guard: GuardState, raw: bytes) -> JSONResponse:
    """The work of :func:`query_check` (parse, limits, matching): runs in a check thread."""
    body = parse_json(raw, QueryCheckRequest)
    cfg = guard.config
    if len(body.query) > cfg.max_query_chars:
        raise too_long(("body", "query"), cfg.max_query_chars, "query", "max_query_chars")
    if len(body.query) > cfg.max_request_chars:
        raise too_large(len(body.query), cfg.max_request_chars, "query", "max_request_chars")
    res = guard.checks.check(body.query)
    action = QUERY_ACTIONS[res.action]
    pins, rumor_labels = guard.checks.rumor(body.query)
    labels = [
        {"label": CATEGORY_LABELS.get(h.category, h.category), "category": h.category, "term": h.term}
        for h in res.hits if h.action == "label"
    ] + list(rumor_labels)
    notice = None
    if action == "block":
        notice = BLOCK_NOTICE.format(names=_names(res.hits, "block"))
    elif action == "review":
        notice = REVIEW_NOTICE.format(names=_names(res.hits, "review"))
    elif pins:
        notice = RUMOR_NOTICE
    guard.metrics.count_hits(res.hits, "query")
    guard.samples.add("query", body.query)
    return JSONResponse({
        "action": action,
        "lexicon_action": res.action,
        "hits": [h.to_dict() for h in res.hits],
        "pins": list(pins),
        "labels": labels,
        "notice": notice,
        "lexicon_version": str(guard.live.version),
    })


@router.post("/v1/suggestions/filter", response_model=None, responses={200: {"model": SuggestionFilterResponse}},
             summary="Filter search suggestions", openapi_extra=body_doc(SuggestionFilterRequest))
async def suggestions_filter(request: Request) -> JSONResponse:
    """Keep (in input order) the suggestions that are safe to show; drop those whose lexicon action is
    at least ``suggestion_drop_action`` or that match a known rumour, saying why."""
    raw = await read_body(request)
    return await run_check(request, filter_suggestions, guard_of(request), raw)


def filter_suggestions(guard: GuardState, raw: bytes) -> JSONResponse:
    """The work of :func:`suggestions_filter` (parse, limits, matching): runs in a check thread."""
    body = parse_json(raw, SuggestionFilterRequest)
    cfg = guard.config
    if len(body.suggestions) > cfg.max_suggestions:
        raise too_long(("body", "suggestions"), cfg.max_suggestions, "number of suggestions", "max_suggestions")
    total = len(body.prefix) + sum(len(s) for s in body.suggestions)
    if total > cfg.max_request_chars:
        raise too_large(total, cfg.max_request_chars, "prefix + suggestions", "max_request_chars")
    limit = cfg.max_query_chars
    if len(body.prefix) > limit:
        raise too_long(("body", "prefix"), limit, "prefix", "max_query_chars")
    for i, s in enumerate(body.suggestions):
        if len(s) > limit:
            raise too_long(("body", "suggestions", i), limit, "suggestion", "max_query_chars")
    checks = guard.checks
    threshold = ACTION_ORDER[cfg.suggestion_drop_action]
    rumor_check = cfg.suggestion_rumor_check and guard.rumors is not None
    kept: list[str] = []
    dropped: list[dict[str, Any]] = []
    prefix_block = None
    if body.prefix:
        pres = checks.check(body.prefix)
        if pres.action == "block":
            prefix_block = pres
    for s in body.suggestions:
        if prefix_block is not None:
            top = prefix_block.hits[0]
            dropped.append({"text": s, "reason": f"prefix:{top.category}", "hits": [h.to_dict() for h in prefix_block.hits]})
            continue
        res = checks.check(s)
        if ACTION_ORDER[res.action] >= threshold:
            top = next(h for h in res.hits if h.action == res.action)
            dropped.append({"text": s, "reason": f"lexicon:{top.category}", "hits": [h.to_dict() for h in res.hits]})
            guard.metrics.count_hits(res.hits, "suggestions")
            continue
        if rumor_check and s:
            pins = checks.rumor(s)[0]
            if pins:
                dropped.append({"text": s, "reason": f"rumor:{pins[0].get('rumor_id')}", "hits": [h.to_dict() for h in res.hits]})
                continue
        kept.append(s)
    m = guard.metrics
    if kept:
        m.suggestions.labels("kept").inc(len(kept))
    if dropped:
        m.suggestions.labels("dropped").inc(len(dropped))
    if body.prefix:
        guard.samples.add("suggestion", body.prefix)
    return JSONResponse({"kept": kept, "dropped": dropped, "lexicon_version": str(guard.live.version)})
