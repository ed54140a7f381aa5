"""Search proxy: a route set in front of an upstream Elasticsearch / OpenSearch, guarded by plugin.search.

Forwarded (GET and POST), under ``ServiceConfig.upstream_prefix`` (default ``/es``):
``/_search``, ``/{index}/_search``, ``/_msearch``, ``/{index}/_msearch``, ``/{index}/_count``.
Every other path or method under the prefix answers 403. Upstream errors come back as they are
(status, body, content type); a timeout is 504, an unreachable upstream 502, an upstream answer that
is not JSON or not the shape of a search answer 502, all in the engines' ``{"error": {...}, "status": N}``
shape.

Requests: the body is read up to ``max_body_bytes`` whatever the method (413 past it, nothing forwarded);
it must be strict JSON (:mod:`plugin.search.strict_json`: depth, finite numbers, bounded integers) or
400; URL parameters outside an allow-list (``filter_path``, ``source``, ``search_pipeline`` ...) and
request features of :data:`plugin.search.policy.FEATURES` not in ``search_allowed_features`` are
refused with 403 (see docs/search.md).

Configuration (the ``search`` section of ``app.state.guard.config``, all optional except ``upstream_url``;
``max_body_bytes`` and ``suggestion_drop_action`` from the service's own settings):
``upstream_url``, ``upstream_prefix``, ``upstream_username`` / ``upstream_password`` (basic auth),
``upstream_api_key`` (``Authorization: ApiKey ...``), ``upstream_timeout`` (seconds),
``upstream_max_connections``, ``search_hit_fields``, ``search_query_fields``, ``search_pin_mode``,
``search_allowed_features``.
One ``httpx.AsyncClient`` is shared by every request; put your own in
``app.state.search_proxy_client`` before the first request (tests inject ``httpx.MockTransport``).
"""

from __future__ import annotations

import functools
import json
from typing import Any, Awaitable, Callable, Mapping
from urllib.parse import quote

import httpx
from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import JSONResponse, Response

from plugin.guard import Verdict
from plugin.store.tokens import is_guard_token
from plugin.search.strict_json import loads as strict_loads
from plugin.search.hooks import (
    SearchGuard,
    SearchGuardConfig,
    UpstreamRequest,
    advance_plans,
    join_index,
    msearch_pairs,
    paging_window,
    msearch_request_lines,
    start_plans,
    run_plan_async,
)
from plugin.search.policy import (
    RefusedFeature,
    UpstreamAnswerError,
    check_count_answer,
    check_expand_wildcards,
    check_index_names,
    check_lookup_indices,
    check_msearch_answer,
    check_search_body,
    searched_target,
)

from .config import SearchSettings, ServiceConfig
from .errors import problem
from .routes.deps import run_check
from .state import GuardState, state_of

__all__ = ["install", "start", "stop", "build_search_guard", "DEFAULT_PREFIX"]

DEFAULT_PREFIX = "/es"
_FORWARD_REQUEST_HEADERS = ("accept", "content-type", "x-opaque-id", "traceparent")
_FORWARD_RESPONSE_HEADERS = ("x-elastic-product", "warning", "x-opaque-id")
#: Nesting accepted in upstream answers (documents and nested aggregations go deeper than requests).
_UPSTREAM_MAX_DEPTH = 256

# URL parameters forwarded per endpoint; any other is refused (403). Never forwarded: ``filter_path``
# (the guard must see whole answers), ``source`` (a request body in the URL, past the guard),
# ``search_pipeline`` (answers rebuilt from unfiltered hits), ``stored_fields`` / ``docvalue_fields``
# (accepted in the body). ``_source*`` of a search move into its body (``_source``).
_COMMON_PARAMS = frozenset({"pretty", "human", "error_trace", "allow_no_indices", "expand_wildcards",
                            "ignore_unavailable", "ignore_throttled", "routing", "preference"})
