"""A real OpenSearch-compatible engine for tests: osmem-server on loopback (the ``osmem`` / ``os_url``
fixtures in tests/conftest.py), seed data and client helpers."""

from __future__ import annotations

from elastic_transport import HttpxAsyncHttpNode, Urllib3HttpNode

from plugin.lexicon import Entry
from plugin.matcher import Matcher

NEWS = "news"

BLOCK_TERMS = ["百家乐", "网上赌场", "刷单返利"]


def build_matcher() -> Matcher:
    """A real Matcher over a few block entries (the bundled lexicons may be empty on this branch)."""
    entries = [Entry(term=t, category="gambling", action="block", term_id=f"gambling:{t}") for t in BLOCK_TERMS]
    entries.append(Entry(term="震惊", category="clickbait", action="label", term_id="clickbait:震惊"))
    return Matcher.from_entries(entries, version="test-1")


def _plain_json(headers):
    if headers is None:
        return None
    headers = headers.copy()
    for key in list(headers):
        if key.lower() in ("accept", "content-type"):
            headers[key] = "application/x-ndjson" if "ndjson" in headers[key] else "application/json"
    return headers


class PlainJsonNode(Urllib3HttpNode):
    """elasticsearch-py node that sends plain ``application/json`` (osmem refuses the compat mimetype)."""

    def perform_request(self, method, target, body=None, headers=None, **kw):
        return super().perform_request(method, target, body=body, headers=_plain_json(headers), **kw)


class PlainJsonAsyncNode(HttpxAsyncHttpNode):
    async def perform_request(self, method, target, body=None, headers=None, **kw):
        return await super().perform_request(method, target, body=body, headers=_plain_json(headers), **kw)


def news_docs(n: int = 40) -> list[dict]:
    """Ranked news docs; every 5th title carries a blocked term; doc 3 is a refutation article."""
    docs = []
    for i in range(n):
        title = f"大蒜新闻第{i}条" if i % 5 else f"大蒜 百 家 乐 攻略第{i}条"  # spaced-out evasion of 百家乐
        docs.append({"title": title, "url": f"https://news.example/{i}", "rank": n - i,
                     "suggest": {"input": [title], "weight": n - i}})
    docs[3]["url"] = "https://piyao.example/garlic"
    return docs


def seed_news(client, index: str = NEWS, n: int = 40) -> list[dict]:
    docs = news_docs(n)
    client.indices.create(index=index, body={"mappings": {"properties": {
        "title": {"type": "text", "analyzer": "cjk"}, "url": {"type": "keyword"}, "rank": {"type": "integer"},
        "suggest": {"type": "completion"}}}})
    lines = []
    for i, d in enumerate(docs):
        lines += [{"index": {"_index": index, "_id": f"n{i}"}}, d]
    client.bulk(body=lines, refresh=True)
    return docs


RUMORS = [
    {"rumor_id": "garlic", "claim": "吃大蒜能预防新冠肺炎", "status": "false", "triggers": ["大蒜预防新冠"],
     "refutation": {"title": "吃大蒜不能预防新冠", "url": "https://piyao.example/garlic", "source": "辟谣平台"}},
    {"rumor_id": "liquor", "claim": "喝高度白酒可以杀死新冠病毒", "status": "false",
     "refutation": {"title": "白酒不能杀灭病毒", "url": "https://piyao.example/liquor", "source": "辟谣平台"}},
    {"rumor_id": "lockdown", "claim": "某市下周全面封城", "status": "disputed",
     "refutation": {"title": "", "url": "", "source": ""}},
]
