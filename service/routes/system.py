"""Liveness, readiness, metrics and the running settings.

``/healthz`` answers while the process serves at all (liveness: restart the process when it does not);
``/readyz`` says whether it should get traffic (readiness: a lexicon version is loaded and the database
answers; 503 otherwise) and repeats the start-up warnings (a new or empty database, an empty rumour
index), so a mistyped ``--db`` shows as ``"status": "warning"`` instead of a silent ``ok``.
"""

from __future__ import annotations

import time
from typing import Any, Literal

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST
from pydantic import BaseModel, Field

from ..auth import authenticate, bearer_secret
from .deps import guard_of

router = APIRouter(tags=["system"])


class Health(BaseModel):
    """``GET /healthz``: the process is alive."""

    status: Literal["ok"] = "ok"
    lexicon_version: str = Field(description="the live lexicon version")
    rumor_index: bool = Field(description="whether a rumour index is configured")
    extensions: list[str]
    check_cache: dict[str, Any] = Field(description="sizes and hit counts of the check caches")
    uptime_seconds: float


class Readiness(BaseModel):
    """``GET /readyz``: whether the instance should receive traffic (503 when not ready)."""

    status: Literal["ok", "warning", "not_ready"] = Field(
        description="ok; warning: ready, but something looked wrong at start-up (see ``warnings``); not_ready")
    ready: bool
    checks: dict[str, bool] = Field(description="lexicon (a version is loaded), database (it answers)")
    lexicon_version: str
    rumor_count: int | None = Field(description="rumours in the index (null when no index is configured)")
    db_path: str
    warnings: list[str] = Field(description="start-up warnings: a new or empty database, an empty rumour index")


@router.get("/healthz", summary="Liveness", response_model=Health)
def healthz(request: Request) -> JSONResponse:
    """200 while the process serves requests; readiness (database, lexicon, rumours) is ``/readyz``."""
    guard = guard_of(request)
    return JSONResponse(Health(
        lexicon_version=str(guard.live.version),
        rumor_index=guard.rumors is not None,
        extensions=[e.name for e in guard.extensions],
        check_cache=guard.checks.cache_info(),
        uptime_seconds=round(time.time() - guard.started_at, 3),
    ).model_dump())


def _is_admin(request: Request) -> bool:
    """Whether the request carries an admin's token (a probe without one, or with another role, is not refused)."""
    if not bearer_secret(request):
        return False
    try:
        authenticate(request, "admin")
    except HTTPException:
        return False
    return True


@router.get("/readyz", summary="Readiness", response_model=Readiness,
            responses={503: {"model": Readiness, "description": "not ready (no lexicon loaded, or the database "
                                                                "does not answer)"}})
def readyz(request: Request) -> JSONResponse:
    """Ready when a lexicon version is loaded and the database answers; the rumour count and the start-up
    warnings are reported (a warning leaves the instance ready, with ``status`` ``warning``)."""
    guard = guard_of(request)
    checks = {"lexicon": guard.live.current() is not None and bool(str(guard.live.version))}
    try:
        guard.reviews.count("pending")
        checks["database"] = True
    except Exception:
        checks["database"] = False
    rumor_count: int | None = None
    if guard.rumors is not None:
        try:
            rumor_count = len(guard.rumors)
        except TypeError:  # a lookup without a size
            rumor_count = None
    ready = all(checks.values())
    warnings = list(guard.startup_warnings)
    db_path = guard.config.public()["db_path"]
    if not _is_admin(request):  # where the data is: admins only (as /-/settings)
        hidden = guard.config.public(locations=False)["db_path"]
        warnings = [w.replace(db_path, hidden) for w in warnings]
        db_path = hidden
    status: Literal["ok", "warning", "not_ready"] = "not_ready" if not ready else ("warning" if warnings else "ok")
    body = Readiness(status=status, ready=ready, checks=checks, lexicon_version=str(guard.live.version),
                     rumor_count=rumor_count, db_path=db_path, warnings=warnings)
    return JSONResponse(body.model_dump(), status_code=200 if ready else 503)


@router.get("/metrics", summary="Prometheus metrics",
            responses={200: {"content": {CONTENT_TYPE_LATEST.split(";")[0]: {"schema": {"type": "string"}}},
                             "description": "Prometheus text exposition"}})
def metrics(request: Request) -> Response:
    """Prometheus text; needs a reader token when ``protect_metrics`` is on."""
    guard = guard_of(request)
    if guard.config.protect_metrics:
        authenticate(request, "reader")
    return Response(guard.metrics.render(), media_type=CONTENT_TYPE_LATEST)


@router.get("/-/settings", summary="The running service settings (where data and upstreams live: admins only)")
def settings(request: Request) -> JSONResponse:
    admin = bool(bearer_secret(request))
    if admin:
        authenticate(request, "admin")  # a token that is not an admin's: 401 / 403, not a silent cut
    return JSONResponse(guard_of(request).config.public(locations=admin))
