"""What a guarded search may ask for, what the guard needs to see, and what an upstream answer must look like.

The hit filter judges whole documents by their ``_source`` ``hit_fields``; a hit it drops takes its
``fields``, ``docvalue_fields``, ``stored_fields`` values and ``highlight`` with it. Request features
that return *other* documents, or values of documents the filter never sees, are refused unless the
operator allows them by name (:data:`FEATURES`):

* ``aggregations``: ``aggs`` / ``aggregations`` (``terms`` buckets show field values, ``top_hits``
  whole documents, of every matching document, blocked or not);
* ``inner_hits``: ``inner_hits`` anywhere (``collapse``, ``nested``, ``has_child``, ``has_parent``,
  ``knn``): other documents under a kept hit;
* ``scripts``: ``script`` / ``_script`` anywhere, ``script_fields``, ``runtime_mappings`` (a script runs
  over every matching document and can carry its values out in an error message);
* ``profile``: ``profile: true`` (the rewritten query lists terms of the index);
* ``ext``: ``ext`` (engine extensions such as search pipelines whose answers are built from unfiltered hits).

Top-level keys outside :data:`SEARCH_BODY_KEYS` and those features are refused too (an allow-list: a
new engine feature is refused until it is known to be safe), and so is a ``wrapper`` query anywhere
(its base64 content would hide scripts, inner_hits and the query text from the guard). ``_source``
filtering is widened so the guard always sees the ``hit_fields`` (:func:`widen_source`), and narrowed
back after filtering.
"""

from __future__ import annotations

from dataclasses import dataclass
from fnmatch import fnmatchcase
from typing import Any, Iterable, Mapping, MutableMapping

from .dsl import QueryTextExtractor

__all__ = [
    "FEATURES",
    "SEARCH_BODY_KEYS",
    "RefusedFeature",
    "SourceFilter",
    "UpstreamAnswerError",
    "check_count_answer",
    "check_expand_wildcards",
    "check_index_names",
    "check_lookup_indices",
    "check_msearch_answer",
    "check_search_answer",
    "check_search_body",
    "clean_search_answer",
    "lookup_indices",
    "searched_target",
    "widen_source",
]

#: Request features refused unless allowed by name, with what they would show.
FEATURES: dict[str, str] = {
    "aggregations": "aggs / aggregations: buckets and top_hits show values and documents of blocked hits",
    "inner_hits": "inner_hits: other documents under a kept hit, not filtered",
    "scripts": "script, script_fields, runtime_mappings: a script sees every matching document",
    "profile": "profile: the rewritten query lists terms of the index",
    "ext": "ext: engine extensions (search pipelines) answer from unfiltered hits",
}

#: Top-level search body keys that need no permission: per-hit extras leave with their hit.
SEARCH_BODY_KEYS: frozenset[str] = frozenset({
    "query", "from", "size", "sort", "_source", "fields", "docvalue_fields", "stored_fields", "highlight",
    "suggest", "post_filter", "search_after", "pit", "collapse", "min_score", "track_total_hits", "track_scores",
    "explain", "version", "seq_no_primary_term", "timeout", "terminate_after", "rescore", "knn", "retriever",
    "rank", "sub_searches", "indices_boost", "slice", "stats",
})  # fmt: skip

_TOP_LEVEL_FEATURES = {"aggs": "aggregations", "aggregations": "aggregations", "script_fields": "scripts",
                       "runtime_mappings": "scripts", "profile": "profile", "ext": "ext"}
_NESTED_FEATURES = {"inner_hits": "inner_hits", "script": "scripts", "_script": "scripts"}
#: Keys refused anywhere, whatever is allowed: they hide a request from the guard.
_NEVER = {"wrapper": "a 'wrapper' query hides its content (base64) from the guard"}

#: Top-level keys of an upstream search answer that are passed on (plus allowed features' keys).
_ANSWER_KEYS = frozenset({"took", "timed_out", "_shards", "hits", "suggest", "_scroll_id", "pit_id",
                          "terminated_early", "num_reduce_phases", "_clusters", "status", "phase_took"})
