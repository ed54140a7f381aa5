"""The one YAML loader for lexicon and table files: bounded, no aliases, errors with a line.

PyYAML's ``safe_load`` still lets a few hundred bytes cost seconds and hundreds of MB
("billion laughs": anchors and aliases that expand exponentially), recurses without limit
on deep nesting and raises bare ``ValueError`` / ``OverflowError`` on impossible dates and
huge numbers. :class:`SafeLoader` refuses anchors, aliases and merge keys, bounds the nesting
depth and the document size, keeps an impossible date as its text (the lexicon checks then
name it) and refuses numbers longer than :data:`MAX_NUMBER_CHARS`. Every problem surfaces as a
:class:`YamlProblem` carrying the 1-based line it was found on.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

import yaml
from yaml.constructor import ConstructorError, SafeConstructor
from yaml.events import AliasEvent, CollectionStartEvent, Event, ScalarEvent

from . import fixed_regex

__all__ = ["MAX_DEPTH", "MAX_NUMBER_CHARS", "MAX_YAML_BYTES", "SafeLoader", "YamlProblem", "compose", "construct",
           "load"]

#: Largest YAML document accepted (bytes of UTF-8). The bundled lexicons are ~20 KB; use TSV or
#: plain text for longer term lists (parsing costs about a second per 100 KB of one-word items).
MAX_YAML_BYTES = 1024 * 1024
#: Deepest nesting of collections accepted (a lexicon needs 7: root → entries → entry →
#: variants → variant → context → word list).
MAX_DEPTH = 20
#: Longest number accepted: Python's ``int()`` is quadratic on long digit strings and YAML's
#: base-60 integers (``1:2:3:…``) grow with every part.
MAX_NUMBER_CHARS = 64


class YamlProblem(ValueError):
    """A YAML document that is refused: ``line`` (1-based, None when unknown) and ``message``."""

    def __init__(self, line: int | None, message: str) -> None:
        super().__init__(f"line {line}: {message}" if line else message)
        self.line = line
        self.message = message


class _Constructor(SafeConstructor):
    """SafeConstructor without merge keys, with bounded numbers and impossible dates kept as text."""

    def flatten_mapping(self, node: yaml.MappingNode) -> None:
        for key_node, _ in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                raise ConstructorError(None, None, "YAML merge keys (<<) are not allowed", key_node.start_mark)
        super().flatten_mapping(node)

    def construct_yaml_int(self, node: yaml.ScalarNode) -> int:
        _check_number(node)
        return super().construct_yaml_int(node)

    def construct_yaml_float(self, node: yaml.ScalarNode) -> float:
        _check_number(node)
        return super().construct_yaml_float(node)

    def construct_date_or_text(self, node: yaml.ScalarNode) -> date | str:
        """A timestamp scalar as PyYAML reads it, or its text when the date is impossible."""
        try:
            return super().construct_yaml_timestamp(node)
        except (ValueError, OverflowError):  # 2025-02-30: a date-shaped text, the caller names the field
            return self.construct_scalar(node)

    # What ``add_constructor`` does (a copy of the inherited table with these three tags replaced), written
    # out because its stub accepts only PyYAML's own loader classes and :func:`construct` runs this class alone.
    yaml_constructors = {
        **SafeConstructor.yaml_constructors,
        "tag:yaml.org,2002:int": construct_yaml_int,
        "tag:yaml.org,2002:float": construct_yaml_float,
        "tag:yaml.org,2002:timestamp": construct_date_or_text,
    }


def _check_number(node: yaml.ScalarNode) -> None:
    if len(node.value) > MAX_NUMBER_CHARS:
        raise ConstructorError(None, None, f"number longer than {MAX_NUMBER_CHARS} characters", node.start_mark)


class _Checks(yaml.composer.Composer):
    """Composer that refuses anchors / aliases and nesting deeper than ``max_depth``."""

    max_depth = MAX_DEPTH
    _depth = 0

    if TYPE_CHECKING:  # supplied by the parser class the loader mixes in
        def peek_event(self) -> Event | None: ...

    def compose_node(self, parent: yaml.Node | None, index: int) -> yaml.Node | None:
        event = self.peek_event()
        if isinstance(event, AliasEvent):
            raise _refused(f"YAML aliases (*{event.anchor}) are not allowed in lexicon files: write the value out",
                           event)
        if isinstance(event, (ScalarEvent, CollectionStartEvent)) and event.anchor is not None:
            raise _refused(f"YAML anchors (&{event.anchor}) are not allowed in lexicon files: write the value out",
                           event)
        if isinstance(event, CollectionStartEvent):
            self._depth += 1
            try:
                if self._depth > self.max_depth:
                    raise _refused(f"nesting deeper than {self.max_depth} levels", event)
                return super().compose_node(parent, index)
            finally:
                self._depth -= 1
        return super().compose_node(parent, index)


def _refused(problem: str, event: Event) -> yaml.composer.ComposerError:
    """The composer's error for ``event``; libyaml's mark is copied into PyYAML's (same fields)."""
    mark = event.start_mark
    if mark is not None and not isinstance(mark, yaml.error.Mark):
        mark = yaml.error.Mark(mark.name, mark.index, mark.line, mark.column, mark.buffer, mark.pointer)
    return yaml.composer.ComposerError(None, None, problem, mark)


