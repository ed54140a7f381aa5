"""Pull the user's query text out of an Elasticsearch / OpenSearch query DSL body.

Only clauses that carry text a person typed are read: ``match``, ``match_phrase``,
``match_phrase_prefix``, ``match_bool_prefix``, ``multi_match``, ``combined_fields``,
``query_string``, ``simple_query_string``, ``term``/``terms`` (string values), ``prefix``, ``wildcard``,
``fuzzy``, ``regexp`` (its pattern read as the characters it names) and the
compound wrappers around them (``bool`` must/should/filter, ``dis_max``, ``constant_score``,
``function_score``, ``boosting``, ``nested``, ``pinned``/``rule`` organic). ``must_not``
clauses are skipped by default: text a user excludes is not text they search for.

``fields`` is an allow-list of field names (``fnmatch`` patterns such as ``title*``); with
``None`` every field counts. A clause that targets several fields (``multi_match``,
``query_string``) counts when any of its fields is allowed, or when it names no field.
"""

from __future__ import annotations

from dataclasses import dataclass
from fnmatch import fnmatchcase
from typing import Any, Iterable, Iterator, Mapping

from .. import fixed_regex

__all__ = [
    "DEFAULT_CLAUSES",
    "MAX_QUERY_TEXT",
    "QueryTextExtractor",
    "extract_query_text",
    "extract_suggest_texts",
    "strip_query_syntax",
    "strip_regexp_syntax",
]

#: Leaf clause types read by default.
DEFAULT_CLAUSES: frozenset[str] = frozenset(
    {
        "match",
        "match_phrase",
        "match_phrase_prefix",
        "match_bool_prefix",
        "multi_match",
        "combined_fields",
        "query_string",
        "simple_query_string",
        "term",
        "terms",
        "prefix",
        "wildcard",
        "fuzzy",
        "regexp",
    }
)

#: Longest text handed to the matcher from one query body (characters); the rest is ignored.
MAX_QUERY_TEXT = 4096

_MAX_DEPTH = 64

# Lucene query-string syntax: field prefixes, boolean words, operators, boosts, fuzziness, ranges.
# (what must not come before or after a field prefix, a boolean word or a /regex/ is checked in code:
# RE2 has no lookaround)
_FIELD_PREFIX = fixed_regex.compile_bytes(rb"[A-Za-z_][\p{L}\p{N}_.*]*:")
_BOOL_WORDS = fixed_regex.compile_bytes(rb"AND|OR|NOT|TO")
_SUFFIX = fixed_regex.compile(r"[~^][0-9.]*")
_OPERATORS = fixed_regex.compile(r"\\(.)|[+\-!(){}\[\]\"|&<>=/*?]")
# Lucene's query parser reads \uXXXX as the character it names.
_UNICODE_ESCAPE = fixed_regex.compile(r"\\u([0-9a-fA-F]{4})(?:\\u([0-9a-fA-F]{4}))?")
# Lucene regular-expression syntax (regexp queries): operators, classes, repeats, escapes.
_REGEXP_SYNTAX = fixed_regex.compile(r"\\(.)|\{[0-9,]*\}|[.?+*|{}\[\]()\"~&<>#@^$-]")


_REGEXP_CLASS = fixed_regex.compile(r"\[(\^?)\\?([^\]])[^\]]*\]")
# A regular expression inside a query string: /.../
_QS_REGEXP = fixed_regex.compile_bytes(rb"/((?:\\.|[^/\\])+)/")


def _word_char(ch: str) -> bool:
    """A letter, digit or ``_`` (what ``\\w`` names)."""
    return ch.isalnum() or ch == "_"


def _before(m: fixed_regex.CheckedMatch, text: str) -> str:
    return text[m.start() - 1] if m.start() > 0 else ""


def _field_prefix_at(m: fixed_regex.CheckedMatch, text: str) -> bool:
    """A field prefix starts a word (not after a letter, digit, ``_`` or ``\\``) and is no URL scheme."""
    before = _before(m, text)
    return not (before and (_word_char(before) or before == "\\")) and text[m.end():m.end() + 2] != "//"