_FEATURE_ANSWER_KEYS = {"aggregations": "aggregations", "profile": "profile", "ext": "ext"}
_HITS_KEYS = frozenset({"hits", "total", "max_score"})


class RefusedFeature(ValueError):
    """A search request asks for something the guard refuses (the proxy answers 403)."""


class UpstreamAnswerError(Exception):
    """An upstream answer the guard cannot use safely: not JSON, or not the shape of a search answer (502)."""


def _refuse(feature: str, where: str) -> RefusedFeature:
    return RefusedFeature(
        f"{where} is refused: {FEATURES[feature]}; an operator may allow the feature {feature!r} "
        f"(search_allowed_features)"
    )


def check_search_body(body: Mapping[str, Any], allowed: Iterable[str] = ()) -> None:
    """Raise :class:`RefusedFeature` when ``body`` uses a key outside :data:`SEARCH_BODY_KEYS` or a
    feature of :data:`FEATURES` not in ``allowed``."""
    allowed = frozenset(allowed)
    for key, value in body.items():
        if key in SEARCH_BODY_KEYS:
            continue
        feature = _TOP_LEVEL_FEATURES.get(key)
        if feature is None:
            raise RefusedFeature(f"search body key {key!r} is not accepted by the guard")
        if feature == "profile" and value in (False, None):
            continue
        if feature not in allowed:
            raise _refuse(feature, f"{key!r}")
    unknown = QueryTextExtractor().unknown_clause(body)
    if unknown is not None:
        raise RefusedFeature(f"query clause {unknown!r} is not known to the guard: it cannot tell what text the "
                             "clause searches for")
    # nested features, anywhere in the body (iterative: bodies may come from a client)
    stack: list[Any] = [body]
    while stack:
        node = stack.pop()
        if isinstance(node, Mapping):
            for key, value in node.items():
                if key in _NEVER:
                    raise RefusedFeature(_NEVER[key])
                feature = _NESTED_FEATURES.get(key)
                if feature is not None and feature not in allowed:
                    raise _refuse(feature, f"{key!r}")
                if isinstance(value, (Mapping, list)):
                    stack.append(value)
        elif isinstance(node, list):
            stack.extend(v for v in node if isinstance(v, (Mapping, list)))


def check_index_names(index: str | None, allowed: Iterable[str] | None, reserved: Iterable[str] = ()) -> None:
    """Raise :class:`RefusedFeature` for an index name or pattern (comma-separated ``index``) the proxy must
    not search: hidden and system indices (a leading ``.``), other clusters (``cluster:index``), exclusions
    (``-name``), ``reserved`` names (the guard's own rumour index) and, when ``allowed`` patterns are set, a
    name or pattern that matches none of them (``news*`` allows ``news-2024`` and ``news-*``, not ``n*``)."""
    patterns = tuple(allowed or ())
    reserved = frozenset(reserved)
    for raw in (index or "").split(","):
        name = raw.strip()
        if not name:
            continue
        if name.startswith(".") or name.startswith("-") or ":" in name:
            raise RefusedFeature(f"index {name!r} is refused: hidden or system indices, other clusters and "
                                 "exclusions are not searched through the proxy")
        if name in reserved:
            raise RefusedFeature(f"index {name!r} is refused: it is the guard's own index")
        if patterns and not any(fnmatchcase(name, p) for p in patterns):
            raise RefusedFeature(f"index {name!r} is not among the indices the proxy searches (search_indices)")


#: ``expand_wildcards`` values the proxy forwards: ``all`` and ``hidden`` would widen a pattern to hidden and
#: system indices.
EXPAND_WILDCARDS = frozenset({"open", "closed", "none"})


