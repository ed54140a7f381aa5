"""Errors raised by the lexicon store.

    GuardError (plugin.errors)
    └── StoreError              any lexicon-store failure
        ├── NotFoundError       unknown version / change-set / token
        ├── ConflictError       the change-set is based on an older version than the live one, or it
        │                       moved since the revision an editor / approver named
        ├── FourEyesError       the approver drafted or changed the change-set while four-eyes is on
        ├── AuthError           unknown, revoked or under-privileged API token
        └── ValidationError     the draft has problems; ``issues`` lists them
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from plugin.errors import GuardError

__all__ = [
    "AuthError",
    "ConflictError",
    "FourEyesError",
    "Issue",
    "NotFoundError",
    "StoreError",
    "ValidationError",
]


class StoreError(GuardError):
    """Root of every lexicon-store error."""


class NotFoundError(StoreError, KeyError):
    """An unknown version, change-set or token."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0]) if self.args else ""


class ConflictError(StoreError):
    """Optimistic-concurrency conflict: the draft no longer matches the live version, or its revision
    is not the one the caller reviewed (``revision`` is the current one)."""

    def __init__(self, message: str, *, base_version: int | None = None, live_version: int | None = None,
                 overlapping: list[str] | None = None, revision: int | None = None) -> None:
        super().__init__(message)
        self.base_version = base_version
        self.live_version = live_version
        self.overlapping = overlapping or []
        self.revision = revision


class AuthError(StoreError):
    """An API token is unknown or revoked, or its role is too low."""


class FourEyesError(StoreError):
    """Publishing needs an approver who neither drafted nor changed the change-set."""


@dataclass(frozen=True, slots=True)
class Issue:
    """One validation finding.

    ``level``: ``error`` (never publishable), ``force`` (publishable only with force) or
    ``warning`` (informational). ``line`` is the source line when the change came from a file.
    """

    level: str
    code: str
    message: str
    term_id: str = ""
    source: str = ""
    line: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"level": self.level, "code": self.code, "message": self.message, "term_id": self.term_id,
                "source": self.source, "line": self.line}

    def __str__(self) -> str:
        where = self.source or self.term_id
        if self.line and self.source and not self.source.endswith(f":{self.line}"):
            where = f"{self.source}:{self.line}"
        return f"{where}: {self.level}: {self.message}" if where else f"{self.level}: {self.message}"


class ValidationError(StoreError):
    """The draft cannot be published as it is; ``issues`` lists every problem."""

    def __init__(self, issues: list[Issue], message: str = "") -> None:
        self.issues = issues
        blocking = [i for i in issues if i.level in ("error", "force")]
        head = "; ".join(str(i) for i in blocking[:5])
        more = f" (and {len(blocking) - 5} more)" if len(blocking) > 5 else ""
        super().__init__(message or f"validation failed: {head}{more}")
