"""Editorial lexicon management for the service: ``/v1/admin/...`` API, editor web page, hot reload.

``install(app)`` adds the routers; ``start(app)`` / ``stop(app)`` run the
:class:`~plugin.store.reload.VersionPoller` that keeps ``app.state.guard.live`` on the newest
published version. Roles: reader (read), editor (draft, preview, import, request a rollback),
approver (publish), admin (everything). Every identity is the name of the request's token, never a
request field: a change-set's author and contributors, and the publishing approver. Under four-eyes
the approver must not have drafted or changed the change-set, and names the revision it reviewed
(``expected_revision``; 409 when the draft moved since). A rollback is a change-set like any other.
"""

from __future__ import annotations

import logging
import tempfile
from pathlib import Path
from typing import Any, Literal

from fastapi import APIRouter, Body, Depends, FastAPI, HTTPException, Query, Request
from fastapi.responses import JSONResponse

from plugin.store import (
    ConflictError,
    FourEyesError,
    LexiconStore,
    NotFoundError,
    StoreConfig,
    StoreError,
    TokenInfo,
    ValidationError,
)
from plugin.store.reload import VersionPoller

from .auth import require_role
from .schemas import DB_INT_MAX, DB_INT_MIN, ChangeIn, ChangesetIn, DbIntPath, ImportIn, PublishIn, RollbackIn

__all__ = ["get_store", "install", "record_sample", "router", "start", "stop"]

log = logging.getLogger(__name__)

router = APIRouter(prefix="/v1/admin", tags=["admin"])
reader = require_role("reader", cookie=False)  # the JSON API: bearer tokens only, never the page's cookie
editor = require_role("editor", cookie=False)
approver = require_role("approver", cookie=False)


# --------------------------------------------------------------------------- wiring


def _store_config(config: Any) -> StoreConfig:
    """Store settings taken from the service config where it has them."""
    kw: dict[str, Any] = {}
    for name in ("four_eyes", "single_operator", "max_new_block_share", "sample_limit"):
        if getattr(config, name, None) is not None:
            kw[name] = getattr(config, name)
    extra = getattr(config, "extra_categories", None)
    if extra:
        kw["extra_categories"] = tuple(extra)
    return StoreConfig(**kw)


def get_store(app: Any) -> LexiconStore:
    """The app's lexicon store (opened on first use from ``app.state.guard``)."""
    store = getattr(app.state, "lexicon_store", None)
    if store is None:
        guard = app.state.guard
        store = LexiconStore(guard.db_path, _store_config(getattr(guard, "config", None)))
        app.state.lexicon_store = store
    return store


def _store(request: Request) -> LexiconStore:
    return get_store(request.app)


def record_sample(app: Any, kind: str, text: str) -> None:
    """For the service's routes: remember a query / suggestion / candidate for previews (never raises)."""
    try:
        get_store(app).record_sample(kind, text)
    except Exception:  # sampling must never fail a request
        log.debug("sample not recorded", exc_info=True)


def _live_matcher_for(request: Request, version: int) -> Any:
    live = getattr(getattr(request.app.state, "guard", None), "live", None)
    if live is not None and str(live.version) == str(version):
        return live.current()
    return None


async def _store_error(request: Request, exc: Exception) -> JSONResponse:
    if isinstance(exc, ValidationError):
        return JSONResponse({"detail": str(exc), "issues": [i.to_dict() for i in exc.issues]}, status_code=422)
    if isinstance(exc, ConflictError):
        return JSONResponse({"detail": str(exc), "base_version": exc.base_version,
                             "live_version": exc.live_version, "revision": exc.revision}, status_code=409)
    status = 404 if isinstance(exc, NotFoundError) else 403 if isinstance(exc, FourEyesError) else 400
    return JSONResponse({"detail": str(exc)}, status_code=status)


def install(app: FastAPI) -> None:
    """Add the admin API and the editor web page to ``app``."""
    from . import ui

    app.include_router(router)
    ui.install(app)
    app.add_exception_handler(StoreError, _store_error)


async def start(app: FastAPI) -> None:
    """Start polling the store and swapping ``app.state.guard.live`` on new versions."""
    guard = app.state.guard
    store = get_store(app)
    interval = float(getattr(getattr(guard, "config", None), "reload_interval", None) or 2.0)
    poller = VersionPoller(store, guard.live, interval=interval)
    try:
        poller.check_once()  # pick up a version published while the service was down
    except Exception:
        log.exception("initial lexicon version check failed")
    app.state.lexicon_poller = poller.start()


