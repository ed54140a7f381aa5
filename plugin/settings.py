"""Settings declared once: a dataclass field carries its default and its help text.

    @dataclass(frozen=True)
    class StoreConfig:
        four_eyes: bool = setting(True, "publishing needs an approver who neither drafted nor changed it")

:func:`setting_rows` reads a settings class back as ``(name, default, help)`` rows, for documentation
and for the service, which exposes the library's settings as its own (``service.config``).
"""

from __future__ import annotations

import dataclasses
from typing import Any, TypeVar

__all__ = ["setting", "setting_help", "setting_rows"]

T = TypeVar("T")


def setting(default: T, help: str) -> T:
    """A dataclass field with ``default`` and ``help`` (typed as the default, as a plain default would be)."""
    field: Any = dataclasses.field(default=default, metadata={"help": help})
    return field  # type: ignore[no-any-return]


def setting_help(field: dataclasses.Field[Any]) -> str:
    """The help text of a field declared with :func:`setting` ('' for any other field)."""
    return str(field.metadata.get("help", ""))


def setting_rows(cls: type) -> tuple[tuple[str, Any, str], ...]:
    """``(name, default, help)`` of every field of the settings dataclass ``cls``, in declaration order."""
    return tuple((f.name, f.default, setting_help(f)) for f in dataclasses.fields(cls))
