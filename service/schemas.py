"""Request and response models of the HTTP API (pydantic; unknown fields are rejected).

Requests are validated here; the configurable limits (``max_query_chars``, ``max_suggestions``,
``max_candidates``, ``max_text_chars``, ``max_request_chars``) are checked by the routes against the
running config. The candidate model itself lives in :mod:`plugin.review.models` (shared with the library).

Text comes in two kinds. *Content* (queries, suggestions, candidates' titles and texts, lexicon file
contents) is what gets checked: it may hold odd characters (zero-width, look-alikes: evasion is what
the matcher is for) but never C0/C1 control characters (``Text``). *Metadata* written by people
and shown back to people (notes, names, reasons, term ids) is stricter, so nothing stored can carry a
terminal escape or spoof the audit trail: ``Name`` / ``Word`` / ``Term`` (one line, :func:`check_line`:
no control characters at all, no invisible or bidirectional formatting characters, no line separators)
and ``Note`` / ``LongNote`` (:func:`check_note`: tab and newline allowed, CRLF read as LF, no other control
and no bidirectional characters). Either refusal is a 422 naming the field.
"""

from __future__ import annotations

import unicodedata
from typing import Annotated, Any, Literal

from fastapi import Path
from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, JsonValue, StrictStr, ValidationInfo
from pydantic.json_schema import SkipJsonSchema
from pydantic_core import InitErrorDetails, PydanticCustomError, ValidationError

from plugin import fixed_regex
from plugin.review.models import INT64_MAX, INT64_MIN, Candidate, Text, not_blank
from plugin.lexicon import BIDI_CONTROLS

__all__ = [
    "DB_INT_MAX",
    "DB_INT_MIN",
    "DbInt",
    "DbIntPath",
    "Candidate",
    "ChangeIn",
    "TestTextIn",
    "ChangesetIn",
    "IdentityFromToken",
    "DroppedSuggestion",
    "EntryIn",
    "FileIn",
    "ImportIn",
    "Line",
    "LongNote",
    "Name",
    "Note",
    "PublishIn",
    "QueryCheckRequest",
    "QueryCheckResponse",
    "ReviewDecisionRequest",
    "ReviewResultModel",
    "RollbackIn",
    "SuggestionFilterRequest",
    "SuggestionFilterResponse",
    "Term",
    "Word",
    "TrendingReviewRequest",
    "TrendingReviewResponse",
    "check_line",
    "check_note",
    "check_term",
]

#: SQLite stores 64-bit signed integers: a larger number in a query would raise OverflowError (a 500).
#: Every integer path / query / form / body parameter that reaches the database is bounded by these
#: (``tests/service/test_input_validation.py`` walks the routes to check it), so such input is a 422.
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
_HARD_MAX_TEXT_MASK = 1_000_000  # the configured max_text_chars is the real limit

# ---- free-text metadata -------------------------------------------------------------------------------------

#: Bidirectional controls (ALM, LRM, RLM, embeddings / overrides, isolates): they reorder what is shown.
_KINDS = {"Cc": "control character", "Cf": "invisible formatting character", "Cs": "lone surrogate",
          "Zl": "line separator", "Zp": "paragraph separator"}


def _refuse(ch: str, i: int) -> ValueError:
    kind = "bidirectional control character" if ch in BIDI_CONTROLS else _KINDS[unicodedata.category(ch)]
    return ValueError(f"{kind} U+{ord(ch):04X} at position {i} is not allowed")


def check_line(value: str, *, invisible: bool = False) -> str:
    """One line of metadata: refuse control characters (tab and newline too), line / paragraph
    separators, lone surrogates, bidirectional controls and, unless ``invisible``, other invisible
    formatting characters (zero-width space / joiner ...)."""
    for i, ch in enumerate(value):
        if ch.isprintable() or ch == " ":
            continue
        cat = unicodedata.category(ch)
        if cat in ("Cc", "Cs", "Zl", "Zp") or ch in BIDI_CONTROLS or (cat == "Cf" and not invisible):
            raise _refuse(ch, i)
    return value


