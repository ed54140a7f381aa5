"""Search-time guard for Elasticsearch / OpenSearch: query check, refutation pins, hit and suggestion filtering.

The logic is written once, free of any I/O, as a *plan*: a generator that yields the upstream
requests it needs (:class:`UpstreamRequest`) and receives the decoded upstream responses. Drivers
run plans against a sync client (:class:`GuardedClient`), an async client
(:class:`GuardedAsyncClient`) or an HTTP proxy (``service/proxy.py``); ``msearch`` runs several
plans in lock-step and batches each round into one upstream ``_msearch``.

What a plan does with one search body:

1. extracts the query text (:mod:`plugin.search.dsl`) and checks it with the guard
   (:class:`plugin.guard.Guard`, surface ``query``); a query the policy blocks is answered without
   asking upstream: no hits, ``qinglang.notice``;
2. takes the verdict's rumour pins; refutations go to the top of the first results
   (``pin_mode="response"``: inserted into the response, organic duplicates removed, from/size
   paging stays consistent; ``pin_mode="native"``: an Elasticsearch ``pinned`` query over
   ``refutation_index``);
3. drops hits whose ``hit_fields`` the policy drops (surface ``search_hit``), fetching more so the
   page keeps its size;
4. filters completion / term / phrase suggestion options (surface ``suggestion``: the same decisions
   as ``/v1/suggestions/filter``; over-fetch, post-filter, cut to the requested size).

What is blocked, dropped, pinned and the notice text are the policy's (:mod:`plugin.policy`), so the
proxy, the client wrappers and the service routes agree.

Before any of that, :mod:`plugin.search.policy` refuses request features that would show documents
the hit filter never sees (aggregations, inner_hits, scripts ... unless ``allowed_features`` names
them) and widens ``_source`` so the filter always sees ``hit_fields``; every upstream answer is
checked for the shape the plan reads (:class:`~plugin.search.policy.UpstreamAnswerError` otherwise)
and cleaned of what the guard does not pass on.
"""

from __future__ import annotations

import copy
import functools
import math
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import (Any, Awaitable, Callable, Generator, Iterable, Mapping, MutableMapping, Protocol, Sequence, TypeVar,
                    cast)

from plugin.guard import Guard, Verdict
from plugin.models import Surface
from plugin.protocols import MatcherSource, RumorLookup, TextMatcher
from plugin.rumors.models import Pin, headline
from plugin.search.strict_json import loads as strict_loads
from plugin.search.dsl import QueryTextExtractor, extract_suggest_texts
from plugin.search.policy import (
    FEATURES,
    SourceFilter,
    check_search_answer,
    check_search_body,
    clean_search_answer,
    widen_source,
)

__all__ = [
    "GuardedAsyncClient",
    "GuardedClient",
    "JsonObject",
    "Plan",
    "SearchGuard",
    "SearchGuardConfig",
    "UpstreamRequest",
    "advance_plans",
    "guard_client",
    "join_index",
    "msearch_pairs",
    "paging_window",
    "msearch_request_lines",
    "Offload",
    "run_plan_async",
    "run_plan_sync",
    "run_plans_async",
    "run_plans_sync",
    "start_plans",
]

#: A JSON object: a search body, a search answer, a hit, an msearch header.
JsonObject = dict[str, Any]

_T = TypeVar("_T")
_DEFAULT_SUGGEST_SIZE = 5
_MAX_INT32 = 2**31 - 1  # the engines' from / size are Java ints


