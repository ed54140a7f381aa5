"""The manual review queue and the append-only audit trail.

With ``protect_reviews`` (the default) every route here needs an API token (reader; the wiring is in
``service.app``) and a decision needs role ``reviewer`` or above: the decision records the token's
name as the reviewer. With ``protect_reviews`` off, a decision sent without a token is recorded as
``anonymous`` (actor ``unauthenticated``); one sent with a token still needs a reviewer token.
"""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse

from plugin.review.store import ReviewConflict, ReviewNotFound
from plugin.store import TokenInfo

from ..auth import authenticate
from ..errors import ServiceError
from ..schemas import DB_INT_MAX, ReviewDecisionRequest
from .deps import guard_of

router = APIRouter(tags=["reviews"])

Status = Literal["pending", "decided", "auto", "all"]

#: Recorded as the reviewer of a decision taken without a token (only with ``protect_reviews`` off).
ANONYMOUS = "anonymous"


def decider(request: Request) -> TokenInfo | None:
    """The deciding reviewer's token (role ``reviewer`` or above); ``None`` only when the queue is
    unprotected and the request carries no token."""
    if guard_of(request).config.protect_reviews or request.headers.get("authorization"):
        return authenticate(request, "reviewer")
    return None


decider.takes_token = True  # type: ignore[attr-defined]  # read by service.apidocs (security scheme)


@router.get("/v1/reviews", summary="List review items")
def list_reviews(
    request: Request,
    status: Status = "pending",
    limit: int = Query(None, ge=1, le=1000),
    offset: int = Query(0, ge=0, le=DB_INT_MAX),
) -> JSONResponse:
    """Items by status, oldest first: ``pending`` (the queue), ``decided``, ``auto`` or ``all``."""
    guard = guard_of(request)
    n = limit or guard.config.review_page_size
    items = guard.reviews.list_items(status, limit=n, offset=offset)
    return JSONResponse({"status": status, "total": guard.reviews.count(status), "items": items})


@router.get("/v1/reviews/{review_id}", summary="One review item")
def get_review(review_id: str, request: Request) -> JSONResponse:
    try:
        return JSONResponse(guard_of(request).reviews.get(review_id))
    except ReviewNotFound:
        raise ServiceError(404, "not_found", f"no review item {review_id!r}") from None


@router.post("/v1/reviews/{review_id}/decision", summary="Decide a queued item")
def decide_review(review_id: str, body: ReviewDecisionRequest, request: Request,
                  token: TokenInfo | None = Depends(decider)) -> JSONResponse:
    """Record what was decided and why; the reviewer is the request's API token (role ``reviewer`` or
    above). Each item takes one human decision (409 after that); the decision and its audit entry are
    stored together and never changed afterwards."""
    guard = guard_of(request)
    reviewer, actor = (token.name, f"token:{token.name}") if token is not None else (ANONYMOUS, "unauthenticated")
    try:
        item = guard.reviews.decide(review_id, decision=body.decision, reviewer=reviewer, note=body.note,
                                    actor=actor)
    except ReviewNotFound:
        raise ServiceError(404, "not_found", f"no review item {review_id!r}") from None
    except ReviewConflict as exc:
        raise ServiceError(409, "conflict", str(exc)) from None
    except ValueError as exc:
        raise ServiceError(422, "validation_error", str(exc)) from None
    guard.metrics.decisions.labels(body.decision, "human").inc()
    return JSONResponse(item)


@router.get("/v1/reviews/{review_id}/audit", summary="Audit trail of one item")
def review_audit(review_id: str, request: Request) -> JSONResponse:
    guard = guard_of(request)
    try:
        guard.reviews.get(review_id)
    except ReviewNotFound:
        raise ServiceError(404, "not_found", f"no review item {review_id!r}") from None
    return JSONResponse({"item_id": review_id, "events": guard.reviews.audit(item_id=review_id)})


@router.get("/v1/audit", summary="The audit trail")
def audit(request: Request, after: int = Query(0, ge=0, le=DB_INT_MAX), limit: int = Query(1000, ge=1, le=10000)) -> JSONResponse:
    """Every automatic and human decision, in order; ``after`` continues from a sequence number."""
    return JSONResponse({"events": guard_of(request).reviews.audit(after=after, limit=limit)})
