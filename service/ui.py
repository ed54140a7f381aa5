"""Server-rendered editor page for the lexicon (``/admin/ui``): search entries, draft, preview, publish,
history, rollback. Plain HTML forms (post → redirect → get), no scripts; signs in with an API token kept
in an http-only, same-site (strict) cookie, ``Secure`` over https.

Every form post must come from the page itself: its ``Origin`` (or, without one, its ``Referer``) must be
this site's origin, and a post authenticated by the cookie must carry the page's CSRF token (a hash of the
signed-in token, so it needs no server state and holds across worker processes). Redirects only ever go
to paths of this page. A redirect's message (done / refused) travels in a short-lived http-only, same-site
cookie read once by the next page, never in the URL: a link from elsewhere cannot make the console show text. The security headers (CSP, frame denial, referrer policy) are in
:mod:`service.headers`.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import threading
from collections import OrderedDict
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote, unquote, urlsplit

import anyio
from fastapi import APIRouter, Depends, Form, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from markupsafe import Markup

from plugin.review.store import ReviewConflict
from plugin.store import (AuthError, ConflictError, FourEyesError, LexiconStore, NotFoundError, StoreError, TokenInfo,
                          ValidationError, role_at_least)

from .auth import COOKIE, authenticate, bearer_secret, get_tokens
from . import previews
from .editorial import draft_issues, get_store, live_matcher_for, reload_now, whole_lexicon_read
from .errors import ServiceError
from .i18n import LANG_COOKIE, LANGS, MESSAGES, Words, words
from .schemas import DB_INT_MAX, DB_INT_MIN, DbIntPath, Note, Term, Word
from .state import state_of

__all__ = ["ACTIONS", "CSRF_FIELD", "FLASH_COOKIE", "PREFIX", "back_to", "go_to", "ShortField", "TermField", "NoteField", "check_post", "csrf_token", "error_text", "go", "page_user", "page_words", "render", "router",
           "same_origin", "store_of"]

PREFIX = "/admin/ui"
#: Cookie carrying a redirect's message to the next page (read once, then cleared).
FLASH_COOKIE = "qg_flash"
#: Message kinds a flash may carry: done (``msg``) and refused (``err``).
_FLASH_KINDS = ("msg", "err")
#: Longest message a flash carries (characters).
_FLASH_MAX = 600
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


async def check_post(request: Request) -> None:
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


router = APIRouter(prefix=PREFIX, include_in_schema=False, dependencies=[Depends(check_post)])

#: Form fields of free text: the same rules as the JSON API's (``Annotated[..., Form()]``: a ``Form()``
#: default would drop the type's validators), so control characters are a 422 naming the field.
NoteField = Annotated[Note, Form()]
TermField = Annotated[Term, Form()]
ShortField = Annotated[Word, Form()]

templates = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))
ACTIONS = ["block", "review", "limit", "label", "allow"]


def store_of(request: Request) -> LexiconStore:
    return get_store(request.app)


def page_user(request: Request, role: str = "reader") -> TokenInfo:
    try:
        return authenticate(request, role, cookie=True)
    except HTTPException as exc:
        if exc.status_code == 401:
            raise HTTPException(303, headers={"Location": f"{PREFIX}/login"}) from None
        moved = go(back_to(request), "err", str(exc.detail))
        raise HTTPException(303, headers={"Location": moved.headers["location"],
                                          "Set-Cookie": moved.headers["set-cookie"]}) from None


def back_to(request: Request) -> str:
    """Where to send the user back to: the path of the ``Referer`` when it is a page of this site, else
    the start page (an attacker-supplied Referer never yields an off-site ``Location``)."""
    referer = request.headers.get("referer", "")
    if referer and same_origin(request, referer):
        path = urlsplit(referer).path
        if (path == PREFIX or path.startswith(PREFIX + "/")) and "\\" not in path and "//" not in path:
            return path
    return f"{PREFIX}/"


def go(url: str, key: str = "", msg: str = "") -> RedirectResponse:
    """A 303 to ``url`` (a page of this site) carrying the message ``msg`` of kind ``key`` (``msg`` done,
    ``err`` refused) to the next page in :data:`FLASH_COOKIE`."""
    resp = RedirectResponse(url, status_code=303)
    if key:
        if key not in _FLASH_KINDS:
            raise ValueError(f"flash kind {key!r} is not one of {_FLASH_KINDS}")
        resp.set_cookie(FLASH_COOKIE, quote(json.dumps({key: str(msg)[:_FLASH_MAX]}, ensure_ascii=False)),
                        max_age=300, path=PREFIX, httponly=True, samesite="strict")
    return resp


def flash_of(request: Request) -> dict[str, str]:
    """The message a redirect left for this page (:func:`go`): ``{"msg": …}`` or ``{"err": …}``, else empty.
    A cookie that does not parse is ignored."""
    raw = request.cookies.get(FLASH_COOKIE)
    if not raw:
        return {}
    try:
        data = json.loads(unquote(raw))
    except ValueError:
        return {}
    if not isinstance(data, dict):
        return {}
    return {k: v[:_FLASH_MAX] for k, v in data.items() if k in _FLASH_KINDS and isinstance(v, str)}


def page_words(request: Request) -> Words:
    """The signed-in user's words: language from ``?lang=`` or the language cookie, else the service's
    ``console_language``; times in ``display_timezone``."""
    config = getattr(state_of(request.app), "config", None)
    zone = getattr(config, "display_timezone", "Asia/Shanghai")
    default = getattr(config, "console_language", "zh")
    lang = request.query_params.get("lang") or request.cookies.get(LANG_COOKIE)
    return words(lang, zone, default)


def render(request: Request, name: str, user: TokenInfo | None, **ctx: Any) -> HTMLResponse:
    """Render a page template with the frame's context (user, words, CSRF field, messages)."""
    secret = request.cookies.get(COOKIE, "")
    token = csrf_token(secret) if secret else ""
    w = page_words(request)
    flash = flash_of(request)
    ctx.update(user=user, prefix=PREFIX, msg=flash.get("msg", ""), err=flash.get("err", ""), actions=ACTIONS, w=w,
               t=w.t, lang=w.lang, path=request.url.path,
               csrf_input=Markup(f'<input type="hidden" name="{CSRF_FIELD}" value="{token}">'))
    resp = templates.TemplateResponse(request, name, ctx)
    if FLASH_COOKIE in request.cookies:
        resp.delete_cookie(FLASH_COOKIE, path=PREFIX, httponly=True, samesite="strict")
    chosen = request.query_params.get("lang")
    if chosen in LANGS:
        resp.set_cookie(LANG_COOKIE, chosen, httponly=True, samesite="strict", path=PREFIX,
                        secure=request.url.scheme == "https", max_age=365 * 86400)
    return resp