if yaml.__with_libyaml__:
    from yaml._yaml import CParser

    class SafeLoader(_Checks, CParser, _Constructor, yaml.resolver.Resolver):
        """Safe loader: libyaml's event parser under the checking composer (≈5x faster than pure Python)."""

        def __init__(self, stream: str, max_depth: int = MAX_DEPTH) -> None:
            CParser.__init__(self, stream)
            _Checks.__init__(self)
            _Constructor.__init__(self)
            yaml.resolver.Resolver.__init__(self)
            self.max_depth = max_depth

else:  # pragma: no cover - PyYAML built without libyaml

    # The same class on PyYAML's pure-Python parser; mypy sees two definitions of one name.
    class SafeLoader(yaml.reader.Reader, yaml.scanner.Scanner, yaml.parser.Parser,  # type: ignore[no-redef]
                     _Checks, _Constructor, yaml.resolver.Resolver):
        """Safe loader: PyYAML's pure-Python parser under the checking composer."""

        def __init__(self, stream: str, max_depth: int = MAX_DEPTH) -> None:
            yaml.reader.Reader.__init__(self, stream)
            yaml.scanner.Scanner.__init__(self)
            yaml.parser.Parser.__init__(self)
            _Checks.__init__(self)
            _Constructor.__init__(self)
            yaml.resolver.Resolver.__init__(self)
            self.max_depth = max_depth


def _problem(exc: yaml.YAMLError, text: str = "") -> YamlProblem:
    if isinstance(exc, yaml.reader.ReaderError):  # a character YAML does not allow (NUL, most controls)
        line = None
        if text and isinstance(exc.position, int):  # libyaml counts bytes of UTF-8, PyYAML characters
            if yaml.__with_libyaml__:
                line = text.encode("utf-8", "surrogatepass").count(b"\n", 0, exc.position) + 1
            else:
                line = text.count("\n", 0, exc.position) + 1
        ch = exc.character
        shown = f"U+{ch:04X}" if isinstance(ch, int) else repr(ch)
        return YamlProblem(line, f"invalid YAML: character {shown} is not allowed")
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    problem = getattr(exc, "problem", None) or str(exc)
    context = getattr(exc, "context", None)
    msg = f"{context}: {problem}" if context and problem and "not allowed" not in problem else problem
    return YamlProblem(mark.line + 1 if mark is not None else None, f"invalid YAML: {msg}")


def compose(text: str, *, max_bytes: int = MAX_YAML_BYTES, max_depth: int = MAX_DEPTH) -> yaml.Node | None:
    """The node tree of a single YAML document (None when empty); raises :class:`YamlProblem`."""
    bad = fixed_regex.first_surrogate(text)
    if bad is not None:  # not text at all (and libyaml would fail to encode it)
        raise YamlProblem(text.count("\n", 0, bad) + 1, "invalid YAML: unpaired surrogate character")
    size = len(text.encode("utf-8"))
    if size > max_bytes:
        raise YamlProblem(None, f"YAML document of {size} bytes is larger than the limit of {max_bytes} bytes")
    loader = None
    try:
        loader = SafeLoader(text, max_depth)  # the reader checks every character here
        return loader.get_single_node()
    except yaml.YAMLError as exc:
        raise _problem(exc, text) from None
    except RecursionError:  # not reachable with max_depth ≤ a few hundred; never a traceback
        raise YamlProblem(None, "invalid YAML: nesting too deep") from None
    finally:
        if loader is not None:
            loader.dispose()


def construct(node: yaml.Node | None) -> Any:
    """The Python value of a node from :func:`compose`; raises :class:`YamlProblem` (e.g. an unhashable
    key, an unknown tag, a merge key, a too-long number)."""
    if node is None:
        return None
    c = _Constructor()
    try:
        return c.construct_document(node)
    except yaml.YAMLError as exc:
        raise _problem(exc) from None
    except (ValueError, OverflowError, TypeError) as exc:  # a constructor's own failure, e.g. bad base64
        line = node.start_mark.line + 1 if node.start_mark is not None else None
        raise YamlProblem(line, f"invalid YAML value: {exc}") from None


def load(text: str, *, max_bytes: int = MAX_YAML_BYTES, max_depth: int = MAX_DEPTH) -> Any:
    """:func:`compose` then :func:`construct`: the safe replacement of ``yaml.safe_load``."""
    return construct(compose(text, max_bytes=max_bytes, max_depth=max_depth))
