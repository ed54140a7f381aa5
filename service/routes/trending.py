"""Trending-list (热搜) pre-publication review (seed 000 三.1: 强化拟上榜信息审核)."""

from __future__ import annotations

import datetime as dt

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from ..logs import log_decision
from ..state import GuardState
from ..schemas import TrendingReviewRequest, TrendingReviewResponse
from .deps import body_doc, guard_of, parse_json, read_body, run_check, too_large, too_long

router = APIRouter(tags=["trending"])


@router.post("/v1/trending/review", response_model=None, responses={200: {"model": TrendingReviewResponse}},
             summary="Review trending-list candidates", openapi_extra=body_doc(TrendingReviewRequest))
async def trending_review(request: Request) -> JSONResponse:
    """Run every review rule on each candidate; store each automatic decision (with the lexicon
    version and rule results) and queue ``review`` decisions for a human; earlier items a candidate is a
    matrix near-duplicate of go back to the queue too. The whole batch is stored in one transaction, so a
    failure stores nothing."""
    raw = await read_body(request)
    token = getattr(request.state, "token", None)  # set by the router's token check (protect_trending)
    return await run_check(request, review_candidates, guard_of(request), raw, token.name if token else None)


def review_candidates(guard: GuardState, raw: bytes, submitted_by: str | None = None) -> JSONResponse:
    """The work of :func:`trending_review` (parse, limits, review, storing): runs in a check thread;
    ``submitted_by`` (the caller's token name) goes into each decision's audit row."""
    body = parse_json(raw, TrendingReviewRequest)
    cfg = guard.config
    if len(body.candidates) > cfg.max_candidates:
        raise too_long(("body", "candidates"), cfg.max_candidates, "number of candidates", "max_candidates")
    total = sum(len(c.title) + len(c.text or "") for c in body.candidates)
    if total > cfg.max_request_chars:
        raise too_large(total, cfg.max_request_chars, "candidates' titles + texts", "max_request_chars")
    for i, c in enumerate(body.candidates):
        if len(c.title) + len(c.text or "") > cfg.max_text_chars:
            raise too_long(("body", "candidates", i, "text"), cfg.max_text_chars, "title + text", "max_text_chars")
    matcher = guard.live.current()
    version = str(guard.live.version)
    if not body.candidates:
        return JSONResponse({"results": [], "lexicon_version": version})
    now = dt.datetime.now(dt.timezone.utc)
    with guard.review_lock:  # the matrix history must see batches one at a time
        results = guard.engine.review(body.candidates, guard=guard.checks, matcher=matcher, now=now, remember=False)
        ids = guard.reviews.record_batch(body.candidates, results, lexicon_version=version, at=now,
                                         submitted_by=submitted_by)
        guard.engine.remember(body.candidates, now, ids)
    m = guard.metrics
    out = []
    for cand, res, review_id in zip(body.candidates, results, ids):
        m.decisions.labels(res.decision, "auto").inc()
        m.decision("trending", res.decision)
        log_decision("trending", res.decision, [h["category"] for h in res.hits], version, text=cand.title,
                     keep_text=cfg.log_texts, review_id=review_id, rules=sorted({r.rule for r in res.reasons}))
        for reason in res.reasons:
            m.rule_findings.labels(reason.rule).inc()
        for h in res.hits:
            m.hits.labels(h["category"], h["action"], "trending").inc()
        guard.samples.add("candidate", cand.title)
        out.append({**res.to_dict(), "review_id": review_id})
    return JSONResponse({"results": out, "lexicon_version": version})
