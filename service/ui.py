"""Server-rendered editor page for the lexicon (``/admin/ui``): search entries, draft, preview, publish,
history, rollback. Plain HTML forms (post → redirect → get), no scripts; signs in with an API token kept
in an http-only, same-site (strict) cookie, ``Secure`` over https.

Every form post must come from the page itself: its ``Origin`` (or, without one, its ``Referer``) must be
this site's origin, and a post authenticated by the cookie must carry the page's CSRF token (a hash of the
signed-in token, so it needs no server state and holds across worker processes). Redirects only ever go
to paths of this page. The security headers (CSP, frame denial, referrer policy) are in
:mod:`service.headers`.
"""

from __future__ import annotations

import hashlib
import hmac
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote, urlsplit

from fastapi import APIRouter, Depends, Form, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from markupsafe import Markup

from plugin.store import AuthError, LexiconStore, StoreError, TokenInfo, ValidationError

from .auth import COOKIE, authenticate, bearer_secret, get_tokens
from .editorial import get_store, live_matcher_for, reload_now
from .schemas import DB_INT_MAX, DB_INT_MIN, DbIntPath, Note, Term, Word
from .state import state_of

__all__ = ["CSRF_FIELD", "PREFIX", "csrf_token", "router", "same_origin"]

PREFIX = "/admin/ui"
#: Name of the hidden form field carrying the CSRF token.
CSRF_FIELD = "csrf_token"
_SAFE_METHODS = ("GET", "HEAD", "OPTIONS")
_STATIC = Path(__file__).parent / "static"


def csrf_token(secret: str) -> str:
    """The CSRF token of the page signed in with the API token ``secret`` (an HMAC keyed by the secret:
    a cross-site attacker, who cannot read the http-only cookie, cannot compute it)."""
    return hmac.new(secret.encode("utf-8"), b"qinglang-ui-csrf-v1", hashlib.sha256).hexdigest()


def _origin(url: str) -> tuple[str, str, int] | None:
    """(scheme, host, port) of an http(s) URL; None for anything else (``null``, garbage)."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    return parts.scheme, parts.hostname.lower(), port or (443 if parts.scheme == "https" else 80)


def same_origin(request: Request, url: str) -> bool:
    """Whether ``url`` (an Origin or Referer value) has this request's own origin (scheme, host, port)."""
    theirs = _origin(url)
    return theirs is not None and theirs == _origin(str(request.base_url))


async def _check_post(request: Request) -> None:
    """Router dependency: state-changing requests must come from this page (Origin / Referer) and, when
    the login cookie authenticates them, carry the CSRF token. 403 otherwise."""
    if request.method in _SAFE_METHODS:
        return
    origin = request.headers.get("origin")
    source = origin if origin is not None else request.headers.get("referer")
    if source is None:
        raise HTTPException(403, "cross-site request refused: the request has neither Origin nor Referer")
    if not same_origin(request, source):
        raise HTTPException(403, f"cross-site request refused: {'Origin' if origin is not None else 'Referer'} "
                                 f"{source[:200]!r} is not this site")
    secret = request.cookies.get(COOKIE, "")
    if bearer_secret(request) or not secret or request.url.path == f"{PREFIX}/login":
        return  # no ambient credential in use (a bearer header, or not signed in: the route redirects)
    sent = (await request.form()).get(CSRF_FIELD)
    if not isinstance(sent, str) or not hmac.compare_digest(sent.encode(), csrf_token(secret).encode()):
        raise HTTPException(403, "missing or wrong CSRF token: reload the page and try again")


router = APIRouter(prefix=PREFIX, include_in_schema=False, dependencies=[Depends(_check_post)])

#: Form fields of free text: the same rules as the JSON API's (``Annotated[..., Form()]``: a ``Form()``
#: default would drop the type's validators), so control characters are a 422 naming the field.
NoteField = Annotated[Note, Form()]
TermField = Annotated[Term, Form()]
ShortField = Annotated[Word, Form()]

templates = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))
ACTIONS = ["block", "review", "limit", "label", "allow"]


def _store(request: Request) -> LexiconStore:
    return get_store(request.app)


def _user(request: Request, role: str = "reader") -> TokenInfo:
    try:
        return authenticate(request, role, cookie=True)
    except HTTPException as exc:
        if exc.status_code == 401:
            raise HTTPException(303, headers={"Location": f"{PREFIX}/login"}) from None
        raise HTTPException(303, headers={"Location": _with_msg(_back(request), "err", exc.detail)}) from None


def _back(request: Request) -> str:
    """Where to send the user back to: the path of the ``Referer`` when it is a page of this site, else
    the start page (an attacker-supplied Referer never yields an off-site ``Location``)."""
    referer = request.headers.get("referer", "")
    if referer and same_origin(request, referer):
        path = urlsplit(referer).path
        if (path == PREFIX or path.startswith(PREFIX + "/")) and "\\" not in path and "//" not in path:
            return path
    return f"{PREFIX}/"


def _with_msg(url: str, key: str, msg: str) -> str:
    base = url.split("?", 1)[0]
    return f"{base}?{key}={quote(str(msg)[:600])}"


def _go(url: str, key: str = "", msg: str = "") -> RedirectResponse:
    return RedirectResponse(_with_msg(url, key, msg) if key else url, status_code=303)


