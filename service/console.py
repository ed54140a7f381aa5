"""The editorial console's other pages (the entry list, drafts and versions are :mod:`service.ui`):

- ``/admin/ui/test``: "test a text" (on every page): the hits with their technique and highlighted spans,
  the entry and who last changed it, the decision on every surface, rumour pins, model evidence;
- ``/admin/ui/reviews``: the review-queue desk (pending items with filters, an item's full context, decide
  as the signed-in reviewer, keyboard shortcuts) and ``/admin/ui/audit``, the audit trail;
- ``/admin/ui/discover``: 候选新词, code-word discovery (:mod:`plugin.discover`) over recently rejected /
  flagged review items against benign text; a proposal goes into a draft as a tagged suggestion only;
- ``/admin/ui/upload``: bulk upload of a txt / tsv / yaml lexicon file, previewed before it is drafted.

Same rules as the editor page: signed in with the login cookie, every post same-origin with the CSRF token
(:func:`service.ui.check_post`), bounded fields, identities from the token. The JSON twin of the test box
is ``POST /v1/admin/test`` (:mod:`service.admin`).
"""

from __future__ import annotations

import datetime as dt
import functools
import threading
from typing import Annotated, Any

import anyio
from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi import Path as PathParam
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from plugin.discover import DiscoverySettings, discover
from plugin.review import desk
from plugin.review.store import HUMAN_DECISIONS, ReviewConflict, ReviewNotFound
from plugin.store import LexiconDocument, StoreError, role_at_least

from .editorial import whole_lexicon_read
from .errors import ServiceError
from .explain import explain_text
from .i18n import Words
from .schemas import DB_INT_MAX, Note
from .state import state_of
from .ui import (
    PREFIX, ShortField, TermField, back_to, check_post, error_text, go, go_to, page_user, page_words, render, store_of,
)

__all__ = ["DISCOVERY_RUN", "DISCOVERY_TAG", "MAX_TEST_CHARS", "router"]

router = APIRouter(prefix=PREFIX, include_in_schema=False, dependencies=[Depends(check_post)])

#: Longest text the test box takes.
MAX_TEST_CHARS = 2000
#: Review items per page of the desk.
DESK_PAGE = 30
#: Most pending items the desk filters over (oldest first: the queue order).
DESK_SCAN = 5000
#: The tag a discovery proposal carries in a draft.
DISCOVERY_TAG = "候选新词"
#: Most review items discovery reads, and the benign sample texts it adds to the background.
DISCOVERY_ITEMS = 5000
DISCOVERY_BACKGROUND = 5000
#: Held while a discovery run works (seconds of CPU over the full window): one run per process at a time.
DISCOVERY_RUN = threading.Lock()
#: Largest bulk-upload file.
MAX_UPLOAD_CHARS = 500_000
_UPLOAD_SUFFIXES = ("txt", "tsv", "yaml", "yml")


# --------------------------------------------------------------------------- test a text


@router.get("/test", response_class=HTMLResponse)
def test_page(request: Request, text: str = Query("", max_length=MAX_TEST_CHARS)) -> HTMLResponse:
    user = page_user(request)
    result = explain_text(request.app, text) if text.strip() else None
    return render(request, "test.html", user, result=result, test_text=text)


# --------------------------------------------------------------------------- review desk


def _reviews(request: Request) -> Any:
    return state_of(request.app).reviews


def _filtered(request: Request, surface: str, category: str, reason: str, age: float | None) -> list[Any]:
    items = _reviews(request).list_items("pending", limit=DESK_SCAN)
    return desk.filter_items(items, surface=surface or None, category=category or None, rule=reason or None,
                             min_age_hours=age)


#: The age filter (hours waited): empty, or a number (the form sends "" when it is left empty).
AGE_PATTERN = r"^(\d{1,5}(\.\d{1,2})?)?$"


def _hours(age: str) -> float | None:
    return float(age) if age else None


def _age_text(w: Words, hours: float) -> str:
    return w.t("hours", n=int(hours)) if hours >= 1 else w.t("minutes", n=int(hours * 60))


