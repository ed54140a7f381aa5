"""`qinglang rumors` commands: import / export rumours and match queries against them.

``match`` follows the JSONL contract of :mod:`plugin.cli.jsonl`: ``{"id", "text"}`` lines on stdin or from a
file → per line ``{"id", "pins": [...], "labels": [...]}`` on stdout, pins best first (empty when none).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, TypeVar

import click

from .identity import acting_options
from .jsonl import JsonlLine, jsonl_options, run_jsonl

if TYPE_CHECKING:
    from plugin.rumors import RumorStore

_F = TypeVar("_F", bound=Callable[..., Any])

DEFAULT_DB = "qinglang.db"
_MAX_SHOWN_PROBLEMS = 50


def _db_option(f: _F) -> _F:
    return click.option("--db", "db", default=DEFAULT_DB, show_default=True, type=click.Path(dir_okay=False),
                        help="SQLite database file (the same file `qinglang serve --db` uses).")(f)


def _existing_db_option(f: _F) -> _F:
    """--db for commands that only read: a path that does not exist is a usage error (exit 2),
    not a silently created empty database."""
    return click.option("--db", "db", default=DEFAULT_DB, show_default=True,
                        type=click.Path(dir_okay=False, exists=True),
                        help="Existing SQLite database file (the one `rumors import` wrote).")(f)


def _open_store(db: str) -> RumorStore:
    from plugin.errors import RumorError
    from plugin.rumors import RumorStore

    try:
        return RumorStore(db)
    except RumorError as exc:
        raise click.ClickException(str(exc)) from exc


@click.group(name="rumors")
def rumors() -> None:
    """Rumour / refutation index: import (bootstrap, then proposals), publish, export, match."""


def _proposals(db: str) -> Any:
    """The rumour proposals of ``db`` with the deployment's store settings (four-eyes, single operator)."""
    from plugin.errors import RumorError
    from plugin.rumors.proposals import RumorProposals

    from .settings import cli_settings

    try:
        config = cli_settings().store()
    except ValueError as exc:
        raise click.UsageError(str(exc)) from None
    try:
        return RumorProposals.open(db, config)
    except RumorError as exc:
        raise click.ClickException(str(exc)) from exc


@rumors.command(name="import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@_db_option
@click.option("--quiet", "-q", is_flag=True, help="No progress bar.")
@click.option("--note", default="", help="Why: recorded with the proposal.")
@acting_options
def import_cmd(path: str, db: str, quiet: bool, note: str, token: str | None, single_operator: bool) -> None:
    """Import rumours from a JSONL file (project schema or fact-check schema).

    The file is taken whole or not at all; bad lines are listed with line numbers. Into a database that
    holds no rumour yet (the install-time bootstrap) the rumours are stored at once, audited as
    bootstrap:<os user>. Into one that holds rumours the file becomes a proposal by the token's name (an
    editor's): nothing that is pinned changes until an approver who is not its author publishes it
    (`qinglang rumors publish ID`, or the admin API, which also previews it).
    """
    from rich.console import Console
    from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeRemainingColumn

    from plugin.errors import InputError, RumorError
    from plugin.rumors.importer import RumorImportError, parse_jsonl
    from plugin.store import StoreError

    from .identity import acting_identity, os_user

    err = Console(stderr=True)
    proposals = _proposals(db)
    size = Path(path).stat().st_size
    try:
        with Progress(TextColumn("[bold]{task.description}"), BarColumn(), DownloadColumn(), TimeRemainingColumn(),
                      console=err, disable=quiet, transient=False) as progress:
            task = progress.add_task("reading", total=size or None)
            try:
                with open(path, "r", encoding="utf-8", newline="") as fh:
                    report = parse_jsonl(fh, path, lambda n: progress.advance(task, n))
            except UnicodeDecodeError as exc:
                raise click.ClickException(f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start})") from exc
            if proposals.store.count() == 0:
                store_task = progress.add_task("storing", total=len(report.rumors) or None)
                report.stats = proposals.bootstrap(report.rumors, actor=f"bootstrap:{os_user()}"[:100],
                                                   source=Path(path).name)
                progress.update(store_task, completed=len(report.rumors))
                proposal_id = None
            else:
                who, _ = acting_identity(db, proposals.config, token, single_operator, "editor",
                                         "what is pinned (the rumour store holds rumours)")
                proposal_id = proposals.propose(report.rumors, author=who, note=note, source=Path(path).name)
    except RumorImportError as exc:
        for p in exc.problems[:_MAX_SHOWN_PROBLEMS]:
            err.print(f"[red]error[/red] {p}", markup=True, highlight=False)
        if len(exc.problems) > _MAX_SHOWN_PROBLEMS:
            err.print(f"... and {len(exc.problems) - _MAX_SHOWN_PROBLEMS} more")
        raise click.ClickException(f"{len(exc.problems)} bad line(s) in {path}; nothing imported") from exc
    except (RumorError, StoreError, InputError) as exc:
        raise click.ClickException(str(exc)) from exc
    finally:
        proposals.close()
    for p in report.skipped[:_MAX_SHOWN_PROBLEMS]:
        err.print(f"[yellow]skipped[/yellow] {p}", markup=True, highlight=False)
    if len(report.skipped) > _MAX_SHOWN_PROBLEMS:
        err.print(f"... and {len(report.skipped) - _MAX_SHOWN_PROBLEMS} more skipped")
    if proposal_id is not None:
        click.echo(f"proposed {len(report.rumors)} rumours from {path} as rumour proposal #{proposal_id} "
                   f"({len(report.skipped)} skipped); nothing is pinned until an approver publishes it: "
                   f"qinglang rumors publish {proposal_id} --db {db}")
        return
    s = report.stats
    click.echo(f"imported {len(report.rumors)} rumours from {path} into {db}: {s.inserted} new, {s.updated} updated, "
               f"{s.unchanged} unchanged, {len(report.skipped)} skipped")