@dataclass(frozen=True)
class SearchGuardConfig:
    """Options of the search guard (all keyword; defaults suit a news / UGC index with a ``title``)."""

    #: fields whose query text counts (fnmatch patterns); ``None``: every field.
    query_fields: tuple[str, ...] | None = None
    #: ``_source`` fields of result hits and suggestion options checked against the lexicons (dotted paths).
    hit_fields: tuple[str, ...] = ("title",)
    #: "response" (insert refutation hits), "native" (ES ``pinned`` query) or "off".
    pin_mode: str = "response"
    #: most refutations pinned per query.
    max_pins: int = 3
    #: ``_index`` of inserted refutation hits; in native mode, the index holding refutation documents.
    refutation_index: str = "qinglang-refutations"
    #: ``_source`` field compared with a refutation's URL to drop organic duplicates of a pin.
    dedup_field: str | None = "url"
    #: fetch this many times the still-missing hits when hits are filtered.
    overfetch: float = 1.5
    #: ... and at least this many extra.
    overfetch_min: int = 5
    #: never read past this position upstream (the engines' ``index.max_result_window``).
    max_window: int = 10_000
    #: suggestion over-fetch factor and the most options asked for.
    suggest_overfetch: int = 3
    suggest_max: int = 100
    #: notice put in blocked responses (``qinglang.notice``); ``None``: the policy's (it names the categories).
    notice: str | None = None
    #: key of the guard's block in responses.
    response_key: str = "qinglang"
    #: whether a blocked response lists the hits (terms and categories) of the query; ``False`` keeps the
    #: lexicon's terms from whoever can search (the notice still names the categories).
    show_hits: bool = True
    #: request features of :data:`plugin.search.policy.FEATURES` let through (default none: refused).
    allowed_features: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        if self.pin_mode not in ("response", "native", "off"):
            raise ValueError(f"pin_mode must be 'response', 'native' or 'off', not {self.pin_mode!r}")
        if self.overfetch < 1 or self.suggest_overfetch < 1:
            raise ValueError("overfetch factors must be >= 1")
        if self.max_pins < 0 or self.max_window < 1:
            raise ValueError("max_pins must be >= 0 and max_window >= 1")
        unknown = set(self.allowed_features) - set(FEATURES)
        if unknown:
            raise ValueError(f"unknown search feature(s) {', '.join(sorted(unknown))}; known: {', '.join(FEATURES)}")


@dataclass
class UpstreamRequest:
    """One search the plan needs: a body for the same target, plus an index to add (native pins)."""

    body: dict[str, Any]
    extra_index: str | None = None


#: A search answered step by step: yields the upstream requests it needs, is sent each decoded upstream
#: answer (any JSON value: the plan checks its shape) and returns the answer for the client.
Plan = Generator[UpstreamRequest, Any, JsonObject]


def _plan_result(stop: StopIteration) -> JsonObject:
    """The answer a finished plan returned (``StopIteration.value`` is untyped)."""
    return cast(JsonObject, stop.value)


def _source_value(hit: Mapping[str, Any], path: str) -> Any:
    node: Any = hit.get("_source")
    for part in path.split("."):
        if not isinstance(node, Mapping):
            return None
        node = node.get(part)
    return node


def _field_values(hit: Mapping[str, Any], path: str) -> Iterable[Any]:
    """Values of ``path`` in the hit's ``fields`` (``fields`` / ``docvalue_fields`` / ``stored_fields``),
    sub-fields included (``title.keyword``)."""
    fields = hit.get("fields")
    if isinstance(fields, Mapping):
        for name, value in fields.items():
            if name == path or name.startswith(path + "."):
                yield value


def _strings(value: Any) -> Iterable[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, list):
        for v in value:
            yield from _strings(v)
    elif isinstance(value, Mapping) and "input" in value:  # completion field source
        yield from _strings(value["input"])


def _int(value: Any, default: int, name: str) -> int:
    if value is None:
        return default
    try:
        n = int(value)
    except (TypeError, ValueError, OverflowError):
        raise ValueError(f"{name} must be an integer, got {value!r}"[:200]) from None
    if n < 0:
        raise ValueError(f"{name} must be >= 0, got {n}")
    if n > _MAX_INT32:
        raise ValueError(f"{name} must be at most {_MAX_INT32}, got {value!r}"[:200])
    return n


def paging_window(body: Mapping[str, Any]) -> int:
    """How many hits a search body pages through (``from`` + ``size``, defaults 0 and 10), read as the guard
    reads them (numeric strings count); ``ValueError`` for a value the guard refuses."""
    return _int(body.get("from"), 0, "from") + _int(body.get("size"), 10, "size")