def _bool_word_at(m: fixed_regex.CheckedMatch, text: str) -> bool:
    """A boolean word stands alone (no letter, digit or ``_`` either side)."""
    before, after = _before(m, text), text[m.end():m.end() + 1]
    return not (before and _word_char(before)) and not (after and _word_char(after))


def _regexp_at(m: fixed_regex.CheckedMatch, text: str) -> bool:
    """A /regex/ does not follow a letter, digit, ``_``, ``\\`` or ``/``."""
    before = _before(m, text)
    return not (before and (_word_char(before) or before in "\\/"))


def _unescape_unicode(query: str) -> str:
    """``\\uXXXX`` escapes as the characters they name (a surrogate pair as one character; a lone
    surrogate as a space)."""
    def one(m: fixed_regex.FixedMatch) -> str:
        hi = int(m.group(1), 16)
        lo = int(m.group(2), 16) if m.group(2) else None
        if 0xD800 <= hi < 0xDC00 and lo is not None and 0xDC00 <= lo < 0xE000:
            return chr(0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00))
        first = " " if 0xD800 <= hi < 0xE000 else chr(hi)
        if lo is None:
            return first
        return first + (" " if 0xD800 <= lo < 0xE000 else chr(lo))
    return _UNICODE_ESCAPE.sub(one, query)


def strip_regexp_syntax(pattern: str) -> str:
    """The characters a Lucene regular expression names, its operators as spaces (``赌.*场`` → ``赌 场``);
    a character class stands for its first member (``百家[乐樂]`` → ``百家乐``), a negated one for a space."""
    text = _REGEXP_CLASS.sub(lambda m: " " if m.group(1) else m.group(2), _unescape_unicode(pattern))
    text = _REGEXP_SYNTAX.sub(lambda m: m.group(1) or " ", text)
    return " ".join(text.split())


def strip_query_syntax(query: str) -> str:
    """Remove Lucene / simple-query-string syntax, keeping the words.

    >>> strip_query_syntax('title:"大蒜 预防" AND (新冠 OR 肺炎)^2')
    '大蒜 预防 新冠 肺炎'
    """
    text = _unescape_unicode(query)
    text = fixed_regex.sub_checked(_QS_REGEXP, text, lambda m: f" {strip_regexp_syntax(m.group(1) or '')} ",
                                   lambda m: _regexp_at(m, text))
    text = fixed_regex.sub_checked(_FIELD_PREFIX, text, lambda m: " ", lambda m: _field_prefix_at(m, text))
    text = fixed_regex.sub_checked(_BOOL_WORDS, text, lambda m: " ", lambda m: _bool_word_at(m, text))
    text = _SUFFIX.sub(" ", text)
    text = _OPERATORS.sub(lambda m: m.group(1) or " ", text)
    return " ".join(text.split())


def _field_name(spec: str) -> str:
    return spec.split("^", 1)[0]


