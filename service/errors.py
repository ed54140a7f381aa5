"""HTTP errors: one handler and one shape for every error the service produces, RFC 9457 problem details
(``Content-Type: application/problem+json``)::

    {"type": "about:blank", "title": "Unprocessable Entity", "status": 422,
     "detail": "candidates[0].topic_type: Input should be ...",      # one line
     "error": "validation_error",                                     # stable code (clients key on it)
     "errors": [{"loc": ["body", "candidates", 0, "topic_type"], "field": "candidates[0].topic_type",
                 "msg": "Input should be ...", "type": "enum"}]}       # field problems only

``type`` is ``about:blank`` (the status says what kind of problem it is, ``title`` is its phrase) and the
``error`` member names the problem precisely; other members carry context (``setting`` / ``limit`` /
``actual`` of a 413, ``base_version`` / ``live_version`` / ``revision`` of a lexicon conflict, ``issues``
of a refused lexicon change). Codes:

- 400 ``malformed_json``, ``missing_body``, ``bad_request``;
- 401 ``unauthorized``; 403 ``forbidden``, ``four_eyes``; 404 ``not_found``; 405 ``method_not_allowed``;
- 408 ``request_timeout`` (a body still arriving after ``BODY_TIMEOUT_SECONDS``); 409 ``conflict``;
  413 ``body_too_large`` (``max_body_bytes``), ``too_large`` (``max_request_chars``);
- 431 ``headers_too_large`` (``max_header_bytes``: the request line and headers together);
- 422 ``validation_error`` (with ``errors``), ``invalid_lexicon`` and ``import_refused`` (with ``issues``),
  ``invalid_input``;
- 429 ``preview_busy`` (every preview slot of the process is taken; ``Retry-After``), ``busy`` (every slot of
  reader-triggered whole-lexicon work is taken: :func:`service.editorial.whole_lexicon_read`);
- 500 ``guard_error``, ``internal_error`` (logged; the message never leaks).

Bad input never reaches a 500: malformed JSON → 400, wrong types / unknown fields / missing fields / bad
enum values → 422 naming the field, oversized bodies → 413, unknown ids → 404, conflicts → 409.
``BodyLimitMiddleware`` enforces ``max_body_bytes`` before the body is parsed, ``HeaderLimitMiddleware``
``max_header_bytes`` before anything else runs (``qinglang serve`` also bounds what uvicorn buffers of a
request head still arriving: :func:`service.commands.uvicorn_options`). The search proxy answers its
own errors in the search engines' shape (:mod:`service.proxy`); the editor page redirects with a message.
"""

from __future__ import annotations

import asyncio
import http
import json
import logging
from typing import Any, Iterable, Mapping

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from plugin import fixed_regex
from plugin.errors import GuardError, InputError
from plugin.store import ConflictError, FourEyesError, NotFoundError, StoreError
from plugin.store import ValidationError as StoreValidationError

from .previews import PreviewBusy

__all__ = [
    "PROBLEM_JSON", "BodyLimitMiddleware", "FieldProblem", "HeaderLimitMiddleware", "head_bytes", "Problem", "ServiceError", "clean_loc", "field_error",
    "handle_error", "install_error_handlers", "invalid", "problem", "problem_body", "to_problem",
]

log = logging.getLogger("qinglang.service")

#: Media type of every error answer.
PROBLEM_JSON = "application/problem+json"


class ServiceError(Exception):
    """An error the service answers as a problem: HTTP ``status``, stable ``code``, one-line ``detail``,
    field problems (``errors``, from :func:`field_error`) and extra members."""

    def __init__(self, status: int, code: str, detail: str, *, errors: list[dict[str, Any]] | None = None,
                 headers: Mapping[str, str] | None = None, **members: Any) -> None:
        super().__init__(detail)
        self.status, self.code, self.detail = status, code, detail
        self.errors, self.headers, self.members = errors, dict(headers or {}), members


def problem_body(status: int, code: str, detail: str, *, errors: list[dict[str, Any]] | None = None,
                 **members: Any) -> dict[str, Any]:
    """The problem document (see the module docstring)."""
    try:
        title = http.HTTPStatus(status).phrase
    except ValueError:
        title = "Error"
    body: dict[str, Any] = {"type": "about:blank", "title": title, "status": status, "detail": detail, "error": code}
    if errors is not None:
        body["errors"] = errors
    for key, value in members.items():
        body.setdefault(key, value)  # the standard members win
    return body


def problem(status: int, code: str, detail: str, *, errors: list[dict[str, Any]] | None = None,
            headers: Mapping[str, str] | None = None, **members: Any) -> JSONResponse:
    """A problem response (``application/problem+json``)."""
    return JSONResponse(problem_body(status, code, detail, errors=errors, **members), status_code=status,
                        headers=dict(headers) if headers else None, media_type=PROBLEM_JSON)


