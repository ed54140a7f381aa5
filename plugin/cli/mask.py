"""`qinglang mask`: texts with their lexicon hits masked (an entry's replacement, else ``*`` per character)."""

from __future__ import annotations

import json
from typing import Any

import click

from ..errors import InputError, LexiconError
from ..matcher import Matcher
from ..matching.noise import NoiseSet
from .check import lexicon_options
from .jsonl import JsonlLine, run_jsonl
from .source import build_matcher


def _matcher(lexicons: tuple[str, ...], no_bundled: bool, skip: str, keep: str, db: str | None) -> Matcher:
    if db is not None:
        if skip or keep:
            raise click.UsageError("--db uses the store's published version with the store's noise set: give "
                                   "--skip / --keep without --db")
        return build_matcher(lexicons, no_bundled, db)
    if no_bundled and not lexicons:
        raise click.UsageError("--no-bundled needs at least one --lexicon PATH")
    try:
        noise = NoiseSet(skip, keep)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--skip / --keep") from None
    try:
        return Matcher.from_lexicons(list(lexicons), bundled=not no_bundled, noise=noise)
    except LexiconError as exc:
        for p in exc.problems:
            click.echo(str(p), err=True)
        raise click.exceptions.Exit(2) from None


@click.command()
@click.argument("text", required=False)
@click.option("--replacement", default="*", show_default=True,
              help="Written once per masked character where the entry has no replacement of its own (1-8 characters).")
@click.option("--action", "actions", multiple=True, type=click.Choice(["label", "limit", "review", "block"]),
              help="Mask only hits with this action; repeatable (default: every hit).")
@click.option("--skip", default="", help="Extra characters skipped between a term's characters (deployment noise set).")
@click.option("--keep", default="", help="Characters never skipped: they end a term like a sentence end.")
@click.option("--json", "as_json", is_flag=True, help="Print the masked text with its spans as JSON.")
@click.option("--keep-fields", is_flag=True, help="JSONL: copy the input line's other fields into its output line.")
@click.option("--keep-going", is_flag=True, help="JSONL: exit 0 even when some lines were malformed.")
@click.option("--db", "db", default=None, type=click.Path(dir_okay=False, exists=True),
              help="Use the lexicon version published in this store instead of the bundled lexicons.")
@lexicon_options[0]
@lexicon_options[1]
@lexicon_options[2]
def mask(text: str | None, replacement: str, actions: tuple[str, ...], skip: str, keep: str, as_json: bool,
         keep_fields: bool, keep_going: bool, db: str | None, lexicons: tuple[str, ...], no_bundled: bool,
         scope: str) -> None:
    """Mask the hits in TEXT; without TEXT, mask JSONL lines {"id": ..., "text": ...} from stdin, on the JSONL
    contract of `qinglang check` (one line {"id", "text", "spans"} per input line; a malformed line gives
    {"id", "error"} and exit code 1 at the end unless --keep-going)."""
    matcher = _matcher(lexicons, no_bundled, skip, keep, db)
    only = set(actions) or None
    try:
        if text is not None:
            res = matcher.mask(text, replacement, actions=only, scope=scope)
            click.echo(json.dumps(res.to_dict(), ensure_ascii=False, indent=2) if as_json else res.text)
            return

        def handle(line: JsonlLine) -> dict[str, Any]:
            res = matcher.mask(line.text or "", replacement, actions=only, scope=scope)
            return {"text": res.text, "spans": [s.to_dict() for s in res.spans]}

        run_jsonl("-", handle, keep_fields=keep_fields, keep_going=keep_going)
    except InputError as exc:
        raise click.BadParameter(str(exc), param_hint="--replacement") from None
