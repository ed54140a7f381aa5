"""`qinglang mask`: texts with their lexicon hits masked (an entry's replacement, else ``*`` per character)."""

from __future__ import annotations

import json
import sys
from typing import Any

import click

from ..errors import InputError, LexiconError
from ..matcher import Matcher
from ..matching.noise import NoiseSet
from .check import lexicon_options, parse_line, stdin_text


def _matcher(lexicons: tuple[str, ...], no_bundled: bool, skip: str, keep: str) -> Matcher:
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
@lexicon_options[0]
@lexicon_options[1]
@lexicon_options[2]
def mask(text: str | None, replacement: str, actions: tuple[str, ...], skip: str, keep: str, as_json: bool,
         lexicons: tuple[str, ...], no_bundled: bool, scope: str) -> None:
    """Mask the hits in TEXT; without TEXT, mask JSONL lines {"id": ..., "text": ...} from stdin
    (one JSONL line {"id", "text", "spans"} per input line; a bad line gives {"id", "error"})."""
    matcher = _matcher(lexicons, no_bundled, skip, keep)
    only = set(actions) or None
    try:
        if text is not None:
            res = matcher.mask(text, replacement, actions=only, scope=scope)
            click.echo(json.dumps(res.to_dict(), ensure_ascii=False, indent=2) if as_json else res.text)
            return
        out = sys.stdout
        for n, raw in enumerate(stdin_text(), 1):
            if not raw.strip():
                continue
            rid, line_text, err = parse_line(raw)
            rec: dict[str, Any]
            if err is not None:
                rec = {"id": rid, "error": f"line {n}: {err}"}
            else:
                res = matcher.mask(line_text or "", replacement, actions=only, scope=scope)
                rec = {"id": rid, "text": res.text, "spans": [s.to_dict() for s in res.spans]}
            out.write(json.dumps(rec, ensure_ascii=False) + "\n")
            out.flush()
    except InputError as exc:
        raise click.BadParameter(str(exc), param_hint="--replacement") from None