class SearchGuard:
    """Builds plans for search bodies over a :class:`plugin.guard.Guard` (its policy, caches and rumour
    lookup). ``guard`` may also be a matcher or a holder of the live one, with ``rumors``: a guard with
    the default policy is built over them. Thread-safe."""

    def __init__(
        self,
        guard: Guard | TextMatcher | MatcherSource | Callable[[], TextMatcher],
        rumors: RumorLookup | None = None,
        config: SearchGuardConfig | None = None,
    ) -> None:
        self.config = config or SearchGuardConfig()
        if isinstance(guard, Guard):
            if rumors is not None:
                raise ValueError("pass the rumour lookup to the Guard, not to SearchGuard")
        else:
            guard = Guard(guard, rumors, max_pins=max(self.config.max_pins, 1))
        if self.config.pin_mode == "off" or not self.config.max_pins:
            guard = guard.replace(rumors=None)
        self.guard = guard
        self.extractor = QueryTextExtractor(fields=self.config.query_fields)

    @property
    def rumors(self) -> RumorLookup | None:
        return self.guard.rumors

    # -- verdicts --------------------------------------------------------------------------------
    def check_query(self, text: str) -> Verdict:
        """The guard's verdict for a query text."""
        return self.guard.check(text, Surface.QUERY)

    def is_blocked(self, text: str, surface: Surface = Surface.SEARCH_HIT) -> bool:
        """Whether the policy takes ``text`` (a hit title; with ``surface``, a suggestion) out."""
        return bool(text) and not self.guard.passes(text, surface)

    def hit_blocked(self, hit: Mapping[str, Any], surface: Surface = Surface.SEARCH_HIT) -> bool:
        """Whether a hit's ``hit_fields`` (in ``_source``, or returned as ``fields``) are taken out."""
        for path in self.config.hit_fields:
            for value in (_source_value(hit, path), *_field_values(hit, path)):
                for text in _strings(value):
                    if self.is_blocked(text, surface):
                        return True
        return False

    # -- responses -------------------------------------------------------------------------------
    def blocked_search_response(self, result: Verdict) -> dict[str, Any]:
        return {
            "took": 0,
            "timed_out": False,
            "_shards": {"total": 0, "successful": 0, "skipped": 0, "failed": 0},
            "hits": {"total": {"value": 0, "relation": "eq"}, "max_score": None, "hits": []},
            self.config.response_key: self._verdict_block(result, blocked=True),
        }

    def blocked_count_response(self, result: Verdict) -> dict[str, Any]:
        return {
            "count": 0,
            "_shards": {"total": 0, "successful": 0, "skipped": 0, "failed": 0},
            self.config.response_key: self._verdict_block(result, blocked=True),
        }

    def _verdict_block(self, result: Verdict, *, blocked: bool) -> dict[str, Any]:
        out: dict[str, Any] = {"action": result.lexicon_action, "blocked": blocked}
        if blocked:
            out["notice"] = self.config.notice if self.config.notice is not None else result.notice
            if self.config.show_hits:
                out["hits"] = [h.to_dict() for h in result.hits]
        if result.lexicon_version:
            out["lexicon_version"] = result.lexicon_version
        return out

    def refutation_hit(self, pin: Pin) -> dict[str, Any]:
        """The hit inserted for a pin (response mode)."""
        ref = pin.refutation
        return {
            "_index": self.config.refutation_index,
            "_id": pin.rumor_id,
            "_score": None,
            "_source": {"title": ref.title, "url": ref.url, "source": ref.source, "claim": pin.claim,
                        "rumor_id": pin.rumor_id, "headline": headline(pin.claim, pin.status),
                        "verdict_label": pin.verdict_label, "summary": ref.pin_dict()["summary"],
                        "checker": ref.source, "published_at": ref.published_at,
                        "cluster_id": pin.cluster_id or pin.rumor_id},
            "_qinglang": {"pinned": True, "rumor_id": pin.rumor_id, "score": pin.score},
        }

    # -- plans -----------------------------------------------------------------------------------
    def plan_count(self, body: Mapping[str, Any] | None, *, q: str | None = None
                   ) -> tuple[JsonObject | None, Verdict | None]:
        """For ``_count``: (blocked response or None, the query's verdict or None)."""
        text = self.extractor.extract(body, q=q)
        if not text:
            return None, None
        result = self.check_query(text)
        if result.action == "block":
            return self.blocked_count_response(result), result
        return None, result

    def plan_search(self, body: Mapping[str, Any] | None, *, q: str | None = None, scroll: bool = False) -> Plan:
        """A plan answering one search ``body`` (``q``: the URL query; ``scroll``: a scroll was asked for).

        Raises :class:`~plugin.search.policy.RefusedFeature` for a refused request feature, ``ValueError``
        for a malformed body and :class:`~plugin.search.policy.UpstreamAnswerError` for an unusable
        upstream answer."""
        cfg = self.config
        if body is not None and not isinstance(body, Mapping):
            raise ValueError("a search body must be a JSON object")
        body = copy.deepcopy(dict(body or {}))
        check_search_body(body, cfg.allowed_features)
        source_filter = widen_source(body, cfg.hit_fields)
        text = self.extractor.extract(body, q=q)
        result = self.check_query(text) if text else None
        if result is not None and result.action == "block":
            return self.blocked_search_response(result)
        meta: dict[str, Any] = self._verdict_block(result, blocked=False) if result is not None else {}

        pins: list[Pin] = []
        labels: list[dict[str, Any]] = []
        cursor = scroll or "search_after" in body or "pit" in body
        if result is not None:
            labels = [lab.to_dict() for lab in result.rumor_labels]
            if not cursor or body.get("search_after") is None:
                pins = [p for p in result.pins if not self.hit_blocked(self.refutation_hit(p))]
                pins = pins[: cfg.max_pins]
        if cursor and "search_after" in body:
            pins = []  # later pages of a cursor never repeat the pins

        # suggestions: over-fetch each suggester
        suggest_sizes = self._widen_suggest(body)

        frm = _int(body.get("from"), 0, "from")
        size = _int(body.get("size"), 10, "size")
        native = cfg.pin_mode == "native" and pins
        if native:
            response = yield from self._native_pinned(body, pins, frm, size, cursor)
        elif cursor:
            response = yield from self._cursor_page(body, size)
        else:
            response = yield from self._paged(body, pins, frm, size)
        if "error" in response:
            return response
        if suggest_sizes or response.get("suggest"):
            response = yield from self._filter_suggest(body, response, suggest_sizes)
        self._narrow(response, source_filter)
        if pins:
            meta["pinned"] = [p.rumor_id for p in pins]
        if labels:
            meta["labels"] = labels
        if result is not None and result.related and not (cursor and "search_after" in body):
            meta["related"] = [p.to_dict() for p in result.related[: cfg.max_pins]]
        if meta:
            response.setdefault(cfg.response_key, {}).update(meta)
        return response

    def _ask(self, req: UpstreamRequest) -> Plan:
        """Yield one upstream request; the answer, checked and cleaned (error answers as they are)."""
        response = yield req
        check_search_answer(response)
        answer: JsonObject = response
        if "error" not in answer:
            clean_search_answer(answer, self.config.allowed_features, self.config.response_key)
        return answer

    def _narrow(self, response: JsonObject, source_filter: SourceFilter) -> None:
        """Give kept hits and suggestion options back the ``_source`` the client asked for."""
        if source_filter == SourceFilter():
            return
        for hit in response.get("hits", {}).get("hits", []):
            if "_qinglang" not in hit:
                source_filter.narrow(hit)
        for entries in (response.get("suggest") or {}).values():
            for entry in entries:
                for option in entry.get("options") or []:
                    source_filter.narrow(option)

    # paging without cursor: pins occupy overall positions [0, P); organic (filtered) follow.
    def _paged(self, body: JsonObject, pins: list[Pin], frm: int, size: int) -> Plan:
        cfg = self.config
        n_pins = len(pins)
        filtering = bool(cfg.hit_fields) or bool(pins and cfg.dedup_field)
        a = max(0, frm - n_pins)  # organic slice [a, b) of the filtered organic list
        b = max(0, frm + size - n_pins)
        page_pins = [self.refutation_hit(p) for p in pins[frm : frm + size]]
        pin_urls = {p.refutation.url for p in pins} - {""}
        pin_ids = {p.rumor_id for p in pins}

        if not filtering:
            req = dict(body, **{"from": a, "size": b - a})
            if size == 0 and n_pins == 0:
                req = dict(body)
            response = yield from self._ask(UpstreamRequest(req))
            if "error" in response:
                return response
            self._merge_hits(response, page_pins, response.get("hits", {}).get("hits", []), n_pins, 0)
            return response

        kept: list[JsonObject] = []
        removed = 0
        fetched = 0
        first: JsonObject | None = None
        total_upstream: int | None = None
        while True:
            missing = b - len(kept)
            want = 0 if missing <= 0 else math.ceil(missing * cfg.overfetch) + cfg.overfetch_min
            if first is not None and want == 0:
                break
            want = max(0, min(want, cfg.max_window - fetched))
            req = dict(body, **{"from": fetched, "size": want})
            if first is not None:
                req.pop("aggs", None)
                req.pop("aggregations", None)
                req.pop("suggest", None)
            response = yield from self._ask(UpstreamRequest(req))
            if "error" in response:
                return response
            if first is None:
                first = response
                total_upstream = _total_value(response)
            hits = response.get("hits", {}).get("hits", []) or []
            fetched += len(hits)
            for hit in hits:
                dedup = _source_value(hit, cfg.dedup_field) if cfg.dedup_field and pins else None
                if (
                    (isinstance(dedup, str) and dedup in pin_urls)
                    or (hit.get("_index") == cfg.refutation_index and str(hit.get("_id")) in pin_ids)
                    or self.hit_blocked(hit)
                ):
                    removed += 1
                    continue
                kept.append(hit)
            exhausted = len(hits) < want or (total_upstream is not None and fetched >= total_upstream)
            if len(kept) >= b or exhausted or fetched >= cfg.max_window or want == 0:
                break
        assert first is not None
        self._merge_hits(first, page_pins, kept[a:b], n_pins, removed)
        return first

    def _cursor_page(self, body: JsonObject, size: int) -> Plan:
        """search_after / pit / scroll: over-fetch and filter; the caller's next cursor is the last hit's sort."""
        cfg = self.config
        kept: list[JsonObject] = []
        removed = 0
        first: JsonObject | None = None
        req = dict(body)
        scroll = "search_after" not in body and "pit" not in body
        rounds = 0
        while True:
            missing = size - len(kept)
            want = size if scroll else math.ceil(missing * cfg.overfetch) + cfg.overfetch_min
            req = dict(req, size=want)
            response = yield from self._ask(UpstreamRequest(req))
            if "error" in response:
                return response
            first = first or response
            hits = response.get("hits", {}).get("hits", []) or []
            for hit in hits:
                if self.hit_blocked(hit):
                    removed += 1
                elif len(kept) < size:
                    kept.append(hit)
                else:
                    break
            rounds += 1
            # a scroll page cannot be re-cut (the scroll id moves on): filter it and stop
            if scroll or len(kept) >= size or len(hits) < want or not hits or "sort" not in hits[-1] or rounds >= 10:
                break
            req["search_after"] = hits[-1]["sort"]
        self._merge_hits(first, [], kept, 0, removed)
        return first

    def _native_pinned(self, body: JsonObject, pins: list[Pin], frm: int, size: int, cursor: bool) -> Plan:
        """ES ``pinned`` query over ``refutation_index`` (documents with ``_id`` = rumour id)."""
        cfg = self.config
        organic = body.get("query") or {"match_all": {}}
        organic = {"bool": {"must": [organic], "must_not": [{"term": {"_index": cfg.refutation_index}}]}}
        docs = [{"_index": cfg.refutation_index, "_id": p.rumor_id} for p in pins]
        native_body = dict(body, query={"pinned": {"docs": docs, "organic": organic}})
        if not cfg.hit_fields:
            response = yield from self._ask(UpstreamRequest(native_body, extra_index=cfg.refutation_index))
            return response
        # hit filtering still applies to organic hits; pinned ones are refutations
        plan = self._paged(native_body, [], frm, size)
        response = yield from _retarget(plan, cfg.refutation_index)
        return response

    def _merge_hits(self, response: JsonObject, pin_hits: list[JsonObject], organic: list[JsonObject], n_pins: int,
                    removed: int) -> None:
        hits = response.setdefault("hits", {})
        hits["hits"] = pin_hits + organic
        total = hits.get("total")
        if isinstance(total, MutableMapping) and isinstance(total.get("value"), int):
            total["value"] = max(0, total["value"] - removed) + n_pins
        elif isinstance(total, int):
            hits["total"] = max(0, total - removed) + n_pins
        if removed:
            response.setdefault(self.config.response_key, {})["removed"] = removed

    # -- suggestions -----------------------------------------------------------------------------
    def _widen_suggest(self, body: JsonObject) -> dict[str, int]:
        """Raise each suggester's size in ``body``; returns the requested sizes."""
        suggest = body.get("suggest")
        sizes: dict[str, int] = {}
        if not isinstance(suggest, Mapping):
            return sizes
        suggest = body["suggest"] = dict(suggest)
        for name, spec in suggest.items():
            if name == "text" or not isinstance(spec, Mapping):
                continue
            kind = next((k for k in ("completion", "term", "phrase") if isinstance(spec.get(k), Mapping)), None)
            if kind is None:
                continue
            inner = dict(spec[kind])
            requested = _int(inner.get("size"), _DEFAULT_SUGGEST_SIZE, f"suggest.{name}.size")
            sizes[name] = requested
            inner["size"] = min(max(requested * self.config.suggest_overfetch, requested), self.config.suggest_max)
            suggest[name] = dict(spec, **{kind: inner})
        return sizes

    def _option_blocked(self, option: Mapping[str, Any]) -> bool:
        if self.is_blocked(option.get("text") or "", Surface.SUGGESTION):
            return True
        return "_source" in option and self.hit_blocked(option, Surface.SUGGESTION)

    def _filter_suggest(self, body: JsonObject, response: JsonObject, sizes: dict[str, int]) -> Plan:
        """Filter the options of every suggester in ``response`` (``typed_keys`` names too); one retry
        with ``suggest_max`` for the widened suggesters that came up short."""
        asked = body.get("suggest")
        asked_all: Mapping[str, Any] = asked if isinstance(asked, Mapping) else {}
        texts = extract_suggest_texts(asked_all)
        answered = response.get("suggest") or {}
        short: dict[str, tuple[str, int]] = {}  # name -> (answer key, requested size)
        for key, entries in answered.items():
            name = _suggest_name(key, asked_all)
            requested = sizes.get(name)
            input_blocked = self.guard.prefix_drops(texts.get(name, ""))
            for entry in entries:
                options = entry.get("options") or []
                kept = [] if input_blocked else [o for o in options if not self._option_blocked(o)]
                if requested is not None:
                    spec = asked_all[name]
                    widened = spec[_suggest_kind(spec)]["size"]
                    if len(kept) < requested and len(options) >= widened and not input_blocked:
                        short[name] = (key, requested)
                    kept = kept[:requested]
                entry["options"] = kept
        if short:
            # one retry with a much larger size, only for the suggesters that came up short
            retry_body: dict[str, Any] = {"size": 0, "suggest": {}}
            if "_source" in body:
                retry_body["_source"] = body["_source"]
            if "text" in asked_all:
                retry_body["suggest"]["text"] = asked_all["text"]
            for name in short:
                spec = asked_all[name]
                kind = _suggest_kind(spec)
                retry_body["suggest"][name] = dict(spec, **{kind: dict(spec[kind], size=self.config.suggest_max)})
            retry = yield from self._ask(UpstreamRequest(retry_body))
            if "error" not in retry:
                again = retry.get("suggest") or {}
                for name, (key, requested) in short.items():
                    for entry, new in zip(answered[key], again.get(key, again.get(name, []))):
                        kept = [o for o in new.get("options") or [] if not self._option_blocked(o)]
                        entry["options"] = kept[:requested]
        return response


