"""Shared route helpers: the guard state and the configurable input limits."""

from __future__ import annotations

from typing import Any, TypeVar

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ValidationError

from ..app import GuardState
from ..errors import ServiceError, field_error


def guard_of(request: Request) -> GuardState:
    return request.app.state.guard


def too_long(loc: tuple[Any, ...], limit: int, what: str, setting: str) -> ServiceError:
    """A 422 naming the field that exceeds a configured limit."""
    err = field_error(loc, f"{what} exceeds {setting}={limit}", "too_long")
    return ServiceError(422, "validation_error", f"{err['field']}: {err['msg']}", [err])


M = TypeVar("M", bound=BaseModel)


async def parse_body(request: Request, model: type[M]) -> M:
    """Validate the raw body with ``model`` straight from JSON bytes (pydantic-core's parser: no
    intermediate dicts). Errors become the usual 400 / 422 responses."""
    body = await request.body()
    if not body.strip():
        raise ServiceError(400, "missing_body", "request body (JSON) is required")
    try:
        return model.model_validate_json(body)
    except ValidationError as exc:
        raise RequestValidationError([{**e, "loc": ("body", *e["loc"])} for e in exc.errors()]) from None


def body_doc(model: type[BaseModel]) -> dict[str, Any]:
    """``openapi_extra`` documenting a JSON request body read with :func:`parse_body`."""
    return {"requestBody": {"required": True, "content": {"application/json": {"schema": model.model_json_schema()}}}}