#: Location segments pydantic adds for its own schema steps, never a field of the request:
#: validator wrappers and union members (``function-after[...]``, ``literal[...]``, ``tagged-union[...]``,
#: ``list[...]``) and bare union member types (``str``, ``int``, ``constrained-str`` ...).
_INTERNAL_SEGMENT = fixed_regex.compile(r"(?s)^[a-z][a-z0-9-]*\[.*\]$")
_INTERNAL_TAGS = frozenset({
    "str", "int", "float", "bool", "bytes", "none", "date", "time", "datetime", "timedelta", "decimal", "uuid",
    "url", "multi-host-url", "any", "callable", "list", "dict", "set", "frozenset", "tuple", "generator",
    "constrained-str", "constrained-int", "constrained-float", "constrained-bytes", "constrained-decimal",
    "constrained-list", "constrained-dict", "constrained-set",
})


def clean_loc(loc: Iterable[Any], *, keep_last: bool = False) -> tuple[Any, ...]:
    """``loc`` without pydantic's internal segments (``("body", "candidates", 0, "id",
    "function-after[...]")`` → ``("body", "candidates", 0, "id")``). ``keep_last`` keeps the last
    segment whatever it is (for ``extra_forbidden`` errors it is the client's own key)."""
    parts = list(loc)
    tail = (parts.pop(),) if keep_last and parts else ()
    out = tuple(p for p in parts if not (isinstance(p, str) and (p in _INTERNAL_TAGS or _INTERNAL_SEGMENT.match(p))))
    return out + tail


def _field(loc: Iterable[Any]) -> str:
    """``("body", "candidates", 0, "topic_type")`` → ``candidates[0].topic_type``."""
    out = ""
    parts = list(loc)
    if parts and parts[0] in ("body", "query", "path", "header", "form", "cookie"):
        parts = parts[1:]
    for part in parts:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out or "body"


def field_error(loc: tuple[Any, ...], msg: str, type_: str = "value_error") -> dict[str, Any]:
    """One entry of a problem's ``errors``: where (``loc``, and ``field`` as the client writes it), what."""
    return {"loc": list(loc), "field": _field(loc), "msg": msg, "type": type_}


def _validation_problem(errors: list[dict[str, Any]]) -> ServiceError:
    """The 422 for pydantic's ``errors`` (400 when the body is not JSON at all). Locations name the client's
    fields only (pydantic's internal segments are stripped); the errors of one field's union members are
    merged."""
    found: list[dict[str, Any]] = []
    by_field: dict[tuple[Any, ...], dict[str, Any]] = {}
    for e in errors:
        raw = tuple(e.get("loc", ()))
        etype = e.get("type", "value_error")
        msg = str(e.get("msg", "invalid"))
        loc = clean_loc(raw, keep_last=etype == "extra_forbidden")
        if etype == "json_invalid":
            ctx = e.get("ctx") or {}
            reason = ctx.get("error") or msg
            return ServiceError(400, "malformed_json", f"request body is not valid JSON: {reason}")
        if etype == "missing" and e.get("input") is None and loc in (("body",), ()):
            return ServiceError(400, "missing_body", "request body (JSON) is required")
        if loc == ("body",) and etype in ("model_attributes_type", "model_type", "dict_type"):
            msg = "request body must be a JSON object"
        elif etype == "extra_forbidden":
            msg = f"unknown field {_field(loc)!r}"
        elif etype == "missing":
            msg = f"required field {_field(loc)!r} is missing"
        if loc != raw and loc in by_field:  # another member of the same union: one entry, both messages
            prev = by_field[loc]
            if msg not in prev["msg"].split("; or "):
                prev["msg"] += f"; or {msg}"
            continue
        item = field_error(loc, msg, etype)
        by_field.setdefault(loc, item)
        found.append(item)
    return invalid(found)


def invalid(errors: list[dict[str, Any]]) -> ServiceError:
    """A 422 ``validation_error`` listing ``errors`` (:func:`field_error`); its detail names the first five."""
    detail = "; ".join(f"{d['field']}: {d['msg']}" for d in errors[:5])
    if len(errors) > 5:
        detail += f" (and {len(errors) - 5} more)"
    return ServiceError(422, "validation_error", detail or "invalid request", errors=errors)


#: Codes of HTTP errors raised without one (Starlette's routing, ``HTTPException``).
_HTTP_CODES = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
               405: "method_not_allowed", 409: "conflict", 413: "body_too_large", 422: "validation_error"}


