"""Where ``qinglang check`` / ``scan`` get their verdicts: the bundled lexicons (plus ``--lexicon`` files), the
published lexicon version in a store (``--db PATH``: what ``qinglang serve --db PATH`` serves), or a running
service (``--service URL``: its ``POST /v1/query/check``).

With ``--service`` the action is the answer's ``lexicon_action`` (the lexicon's own verdict, as the local
commands report it) and the service's limits apply (``max_query_chars``: a longer text is an error line);
``--scope account_name`` needs a local matcher. The API token, when the service protects its checks, is
``--token`` or the ``qinglang`` program's ``QINGLANG_TOKEN``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, TypeVar

import click

from ..errors import LexiconError
from ..matcher import Matcher
from .settings import cli_settings

__all__ = ["Verdict", "build_matcher", "service_source", "source_options", "verdict_source"]

_F = TypeVar("_F", bound=Callable[..., Any])


@dataclass(frozen=True)
class Verdict:
    """What a source says about one text: the lexicon action, its hits (as dictionaries) and the version; from a
    service also the rumour pins and rumour labels of its query check."""

    action: str
    hits: list[dict[str, Any]]
    lexicon_version: str
    pins: tuple[dict[str, Any], ...] = ()
    rumor_labels: tuple[dict[str, Any], ...] = ()


def build_matcher(lexicons: tuple[str, ...], no_bundled: bool, db: str | None = None) -> Matcher:
    """Compile the matcher (the bundled lexicons and ``lexicons``, or the published version in ``db``) or
    exit with every lexicon problem listed."""
    if db is not None:
        if lexicons or no_bundled:
            raise click.UsageError("--db uses the store's published version: give --lexicon / --no-bundled "
                                   "without --db")
        return _published(db)
    if no_bundled and not lexicons:
        raise click.UsageError("--no-bundled needs at least one --lexicon PATH")
    try:
        return Matcher.from_lexicons(list(lexicons), bundled=not no_bundled)
    except LexiconError as exc:
        for p in exc.problems:
            click.echo(str(p), err=True)
        raise click.exceptions.Exit(2) from None


def _published(db: str) -> Matcher:
    from plugin.store import LexiconStore, StoreError

    try:
        store = LexiconStore(db, cli_settings().store())
        version = store.live_version()
        if version is None:
            raise click.ClickException(f"{db}: no published lexicon version (publish one, or leave out --db)")
        matcher: Matcher = store.build_matcher(version)
    except (StoreError, LexiconError, ValueError) as exc:
        raise click.ClickException(f"{db}: {exc}") from None
    return matcher


def source_options(fn: _F) -> _F:
    """``--db`` and ``--service`` / ``--token`` (the lexicon options are the command's own)."""
    for option in reversed([
        click.option("--db", "db", default=None, type=click.Path(dir_okay=False, exists=True),
                     help="Use the lexicon version published in this store (the file `qinglang serve --db` "
                          "uses) instead of the bundled lexicons."),
        click.option("--service", "service", default=None, metavar="URL",
                     help="Ask a running guard service (its POST /v1/query/check) instead of a local matcher."),
        click.option("--token", "token", default=None, metavar="SECRET",
                     help="API token for --service when it protects its checks (default: QINGLANG_TOKEN)."),
    ]):
        fn = option(fn)
    return fn


class _ServiceSource:
    """Verdicts from a running service (one keep-alive connection)."""

    def __init__(self, url: str, token: str | None, timeout: float = 30.0) -> None:
        import httpx

        headers = {"Authorization": f"Bearer {token}"} if token else {}
        self.client = httpx.Client(base_url=url.rstrip("/"), headers=headers, timeout=timeout)
        self.url = url

    def __call__(self, text: str) -> Verdict:
        import httpx

        try:
            r = self.client.post("/v1/query/check", json={"query": text})
        except httpx.HTTPError as exc:
            raise click.ClickException(f"{self.url}: {exc}") from None
        if r.status_code in (401, 403):
            raise click.ClickException(f"{self.url}: {r.status_code} {_detail(r)} (give --token or QINGLANG_TOKEN)")
        if r.status_code in (413, 422):  # this text is refused (too long ...): an error line, not the end
            raise ValueError(f"refused by the service: {_detail(r)}")
        if r.status_code != 200:
            raise click.ClickException(f"{self.url}: {r.status_code} {_detail(r)}")
        body = r.json()
        return Verdict(str(body["lexicon_action"]), list(body["hits"]), str(body.get("lexicon_version", "")),
                       tuple(body.get("pins") or ()),
                       tuple(lab for lab in body.get("labels") or () if isinstance(lab, dict) and "rumor_id" in lab))


def _detail(response: Any) -> str:
    try:
        return str(response.json().get("detail", ""))
    except Exception:
        return str(response.text)[:200]


def service_source(url: str, token: str | None) -> Callable[[str], Verdict]:
    """Verdicts (with rumour pins and labels) from the service at ``url`` (token: ``token``, else the
    ``qinglang`` program's ``QINGLANG_TOKEN``)."""
    return _ServiceSource(url, token if token is not None else cli_settings().token)


def verdict_source(lexicons: tuple[str, ...], no_bundled: bool, scope: str, db: str | None,
                   service: str | None, token: str | None) -> Callable[[str], Verdict]:
    """A function text → :class:`Verdict` from the chosen source (the lexicon's own action: the guard's
    ``content`` surface locally, ``lexicon_action`` from a service)."""
    if service is not None:
        if db is not None or lexicons or no_bundled:
            raise click.UsageError("--service answers with the service's own lexicon version: leave out --db, "
                                   "--lexicon and --no-bundled")
        if scope != "content":
            raise click.UsageError("--scope account_name needs a local matcher (leave out --service)")
        return service_source(service, token)
    from ..guard import Guard
    from ..models import Surface

    guard = Guard(build_matcher(lexicons, no_bundled, db), cache_size=0)

    def local(text: str) -> Verdict:
        v = guard.check(text, Surface.CONTENT, scope=scope)
        return Verdict(v.action, [h.to_dict() for h in v.hits], v.lexicon_version)

    return local
