"""HTTP errors: one JSON shape for every error, and the handlers that produce it.

    {"error": "<code>", "message": "<one line>", "detail": [...]}   (detail only for validation errors)

Bad input never reaches a 500: malformed JSON → 400, wrong types / unknown fields / missing
fields / bad enum values → 422 naming the field, oversized bodies → 413, unknown ids → 404,
conflicts → 409. ``BodyLimitMiddleware`` enforces ``max_body_bytes`` before the body is parsed.
"""

from __future__ import annotations

import logging
import re
from typing import Any, Iterable

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import ValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from plugin.errors import GuardError, InputError

__all__ = [
    "BodyLimitMiddleware", "ServiceError", "clean_loc", "field_error", "install_error_handlers", "validation_error",
]

log = logging.getLogger("qinglang.service")


class ServiceError(Exception):
    """An error with its HTTP status and a stable code."""

    def __init__(self, status: int, code: str, message: str, detail: Any = None) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.detail = status, code, message, detail


#: Location segments pydantic adds for its own schema steps, never a field of the request:
#: validator wrappers and union members (``function-after[...]``, ``literal[...]``, ``tagged-union[...]``,
#: ``list[...]``) and bare union member types (``str``, ``int``, ``constrained-str`` ...).
_INTERNAL_SEGMENT = re.compile(r"^[a-z][a-z0-9-]*\[.*\]$", re.DOTALL)
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
    return {"loc": list(loc), "field": _field(loc), "msg": msg, "type": type_}


def validation_error(errors: list[dict[str, Any]]) -> JSONResponse:
    """The 422 response (400 when the body is not JSON at all). Locations name the client's fields only
    (pydantic's internal segments are stripped); the errors of one field's union members are merged."""
    detail: list[dict[str, Any]] = []
    by_field: dict[tuple[Any, ...], dict[str, Any]] = {}
    for e in errors:
        raw = tuple(e.get("loc", ()))
        etype = e.get("type", "value_error")
        msg = str(e.get("msg", "invalid"))
        loc = clean_loc(raw, keep_last=etype == "extra_forbidden")
        if etype == "json_invalid":
            ctx = e.get("ctx") or {}
            reason = ctx.get("error") or msg
            return JSONResponse(
                {"error": "malformed_json", "message": f"request body is not valid JSON: {reason}"}, status_code=400
            )
        if etype == "missing" and e.get("input") is None and loc in (("body",), ()):
            return JSONResponse({"error": "missing_body", "message": "request body (JSON) is required"}, status_code=400)
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
        detail.append(item)
    message = "; ".join(f"{d['field']}: {d['msg']}" for d in detail[:5])
    if len(detail) > 5:
        message += f" (and {len(detail) - 5} more)"
    return JSONResponse({"error": "validation_error", "message": message, "detail": detail}, status_code=422)


async def _on_validation(request: Request, exc: RequestValidationError) -> JSONResponse:
    return validation_error(list(exc.errors()))


async def _on_pydantic(request: Request, exc: ValidationError) -> JSONResponse:
    return validation_error([{**e, "loc": ("body", *e["loc"])} for e in exc.errors()])


async def _on_service_error(request: Request, exc: ServiceError) -> JSONResponse:
    body: dict[str, Any] = {"error": exc.code, "message": exc.message}
    if exc.detail is not None:
        body["detail"] = exc.detail
    return JSONResponse(body, status_code=exc.status)


async def _on_http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
    codes = {404: "not_found", 405: "method_not_allowed", 401: "unauthorized", 403: "forbidden", 413: "body_too_large"}
    msg = exc.detail if isinstance(exc.detail, str) else str(exc.detail)
    return JSONResponse({"error": codes.get(exc.status_code, "http_error"), "message": msg},
                        status_code=exc.status_code, headers=getattr(exc, "headers", None))


async def _on_input(request: Request, exc: InputError) -> JSONResponse:
    return JSONResponse({"error": "invalid_input", "message": str(exc)}, status_code=422)


async def _on_guard(request: Request, exc: GuardError) -> JSONResponse:
    log.exception("guard error on %s", request.url.path)
    return JSONResponse({"error": "guard_error", "message": str(exc)}, status_code=500)


async def _on_unexpected(request: Request, exc: Exception) -> JSONResponse:
    log.exception("unexpected error on %s", request.url.path)
    return JSONResponse({"error": "internal_error", "message": "internal error (logged)"}, status_code=500)


def install_error_handlers(app: FastAPI) -> None:
    """Register the handlers above on ``app``."""
    app.add_exception_handler(RequestValidationError, _on_validation)  # type: ignore[arg-type]
    app.add_exception_handler(ValidationError, _on_pydantic)  # type: ignore[arg-type]
    app.add_exception_handler(ServiceError, _on_service_error)  # type: ignore[arg-type]
    app.add_exception_handler(StarletteHTTPException, _on_http)  # type: ignore[arg-type]
    app.add_exception_handler(InputError, _on_input)  # type: ignore[arg-type]
    app.add_exception_handler(GuardError, _on_guard)  # type: ignore[arg-type]
    app.add_exception_handler(Exception, _on_unexpected)


class BodyLimitMiddleware:
    """Reject bodies larger than ``max_bytes`` with 413, whatever the method: at once from Content-Length,
    else on the bytes actually received (chunked bodies, or more bytes than declared), before the app
    sees a byte. The body is read here, bounded, and replayed to the app."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

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
        while True:
            msg = await receive()
            if msg["type"] == "http.disconnect":
                return
            body = msg.get("body", b"")
            seen += len(body)
            if seen > self.max_bytes:
                await self._reply(send, 413, "body_too_large", f"request body exceeds max_body_bytes={self.max_bytes}")
                return
            chunks.append(body)
            if not msg.get("more_body", False):
                break
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
        import json

        body = json.dumps({"error": code, "message": message}).encode()
        await send({"type": "http.response.start", "status": status,
                    "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
                                (b"connection", b"close")]})
        await send({"type": "http.response.body", "body": body})