_QUERY_PARAMS = frozenset({"q", "df", "analyzer", "analyze_wildcard", "default_operator", "lenient"})
_SOURCE_PARAMS = frozenset({"_source", "_source_includes", "_source_excludes"})
_PARAMS = {
    "search": _COMMON_PARAMS | _QUERY_PARAMS | _SOURCE_PARAMS | {
        "from", "size", "sort", "scroll", "search_type", "request_cache", "allow_partial_search_results",
        "batched_reduce_size", "ccs_minimize_roundtrips", "max_concurrent_shard_requests", "pre_filter_shard_size",
        "rest_total_hits_as_int", "track_total_hits", "track_scores", "timeout", "terminate_after", "explain",
        "version", "seq_no_primary_term", "typed_keys", "include_named_queries_score", "cancel_after_time_interval",
        "phase_took", "stats"},
    "msearch": _COMMON_PARAMS | {
        "search_type", "max_concurrent_searches", "max_concurrent_shard_requests", "pre_filter_shard_size",
        "rest_total_hits_as_int", "typed_keys", "ccs_minimize_roundtrips", "include_named_queries_score",
        "cancel_after_time_interval", "phase_took"},
    "count": _COMMON_PARAMS | _QUERY_PARAMS | {"min_score", "terminate_after"},
}  # fmt: skip
#: Keys of an ``_msearch`` header line that are forwarded; any other is refused (403).
_MSEARCH_HEADER_KEYS = frozenset({
    "index", "routing", "preference", "search_type", "request_cache", "allow_partial_search_results",
    "ignore_unavailable", "expand_wildcards", "allow_no_indices", "ignore_throttled", "ccs_minimize_roundtrips",
    "max_concurrent_shard_requests", "pre_filter_shard_size",
})
_PARAM_HINTS = {
    "filter_path": "the guard must see whole answers to filter them",
    "source": "send the request body as the body",
    "source_content_type": "send the request body as the body",
    "search_pipeline": "search pipelines rebuild answers from unfiltered hits",
    "stored_fields": "put it in the request body",
    "docvalue_fields": "put it in the request body",
}


class _UpstreamError(Exception):
    """An upstream answer to hand back unchanged."""

    def __init__(self, response: Response) -> None:
        self.response = response


def _error(status: int, kind: str, reason: str) -> JSONResponse:
    return JSONResponse({"error": {"type": kind, "reason": reason}, "status": status}, status_code=status)


def _config(app: FastAPI) -> ServiceConfig:
    return state_of(app).config


def _settings(app: FastAPI) -> SearchSettings:
    return _config(app).search


def _too_large(limit: int) -> _UpstreamError:
    """The service's own 413 (the same problem ``BodyLimitMiddleware`` answers)."""
    return _UpstreamError(problem(413, "body_too_large", f"request body exceeds max_body_bytes={limit}"))


async def _read_body(app: FastAPI, request: Request) -> bytes:
    """The request body, whatever the method, read up to ``max_body_bytes`` (413 past it, before anything
    goes upstream). ``BodyLimitMiddleware`` does the same for the whole service; this holds without it."""
    limit = _config(app).max_body_bytes
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise _too_large(limit)
    chunks: list[bytes] = []
    seen = 0
    async for chunk in request.stream():
        seen += len(chunk)
        if seen > limit:
            raise _too_large(limit)
        chunks.append(chunk)
    return b"".join(chunks)


def _check_params(request: Request, kind: str) -> None:
    for key in request.query_params:
        if key not in _PARAMS[kind]:
            hint = _PARAM_HINTS.get(key, "not on the proxy's list of safe parameters")
            raise _UpstreamError(_error(403, "security_exception",
                                        f"URL parameter [{key}] is not accepted by the search proxy ({hint})"))
    for value in request.query_params.getlist("expand_wildcards"):
        check_expand_wildcards(value)


