"""API tokens: random secrets shown once, stored as sha256 hashes, each with a role.

Roles, least to most privileged (each includes the rights of those before it):

- ``reader``: read the lexicon store, the review queue and the audit trail
- ``reviewer``: decide items of the manual review queue
- ``editor``: draft change-sets (including rollback requests), preview, import
- ``approver``: publish change-sets someone else drafted (four-eyes)
- ``admin``: everything

A token's name is the identity the audit records for whatever the token does.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import hmac
import secrets
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from plugin.db import Database, Row, db_errors, open_database

from .actor import SINGLE_OPERATOR_PREFIX, invisible
from .errors import AuthError, NotFoundError, StoreError
from .schema import TOKEN_MIGRATIONS

__all__ = ["ROLES", "TOKEN_PREFIX", "TokenInfo", "TokenStore", "is_guard_token", "role_at_least"]

ROLES: dict[str, int] = {"reader": 0, "reviewer": 1, "editor": 2, "approver": 3, "admin": 4}
PREFIX = "qg_"
#: What every secret this store issues starts with.
TOKEN_PREFIX = PREFIX


def is_guard_token(authorization: str) -> bool:
    """Whether an ``Authorization`` header value carries one of this store's tokens, in any scheme and
    spacing (``Bearer qg_…``, ``Bearer<TAB>qg_…``, ``ApiKey qg_…``, or inside ``Basic`` credentials): such a
    header is never sent on to another service."""
    if PREFIX in authorization:
        return True
    scheme, _, rest = authorization.strip().partition(" ")
    if scheme.lower() == "basic":
        try:
            decoded = base64.b64decode(rest.strip(), validate=False).decode("utf-8", "replace")
        except (ValueError, binascii.Error):
            return False
        return PREFIX in decoded
    return False


def _check_name(name: str) -> None:
    """A token name is the identity four-eyes compares: no control, invisible-format or separator
    characters (``ed`` + U+200B would pass for ``ed``), no space but U+0020, and no compatibility forms
    (fullwidth ``ｅｄ``): the name must be its own NFKC form."""
    for pos, ch in enumerate(name):
        cat = unicodedata.category(ch)
        if cat[0] == "C" or (cat[0] == "Z" and ch != " ") or invisible(ch):
            raise StoreError(f"token name holds U+{ord(ch):04X} ({cat}) at position {pos}: names are visible text")
    if name != name.strip(" ") or "  " in name:
        raise StoreError(f"token name {name!r} has a space at an end or two in a row ('edi tor' and 'edi  tor' "
                         "look the same): write single spaces between words")
    if unicodedata.normalize("NFKC", name) != name:
        raise StoreError(f"token name {name!r} holds compatibility characters (fullwidth or similar); "
                         f"use {unicodedata.normalize('NFKC', name)!r}")
    scripts = {word.capitalize() for word in (unicodedata.name(ch, "").split(" ", 1)[0] for ch in name if ch.isalpha())
               if word not in _CJK_WORDS}
    if len(scripts) > 1:
        raise StoreError(f"token name {name!r} mixes {' and '.join(sorted(scripts))} letters (Cyrillic а looks "
                         "like Latin a): write a name in one of these alphabets")


#: First words of the Unicode names of CJK letters (and of modifier letters such as ʼ): a name may use these with
#: one alphabet; two alphabets (Latin with Cyrillic, Greek, Armenian, Cherokee, Lisu ...) could pass for one
#: another (Cyrillic а, Armenian օ, Lisu ꓮ look like Latin a, o, A).
_CJK_WORDS = frozenset({"CJK", "HIRAGANA", "KATAKANA", "KATAKANA-HIRAGANA", "HANGUL", "BOPOMOFO", "IDEOGRAPHIC",
                        "MODIFIER", ""})


def role_at_least(role: str, needed: str) -> bool:
    """Whether ``role`` includes the rights of ``needed``."""
    if needed not in ROLES:
        raise ValueError(f"unknown role {needed!r} (expected one of {', '.join(ROLES)})")
    return ROLES.get(role, -1) >= ROLES[needed]


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


@dataclass(frozen=True, slots=True)
class TokenInfo:
    """A stored token (never the secret)."""

    id: int
    name: str
    role: str
    prefix: str
    created_at: str
    revoked_at: str | None
    last_used_at: str | None

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "name": self.name, "role": self.role, "prefix": self.prefix,
                "created_at": self.created_at, "revoked_at": self.revoked_at, "last_used_at": self.last_used_at}


class TokenStore:
    """``token_tokens`` in the shared database (its own connection, or a given :class:`~plugin.db.Database`)."""

    def __init__(self, db_path: str | Path | Database) -> None:
        self.db = open_database(db_path)
        self._owned = not isinstance(db_path, Database)
        self.db_path = self.db.location if isinstance(db_path, Database) else str(db_path)
        self.db.migrate("token", TOKEN_MIGRATIONS)

    @staticmethod
    def _info(r: Row) -> TokenInfo:
        return TokenInfo(r["id"], r["name"], r["role"], r["prefix"], r["created_at"], r["revoked_at"],
                         r["last_used_at"])

    def create(self, name: str, role: str) -> tuple[TokenInfo, str]:
        """Create a token; returns its record and the secret (shown once, never stored)."""
        if role not in ROLES:
            raise StoreError(f"unknown role {role!r} (expected one of {', '.join(ROLES)})")
        if not isinstance(name, str) or not name.strip() or len(name) > 100:
            raise StoreError("token name must be 1-100 characters")
        _check_name(name.strip())
        if name.strip().lower().startswith(SINGLE_OPERATOR_PREFIX):
            raise StoreError(f"token names starting with {SINGLE_OPERATOR_PREFIX!r} are reserved for the "
                             "single-operator mode")
        secret = PREFIX + secrets.token_urlsafe(32)
        now = dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
        row = self.db.execute(
            "INSERT INTO token_tokens (name, role, secret_hash, prefix, created_at) VALUES (?,?,?,?,?) RETURNING *",
            (name.strip(), role, _hash(secret), secret[:7], now))[0]
        return self._info(row), secret

    def list(self, include_revoked: bool = True) -> list[TokenInfo]:
        sql = "SELECT * FROM token_tokens" + ("" if include_revoked else " WHERE revoked_at IS NULL")
        rows = self.db.execute(sql + " ORDER BY id")
        return [self._info(r) for r in rows]

    def revoke(self, ident: int | str) -> TokenInfo:
        """Revoke a token by id or name (a name must be unambiguous among live tokens)."""
        now = dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
        with self.db.transaction(write=True, lock="token") as tx:
            if isinstance(ident, int) or str(ident).isdigit():
                rows = tx.execute("SELECT * FROM token_tokens WHERE id = ?", (int(ident),)).fetchall()
            else:
                rows = tx.execute("SELECT * FROM token_tokens WHERE name = ? AND revoked_at IS NULL",
                                  (ident,)).fetchall()
            if not rows:
                raise NotFoundError(f"no token {ident!r}")
            if len(rows) > 1:
                raise StoreError(f"several live tokens are named {ident!r}; revoke by id")
            row = tx.execute("UPDATE token_tokens SET revoked_at = COALESCE(revoked_at, ?) WHERE id = ? RETURNING *",
                             (now, rows[0]["id"])).fetchone()
        return self._info(row)

    def verify(self, secret: str, needed: str = "reader") -> TokenInfo:
        """The token for ``secret`` if it is live and has at least role ``needed``; else :class:`AuthError`."""
        if not isinstance(secret, str) or not secret.startswith(PREFIX) or len(secret) > 200:
            raise AuthError("invalid token")
        h = _hash(secret)
        rows = self.db.execute("SELECT * FROM token_tokens WHERE secret_hash = ?", (h,))
        row = rows[0] if rows else None
        if row is None or not hmac.compare_digest(row["secret_hash"], h):
            raise AuthError("invalid token")
        if row["revoked_at"]:
            raise AuthError(f"token {row['name']!r} was revoked")
        if not role_at_least(row["role"], needed):
            raise AuthError(f"token {row['name']!r} has role {row['role']!r}; this needs {needed!r}")
        now = dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
        if row["last_used_at"] is None or row["last_used_at"][:16] != now[:16]:  # at most one write a minute
            try:
                self.db.execute("UPDATE token_tokens SET last_used_at = ? WHERE id = ?", (now, row["id"]))
            except db_errors():  # busy: the timestamp is best effort
                pass
        return self._info(row)

    def close(self) -> None:
        if self._owned:
            self.db.close()
