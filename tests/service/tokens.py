"""API tokens for the service tests: a set of named tokens per role, or one token sent with every request."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from plugin.store import TokenStore


def make_tokens(db_path: Path) -> dict[str, str]:
    """One token per role in ``db_path`` (rita reader, ed and eve editors, ann approver, adm admin): name -> secret."""
    tokens = TokenStore(db_path)
    out = {}
    for name, role in (("rita", "reader"), ("ed", "editor"), ("eve", "editor"), ("ann", "approver"),
                       ("adm", "admin")):
        out[name] = tokens.create(name, role)[1]
    return out


def authorize(client: Any, name: str = "alice", role: str = "reviewer") -> dict[str, str]:
    """Create an API token named ``name`` in the client's app and send it with every request of
    ``client`` (the review queue needs one by default); returns the header."""
    tokens = TokenStore(client.app.state.guard.db_path)
    try:
        header = {"Authorization": f"Bearer {tokens.create(name, role)[1]}"}
    finally:
        tokens.close()
    client.headers.update(header)
    return header