def _source_param(params: Mapping[str, str]) -> Any:
    """``_source`` / ``_source_includes`` / ``_source_excludes`` URL parameters as a body ``_source``
    (``None``: none given). They override the body's, as on the engines."""
    src, inc, exc = (params.get(k) for k in ("_source", "_source_includes", "_source_excludes"))
    if src is None and inc is None and exc is None:
        return None

    def split(value: str | None) -> list[str]:
        return [p.strip() for p in (value or "").split(",") if p.strip()]

    includes: list[str] = []
    if src is not None:
        low = src.strip().lower()
        if low == "false":
            return False
        if low not in ("", "true"):
            includes = split(src)
    if inc is not None:
        includes = split(inc)
    return {"includes": includes, "excludes": split(exc)}


def _answer(resp: httpx.Response) -> Any:
    """A successful upstream answer, decoded strictly (:class:`UpstreamAnswerError` when it is not JSON)."""
    try:
        return strict_loads(resp.content, max_depth=_UPSTREAM_MAX_DEPTH)
    except ValueError as e:
        kind = resp.headers.get("content-type", "no content type")
        raise UpstreamAnswerError(f"upstream answered {resp.status_code} with a body that is not JSON ({kind}): {e}") \
            from None


class _RecordedSearchGuard(SearchGuard):
    """The proxy's search guard: each query verdict is counted, logged and sampled as the check route's are
    (surface ``search``)."""

    def __init__(self, state: GuardState, config: SearchGuardConfig) -> None:
        super().__init__(state.checks, config=config)
        self._state = state

    def check_query(self, text: str) -> Verdict:
        verdict = super().check_query(text)
        self._state.record_query("search", text, verdict)
        return verdict


def build_search_guard(app: FastAPI) -> SearchGuard:
    """The guard the proxy uses: the service's :class:`plugin.guard.Guard` (``app.state.guard.checks``:
    live matcher, rumour index, policy and caches), so the proxy decides as the check routes do."""
    state = app.state.guard
    cfg = state.config.search
    options: dict[str, Any] = {}
    if cfg.hit_fields is not None:
        options["hit_fields"] = tuple(cfg.hit_fields)
    if cfg.query_fields is not None:
        options["query_fields"] = tuple(cfg.query_fields)
    if cfg.pin_mode:
        options["pin_mode"] = cfg.pin_mode
    options["allowed_features"] = frozenset(cfg.allowed_features or ())
    # checks behind a token: the anonymous proxy does not list which lexicon terms a query hit either
    options["show_hits"] = not state.config.protect_checks
    return _RecordedSearchGuard(state, SearchGuardConfig(**options))


def _guard(app: FastAPI) -> SearchGuard:
    guard = getattr(app.state, "search_guard", None)
    if guard is None:
        guard = app.state.search_guard = build_search_guard(app)
    return guard


def _make_client(cfg: SearchSettings) -> httpx.AsyncClient:
    auth = None
    headers = {}
    if cfg.upstream_username:
        auth = httpx.BasicAuth(cfg.upstream_username, cfg.upstream_password or "")
    if cfg.upstream_api_key:
        headers["authorization"] = f"ApiKey {cfg.upstream_api_key}"
    timeout = cfg.upstream_timeout
    max_conn = cfg.upstream_max_connections
    return httpx.AsyncClient(
        auth=auth,
        headers=headers,
        timeout=httpx.Timeout(timeout, connect=min(timeout, 5.0)),
        limits=httpx.Limits(max_connections=max_conn, max_keepalive_connections=max_conn),
    )


def _client(app: FastAPI) -> httpx.AsyncClient:
    client = getattr(app.state, "search_proxy_client", None)
    if client is None:
        client = app.state.search_proxy_client = _make_client(_settings(app))
        app.state.search_proxy_owned = True
    return client