def _suggest_kind(spec: Mapping[str, Any]) -> str:
    return next(k for k in ("completion", "term", "phrase") if isinstance(spec.get(k), Mapping))


def _suggest_name(key: str, asked: Mapping[str, Any]) -> str:
    """The suggester name of an answer key (``completion#name`` with ``typed_keys``)."""
    if key in asked or "#" not in key:
        return key
    name = key.split("#", 1)[1]
    return name if name in asked else key


def _total_value(response: Mapping[str, Any]) -> int | None:
    total = (response.get("hits") or {}).get("total")
    if isinstance(total, Mapping):
        return total.get("value") if total.get("relation", "eq") == "eq" else None
    return total if isinstance(total, int) else None


def _retarget(plan: Plan, extra_index: str) -> Plan:
    """Run ``plan`` adding ``extra_index`` to each of its requests."""
    try:
        req = next(plan)
        while True:
            req.extra_index = extra_index
            response = yield req
            req = plan.send(response)
    except StopIteration as stop:
        return _plan_result(stop)


# -- drivers -------------------------------------------------------------------------------------
def run_plan_sync(plan: Plan, send: Callable[[UpstreamRequest], Any]) -> JsonObject:
    """Run one plan, calling ``send`` for each upstream request (it returns the decoded answer)."""
    try:
        req = next(plan)
        while True:
            req = plan.send(send(req))
    except StopIteration as stop:
        return _plan_result(stop)