def _store_problem(exc: StoreError) -> ServiceError:
    if isinstance(exc, StoreValidationError):
        return ServiceError(422, "invalid_lexicon", str(exc), issues=[i.to_dict() for i in exc.issues])
    if isinstance(exc, ConflictError):
        return ServiceError(409, "conflict", str(exc), base_version=exc.base_version, live_version=exc.live_version,
                            revision=exc.revision)
    if isinstance(exc, NotFoundError):
        return ServiceError(404, "not_found", str(exc))
    if isinstance(exc, FourEyesError):
        return ServiceError(403, "four_eyes", str(exc))
    return ServiceError(400, "bad_request", str(exc))


def _unparsed_body(exc: StarletteHTTPException) -> ServiceError | None:
    """FastAPI's 400 "There was an error parsing the body" for a body its JSON parser gave up on without a
    ``JSONDecodeError`` (too deeply nested, not UTF-8), as the ``malformed_json`` problem naming why."""
    cause = exc.__cause__
    if exc.status_code != 400 or not isinstance(cause, (RecursionError, UnicodeDecodeError)):
        return None
    why = ("nested too deeply" if isinstance(cause, RecursionError)
           else f"not UTF-8 (byte 0x{cause.object[cause.start]:02x} at offset {cause.start})")
    return ServiceError(400, "malformed_json", f"request body is not valid JSON: {why}")


def to_problem(request: Request, exc: Exception) -> ServiceError:
    """What ``exc`` means for the client: every error the app raises, as one :class:`ServiceError`."""
    if isinstance(exc, ServiceError):
        return exc
    if isinstance(exc, RequestValidationError):
        return _validation_problem(list(exc.errors()))
    if isinstance(exc, ValidationError):  # a model validated in a route body
        return _validation_problem([{**e, "loc": ("body", *e["loc"])} for e in exc.errors()])
    if isinstance(exc, StarletteHTTPException):
        unparsed = _unparsed_body(exc)
        if unparsed is not None:
            return unparsed
        detail = exc.detail if isinstance(exc.detail, str) else str(exc.detail)
        return ServiceError(exc.status_code, _HTTP_CODES.get(exc.status_code, "http_error"), detail,
                            headers=exc.headers)
    if isinstance(exc, StoreError):
        return _store_problem(exc)
    if isinstance(exc, PreviewBusy):  # every preview slot of this process taken (service/previews.py)
        return ServiceError(429, "preview_busy", str(exc), headers={"Retry-After": "5"})
    if isinstance(exc, InputError):
        return ServiceError(422, "invalid_input", str(exc))
    if isinstance(exc, GuardError):
        log.exception("guard error on %s", request.url.path, exc_info=exc)
        return ServiceError(500, "guard_error", str(exc))
    log.exception("unexpected error on %s", request.url.path, exc_info=exc)
    return ServiceError(500, "internal_error", "internal error (logged)")


async def handle_error(request: Request, exc: Exception) -> Response:
    """The service's one error handler: ``exc`` as a problem response (a redirect raised as an
    ``HTTPException``, e.g. the editor page's sign-in, stays a bodiless redirect)."""
    p = to_problem(request, exc)
    if p.status < 400:
        return Response(status_code=p.status, headers=p.headers)
    return problem(p.status, p.code, p.detail, errors=p.errors, headers=p.headers, **p.members)


def install_error_handlers(app: FastAPI) -> None:
    """Route every exception through :func:`handle_error` (registered per class so that Starlette's
    inner exception middleware, inside the security headers and metrics, answers all but the last resort),
    and document the problem shape in the app's OpenAPI schema."""
    for exc_class in (RequestValidationError, ValidationError, ServiceError, StarletteHTTPException, StoreError,
                      PreviewBusy, InputError, GuardError, Exception):
        app.add_exception_handler(exc_class, handle_error)
    _document_problems(app)


class FieldProblem(BaseModel):
    """One entry of a problem's ``errors``."""

    loc: list[str | int] = Field(description="location: body / query / path, then the field's path")
    field: str = Field(description="the field as the client writes it, e.g. candidates[0].topic_type")
    msg: str
    type: str = Field(description="pydantic's error type, or too_long / missing")


class Problem(BaseModel):
    """An error answer (RFC 9457, ``application/problem+json``); other members may carry context."""

    model_config = ConfigDict(extra="allow")

    type: str = Field("about:blank", description="about:blank: the status and ``error`` say what happened")
    title: str = Field(description="the HTTP status phrase")
    status: int
    detail: str = Field(description="what went wrong, one line")
    error: str = Field(description="stable error code (validation_error, not_found, too_large, ...)")
    errors: list[FieldProblem] | None = Field(None, description="field problems (validation errors only)")


