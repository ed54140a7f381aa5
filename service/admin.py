"""The editorial lexicon API: ``/v1/admin/...`` (the editor page is :mod:`service.ui`; what both share,
and the hot reload, is in :mod:`service.editorial`; the extension installing them is
``service.extensions.Editorial``). Roles: reader (read), editor (draft, preview, import, request a rollback),
approver (publish), admin (everything). Every identity is the name of the request's token, never a
request field: a change-set's author and contributors, and the publishing approver. Under four-eyes
the approver must not have drafted or changed the change-set, and names the revision it reviewed
(``expected_revision``; 409 when the draft moved since). A rollback is a change-set like any other.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any, Literal

from fastapi import APIRouter, Body, Depends, Query, Request
from fastapi.responses import JSONResponse

from plugin.store import LexiconDocument, LexiconStore, TokenInfo

from .auth import require_role
from . import previews
from .editorial import draft_issues, get_store, live_matcher_for, reload_now, whole_lexicon_read
from .errors import ServiceError, field_error, invalid, problem
from .explain import explain_text
from .logs import log_event
from .schemas import (
    DB_INT_MAX, DB_INT_MIN, ChangeIn, ChangesetIn, DbIntPath, ImportIn, PublishIn, RollbackIn, TestTextIn,
)
from .state import state_of

__all__ = ["router"]

router = APIRouter(prefix="/v1/admin", tags=["admin"])
reader = require_role("reader", cookie=False)  # the JSON API: bearer tokens only, never the page's cookie
editor = require_role("editor", cookie=False)
approver = require_role("approver", cookie=False)
admin = require_role("admin", cookie=False)


def _store(request: Request) -> LexiconStore:
    return get_store(request.app)


@router.get("/status")
def status(request: Request, store: LexiconStore = Depends(_store), _: TokenInfo = Depends(reader)) -> dict[str, Any]:
    """Live version of the store and of this process's matcher."""
    state = state_of(request.app)
    poller = state.lexicon_poller
    return {"store_version": store.live_version(), "serving_version": state.live.version,
            "reloads": poller.reloads if poller is not None else 0,
            "reload_error": poller.last_error if poller is not None else "",
            "replica_id": poller.replica_id if poller is not None else None,
            "last_load": {"source": poller.last_source, "seconds": round(poller.last_load_seconds, 3)}
            if poller is not None else None,
            "open_changesets": len(store.changesets("draft"))}


@router.get("/rollout")
def rollout(request: Request, store: LexiconStore = Depends(_store), _: TokenInfo = Depends(admin)) -> dict[str, Any]:
    """Which lexicon version each replica serves: every process that shares this store records a heartbeat
    (host, pid, version served, reloads, last error) at each poll. ``live`` replicas were seen within five
    poll intervals (at least 30 s); ``converged`` when every live replica serves the store's version."""
    state = state_of(request.app)
    live_version = store.live_version()
    window = max(30.0, 5 * store.config.reload_interval)
    replicas = store.replicas()
    for r in replicas:
        r["live"] = r["age_seconds"] <= window
    poller = state.lexicon_poller
    serving = [r for r in replicas if r["live"]]
    return {"store_version": live_version,
            "this_replica": poller.replica_id if poller is not None else None,
            "converged": bool(serving) and all(r["version_served"] == str(live_version) for r in serving),
            "replicas": replicas}


@router.get("/versions")
def versions(limit: int = Query(50, ge=1, le=1000), offset: int = Query(0, ge=0, le=DB_INT_MAX),
             store: LexiconStore = Depends(_store), _: TokenInfo = Depends(reader)) -> dict[str, Any]:
    store.ensure_seeded()
    return {"live": store.live_version(),
            "versions": [{k: v for k, v in r.items() if k != "diff_term_ids"} for r in store.versions(limit, offset)]}


@router.get("/versions/{number}")
def version(number: DbIntPath, store: LexiconStore = Depends(_store), _: TokenInfo = Depends(reader)) -> dict[str, Any]:
    return store.version_info(number)


@router.get("/diff")
def diff(request: Request, from_version: int = Query(..., alias="from", ge=DB_INT_MIN, le=DB_INT_MAX),
         to_version: int | None = Query(None, alias="to", ge=DB_INT_MIN, le=DB_INT_MAX),
         store: LexiconStore = Depends(_store), _: TokenInfo = Depends(reader)) -> dict[str, Any]:
    with whole_lexicon_read(request.app, "diff"):
        return store.diff(from_version, to_version if to_version is not None else store.ensure_seeded())