def step_plan(plan: Plan, response: Any = None, *, first: bool = False) -> UpstreamRequest | JsonObject:
    """Advance ``plan`` one step (its CPU work: checking the query, filtering the answer): the next
    :class:`UpstreamRequest` while it needs the upstream, its answer for the client when it is done."""
    try:
        return next(plan) if first else plan.send(response)
    except StopIteration as stop:
        return _plan_result(stop)


class Offload(Protocol):
    """Runs ``fn(*args)`` somewhere (a worker thread) and returns its result."""

    def __call__(self, fn: Callable[..., _T], /, *args: Any) -> Awaitable[_T]: ...


async def _inline(fn: Callable[..., _T], /, *args: Any) -> _T:
    return fn(*args)


async def run_plan_async(plan: Plan, send: Callable[[UpstreamRequest], Awaitable[Any]], *,
                         offload: Offload | None = None) -> JsonObject:
    """Async twin of :func:`run_plan_sync` (``send`` is a coroutine function). With ``offload`` (e.g.
    ``anyio.to_thread.run_sync``-based), every step of the plan runs there, off the event loop."""
    run = offload or _inline
    step = await run(functools.partial(step_plan, plan, first=True))
    while isinstance(step, UpstreamRequest):
        step = await run(step_plan, plan, await send(step))
    return step