def _document_problems(app: FastAPI) -> None:
    """The app's OpenAPI schema with FastAPI's ``{"detail": [...]}`` 422 replaced by :class:`Problem`."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = FastAPI.openapi(app)
            schemas = schema.setdefault("components", {}).setdefault("schemas", {})
            for name in ("HTTPValidationError", "ValidationError"):
                schemas.pop(name, None)
            defs = Problem.model_json_schema(ref_template="#/components/schemas/{model}")
            schemas.update(defs.pop("$defs", {}))
            schemas["Problem"] = defs
            answer = {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}
            for operations in schema.get("paths", {}).values():
                for operation in operations.values():
                    responses = operation.setdefault("responses", {})
                    if "422" in responses:
                        responses["422"] = {"description": "Validation error (a problem with ``errors``)",
                                            "content": answer}
                    responses.setdefault("4XX", {"description": "Client error (a problem)", "content": answer})
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


#: Seconds a request body may take to arrive, from its first read to its last byte (a 1 MiB body needs 35 kB/s).
BODY_TIMEOUT_SECONDS = 30.0


class BodyLimitMiddleware:
    """Reject bodies larger than ``max_bytes`` with 413, whatever the method: at once from Content-Length,
    else on the bytes actually received (chunked bodies, or more bytes than declared), before the app
    sees a byte; and bodies still arriving after ``timeout`` seconds with 408 ``request_timeout`` (a client
    trickling a byte now and then held its request open for ever). The body is read here, bounded, and
    replayed to the app."""

    def __init__(self, app: ASGIApp, max_bytes: int, timeout: float = BODY_TIMEOUT_SECONDS) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.timeout = timeout

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        for name, value in scope.get("headers", ()):
            if name == b"content-length":
                try:
                    declared = int(value)
                except ValueError:
                    await self._reply(send, 400, "bad_request", "invalid Content-Length header")
                    return
                if declared > self.max_bytes:
                    await self._reply(send, 413, "body_too_large", f"request body exceeds max_body_bytes={self.max_bytes}")
                    return
                break
        chunks: list[bytes] = []
        seen = 0
        # one timer for the whole body, cancelling this task when it fires (asyncio.wait_for per read cost 45 us a
        # request, asyncio.timeout 15 us: this path runs for every request)
        task = asyncio.current_task()
        expired = False

        def expire() -> None:
            nonlocal expired
            expired = True
            if task is not None:
                task.cancel()

        timer = asyncio.get_running_loop().call_later(self.timeout, expire)
        try:
            while True:
                msg = await receive()
                if msg["type"] == "http.disconnect":
                    return
                body = msg.get("body", b"")
                seen += len(body)
                if seen > self.max_bytes:
                    break
                chunks.append(body)
                if not msg.get("more_body", False):
                    break
        except asyncio.CancelledError:
            if not expired or task is None:
                raise
            task.uncancel()
            await self._reply(send, 408, "request_timeout", f"request body not received within {self.timeout:g} seconds")
            return
        finally:
            timer.cancel()
        if seen > self.max_bytes:
            await self._reply(send, 413, "body_too_large", f"request body exceeds max_body_bytes={self.max_bytes}")
            return
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": b"".join(chunks), "more_body": False}
            return await receive()

        await self.app(scope, replay, send)

    @staticmethod
    async def _reply(send: Send, status: int, code: str, message: str) -> None:
        body = json.dumps(problem_body(status, code, message)).encode()
        await send({"type": "http.response.start", "status": status,
                    "headers": [(b"content-type", PROBLEM_JSON.encode()), (b"content-length", str(len(body)).encode()),
                                (b"connection", b"close")]})
        await send({"type": "http.response.body", "body": body})


def head_bytes(scope: Scope) -> int:
    """The size of a request's head as it came on the wire, near enough: the request line (method, path,
    query) and every header line (``name: value\\r\\n``)."""
    size = len(scope.get("method", "")) + len(scope.get("raw_path") or scope.get("path", "").encode("utf-8")) \
        + len(scope.get("query_string", b"")) + 12
    for name, value in scope.get("headers", ()):
        size += len(name) + len(value) + 4
    return size


class HeaderLimitMiddleware:
    """Refuse a request whose head (request line + headers, :func:`head_bytes`) exceeds ``max_bytes`` with
    431 ``headers_too_large``, before any other middleware or route sees it (a 200 KB cookie or a thousand
    headers would otherwise be parsed, logged and carried through every layer)."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and head_bytes(scope) > self.max_bytes:
            await BodyLimitMiddleware._reply(send, 431, "headers_too_large",
                                             f"request line and headers exceed max_header_bytes={self.max_bytes}")
            return
        await self.app(scope, receive, send)
