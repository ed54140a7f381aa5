"""`qinglang check` (JSONL in, JSONL out) and `qinglang scan TEXT` (readable hits)."""

from __future__ import annotations

import json
import sys
from typing import Any, Callable, TextIO, TypeVar

import click

from ..errors import LexiconError
from ..guard import Guard
from ..matcher import Matcher
from ..models import Surface

_F = TypeVar("_F", bound=Callable[..., Any])

#: Longest text a CLI line may carry (characters); longer lines get an error line.
MAX_TEXT_CHARS = 1_000_000


def build_matcher(lexicons: tuple[str, ...], no_bundled: bool) -> Matcher:
    """Compile the matcher or exit with every lexicon problem listed."""
    if no_bundled and not lexicons:
        raise click.UsageError("--no-bundled needs at least one --lexicon PATH")
    try:
        return Matcher.from_lexicons(list(lexicons), bundled=not no_bundled)
    except LexiconError as exc:
        for p in exc.problems:
            click.echo(str(p), err=True)
        raise click.exceptions.Exit(2) from None


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


def _parse_line(raw: str) -> tuple[Any, str | None, str | None]:
    """(id, text, error) for one JSONL line."""
    try:
        obj = json.loads(raw)
    except json.JSONDecodeError as exc:
        return None, None, f"invalid JSON: {exc.msg} at column {exc.colno}"
    if not isinstance(obj, dict):
        return None, None, f"expected a JSON object, got {type(obj).__name__}"
    rid = obj.get("id")
    unknown = set(obj) - {"id", "text"}
    if "text" not in obj:
        return rid, None, "missing field 'text'"
    text = obj["text"]
    if not isinstance(text, str):
        return rid, None, f"field 'text' must be a string, got {type(text).__name__}"
    if len(text) > MAX_TEXT_CHARS:
        return rid, None, f"field 'text' is too long ({len(text)} characters; limit {MAX_TEXT_CHARS})"
    if unknown:
        return rid, None, f"unknown field(s): {', '.join(sorted(unknown))}"
    return rid, text, None


def _stdin_text() -> TextIO:
    """stdin as UTF-8 text; undecodable bytes become U+FFFD instead of aborting the run."""
    buf = getattr(sys.stdin, "buffer", None)
    if buf is not None:
        import io

        return io.TextIOWrapper(buf, encoding="utf-8", errors="replace")
    return sys.stdin


#: Public names of the JSONL helpers other commands read their input with (``qinglang mask``).
parse_line = _parse_line
stdin_text = _stdin_text


@click.command()
@_with_lexicon_options
def check(lexicons: tuple[str, ...], no_bundled: bool, scope: str) -> None:
    """Check JSONL lines {"id": ..., "text": ...} from stdin; one JSONL result per line.

    Output: {"id", "action", "hits": [{"term","category","action","start","end","surface","technique"}]};
    a malformed line gives {"id", "error"} and processing continues. The action is the lexicon's own
    verdict (the guard's ``content`` surface).
    """
    guard = Guard(build_matcher(lexicons, no_bundled), cache_size=0)
    out = sys.stdout
    stdin = _stdin_text()
    for n, raw in enumerate(stdin, 1):
        if not raw.strip():
            continue
        rid, text, err = _parse_line(raw)
        if err is not None:
            rec: dict[str, Any] = {"id": rid, "error": f"line {n}: {err}"}
        else:
            verdict = guard.check(text or "", Surface.CONTENT, scope=scope)
            rec = {"id": rid, "action": verdict.action, "hits": [h.to_dict() for h in verdict.hits]}
        out.write(json.dumps(rec, ensure_ascii=False) + "\n")
        out.flush()


@click.command()
@click.argument("text")
@_with_lexicon_options
@click.option("--json", "as_json", is_flag=True, help="Print the hits as JSON instead.")
def scan(text: str, lexicons: tuple[str, ...], no_bundled: bool, scope: str, as_json: bool) -> None:
    """Print the hits in TEXT, highlighted."""
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    matcher = build_matcher(lexicons, no_bundled)
    res = matcher.check(text, scope=scope)
    if as_json:
        click.echo(json.dumps(res.to_dict(full=True), ensure_ascii=False, indent=2))
        return
    console = Console(highlight=False)
    styled = Text(text)
    colours = {"block": "bold white on red", "review": "bold black on yellow", "limit": "black on cyan",
               "label": "underline magenta"}
    for h in res.hits:
        styled.stylize(colours.get(h.action, "bold"), h.start, h.end)
    console.print(styled)
    if not res.hits:
        console.print("[green]no hits[/green] (action: allow)")
        return
    table = Table("start", "end", "surface", "term", "category", "action", "technique", "clause")
    for h in res.hits:
        table.add_row(str(h.start), str(h.end), h.surface, h.term, h.category, h.action, h.technique, h.clause)
    console.print(table)
    console.print(f"action: [bold]{res.action}[/bold]  lexicon version: {res.lexicon_version}")
