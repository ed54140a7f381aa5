"""`qinglang rumors` commands: import / export rumours and match queries against them.

``match`` follows the JSONL contract of :mod:`plugin.cli.jsonl`: ``{"id", "text"}`` lines on stdin or from a
file → per line ``{"id", "pins": [...], "labels": [...]}`` on stdout, pins best first (empty when none).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, TypeVar

import click

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
    """Rumour / refutation index: import, export, match."""


@rumors.command(name="import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@_db_option
@click.option("--quiet", "-q", is_flag=True, help="No progress bar.")
def import_cmd(path: str, db: str, quiet: bool) -> None:
    """Import rumours from a JSONL file (project schema or fact-check schema).

    The file is imported whole or not at all; bad lines are listed with line numbers.
    Re-importing the same file changes nothing.
    """
    from rich.console import Console
    from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeRemainingColumn

    from plugin.errors import RumorError
    from plugin.rumors.importer import RumorImportError, parse_jsonl

    err = Console(stderr=True)
    store = _open_store(db)
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
            store_task = progress.add_task("storing", total=len(report.rumors) or None)
            report.stats = store.upsert(report.rumors)
            progress.update(store_task, completed=len(report.rumors))
    except RumorImportError as exc:
        for p in exc.problems[:_MAX_SHOWN_PROBLEMS]:
            err.print(f"[red]error[/red] {p}", markup=True, highlight=False)
        if len(exc.problems) > _MAX_SHOWN_PROBLEMS:
            err.print(f"... and {len(exc.problems) - _MAX_SHOWN_PROBLEMS} more")
        raise click.ClickException(f"{len(exc.problems)} bad line(s) in {path}; nothing imported") from exc
    except RumorError as exc:
        raise click.ClickException(str(exc)) from exc
    finally:
        store.close()
    for p in report.skipped[:_MAX_SHOWN_PROBLEMS]:
        err.print(f"[yellow]skipped[/yellow] {p}", markup=True, highlight=False)
    if len(report.skipped) > _MAX_SHOWN_PROBLEMS:
        err.print(f"... and {len(report.skipped) - _MAX_SHOWN_PROBLEMS} more skipped")
    s = report.stats
    click.echo(f"imported {len(report.rumors)} rumours from {path} into {db}: {s.inserted} new, {s.updated} updated, "
               f"{s.unchanged} unchanged, {len(report.skipped)} skipped")


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
