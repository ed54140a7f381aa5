"""Labelled samples for the spam scorer: the JSONL row format, the shared-data recipe and the splits.

A labelled JSONL row::

    {"text": "…", "label": "gambling", "surface": "post", "source": "my_queue", "date": "2026-11-30"}

``label`` (or ``category``) is ``benign`` or a spam category; ``surface`` is ``title`` (hot-search
titles, queries, suggestions, search-hit titles) or ``post`` (post and comment bodies) and defaults
to ``post``; ``source`` names where the row came from (results are reported per source); ``date``
(``YYYY-MM-DD``, optional) drives the time-based split; ``split`` (``train`` / ``val`` / ``test``,
optional) is written by ``qinglang model train --export-splits`` and read back by ``evaluate --split``.

:func:`shared_samples` reads the shared evaluation data (``../shared/data``, see its ``SOURCES.md``)
into samples: the ChineseHarm-bench spam posts are the positives, and every other file supplies
benign titles or posts, so each surface the model scores has its own negatives.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Iterable, Iterator, Literal

from .. import fixed_regex
from ..errors import ModelError
from ..normalize import dense_key

__all__ = [
    "BENIGN",
    "CATEGORIES",
    "EXTRA_SOURCES",
    "MAX_SAMPLE_CHARS",
    "SHARED_SOURCES",
    "SURFACES",
    "Sample",
    "SharedSource",
    "assign_splits",
    "dedupe",
    "order_key",
    "read_labelled",
    "shared_samples",
    "write_labelled",
]

#: Spam categories the scorer knows (the lexicon categories of the same names).
CATEGORIES: tuple[str, ...] = ("gambling", "fraud", "blackmarket_ad")
#: The label of everything that is not spam.
BENIGN = "benign"
#: Where a text is shown: a short title (query, suggestion, hot-search entry, search-hit title) or a post body.
SURFACES: tuple[str, ...] = ("title", "post")
#: Longest text a labelled row may carry.
MAX_SAMPLE_CHARS = 20_000
#: Largest labelled file read (bytes).
MAX_LABELLED_BYTES = 512 * 1024 * 1024

Split = Literal["train", "val", "test"]
_SOURCE_NAME = fixed_regex.compile(r"[" + fixed_regex.WORD + r".:-]{1,64}")
_DATE = fixed_regex.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}")


@dataclass(frozen=True, slots=True)
class Sample:
    """One labelled text. ``split`` is set by :func:`assign_splits`."""

    text: str
    label: str
    surface: str
    source: str
    date: str | None = None
    split: str = ""

    @property
    def is_spam(self) -> bool:
        return self.label != BENIGN

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {"text": self.text, "label": self.label, "surface": self.surface, "source": self.source}
        if self.date:
            d["date"] = self.date
        if self.split:
            d["split"] = self.split
        return d


def _sample_from_row(obj: Any, where: str, categories: tuple[str, ...]) -> Sample:
    """A sample from one parsed JSONL row; :class:`ModelError` naming ``where`` when it is invalid."""
    if not isinstance(obj, dict):
        raise ModelError(f"{where}: expected a JSON object")
    text = obj.get("text")
    if not isinstance(text, str) or not text.strip():
        raise ModelError(f"{where}: 'text' must be a non-empty string")
    if len(text) > MAX_SAMPLE_CHARS:
        raise ModelError(f"{where}: 'text' is longer than {MAX_SAMPLE_CHARS} characters")
    label = obj.get("label", obj.get("category"))
    if label not in (BENIGN, *categories):
        raise ModelError(f"{where}: 'label' must be one of {[BENIGN, *categories]}, got {label!r}")
    surface = obj.get("surface", "post")
    if surface not in SURFACES:
        raise ModelError(f"{where}: 'surface' must be one of {list(SURFACES)}, got {surface!r}")
    source = obj.get("source", "labelled")
    if not isinstance(source, str) or not _SOURCE_NAME.fullmatch(source):
        raise ModelError(f"{where}: 'source' must be a short name (letters, digits, _ . : -)")
    date = obj.get("date")
    if date is not None and (not isinstance(date, str) or not _DATE.match(date)):
        raise ModelError(f"{where}: 'date' must be YYYY-MM-DD")
    split = obj.get("split", "")
    if split not in ("", "train", "val", "test"):
        raise ModelError(f"{where}: 'split' must be train, val or test")
    return Sample(text, label, surface, source, date[:10] if date else None, split)


def read_labelled(path: str | Path, categories: tuple[str, ...] = CATEGORIES) -> list[Sample]:
    """Samples from a labelled JSONL file (see the module docstring); blank lines are skipped.
    Raises :class:`ModelError` naming the file and line of the first bad row."""
    p = Path(path)
    try:
        if p.stat().st_size > MAX_LABELLED_BYTES:
            raise ModelError(f"{p}: larger than {MAX_LABELLED_BYTES} bytes")
        out: list[Sample] = []
        with open(p, encoding="utf-8") as fh:
            for lineno, line in enumerate(fh, 1):
                if not line.strip():
                    continue
                try:
                    obj = json.loads(line)
                except json.JSONDecodeError as exc:
                    raise ModelError(f"{p}:{lineno}: invalid JSON: {exc.msg}") from None
                out.append(_sample_from_row(obj, f"{p}:{lineno}", categories))
        return out
    except (OSError, UnicodeDecodeError) as exc:
        raise ModelError(f"{p}: cannot read: {exc}") from None


def write_labelled(samples: Iterable[Sample], path: str | Path) -> int:
    """Write samples as labelled JSONL; returns the row count."""
    n = 0
    with open(path, "w", encoding="utf-8") as fh:
        for s in samples:
            fh.write(json.dumps(s.to_dict(), ensure_ascii=False) + "\n")
            n += 1
    return n


# ---------------------------------------------------------------- the shared data recipe


@dataclass(frozen=True, slots=True)
class SharedSource:
    """One source of the shared data as the recipe uses it (the card lists these)."""

    name: str
    file: str
    surface: str
    role: str
    licence: str


#: Every source the bundled recipe reads, in order (earlier sources win when a text repeats).
SHARED_SOURCES: tuple[SharedSource, ...] = (
    SharedSource("chineseharm", "spam/chineseharm_gambling_fraud_ad_benign.jsonl", "post",
                 "spam posts (gambling, fraud, blackmarket_ad) and benign posts",
                 "CC BY-NC 4.0 (zjunlp/ChineseHarm-bench README; data from Tencent)"),
    SharedSource("hot_search", "trending/hot_search_titles.jsonl", "title", "benign titles",
                 "MIT (justjavac weibo/zhihu, wlswang toutiao); none stated (cornerAnt baidu, lfiona douyin/toutiao)"),
    SharedSource("hot_search_refutation", "trending/hot_search_refutation_titles.jsonl", "title",
                 "benign titles (rumour and refutation entries)", "MIT (justjavac); none stated (cornerAnt baidu)"),
    SharedSource("thucnews", "benign/thucnews_titles_sample.jsonl", "title", "benign titles (news 2005-2011)",
                 "MIT repository; THUCTC corpus terms: research use"),
    SharedSource("hancd_title", "clickbait/hancd_clickbait_titles.jsonl", "title",
                 "benign titles (clickbait and not: neither is spam)", "none stated (zhuyiYZU/SPT-CD)"),
    SharedSource("rumor_claim", "rumors/rumor_refutations.jsonl", "title",
                 "benign titles (fact-checked claims of 较真, 丁香医生, piyao.org.cn)",
                 "GPL-3.0 repository (crawled 较真 content); none stated (Sakura-del)"),
    SharedSource("ced", "rumors/ced_weibo_rumor_vs_nonrumor.jsonl", "post",
                 "benign posts (Weibo rumour and non-rumour posts 2011-2016)",
                 "none stated (thunlp CED; cite Song et al. 2018)"),
    SharedSource("weibo_checked", "rumors/rumor_refutations.jsonl", "post",
                 "benign posts (Weibo posts ruled fake news: not spam)",
                 "none stated; CHECKED README: academic research only"),
    SharedSource("hancd_body", "clickbait/hancd_clickbait_titles.jsonl", "post",
                 "benign posts (first 300 characters of news articles)", "none stated (zhuyiYZU/SPT-CD)"),
    SharedSource("refutation_text", "rumors/rumor_refutations.jsonl", "post",
                 "benign posts (fact-check texts, including fraud warnings)",
                 "GPL-3.0 repository (crawled 较真 content); none stated (Sakura-del)"),
)

#: Sources of the shared data measured as more training rows but not read by the bundled recipe
#: (``shared_samples(data_dir, EXTRA_SOURCES)``; docs/model.md says what they did).
EXTRA_SOURCES: tuple[SharedSource, ...] = (
    SharedSource("baidu_desc", "trending/hot_search_titles.jsonl", "post",
                 "benign posts (Baidu hot-search one-line news summaries: prices, fines, sums of money)",
                 "none stated (cornerAnt baidu)"),
)

_CLAIM_SOURCES = ("tencent_jiaozhen", "dxy_piyao", "piyao_org_cn")


def _jsonl(path: Path) -> Iterator[dict[str, Any]]:
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                yield json.loads(line)


def _date(value: Any) -> str | None:
    return value[:10] if isinstance(value, str) and _DATE.match(value) else None


def _shared_rows(src: SharedSource, path: Path) -> Iterator[Sample]:
    """The samples one shared source contributes."""
    for r in _jsonl(path):
        if src.name == "chineseharm":
            yield Sample(r["text"], r["label"], "post", src.name)
        elif src.name in ("hot_search", "hot_search_refutation", "thucnews", "hancd_title"):
            yield Sample(r["title"], BENIGN, "title", src.name, _date(r.get("date")))
        elif src.name == "baidu_desc" and isinstance(r.get("desc"), str):
            yield Sample(r["desc"], BENIGN, "post", src.name, _date(r.get("date")))
        elif src.name == "hancd_body":
            yield Sample(r["content_head"], BENIGN, "post", src.name)
        elif src.name == "ced":
            yield Sample(r["text"], BENIGN, "post", src.name, _date(r.get("time_utc")))
        elif src.name == "rumor_claim" and r["source"] in _CLAIM_SOURCES:
            yield Sample(r["claim"], BENIGN, "title", src.name, _date(r.get("date")))
        elif src.name == "weibo_checked" and r["source"] == "weibo_checked_fake":
            yield Sample(r["claim"], BENIGN, "post", src.name, _date(r.get("date")))
        elif src.name == "refutation_text" and r["source"] in _CLAIM_SOURCES and r.get("refutation"):
            yield Sample(r["refutation"], BENIGN, "post", src.name, _date(r.get("date")))


def shared_samples(data_dir: str | Path, sources: tuple[SharedSource, ...] = SHARED_SOURCES) -> list[Sample]:
    """Every sample of the shared data's ``sources`` (the recipe's: :data:`SHARED_SOURCES`), texts cut to
    :data:`MAX_SAMPLE_CHARS`, deduplicated with :func:`dedupe`."""
    root = Path(data_dir)
    out: list[Sample] = []
    for src in sources:
        path = root / src.file
        if not path.is_file():
            raise ModelError(f"shared data file missing: {path}")
        out.extend(s if len(s.text) <= MAX_SAMPLE_CHARS else replace(s, text=s.text[:MAX_SAMPLE_CHARS])
                   for s in _shared_rows(src, path) if s.text.strip())
    return dedupe(out)


def dedupe(samples: Iterable[Sample]) -> list[Sample]:
    """Samples with repeated texts dropped (compared on the dense view, the first kept), so one text
    never lands in both the training and the test split."""
    seen: set[str] = set()
    out: list[Sample] = []
    for s in samples:
        key = dense_key(s.text)
        if key in seen:
            continue
        seen.add(key)
        out.append(s)
    return out


# ---------------------------------------------------------------- splits


def order_key(s: Sample) -> str:
    """A stable pseudo-random key per text (split membership does not depend on file order)."""
    return hashlib.sha256(f"{s.source}\x00{s.text}".encode("utf-8")).hexdigest()


def assign_splits(samples: Iterable[Sample], *, test: float = 0.2, val: float = 0.2,
                  mode: Literal["time", "stratified"] = "time") -> list[Sample]:
    """Samples with ``split`` set to ``train`` / ``val`` / ``test``, stratified per (source, label):
    each group gives its last ``test`` share to test and the ``val`` share before it to validation.
    In ``time`` mode a group whose rows all carry a date is ordered by date (test is the newest
    rows, validation the ones just before); other groups, and every group in ``stratified`` mode,
    are ordered by a hash of the text (a fixed random order)."""
    if not (0 <= test < 1 and 0 <= val < 1 and test + val < 1):
        raise ValueError("test and val must be fractions with test + val < 1")
    groups: dict[tuple[str, str], list[Sample]] = defaultdict(list)
    for s in samples:
        groups[(s.source, s.label)].append(s)
    out: list[Sample] = []
    for rows in groups.values():
        dated = mode == "time" and all(s.date for s in rows)
        rows.sort(key=(lambda s: (s.date or "", order_key(s))) if dated else order_key)
        n = len(rows)
        n_test = round(n * test)
        n_val = round(n * val)
        first_val, first_test = n - n_test - n_val, n - n_test
        for i, s in enumerate(rows):
            split: Split = "train" if i < first_val else ("val" if i < first_test else "test")
            out.append(replace(s, split=split))
    return out
