"""Response models of the lexicon admin API (``/v1/admin``), for its OpenAPI document: each route's 200/201
answer is typed here (:data:`ADMIN_RESPONSES`, applied by :mod:`service.apidocs`), and
``tests/service/test_apidocs.py`` validates real answers against them. The routes return the store's own
dictionaries; the models allow further members, so a field the store adds shows up before it is documented
here.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

__all__ = [
    "ADMIN_RESPONSES", "AdminStatus", "ChangeModel", "ChangeResult", "Changeset", "ChangesetList",
    "ChangesetSummary", "DiffCounts", "EntryHistory", "EntryPage", "EntryRow", "ExportedFiles", "RebaseResult", "RevisionOnly",
    "VersionInfo", "VersionList",
]

_OPEN = ConfigDict(extra="allow")


class AdminStatus(BaseModel):
    model_config = _OPEN

    store_version: int | None = Field(description="the store's live version (null before it is seeded)")
    serving_version: str = Field(description="the version this process's matcher was compiled from")
    reloads: int = Field(description="versions this process has swapped in")
    reload_error: str = Field(description="why the last reload failed ('' when it did not)")
    open_changesets: int


class DiffCounts(BaseModel):
    added: int
    removed: int
    changed: int


class VersionInfo(BaseModel):
    model_config = _OPEN

    number: int
    parent: int | None
    kind: str = Field(description="seed, publish or rollback")
    author: str
    approver: str
    note: str
    created_at: str
    changeset_id: int | None
    rollback_of: int | None
    entry_count: int
    digest: str
    approval: str
    diff: DiffCounts
    diff_term_ids: dict[str, list[str]] | None = Field(None, description="term ids per kind of change (one "
                                                                          "version only)")


class VersionList(BaseModel):
    live: int | None
    versions: list[VersionInfo]


class ChangeModel(BaseModel):
    model_config = _OPEN

    term_id: str
    op: str = Field(description="add, edit or remove")
    entry: dict[str, Any] | None
    force: bool
    source: str
    editor: str


class ChangesetSummary(BaseModel):
    model_config = _OPEN

    id: int
    base_version: int
    author: str
    note: str
    status: str = Field(description="draft, published or discarded")
    revision: int
    created_at: str
    updated_at: str
    published_version: int | None
    kind: str
    rollback_of: int | None


class Changeset(ChangesetSummary):
    changes: list[ChangeModel]
    contributors: list[str]
    issues: list[dict[str, Any]] = Field(default_factory=list, description="validation issues of a draft")


class ChangesetList(BaseModel):
    changesets: list[ChangesetSummary]


class ChangeResult(BaseModel):
    model_config = _OPEN

    revision: int = Field(description="the change-set's revision after the change (send it back as "
                                      "expected_revision)")
    changes: list[ChangeModel]
    issues: list[dict[str, Any]]


class RevisionOnly(BaseModel):
    revision: int


class RebaseResult(BaseModel):
    changeset_id: int
    from_version: int
    to_version: int
    revision: int
    overlapping: list[str] = Field(description="term ids this draft changes that the newer versions changed too")


class EntryRow(BaseModel):
    model_config = _OPEN

    term_id: str
    term: str
    category: str
    action: str
    severity: int


class EntryPage(BaseModel):
    model_config = _OPEN

    version: int | None
    total: int
    entries: list[EntryRow]


class EntryHistory(BaseModel):
    term_id: str
    revisions: list[dict[str, Any]]


class ExportedFiles(BaseModel):
    version: int | None
    files: dict[str, str] = Field(description="file name → lexicon file text (YAML)")


#: (method, path) → the model of the route's success answer.
ADMIN_RESPONSES: dict[tuple[str, str], type[BaseModel]] = {
    ("get", "/v1/admin/status"): AdminStatus,
    ("get", "/v1/admin/versions"): VersionList,
    ("get", "/v1/admin/versions/{number}"): VersionInfo,
    ("get", "/v1/admin/entries"): EntryPage,
    ("get", "/v1/admin/history"): EntryHistory,
    ("get", "/v1/admin/changesets"): ChangesetList,
    ("post", "/v1/admin/changesets"): Changeset,
    ("get", "/v1/admin/changesets/{cs_id}"): Changeset,
    ("post", "/v1/admin/changesets/{cs_id}/changes"): ChangeResult,
    ("delete", "/v1/admin/changesets/{cs_id}/changes"): RevisionOnly,
    ("post", "/v1/admin/changesets/{cs_id}/rebase"): RebaseResult,
    ("delete", "/v1/admin/changesets/{cs_id}"): Changeset,
    ("post", "/v1/admin/changesets/{cs_id}/publish"): VersionInfo,
    ("post", "/v1/admin/rollback"): Changeset,
    ("get", "/v1/admin/export"): ExportedFiles,
}