def start_plans(plans: Sequence[Plan]) -> tuple[list[JsonObject | None], dict[int, UpstreamRequest]]:
    """First step of every plan: (answers of the plans already done, else None; pending requests by plan)."""
    results: list[JsonObject | None] = [None] * len(plans)
    pending: dict[int, UpstreamRequest] = {}
    for i, plan in enumerate(plans):
        try:
            pending[i] = next(plan)
        except StopIteration as stop:
            results[i] = _plan_result(stop)
    return results, pending


def advance_plans(plans: Sequence[Plan], results: list[JsonObject | None], pending: dict[int, UpstreamRequest],
                  responses: Sequence[Any]) -> dict[int, UpstreamRequest]:
    """Send each pending plan its answer (in ``pending`` order); fills ``results``, returns the next requests."""
    nxt: dict[int, UpstreamRequest] = {}
    for (i, _), response in zip(list(pending.items()), responses):
        try:
            nxt[i] = plans[i].send(response)
        except StopIteration as stop:
            results[i] = _plan_result(stop)
    return nxt


def _finished(results: list[JsonObject | None]) -> list[JsonObject]:
    """The answers of plans that are all done (none is pending any more)."""
    done = [r for r in results if r is not None]
    if len(done) != len(results):
        raise RuntimeError("a plan has not finished")
    return done