def check_note(value: str) -> str:
    """A note: tab and newline are the only control characters; no bidirectional controls or lone
    surrogates."""
    for i, ch in enumerate(value):
        if ch.isprintable() or ch in " \t\n":
            continue
        if unicodedata.category(ch) in ("Cc", "Cs") or ch in BIDI_CONTROLS:
            raise _refuse(ch, i)
    return value


def _crlf(value: Any) -> Any:
    return value.replace("\r\n", "\n") if isinstance(value, str) else value


def check_term(value: str) -> str:
    """:func:`check_line` keeping zero-width characters (lexicon terms and ids: the lexicon parser
    decides what a term may hold)."""
    return check_line(value, invisible=True)


#: A person's or token's name as typed (reviewer, requested_by): one line, not blank.
Name = Annotated[Text, Field(min_length=1, max_length=200), AfterValidator(not_blank), AfterValidator(check_line)]
#: A note on a change-set, a version or a rollback: tabs and newlines allowed, CRLF read as LF.
Note = Annotated[Text, Field(max_length=2000), BeforeValidator(_crlf), AfterValidator(check_note)]
#: A longer note (a reviewer's reasons).
LongNote = Annotated[Text, Field(max_length=5000), BeforeValidator(_crlf), AfterValidator(check_note)]
#: A lexicon term or term id as typed (one line; zero-width characters allowed).
Term = Annotated[Text, Field(max_length=200), AfterValidator(check_term)]
#: One line of metadata, possibly empty (an optional name as typed in a form).
Line = Annotated[Text, Field(max_length=200), AfterValidator(check_line)]
#: A short word of metadata (a category, an action, a date as typed): one line.
Word = Annotated[Text, Field(max_length=40), AfterValidator(check_line)]


def _check_json_strings(value: JsonValue) -> JsonValue:
    """Every string inside a JSON value (an entry's other fields: note, clause, variants ...) obeys
    :func:`check_note`."""
    stack = [value]
    while stack:
        v = stack.pop()
        if isinstance(v, str):
            check_note(v)
        elif isinstance(v, list):
            stack.extend(v)
        elif isinstance(v, dict):
            stack.extend(v.keys())
            stack.extend(v.values())
    return value


EntryField = Annotated[JsonValue, AfterValidator(_check_json_strings)]


class _Request(BaseModel):
    model_config = ConfigDict(extra="forbid")


class QueryCheckRequest(_Request):
    """A search query to check before it is sent to the search stack."""

    query: Annotated[Text, Field(min_length=1, max_length=_HARD_MAX_QUERY)]


class MaskRequest(_Request):
    """A text to show with its lexicon hits masked."""

    text: Annotated[Text, Field(min_length=1, max_length=_HARD_MAX_TEXT_MASK)]
    #: one line of visible characters (a bidirectional control would reorder the masked text it is written into)
    replacement: Annotated[Text, Field(min_length=1, max_length=8), AfterValidator(check_line)] = "*"
    actions: Annotated[list[Literal["label", "limit", "review", "block"]], Field(max_length=4)] | None = None


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
    note: LongNote = ""
    reviewer: IdentityFromToken = None


# ---- lexicon administration (service.admin) -------------------------------------------------------------------


class EntryIn(BaseModel):
    """A lexicon entry (same fields as a YAML lexicon entry; the store validates them). Strings of the
    other fields (note, clause, variants ...) may span lines but hold no other control characters."""

    model_config = ConfigDict(extra="allow")
    __pydantic_extra__: dict[str, EntryField] = Field(init=False)
    term: Term
    category: Word


class ChangesetIn(_Request):
    note: Note = ""


class ChangeIn(_Request):
    op: Literal["add", "edit", "remove"]
    entry: EntryIn | None = None
    term_id: Term | None = None
    force: bool = False
    expected_revision: DbInt | None = None


class PublishIn(_Request):
    """Publish the revision of a change-set the approver reviewed (the caller's token is the approver)."""

    expected_revision: DbInt = Field(description="revision of the change-set that was reviewed (from GET "
                                                 "changesets/{id} or its preview); 409 when the draft moved since")
    note: Note | None = None
    force: bool = False


class TestTextIn(_Request):
    """A text to explain (``POST /v1/admin/test``)."""

    text: Annotated[Text, Field(min_length=1, max_length=2000)]