def _render(request: Request, name: str, user: TokenInfo | None, **ctx: Any) -> HTMLResponse:
    secret = request.cookies.get(COOKIE, "")
    token = csrf_token(secret) if secret else ""
    ctx.update(user=user, prefix=PREFIX, msg=request.query_params.get("msg", ""),
               err=request.query_params.get("err", ""), actions=ACTIONS,
               csrf_input=Markup(f'<input type="hidden" name="{CSRF_FIELD}" value="{token}">'))
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


@router.get("/editor.css")
def stylesheet() -> Response:
    """The page's stylesheet (a file of its own: the CSP allows no inline styles)."""
    return Response((_STATIC / "editor.css").read_bytes(), media_type="text/css")


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
    resp.set_cookie(COOKIE, token.strip(), httponly=True, samesite="strict", path="/",
                    secure=request.url.scheme == "https")
    return resp


@router.post("/logout")
def logout(request: Request) -> RedirectResponse:
    resp = _go(f"{PREFIX}/login")
    resp.delete_cookie(COOKIE, path="/", httponly=True, samesite="strict", secure=request.url.scheme == "https")
    return resp


# --------------------------------------------------------------------------- pages


@router.get("/", response_class=HTMLResponse)
def index(request: Request, q: str = "", category: str = "",
          version: int | None = Query(None, ge=DB_INT_MIN, le=DB_INT_MAX)) -> HTMLResponse:
    user = _user(request)
    store = _store(request)
    store.ensure_seeded()
    res = store.search_entries(version, q=q[:200], category=category or None, limit=200)
    return _render(request, "index.html", user, entries=res, q=q, category=category,
                   categories=sorted(store.categories()), drafts=store.changesets("draft"),
                   versions=store.versions(30), live=store.live_version(),
                   serving=state_of(request.app).live.version)


@router.get("/history", response_class=HTMLResponse)
def history(request: Request, term_id: str) -> HTMLResponse:
    user = _user(request)
    return _render(request, "history.html", user, term_id=term_id, revisions=_store(request).entry_history(term_id))


@router.get("/versions/{number}", response_class=HTMLResponse)
def version_page(request: Request, number: DbIntPath) -> Response:
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
             note: NoteField = "") -> RedirectResponse:
    user = _user(request, "editor")
    try:
        cs = _store(request).request_rollback(to_version, author=user.name, note=note)
    except StoreError as exc:
        return _go(f"{PREFIX}/", "err", _error_text(exc))
    return _go(f"{PREFIX}/changesets/{cs}", "msg",
               f"rollback to version {to_version} drafted as #{cs}; an approver publishes it")


# --------------------------------------------------------------------------- drafts


@router.post("/changesets")
def new_changeset(request: Request, note: NoteField = "") -> RedirectResponse:
    user = _user(request, "editor")
    cs = _store(request).create_changeset(user.name, note)
    return _go(f"{PREFIX}/changesets/{cs}", "msg", f"draft #{cs} opened")


@router.get("/changesets/{cs_id}", response_class=HTMLResponse)
def changeset_page(request: Request, cs_id: DbIntPath,
                   preview: int = Query(0, ge=DB_INT_MIN, le=DB_INT_MAX)) -> Response:
    user = _user(request)
    store = _store(request)
    try:
        cs = store.changeset(cs_id)
    except StoreError as exc:
        return _go(f"{PREFIX}/", "err", str(exc))
    issues = [i.to_dict() for i in store.validate_changeset(cs_id)] if cs["status"] == "draft" else []
    report = None
    if preview and cs["status"] == "draft":
        base_matcher = live_matcher_for(request.app, int(cs["base_version"]))
        report = store.preview(cs_id, base_matcher=base_matcher).to_dict()
    return _render(request, "changeset.html", user, cs=cs, issues=issues, report=report,
                   live=store.live_version(), categories=sorted(store.categories()))


@router.post("/changesets/{cs_id}/change")
def change(request: Request, cs_id: DbIntPath, op: str = Form(..., max_length=20), term: TermField = "",
           category: ShortField = "", action: ShortField = "", severity: ShortField = "", note: NoteField = "",
           valid_from: ShortField = "", valid_to: ShortField = "", term_id: TermField = "",
           force: str = Form("", max_length=20)) -> RedirectResponse:
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
def drop(request: Request, cs_id: DbIntPath, term_id: TermField) -> RedirectResponse:
    user = _user(request, "editor")
    url = f"{PREFIX}/changesets/{cs_id}"
    try:
        _store(request).drop_change(cs_id, term_id, editor=user.name)
    except StoreError as exc:
        return _go(url, "err", str(exc))
    return _go(url, "msg", f"dropped the change of {term_id}")


@router.post("/changesets/{cs_id}/publish")
def publish(request: Request, cs_id: DbIntPath, expected_revision: int = Form(..., ge=DB_INT_MIN, le=DB_INT_MAX),
            note: NoteField = "", force: str = Form("", max_length=20)) -> RedirectResponse:
    user = _user(request, "approver")
    store = _store(request)
    url = f"{PREFIX}/changesets/{cs_id}"
    try:
        base = int(store.changeset(cs_id)["base_version"])
        n = store.publish(cs_id, approver=user.name, expected_revision=expected_revision, note=note.strip() or None,
                          force=bool(force), base_matcher=live_matcher_for(request.app, base))
    except StoreError as exc:
        return _go(url, "err", _error_text(exc))
    reload_now(request.app)
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