def run_plans_sync(plans: Sequence[Plan], send_many: Callable[[list[UpstreamRequest]], Sequence[Any]]
                   ) -> list[JsonObject]:
    """Run plans in lock-step: each round's requests go to ``send_many`` together (one ``_msearch``)."""
    results, pending = start_plans(plans)
    while pending:
        responses = send_many(list(pending.values()))
        pending = advance_plans(plans, results, pending, responses)
    return _finished(results)


async def run_plans_async(plans: Sequence[Plan], send_many: Callable[[list[UpstreamRequest]], Awaitable[Sequence[Any]]],
                          *, offload: Offload | None = None) -> list[JsonObject]:
    """Async twin of :func:`run_plans_sync`; with ``offload`` the plans' steps run there."""
    run = offload or _inline
    results, pending = await run(start_plans, plans)
    while pending:
        responses = await send_many(list(pending.values()))
        pending = await run(advance_plans, plans, results, pending, responses)
    return _finished(results)


# -- client wrappers -----------------------------------------------------------------------------
_BODY_KWARGS = {
    "query", "from_", "size", "sort", "aggs", "aggregations", "suggest", "highlight", "_source", "post_filter",
    "search_after", "pit", "collapse", "min_score", "track_total_hits", "fields", "docvalue_fields",
    "stored_fields", "script_fields", "explain", "version", "seq_no_primary_term", "timeout", "terminate_after",
    "rescore", "retriever", "knn", "runtime_mappings", "indices_boost", "ext", "rank", "source_", "slice",
    "stats", "profile", "track_scores", "sub_searches",
}  # fmt: skip


def _to_dict(response: Any) -> Any:
    """The decoded answer of a client call: a copy of the object (elasticsearch-py's ``ObjectApiResponse``
    holds it in ``body``); any other value as it is, for the plan to refuse."""
    body = getattr(response, "body", response)
    return dict(body) if isinstance(body, Mapping) else body


def _split_search_kwargs(body: Mapping[str, Any] | None, kwargs: dict[str, Any]) -> tuple[JsonObject, JsonObject]:
    """Merge elasticsearch-py keyword body fields (``query=``, ``from_=``) into one body dict."""
    merged = dict(body or {})
    params: JsonObject = {}
    for key, value in kwargs.items():
        if key in _BODY_KWARGS and value is not None:
            name = {"from_": "from", "source_": "_source"}.get(key, key)
            merged[name] = value
        else:
            params[key] = value
    return merged, params


def join_index(index: str | Sequence[str] | None, extra: str | None) -> str | Sequence[str] | None:
    """``index`` (a comma-separated string, a list of names or None: all) with ``extra`` added."""
    if not extra:
        return index
    if index is None:
        return ["_all", extra]
    names = index.split(",") if isinstance(index, str) else list(index)
    return names + ([extra] if extra not in names else [])