def segments(text: str, hits: list[dict[str, Any]]) -> list[tuple[str, bool]]:
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


#: Matchers compiled for entry searches of a draft or an older version, kept per process (most recent first).
SEARCH_MATCHERS = 4
#: Held while such a matcher compiles (seconds of CPU at 100k entries, and any reader can ask for one): one
#: compile at a time per process; a search that would start a second one is refused.
SEARCH_COMPILE = threading.Lock()
_SEARCH_CACHE_LOCK = threading.Lock()


class SearchBusy(Exception):
    """Another entry search is compiling a matcher in this process."""


def _search_matcher(request: Request, key: tuple[Any, ...], build: Any) -> Any:
    """The matcher ``build()`` compiles for an entry search, cached under ``key`` (a version number, or a
    draft and its revision); :class:`SearchBusy` when another compile is running."""
    with _SEARCH_CACHE_LOCK:
        cache: OrderedDict[tuple[Any, ...], Any] | None = getattr(request.app.state, "search_matchers", None)
        if cache is None:
            cache = request.app.state.search_matchers = OrderedDict()
        if key in cache:
            cache.move_to_end(key)
            return cache[key]
    if not SEARCH_COMPILE.acquire(blocking=False):
        raise SearchBusy("another entry search is compiling its matcher; try again in a moment")
    try:
        matcher = build()
    finally:
        SEARCH_COMPILE.release()
    with _SEARCH_CACHE_LOCK:
        cache[key] = matcher
        while len(cache) > SEARCH_MATCHERS:
            cache.popitem(last=False)
    return matcher


