"""Who acts on the store: the name of a verified API token, or the configured single operator.

The store never takes an identity from a request field: the service passes the name of the
token that authenticated the request, the CLI the name of the token it was given (``--token`` /
``QINGLANG_TOKEN``), and a one-person deployment that enabled ``StoreConfig.single_operator``
acts as ``single-operator:<os user>``, which the audit records as such.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from typing import Any, Iterable

from .config import StoreConfig
from .errors import AuthError, FourEyesError, StoreError

__all__ = ["Actor", "SINGLE_OPERATOR_PREFIX", "approval_kind", "checked_actor", "identity_key", "invisible"]

#: Names with this prefix are reserved for the single-operator mode (no token may carry one).
SINGLE_OPERATOR_PREFIX = "single-operator:"


#: Characters that show as nothing although they are not format (Cf) characters: the Default_Ignorable_Code_Point
#: marks and letters of Unicode (combining grapheme joiner, Hangul fillers, Khmer inherent vowels, Mongolian
#: free variation selectors, variation selectors) and the blank Braille pattern.
_INVISIBLE_RANGES = ((0x034F, 0x034F), (0x115F, 0x1160), (0x17B4, 0x17B5), (0x180B, 0x180F), (0x2800, 0x2800),
                     (0x3164, 0x3164), (0xFE00, 0xFE0F), (0xFFA0, 0xFFA0), (0xE0100, 0xE01EF))


def invisible(ch: str) -> bool:
    """Whether ``ch`` shows as nothing: a control, format or surrogate character, a line or paragraph separator,
    or one of :data:`_INVISIBLE_RANGES`."""
    code = ord(ch)
    return unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Zl", "Zp") or any(
        lo <= code <= hi for lo, hi in _INVISIBLE_RANGES)


def identity_key(name: str) -> str:
    """How four-eyes compares two names: as they read, so names that show alike are one person. Compatibility
    forms folded (NFKC: fullwidth ``ｅｄ`` is ``ed``), case folded, characters that show as nothing dropped
    (:func:`invisible`: ``ed`` + U+200B is ``ed``), runs of spaces read as one. Token names are refused such
    characters when made (:mod:`plugin.store.tokens`); this also covers names made before a check existed."""
    folded = unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", name).casefold())
    return " ".join("".join(ch for ch in folded if not invisible(ch)).split())


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
    :class:`~plugin.store.errors.FourEyesError` with ``refusal`` as its message. Names compare as they read
    (:func:`identity_key`: case-blind, compatibility forms and invisible characters folded away)."""
    if who.single_operator:
        return "single-operator"
    if identity_key(who.name) in {identity_key(str(c)) for c in contributors}:
        if config.four_eyes:
            raise FourEyesError(refusal)
        return "self"
    return "four-eyes"
