"""Masking: a text shown with its lexicon hits replaced (an entry's replacement, else a mask per
character), with the offsets of each span in the original and the masked text."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from plugin.matching.mask import mask_text

from ..schemas import MaskRequest, MaskResponse
from ..state import GuardState
from .deps import body_doc, guard_of, parse_json, read_body, run_check, too_long

router = APIRouter(tags=["checks"])


@router.post("/v1/mask", response_model=None, responses={200: {"model": MaskResponse}},
             summary="Mask lexicon hits in a text", openapi_extra=body_doc(MaskRequest))
async def mask(request: Request) -> JSONResponse:
    """The text with every lexicon hit (or those with one of ``actions``) masked: the entry's
    ``replacement`` when it has one, else ``replacement`` once per character."""
    raw = await read_body(request)
    return await run_check(request, mask_body, guard_of(request), raw)


def mask_body(guard: GuardState, raw: bytes) -> JSONResponse:
    """The work of :func:`mask` (parse, limits, matching): runs in a check thread."""
    body = parse_json(raw, MaskRequest)
    limit = min(guard.config.max_text_chars, guard.config.max_request_chars)
    if len(body.text) > limit:
        raise too_long(("body", "text"), limit, "text", "max_text_chars")
    matcher = guard.live.current()
    hits = guard.checks.scan(body.text, matcher=matcher)
    guard.metrics.count_hits(hits, "mask")
    result = mask_text(body.text, hits, body.replacement, actions=set(body.actions) if body.actions else None,
                       lexicon_version=str(guard.live.version))
    return JSONResponse(result.to_dict())
