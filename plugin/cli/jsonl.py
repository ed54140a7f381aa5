"""The JSONL contract every line-processing command follows (``qinglang check``, ``qinglang rumors match``):

- input: a file argument or ``-`` / nothing for stdin; UTF-8 (undecodable bytes become U+FFFD), a BOM on the
  first line is ignored, blank lines are skipped;
- a line is a JSON object with ``text`` (a string) and usually ``id``; any other field is ignored, or copied
  to the output line with ``--keep-fields`` (the command's own fields win) — never an error;
- one output line per input line, in order; a malformed line (not JSON, not an object, no string ``text``, a
  text over :data:`MAX_TEXT_CHARS` or with a lone surrogate,
  nested too deeply) gives an output line ``{"id", "error": "line N: ..."}`` and processing goes
  on; at the end the exit code is 1 when any line was malformed (``--keep-going``: 0), with a count on stderr;
- progress on stderr while reading a file, when stderr is a terminal (``--progress`` / ``--no-progress``
  force it on or off); never for stdin, never on stdout.
"""

from __future__ import annotations

import io
import json
import os
import sys
from dataclasses import dataclass
from typing import IO, Any, Callable, Iterator, TextIO, TypeVar

import click

__all__ = ["BOM", "MAX_TEXT_CHARS", "JsonlLine", "jsonl_options", "parse_line", "read_lines", "run_jsonl"]

#: Longest text a line may carry (characters); longer lines get an error line.
MAX_TEXT_CHARS = 1_000_000
BOM = "\ufeff"

_F = TypeVar("_F", bound=Callable[..., Any])


@dataclass(frozen=True)
class JsonlLine:
    """One parsed input line: its number, id, text (``None`` with an ``error``) and the whole object."""

    number: int
    id: Any
    text: str | None
    error: str | None
    record: dict[str, Any]


def parse_line(raw: str, number: int) -> JsonlLine:
    """One JSONL line checked against the contract (extra fields are kept in ``record``, never an error)."""
    try:
        obj = json.loads(raw)
    except json.JSONDecodeError as exc:
        return JsonlLine(number, None, None, f"invalid JSON: {exc.msg} at column {exc.colno}", {})
    except RecursionError:
        return JsonlLine(number, None, None, "invalid JSON: nested too deeply", {})
    if not isinstance(obj, dict):
        return JsonlLine(number, None, None, f"expected a JSON object, got {type(obj).__name__}", {})
    rid = obj.get("id")
    if "text" not in obj:
        return JsonlLine(number, rid, None, "missing field 'text'", obj)
    text = obj["text"]
    if not isinstance(text, str):
        return JsonlLine(number, rid, None, f"field 'text' must be a string, got {type(text).__name__}", obj)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        return JsonlLine(number, rid, None, f"field 'text' holds a lone surrogate (\\ud800-\\udfff escape) at "
                                            f"position {exc.start}", obj)
    if len(text) > MAX_TEXT_CHARS:
        return JsonlLine(number, rid, None,
                         f"field 'text' is too long ({len(text)} characters; limit {MAX_TEXT_CHARS})", obj)
    return JsonlLine(number, rid, text, None, obj)


def jsonl_options(fn: _F) -> _F:
    """The contract's argument and options: ``[INPUT]``, ``--keep-fields``, ``--keep-going``, ``--progress``."""
    for option in reversed([
        click.argument("input_path", metavar="[INPUT]", required=False, default="-",
                       type=click.Path(dir_okay=False, allow_dash=True, exists=True)),
        click.option("--keep-fields", is_flag=True,
                     help="Copy the input line's other fields (all but text) into its output line."),
        click.option("--keep-going", is_flag=True,
                     help="Exit 0 even when some lines were malformed (they still get an error line)."),
        click.option("--progress/--no-progress", "progress", default=None,
                     help="Progress on stderr while reading a file (default: when stderr is a terminal)."),
    ]):
        fn = option(fn)
    return fn


def _utf8(stream: IO[bytes]) -> TextIO:
    return io.TextIOWrapper(stream, encoding="utf-8", errors="replace", newline=None)


def read_lines(input_path: str) -> tuple[TextIO, int | None]:
    """The input as UTF-8 text (bad bytes → U+FFFD) and its size in bytes (``None`` for stdin)."""
    if input_path == "-":
        buf = getattr(sys.stdin, "buffer", None)
        return (_utf8(buf) if buf is not None else sys.stdin), None
    return _utf8(open(input_path, "rb")), os.path.getsize(input_path)


def _lines(stream: TextIO) -> Iterator[tuple[int, str]]:
    for number, raw in enumerate(stream, 1):
        if number == 1 and raw.startswith(BOM):
            raw = raw[len(BOM):]
        yield number, raw


def _json_line(rec: dict[str, Any]) -> str:
    """``rec`` as one line of JSON, non-ASCII as itself; all escaped when a field holds a lone surrogate (an
    input ``\\ud800`` escape), which no UTF-8 output can carry."""
    line = json.dumps(rec, ensure_ascii=False)
    try:
        line.encode("utf-8")
    except UnicodeEncodeError:
        return json.dumps(rec)
    return line


def run_jsonl(input_path: str, handle: Callable[[JsonlLine], dict[str, Any]], *,
              error_fields: dict[str, Any] | None = None, keep_fields: bool = False, keep_going: bool = False,
              progress: bool | None = None) -> None:
    """Run ``handle`` on every well-formed line and write one JSON line per input line to stdout;
    ``error_fields`` are added to error lines (``rumors match``: empty ``pins`` / ``labels``). Exits 1 at the
    end when a line was malformed or ``handle`` raised ``ValueError`` for it, unless ``keep_going``."""
    stream, size = read_lines(input_path)
    show = size is not None and (progress if progress is not None else sys.stderr.isatty())
    out = sys.stdout
    bad = 0
    seen = 0
    last = 0
    bar: Any = None
    if show:
        from rich.console import Console
        from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeRemainingColumn

        bar = Progress(TextColumn("[bold]{task.description}"), BarColumn(), DownloadColumn(), TimeRemainingColumn(),
                       TextColumn("{task.fields[lines]} lines"), console=Console(stderr=True), transient=False)
        bar.start()
        task = bar.add_task(os.path.basename(input_path), total=size or None, lines=0)
    try:
        for number, raw in _lines(stream):
            last = number
            if bar is not None:
                seen += len(raw.encode("utf-8", "replace"))
                if number % 256 == 0:
                    bar.update(task, completed=seen, lines=number)
            if not raw.strip():
                continue
            line = parse_line(raw, number)
            rec: dict[str, Any]
            error = line.error
            if error is None:
                try:
                    rec = {"id": line.id, **handle(line)}
                except ValueError as exc:  # the backend refused this text (e.g. the service's limits)
                    error = str(exc)
            if error is not None:
                bad += 1
                rec = {"id": line.id, "error": f"line {number}: {error}", **(error_fields or {})}
            if keep_fields:
                rec = {**{k: v for k, v in line.record.items() if k != "text"}, **rec}
            out.write(_json_line(rec) + "\n")
            out.flush()
    finally:
        if bar is not None:
            bar.update(task, completed=size, lines=last)
            bar.stop()
        if input_path != "-":
            stream.close()
    if bad:
        click.echo(f"{bad} malformed input line(s)", err=True)
        if not keep_going:
            raise click.exceptions.Exit(1)