class RollbackIn(_Request):
    """Request a rollback: a change-set restoring ``to_version``, authored by the caller's token; an
    approver (another person under four-eyes) publishes it."""

    to_version: DbInt
    note: Note = ""
    requested_by: IdentityFromToken = None


#: A lexicon file name: a plain file name (no directory part, not hidden, no ``..``) with a lexicon suffix.
_FILE_NAME = fixed_regex.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,79}\.(?:yaml|yml|tsv|txt)")
_FILE_SUFFIXES = (".yaml", ".yml", ".tsv", ".txt")


def _file_name(value: str) -> str:
    if not value:
        raise ValueError("file name is empty")
    if "/" in value or "\\" in value or value in (".", ".."):
        raise ValueError(f"file name {value!r} has a directory part: give the bare file name")
    if ".." in value or value.startswith("."):
        raise ValueError(f"file name {value!r} may not start with '.' or contain '..'")
    if not value.endswith(_FILE_SUFFIXES):
        raise ValueError(f"file name {value!r} needs one of the suffixes {', '.join(_FILE_SUFFIXES)} (lower case)")
    if not _FILE_NAME.fullmatch(value):
        raise ValueError(f"file name {value!r}: use at most 84 ASCII letters, digits, '_', '.' and '-'")
    return value


class FileIn(_Request):
    """One lexicon file of an import: its name and its text (no control characters but tab and newline)."""

    name: Annotated[StrictStr, AfterValidator(_file_name)]
    content: Annotated[Text, Field(max_length=5_000_000)]


def _unique_names(files: list[FileIn]) -> list[FileIn]:
    """Refuse two files of one import with the same name (compared case-blind, as on many disks): the
    second would silently replace the first."""
    seen: dict[str, int] = {}
    errors: list[InitErrorDetails] = []
    for i, f in enumerate(files):
        first = seen.setdefault(f.name.casefold(), i)
        if first != i:
            errors.append({"type": PydanticCustomError(
                "duplicate_name", "file name {name!r} is also the name of files[{first}]: each file needs its own name",
                {"name": f.name, "first": first}), "loc": (i, "name"), "input": f.name})
    if errors:
        raise ValidationError.from_exception_data("files", errors)
    return files


class ImportIn(_Request):
    """Lexicon files to draft into a change-set; file names are unique within the request (case-blind)."""

    files: Annotated[list[FileIn], Field(min_length=1, max_length=50), AfterValidator(_unique_names)]
    changeset_id: DbInt | None = None
    replace: bool = False
    dry_run: bool = False
    force: bool = False
    note: Note = ""


# ---- responses (documentation; the routes return plain JSON of these shapes) -----------------------


class HitModel(BaseModel):
    term: str
    category: str
    action: str
    start: int
    end: int
    surface: str
    technique: str
    tags: list[str] = Field(default_factory=list, description="the entry's tags (only when it has some)")


class MaskedSpanModel(BaseModel):
    start: int = Field(description="start in the original text")
    end: int
    masked_start: int = Field(description="start in the masked text")
    masked_end: int
    term_ids: list[str]
    categories: list[str]
    written: str = Field(description="what replaced the span: the entry's replacement, or the mask per character")


class MaskResponse(BaseModel):
    text: str = Field(description="the text with its hits masked")
    spans: list[MaskedSpanModel]
    lexicon_version: str


class QueryCheckResponse(BaseModel):
    action: Literal["allow", "block", "review"]
    lexicon_action: str = Field(description="most severe lexicon action (allow/label/limit/review/block)")
    hits: list[HitModel]
    pins: list[dict[str, Any]] = Field(description="refutations to pin above the results (rumour queries)")
    labels: list[dict[str, Any]]
    notice: str | None
    lexicon_version: str
    related: list[dict[str, Any]] = Field(
        default_factory=list, description="medium-confidence refutations (相关辟谣 card), never above the results")


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
    hits: list[dict[str, Any]] = Field(description="the candidate's lexicon hits, the first 100 of them")
    hits_total: int = Field(0, description="how many lexicon hits the candidate holds (hits lists the first 100)")
    refutations: list[dict[str, Any]]
    freeze_interactions: bool
    review_id: str | None = Field(None, description="id of the stored review record")


class TrendingReviewResponse(BaseModel):
    results: list[ReviewResultModel]
    lexicon_version: str
