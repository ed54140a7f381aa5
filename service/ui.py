"""Server-rendered editor page for the lexicon (``/admin/ui``): search entries, draft, preview, publish,
history, rollback. Plain HTML forms (post → redirect → get); signs in with an API token kept in an
http-only, same-site cookie."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, FastAPI, Form, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.templating import Jinja2Templates

from plugin.store import AuthError, StoreError, TokenInfo, ValidationError

from .auth import COOKIE, authenticate, get_tokens
from .schemas import DB_INT_MAX, DB_INT_MIN, DbIntPath

__all__ = ["install", "router"]

PREFIX = "/admin/ui"
router = APIRouter(prefix=PREFIX, include_in_schema=False)
templates = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))
ACTIONS = ["block", "review", "limit", "label", "allow"]


def install(app: FastAPI) -> None:
    """Add the editor page to ``app``."""
    app.include_router(router)


def _store(request: Request):
    from .admin import get_store

    return get_store(request.app)


def _user(request: Request, role: str = "reader") -> TokenInfo:
    try:
        return authenticate(request, role)
    except HTTPException as exc:
        if exc.status_code == 401:
            raise HTTPException(303, headers={"Location": f"{PREFIX}/login"}) from None
        back = request.headers.get("referer") or f"{PREFIX}/"
        raise HTTPException(303, headers={"Location": _with_msg(back, "err", exc.detail)}) from None


def _with_msg(url: str, key: str, msg: str) -> str:
    base = url.split("?", 1)[0]
    return f"{base}?{key}={quote(str(msg)[:600])}"


def _go(url: str, key: str = "", msg: str = "") -> RedirectResponse:
    return RedirectResponse(_with_msg(url, key, msg) if key else url, status_code=303)


def _render(request: Request, name: str, user: TokenInfo | None, **ctx: Any) -> HTMLResponse:
    ctx.update(user=user, prefix=PREFIX, msg=request.query_params.get("msg", ""),
               err=request.query_params.get("err", ""), actions=ACTIONS)
    return templates.TemplateResponse(request, name, ctx)


def segments(text: str, hits: list[dict]) -> list[tuple[str, bool]]:
    """Split ``text`` into (chunk, is_hit) pieces for highlighting."""
    spans = sorted((h["start"], h["end"]) for h in hits if h.get("action") != "allow")
    out: list[tuple[str, bool]] = []
    pos = 0
    for s, e in spans:
        if s < pos:
            s = pos
        if e <= s:
            continue
        if s > pos:
            out.append((text[pos:s], False))
        out.append((text[s:e], True))
        pos = e
    if pos < len(text):
        out.append((text[pos:], False))
    return out


templates.env.globals["segments"] = segments


def _error_text(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        return "; ".join(str(i) for i in exc.issues if i.level in ("error", "force")) or str(exc)
    return str(exc)


# --------------------------------------------------------------------------- sign in


@router.get("/login", response_class=HTMLResponse)
def login_page(request: Request) -> HTMLResponse:
    return _render(request, "login.html", None)


@router.post("/login")
def login(request: Request, token: str = Form(..., max_length=200)) -> RedirectResponse:
    try:
        get_tokens(request.app).verify(token.strip(), "reader")
    except AuthError as exc:
        return _go(f"{PREFIX}/login", "err", str(exc))
    resp = _go(f"{PREFIX}/")
    resp.set_cookie(COOKIE, token.strip(), httponly=True, samesite="strict", path="/")
    return resp


@router.post("/logout")
def logout() -> RedirectResponse:
    resp = _go(f"{PREFIX}/login")
    resp.delete_cookie(COOKIE, path="/")
    return resp


# --------------------------------------------------------------------------- pages


@router.get("/", response_class=HTMLResponse)
def index(request: Request, q: str = "", category: str = "",
          version: int | None = Query(None, ge=DB_INT_MIN, le=DB_INT_MAX)) -> HTMLResponse:
    user = _user(request)
    store = _store(request)
    store.ensure_seeded()
    res = store.search_entries(version, q=q[:200], category=category or None, limit=200)
    guard = getattr(request.app.state, "guard", None)
    return _render(request, "index.html", user, entries=res, q=q, category=category,
                   categories=sorted(store.categories()), drafts=store.changesets("draft"),
                   versions=store.versions(30), live=store.live_version(),
                   serving=getattr(getattr(guard, "live", None), "version", None))


@router.get("/history", response_class=HTMLResponse)
def history(request: Request, term_id: str) -> HTMLResponse:
    user = _user(request)
    return _render(request, "history.html", user, term_id=term_id, revisions=_store(request).entry_history(term_id))


@router.get("/versions/{number}", response_class=HTMLResponse)
def version_page(request: Request, number: DbIntPath) -> HTMLResponse:
    user = _user(request)
    store = _store(request)
    try:
        info = store.version_info(number)
    except StoreError as exc:
        return _go(f"{PREFIX}/", "err", str(exc))
    d = store.diff(info["parent"], number) if info["parent"] else None
    return _render(request, "version.html", user, info=info, diff=d, live=store.live_version())


@router.post("/rollback")
def rollback(request: Request, to_version: int = Form(..., ge=DB_INT_MIN, le=DB_INT_MAX),
             note: str = Form("", max_length=2000)) -> RedirectResponse:
    user = _user(request, "editor")
    try:
        cs = _store(request).request_rollback(to_version, author=user.name, note=note)
    except StoreError as exc:
        return _go(f"{PREFIX}/", "err", _error_text(exc))
    return _go(f"{PREFIX}/changesets/{cs}", "msg",
               f"rollback to version {to_version} drafted as #{cs}; an approver publishes it")


# --------------------------------------------------------------------------- drafts


@router.post("/changesets")
def new_changeset(request: Request, note: str = Form("", max_length=2000)) -> RedirectResponse:
    user = _user(request, "editor")
    cs = _store(request).create_changeset(user.name, note)
    return _go(f"{PREFIX}/changesets/{cs}", "msg", f"draft #{cs} opened")


@router.get("/changesets/{cs_id}", response_class=HTMLResponse)
def changeset_page(request: Request, cs_id: DbIntPath, preview: int = Query(0, ge=DB_INT_MIN, le=DB_INT_MAX)) -> HTMLResponse:
    user = _user(request)
    store = _store(request)
    try:
        cs = store.changeset(cs_id)
    except StoreError as exc:
        return _go(f"{PREFIX}/", "err", str(exc))
    issues = [i.to_dict() for i in store.validate_changeset(cs_id)] if cs["status"] == "draft" else []
    report = None
    if preview and cs["status"] == "draft":
        from .admin import _live_matcher_for

        report = store.preview(cs_id, base_matcher=_live_matcher_for(request, int(cs["base_version"]))).to_dict()
    return _render(request, "changeset.html", user, cs=cs, issues=issues, report=report,
                   live=store.live_version(), categories=sorted(store.categories()))


@router.post("/changesets/{cs_id}/change")
def change(request: Request, cs_id: DbIntPath, op: str = Form(...), term: str = Form("", max_length=200),
           category: str = Form("", max_length=40), action: str = Form(""), severity: str = Form(""),
           note: str = Form("", max_length=2000), valid_from: str = Form(""), valid_to: str = Form(""),
           term_id: str = Form("", max_length=200), force: str = Form("")) -> RedirectResponse:
    user = _user(request, "editor")
    store = _store(request)
    url = f"{PREFIX}/changesets/{cs_id}"
    entry: dict[str, Any] | None = None
    try:
        if op in ("add", "edit"):
            if op == "edit":
                base = int(store.changeset(cs_id)["base_version"])
                current = store.entry_map(base).get(term_id)
                if current is None:
                    return _go(url, "err", f"{term_id!r} is not in version {base}")
                entry = current.to_dict()
            else:
                entry = {"term": term}  # as typed: the parser reports empty / whitespace terms
            for k, v in (("term", term), ("category", category), ("action", action), ("note", note),
                         ("valid_from", valid_from), ("valid_to", valid_to)):
                if v.strip():
                    entry[k] = v.strip()
            if severity.strip():
                entry["severity"] = severity.strip()
        res = store.set_change(cs_id, op, entry=entry, term_id=term_id.strip() or None, force=bool(force),
                               editor=user.name)
    except StoreError as exc:
        return _go(url, "err", _error_text(exc))
    done = ", ".join(f"{c['op']} {c['term_id']}" for c in res["changes"])
    return _go(url, "msg", f"drafted: {done}")


@router.post("/changesets/{cs_id}/drop")
def drop(request: Request, cs_id: DbIntPath, term_id: str = Form(...)) -> RedirectResponse:
    user = _user(request, "editor")
    url = f"{PREFIX}/changesets/{cs_id}"
    try:
        _store(request).drop_change(cs_id, term_id, editor=user.name)
    except StoreError as exc:
        return _go(url, "err", str(exc))
    return _go(url, "msg", f"dropped the change of {term_id}")


@router.post("/changesets/{cs_id}/publish")
def publish(request: Request, cs_id: DbIntPath, expected_revision: int = Form(..., ge=DB_INT_MIN, le=DB_INT_MAX),
            note: str = Form("", max_length=2000), force: str = Form("")) -> RedirectResponse:
    user = _user(request, "approver")
    store = _store(request)
    url = f"{PREFIX}/changesets/{cs_id}"
    from .admin import _live_matcher_for

    try:
        base = int(store.changeset(cs_id)["base_version"])
        n = store.publish(cs_id, approver=user.name, expected_revision=expected_revision, note=note.strip() or None,
                          force=bool(force), base_matcher=_live_matcher_for(request, base))
    except StoreError as exc:
        return _go(url, "err", _error_text(exc))
    _poke(request)
    return _go(f"{PREFIX}/versions/{n}", "msg", f"version {n} published")


@router.post("/changesets/{cs_id}/rebase")
def rebase(request: Request, cs_id: DbIntPath) -> RedirectResponse:
    _user(request, "editor")
    url = f"{PREFIX}/changesets/{cs_id}"
    try:
        res = _store(request).rebase_changeset(cs_id)
    except StoreError as exc:
        return _go(url, "err", str(exc))
    extra = f"; also changed meanwhile: {', '.join(res['overlapping'])}" if res["overlapping"] else ""
    return _go(url, "msg", f"rebased onto version {res['to_version']}{extra}")


@router.post("/changesets/{cs_id}/discard")
def discard(request: Request, cs_id: DbIntPath) -> RedirectResponse:
    _user(request, "editor")
    try:
        _store(request).discard_changeset(cs_id)
    except StoreError as exc:
        return _go(f"{PREFIX}/changesets/{cs_id}", "err", str(exc))
    return _go(f"{PREFIX}/", "msg", f"draft #{cs_id} discarded")


def _poke(request: Request) -> None:
    from .admin import _poke as poke

    poke(request)