def check_expand_wildcards(value: Any) -> None:
    """Raise :class:`RefusedFeature` unless ``value`` (a comma-separated string or a list of strings, from a URL
    parameter or an ``_msearch`` header) names only :data:`EXPAND_WILDCARDS`."""
    parts = value if isinstance(value, list) else [value]
    for part in parts:
        if not isinstance(part, str):
            raise RefusedFeature("expand_wildcards must be a string")
        for word in part.split(","):
            if word.strip().lower() not in EXPAND_WILDCARDS:
                raise RefusedFeature(f"expand_wildcards {word.strip()!r} is refused: only "
                                     f"{', '.join(sorted(EXPAND_WILDCARDS))} (hidden and system indices are not "
                                     "searched through the proxy)")


def searched_target(index: str | None, allowed: Iterable[str] | None, reserved: Iterable[str] = ()) -> str:
    """What to forward for a checked target (:func:`check_index_names`): no target means the ``allowed``
    patterns, else every index (``*``); ``_all`` reads ``*``; and when a pattern of the target could match a
    ``reserved`` name (the guard's own rumour index), that name is excluded (``*,-name``), so a wildcard never
    reaches an index the proxy refuses by name."""
    parts = [p.strip() for p in (index or "").split(",") if p.strip()]
    if not parts:
        parts = list(allowed or ()) or ["*"]
    parts = ["*" if p == "_all" else p for p in parts]
    wild = [p for p in parts if "*" in p or "?" in p]
    excluded = sorted(r for r in frozenset(reserved) if r and any(fnmatchcase(r, p) for p in wild))
    return ",".join(parts + [f"-{r}" for r in excluded])


_SHAPE_DEFAULT_INDEX = "shapes"  # the engines' default index of an ``indexed_shape``


def lookup_indices(body: Any) -> list[str]:
    """Index names a search body makes the engine read a document from: ``terms`` lookups
    (``{"index", "id", "path"}``), ``more_like_this`` ``like``/``unlike`` and ``pinned`` ``docs`` items with an
    ``_index``, ``indexed_shape`` (default index ``shapes``) and ``percolate`` by ``index``/``id``. Walks the
    whole body iteratively (bodies come from clients)."""
    found: list[str] = []
    stack: list[Any] = [body]
    while stack:
        node = stack.pop()
        if isinstance(node, list):
            stack.extend(v for v in node if isinstance(v, (Mapping, list)))
            continue
        if not isinstance(node, Mapping):
            continue
        for key, value in node.items():
            if key == "indexed_shape" and isinstance(value, Mapping):
                found.append(str(value.get("index", _SHAPE_DEFAULT_INDEX)))
            elif key == "terms" and isinstance(value, Mapping):
                found.extend(str(v["index"]) for v in value.values() if isinstance(v, Mapping) and "index" in v)
            elif key == "percolate" and isinstance(value, Mapping) and "index" in value:
                found.append(str(value["index"]))
            elif key in ("more_like_this", "pinned") and isinstance(value, Mapping):
                for field in ("like", "unlike", "docs", "ids"):
                    items = value.get(field)
                    for item in items if isinstance(items, list) else [items]:
                        if isinstance(item, Mapping) and "_index" in item:
                            found.append(str(item["_index"]))
            if isinstance(value, (Mapping, list)):
                stack.append(value)
    return found


def check_lookup_indices(body: Any, allowed: Iterable[str] | None, reserved: Iterable[str] = ()) -> None:
    """Raise :class:`RefusedFeature` when a document lookup of ``body`` (:func:`lookup_indices`) names an index
    the proxy would refuse to search (:func:`check_index_names`) or a pattern."""
    for name in lookup_indices(body):
        if "*" in name or "?" in name or "," in name:
            raise RefusedFeature(f"a document lookup names {name!r}: lookups name one index")
        try:
            check_index_names(name, allowed, reserved)
        except RefusedFeature as e:
            raise RefusedFeature(f"a document lookup (terms lookup, like/pinned documents, indexed shape or "
                                 f"percolate) reads another index: {e}") from None


