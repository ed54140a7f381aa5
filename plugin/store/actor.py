"""Who acts on the store: the name of a verified API token, or the configured single operator.

The store never takes an identity from a request field: the service passes the name of the
token that authenticated the request, the CLI the name of the token it was given (``--token`` /
``QINGLANG_TOKEN``), and a one-person deployment that enabled ``StoreConfig.single_operator``
acts as ``single-operator:<os user>``, which the audit records as such.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

__all__ = ["Actor", "SINGLE_OPERATOR_PREFIX"]

#: Names with this prefix are reserved for the single-operator mode (no token may carry one).
SINGLE_OPERATOR_PREFIX = "single-operator:"


@dataclass(frozen=True, slots=True)
class Actor:
    """An identity acting on the store.

    ``name`` is what the audit records (author, editor, contributor, approver).
    ``single_operator`` is true only for the explicit one-person mode (see :meth:`single`).
    """

    name: str
    single_operator: bool = False

    @classmethod
    def from_token(cls, token: Any) -> "Actor":
        """The actor of a verified :class:`~plugin.store.TokenInfo`."""
        return cls(str(token.name))

    @classmethod
    def single(cls, os_user: str) -> "Actor":
        """The single operator of a one-person deployment, recorded as ``single-operator:<os user>``."""
        user = (os_user or "").strip() or "unknown"
        return cls(f"{SINGLE_OPERATOR_PREFIX}{user}"[:100], True)

    def __str__(self) -> str:
        return self.name
