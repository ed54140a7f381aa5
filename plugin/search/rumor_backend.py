"""A rumour backend that lives in an Elasticsearch / OpenSearch index.

It is both a rumour *lookup* and a rumour *store*, like the embedded pair
(:class:`plugin.rumors.RumorIndex` over :class:`plugin.rumors.RumorStore`), for platforms that would
rather keep rumours next to their content:

- :class:`plugin.protocols.RumorLookup`: ``match(text, limit) -> RumorMatchResult`` (the rumour model
  of :mod:`plugin.rumors.models`: typed pins and labels, ``to_dict()`` the same JSON as the embedded
  index's), so :class:`plugin.guard.Guard` takes either;
- :class:`plugin.rumors.backend.RumorBackend`: ``upsert`` / ``delete`` / ``get`` / ``iterate`` /
  ``revision`` / ``candidates``, so ``RumorIndex.from_store(backend)`` scores the rumours of the
  cluster with the embedded index's scoring instead.

    backend = SearchEngineRumorBackend(client, index="qinglang-rumors")
    backend.create_index()                 # CJK bigram mapping (ik_smart when the cluster has it)
    backend.bulk_import(records)           # Rumor objects or dicts (project schema, fact-check data)
    backend.match("吃大蒜能预防新冠吗").pins

Retrieval is the engine's (bool / multi_match over claim and trigger phrases with a CJK bigram
analyzer); the final score is computed here from character bigrams of the normalised texts so it
is comparable across engines and analyzers: ``score = q_cover * c_cover`` where ``q_cover`` is the
share of the query's bigrams found in the claim (or a trigger) and ``c_cover`` the share of the
claim's bigrams found in the query, floored so a query that names the core of a long claim still
counts (``claim_bigrams_needed``).

Each document holds the rumour's search fields (``rumor_id``, ``claim``, ``status``, ``triggers``)
and its first refutation's ``title`` / ``url`` / ``source`` (the documents are the refutations
pinned natively, see :mod:`plugin.search.query_rules`), plus the whole record under ``record`` (not
indexed). One extra document (``_id`` :data:`REVISION_ID`) counts writes: its ``_version`` is the
backend's :meth:`~SearchEngineRumorBackend.revision`.
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
from typing import Any, Iterable, Iterator, Mapping

from plugin.errors import RumorError
from plugin.normalize import BREAK, dense_key, prepare
from plugin.policy import RUMOR_VERDICTS
from plugin.rumors.analysis import refutes_folded
from plugin.rumors.importer import parse_row
from plugin.rumors.models import Refutation, Rumor, RumorMatch, RumorMatchResult
from plugin.rumors.store import UpsertStats

__all__ = [
    "REVISION_ID",
    "SearchEngineRumorBackend",
    "bigrams",
    "claim_score",
    "rumor_from_record",
]

#: ``_id`` of the document whose ``_version`` counts the backend's writes.
REVISION_ID = "_qinglang_revision"
#: Statuses worth retrieving (the others produce neither a pin nor a label).
_LABELLED = sorted(s for s, v in RUMOR_VERDICTS.items() if v.label is not None)
_PAGE = 500


def bigrams(text: str) -> set[str]:
    """Character bigrams of ``dense_key(text)`` (a one-character text is its own gram)."""
    out: set[str] = set()
    for part in dense_key(text).split(BREAK):
        if len(part) == 1:
            out.add(part)
        out.update(part[i : i + 2] for i in range(len(part) - 1))
    return out


def claim_score(query: str | set[str], claim: str | set[str], *, claim_bigrams_needed: int = 6) -> float:
    """How well ``query`` names ``claim``, 0..1 (see the module docstring)."""
    q = bigrams(query) if isinstance(query, str) else query
    c = bigrams(claim) if isinstance(claim, str) else claim
    if not q or not c:
        return 0.0
    common = len(q & c)
    q_cover = common / len(q)
    c_cover = min(1.0, common / min(len(c), claim_bigrams_needed))
    return q_cover * c_cover


def rumor_from_record(record: Rumor | Mapping[str, Any]) -> Rumor:
    """A :class:`Rumor` from a record: a Rumor, the project schema (``id``, ``status``, ``refutations``),
    the fact-check data schema (``verdict`` 假/疑/真, :func:`plugin.rumors.importer.parse_row`) or this
    index's document shape (``rumor_id``, ``refutation: {title, url, source}``). :class:`RumorError`
    names the problem."""
    if isinstance(record, Rumor):
        return record
    if not isinstance(record, Mapping):
        raise RumorError(f"rumour record must be an object, got {type(record).__name__}")
    row = dict(record)
    if "rumor_id" in row:  # the document shape
        ref = row.pop("refutation", None)
        row["id"] = row.pop("rumor_id")
        if isinstance(ref, Mapping) and str(ref.get("title") or "").strip():
            row["refutations"] = [{k: v for k, v in ref.items() if v}]
        row.setdefault("status", "false")
    try:
        return parse_row(row)
    except ValueError as exc:
        raise RumorError(f"rumour {row.get('id')!r}: {exc}") from None


def _document(rumor: Rumor) -> dict[str, Any]:
    ref = rumor.refutations[0] if rumor.refutations else Refutation(title="")
    return {
        "rumor_id": rumor.id,
        "claim": rumor.claim,
        "status": rumor.status.value,
        "triggers": list(rumor.triggers),
        "title": ref.title,
        "url": ref.url,
        "source": ref.source,
        "record": rumor.to_dict(),
    }


def _from_document(src: Mapping[str, Any]) -> Rumor:
    """The rumour a document holds (documents written before ``record`` existed: from the search fields)."""
    record = src.get("record")
    if isinstance(record, Mapping):
        return Rumor.from_dict(dict(record))
    ref = {"title": src.get("title", ""), "url": src.get("url", ""), "source": src.get("source", "")}
    return rumor_from_record({"rumor_id": src.get("rumor_id"), "claim": src.get("claim"), "status": src.get("status"),
                              "triggers": list(src.get("triggers") or []), "refutation": ref})


def _body(resp: Any) -> Any:
    return getattr(resp, "body", resp)  # elasticsearch-py ObjectApiResponse


def _now() -> str:
    return _dt.datetime.now(_dt.timezone.utc).replace(microsecond=0).isoformat()


def _analysis(ik: bool) -> tuple[dict[str, Any], str]:
    if ik:
        return {}, "ik_smart"
    return (
        {
            "analyzer": {
                "qinglang_cjk": {
                    "type": "custom",
                    "tokenizer": "standard",
                    "filter": ["cjk_width", "lowercase", "cjk_bigram"],
                }
            }
        },
        "qinglang_cjk",
    )


class SearchEngineRumorBackend:
    """Rumours in an ES / OpenSearch index; ``client`` is a sync opensearch-py or elasticsearch-py client."""

    def __init__(
        self,
        client: Any,
        *,
        index: str = "qinglang-rumors",
        pin_threshold: float = 0.5,
        label_threshold: float = 0.5,
        candidates: int = 20,
        claim_bigrams_needed: int = 6,
    ) -> None:
        self.client = client
        self.index = index
        self.pin_threshold = pin_threshold
        self.label_threshold = label_threshold
        self.candidates_per_query = candidates
        self.claim_bigrams_needed = claim_bigrams_needed
        self.analyzer: str | None = None
        self._seen_revision: int | None = None

    # -- index management ------------------------------------------------------------------------
    def has_ik(self) -> bool:
        """Whether the cluster knows the ``ik_smart`` analyzer (analysis-ik plugin)."""
        try:
            self.client.indices.analyze(body={"analyzer": "ik_smart", "text": "测试"})
            return True
        except Exception:  # noqa: BLE001 - any refusal means "not available"
            return False

    def mapping(self, *, ik: bool = False) -> dict[str, Any]:
        """Index settings + mappings: claim / triggers analysed with CJK bigrams (or ik_smart)."""
        analysis, analyzer = _analysis(ik)
        text = {"type": "text", "analyzer": analyzer}
        body: dict[str, Any] = {
            "mappings": {
                "properties": {
                    "rumor_id": {"type": "keyword"},
                    "claim": text,
                    "triggers": text,
                    "status": {"type": "keyword"},
                    "title": {"type": "text", "analyzer": analyzer},
                    "url": {"type": "keyword"},
                    "source": {"type": "keyword"},
                    "record": {"type": "object", "enabled": False},
                }
            }
        }
        if analysis:
            body["settings"] = {"analysis": analysis}
        return body

    def create_index(self, *, use_ik: bool | None = None, recreate: bool = False) -> str:
        """Create the index (``use_ik=None``: ik_smart when available); returns the analyzer used."""
        ik = self.has_ik() if use_ik is None else use_ik
        if recreate and self.client.indices.exists(index=self.index):
            self.client.indices.delete(index=self.index)
        if not self.client.indices.exists(index=self.index):
            self.client.indices.create(index=self.index, body=self.mapping(ik=ik))
        self.analyzer = "ik_smart" if ik else "qinglang_cjk"
        return self.analyzer

    def bulk_import(self, records: Iterable[Rumor | Mapping[str, Any]], *, chunk: int = 500, refresh: bool = True) -> int:
        """Index records (``_id`` = rumour id; re-import replaces). Validates every record before writing any."""
        parsed = [rumor_from_record(r) for r in records]
        self._write(list(parsed), chunk=chunk, refresh=refresh)
        return len(parsed)

    def _write(self, ops: list[Rumor | str], *, chunk: int = 500, refresh: bool = True) -> list[str]:
        """Bulk operations: index a Rumor, delete an id; the results, in order. Bumps the revision, also after
        a write that failed part-way (earlier chunks are in the index: every replica must forget what it memoised)."""
        if any(isinstance(item, Rumor) and item.id == REVISION_ID for item in ops):
            raise RumorError(f"{REVISION_ID!r} is the backend's own document, not a rumour id")
        results: list[str] = []
        sent = False
        try:
            for start in range(0, len(ops), chunk):
                lines: list[dict[str, Any]] = []
                for item in ops[start : start + chunk]:
                    if isinstance(item, Rumor):
                        lines += [{"index": {"_index": self.index, "_id": item.id}}, _document(item)]
                    else:
                        lines.append({"delete": {"_index": self.index, "_id": item}})
                sent = True
                resp = _body(self.client.bulk(body=lines))
                items = [next(iter(i.values())) for i in resp.get("items", [])]
                bad = [i for i in items if i.get("error")]
                if bad:
                    raise RumorError(f"bulk write into {self.index}: {len(bad)} failed, first: {bad[:1]}")
                results += [str(i.get("result", "")) for i in items]
        except Exception:
            if sent:
                try:
                    self.client.index(index=self.index, id=REVISION_ID, body={"revision": True})
                except Exception:  # noqa: BLE001 - the write's own error is the one to report
                    pass
            raise
        if ops:
            self.client.index(index=self.index, id=REVISION_ID, body={"revision": True})
        if refresh:
            self.client.indices.refresh(index=self.index)
        return results

    def count(self) -> int:
        """How many rumours the index holds."""
        resp = self.client.count(index=self.index, body={"query": {"exists": {"field": "rumor_id"}}})
        return int(_body(resp)["count"])

    # -- RumorBackend (storage) ------------------------------------------------------------------
    def upsert(self, rumors: Iterable[Rumor]) -> UpsertStats:
        """Insert or replace rumours by id; identical rumours are left alone (``created_at`` is kept)."""
        new = {r.id: r for r in rumors}
        old = self._get_many(list(new))
        stats = UpsertStats()
        ops: list[Rumor | str] = []
        now = _now()
        for rid, rumor in new.items():
            before = old.get(rid)
            if before is not None and before.same_content(rumor):
                stats += UpsertStats(unchanged=1)
                continue
            created = before.created_at if before is not None else rumor.created_at
            ops.append(_replace_times(rumor, created, now))
            stats += UpsertStats(updated=1) if before is not None else UpsertStats(inserted=1)
        self._write(ops)
        return stats

    def delete(self, rumor_ids: Iterable[str]) -> int:
        """Delete rumours by id; returns how many existed."""
        ids = [i for i in dict.fromkeys(rumor_ids) if i != REVISION_ID]
        return sum(r == "deleted" for r in self._write(list(ids)))

    def get(self, rumor_id: str) -> Rumor | None:
        """One rumour, or ``None``."""
        return self._get_many([rumor_id]).get(rumor_id)

    def _get_many(self, ids: list[str]) -> dict[str, Rumor]:
        ids = [i for i in ids if i != REVISION_ID]
        if not ids:
            return {}
        resp = _body(self.client.mget(index=self.index, body={"ids": ids}))
        return {d["_id"]: _from_document(d["_source"]) for d in resp.get("docs", []) if d.get("found")}

    def iterate(self) -> Iterator[Rumor]:
        """Every rumour, by id (``search_after`` pages of 500)."""
        after: list[Any] | None = None
        while True:
            body: dict[str, Any] = {"size": _PAGE, "query": {"exists": {"field": "rumor_id"}},
                                    "sort": [{"rumor_id": "asc"}]}
            if after is not None:
                body["search_after"] = after
            hits = _body(self.client.search(index=self.index, body=body))["hits"]["hits"]
            for hit in hits:
                yield _from_document(hit["_source"])
            if len(hits) < _PAGE:
                return
            after = hits[-1]["sort"]

    def revision(self) -> int:
        """A number that grows with every write through this class (the revision document's ``_version``)."""
        resp = _body(self.client.mget(index=self.index, body={"ids": [REVISION_ID]}))
        doc: dict[str, Any] = next(iter(resp.get("docs", [])), {})
        return int(doc.get("_version", 0)) if doc.get("found") else 0

    def refresh(self) -> bool:
        """Whether the index was written since the last call (its :meth:`revision` moved): the Guard's periodic
        refresh then forgets its memoised matches, on every replica (nothing is held here to reload)."""
        now = self.revision()
        changed, self._seen_revision = now != self._seen_revision, now
        return changed

    def candidates(self, text: str, limit: int = 50) -> list[Rumor]:
        """Rumours the engine retrieves for ``text`` (recall-oriented; any status)."""
        body = self.query_body(text, statuses=None)
        body["size"] = limit
        hits = _body(self.client.search(index=self.index, body=body))["hits"]["hits"]
        return [_from_document(h["_source"]) for h in hits]

    # -- lookup ----------------------------------------------------------------------------------
    def query_body(self, text: str, statuses: list[str] | None = _LABELLED) -> dict[str, Any]:
        """The retrieval query: bigram multi_match over claim and triggers (``statuses``: only these)."""
        query: dict[str, Any] = {
            "bool": {
                "must": [
                    {
                        "multi_match": {
                            "query": text,
                            "fields": ["claim", "triggers^2"],
                            "type": "best_fields",
                            "minimum_should_match": "30%",
                        }
                    }
                ],
            }
        }
        if statuses is not None:
            query["bool"]["filter"] = [{"terms": {"status": statuses}}]
        return {"size": self.candidates_per_query, "query": query}

    def match(self, text: str, limit: int = 3) -> RumorMatchResult:
        """Pins (false / misleading) and labels for ``text``, best first (the embedded index's model:
        a text that itself refutes gets the pins but no 谣言 / 失实 label)."""
        if not isinstance(text, str):
            raise TypeError(f"text must be str, not {type(text).__name__}")
        q = bigrams(text)
        if not q or limit <= 0:
            return RumorMatchResult()
        resp = _body(self.client.search(index=self.index, body=self.query_body(text)))
        scored: list[tuple[float, Rumor]] = []
        for hit in resp["hits"]["hits"]:
            rumor = _from_document(hit["_source"])
            texts = (rumor.claim, *rumor.triggers)
            score = max(claim_score(q, bigrams(t), claim_bigrams_needed=self.claim_bigrams_needed) for t in texts)
            scored.append((score, rumor))
        scored.sort(key=lambda t: (-t[0], t[1].id))
        matches = [RumorMatch(rumor, score) for score, rumor in scored
                   if score >= (self.pin_threshold if rumor.status.pins else self.label_threshold)][:limit]
        if not matches:
            return RumorMatchResult()
        return RumorMatchResult.build(matches, refutes_folded(prepare(text).folded))


def _replace_times(rumor: Rumor, created_at: str, updated_at: str) -> Rumor:
    return dataclasses.replace(rumor, created_at=created_at, updated_at=updated_at)