@rumors.command(name="proposals")
@_existing_db_option
@click.option("--status", "status", default="proposed", show_default=True,
              type=click.Choice(["proposed", "published", "discarded", "all"]))
def proposals_cmd(db: str, status: str) -> None:
    """List rumour proposals (JSON lines, newest first)."""
    import json

    from .output import printable

    proposals = _proposals(db)
    try:
        for row in proposals.proposals(None if status == "all" else status):
            click.echo(printable(json.dumps(row, ensure_ascii=False)))
    finally:
        proposals.close()


@rumors.command(name="publish")
@click.argument("proposal_id", type=click.IntRange(1, 2**62))
@_existing_db_option
@click.option("--note", default=None, help="Recorded with the publication.")
@acting_options
def publish_cmd(proposal_id: int, db: str, note: str | None, token: str | None, single_operator: bool) -> None:
    """Publish a rumour proposal (an approver's token; under four-eyes not its author's). Running services
    pick it up at their next rumour refresh."""
    from plugin.errors import InputError, RumorError
    from plugin.store import StoreError

    from .identity import acting_identity

    proposals = _proposals(db)
    try:
        who, _ = acting_identity(db, proposals.config, token, single_operator, "approver", "what is pinned")
        done = proposals.publish(proposal_id, approver=who, note=note)
    except (RumorError, StoreError, InputError) as exc:
        raise click.ClickException(str(exc)) from exc
    finally:
        proposals.close()
    s = done["stats"]
    click.echo(f"published rumour proposal #{proposal_id} by {done['author']} ({done['approval']}): "
               f"{s['inserted']} new, {s['updated']} updated, {s['unchanged']} unchanged, {s['removed']} removed")


@rumors.command(name="export")
@_existing_db_option
@click.option("--out", "out", default="-", show_default=True, type=click.Path(dir_okay=False, allow_dash=True),
              help="Output JSONL file ('-' for stdout).")
def export_cmd(db: str, out: str) -> None:
    """Write every rumour in the project schema (JSONL), ordered by id."""
    from plugin.rumors.importer import export_jsonl

    store = _open_store(db)
    try:
        if out == "-":
            n = export_jsonl(store.iterate(), sys.stdout)
        else:
            tmp = Path(out).with_name(Path(out).name + ".tmp")
            with open(tmp, "w", encoding="utf-8") as fh:
                n = export_jsonl(store.iterate(), fh)
            tmp.replace(out)
    finally:
        store.close()
    click.echo(f"exported {n} rumours", err=True)


@rumors.command(name="match")
@jsonl_options
@click.option("--db", "db", default=None, type=click.Path(dir_okay=False, exists=True),
              help=f"Existing SQLite database file (the one `rumors import` wrote) [default: {DEFAULT_DB}].")
@click.option("--service", "service", default=None, metavar="URL",
              help="Ask a running guard service (the pins and rumour labels of its POST /v1/query/check; its "
                   "own limit of pins) instead of a local index.")
@click.option("--token", "token", default=None, metavar="SECRET",
              help="API token for --service when it protects its checks (default: QINGLANG_TOKEN).")
@click.option("--limit", default=3, show_default=True, type=click.IntRange(1, 50), help="Most pins per text.")
def match_cmd(input_path: str, keep_fields: bool, keep_going: bool, progress: bool | None, db: str | None,
              service: str | None, token: str | None, limit: int) -> None:
    """Match JSONL {"id", "text"} lines from INPUT (default stdin); write {"id", "pins", "labels"} per line.

    The same contract as `qinglang check`: other input fields are ignored (copied with --keep-fields); a
    malformed line gets {"id", "error", "pins": [], "labels": []}, processing continues and the exit code is
    1 at the end (0 with --keep-going); progress on stderr for a file. With --service the pins and rumour
    labels come from a running service's query check.
    """
    from plugin.rumors import RumorIndex

    if service is not None:
        if db is not None:
            raise click.UsageError("--service answers from the service's own rumour index: leave out --db")
        from .source import service_source

        ask = service_source(service, token)

        def remote(line: JsonlLine) -> dict[str, Any]:
            v = ask(line.text or "")
            return {"pins": list(v.pins[:limit]), "labels": list(v.rumor_labels)}

        run_jsonl(input_path, remote, error_fields={"pins": [], "labels": []}, keep_fields=keep_fields,
                  keep_going=keep_going, progress=progress)
        return
    if db is None:
        if not Path(DEFAULT_DB).exists():
            raise click.UsageError(f"Invalid value for '--db': File '{DEFAULT_DB}' does not exist.")
        db = DEFAULT_DB
    store = _open_store(db)
    try:
        index = RumorIndex.from_store(store)

        def handle(line: JsonlLine) -> dict[str, Any]:
            result = index.match(line.text or "", limit=limit).to_dict()  # InputError is a ValueError
            return {"pins": result["pins"], "labels": result["labels"]}

        run_jsonl(input_path, handle, error_fields={"pins": [], "labels": []}, keep_fields=keep_fields,
                  keep_going=keep_going, progress=progress)
    finally:
        store.close()