#: Error kind -> message key of its headline (the most specific class first).
_ERROR_KEYS: tuple[tuple[type[Exception], str], ...] = (
    (FourEyesError, "error.four_eyes"), (ConflictError, "error.conflict"), (NotFoundError, "error.not_found"),
    (AuthError, "error.auth"), (ValidationError, "error.validation"), (previews.PreviewBusy, "error.busy"),
    (SearchBusy, "error.search_busy"), (ReviewConflict, "error.review_conflict"),
    (UnicodeDecodeError, "error.encoding"), (StoreError, "error.store"),
)


def error_text(exc: Exception, request: Request) -> str:
    """An error as the editor reads it: in Chinese, a headline for its kind (and for each validation issue,
    one for the issue's kind) with the store's own words after it; in English, the store's words."""
    w = page_words(request)
    if isinstance(exc, ValidationError):
        issues = [i for i in exc.issues if i.level in ("error", "force")]
        if not issues:
            return str(exc)
        if w.lang == "en":
            return "; ".join(str(i) for i in issues)
        return "；".join(f"{w.t('issue.' + i.code) if 'issue.' + i.code in MESSAGES else w.t('error.validation')}"
                        f"（{i}）" for i in issues)
    detail = str(exc)
    if w.lang == "en":
        return detail
    key = next((k for cls, k in _ERROR_KEYS if isinstance(exc, cls)), "error.store")
    return f"{w.t(key)}（{detail}）"


# --------------------------------------------------------------------------- sign in


@router.get("/editor.css")
def stylesheet() -> Response:
    """The page's stylesheet (a file of its own: the CSP allows no inline styles)."""
    return Response((_STATIC / "editor.css").read_bytes(), media_type="text/css")


@router.get("/console.js")
def script() -> Response:
    """The console's one script (keyboard shortcuts of the review desk); a file of its own: the CSP allows
    scripts from this site only, never inline."""
    return Response((_STATIC / "console.js").read_bytes(), media_type="text/javascript")


@router.get("/login", response_class=HTMLResponse)
def login_page(request: Request) -> HTMLResponse:
    return render(request, "login.html", None)


@router.post("/login")
def login(request: Request, token: str = Form(..., max_length=200)) -> RedirectResponse:
    try:
        get_tokens(request.app).verify(token.strip(), "reader")
    except AuthError as exc:
        return go(f"{PREFIX}/login", "err", error_text(exc, request))
    resp = go(f"{PREFIX}/")
    resp.set_cookie(COOKIE, token.strip(), httponly=True, samesite="strict", path="/",
                    secure=request.url.scheme == "https")
    return resp


@router.post("/logout")
def logout(request: Request) -> RedirectResponse:
    resp = go(f"{PREFIX}/login")
    resp.delete_cookie(COOKIE, path="/", httponly=True, samesite="strict", secure=request.url.scheme == "https")
    return resp


# --------------------------------------------------------------------------- pages

#: Entries per page of the entry list.
PAGE_SIZE = 50
#: Changes per page of a draft's page (an import drafts tens of thousands: one page of them all took seconds).
CHANGES_PER_PAGE = 500
DateField = Annotated[str, Query(max_length=10, pattern=r"^(\d{4}-\d{2}-\d{2})?$")]


def _drafts_of(store: LexiconStore, user: TokenInfo) -> list[dict[str, Any]]:
    """Open drafts, the user's own first (where a toggle or a suggestion goes by default)."""
    drafts = store.changesets("draft")
    return sorted(drafts, key=lambda d: (str(d["author"]).casefold() != user.name.casefold(), -int(d["id"])))