async def stop(app: FastAPI) -> None:
    """Stop the poller and flush buffered samples."""
    poller = getattr(app.state, "lexicon_poller", None)
    if poller is not None:
        poller.stop()
    store = getattr(app.state, "lexicon_store", None)
    if store is not None:
        store.samples.flush()


# --------------------------------------------------------------------------- routes


@router.get("/status")
def status(request: Request, store: LexiconStore = Depends(_store), _: TokenInfo = Depends(reader)) -> dict:
    """Live version of the store and of this process's matcher."""
    guard = getattr(request.app.state, "guard", None)
    poller = getattr(request.app.state, "lexicon_poller", None)
    return {"store_version": store.live_version(),
            "serving_version": getattr(getattr(guard, "live", None), "version", None),
            "reloads": getattr(poller, "reloads", 0), "reload_error": getattr(poller, "last_error", ""),
            "open_changesets": len(store.changesets("draft"))}


@router.get("/versions")
def versions(limit: int = Query(50, ge=1, le=1000), offset: int = Query(0, ge=0, le=DB_INT_MAX),
             store: LexiconStore = Depends(_store), _: TokenInfo = Depends(reader)) -> dict:
    store.ensure_seeded()
    return {"live": store.live_version(),
            "versions": [{k: v for k, v in r.items() if k != "diff_term_ids"} for r in store.versions(limit, offset)]}


@router.get("/versions/{number}")
def version(number: DbIntPath, store: LexiconStore = Depends(_store), _: TokenInfo = Depends(reader)) -> dict:
    return store.version_info(number)


@router.get("/diff")
def diff(from_version: int = Query(..., alias="from", ge=DB_INT_MIN, le=DB_INT_MAX),
         to_version: int | None = Query(None, alias="to", ge=DB_INT_MIN, le=DB_INT_MAX),
         store: LexiconStore = Depends(_store), _: TokenInfo = Depends(reader)) -> dict:
    return store.diff(from_version, to_version if to_version is not None else store.ensure_seeded())


@router.get("/entries")
def entries(version: int | None = Query(None, ge=DB_INT_MIN, le=DB_INT_MAX), q: str = Query("", max_length=200),
            category: str | None = None, action: str | None = None, limit: int = Query(100, ge=1, le=5000),
            offset: int = Query(0, ge=0, le=DB_INT_MAX),
            store: LexiconStore = Depends(_store), _: TokenInfo = Depends(reader)) -> dict:
    store.ensure_seeded()
    return store.search_entries(version, q=q, category=category, action=action, limit=limit, offset=offset)


@router.get("/history")
def history(term_id: str = Query(..., max_length=200), store: LexiconStore = Depends(_store),
            _: TokenInfo = Depends(reader)) -> dict:
    rows = store.entry_history(term_id)
    if not rows:
        raise HTTPException(404, f"no entry {term_id!r} in any version")
    return {"term_id": term_id, "revisions": rows}


@router.get("/changesets")
def changesets(status: Literal["draft", "published", "discarded", "all"] = "draft",
               store: LexiconStore = Depends(_store), _: TokenInfo = Depends(reader)) -> dict:
    return {"changesets": store.changesets(None if status == "all" else status)}


@router.post("/changesets", status_code=201)
def create_changeset(body: ChangesetIn = Body(default_factory=ChangesetIn), store: LexiconStore = Depends(_store),
                     who: TokenInfo = Depends(editor)) -> dict:
    cs = store.create_changeset(who.name, body.note)
    return store.changeset(cs)


@router.get("/changesets/{cs_id}")
def get_changeset(cs_id: DbIntPath, store: LexiconStore = Depends(_store), _: TokenInfo = Depends(reader)) -> dict:
    cs = store.changeset(cs_id)
    cs["issues"] = [i.to_dict() for i in store.validate_changeset(cs_id)] if cs["status"] == "draft" else []
    return cs


@router.post("/changesets/{cs_id}/changes")
def set_change(cs_id: DbIntPath, body: ChangeIn, store: LexiconStore = Depends(_store),
               who: TokenInfo = Depends(editor)) -> dict:
    if body.op != "remove" and body.entry is None:
        raise HTTPException(422, f"a change '{body.op}' needs 'entry'")
    if body.op == "remove" and not (body.term_id or body.entry):
        raise HTTPException(422, "a removal needs 'term_id'")
    return store.set_change(cs_id, body.op, entry=body.entry.model_dump() if body.entry else None,
                            term_id=body.term_id, force=body.force, editor=who.name,
                            expected_revision=body.expected_revision)


