"""`qinglang rumors` commands: import / export rumours and match queries against them.

``match`` keeps the CLI contract exactly: JSONL ``{"id", "text"}`` on stdin → per line
``{"id", "pins": [...], "labels": [...]}`` on stdout, pins best first (empty when none).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, TypeVar

import click

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
@_existing_db_option
@click.option("--limit", default=3, show_default=True, type=click.IntRange(1, 50), help="Most pins per text.")
def match_cmd(db: str, limit: int) -> None:
    """Match JSONL {"id", "text"} lines on stdin; write {"id", "pins", "labels"} per line.

    A bad input line gets {"id", "error", "pins": [], "labels": []} and the exit code is 1.
    """
    from plugin.rumors import RumorIndex

    from plugin.rumors.importer import BOM

    store = _open_store(db)
    index = RumorIndex.from_store(store)
    stdin = sys.stdin
    bad = 0
    for lineno, line in enumerate(stdin, 1):
        if lineno == 1 and line.startswith(BOM):
            line = line[len(BOM):]
        if not line.strip():
            continue
        rid = None
        try:
            row = json.loads(line)
            if not isinstance(row, dict):
                raise ValueError("expected a JSON object")
            rid = row.get("id")
            text = row.get("text")
            if not isinstance(text, str):
                raise ValueError("missing or non-string 'text'")
            result = index.match(text, limit=limit).to_dict()
            out = {"id": rid, "pins": result["pins"], "labels": result["labels"]}
        except ValueError as exc:  # JSONDecodeError is a ValueError; InputError too
            bad += 1
            out = {"id": rid, "error": f"line {lineno}: {exc}", "pins": [], "labels": []}
        click.echo(json.dumps(out, ensure_ascii=False))
    store.close()
    if bad:
        click.echo(f"{bad} bad input line(s)", err=True)
        sys.exit(1)
