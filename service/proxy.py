"""Search proxy: a route set in front of an upstream Elasticsearch / OpenSearch, guarded by plugin.search.

Forwarded (GET and POST), under ``ServiceConfig.upstream_prefix`` (default ``/es``):
``/_search``, ``/{index}/_search``, ``/_msearch``, ``/{index}/_msearch``, ``/{index}/_count``.
Every other path or method under the prefix answers 403. Upstream errors come back as they are
(status, body, content type); a timeout is 504 and an unreachable upstream 502, both in the
engines' ``{"error": {...}, "status": N}`` shape.

Configuration (read from ``app.state.guard.config``, all optional except ``upstream_url``):
``upstream_url``, ``upstream_prefix``, ``upstream_username`` / ``upstream_password`` (basic auth),
``upstream_api_key`` (``Authorization: ApiKey ...``), ``upstream_timeout`` (seconds),
``upstream_max_connections``, ``search_hit_fields``, ``search_query_fields``, ``search_pin_mode``.
One ``httpx.AsyncClient`` is shared by every request; put your own in
``app.state.search_proxy_client`` before the first request (tests inject ``httpx.MockTransport``).
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote

import httpx
from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import JSONResponse, Response

from plugin.models import ACTION_ORDER
from plugin.search.hooks import (
    SearchGuard,
    SearchGuardConfig,
    UpstreamRequest,
    advance_plans,
    join_index,
    msearch_pairs,
    msearch_request_lines,
    start_plans,
    run_plan_async,
)

__all__ = ["install", "start", "stop", "build_search_guard", "DEFAULT_PREFIX"]

DEFAULT_PREFIX = "/es"
_FORWARD_REQUEST_HEADERS = ("accept", "content-type", "x-opaque-id", "traceparent")
_FORWARD_RESPONSE_HEADERS = ("x-elastic-product", "warning", "x-opaque-id")


class _UpstreamError(Exception):
    """An upstream answer to hand back unchanged."""

    def __init__(self, response: Response) -> None:
        self.response = response


def _error(status: int, kind: str, reason: str) -> JSONResponse:
    return JSONResponse({"error": {"type": kind, "reason": reason}, "status": status}, status_code=status)


def _config(app: FastAPI) -> Any:
    return app.state.guard.config


def build_search_guard(app: FastAPI) -> SearchGuard:
    """The guard the proxy uses: the live matcher and rumour index of ``app.state.guard``."""
    state = app.state.guard
    cfg = state.config
    options: dict[str, Any] = {}
    if getattr(cfg, "search_hit_fields", None) is not None:
        options["hit_fields"] = tuple(cfg.search_hit_fields)
    if getattr(cfg, "search_query_fields", None) is not None:
        options["query_fields"] = tuple(cfg.search_query_fields)
    if getattr(cfg, "search_pin_mode", None):
        options["pin_mode"] = cfg.search_pin_mode
    drop = getattr(cfg, "suggestion_drop_action", None)
    if drop in ACTION_ORDER:  # the same threshold as /v1/suggestions/filter
        options["suggest_drop_actions"] = frozenset(a for a, r in ACTION_ORDER.items() if r >= ACTION_ORDER[drop])
    live = state.live
    return SearchGuard(live.current if hasattr(live, "current") else live, getattr(state, "rumors", None),
                       SearchGuardConfig(**options))


def _guard(app: FastAPI) -> SearchGuard:
    guard = getattr(app.state, "search_guard", None)
    if guard is None:
        guard = app.state.search_guard = build_search_guard(app)
    return guard


def _make_client(cfg: Any) -> httpx.AsyncClient:
    auth = None
    headers = {}
    if getattr(cfg, "upstream_username", None):
        auth = httpx.BasicAuth(cfg.upstream_username, getattr(cfg, "upstream_password", "") or "")
    if getattr(cfg, "upstream_api_key", None):
        headers["authorization"] = f"ApiKey {cfg.upstream_api_key}"
    timeout = float(getattr(cfg, "upstream_timeout", None) or 10.0)
    max_conn = int(getattr(cfg, "upstream_max_connections", None) or 100)
    return httpx.AsyncClient(
        auth=auth,
        headers=headers,
        timeout=httpx.Timeout(timeout, connect=min(timeout, 5.0)),
        limits=httpx.Limits(max_connections=max_conn, max_keepalive_connections=max_conn),
    )


def _client(app: FastAPI) -> httpx.AsyncClient:
    client = getattr(app.state, "search_proxy_client", None)
    if client is None:
        client = app.state.search_proxy_client = _make_client(_config(app))
        app.state.search_proxy_owned = True
    return client


def _has_credentials(cfg: Any) -> bool:
    return bool(getattr(cfg, "upstream_username", None) or getattr(cfg, "upstream_api_key", None))


async def _upstream(
    app: FastAPI,
    request: Request,
    method: str,
    path: str,
    *,
    content: bytes,
    params: list[tuple[str, str]],
    content_type: str = "application/json",
) -> httpx.Response:
    cfg = _config(app)
    headers = {k: v for k, v in request.headers.items() if k in _FORWARD_REQUEST_HEADERS}
    if content:
        headers.setdefault("content-type", content_type)
    if "authorization" in request.headers and not _has_credentials(cfg):
        headers["authorization"] = request.headers["authorization"]
    url = str(cfg.upstream_url).rstrip("/") + path
    try:
        return await _client(app).request(method, url, content=content, params=params, headers=headers)
    except httpx.TimeoutException as e:
        raise _UpstreamError(_error(504, "upstream_timeout", f"upstream did not answer in time: {e!r}")) from None
    except httpx.TransportError as e:
        raise _UpstreamError(_error(502, "upstream_unreachable", f"cannot reach upstream: {e!r}")) from None


def _passthrough(resp: httpx.Response) -> Response:
    headers = {k: v for k, v in resp.headers.items() if k.lower() in _FORWARD_RESPONSE_HEADERS}
    return Response(resp.content, status_code=resp.status_code, headers=headers,
                    media_type=resp.headers.get("content-type"))


def _json_response(data: Any, upstream: httpx.Response | None) -> JSONResponse:
    headers = {}
    if upstream is not None:
        headers = {k: v for k, v in upstream.headers.items() if k.lower() in _FORWARD_RESPONSE_HEADERS}
    return JSONResponse(data, headers=headers)


def _index_path(index: str | None, extra: str | None, endpoint: str) -> str:
    names = join_index(index, extra)
    if names is None:
        return f"/{endpoint}"
    joined = names if isinstance(names, str) else ",".join(names)
    return f"/{quote(joined, safe=',*')}/{endpoint}"


def _parse_json_body(raw: bytes) -> dict[str, Any]:
    if not raw.strip():
        return {}
    try:
        body = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise _UpstreamError(_error(400, "parse_exception", f"request body is not valid JSON: {e}")) from None
    if not isinstance(body, dict):
        raise _UpstreamError(_error(400, "parse_exception", "request body must be a JSON object"))
    return body


def _split_params(request: Request, body: dict[str, Any]) -> tuple[list[tuple[str, str]], str | None, bool]:
    """Query parameters to forward; ``from`` / ``size`` move into the body so the guard can page."""
    params: list[tuple[str, str]] = []
    for key, value in request.query_params.multi_items():
        if key in ("from", "size") and key not in body:
            try:
                body[key] = int(value)
            except ValueError:
                raise _UpstreamError(_error(400, "illegal_argument_exception", f"{key} must be an integer")) from None
        elif key not in ("from", "size"):
            params.append((key, value))
    return params, request.query_params.get("q"), "scroll" in request.query_params


async def _search(app: FastAPI, request: Request, index: str | None) -> Response:
    body = _parse_json_body(await request.body())
    params, q, scroll = _split_params(request, body)
    guard = _guard(app)
    last: list[httpx.Response] = []

    async def send(req: UpstreamRequest) -> dict:
        resp = await _upstream(app, request, "POST", _index_path(index, req.extra_index, "_search"),
                               content=json.dumps(req.body).encode(), params=params)
        if resp.status_code >= 400:
            raise _UpstreamError(_passthrough(resp))
        last.append(resp)
        return resp.json()

    try:
        result = await run_plan_async(guard.plan_search(body, q=q, scroll=scroll), send)
    except ValueError as e:
        return _error(400, "illegal_argument_exception", str(e))
    return _json_response(result, last[0] if last else None)


async def _msearch(app: FastAPI, request: Request, index: str | None) -> Response:
    raw = await request.body()
    try:
        pairs = msearch_pairs(raw)
    except (ValueError, UnicodeDecodeError) as e:
        return _error(400, "parse_exception", f"msearch body must be NDJSON header/body pairs: {e}")
    params = list(request.query_params.multi_items())
    guard = _guard(app)
    try:
        plans = [guard.plan_search(b, q=None) for _, b in pairs]
        results, pending = start_plans(plans)
    except ValueError as e:
        return _error(400, "illegal_argument_exception", str(e))
    first: httpx.Response | None = None
    while pending:
        lines = msearch_request_lines(pairs, pending)
        ndjson = "".join(json.dumps(line, ensure_ascii=False) + "\n" for line in lines).encode()
        resp = await _upstream(app, request, "POST", _index_path(index, None, "_msearch"), content=ndjson,
                               params=params, content_type="application/x-ndjson")
        if resp.status_code >= 400:
            return _passthrough(resp)
        first = first or resp
        pending = advance_plans(plans, results, pending, resp.json()["responses"])
    return _json_response({"responses": results}, first)


async def _count(app: FastAPI, request: Request, index: str) -> Response:
    raw = await request.body()
    body = _parse_json_body(raw)
    guard = _guard(app)
    blocked, _ = guard.plan_count(body, q=request.query_params.get("q"))
    if blocked is not None:
        return JSONResponse(blocked)
    resp = await _upstream(app, request, request.method, _index_path(index, None, "_count"), content=raw,
                           params=list(request.query_params.multi_items()))
    return _passthrough(resp)


def install(app: FastAPI) -> None:
    """Add the proxy routes (only when ``upstream_url`` is configured)."""
    cfg = _config(app)
    if not getattr(cfg, "upstream_url", None):
        return
    prefix = getattr(cfg, "upstream_prefix", None)
    prefix = DEFAULT_PREFIX if prefix is None else prefix.rstrip("/")
    router = APIRouter(prefix=prefix, tags=["search proxy"])

    def handler(kind: str):
        async def endpoint(request: Request) -> Response:
            index = request.path_params.get("index")
            try:
                if kind == "search":
                    return await _search(app, request, index)
                if kind == "msearch":
                    return await _msearch(app, request, index)
                return await _count(app, request, index)
            except _UpstreamError as e:
                return e.response

        return endpoint

    for path, kind in (("/_search", "search"), ("/{index}/_search", "search"), ("/_msearch", "msearch"),
                       ("/{index}/_msearch", "msearch"), ("/{index}/_count", "count")):
        router.add_api_route(path, handler(kind), methods=["GET", "POST"], include_in_schema=False)

    async def forbidden(request: Request) -> Response:
        return _error(403, "security_exception", f"{request.method} {request.url.path} is not allowed through the search proxy")

    methods = ["GET", "POST", "PUT", "DELETE", "HEAD", "PATCH", "OPTIONS"]
    router.add_api_route("/", forbidden, methods=methods, include_in_schema=False)
    router.add_api_route("/{path:path}", forbidden, methods=methods, include_in_schema=False)
    app.include_router(router)


async def start(app: FastAPI) -> None:
    """Create the shared upstream client (unless one was injected)."""
    if getattr(_config(app), "upstream_url", None):
        _client(app)


async def stop(app: FastAPI) -> None:
    """Close the shared upstream client if the proxy created it."""
    client = getattr(app.state, "search_proxy_client", None)
    if client is not None and getattr(app.state, "search_proxy_owned", False):
        await client.aclose()
        app.state.search_proxy_client = None
        app.state.search_proxy_owned = False
