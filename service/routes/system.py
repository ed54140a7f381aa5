"""Health, metrics and the running settings."""

from __future__ import annotations

import time

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST

from .deps import guard_of

router = APIRouter(tags=["system"])


@router.get("/healthz", summary="Liveness and readiness")
def healthz(request: Request) -> JSONResponse:
    guard = guard_of(request)
    checks = {"matcher": guard.live.current() is not None}
    try:
        guard.reviews.count("pending")
        checks["database"] = True
    except Exception:
        checks["database"] = False
    ok = all(checks.values())
    return JSONResponse({
        "status": "ok" if ok else "degraded",
        "checks": checks,
        "lexicon_version": str(guard.live.version),
        "rumor_index": guard.rumors is not None,
        "extensions": [e.name for e in guard.extensions],
        "check_cache": guard.checks.cache_info(),
        "uptime_seconds": round(time.time() - guard.started_at, 3),
    }, status_code=200 if ok else 503)


@router.get("/metrics", summary="Prometheus metrics")
def metrics(request: Request) -> Response:
    return Response(guard_of(request).metrics.render(), media_type=CONTENT_TYPE_LATEST)


@router.get("/-/settings", summary="The running service settings")
def settings(request: Request) -> JSONResponse:
    return JSONResponse(guard_of(request).config.public())
