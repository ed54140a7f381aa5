"""Exceptions raised by qinglang-guard.

    GuardError                 root: catch this to catch everything below
    ├── LexiconError           a lexicon file or entry is invalid (carries path / line problems)
    ├── InputError             text handed to the matcher is unusable (wrong type, too large)
    ├── RumorError             rumour index problems (bad rows, unknown ids)
    └── ModelError             a spam-scorer model file, card or training row is invalid
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["ArtefactError", "GuardError", "InputError", "LexiconError", "LexiconProblem", "ModelError", "RumorError"]


class GuardError(Exception):
    """Root of every error this package raises."""


@dataclass(frozen=True, slots=True)
class LexiconProblem:
    """One problem in a lexicon file: where it is and what is wrong."""

    path: str
    line: int | None
    message: str
    severity: str = "error"  # "error" | "warning"

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        return f"{where}: {self.severity}: {self.message}"


class LexiconError(GuardError):
    """A lexicon could not be loaded; ``problems`` lists every error found."""

    def __init__(self, problems: list[LexiconProblem]) -> None:
        self.problems = problems
        head = "; ".join(str(p) for p in problems[:5])
        more = f" (and {len(problems) - 5} more)" if len(problems) > 5 else ""
        super().__init__(head + more)


class InputError(GuardError, ValueError):
    """The input text is unusable (not a str, too long, ...)."""


class RumorError(GuardError):
    """A rumour record or rumour store operation failed."""


class ModelError(GuardError):
    """A spam-scorer model file or card is invalid (or a training row is), with what and where."""


class ArtefactError(GuardError, ValueError):
    """A compiled-matcher artefact is corrupt, truncated or of another format (it is never half-loaded)."""