# -- _source: the guard must see its hit fields -----------------------------------------------------
@dataclass(frozen=True)
class SourceFilter:
    """How the upstream ``_source`` was widened for the guard, to narrow each kept hit back."""

    #: dotted paths added to the client's includes: removed from each hit after filtering.
    added: tuple[str, ...] = ()
    #: the client asked for no ``_source`` at all: dropped from each hit after filtering.
    hide: bool = False

    def narrow(self, hit: MutableMapping[str, Any]) -> None:
        """Remove what the guard added from one hit (or suggestion option)."""
        if self.hide:
            hit.pop("_source", None)
            return
        source = hit.get("_source")
        if isinstance(source, MutableMapping):
            for path in self.added:
                _delete_path(source, path.split("."))


def _delete_path(node: MutableMapping[str, Any], parts: list[str]) -> None:
    head = parts[0]
    if len(parts) == 1:
        node.pop(head, None)
        return
    child = node.get(head)
    if isinstance(child, MutableMapping):
        _delete_path(child, parts[1:])
        if not child:
            node.pop(head, None)


def _patterns(value: Any, what: str) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return list(value)
    raise ValueError(f"_source {what} must be a string or a list of strings")


def _source_spec(value: Any) -> tuple[bool, list[str], list[str]]:
    """``_source`` → (fetch, includes, excludes)."""
    if value is None or value is True:
        return True, [], []
    if value is False:
        return False, [], []
    if isinstance(value, (str, list)):
        return True, _patterns(value, "includes"), []
    if isinstance(value, Mapping):
        unknown = set(value) - {"includes", "include", "excludes", "exclude"}
        if unknown:
            raise ValueError(f"_source has unknown key(s): {', '.join(sorted(unknown))}")
        inc = _patterns(value.get("includes", value.get("include", [])), "includes")
        exc = _patterns(value.get("excludes", value.get("exclude", [])), "excludes")
        return True, inc, exc
    raise ValueError("_source must be a boolean, a string, a list of strings or an object with includes/excludes")


def _prefixes(path: str) -> list[str]:
    parts = path.split(".")
    return [".".join(parts[: i + 1]) for i in range(len(parts))]


def _covered(path: str, patterns: list[str]) -> bool:
    return any(fnmatchcase(prefix, pat) for pat in patterns for prefix in _prefixes(path))


def widen_source(body: MutableMapping[str, Any], hit_fields: Iterable[str]) -> SourceFilter:
    """Make ``body`` fetch every ``hit_fields`` path in ``_source`` (in place); the returned filter narrows
    the kept hits back to what the client asked for. ``_source`` excludes that would hide a hit field and
    ``stored_fields: _none_`` (no ``_source`` at all) are refused."""
    fields = [f for f in hit_fields if f]
    if not fields:
        return SourceFilter()
    stored = body.get("stored_fields")
    if stored == "_none_" or (isinstance(stored, list) and "_none_" in stored):
        raise RefusedFeature(f"stored_fields '_none_' hides _source, which the guard checks ({', '.join(fields)})")
    explicit = "_source" in body
    fetch, inc, exc = _source_spec(body.get("_source") if explicit else (False if "stored_fields" in body else True))
    for f in fields:
        if _covered(f, exc):
            raise RefusedFeature(f"_source excludes {exc} would hide {f!r}, which the guard checks")
    if fetch and not inc:
        return SourceFilter()  # the whole _source comes back
    missing = [f for f in fields if not (fetch and _covered(f, inc))]
    if not missing:
        return SourceFilter()
    body["_source"] = {"includes": (inc if fetch else []) + missing, **({"excludes": exc} if exc else {})}
    return SourceFilter(added=tuple(missing) if fetch else (), hide=not fetch)