def _has_credentials(cfg: SearchSettings) -> bool:
    return bool(cfg.upstream_username or cfg.upstream_api_key)


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
    cfg = _settings(app)
    headers = {k: v for k, v in request.headers.items() if k in _FORWARD_REQUEST_HEADERS}
    if content:
        headers.setdefault("content-type", content_type)
    client_auth = request.headers.get("authorization")
    if client_auth and not _has_credentials(cfg) and not is_guard_token(client_auth):
        headers["authorization"] = client_auth  # the client's own engine credentials; never a guard token
    url = str(cfg.upstream_url).rstrip("/") + path
    try:
        return await _client(app).request(method, url, content=content, params=tuple(params), headers=headers)
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


def _check_index(index: str | None) -> None:
    """Refuse index names that are path segments: ``.`` or ``..`` (percent-encoded in the request path)
    would climb out of ``upstream_url``'s path (``http://gateway/cluster-a`` + ``/../_search``). The
    engines refuse these names too."""
    for name in (index or "").split(","):
        if name.strip() in (".", ".."):
            raise _UpstreamError(_error(400, "invalid_index_name_exception",
                                        f"index name {name!r} is not allowed: '.' and '..' are not index names"))


def _check_index_names(cfg: ServiceConfig, index: str | None) -> None:
    """``.`` / ``..`` are 400; hidden, remote, excluded, reserved and (with ``search_indices``) unlisted indices 403."""
    _check_index(index)
    check_index_names(index, cfg.search.indices, reserved=(cfg.rumors.index,))


def _searched_index(app: FastAPI, index: str | None) -> str:
    """The target a request searches, checked (:func:`_check_index_names`) and as forwarded
    (:func:`searched_target`: no index means the listed indices or all; a wildcard never reaches the guard's own
    rumour index)."""
    cfg = _config(app)
    _check_index_names(cfg, index)
    return searched_target(index, cfg.search.indices, (cfg.rumors.index,))


def _check_lookups(app: FastAPI, body: Any) -> None:
    """Document lookups inside a body (terms lookup, like/pinned documents, indexed shapes, percolate by id) may
    only read an index the proxy would search (:func:`check_lookup_indices`)."""
    cfg = _config(app)
    check_lookup_indices(body, cfg.search.indices, (cfg.rumors.index,))


def _window(body: Any) -> int:
    """How many hits a search body asks the guard to page through (:func:`paging_window`; ``ValueError`` for a
    value the guard refuses)."""
    return paging_window(body) if isinstance(body, dict) else 0


def _index_path(index: str | None, extra: str | None, endpoint: str) -> str:
    names = join_index(index, extra)
    if names is None:
        return f"/{endpoint}"
    joined = names if isinstance(names, str) else ",".join(names)
    return f"/{quote(joined, safe=',*')}/{endpoint}"


#: Most JSON arrays and objects a client body may hold (counted as bracket bytes before parsing: a 1 MB body of
#: ``[[],[],…]`` costs a second of parsing; real search bodies hold a few hundred).
_MAX_BODY_CONTAINERS = 20_000


def _check_containers(raw: bytes) -> None:
    containers = raw.count(b"[") + raw.count(b"{")
    if containers > _MAX_BODY_CONTAINERS:
        raise _UpstreamError(_error(400, "parse_exception", f"request body holds {containers} JSON arrays/objects "
                                    f"(brackets); at most {_MAX_BODY_CONTAINERS}"))


def _parse_json_body(raw: bytes) -> dict[str, Any]:
    """A client's search body: a JSON object (400 otherwise). CPU work on large bodies: run it in a check
    thread (:func:`run_check`)."""
    if not raw.strip():
        return {}
    _check_containers(raw)
    try:
        body = strict_loads(raw)
    except ValueError as e:
        raise _UpstreamError(_error(400, "parse_exception", f"request body is not valid JSON: {e}")) from None
    if not isinstance(body, dict):
        raise _UpstreamError(_error(400, "parse_exception", "request body must be a JSON object"))
    return body


