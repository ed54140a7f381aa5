"""Query checks and search-suggestion filtering (seed 000 三.1: search results and suggestions must
not show traffic-chasing content; seed 001 第6条: pin refutations for rumour searches)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from plugin.models import Surface

from ..logs import log_decision
from ..state import GuardState
from ..schemas import QueryCheckRequest, QueryCheckResponse, SuggestionFilterRequest, SuggestionFilterResponse
from .deps import body_doc, guard_of, parse_json, read_body, run_check, too_large, too_long

router = APIRouter(tags=["checks"])


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
    verdict = guard.checks.check(body.query, Surface.QUERY)
    guard.record_query("query", body.query, verdict)
    return JSONResponse(verdict.to_dict())


@router.post("/v1/suggestions/filter", response_model=None, responses={200: {"model": SuggestionFilterResponse}},
             summary="Filter search suggestions", openapi_extra=body_doc(SuggestionFilterRequest))
async def suggestions_filter(request: Request) -> JSONResponse:
    """Keep (in input order) the suggestions that are safe to show; drop those whose lexicon action is
    at least ``suggestion_drop_action`` or that match a known rumour, saying why (the policy:
    ``plugin.policy``)."""
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
    result = guard.checks.filter_suggestions(body.prefix, body.suggestions)
    for d in result.dropped:
        if d.cause == "lexicon":
            guard.metrics.count_hits(d.hits, "suggestions")
    m = guard.metrics
    if result.kept:
        m.suggestions.labels("kept").inc(len(result.kept))
    if result.dropped:
        m.suggestions.labels("dropped").inc(len(result.dropped))
    m.decision("suggestion", "keep", len(result.kept))
    m.decision("suggestion", "drop", len(result.dropped))
    log_decision("suggestion", "drop" if result.dropped else "keep",
                 [h.category for d in result.dropped for h in d.hits], result.lexicon_version,
                 text=body.prefix, keep_text=cfg.log_texts, kept=len(result.kept), dropped=len(result.dropped),
                 reasons=sorted({d.reason for d in result.dropped}))
    if body.prefix:
        guard.samples.add("suggestion", body.prefix)
    return JSONResponse(result.to_dict())