@router.get("/entries")
def entries(request: Request, version: int | None = Query(None, ge=DB_INT_MIN, le=DB_INT_MAX),
            q: str = Query("", max_length=200), category: str | None = None, action: str | None = None,
            limit: int = Query(100, ge=1, le=5000), offset: int = Query(0, ge=0, le=DB_INT_MAX),
            store: LexiconStore = Depends(_store), _: TokenInfo = Depends(reader)) -> dict[str, Any]:
    """Entries of a version (default: live), searched and paged; another version than the live one is parsed
    whole (the store keeps a few parsed), so it takes one of the process's whole-lexicon read slots (429)."""
    live = store.ensure_seeded()
    if version is None or version == live:
        return store.search_entries(version, q=q, category=category, action=action, limit=limit, offset=offset)
    with whole_lexicon_read(request.app, f"entries of version {version}"):
        return store.search_entries(version, q=q, category=category, action=action, limit=limit, offset=offset)


@router.get("/history")
def history(term_id: str = Query(..., max_length=200), store: LexiconStore = Depends(_store),
            _: TokenInfo = Depends(reader)) -> dict[str, Any]:
    rows = store.entry_history(term_id)
    if not rows:
        raise ServiceError(404, "not_found", f"no entry {term_id!r} in any version")
    return {"term_id": term_id, "revisions": rows}


@router.get("/changesets")
def changesets(status: Literal["draft", "published", "discarded", "all"] = "draft",
               store: LexiconStore = Depends(_store), _: TokenInfo = Depends(reader)) -> dict[str, Any]:
    return {"changesets": store.changesets(None if status == "all" else status)}


@router.post("/changesets", status_code=201)
def create_changeset(body: ChangesetIn = Body(default_factory=ChangesetIn), store: LexiconStore = Depends(_store),
                     who: TokenInfo = Depends(editor)) -> dict[str, Any]:
    cs = store.create_changeset(who.name, body.note)
    return store.changeset(cs)


@router.get("/changesets/{cs_id}")
def get_changeset(cs_id: DbIntPath, request: Request, store: LexiconStore = Depends(_store),
                  _: TokenInfo = Depends(reader)) -> dict[str, Any]:
    cs = store.changeset(cs_id)
    cs["issues"] = draft_issues(request.app, cs)  # 429 when the process's whole-lexicon reads are all busy
    return cs


@router.post("/changesets/{cs_id}/changes")
def set_change(cs_id: DbIntPath, body: ChangeIn, store: LexiconStore = Depends(_store),
               who: TokenInfo = Depends(editor)) -> dict[str, Any]:
    if body.op != "remove" and body.entry is None:
        raise invalid([field_error(("body", "entry"), f"a change '{body.op}' needs 'entry'", "missing")])
    if body.op == "remove" and not (body.term_id or body.entry):
        raise invalid([field_error(("body", "term_id"), "a removal needs 'term_id'", "missing")])
    return store.set_change(cs_id, body.op, entry=body.entry.model_dump() if body.entry else None,
                            term_id=body.term_id, force=body.force, editor=who.name,
                            expected_revision=body.expected_revision)


@router.delete("/changesets/{cs_id}/changes")
def drop_change(cs_id: DbIntPath, term_id: str = Query(..., max_length=200),
                expected_revision: int | None = Query(None, ge=DB_INT_MIN, le=DB_INT_MAX),
                store: LexiconStore = Depends(_store), who: TokenInfo = Depends(editor)) -> dict[str, Any]:
    return {"revision": store.drop_change(cs_id, term_id, editor=who.name, expected_revision=expected_revision)}


@router.post("/changesets/{cs_id}/rebase")
def rebase(cs_id: DbIntPath, store: LexiconStore = Depends(_store), who: TokenInfo = Depends(editor)) -> dict[str, Any]:
    return store.rebase_changeset(cs_id, by=who.name)


@router.delete("/changesets/{cs_id}")
def discard(cs_id: DbIntPath, store: LexiconStore = Depends(_store), who: TokenInfo = Depends(editor)) -> dict[str, Any]:
    store.discard_changeset(cs_id, by=who.name)
    return store.changeset(cs_id)


