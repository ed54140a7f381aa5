"""API-token authentication for the service: ``require_role(role)`` FastAPI dependencies.

A request authenticates with ``Authorization: Bearer <secret>``. Only the editor web page
(``service.ui``, which checks a CSRF token and the Origin of every form post) also accepts the
``qinglang_token`` cookie set by its login form (``cookie=True``); the JSON APIs take bearer
tokens only, so a browser's ambient cookie never authorises an API call. Roles, least to most
privileged: reader < reviewer < editor < approver < admin (``plugin.store.tokens``). Unknown or
revoked tokens get 401, a too-low role 403. The token's name is the identity every action records.
"""

from __future__ import annotations

from typing import Callable

from fastapi import FastAPI, HTTPException, Request

from plugin.db import is_postgres_url
from plugin.store import AuthError, TokenInfo, TokenStore, role_at_least

from .state import state_of

__all__ = ["COOKIE", "authenticate", "bearer_secret", "get_tokens", "require_role"]

COOKIE = "qinglang_token"


def get_tokens(app: FastAPI) -> TokenStore:
    """The app's token store (one per app, opened on first use)."""
    state = state_of(app)
    if state.tokens is None:
        # PostgreSQL: the pool the app's stores share; SQLite: a connection of its own
        shared = is_postgres_url(state.db_path) and getattr(state, "lexicon_store", None) is not None
        state.tokens = TokenStore(state.lexicon_store.db if shared else state.db_path)
    return state.tokens


def bearer_secret(request: Request) -> str:
    """The secret of an ``Authorization: Bearer`` header ('' without one)."""
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    return ""


def authenticate(request: Request, role: str, *, cookie: bool = False) -> TokenInfo:
    """The caller's token if it has at least ``role``; raises 401 / 403 otherwise. The bearer header
    decides; with ``cookie=True`` (the web page only) the login cookie is used when there is none."""
    secret = bearer_secret(request) or (request.cookies.get(COOKIE, "") if cookie else "")
    if not secret:
        hint = "; the web page's login cookie is not accepted here" if COOKIE in request.cookies else ""
        raise HTTPException(401, f"missing API token (Authorization: Bearer <token>){hint}",
                            headers={"WWW-Authenticate": "Bearer"})
    tokens = get_tokens(request.app)
    try:
        info = tokens.verify(secret, "reader")
    except AuthError as exc:
        raise HTTPException(401, str(exc), headers={"WWW-Authenticate": "Bearer"}) from None
    if not role_at_least(info.role, role):
        raise HTTPException(403, f"token {info.name!r} has role {info.role!r}; this needs {role!r}")
    request.state.token = info
    return info


def require_role(role: str, *, cookie: bool = False) -> Callable[[Request], TokenInfo]:
    """A FastAPI dependency granting access to tokens with at least ``role``: bearer tokens only,
    unless ``cookie=True`` (for routes that check a CSRF token and the Origin themselves)."""
    if not role_at_least("admin", role):  # validates the role name
        raise ValueError(role)

    def dependency(request: Request) -> TokenInfo:
        return authenticate(request, role, cookie=cookie)

    dependency.__name__ = f"require_{role}"
    dependency.required_role = role  # type: ignore[attr-defined]  # read by service.apidocs (security scheme)
    return dependency
