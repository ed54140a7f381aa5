"""Shared route helpers: the guard state and the configurable input limits."""

from __future__ import annotations

from typing import Any

from fastapi import Request

from ..app import GuardState
from ..errors import ServiceError, field_error


def guard_of(request: Request) -> GuardState:
    return request.app.state.guard


def too_long(loc: tuple[Any, ...], limit: int, what: str, setting: str) -> ServiceError:
    """A 422 naming the field that exceeds a configured limit."""
    err = field_error(loc, f"{what} exceeds {setting}={limit}", "too_long")
    return ServiceError(422, "validation_error", f"{err['field']}: {err['msg']}", [err])