@router.get("/reviews", response_class=HTMLResponse)
def reviews_page(request: Request, surface: str = Query("", max_length=20), category: str = Query("", max_length=40),
                 reason: str = Query("", max_length=40), age: str = Query("", pattern=AGE_PATTERN),
                 page: int = Query(1, ge=1, le=100_000)) -> HTMLResponse:
    """The pending queue, oldest first, with filters (surface, category, reason, age)."""
    user = page_user(request)
    w = page_words(request)
    now = dt.datetime.now(dt.timezone.utc)
    everything = _reviews(request).list_items("pending", limit=DESK_SCAN)
    items = desk.filter_items(everything, surface=surface or None, category=category or None, rule=reason or None,
                              min_age_hours=_hours(age), now=now)
    pages = max(1, -(-len(items) // DESK_PAGE))
    shown = [{"item": it, "reasons": desk.readable_reasons(it, w.lang), "categories": desk.item_categories(it),
              "age": _age_text(w, desk.item_age_hours(it, now))}
             for it in items[(page - 1) * DESK_PAGE:page * DESK_PAGE]]
    categories = sorted({c for it in everything for c in desk.item_categories(it)})
    rules = sorted({r for it in everything for r in desk.item_rules(it)})
    filters = {k: v for k, v in (("surface", surface), ("category", category), ("reason", reason),
                                 ("age", age)) if v}
    return render(request, "reviews.html", user, rows=shown, total=len(everything), matching=len(items), page=page,
                  pages=pages, filters=filters, categories=categories, rules=rules, surfaces=[desk.QUEUE_SURFACE])


@router.get("/reviews/{item_id}", response_class=HTMLResponse)
def review_item(request: Request, item_id: Annotated[str, PathParam(max_length=80)],
                surface: str = Query("", max_length=20), category: str = Query("", max_length=40),
                reason: str = Query("", max_length=40), age: str = Query("", pattern=AGE_PATTERN)) -> Response:
    """One item's full context, its reasons with their clauses, the decision form and its audit trail;
    ``j`` / ``k`` go to the next / previous pending item under the same filters."""
    user = page_user(request)
    w = page_words(request)
    try:
        item = _reviews(request).get(item_id)
    except ReviewNotFound:
        return go(f"{PREFIX}/reviews", "err", f"no review item {item_id!r}")
    queue = [it["id"] for it in _filtered(request, surface, category, reason, _hours(age))]
    pos = queue.index(item["id"]) if item["id"] in queue else -1
    nxt = queue[pos + 1] if 0 <= pos < len(queue) - 1 else (queue[0] if pos < 0 and queue else None)
    prev = queue[pos - 1] if pos > 0 else None
    filters = {k: v for k, v in (("surface", surface), ("category", category), ("reason", reason),
                                 ("age", age)) if v}
    cand = item["candidate"]
    body = (cand.get("text") or "")
    return render(request, "review_item.html", user, item=item, cand=cand,
                  excerpt=body[:300] + ("…" if len(body) > 300 else ""),
                  reasons=desk.readable_reasons(item, w.lang), links=desk.matrix_links(item),
                  categories=desk.item_categories(item), audit=_reviews(request).audit(item_id=item["id"]),
                  decisions=HUMAN_DECISIONS, next_id=nxt, prev_id=prev, filters=filters,
                  age=_age_text(w, desk.item_age_hours(item, dt.datetime.now(dt.timezone.utc))))


@router.post("/reviews/{item_id}/decide")
def decide(request: Request, item_id: Annotated[str, PathParam(max_length=80)], decision: str = Form(..., max_length=30), note: Annotated[Note, Form()] = "",
           next_id: str = Form("", max_length=80)) -> RedirectResponse:
    """Decide a pending item as the signed-in reviewer (the token's name, never a field); then the next one."""
    user = page_user(request, "reviewer")
    w = page_words(request)
    url = f"{PREFIX}/reviews/{item_id}"
    try:
        _reviews(request).decide(item_id, decision=decision, reviewer=user.name, note=note,
                                 actor=f"token:{user.name}")
    except ReviewNotFound:
        return go(f"{PREFIX}/reviews", "err", f"no review item {item_id!r}")
    except ReviewConflict as exc:
        return go(url, "err", error_text(exc, request))
    except ValueError as exc:
        return go(url, "err", str(exc))
    metrics = getattr(state_of(request.app), "metrics", None)
    if metrics is not None:
        metrics.decisions.labels(decision, "human").inc()
    target = f"{PREFIX}/reviews/{next_id}" if next_id and next_id.startswith("rv_") and next_id.isascii() \
        and next_id.replace("_", "").isalnum() else f"{PREFIX}/reviews"
    return go(target, "msg", w.t("msg.decided", decision=w.name("decision", decision)))


def _event_detail(event: dict[str, Any], w: Words) -> str:
    p = event.get("payload") or {}
    if event["event"] == "human_decision":
        return (f"{w.name('decision', p.get('automatic_decision'))} → {w.name('decision', p.get('decision'))}"
                + (f"：{p['note']}" if p.get("note") else ""))
    if event["event"] == "auto_decision":
        rules = "、".join(w.name("rule", r) for r in p.get("rules", []))
        return f"{w.name('decision', p.get('decision'))}" + (f"（{rules}）" if rules else "")
    if event["event"] == "requeued":
        return f"{w.name('decision', p.get('automatic_decision'))} → {w.t('event.requeued')}（{p.get('by_candidate_id', '')}）"
    return "；".join(f"{k}: {v}" for k, v in p.items())


@router.get("/audit", response_class=HTMLResponse)
def audit_page(request: Request, after: int = Query(0, ge=0, le=DB_INT_MAX),
               event: str = Query("", pattern=r"^(auto_decision|human_decision|requeued)?$")) -> HTMLResponse:
    """The audit trail, newest page last, readable (display names, the display zone)."""
    user = page_user(request)
    w = page_words(request)
    events = _reviews(request).audit(after=after, limit=200)
    rows = [{**e, "detail": _event_detail(e, w)} for e in events if not event or e["event"] == event]
    more = events[-1]["seq"] if len(events) == 200 else None
    return render(request, "audit.html", user, rows=rows, more=more, event=event)


# --------------------------------------------------------------------------- 候选新词


def discovery_texts(request: Request, days: int) -> tuple[list[tuple[str, str]], list[str]]:
    """Foreground (text, category) of review items rejected, queued or limited in the last ``days``
    (human decision first), background of approved items plus the bundled preview titles and the recent
    search queries."""
    reviews = _reviews(request)
    total = reviews.count("all")
    items = reviews.list_items("all", limit=DISCOVERY_ITEMS, offset=max(0, total - DISCOVERY_ITEMS))
    since = dt.datetime.now(dt.timezone.utc) - dt.timedelta(days=days)
    spam: list[tuple[str, str]] = []
    benign: list[str] = []
    for it in items:
        try:
            created = dt.datetime.fromisoformat(it["created_at"])
        except ValueError:
            continue
        if created < since:
            continue
        cand = it["candidate"]
        text = cand["title"] if not cand.get("text") else f"{cand['title']}\n{cand['text'][:2000]}"
        if it["decision"] in ("reject", "review", "limit"):
            cats = desk.item_categories(it)
            spam.append((text, cats[0] if cats else ""))
        elif it["decision"] == "approve":
            benign.append(text)
    # the bundled titles and recent queries; not the recorded trending candidates (the flagged ones are
    # the foreground itself)
    store = store_of(request)
    flagged = {t.split("\n", 1)[0] for t, _ in spam}
    sample = [*store.preview_corpus(include_samples=False), *store.samples.texts(["query"])]
    benign.extend(t.text for t in sample[:DISCOVERY_BACKGROUND] if t.text not in flagged)
    return spam, benign


@router.get("/discover", response_class=HTMLResponse)
def discover_page(request: Request, days: int = Query(30, ge=1, le=365), min_count: int = Query(3, ge=2, le=100),
                  run: int = Query(0, ge=0, le=1)) -> Response:
    """候选新词: run discovery (``run=1``) and show the proposals with their evidence."""
    user = page_user(request)
    proposals, fg, bg = None, 0, 0
    if run:
        if not role_at_least(user.role, "editor"):  # seconds of CPU, and its proposals go into drafts
            return go(f"{PREFIX}/discover", "err",
                      f"token {user.name!r} has role {user.role!r}; a discovery run needs 'editor'")
        if not DISCOVERY_RUN.acquire(blocking=False):
            return go(f"{PREFIX}/discover", "err", "a discovery run is already working; try again in a minute")
        try:
            spam, benign = discovery_texts(request, days)
            fg, bg = len(spam), len(benign)
            matcher = state_of(request.app).live.current()
            if spam and benign:
                found = discover(spam, benign, known=lambda term: bool(matcher.scan(term)),
                                 settings=DiscoverySettings(min_count=min_count, limit=40))
                proposals = [p.to_dict() for p in found]
            else:
                proposals = []
        finally:
            DISCOVERY_RUN.release()
    store = store_of(request)
    drafts = sorted(store.changesets("draft"), key=lambda d: (str(d["author"]).casefold() != user.name.casefold(),
                                                               -int(d["id"])))
    return render(request, "discover.html", user, proposals=proposals, fg=fg, bg=bg, days=days, min_count=min_count,
                  drafts=drafts, categories=sorted(store.categories()))


@router.post("/discover/add")
def discover_add(request: Request, term: TermField, category: ShortField, note: Annotated[Note, Form()] = "",
                 changeset: int = Form(0, ge=0, le=DB_INT_MAX)) -> RedirectResponse:
    """Put a proposal into a draft as a suggestion: action ``review``, tagged :data:`DISCOVERY_TAG`, the
    evidence as its note. Nothing is published: an approver publishes the draft (four-eyes)."""
    user = page_user(request, "editor")
    store = store_of(request)
    w = page_words(request)
    try:
        cs_id = store.set_change(changeset or None, "add", entry={"term": term.strip(), "category": category.strip(),
                                                                 "action": "review", "tags": [DISCOVERY_TAG],
                                                                 "note": note.strip()},
                                 editor=user.name, note=w.t("discover.title"))["changeset_id"]
    except StoreError as exc:
        return go(back_to(request), "err", error_text(exc, request))
    return go(f"{PREFIX}/changesets/{cs_id}", "msg", w.t("msg.suggested", term=term.strip(), id=cs_id))


# --------------------------------------------------------------------------- bulk upload


def _import(request: Request, content: str, suffix: str, category: str, action: str, changeset: int,
            dry_run: bool, author: str) -> dict[str, Any]:
    """Dry-run or draft a lexicon file's changes (``plugin.store`` import: all or nothing)."""
    if suffix == "txt" and category and "# category:" not in content[:2000]:
        content = f"# category: {category}\n" + (f"# action: {action}\n" if action else "") + content
    rep = store_of(request).import_files([LexiconDocument(f"upload.{suffix}", content)], author=author,
                                         changeset_id=changeset or None, dry_run=dry_run, note="bulk upload")
    return rep.to_dict()


@router.get("/upload", response_class=HTMLResponse)
def upload_page(request: Request) -> HTMLResponse:
    user = page_user(request)
    store = store_of(request)
    return render(request, "upload.html", user, report=None, drafts=store.changesets("draft"),
                  categories=sorted(store.categories()))


@router.post("/upload", response_class=HTMLResponse)
async def upload(request: Request) -> Response:
    """``mode=preview``: the uploaded file's changes, drafted nowhere; ``mode=confirm``: the same content
    (sent back by the preview page) drafted into the chosen draft (or a new one)."""
    user = page_user(request, "editor")
    form = await request.form()
    mode = str(form.get("mode", "preview"))
    category = str(form.get("category", ""))[:40]
    action = str(form.get("action", ""))[:20]
    raw_changeset = str(form.get("changeset", "0")).strip() or "0"
    if not raw_changeset.isascii() or not raw_changeset.isdigit() or not 0 <= int(raw_changeset) <= DB_INT_MAX:
        return go(f"{PREFIX}/upload", "err", f"changeset must be a draft number (0 for a new draft), "
                                             f"got {raw_changeset[:30]!r}")
    changeset = int(raw_changeset)
    if mode == "confirm":
        content, suffix = str(form.get("content", "")), str(form.get("suffix", ""))
    else:
        upload_file = form.get("file")
        if upload_file is None or isinstance(upload_file, str) or not upload_file.filename:
            return go(f"{PREFIX}/upload", "err", "choose a file")
        suffix = upload_file.filename.rsplit(".", 1)[-1].lower()
        raw = await upload_file.read(MAX_UPLOAD_CHARS * 4 + 1)
        try:
            content = raw.decode("utf-8")
        except UnicodeDecodeError:
            return go(f"{PREFIX}/upload", "err", "the file is not UTF-8 text")
    if suffix not in _UPLOAD_SUFFIXES:
        return go(f"{PREFIX}/upload", "err", f"upload a .txt, .tsv or .yaml file, not .{suffix[:10]}")
    if len(content) > MAX_UPLOAD_CHARS:
        return go(f"{PREFIX}/upload", "err", f"file longer than {MAX_UPLOAD_CHARS} characters")
    try:
        with whole_lexicon_read(request.app, "bulk upload"):  # every line checked against the whole base version
            report = await anyio.to_thread.run_sync(functools.partial(  # parse, validate, write: off the event loop
                _import, request, content, suffix, category, action, changeset, mode != "confirm", user.name))
    except (StoreError, ValueError) as exc:
        return go(f"{PREFIX}/upload", "err", error_text(exc, request) if isinstance(exc, StoreError) else str(exc))
    except ServiceError as exc:  # every whole-lexicon slot of the process is taken: the page says so
        return go(f"{PREFIX}/upload", "err", exc.detail)
    w = page_words(request)
    if mode == "confirm" and report["ok"] and report["changeset_id"]:
        counts = "、".join(f"{w.t('op.' + k) if k in ('add', 'edit', 'remove') else k} {v}"
                          for k, v in report["counts"].items() if v)
        return go(f"{PREFIX}/changesets/{report['changeset_id']}", "msg",
                  w.t("msg.imported", id=report["changeset_id"], counts=counts))
    store = store_of(request)
    return render(request, "upload.html", user, report=report, content=content, suffix=suffix, category=category,
                  action=action, changeset=changeset, drafts=store.changesets("draft"),
                  categories=sorted(store.categories()))
