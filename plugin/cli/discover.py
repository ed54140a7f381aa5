"""`qinglang lexicon discover`: propose new code words from spam the lexicons miss (see plugin/discover.py)."""

from __future__ import annotations

import json
from typing import Any, Callable, TypeVar

import click

from ..errors import ModelError
from .check import build_matcher, lexicon_options
from .evaluate import FLAG_ACTIONS
from .output import SafeConsole, echo

__all__ = ["discover"]


F = TypeVar("F", bound=Callable[..., Any])


def _lexicon_opts(fn: F) -> F:
    """--lexicon / --no-bundled, as for `qinglang check`."""
    for opt in reversed(lexicon_options[:2]):
        fn = opt(fn)
    return fn


@click.command(name="discover")
@click.argument("labelled", nargs=-1, type=click.Path(exists=True, dir_okay=False))
@click.option("--shared-dev", default=None, type=click.Path(file_okay=False),
              help="Use the development split (train + val) of the model recipe over this shared data folder.")
@_lexicon_opts
@click.option("--limit", default=30, show_default=True, type=click.IntRange(1, 500))
@click.option("--min-count", default=3, show_default=True, type=click.IntRange(1))
@click.option("--max-len", default=6, show_default=True, type=click.IntRange(2, 12))
@click.option("--json", "as_json", is_flag=True, help="Print the proposals as JSON.")
def discover(labelled: tuple[str, ...], shared_dev: str | None, lexicons: tuple[str, ...], no_bundled: bool,
             limit: int, min_count: int, max_len: int, as_json: bool) -> None:
    """Propose code words from spam the lexicons miss, against a benign background.

    LABELLED files are JSONL rows (text, label, ...) as for `qinglang model train`: spam rows the
    lexicons do not flag are the foreground, benign rows the background. Proposals come with their
    evidence and are suggestions for an editor: nothing is added to any lexicon.
    """
    from ..discover import DiscoverySettings
    from ..discover import discover as run
    from ..scoring.data import read_labelled

    if bool(labelled) == bool(shared_dev):
        raise click.UsageError("give labelled JSONL files or --shared-dev DIR (not both)")
    try:
        if shared_dev:
            from ..scoring.recipe import recipe_samples

            samples = [s for s in recipe_samples(shared_dev) if s.split in ("train", "val")]
        else:
            samples = [s for path in labelled for s in read_labelled(path)]
    except ModelError as exc:
        raise click.ClickException(str(exc)) from None
    matcher = build_matcher(lexicons, no_bundled)
    spam = [(s.text, s.label) for s in samples if s.is_spam and matcher.check(s.text).action not in FLAG_ACTIONS]
    background = [s.text for s in samples if not s.is_spam]
    if not spam or not background:
        raise click.ClickException("need unflagged spam rows and benign rows")
    proposals = run(spam, background, known=lambda term: bool(matcher.scan(term)),
                    settings=DiscoverySettings(limit=limit, min_count=min_count, max_len=max_len))
    if as_json:
        echo(json.dumps({"foreground": len(spam), "background": len(background),
                         "proposals": [p.to_dict() for p in proposals]}, ensure_ascii=False, indent=2))
        return
    from rich.table import Table

    echo(f"{len(spam)} spam texts the lexicons miss, {len(background)} benign texts; "
         f"{len(proposals)} proposals (suggestions for an editor, not published)")
    table = Table("term", "category", "spam", "benign", "log-odds", "z", "PMI", "H left/right", "context?", "example")
    for p in proposals:
        table.add_row(p.term, p.category, str(p.foreground), str(p.background), f"{p.log_odds:.1f}", f"{p.z:.1f}",
                      f"{p.pmi:.1f}",
                      f"{p.left_entropy:.1f}/{p.right_entropy:.1f}", "yes" if p.needs_context else "",
                      p.examples[0][:40] if p.examples else "")
    SafeConsole(highlight=False, soft_wrap=True).print(table)
