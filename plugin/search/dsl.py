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
from itertools import permutations
from typing import Any, Iterable, Iterator, Mapping

from .. import fixed_regex

__all__ = [
    "COMPOUND_CLAUSES",
    "DEFAULT_CLAUSES",
    "EXTRA_TEXT_CLAUSES",
    "PLAIN_CLAUSES",
    "UnknownClause",
    "MAX_QUERY_TEXT",
    "QueryTextExtractor",
    "extract_query_text",
    "extract_suggest_texts",
    "query_places",
    "reorderings",
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


#: Readings of a regular expression with character classes, at most (each class's members in turn).
MAX_CLASS_READINGS = 16
#: Members of one character class read, at most.
_MAX_CLASS_MEMBERS = 8


def strip_regexp_syntax(pattern: str) -> str:
    """The characters a Lucene regular expression names, its operators as spaces (``赌.*场`` → ``赌 场``).
    A character class is read with each of its members in turn, the readings side by side
    (``[x百]家乐`` → ``x家乐 百家乐``: the decoy member first does not hide the term; at most
    :data:`MAX_CLASS_READINGS` readings, further classes by their first member); a negated class is a space."""
    text = _unescape_unicode(pattern)
    readings = [""]
    last = 0
    for m in _REGEXP_CLASS.finditer(text):
        members = [" "] if m.group(1) else _class_members(m.group(0))
        if len(readings) * len(members) > MAX_CLASS_READINGS:
            members = members[:1]
        readings = [r + text[last:m.start()] + c for r in readings for c in members]
        last = m.end()
    readings = [r + text[last:] for r in readings]
    out = [_REGEXP_SYNTAX.sub(lambda m: m.group(1) or " ", r) for r in readings]
    return " ".join(" ".join(out).split())


def _class_members(cls: str) -> list[str]:
    """The single characters a class ``[...]`` names (ranges by their ends), first ones first."""
    body = cls[1:-1]
    members: list[str] = []
    i = 0
    while i < len(body) and len(members) < _MAX_CLASS_MEMBERS:
        ch = body[i]
        if ch == "\\" and i + 1 < len(body):
            ch, i = body[i + 1], i + 1
        elif ch == "-" and members:
            i += 1
            continue
        if ch not in members:
            members.append(ch)
        i += 1
    return members or [" "]


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


#: Compound clauses: the keys holding their sub-queries, and whether a key negates what it holds.
COMPOUND_CLAUSES: dict[str, dict[str, bool]] = {
    "bool": {"must": False, "should": False, "filter": False, "must_not": True},
    "dis_max": {"queries": False},
    "boosting": {"positive": False, "negative": True},
    "constant_score": {"filter": False},
    "function_score": {"query": False, "functions": False},  # functions: [{"filter": query, ...}]
    "script_score": {"query": False},
    "nested": {"query": False},
    "has_child": {"query": False},
    "has_parent": {"query": False},
    "pinned": {"organic": False},
    "rule": {"organic": False},
    "hybrid": {"queries": False},
    "span_near": {"clauses": False},
    "span_or": {"clauses": False},
    "span_not": {"include": False, "exclude": True},
    "span_first": {"match": False},
    "span_containing": {"big": False, "little": False},
    "span_within": {"big": False, "little": False},
    "span_multi": {"match": False},
    "field_masking_span": {"query": False},
    "knn": {},  # per field (OpenSearch) or at its top (Elasticsearch): "filter" holds a query
}
#: Leaf clauses with text beyond :data:`DEFAULT_CLAUSES`: read whatever the clause set allows.
EXTRA_TEXT_CLAUSES: frozenset[str] = frozenset({
    "span_term", "intervals", "more_like_this", "terms_set", "percolate", "neural", "semantic", "text_expansion",
})
#: Clauses without text a person typed (ranges, existence, ids, shapes, vectors, scripts).
PLAIN_CLAUSES: frozenset[str] = frozenset({
    "match_all", "match_none", "exists", "range", "ids", "geo_distance", "geo_bounding_box", "geo_polygon",
    "geo_shape", "geo_grid", "shape", "distance_feature", "rank_feature", "parent_id", "script", "type",
})
#: Keys whose text reads as a query text wherever they appear (semantic search and rerankers).
_TEXT_KEYS = frozenset({"model_text", "query_text", "inference_text"})
#: Keys of :data:`EXTRA_TEXT_CLAUSES` and interval rules holding the text.
_EXTRA_TEXT_KEYS = frozenset({"query", "prefix", "pattern", "term", "terms", "like", "document", "documents",
                              "query_text", "model_text", "value"})


class UnknownClause(ValueError):
    """A query clause type the guard does not know: it cannot tell what text the clause searches for."""


@dataclass(frozen=True)
class QueryTextExtractor:
    """Configurable extraction: which clause types and which fields count.

    Every place of a search body that holds a query is read (``query``, ``post_filter``, ``rescore``,
    ``knn`` filters, ``sub_searches``, ``retriever``, ``highlight_query``, ``sort`` nested filters), compound
    clauses down to their leaves; a clause under an odd number of negations (``must_not``, ``negative``,
    ``exclude``) is text the user excludes (skipped unless ``include_must_not``), under an even number it is
    searched for. :meth:`unknown_clause` names a clause type outside what is known here."""

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
        return self._joined(self._walk(query, 0, False))

    def extract(self, body: Mapping[str, Any] | None, *, q: str | None = None) -> str:
        """The query text of a whole search body (plus a URL ``q`` parameter), joined by spaces."""
        parts: list[str] = []
        if q:
            parts.append(strip_query_syntax(q))
        if isinstance(body, Mapping):
            for node in query_places(body):
                if isinstance(node, str):
                    parts.append(node)
                else:
                    parts.extend(self._joined(self._walk(node, 0, False)))
        text = " ".join(p for p in parts if p)
        return (text + reorderings(text))[: self.max_chars]

    def unknown_clause(self, body: Mapping[str, Any]) -> str | None:
        """The first clause type in ``body``'s queries that is not known here (None: all are)."""
        for node in query_places(body):
            if not isinstance(node, str):
                try:
                    for _ in self._walk(node, 0, False, strict=True):
                        pass
                except UnknownClause as exc:
                    return str(exc)
        return None

    @staticmethod
    def _joined(texts: Iterable[str]) -> list[str]:
        return [t for t in (" ".join(t.split()) for t in texts) if t]

    # -- traversal -------------------------------------------------------------------------------
    def _walk(self, node: Any, depth: int, negated: bool, *, strict: bool = False) -> Iterator[str]:
        if depth > _MAX_DEPTH:
            return
        if isinstance(node, list):
            for item in node:
                yield from self._walk(item, depth + 1, negated, strict=strict)
            return
        if not isinstance(node, Mapping):
            return
        for kind, spec in node.items():
            if kind in COMPOUND_CLAUSES:
                yield from self._compound(kind, spec, depth, negated, strict)
            elif kind in self.clauses or kind in EXTRA_TEXT_CLAUSES:
                if not negated or self.include_must_not:
                    yield from self._leaf(kind, spec, depth)
            elif kind in DEFAULT_CLAUSES:
                pass  # a text clause this extractor was configured not to read
            elif strict and kind not in PLAIN_CLAUSES and kind not in ("boost", "_name"):
                raise UnknownClause(kind)

    def _compound(self, kind: str, spec: Any, depth: int, negated: bool, strict: bool) -> Iterator[str]:
        if not isinstance(spec, Mapping):
            return
        if kind == "knn":  # {"field": {"vector": ..., "filter": q}} or {"field": "v", "filter": q, ...}
            for value in [spec, *spec.values()]:
                if isinstance(value, Mapping) and "filter" in value:
                    yield from self._walk(value["filter"], depth + 1, negated, strict=strict)
            if not negated or self.include_must_not:
                yield from _texts_under({k: v for k, v in spec.items() if k != "filter"}, _TEXT_KEYS, depth + 1)
            return
        for key, negates in COMPOUND_CLAUSES[kind].items():
            sub = spec.get(key)
            if kind == "function_score" and key == "functions":
                sub = [f.get("filter") for f in sub if isinstance(f, Mapping)] if isinstance(sub, list) else None
            yield from self._walk(sub, depth + 1, negated != negates, strict=strict)

    def _leaf(self, kind: str, spec: Any, depth: int) -> Iterator[str]:
        if not isinstance(spec, Mapping):
            return
        if kind in EXTRA_TEXT_CLAUSES:
            if kind == "percolate":  # the documents a stored query would match: all their text
                yield from _texts_under({k: v for k, v in spec.items() if k in ("document", "documents")},
                                        None, depth + 1)
                return
            if kind == "more_like_this":  # the texts (and documents) to find more of; "unlike" is excluded text
                yield from _texts_under(spec.get("like"), None, depth + 1)
                return
            if kind == "semantic":  # {"field": name, "query": text}
                if self.field_allowed(str(spec.get("field", ""))) and isinstance(spec.get("query"), str):
                    yield spec["query"]
                return
            for field, value in spec.items():
                if not self.field_allowed(field):
                    continue
                if isinstance(value, str):
                    yield value
                else:
                    yield from _texts_under(value, _EXTRA_TEXT_KEYS, depth + 1)
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


#: A query of at most this many pieces, each at most :data:`_SHORT_PIECE` characters and one of a single
#: character, is also read in every order of its pieces (``+乐 +家 +百``: an engine that requires every piece, on an index analysed
#: per character, finds what 百家乐 finds).
_MAX_PIECES = 4
_SHORT_PIECE = 2


def reorderings(text: str) -> str:
    """The pieces of a short split query joined in every order (each reading after a space), else ''."""
    pieces = text.split()
    if not 2 <= len(pieces) <= _MAX_PIECES or any(len(p) > _SHORT_PIECE for p in pieces) \
            or all(len(p) > 1 for p in pieces):  # (split characters: a piece of one character)
        return ""
    return "".join(" " + "".join(order) for order in dict.fromkeys(permutations(pieces)))


def _texts_under(node: Any, keys: frozenset[str] | None, depth: int) -> Iterator[str]:
    """Strings under ``node`` held by one of ``keys`` (any key: None), at any depth (bounded)."""
    stack: list[tuple[Any, int, bool]] = [(node, depth, keys is None)]
    while stack:
        item, d, take = stack.pop()
        if d > _MAX_DEPTH:
            continue
        if isinstance(item, str):
            if take:
                yield item
        elif isinstance(item, Mapping):
            stack.extend((v, d + 1, take or (keys is not None and k in keys)) for k, v in reversed(list(item.items())))
        elif isinstance(item, list):
            stack.extend((v, d + 1, take) for v in reversed(item))


def query_places(body: Mapping[str, Any]) -> Iterator[Any]:
    """Every query of a search body (``query``, ``post_filter``, ``rescore`` queries, ``knn`` filters,
    ``sub_searches``, ``retriever`` queries and filters, ``highlight_query``, ``sort`` nested filters),
    and the texts of semantic-search keys (``model_text``, ``query_text``, ``inference_text``) as strings."""
    for key in ("query", "post_filter"):
        if key in body:
            yield body[key]
    for item in _items(body.get("rescore")):
        if isinstance(item.get("query"), Mapping):
            yield item["query"].get("rescore_query")
    for item in _items(body.get("knn")):
        yield {"knn": item}
    for item in _items(body.get("sub_searches")):
        yield item.get("query")
    highlight = body.get("highlight")
    if isinstance(highlight, Mapping):
        yield highlight.get("highlight_query")
        fields = highlight.get("fields")
        for spec in (fields.values() if isinstance(fields, Mapping) else
                     [v for f in fields if isinstance(f, Mapping) for v in f.values()] if isinstance(fields, list)
                     else ()):
            if isinstance(spec, Mapping):
                yield spec.get("highlight_query")
    for item in _items(body.get("sort")):
        for spec in item.values():
            nested = spec.get("nested") if isinstance(spec, Mapping) else None
            depth = 0
            while isinstance(nested, Mapping) and depth < _MAX_DEPTH:
                yield nested.get("filter")
                nested, depth = nested.get("nested"), depth + 1
    if isinstance(body.get("retriever"), Mapping):
        yield from _retriever_places(body["retriever"])


def _items(value: Any) -> list[Mapping[str, Any]]:
    """A dict or a list of dicts as a list of dicts."""
    if isinstance(value, Mapping):
        return [value]
    return [v for v in value if isinstance(v, Mapping)] if isinstance(value, list) else []


def _retriever_places(node: Mapping[str, Any]) -> Iterator[Any]:
    """Queries, filters and texts of a retriever tree (iterative, bounded)."""
    stack: list[tuple[Any, int]] = [(node, 0)]
    while stack:
        item, depth = stack.pop()
        if depth > _MAX_DEPTH:
            continue
        if isinstance(item, list):
            stack.extend((v, depth + 1) for v in reversed(item))
            continue
        if not isinstance(item, Mapping):
            continue
        for key, value in item.items():
            if key in ("query", "filter"):
                yield value
            elif key in _TEXT_KEYS and isinstance(value, str):
                yield value
            elif isinstance(value, (Mapping, list)):
                stack.append((value, depth + 1))


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