@router.get("/", response_class=HTMLResponse)
def index(request: Request, q: str = Query("", max_length=200), category: str = Query("", max_length=40),
          action: str = Query("", max_length=20), tag: str = Query("", max_length=40),
          author: str = Query("", max_length=200), changed_from: DateField = "", changed_to: DateField = "",
          state: str = Query("", pattern=r"^(enabled|disabled)?$"),
          page: int = Query(1, ge=1, le=100_000), versions: int = Query(10, ge=1, le=1000),
          version: int | None = Query(None, ge=DB_INT_MIN, le=DB_INT_MAX),
          draft: str = Query("", alias="changeset", pattern=r"^\d{0,18}$")) -> Response:
    """The entry list (paged, filtered; the search also runs the query through the compiled matcher of the
    version shown — or of a draft, ``changeset`` — so ``bjl`` finds 百家乐), drafts and versions."""
    user = page_user(request)
    store = store_of(request)
    store.ensure_seeded()
    live = store.live_version()
    shown = version if version is not None else live
    changeset = int(draft) if draft else None  # the form sends "" for the live version
    matcher = None
    try:
        with contextlib.ExitStack() as held:
            if shown != live:  # another version is parsed whole (the store keeps a few): one of the process's slots
                held.enter_context(whole_lexicon_read(request.app, f"entries of version {shown}"))
            if changeset is not None:
                if q.strip():
                    revision = store.changeset(changeset)["revision"]
                    matcher = _search_matcher(request, ("draft", changeset, revision), lambda: store.matcher_factory(
                        store.draft_entries(changeset), f"draft#{changeset}"))
            else:
                matcher = live_matcher_for(request.app, shown) if shown is not None else None
                if matcher is None and q.strip() and shown is not None:
                    matcher = _search_matcher(request, ("version", shown), lambda: store.build_matcher(shown))
            res = store.search_entries(shown, q=q, category=category or None, action=action or None,
                                       tag=tag or None, author=author or None, changed_from=changed_from or None,
                                       changed_to=changed_to or None,
                                       enabled=None if not state else state == "enabled", matcher=matcher,
                                       changeset=changeset, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE)
            tags = sorted({t for e in store.entries(shown) for t in e.tags}) if shown is not None else []
    except (StoreError, SearchBusy) as exc:
        return go(f"{PREFIX}/", "err", error_text(exc, request))
    except ServiceError as exc:  # every whole-lexicon read slot is taken: the page says so
        return go(f"{PREFIX}/", "err", exc.detail)
    pages = max(1, -(-res["total"] // PAGE_SIZE))
    filters = {k: v for k, v in (("q", q), ("category", category), ("action", action), ("tag", tag),
                                 ("author", author), ("changed_from", changed_from), ("changed_to", changed_to),
                                 ("state", state), ("changeset", "" if changeset is None else str(changeset)),
                                 ("version", "" if version is None else str(version))) if v}
    return render(request, "index.html", user, entries=res, filters=filters, page=page, pages=pages,
                  categories=sorted(store.categories()), tags=tags, drafts=_drafts_of(store, user),
                  versions=store.versions(versions), more_versions=versions * 3, live=live, serving=state_of(request.app).live.version)


@router.post("/entries/toggle")
def toggle_entry(request: Request, term_id: TermField, enabled: str = Form(..., pattern=r"^(true|false)$"),
                 changeset: int = Form(0, ge=0, le=DB_INT_MAX)) -> RedirectResponse:
    """Enable or disable an entry without deleting it: an ``edit`` change in a draft (``changeset``, or a
    new one), versioned and published like any other edit; a disabled entry is not compiled."""
    user = page_user(request, "editor")
    store = store_of(request)
    w = page_words(request)
    try:
        base = int(store.changeset(changeset)["base_version"]) if changeset else store.ensure_seeded()
        current = store.entry_map(base).get(term_id)
        if current is None:
            return go(back_to(request), "err", f"{term_id!r} is not in version {base}")
        entry = current.to_dict()
        entry.pop("enabled", None)
        if enabled == "false":
            entry["enabled"] = False
        note = w.t("do.enable" if enabled == "true" else "do.disable") + f" {term_id}"
        cs_id = store.set_change(changeset or None, "edit", entry=entry, term_id=term_id, editor=user.name,
                                 note=note)["changeset_id"]  # a new draft only with its change
    except StoreError as exc:
        return go(back_to(request), "err", error_text(exc, request))
    state = w.t("enabled" if enabled == "true" else "disabled")
    return go(back_to(request), "msg", w.t("msg.toggled", term_id=term_id, state=state, id=cs_id))


def _plain(value: Any) -> str:
    """A nested field value (a variant's context, a list of words) as plain text, no JSON."""
    if isinstance(value, dict):
        return "；".join(f"{k}: {_plain(v)}" for k, v in value.items())
    if isinstance(value, list):
        return "、".join(_plain(v) for v in value)
    return str(value)


def _variant(v: Any, w: Words) -> str:
    """A curated variant: its text, and its technique and context when it has them (an edit may change only those)."""
    if not isinstance(v, dict):
        return str(v)
    extra = [w.name("technique", str(v["technique"])) if k == "technique" else f"{k}: {_plain(val)}"
             for k, val in v.items() if k != "text"]
    return str(v.get("text", "")) + (f"（{'；'.join(extra)}）" if extra else "")


def _fields(entry: dict[str, Any] | None, w: Words) -> dict[str, tuple[str, str]]:
    """Stored field name -> (display name, readable value) of every field of ``entry``."""
    out: dict[str, tuple[str, str]] = {}
    for key, value in (entry or {}).items():
        if key == "action":
            value = w.name("action", value)
        elif key == "category":
            value = f"{w.name('category', value)}（{value}）"
        elif key == "enabled":
            value = w.t("enabled" if value else "disabled")
        elif key == "techniques":
            value = "、".join(w.name("technique", v) for v in value)
        elif key == "surface_actions":
            value = "、".join(f"{w.name('surface', s)}：{w.name('action', a)}" for s, a in value.items())
        elif key == "variants":
            value = "、".join(_variant(v, w) for v in value)
        elif isinstance(value, (dict, list)):
            value = _plain(value)
        out[key] = (w.t(f"col.{key}") if f"col.{key}" in _COLUMN_KEYS else key, str(value))
    return out


def _readable(entry: dict[str, Any] | None, w: Words) -> list[tuple[str, str]]:
    """An entry as (field, value) pairs a person reads (display names, no JSON); the term and category too: an
    entry with its own ``id`` is not named by its term id."""
    return [pair for key, pair in _fields(entry, w).items() if key != "id"]


_COLUMN_KEYS = {"col.action", "col.severity", "col.note", "col.tags", "col.term", "col.category"}


def _entry_diff(before: dict[str, Any] | None, after: dict[str, Any] | None, w: Words) -> list[tuple[str, str, str]]:
    """(field, before, after) of every stored field that differs, readable; a difference the readable form does
    not show (it drops some detail) is shown as the stored JSON, so no change of an entry goes unseen."""
    b_raw, a_raw = before or {}, after or {}
    b, a = _fields(before, w), _fields(after, w)
    out = []
    for key in dict.fromkeys([*b_raw, *a_raw]):
        if b_raw.get(key) == a_raw.get(key):
            continue
        name = (b.get(key) or a[key])[0]
        old, new = b.get(key, ("", ""))[1], a.get(key, ("", ""))[1]
        if old == new:
            old, new = (json.dumps(raw.get(key), ensure_ascii=False, sort_keys=True) for raw in (b_raw, a_raw))
        out.append((name, old, new))
    return out


templates.env.globals["entry_diff"] = _entry_diff
templates.env.globals["readable"] = _readable


@router.get("/history", response_class=HTMLResponse)
def history(request: Request, term_id: str = Query(..., max_length=200)) -> HTMLResponse:
    user = page_user(request)
    revisions = store_of(request).entry_history(term_id)
    for before, after in zip([None, *revisions], revisions):
        after["previous"] = before["entry"] if before is not None and before["until_version"] == after["since_version"] else None
    return render(request, "history.html", user, term_id=term_id, revisions=revisions)


@router.get("/versions/{number}", response_class=HTMLResponse)
def version_page(request: Request, number: DbIntPath) -> Response:
    user = page_user(request)
    store = store_of(request)
    try:
        info = store.version_info(number)
    except StoreError as exc:
        return go(f"{PREFIX}/", "err", error_text(exc, request))
    try:
        with whole_lexicon_read(request.app, f"the diff of version {number}"):
            d = store.diff(info["parent"], number) if info["parent"] else None
    except ServiceError as exc:  # every whole-lexicon read slot is taken: the page says so
        return go(f"{PREFIX}/", "err", exc.detail)
    return render(request, "version.html", user, info=info, diff=d, live=store.live_version())


@router.post("/rollback")
def rollback(request: Request, to_version: int = Form(..., ge=DB_INT_MIN, le=DB_INT_MAX),
             note: NoteField = "") -> RedirectResponse:
    user = page_user(request, "editor")
    try:
        cs = store_of(request).request_rollback(to_version, author=user.name, note=note)
    except StoreError as exc:
        return go(f"{PREFIX}/", "err", error_text(exc, request))
    return go(f"{PREFIX}/changesets/{cs}", "msg", page_words(request).t("msg.rollback", to=to_version, id=cs))


# --------------------------------------------------------------------------- drafts


@router.post("/changesets")
def new_changeset(request: Request, note: NoteField = "") -> RedirectResponse:
    user = page_user(request, "editor")
    cs = store_of(request).create_changeset(user.name, note)
    return go(f"{PREFIX}/changesets/{cs}", "msg", page_words(request).t("msg.draft_opened", id=cs))


@router.get("/changesets/{cs_id}", response_class=HTMLResponse)
def changeset_page(request: Request, cs_id: DbIntPath,
                   preview: int = Query(0, ge=DB_INT_MIN, le=DB_INT_MAX),
                   corpus: str = Query("default", pattern=r"^(default|queries)$"),
                   job: str = Query("", max_length=40), page: int = Query(1, ge=1, le=1_000_000)) -> Response:
    """A draft: its changes (readable diffs), the forms, and the preview — run here when the corpus is
    small, else as a background job whose progress this page shows (it refreshes itself)."""
    user = page_user(request)
    store = store_of(request)
    try:
        cs = store.changeset(cs_id)
    except StoreError as exc:
        return go(f"{PREFIX}/", "err", error_text(exc, request))
    try:
        issues = draft_issues(request.app, cs)
    except ServiceError as exc:  # every whole-lexicon read slot is taken: the page says so
        return go(f"{PREFIX}/", "err", exc.detail)
    report, running, lost = None, None, False
    if job:
        found = previews.get(store, job)
        if found is None or found.changeset_id != cs_id:
            lost = True
        elif found.report is not None:
            report = found.report
        elif found.error:
            return go(f"{PREFIX}/changesets/{cs_id}", "err", found.error)
        else:
            running = found
    elif preview and cs["status"] == "draft":
        if not role_at_least(user.role, "editor"):  # as POST /v1/admin/changesets/{id}/preview: it costs a core
            return go(f"{PREFIX}/changesets/{cs_id}", "err",
                      f"token {user.name!r} has role {user.role!r}; a preview needs 'editor'")
        texts = previews.corpus_of(store, corpus)
        base_matcher = live_matcher_for(request.app, int(cs["base_version"]))
        if len(texts) > previews.SYNC_TEXTS:
            try:
                started = previews.start(request.app, store, cs_id, texts, base_matcher)
            except previews.PreviewBusy as exc:
                return go(f"{PREFIX}/changesets/{cs_id}", "err", error_text(exc, request))
            return go_to(f"{PREFIX}/changesets/{cs_id}?job={started.id}")
        try:
            with previews.slot(request.app):
                report = store.preview(cs_id, base_matcher=base_matcher, corpus=texts).to_dict()
        except previews.PreviewBusy as exc:
            return go(f"{PREFIX}/changesets/{cs_id}", "err", error_text(exc, request))
    base_map = {e.term_id: e.to_dict() for e in store.entries(int(cs["base_version"]))} if cs["status"] == "draft" else {}
    pages = max(1, -(-len(cs["changes"]) // CHANGES_PER_PAGE))
    page = min(page, pages)
    changes = cs["changes"][(page - 1) * CHANGES_PER_PAGE:page * CHANGES_PER_PAGE]
    return render(request, "changeset.html", user, cs=cs, issues=issues, report=report, running=running, lost=lost,
                  base_map=base_map, live=store.live_version(), categories=sorted(store.categories()),
                  changes=changes, page=page, pages=pages)


@router.post("/changesets/{cs_id}/preview")
async def preview_upload(request: Request, cs_id: DbIntPath) -> RedirectResponse:
    """Preview a draft on an uploaded corpus (a text file, one text a line, or JSONL with ``text`` /
    ``title``), always as a background job with progress."""
    user = page_user(request, "editor")
    store = store_of(request)
    form = await request.form()
    upload = form.get("corpus_file")
    if upload is None or isinstance(upload, str):
        return go(f"{PREFIX}/changesets/{cs_id}", "err", "choose a corpus file")
    raw = await upload.read(previews.MAX_UPLOAD_BYTES + 1)
    if len(raw) > previews.MAX_UPLOAD_BYTES:
        return go(f"{PREFIX}/changesets/{cs_id}", "err", f"corpus file larger than {previews.MAX_UPLOAD_BYTES} bytes")
    try:
        texts = await anyio.to_thread.run_sync(previews.uploaded_corpus, raw, upload.filename or "upload.txt")
        cs = store.changeset(cs_id)
    except (UnicodeDecodeError, StoreError) as exc:
        return go(f"{PREFIX}/changesets/{cs_id}", "err", error_text(exc, request))
    if not texts:
        return go(f"{PREFIX}/changesets/{cs_id}", "err", "the corpus file holds no texts")
    del user
    try:
        started = previews.start(request.app, store, cs_id, texts,
                                 live_matcher_for(request.app, int(cs["base_version"])))
    except previews.PreviewBusy as exc:
        return go(f"{PREFIX}/changesets/{cs_id}", "err", error_text(exc, request))
    return go_to(f"{PREFIX}/changesets/{cs_id}?job={started.id}")


def go_to(url: str) -> RedirectResponse:
    """A 303 to a page of this site (``url`` is built here, never taken from the request)."""
    return RedirectResponse(url, status_code=303)


@router.post("/changesets/{cs_id}/change")
def change(request: Request, cs_id: DbIntPath, op: str = Form(..., max_length=20), term: TermField = "",
           category: ShortField = "", action: ShortField = "", severity: ShortField = "", note: NoteField = "",
           valid_from: ShortField = "", valid_to: ShortField = "", term_id: TermField = "",
           force: str = Form("", max_length=20)) -> RedirectResponse:
    user = page_user(request, "editor")
    store = store_of(request)
    url = f"{PREFIX}/changesets/{cs_id}"
    entry: dict[str, Any] | None = None
    try:
        if op in ("add", "edit"):
            if op == "edit":
                base = int(store.changeset(cs_id)["base_version"])
                current = store.entry_map(base).get(term_id)
                if current is None:
                    return go(url, "err", f"{term_id!r} is not in version {base}")
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
        return go(url, "err", error_text(exc, request))
    done = ", ".join(f"{c['op']} {c['term_id']}" for c in res["changes"])
    return go(url, "msg", page_words(request).t("msg.drafted", done=done))


@router.post("/changesets/{cs_id}/drop")
def drop(request: Request, cs_id: DbIntPath, term_id: TermField) -> RedirectResponse:
    user = page_user(request, "editor")
    url = f"{PREFIX}/changesets/{cs_id}"
    try:
        store_of(request).drop_change(cs_id, term_id, editor=user.name)
    except StoreError as exc:
        return go(url, "err", error_text(exc, request))
    return go(url, "msg", page_words(request).t("msg.dropped", term_id=term_id))


@router.post("/changesets/{cs_id}/publish")
def publish(request: Request, cs_id: DbIntPath, expected_revision: int = Form(..., ge=DB_INT_MIN, le=DB_INT_MAX),
            note: NoteField = "", force: str = Form("", max_length=20)) -> RedirectResponse:
    user = page_user(request, "approver")
    store = store_of(request)
    url = f"{PREFIX}/changesets/{cs_id}"
    try:
        base = int(store.changeset(cs_id)["base_version"])
        n = store.publish(cs_id, approver=user.name, expected_revision=expected_revision, note=note.strip() or None,
                          force=bool(force), base_matcher=live_matcher_for(request.app, base))
    except StoreError as exc:
        return go(url, "err", error_text(exc, request))
    reload_now(request.app)
    return go(f"{PREFIX}/versions/{n}", "msg", page_words(request).t("msg.published", n=n))


@router.post("/changesets/{cs_id}/rebase")
def rebase(request: Request, cs_id: DbIntPath) -> RedirectResponse:
    user = page_user(request, "editor")
    url = f"{PREFIX}/changesets/{cs_id}"
    try:
        res = store_of(request).rebase_changeset(cs_id, by=user.name)
    except StoreError as exc:
        return go(url, "err", error_text(exc, request))
    extra = f"; also changed meanwhile: {', '.join(res['overlapping'])}" if res["overlapping"] else ""
    return go(url, "msg", page_words(request).t("msg.rebased", to=res["to_version"], extra=extra))


@router.post("/changesets/{cs_id}/discard")
def discard(request: Request, cs_id: DbIntPath) -> RedirectResponse:
    user = page_user(request, "editor")
    try:
        store_of(request).discard_changeset(cs_id, by=user.name)
    except StoreError as exc:
        return go(f"{PREFIX}/changesets/{cs_id}", "err", error_text(exc, request))
    return go(f"{PREFIX}/", "msg", page_words(request).t("msg.discarded", id=cs_id))
