"""`qinglang check` (JSONL in, JSONL out: the contract of :mod:`plugin.cli.jsonl`) and `qinglang scan TEXT`
(readable hits); both on the bundled lexicons, a store's published version (``--db``) or a running service
(``--service``): :mod:`plugin.cli.source`."""

from __future__ import annotations

import json
from typing import Any, Callable, TypeVar

import click

from .jsonl import JsonlLine, jsonl_options, run_jsonl
from .source import build_matcher, source_options, verdict_source

__all__ = ["build_matcher", "check", "lexicon_options", "scan"]

_F = TypeVar("_F", bound=Callable[..., Any])

lexicon_options = [
    click.option("--lexicon", "lexicons", multiple=True, type=click.Path(dir_okay=False),
                 help="Extra lexicon file (plain .txt, .tsv or .yaml); repeatable."),
    click.option("--no-bundled", is_flag=True, help="Use only the --lexicon files."),
    click.option("--scope", type=click.Choice(["content", "account_name"]), default="content",
                 show_default=True, help="Which entries apply: content, or account names."),
]


def _with_lexicon_options(fn: _F) -> _F:
    for opt in reversed(lexicon_options):
        fn = opt(fn)
    return fn


@click.command()
@jsonl_options
@_with_lexicon_options
@source_options
def check(input_path: str, keep_fields: bool, keep_going: bool, progress: bool | None, lexicons: tuple[str, ...],
          no_bundled: bool, scope: str, db: str | None, service: str | None, token: str | None) -> None:
    """Check JSONL lines {"id": ..., "text": ...} from INPUT (default stdin); one JSONL result per line.

    Output: {"id", "action", "hits": [{"term","category","action","start","end","surface","technique"}]}, in
    input order. Other input fields are ignored (copied with --keep-fields). A malformed line gives
    {"id", "error"}, processing continues, and the exit code is 1 at the end (0 with --keep-going). The action
    is the lexicon's own verdict (the guard's ``content`` surface). Progress goes to stderr for a file.
    """
    verdict = verdict_source(lexicons, no_bundled, scope, db, service, token)

    def handle(line: JsonlLine) -> dict[str, Any]:
        v = verdict(line.text or "")
        return {"action": v.action, "hits": v.hits}

    run_jsonl(input_path, handle, keep_fields=keep_fields, keep_going=keep_going, progress=progress)


@click.command()
@click.argument("text")
@_with_lexicon_options
@source_options
@click.option("--json", "as_json", is_flag=True, help="Print the hits as JSON instead.")
def scan(text: str, lexicons: tuple[str, ...], no_bundled: bool, scope: str, db: str | None, service: str | None,
         token: str | None, as_json: bool) -> None:
    """Print the hits in TEXT, highlighted."""
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    if service is None:
        res = build_matcher(lexicons, no_bundled, db).check(text, scope=scope)
        data = res.to_dict(full=True)
    else:
        try:
            v = verdict_source(lexicons, no_bundled, scope, db, service, token)(text)
        except ValueError as exc:
            raise click.ClickException(str(exc)) from None
        data = {"action": v.action, "hits": v.hits, "lexicon_version": v.lexicon_version}
    if as_json:
        click.echo(json.dumps(data, ensure_ascii=False, indent=2))
        return
    hits = data["hits"]
    console = Console(highlight=False)
    styled = Text(text)
    colours = {"block": "bold white on red", "review": "bold black on yellow", "limit": "black on cyan",
               "label": "underline magenta"}
    for h in hits:
        styled.stylize(colours.get(h["action"], "bold"), h["start"], h["end"])
    console.print(styled)
    if not hits:
        console.print("[green]no hits[/green] (action: allow)")
        return
    table = Table("start", "end", "surface", "term", "category", "action", "technique", "clause")
    for h in hits:
        table.add_row(str(h["start"]), str(h["end"]), h["surface"], h["term"], h["category"], h["action"],
                      h["technique"], str(h.get("clause") or ""))
    console.print(table)
    console.print(f"action: [bold]{data['action']}[/bold]  lexicon version: {data['lexicon_version']}")