@router.delete("/changesets/{cs_id}/changes")
def drop_change(cs_id: DbIntPath, term_id: str = Query(..., max_length=200),
                expected_revision: int | None = Query(None, ge=DB_INT_MIN, le=DB_INT_MAX),
                store: LexiconStore = Depends(_store), who: TokenInfo = Depends(editor)) -> dict:
    return {"revision": store.drop_change(cs_id, term_id, editor=who.name, expected_revision=expected_revision)}


@router.post("/changesets/{cs_id}/rebase")
def rebase(cs_id: DbIntPath, store: LexiconStore = Depends(_store), _: TokenInfo = Depends(editor)) -> dict:
    return store.rebase_changeset(cs_id)


@router.delete("/changesets/{cs_id}")
def discard(cs_id: DbIntPath, store: LexiconStore = Depends(_store), _: TokenInfo = Depends(editor)) -> dict:
    store.discard_changeset(cs_id)
    return store.changeset(cs_id)


@router.post("/changesets/{cs_id}/preview")
def preview(cs_id: DbIntPath, request: Request, store: LexiconStore = Depends(_store),
            _: TokenInfo = Depends(editor)) -> dict:
    base = int(store.changeset(cs_id)["base_version"])
    return store.preview(cs_id, base_matcher=_live_matcher_for(request, base)).to_dict()


@router.post("/changesets/{cs_id}/publish")
def publish(cs_id: DbIntPath, body: PublishIn, request: Request, store: LexiconStore = Depends(_store),
            who: TokenInfo = Depends(approver)) -> dict:
    """Publish revision ``expected_revision`` of a draft (403 when the caller drafted or changed it under
    four-eyes, 409 when it moved since that revision or its base is no longer live)."""
    base = int(store.changeset(cs_id)["base_version"])
    number = store.publish(cs_id, approver=who.name, expected_revision=body.expected_revision, note=body.note,
                           force=body.force, base_matcher=_live_matcher_for(request, base))
    _poke(request)
    return store.version_info(number)


@router.post("/rollback", status_code=201)
def rollback(body: RollbackIn, store: LexiconStore = Depends(_store), who: TokenInfo = Depends(editor)) -> dict:
    """Draft a rollback to ``to_version`` (a change-set authored by the caller); it goes live when an
    approver publishes it like any other change-set."""
    cs = store.request_rollback(body.to_version, author=who.name, note=body.note)
    return store.changeset(cs)


@router.post("/import")
def import_files(body: ImportIn, store: LexiconStore = Depends(_store), who: TokenInfo = Depends(editor)) -> dict:
    with tempfile.TemporaryDirectory(prefix="qinglang-import-") as tmp:
        paths = []
        for f in body.files:
            p = Path(tmp) / f.name
            p.write_text(f.content, encoding="utf-8")
            paths.append(str(p))
        rep = store.import_files(paths, author=who.name, note=body.note, changeset_id=body.changeset_id,
                                 replace=body.replace, dry_run=body.dry_run, force=body.force)
    out = rep.to_dict()
    prefix = tmp + "/"
    for item in out["issues"] + out["changes"]:
        item["source"] = (item.get("source") or "").replace(prefix, "")
    if not rep.ok:  # the service's error shape on top of the report: file:line of the first problems
        blocking = [i for i in out["issues"] if i["level"] in ("error", "force")]
        where = [f"{i['source']}:{i['line']}" if i["line"] and not i["source"].endswith(f":{i['line']}")
                 else i["source"] or i["term_id"] for i in blocking]
        more = f" (and {len(blocking) - 5} more)" if len(blocking) > 5 else ""
        out["error"] = "import_refused"
        out["message"] = "; ".join(f"{w}: {i['message']}" for w, i in zip(where[:5], blocking)) + more
    return JSONResponse(out, status_code=200 if rep.ok else 422)


@router.get("/export")
def export(version: int | None = Query(None, ge=DB_INT_MIN, le=DB_INT_MAX), store: LexiconStore = Depends(_store),
           _: TokenInfo = Depends(reader)) -> dict:
    with tempfile.TemporaryDirectory(prefix="qinglang-export-") as tmp:
        paths = store.export(version, tmp)
        files = {Path(p).name: Path(p).read_text(encoding="utf-8") for p in paths}
    return {"version": version if version is not None else store.live_version(), "files": files}


def _poke(request: Request) -> None:
    """Reload this process right away after a publish (other processes follow at their next poll)."""
    poller = getattr(request.app.state, "lexicon_poller", None)
    if poller is not None:
        try:
            poller.check_once()
        except Exception:
            log.exception("reload after publish failed; the poller will retry")
