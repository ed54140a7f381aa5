"""Request and response models of the HTTP API (pydantic; unknown fields are rejected).

Requests are validated here; the configurable limits (``max_query_chars``, ``max_suggestions``,
``max_candidates``, ``max_text_chars``) are checked by the routes against the running config.
The candidate model itself lives in :mod:`plugin.review.models` (shared with the library).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import Path
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationInfo
from pydantic.json_schema import SkipJsonSchema
from pydantic_core import PydanticCustomError

from plugin.review.models import INT64_MAX, INT64_MIN, Candidate, Text

__all__ = [
    "DB_INT_MAX",
    "DB_INT_MIN",
    "DbInt",
    "DbIntPath",
    "Candidate",
    "IdentityFromToken",
    "DroppedSuggestion",
    "QueryCheckRequest",
    "QueryCheckResponse",
    "ReviewDecisionRequest",
    "ReviewResultModel",
    "SuggestionFilterRequest",
    "SuggestionFilterResponse",
    "TrendingReviewRequest",
    "TrendingReviewResponse",
]

#: SQLite stores 64-bit signed integers: a larger number in a query would raise OverflowError (a 500).
#: Every integer path / query / form / body parameter that reaches the database is bounded by these
#: (``tests/test_service_hardening.py`` walks the routes to check it), so such input is a 422.
DB_INT_MIN, DB_INT_MAX = INT64_MIN, INT64_MAX

#: An integer that fits a SQLite INTEGER (for body models; query and form parameters use
#: ``Query`` / ``Form`` with ``ge=DB_INT_MIN, le=DB_INT_MAX``).
DbInt = Annotated[int, Field(ge=DB_INT_MIN, le=DB_INT_MAX)]
#: The same as a path parameter (e.g. ``cs_id: DbIntPath``).
DbIntPath = Annotated[int, Path(ge=DB_INT_MIN, le=DB_INT_MAX)]



def _refuse_identity(value: Any, info: ValidationInfo) -> Any:
    raise PydanticCustomError(
        "identity_from_token",
        "'{field}' is not accepted: the identity comes from the API token of the request; remove this field",
        {"field": info.field_name})


#: A request field that used to name a person (``reviewer``, ``requested_by``): identities come from
#: the API token, so the field is left out of the OpenAPI schema and a request that still sends it
#: gets a 422 saying so (rather than a bare "unknown field").
IdentityFromToken = SkipJsonSchema[Annotated[Any, BeforeValidator(_refuse_identity)]]

#: Hard caps independent of the config (the config limits are usually far smaller).
_HARD_MAX_QUERY = 10_000
_HARD_MAX_ITEMS = 10_000


class _Request(BaseModel):
    model_config = ConfigDict(extra="forbid")


class QueryCheckRequest(_Request):
    """A search query to check before it is sent to the search stack."""

    query: Annotated[Text, Field(min_length=1, max_length=_HARD_MAX_QUERY)]


class SuggestionFilterRequest(_Request):
    """Search suggestions (联想词) for a typed prefix; returns those safe to show."""

    prefix: Annotated[Text, Field(max_length=_HARD_MAX_QUERY)] = ""
    suggestions: Annotated[list[Annotated[Text, Field(max_length=_HARD_MAX_QUERY)]], Field(max_length=_HARD_MAX_ITEMS)]


class TrendingReviewRequest(_Request):
    """Candidates for the trending list (热搜) to review before publication."""

    candidates: Annotated[list[Candidate], Field(max_length=_HARD_MAX_ITEMS)]


class ReviewDecisionRequest(_Request):
    """A reviewer's decision on a queued item: what and why. Who decided is the name of the request's
    API token (role ``reviewer`` or above), never a field."""

    decision: Literal["approve", "approve_with_labels", "limit", "reject"]
    note: Annotated[Text, Field(max_length=5000)] = ""
    reviewer: IdentityFromToken = None


# ---- responses (documentation; the routes return plain JSON of these shapes) -----------------------


class HitModel(BaseModel):
    term: str
    category: str
    action: str
    start: int
    end: int
    surface: str
    technique: str


class QueryCheckResponse(BaseModel):
    action: Literal["allow", "block", "review"]
    lexicon_action: str = Field(description="most severe lexicon action (allow/label/limit/review/block)")
    hits: list[HitModel]
    pins: list[dict[str, Any]] = Field(description="refutations to pin above the results (rumour queries)")
    labels: list[dict[str, Any]]
    notice: str | None
    lexicon_version: str


class DroppedSuggestion(BaseModel):
    text: str
    reason: str
    hits: list[HitModel]


class SuggestionFilterResponse(BaseModel):
    kept: list[str]
    dropped: list[DroppedSuggestion]
    lexicon_version: str


class ReasonModel(BaseModel):
    rule: str
    clause: str
    detail: str


class ReviewResultModel(BaseModel):
    id: str | int
    decision: Literal["approve", "approve_with_labels", "limit", "review", "reject"]
    reasons: list[ReasonModel]
    required_labels: list[str]
    hits: list[dict[str, Any]]
    refutations: list[dict[str, Any]]
    freeze_interactions: bool
    review_id: str | None = Field(None, description="id of the stored review record")


class TrendingReviewResponse(BaseModel):
    results: list[ReviewResultModel]
    lexicon_version: str
