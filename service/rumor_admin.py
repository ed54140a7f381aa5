"""The rumour admin API, ``/v1/admin/rumors/...`` (thin: parse → one :class:`plugin.rumors.proposals.RumorProposals`
call → serialise): what is pinned at the top of searches changes under four-eyes, as lexicon entries do.

Roles as for lexicons: reader (read proposals and the rumour audit trail), editor (propose an import, preview
it, discard it), approver (publish). Identities are the name of the request's token, never a request field;
under four-eyes the approver must not be the proposal's author. Publishing reloads this process's rumour index
before it answers; other processes follow at their next refresh (``rumor_refresh_seconds``).

A proposal is JSON: the import file's text (JSONL, either schema of :mod:`plugin.rumors.importer`) and the ids
to remove, bounded by ``max_body_bytes`` (the shared 2,413 rumours are 1.9 MB: raise the limit for the admin
host, or propose from the command line: ``qinglang rumors import FILE --token``). With the search-engine
backend (``rumor_backend opensearch``) the proposals and the audit trail stay in the service's database,
publishing writes the cluster's index, and a preview lists the rumour changes only (the cluster scores pins).
"""

from __future__ import annotations

import io
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Depends, Query, Request
from pydantic import BaseModel, ConfigDict, Field

from plugin.rumors import RumorIndex
from plugin.rumors.importer import RumorImportError, parse_jsonl
from plugin.rumors.proposals import MAX_ID_CHARS, MAX_REMOVALS, RumorProposals
from plugin.store import TokenInfo

from . import previews
from .auth import require_role
from .errors import ServiceError
from .schemas import DB_INT_MAX, DbIntPath, IdentityFromToken, Line, Note
from .state import GuardState, state_of

__all__ = ["MAX_PREVIEW_TEXTS", "router"]

router = APIRouter(prefix="/v1/admin/rumors", tags=["admin"])
reader = require_role("reader", cookie=False)
editor = require_role("editor", cookie=False)
approver = require_role("approver", cookie=False)

#: Most sample texts a preview matches against both indexes (the bundled titles first, then recent texts).
MAX_PREVIEW_TEXTS = 5000
#: Most problems of a refused import file listed in the answer.
MAX_PROBLEMS_SHOWN = 100


class _Request(BaseModel):
    model_config = ConfigDict(extra="forbid")


class RumorProposalIn(_Request):
    """Rumours to add or replace (the text of a JSONL import file) and rumour ids to remove."""

    jsonl: Annotated[str, Field(default="", max_length=50_000_000)] = ""
    remove: Annotated[list[Annotated[Line, Field(min_length=1, max_length=MAX_ID_CHARS)]],
                      Field(default_factory=list, max_length=MAX_REMOVALS)]
    source: Line = ""
    note: Note = ""
    author: IdentityFromToken = None


class RumorPublishIn(_Request):
    note: Note | None = None


def _proposals(request: Request) -> RumorProposals:
    found: RumorProposals | None = state_of(request.app).rumor_proposals
    if found is None:
        raise ServiceError(409, "conflict", "rumour proposals need a rumour store; this service has rumours off")
    return found


@router.get("")
def status(request: Request, which: Literal["proposed", "published", "discarded", "all"] = Query("proposed", alias="status"),
           proposals: RumorProposals = Depends(_proposals), _: TokenInfo = Depends(reader)) -> dict[str, Any]:
    """The stored rumours (count, revision), the rumours this process serves and the proposals (``status``)."""
    rumors = state_of(request.app).rumors
    return {"stored": proposals.store.count(), "revision": proposals.store.revision(),
            "serving": len(rumors) if isinstance(rumors, RumorIndex) else None,
            "proposals": proposals.proposals(None if which == "all" else which)}


