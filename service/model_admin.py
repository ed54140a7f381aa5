"""The model-version admin API, ``/v1/admin/models/...`` (thin: parse → one :class:`plugin.scoring.store.ModelStore`
call → serialise), and the hot reload of published model versions.

Roles as for lexicons: reader (read), editor (propose a model, preview, request a rollback, discard),
approver (publish). Identities are the name of the request's token, never a request field; under
four-eyes the approver must not be the proposal's author. Publishing swaps the new model into this
process at once; other processes follow at their next poll (``reload_interval``).

A model upload is JSON: the card as text and the weights file base64-encoded, so it is bounded by
``max_body_bytes`` (the bundled model's weights are 1.4 MB: raise the limit for the admin host).
"""

from __future__ import annotations

import base64
import binascii
import logging
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Depends, FastAPI, Query, Request
from pydantic import BaseModel, ConfigDict, Field

from plugin.errors import InputError
from plugin.scoring.preview import preview_model
from plugin.scoring.store import ModelStore
from plugin.store import TokenInfo
from plugin.store.reload import VersionPoller

from . import previews
from .auth import require_role
from .schemas import DbIntPath, IdentityFromToken, Note
from .state import state_of

__all__ = ["router", "start_reloading", "stop_reloading"]

log = logging.getLogger(__name__)

router = APIRouter(prefix="/v1/admin/models", tags=["admin"])
reader = require_role("reader", cookie=False)
editor = require_role("editor", cookie=False)
approver = require_role("approver", cookie=False)


class _Request(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ModelProposalIn(_Request):
    """A model to propose: its card (the JSON text of ``<name>.json``) and weights file (``<name>.npz``)."""

    card: Annotated[str, Field(min_length=2, max_length=1 << 20)]
    weights_base64: Annotated[str, Field(min_length=4)]
    note: Note = ""
    author: IdentityFromToken = None


class ModelPublishIn(_Request):
    note: Note | None = None


class ModelRollbackIn(_Request):
    to_version: Annotated[int, Field(ge=1, le=2**62)]
    note: Note = ""


def _store(request: Request) -> ModelStore:
    store: ModelStore = state_of(request.app).model_store
    return store


@router.get("")
def status(request: Request,
           which: Literal["proposed", "published", "discarded", "all"] = Query("proposed", alias="status"),
           store: ModelStore = Depends(_store), _: TokenInfo = Depends(reader)) -> dict[str, Any]:
    """The live version, the model this process serves, the versions and the proposals (``status``:
    which proposals)."""
    state = state_of(request.app)
    scorer = state.scorer.current() if state.scorer is not None else None
    poller = state.model_poller
    return {"live_version": store.live_version(), "model_scoring": state.scorer is not None,
            "serving": scorer.version if scorer is not None else None,
            "reload_error": poller.last_error if poller is not None else "",
            "versions": store.versions(), "proposals": store.proposals(None if which == "all" else which)}


@router.post("/proposals", status_code=201)
def propose(body: ModelProposalIn, store: ModelStore = Depends(_store), who: TokenInfo = Depends(editor)) -> dict[str, Any]:
    try:
        weights = base64.b64decode(body.weights_base64, validate=True)
    except (binascii.Error, ValueError):
        raise InputError("weights_base64 is not valid base64") from None
    return store.proposal(store.propose(body.card, weights, author=who.name, note=body.note))


@router.get("/proposals/{proposal_id}")
def proposal(proposal_id: DbIntPath, store: ModelStore = Depends(_store), _: TokenInfo = Depends(reader)) -> dict[str, Any]:
    return store.proposal(proposal_id)


@router.post("/proposals/{proposal_id}/preview")
def preview(proposal_id: DbIntPath, request: Request, store: ModelStore = Depends(_store),
            _: TokenInfo = Depends(editor)) -> dict[str, Any]:
    """How many preview texts (sample titles, recent queries, suggestions, candidates) change decision per
    surface if the proposal replaced the model this process serves (429 when this process already runs
    ``MAX_RUNNING`` previews, lexicon or model)."""
    state = state_of(request.app)
    base = state.scorer.current() if state.scorer is not None else None
    with previews.slot(request.app):
        report = preview_model(store.proposal_scorer(proposal_id), base, state.live.current(),
                               state.lexicon_store.preview_corpus(), policy=state.checks.policy,
                               examples=state.config.store.preview_examples)
    return {"proposal_id": proposal_id, **report}


@router.post("/proposals/{proposal_id}/publish")
def publish(proposal_id: DbIntPath, request: Request, body: ModelPublishIn = Body(default_factory=ModelPublishIn),
            store: ModelStore = Depends(_store), who: TokenInfo = Depends(approver)) -> dict[str, Any]:
    """Publish a proposal as the next model version (403 when the caller proposed it under four-eyes)."""
    number = store.publish(proposal_id, approver=who.name, note=body.note)
    reload_now(request.app)
    return store.version_info(number)


@router.delete("/proposals/{proposal_id}")
def discard(proposal_id: DbIntPath, store: ModelStore = Depends(_store),
            user: TokenInfo = Depends(editor)) -> dict[str, Any]:
    store.discard(proposal_id, by=user.name)
    return store.proposal(proposal_id)


@router.post("/rollback", status_code=201)
def rollback(body: ModelRollbackIn, store: ModelStore = Depends(_store), who: TokenInfo = Depends(editor)) -> dict[str, Any]:
    """Propose going back to an earlier version's model; an approver publishes it like any proposal."""
    return store.proposal(store.request_rollback(body.to_version, author=who.name, note=body.note))


def reload_now(app: FastAPI) -> None:
    """Swap the newly published model in right away (other processes follow at their next poll)."""
    poller = state_of(app).model_poller
    if poller is not None:
        try:
            poller.check_once()
        except Exception:
            log.exception("model reload after publish failed; the poller will retry")


def start_reloading(app: FastAPI) -> None:
    """Keep the live scorer on the newest published model version (when ``model_scoring`` is on)."""
    state = state_of(app)
    if state.scorer is None:
        return
    poller = VersionPoller(state.model_store, state.scorer, state.config.store.reload_interval,
                           build=state.model_store.build_scorer, what="model")
    state.model_poller = poller.catch_up_and_start()


def stop_reloading(app: FastAPI) -> None:
    state = state_of(app)
    if state.model_poller is not None:
        state.model_poller.stop()
        state.model_poller = None