@router.post("/changesets/{cs_id}/preview")
def preview(cs_id: DbIntPath, request: Request, store: LexiconStore = Depends(_store),
            _: TokenInfo = Depends(editor)) -> dict[str, Any]:
    """The draft's decision diff on the preview corpus (429 when this process already runs
    ``MAX_RUNNING`` previews)."""
    base = int(store.changeset(cs_id)["base_version"])
    with previews.slot(request.app):
        return store.preview(cs_id, base_matcher=live_matcher_for(request.app, base)).to_dict()


@router.post("/changesets/{cs_id}/publish")
def publish(cs_id: DbIntPath, body: PublishIn, request: Request, store: LexiconStore = Depends(_store),
            who: TokenInfo = Depends(approver)) -> dict[str, Any]:
    """Publish revision ``expected_revision`` of a draft (403 when the caller drafted or changed it under
    four-eyes, 409 when it moved since that revision or its base is no longer live)."""
    base = int(store.changeset(cs_id)["base_version"])
    number = store.publish(cs_id, approver=who.name, expected_revision=body.expected_revision, note=body.note,
                           force=body.force, base_matcher=live_matcher_for(request.app, base))
    reload_now(request.app)
    metrics = getattr(state_of(request.app), "metrics", None)  # stand-in states (benches, tests) may have none
    if metrics is not None:
        metrics.publishes.inc()
    log_event("publish", "lexicon version %s published from change-set %s by %s", number, cs_id, who.name,
              lexicon_version=str(number), changeset=cs_id, approver=who.name)
    return store.version_info(number)


@router.post("/rollback", status_code=201)
def rollback(body: RollbackIn, store: LexiconStore = Depends(_store), who: TokenInfo = Depends(editor)) -> dict[str, Any]:
    """Draft a rollback to ``to_version`` (a change-set authored by the caller); it goes live when an
    approver publishes it like any other change-set."""
    cs = store.request_rollback(body.to_version, author=who.name, note=body.note)
    return store.changeset(cs)


@router.post("/import")
def import_files(body: ImportIn, request: Request, store: LexiconStore = Depends(_store),
                 who: TokenInfo = Depends(editor)) -> JSONResponse:
    """Validate lexicon files and draft their changes (all or nothing); every line is checked against the whole
    base version (seconds for a large file), so an import takes one of the process's whole-lexicon slots (429)."""
    documents = [LexiconDocument(f.name, f.content) for f in body.files]
    with whole_lexicon_read(request.app, "import"):
        rep = store.import_files(documents, author=who.name, note=body.note, changeset_id=body.changeset_id,
                                 replace=body.replace, dry_run=body.dry_run, force=body.force)
    out = rep.to_dict()
    if rep.ok:
        return JSONResponse(out)
    # refused: a problem (file:line of the first problems as its detail) carrying the whole report
    blocking = [i for i in out["issues"] if i["level"] in ("error", "force")]
    where = [f"{i['source']}:{i['line']}" if i["line"] and not i["source"].endswith(f":{i['line']}")
             else i["source"] or i["term_id"] for i in blocking]
    more = f" (and {len(blocking) - 5} more)" if len(blocking) > 5 else ""
    detail = "; ".join(f"{w}: {i['message']}" for w, i in zip(where[:5], blocking)) + more
    return problem(422, "import_refused", detail, **out)

@router.post("/test")
def test_text(body: TestTextIn, request: Request, _: TokenInfo = Depends(reader)) -> dict[str, Any]:
    """Why a text gets what it gets (the console's "test a text" box): hits with technique, span, entry and
    who last changed it; the decision on every surface and what decided it; rumour pins; model evidence."""
    return explain_text(request.app, body.text)


@router.get("/export")
def export(request: Request, version: int | None = Query(None, ge=DB_INT_MIN, le=DB_INT_MAX),
           store: LexiconStore = Depends(_store), _: TokenInfo = Depends(reader)) -> dict[str, Any]:
    with whole_lexicon_read(request.app, "export"), tempfile.TemporaryDirectory(prefix="qinglang-export-") as tmp:
        paths = store.export(version, tmp)
        files = {Path(p).name: Path(p).read_text(encoding="utf-8") for p in paths}
    return {"version": version if version is not None else store.live_version(), "files": files}