# -- upstream answers -------------------------------------------------------------------------------
def _bad(reason: str) -> UpstreamAnswerError:
    return UpstreamAnswerError(f"upstream answer is not a usable search answer: {reason}")


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def check_search_answer(answer: Any) -> None:
    """Raise :class:`UpstreamAnswerError` unless ``answer`` has the shape the guard reads: an object,
    ``hits.hits`` a list of objects whose ``_source`` / ``fields`` are objects, ``hits.total`` a number
    or ``{"value": n}``, ``suggest`` entries with option lists, ``aggregations`` an object.
    Error answers (``{"error": ...}``) pass."""
    if not isinstance(answer, Mapping):
        raise _bad(f"a JSON {type(answer).__name__}, not an object")
    if "error" in answer:
        return
    hits = answer.get("hits")
    if not isinstance(hits, Mapping):
        raise _bad("'hits' is missing" if hits is None else "'hits' is not an object")
    items = hits.get("hits")
    if not isinstance(items, list):
        raise _bad("'hits.hits' is not a list")
    for i, hit in enumerate(items):
        _check_hit(hit, f"hits.hits[{i}]")
    total = hits.get("total")
    if total is not None and not _is_int(total):
        if not isinstance(total, Mapping) or not _is_int(total.get("value")) or not isinstance(
            total.get("relation", "eq"), str
        ):
            raise _bad("'hits.total' is neither a number nor {\"value\": n, \"relation\": ...}")
    suggest = answer.get("suggest")
    if suggest is not None:
        if not isinstance(suggest, Mapping):
            raise _bad("'suggest' is not an object")
        for name, entries in suggest.items():
            if not isinstance(entries, list):
                raise _bad(f"'suggest.{name}' is not a list")
            for j, entry in enumerate(entries):
                where = f"suggest.{name}[{j}]"
                if not isinstance(entry, Mapping):
                    raise _bad(f"'{where}' is not an object")
                options = entry.get("options")
                if options is None:
                    continue
                if not isinstance(options, list):
                    raise _bad(f"'{where}.options' is not a list")
                for k, option in enumerate(options):
                    _check_hit(option, f"{where}.options[{k}]")
                    if "text" in option and not isinstance(option["text"], str):
                        raise _bad(f"'{where}.options[{k}].text' is not a string")
    for key in ("aggregations", "profile", "ext", "_shards"):
        if key in answer and not isinstance(answer[key], Mapping):
            raise _bad(f"'{key}' is not an object")


def _check_hit(hit: Any, where: str) -> None:
    if not isinstance(hit, Mapping):
        raise _bad(f"'{where}' is not an object")
    for key in ("_source", "fields", "highlight", "inner_hits"):
        value = hit.get(key)
        if value is not None and not isinstance(value, Mapping):
            raise _bad(f"'{where}.{key}' is not an object")


def clean_search_answer(answer: MutableMapping[str, Any], allowed: Iterable[str], reserved: str) -> None:
    """Drop what the guard does not pass on (in place): top-level keys it does not know, keys of features
    not allowed, the guard's own ``reserved`` key, ``inner_hits`` of hits unless allowed."""
    allowed = frozenset(allowed)
    keep = _ANSWER_KEYS | {k for k, f in _FEATURE_ANSWER_KEYS.items() if f in allowed}
    for key in [k for k in answer if k not in keep or k == reserved]:
        del answer[key]
    hits = answer["hits"]
    for key in [k for k in hits if k not in _HITS_KEYS]:
        del hits[key]
    if "inner_hits" not in allowed:
        for hit in answer["hits"]["hits"]:
            hit.pop("inner_hits", None)


def check_msearch_answer(answer: Any, expected: int) -> list[Any]:
    """The ``responses`` list of an ``_msearch`` answer, which must hold ``expected`` objects."""
    if not isinstance(answer, Mapping) or not isinstance(answer.get("responses"), list):
        raise UpstreamAnswerError("upstream _msearch answer has no 'responses' list")
    responses: list[Any] = answer["responses"]
    if len(responses) != expected:
        raise UpstreamAnswerError(f"upstream _msearch answer has {len(responses)} responses for {expected} searches")
    return responses


def check_count_answer(answer: Any) -> None:
    """A ``_count`` answer must be an object with an integer ``count`` (or an error answer)."""
    if not isinstance(answer, Mapping) or ("error" not in answer and not _is_int(answer.get("count"))):
        raise UpstreamAnswerError("upstream _count answer has no integer 'count'")
