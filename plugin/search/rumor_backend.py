"""A rumour backend that lives in an Elasticsearch / OpenSearch index.

Same interface as the embedded rumour index (``match(text, limit) -> result`` with ``.pins`` /
``.labels`` / ``.to_dict()``, see docs/CONTRACTS.md "Rumour index"), for platforms that would
rather keep rumours next to their content:

    backend = SearchEngineRumorBackend(client, index="qinglang-rumors")
    backend.create_index()                 # CJK bigram mapping (ik_smart when the cluster has it)
    backend.bulk_import(records)           # RumorRecord or dicts
    backend.match("吃大蒜能预防新冠吗").pins

Retrieval is the engine's (bool / multi_match over claim and trigger phrases with a CJK bigram
analyzer); the final score is computed here from character bigrams of the normalised texts so it
is comparable across engines and analyzers: ``score = q_cover * c_cover`` where ``q_cover`` is the
share of the query's bigrams found in the claim (or a trigger) and ``c_cover`` the share of the
claim's bigrams found in the query, floored so a query that names the core of a long claim still
counts (``claim_bigrams_needed``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping, Sequence

from plugin.errors import RumorError
from plugin.normalize import BREAK, dense_key

__all__ = [
    "LABELS",
    "PIN_STATUSES",
    "RumorRecord",
    "SearchEngineRumorBackend",
    "SearchRumorMatch",
    "bigrams",
    "claim_score",
]

#: Statuses that produce a pin; every status in LABELS produces a label.
PIN_STATUSES = frozenset({"false", "misleading"})
LABELS = {"false": "谣言", "misleading": "误导", "disputed": "争议"}
_STATUSES = frozenset({"false", "misleading", "disputed", "true", "unverified"})
_VERDICTS = {"假": "false", "谣言": "false", "疑": "disputed", "真": "true", "误导": "misleading", "争议": "disputed"}


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


@dataclass(frozen=True)
class RumorRecord:
    """One rumour with its refutation, as indexed."""

    rumor_id: str
    claim: str
    status: str = "false"
    refutation_title: str = ""
    refutation_url: str = ""
    refutation_source: str = ""
    triggers: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not isinstance(self.rumor_id, str) or not self.rumor_id.strip():
            raise RumorError("rumour record needs a non-empty rumor_id")
        if not isinstance(self.claim, str) or not self.claim.strip():
            raise RumorError(f"rumour {self.rumor_id}: claim must be non-empty text")
        if self.status not in _STATUSES:
            raise RumorError(f"rumour {self.rumor_id}: unknown status {self.status!r} (one of {sorted(_STATUSES)})")

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> "RumorRecord":
        """Accepts the store's shape (``rumor_id``, ``claim``, ``status``, ``refutation: {title,url,source}``,
        ``triggers``) and the evaluation data's (``id``, ``claim``, ``verdict`` 假/疑/真, ``refutation`` text,
        ``checker``, ``url``)."""
        if not isinstance(d, Mapping):
            raise RumorError(f"rumour record must be an object, got {type(d).__name__}")
        rid = d.get("rumor_id", d.get("id"))
        status = d.get("status")
        if status is None and "verdict" in d:
            status = _VERDICTS.get(d.get("verdict") or "", "unverified")
        ref = d.get("refutation")
        if isinstance(ref, Mapping):
            title, url, source = ref.get("title", ""), ref.get("url", ""), ref.get("source", "")
        else:
            title = d.get("refutation_title") or (ref[:80] if isinstance(ref, str) else "")
            url = d.get("refutation_url") or d.get("url") or ""
            source = d.get("refutation_source") or d.get("checker") or ""
        triggers = d.get("triggers") or d.get("aliases") or ()
        if isinstance(triggers, str):
            triggers = (triggers,)
        return cls(
            rumor_id=str(rid) if rid is not None else "",
            claim=d.get("claim") or "",
            status=status or "false",
            refutation_title=title or "",
            refutation_url=url or "",
            refutation_source=source or "",
            triggers=tuple(t for t in triggers if isinstance(t, str) and t.strip()),
        )

    def to_source(self) -> dict[str, Any]:
        return {
            "rumor_id": self.rumor_id,
            "claim": self.claim,
            "status": self.status,
            "triggers": list(self.triggers),
            "title": self.refutation_title,
            "url": self.refutation_url,
            "source": self.refutation_source,
        }


@dataclass
class SearchRumorMatch:
    """Result of :meth:`SearchEngineRumorBackend.match` (same shape as the embedded index's result)."""

    pins: list[dict] = field(default_factory=list)
    labels: list[dict] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {"pins": self.pins, "labels": self.labels}


def _analysis(ik: bool) -> tuple[dict, str]:
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
        self.candidates = candidates
        self.claim_bigrams_needed = claim_bigrams_needed
        self.analyzer: str | None = None

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

    def bulk_import(self, records: Iterable[RumorRecord | Mapping[str, Any]], *, chunk: int = 500, refresh: bool = True) -> int:
        """Index records (``_id`` = rumor_id; re-import replaces). Validates every record before writing any."""
        parsed = [r if isinstance(r, RumorRecord) else RumorRecord.from_dict(r) for r in records]
        done = 0
        for start in range(0, len(parsed), chunk):
            lines: list[dict] = []
            for r in parsed[start : start + chunk]:
                lines += [{"index": {"_index": self.index, "_id": r.rumor_id}}, r.to_source()]
            resp = self.client.bulk(body=lines)
            resp = getattr(resp, "body", resp)
            if resp.get("errors"):
                bad = [i for i in resp.get("items", []) if next(iter(i.values())).get("error")]
                raise RumorError(f"bulk import into {self.index}: {len(bad)} failed, first: {bad[:1]}")
            done += len(lines) // 2
        if refresh:
            self.client.indices.refresh(index=self.index)
        return done

    def count(self) -> int:
        resp = self.client.count(index=self.index)
        return int(getattr(resp, "body", resp)["count"])

    # -- lookup ----------------------------------------------------------------------------------
    def query_body(self, text: str) -> dict[str, Any]:
        """The retrieval query: bigram multi_match over claim and triggers, statuses that matter."""
        return {
            "size": self.candidates,
            "_source": ["rumor_id", "claim", "status", "triggers", "title", "url", "source"],
            "query": {
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
                    "filter": [{"terms": {"status": sorted(LABELS)}}],
                }
            },
        }

    def match(self, text: str, limit: int = 3) -> SearchRumorMatch:
        """Pins (false / misleading) and labels for ``text``, best first."""
        if not isinstance(text, str):
            raise TypeError(f"text must be str, not {type(text).__name__}")
        q = bigrams(text)
        if not q:
            return SearchRumorMatch()
        resp = self.client.search(index=self.index, body=self.query_body(text))
        hits = getattr(resp, "body", resp)["hits"]["hits"]
        scored: list[tuple[float, dict]] = []
        for hit in hits:
            src = hit["_source"]
            texts = [src.get("claim", "")] + list(src.get("triggers") or [])
            score = max(claim_score(q, bigrams(t), claim_bigrams_needed=self.claim_bigrams_needed) for t in texts)
            scored.append((score, src))
        scored.sort(key=lambda t: -t[0])
        result = SearchRumorMatch()
        for score, src in scored:
            ref = {"title": src.get("title", ""), "url": src.get("url", ""), "source": src.get("source", "")}
            status = src.get("status")
            if status in PIN_STATUSES and score >= self.pin_threshold and len(result.pins) < limit:
                result.pins.append(
                    {"rumor_id": src["rumor_id"], "score": round(score, 4), "claim": src["claim"], "refutation": ref}
                )
            if status in LABELS and score >= self.label_threshold and len(result.labels) < limit:
                result.labels.append(
                    {
                        "label": LABELS[status],
                        "rumor_id": src["rumor_id"],
                        "status": status,
                        "score": round(score, 4),
                        "refutation": ref if status in PIN_STATUSES else None,
                    }
                )
        return result