@dataclass(frozen=True)
class QueryTextExtractor:
    """Configurable extraction: which clause types and which fields count."""

    fields: tuple[str, ...] | None = None
    clauses: frozenset[str] = DEFAULT_CLAUSES
    include_must_not: bool = False
    max_chars: int = MAX_QUERY_TEXT

    def field_allowed(self, field: str) -> bool:
        if self.fields is None:
            return True
        name = _field_name(field)
        return any(fnmatchcase(name, pat) for pat in self.fields)

    def _any_allowed(self, fields: Iterable[str] | None) -> bool:
        if not fields:
            return True  # default fields: the engine decides; count it
        return any(self.field_allowed(f) for f in fields)

    def texts(self, query: Any) -> list[str]:
        """Every text found in ``query`` (a query clause, not the whole body), in order."""
        out: list[str] = []
        for t in self._walk(query, 0):
            t = " ".join(t.split())
            if t:
                out.append(t)
        return out

    def extract(self, body: Mapping[str, Any] | None, *, q: str | None = None) -> str:
        """The query text of a whole search body (plus a URL ``q`` parameter), joined by spaces."""
        parts: list[str] = []
        if q:
            parts.append(strip_query_syntax(q))
        if isinstance(body, Mapping):
            if "query" in body:
                parts.extend(self.texts(body["query"]))
            if isinstance(body.get("retriever"), Mapping):
                parts.extend(self._retriever(body["retriever"], 0))
        text = " ".join(p for p in parts if p)
        return text[: self.max_chars]

    # -- traversal -------------------------------------------------------------------------------
    def _retriever(self, node: Mapping[str, Any], depth: int) -> Iterator[str]:
        if depth > _MAX_DEPTH:
            return
        for kind, spec in node.items():
            if not isinstance(spec, Mapping):
                continue
            if kind == "standard" and "query" in spec:
                yield from self._walk(spec["query"], depth + 1)
            for sub in spec.get("retrievers", ()) if isinstance(spec.get("retrievers"), list) else ():
                if isinstance(sub, Mapping):
                    yield from self._retriever(sub.get("retriever", sub), depth + 1)
            if isinstance(spec.get("retriever"), Mapping):
                yield from self._retriever(spec["retriever"], depth + 1)

    def _walk(self, node: Any, depth: int) -> Iterator[str]:
        if depth > _MAX_DEPTH or not isinstance(node, Mapping):
            return
        for kind, spec in node.items():
            if kind in self.clauses:
                yield from self._leaf(kind, spec)
            elif kind == "bool" and isinstance(spec, Mapping):
                keys = ("must", "should", "filter") + (("must_not",) if self.include_must_not else ())
                for key in keys:
                    sub = spec.get(key)
                    for clause in sub if isinstance(sub, list) else [sub]:
                        yield from self._walk(clause, depth + 1)
            elif kind == "dis_max" and isinstance(spec, Mapping):
                for clause in spec.get("queries") or ():
                    yield from self._walk(clause, depth + 1)
            elif kind == "boosting" and isinstance(spec, Mapping):
                yield from self._walk(spec.get("positive"), depth + 1)
            elif kind in ("constant_score",) and isinstance(spec, Mapping):
                yield from self._walk(spec.get("filter"), depth + 1)
            elif kind in ("function_score", "script_score", "nested", "has_child", "has_parent") and isinstance(
                spec, Mapping
            ):
                yield from self._walk(spec.get("query"), depth + 1)
            elif kind in ("pinned", "rule") and isinstance(spec, Mapping):
                yield from self._walk(spec.get("organic"), depth + 1)

    def _leaf(self, kind: str, spec: Any) -> Iterator[str]:
        if not isinstance(spec, Mapping):
            return
        if kind in ("multi_match", "combined_fields"):
            if self._any_allowed(spec.get("fields")) and isinstance(spec.get("query"), str):
                yield spec["query"]
            return
        if kind in ("query_string", "simple_query_string"):
            fields = spec.get("fields") or ([spec["default_field"]] if spec.get("default_field") else None)
            if self._any_allowed(fields) and isinstance(spec.get("query"), str):
                yield strip_query_syntax(spec["query"])
            return
        # single-field clauses: {"field": value} or {"field": {"query"/"value": value}}
        for field, value in spec.items():
            if field.startswith("_") and field != "_all" or not self.field_allowed(field):
                continue
            if isinstance(value, Mapping):
                value = value.get("query", value.get("value"))
            if kind == "terms" and isinstance(value, list):
                yield " ".join(v for v in value if isinstance(v, str))
            elif isinstance(value, str):
                if kind == "wildcard":
                    yield _unescape_unicode(value).replace("*", " ").replace("?", " ")
                elif kind == "regexp":
                    yield strip_regexp_syntax(value)
                else:
                    yield value


def extract_query_text(
    body: Mapping[str, Any] | None, *, fields: Iterable[str] | None = None, q: str | None = None
) -> str:
    """Shortcut for :meth:`QueryTextExtractor.extract` with a field allow-list."""
    return QueryTextExtractor(fields=tuple(fields) if fields is not None else None).extract(body, q=q)


def extract_suggest_texts(suggest: Mapping[str, Any] | None) -> dict[str, str]:
    """Per suggester name, the text it completes (``prefix``/``text``/``regex``, or the global ``text``)."""
    out: dict[str, str] = {}
    if not isinstance(suggest, Mapping):
        return out
    global_text = suggest.get("text") if isinstance(suggest.get("text"), str) else ""
    for name, spec in suggest.items():
        if name == "text" or not isinstance(spec, Mapping):
            continue
        text = spec.get("prefix") or spec.get("text") or spec.get("regex") or global_text
        out[name] = text if isinstance(text, str) else ""
    return out