def _checked_body(app: FastAPI, raw: bytes) -> dict[str, Any]:
    """:func:`_parse_json_body` then :func:`_check_lookups`: one pass of CPU work for a check thread."""
    body = _parse_json_body(raw)
    _check_lookups(app, body)
    return body


def _split_params(request: Request, body: dict[str, Any]) -> tuple[list[tuple[str, str]], str | None, bool]:
    """Query parameters to forward; ``from`` / ``size`` move into the body so the guard can page. ``scroll`` is
    not forwarded: its scroll id cannot be used through the proxy, and every forwarded one held a search
    context open upstream for a keep-alive the client chose (anonymous clients could use up the cluster's
    open scroll contexts); the answer is the first page, searched and filtered as any other."""
    params: list[tuple[str, str]] = []
    source = _source_param(request.query_params)
    if source is not None:
        body["_source"] = source
    for key, value in request.query_params.multi_items():
        if key in _SOURCE_PARAMS:
            continue  # in the body now: a URL _source would override the guard's
        if key in ("from", "size") and key not in body:
            try:
                body[key] = int(value)
            except ValueError:
                raise _UpstreamError(_error(400, "illegal_argument_exception", f"{key} must be an integer")) from None
        elif key not in ("from", "size", "scroll"):
            params.append((key, value))
    return params, request.query_params.get("q"), False


async def _search(app: FastAPI, request: Request, index: str | None) -> Response:
    _check_params(request, "search")
    body = await run_check(request, _checked_body, app, await _read_body(app, request))
    params, q, scroll = _split_params(request, body)
    guard = _guard(app)
    last: list[httpx.Response] = []

    async def send(req: UpstreamRequest) -> dict[str, Any]:
        resp = await _upstream(app, request, "POST", _index_path(index, req.extra_index, "_search"),
                               content=json.dumps(req.body).encode(), params=params)
        if resp.status_code >= 400:
            raise _UpstreamError(_passthrough(resp))
        last.append(resp)
        answer = _answer(resp)
        if not isinstance(answer, dict):
            raise UpstreamAnswerError(f"upstream answered {resp.status_code} with JSON that is not an object")
        return answer

    result = await run_plan_async(guard.plan_search(body, q=q, scroll=scroll), send,
                                  offload=functools.partial(run_check, request))
    return _json_response(result, last[0] if last else None)


