"""Who acts on the store: the name of a verified API token, or the configured single operator.

The store never takes an identity from a request field: the service passes the name of the
token that authenticated the request, the CLI the name of the token it was given (``--token`` /
``QINGLANG_TOKEN``), and a one-person deployment that enabled ``StoreConfig.single_operator``
acts as ``single-operator:<os user>``, which the audit records as such.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable

from .config import StoreConfig
from .errors import AuthError, FourEyesError, StoreError

__all__ = ["Actor", "SINGLE_OPERATOR_PREFIX", "approval_kind", "checked_actor"]

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


def checked_actor(who: Actor | str, config: StoreConfig, role: str = "actor") -> Actor:
    """``who`` as an :class:`Actor` a store with ``config`` accepts (every store that records identities:
    lexicon change-sets, model versions).

    A plain string is a name the caller vouches for (the service and the CLI pass the name of the
    token they verified). The single-operator mode is refused unless ``config.single_operator`` is on,
    and its ``single-operator:`` names cannot be claimed by anyone else.
    """
    actor = who if isinstance(who, Actor) else Actor(who if isinstance(who, str) else "")
    name = actor.name.strip()[:100] if isinstance(actor.name, str) else ""
    if not name:
        raise StoreError(f"{role} name is required")
    if actor.single_operator:
        if not config.single_operator:
            raise AuthError("the single-operator mode is not enabled for this store (StoreConfig.single_operator, "
                            "QINGLANG_SINGLE_OPERATOR=true); act with an API token")
        if not name.startswith(SINGLE_OPERATOR_PREFIX):
            raise StoreError(f"a single operator is recorded as {SINGLE_OPERATOR_PREFIX}<os user>")
    elif name.lower().startswith(SINGLE_OPERATOR_PREFIX):
        raise StoreError(f"{role} name {name!r} is reserved for the single-operator mode")
    return Actor(name, actor.single_operator)


def approval_kind(who: Actor, contributors: Iterable[str], config: StoreConfig, refusal: str) -> str:
    """The four-eyes rule of every store that publishes what someone proposed (lexicon change-sets, model
    versions, rumour imports): how ``who`` approves a proposal that ``contributors`` (its author and everyone
    who changed it) made. ``single-operator`` for the one-person mode; ``self`` when ``who`` is a contributor
    and ``config.four_eyes`` is off; ``four-eyes`` otherwise. A contributor under four-eyes gets
    :class:`~plugin.store.errors.FourEyesError` with ``refusal`` as its message. Names compare case-blind."""
    if who.single_operator:
        return "single-operator"
    if who.name.casefold() in {str(c).casefold() for c in contributors}:
        if config.four_eyes:
            raise FourEyesError(refusal)
        return "self"
    return "four-eyes"