class GuardedClient:
    """A sync ``OpenSearch`` / ``Elasticsearch`` client whose ``search`` and ``msearch`` go through a guard.

    Every other attribute is the wrapped client's. Search keyword fields (``query=``, ``from_=``...) and
    ``body=`` both work; the wrapped client always receives ``body=``.
    """

    def __init__(self, client: Any, guard: SearchGuard) -> None:
        self._client = client
        self.guard = guard

    def __getattr__(self, name: str) -> Any:
        return getattr(self._client, name)

    def search(self, *, index: Any = None, body: Mapping[str, Any] | None = None, **kwargs: Any) -> JsonObject:
        merged, params = _split_search_kwargs(body, kwargs)
        plan = self.guard.plan_search(merged, q=params.get("q"), scroll=bool(params.get("scroll")))

        def send(req: UpstreamRequest) -> Any:
            return _to_dict(self._client.search(index=join_index(index, req.extra_index), body=req.body, **params))

        return run_plan_sync(plan, send)

    def msearch(self, *, body: Any = None, searches: Any = None, index: Any = None, **params: Any) -> JsonObject:
        pairs = msearch_pairs(body if body is not None else searches)
        plans = [self.guard.plan_search(b, q=None) for _, b in pairs]
        results, pending = start_plans(plans)
        while pending:
            lines = msearch_request_lines(pairs, pending)
            resp = _to_dict(self._client.msearch(body=lines, index=index, **params))
            pending = advance_plans(plans, results, pending, resp["responses"])
        return {"responses": results}


class GuardedAsyncClient:
    """Async twin of :class:`GuardedClient` (``AsyncOpenSearch`` / ``AsyncElasticsearch``)."""

    def __init__(self, client: Any, guard: SearchGuard) -> None:
        self._client = client
        self.guard = guard

    def __getattr__(self, name: str) -> Any:
        return getattr(self._client, name)

    async def search(self, *, index: Any = None, body: Mapping[str, Any] | None = None, **kwargs: Any) -> JsonObject:
        merged, params = _split_search_kwargs(body, kwargs)
        plan = self.guard.plan_search(merged, q=params.get("q"), scroll=bool(params.get("scroll")))

        async def send(req: UpstreamRequest) -> Any:
            resp = await self._client.search(index=join_index(index, req.extra_index), body=req.body, **params)
            return _to_dict(resp)

        return await run_plan_async(plan, send)

    async def msearch(self, *, body: Any = None, searches: Any = None, index: Any = None, **params: Any) -> JsonObject:
        pairs = msearch_pairs(body if body is not None else searches)
        plans = [self.guard.plan_search(b, q=None) for _, b in pairs]
        results, pending = start_plans(plans)
        while pending:
            lines = msearch_request_lines(pairs, pending)
            resp = _to_dict(await self._client.msearch(body=lines, index=index, **params))
            pending = advance_plans(plans, results, pending, resp["responses"])
        return {"responses": results}


def msearch_pairs(items: Any) -> list[tuple[JsonObject, JsonObject]]:
    """``[header, body, header, body, ...]`` (list or NDJSON string) → pairs."""
    if isinstance(items, (str, bytes)):
        try:
            text = items.decode("utf-8") if isinstance(items, bytes) else items
        except UnicodeDecodeError as e:
            raise ValueError(f"not UTF-8: {e.reason} at byte {e.start}") from None
        items = []
        for n, line in enumerate(text.split("\n"), 1):
            if line.strip():
                try:
                    items.append(strict_loads(line))
                except ValueError as e:
                    raise ValueError(f"line {n}: {e}") from None
    items = list(items or [])
    if len(items) % 2:
        raise ValueError("msearch needs header/body pairs: got an odd number of lines")
    pairs: list[tuple[JsonObject, JsonObject]] = []
    for i in range(0, len(items), 2):
        header, body = items[i], items[i + 1]
        if not isinstance(header, Mapping) or not isinstance(body, Mapping):
            raise ValueError(f"msearch line {i + 1}: header and body must be JSON objects")
        pairs.append((dict(header), dict(body)))
    return pairs


def msearch_request_lines(pairs: list[tuple[JsonObject, JsonObject]], pending: dict[int, UpstreamRequest]
                          ) -> list[JsonObject]:
    """The ``_msearch`` lines (header, body, ...) of the pending requests."""
    lines: list[JsonObject] = []
    for i, req in pending.items():
        header = dict(pairs[i][0])
        if req.extra_index:
            header["index"] = join_index(header.get("index"), req.extra_index)
        lines += [header, req.body]
    return lines


def guard_client(client: Any, guard: SearchGuard) -> GuardedClient | GuardedAsyncClient:
    """Wrap ``client`` (sync or async, opensearch-py or elasticsearch-py) with ``guard``."""
    import inspect

    search = getattr(client, "search", None)
    if search is None:
        raise TypeError(f"{type(client).__name__} has no search() method")
    if inspect.iscoroutinefunction(inspect.unwrap(search)) or type(client).__name__.startswith("Async"):
        return GuardedAsyncClient(client, guard)
    return GuardedClient(client, guard)
