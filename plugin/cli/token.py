"""`qinglang token` commands (API tokens for the service): create, list, revoke."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import click

from .output import echo

if TYPE_CHECKING:
    from plugin.store.tokens import TokenStore

__all__ = ["token"]

db_option = click.option("--db", default="qinglang.db", show_default=True, type=click.Path(dir_okay=False),
                         help="SQLite file of the service")


def _tokens(db: str) -> TokenStore:
    from plugin.store.tokens import TokenStore

    return TokenStore(db)


@click.group(name="token")
def token() -> None:
    """Manage API tokens (roles: reader < reviewer < editor < approver < admin).

    A token's name is the identity the audit records for everything done with it: give each person
    their own token (one name per person), never a shared one."""


@token.command()
@click.option("--role", required=True, type=click.Choice(["reader", "reviewer", "editor", "approver", "admin"]),
              help="reader: read; reviewer: decide the review queue; editor: draft lexicon changes; "
                   "approver: publish others' drafts; admin: all")
@click.option("--name", required=True, help="who or what uses the token")
@db_option
def create(role: str, name: str, db: str) -> None:
    """Create a token and print its secret (shown only this once; only a hash is stored)."""
    from plugin.store import StoreError

    try:
        info, secret = _tokens(db).create(name, role)
    except StoreError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(secret)
    echo(f"token #{info.id} {info.name!r} role {info.role}: store the secret now, it is not shown again",
               err=True)


@token.command(name="list")
@db_option
@click.option("--json", "as_json", is_flag=True)
def list_(db: str, as_json: bool) -> None:
    """List tokens (never their secrets)."""
    rows = _tokens(db).list()
    if as_json:
        click.echo(json.dumps([t.to_dict() for t in rows], ensure_ascii=False, indent=2))
        return
    for t in rows:
        state = f"revoked {t.revoked_at}" if t.revoked_at else f"last used {t.last_used_at or 'never'}"
        echo(f"#{t.id}  {t.prefix}…  {t.role:8}  {t.name}  (created {t.created_at}; {state})")


@token.command()
@click.argument("ident")
@db_option
def revoke(ident: str, db: str) -> None:
    """Revoke a token by id or name."""
    from plugin.store import StoreError

    try:
        info = _tokens(db).revoke(ident)
    except StoreError as exc:
        raise click.ClickException(str(exc)) from None
    echo(f"revoked token #{info.id} {info.name!r}")