async def _msearch(app: FastAPI, request: Request, index: str | None) -> Response:
    _check_params(request, "msearch")
    raw = await _read_body(app, request)
    cfg = _config(app)
    sent_lines = sum(1 for line in raw.split(b"\n") if line.strip())
    if sent_lines > 2 * cfg.search.msearch_max_searches:  # before parsing: a search is a header and a body line
        return _error(400, "illegal_argument_exception", f"msearch holds about {(sent_lines + 1) // 2} searches; at most "
                      f"{cfg.search.msearch_max_searches} (search_msearch_max_searches)")
    try:
        _check_containers(raw)
        pairs = await run_check(request, msearch_pairs, raw)
    except ValueError as e:  # UnicodeDecodeError included
        return _error(400, "parse_exception", f"msearch body must be NDJSON header/body pairs: {e}")
    if len(pairs) > cfg.search.msearch_max_searches:
        return _error(400, "illegal_argument_exception", f"msearch holds {len(pairs)} searches; at most "
                      f"{cfg.search.msearch_max_searches} (search_msearch_max_searches)")
    max_window = _guard(app).config.max_window
    window = sum(min(_window(body), max_window) for _, body in pairs)  # (one search's own limit: its 400)
    if window > max_window:
        return _error(400, "illegal_argument_exception", f"msearch pages through {window} hits in all (from + size "
                      f"of its searches); at most {max_window}")
    for n, (header, body) in enumerate(pairs):
        unknown = sorted(set(header) - _MSEARCH_HEADER_KEYS)
        if unknown:
            keys = ", ".join(map(repr, unknown))
            return _error(403, "security_exception",
                          f"msearch header {n + 1}: key(s) {keys} not accepted by the search proxy")
        named = header.get("index")
        if isinstance(named, list) and all(isinstance(v, str) for v in named):
            named = ",".join(named)
        if named is not None and not isinstance(named, str):
            return _error(400, "illegal_argument_exception",
                          f"msearch header {n + 1}: index must be a string or a list of strings")
        try:
            _check_index_names(cfg, named)
            if "expand_wildcards" in header:
                check_expand_wildcards(header["expand_wildcards"])
            _check_lookups(app, body)
        except RefusedFeature as e:
            return _error(403, "security_exception", f"msearch header {n + 1}: {e}")
        if named:  # what was checked is what is forwarded; no index: the URL's target (searched_target)
            header["index"] = searched_target(named, cfg.search.indices, (cfg.rumors.index,))
        else:
            header.pop("index", None)
    params = list(request.query_params.multi_items())
    guard = _guard(app)
    plans = [guard.plan_search(b, q=None) for _, b in pairs]
    results, pending = await run_check(request, start_plans, plans)
    first: httpx.Response | None = None
    while pending:
        lines = msearch_request_lines(pairs, pending)
        ndjson = "".join(json.dumps(line, ensure_ascii=False) + "\n" for line in lines).encode()
        resp = await _upstream(app, request, "POST", _index_path(index, None, "_msearch"), content=ndjson,
                               params=params, content_type="application/x-ndjson")
        if resp.status_code >= 400:
            return _passthrough(resp)
        first = first or resp
        pending = await run_check(request, advance_plans, plans, results, pending,
                                  check_msearch_answer(_answer(resp), len(pending)))
    return _json_response({"responses": results}, first)


async def _count(app: FastAPI, request: Request, index: str | None) -> Response:
    _check_params(request, "count")
    raw = await _read_body(app, request)
    body = await run_check(request, _checked_body, app, raw)
    guard = _guard(app)
    await run_check(request, check_search_body, body, guard.config.allowed_features)
    blocked, _ = await run_check(request, functools.partial(guard.plan_count, body, q=request.query_params.get("q")))
    if blocked is not None:
        return JSONResponse(blocked)
    resp = await _upstream(app, request, request.method, _index_path(index, None, "_count"), content=raw,
                           params=list(request.query_params.multi_items()))
    if resp.status_code < 400:
        check_count_answer(_answer(resp))
    return _passthrough(resp)


def install(app: FastAPI) -> None:
    """Add the proxy routes (only when ``upstream_url`` is configured)."""
    cfg = _settings(app)
    if not cfg.upstream_url:
        return
    prefix = cfg.upstream_prefix
    prefix = DEFAULT_PREFIX if prefix is None else prefix.rstrip("/")
    router = APIRouter(prefix=prefix, tags=["search proxy"])

    def handler(kind: str) -> Callable[[Request], Awaitable[Response]]:
        async def endpoint(request: Request) -> Response:
            try:
                index = _searched_index(app, request.path_params.get("index"))
                if kind == "search":
                    return await _search(app, request, index)
                if kind == "msearch":
                    return await _msearch(app, request, index)
                return await _count(app, request, index)
            except _UpstreamError as e:
                return e.response
            except RefusedFeature as e:
                return _error(403, "security_exception", str(e))
            except ValueError as e:
                return _error(400, "illegal_argument_exception", str(e))
            except UpstreamAnswerError as e:
                return _error(502, "upstream_bad_answer", str(e))

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
    if _settings(app).upstream_url:
        _client(app)


async def stop(app: FastAPI) -> None:
    """Close the shared upstream client if the proxy created it."""
    client = getattr(app.state, "search_proxy_client", None)
    if client is not None and getattr(app.state, "search_proxy_owned", False):
        await client.aclose()
        app.state.search_proxy_client = None
        app.state.search_proxy_owned = False
