"""Shared route helpers: the guard state, the configurable input limits and the worker threads that
run matching (CPU work never runs on the event loop)."""

from __future__ import annotations

import functools
from typing import Any, Callable, TypeVar

import anyio
import anyio.to_thread
from fastapi import Request
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ValidationError

from ..errors import ServiceError, field_error, invalid
from ..state import GuardState, state_of

__all__ = ["body_doc", "guard_of", "parse_body", "parse_json", "read_body", "run_check", "too_large", "too_long"]


def guard_of(request: Request) -> GuardState:
    """The application state of ``request``'s app."""
    return state_of(request.app)


def too_long(loc: tuple[Any, ...], limit: int, what: str, setting: str) -> ServiceError:
    """A 422 naming the field that exceeds a configured limit."""
    return invalid([field_error(loc, f"{what} exceeds {setting}={limit}", "too_long")])


def too_large(total: int, limit: int, what: str, setting: str) -> ServiceError:
    """A 413: the request as a whole holds more text than the setting ``setting`` allows."""
    return ServiceError(413, "too_large", f"{what}: {total} characters exceed {setting}={limit}",
                        setting=setting, limit=limit, actual=total)


M = TypeVar("M", bound=BaseModel)
T = TypeVar("T")


async def read_body(request: Request) -> bytes:
    """The raw request body (already bounded by ``max_body_bytes``); 400 when it is empty."""
    body = await request.body()
    if not body.strip():
        raise ServiceError(400, "missing_body", "request body (JSON) is required")
    return body


def parse_json(body: bytes, model: type[M]) -> M:
    """Validate ``body`` with ``model`` straight from JSON bytes (pydantic-core's parser: no
    intermediate dicts). Errors become the usual 400 / 422 responses. CPU work: call it in a worker
    thread (:func:`run_check`)."""
    try:
        return model.model_validate_json(body)
    except ValidationError as exc:
        raise RequestValidationError([{**e, "loc": ("body", *e["loc"])} for e in exc.errors()]) from None


async def parse_body(request: Request, model: type[M]) -> M:
    """:func:`read_body` then :func:`parse_json` (on the event loop: for small bodies only)."""
    return parse_json(await read_body(request), model)


def _limiter(request: Request) -> anyio.CapacityLimiter:
    """The app's check threads (``check_threads``), made on first use. Separate from the thread pool of
    the other sync routes, so a burst of heavy checks never makes ``/healthz`` or the admin API wait."""
    state = guard_of(request)
    if state.check_limiter is None:  # no await in between: no other request can interleave here
        state.check_limiter = anyio.CapacityLimiter(state.config.check_threads)
    return state.check_limiter


async def run_check(request: Request, fn: Callable[..., T], *args: Any) -> T:
    """Run ``fn(*args)`` (matching, rumour lookup, review) in one of the check threads and await it."""
    return await anyio.to_thread.run_sync(functools.partial(fn, *args), limiter=_limiter(request))


def _inline(node: Any, defs: dict[str, Any]) -> Any:
    """``node`` with every ``{"$ref": "#/$defs/X"}`` replaced by (a copy of) ``defs[X]``."""
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/$defs/"):
            return _inline({**defs[ref.removeprefix("#/$defs/")], **{k: v for k, v in node.items() if k != "$ref"}},
                           defs)
        return {k: _inline(v, defs) for k, v in node.items()}
    if isinstance(node, list):
        return [_inline(v, defs) for v in node]
    return node


def body_doc(model: type[BaseModel]) -> dict[str, Any]:
    """``openapi_extra`` documenting a JSON request body read with :func:`read_body` (the schema is
    self-contained: the model's nested ``$defs`` are inlined, as a ``#/$defs/...`` reference would
    otherwise point into the OpenAPI document's root; the request models are not recursive)."""
    schema = model.model_json_schema()
    defs = schema.pop("$defs", {})
    return {"requestBody": {"required": True, "content": {"application/json": {"schema": _inline(schema, defs)}}}}