@router.post("/proposals", status_code=201)
def propose(body: RumorProposalIn, proposals: RumorProposals = Depends(_proposals),
            who: TokenInfo = Depends(editor)) -> dict[str, Any]:
    """Propose an import (and removals): nothing live changes until an approver publishes it. A file with bad
    lines is refused whole (422 ``import_refused``, each problem with its line)."""
    name = body.source or "proposal.jsonl"
    try:
        # lines end at \n, \r or \r\n only, as in a file (str.splitlines would also cut at U+2028 inside a string)
        report = parse_jsonl(io.StringIO(body.jsonl, newline=""), name)
    except RumorImportError as exc:
        raise ServiceError(422, "import_refused", str(exc),
                           problems=[{"line": p.line, "message": p.message}
                                     for p in exc.problems[:MAX_PROBLEMS_SHOWN]]) from None
    pid = proposals.propose(report.rumors, author=who.name, removals=body.remove, note=body.note, source=body.source)
    return {**proposals.proposal(pid), "skipped": [{"line": p.line, "reason": p.message} for p in report.skipped]}


@router.get("/proposals/{proposal_id}")
def proposal(proposal_id: DbIntPath, proposals: RumorProposals = Depends(_proposals),
             _: TokenInfo = Depends(reader)) -> dict[str, Any]:
    return proposals.proposal(proposal_id)


@router.post("/proposals/{proposal_id}/preview")
def preview(proposal_id: DbIntPath, request: Request, proposals: RumorProposals = Depends(_proposals),
            _: TokenInfo = Depends(editor)) -> dict[str, Any]:
    """Which rumours the proposal adds, changes and removes, and which sample texts (the bundled hot-search
    titles, the recent queries and titles) would gain, lose or change a pin or a label (429 when this process
    already runs ``MAX_RUNNING`` previews, of any kind: building the proposed index costs seconds). With the
    search-engine backend: the rumour changes only (``pins_compared`` false)."""
    state = state_of(request.app)
    live = state.rumors if isinstance(state.rumors, RumorIndex) else None  # None: the cluster scores pins
    proposals.proposal(proposal_id)  # 404 before taking a slot
    texts = [t.text for t in state.lexicon_store.preview_corpus()][:MAX_PREVIEW_TEXTS] if live is not None else []
    with previews.slot(request.app):
        return proposals.preview(proposal_id, live, texts, examples=state.config.store.preview_examples)


@router.post("/proposals/{proposal_id}/publish")
def publish(proposal_id: DbIntPath, request: Request, body: RumorPublishIn = Body(default_factory=RumorPublishIn),
            proposals: RumorProposals = Depends(_proposals), who: TokenInfo = Depends(approver)) -> dict[str, Any]:
    """Publish a proposal (403 ``four_eyes`` when the caller proposed it); answers once this process's rumour
    index serves it."""
    state: GuardState = state_of(request.app)
    done = proposals.publish(proposal_id, approver=who.name, note=body.note)
    if state.rumors is not None:
        try:
            state.refresh_rumors()
        except Exception:  # noqa: BLE001 - published and committed; refresh_rumors logged and counted the failure
            pass  # (the periodic refresh, rumor_refresh_seconds, tries again)
    return {**done, "serving": len(state.rumors) if isinstance(state.rumors, RumorIndex) else None}


@router.delete("/proposals/{proposal_id}")
def discard(proposal_id: DbIntPath, proposals: RumorProposals = Depends(_proposals),
            who: TokenInfo = Depends(editor)) -> dict[str, Any]:
    proposals.discard(proposal_id, by=who.name)
    return proposals.proposal(proposal_id)


@router.get("/audit")
def audit(proposal_id: int | None = Query(None, ge=1, le=DB_INT_MAX), after: int = Query(0, ge=0, le=DB_INT_MAX),
          limit: int = Query(1000, ge=1, le=1000), proposals: RumorProposals = Depends(_proposals),
          _: TokenInfo = Depends(reader)) -> dict[str, Any]:
    """The rumour audit trail (bootstrap imports, proposals, discards, publications), oldest first."""
    return {"events": proposals.audit(proposal_id=proposal_id, after=after, limit=limit)}
