"""JSONL import and export of rumours.

Rows may use either schema, detected per row:

- the project schema (:meth:`plugin.rumors.models.Rumor.from_dict`: ``id``, ``claim``,
  ``status``, ``triggers``, ``refutations`` ...), which :func:`export_jsonl` writes;
- the shared fact-check data schema (``id``, ``claim``, ``verdict`` 假/真/疑, ``verdict_detail``,
  ``refutation``, ``checker``, ``date``, ``url``, ``tags``, ``source`` and bookkeeping fields).
  Verdicts map 假→false, 疑→disputed (but 疑 with ``verdict_detail`` 有失实 / 部分失实, "partly
  untrue", → misleading), 真→true; a null verdict falls back to ``verdict_detail``
  (谣言/伪科学→false, 有失实/部分失实/误区→misleading, 尚无定论→disputed,
  确有此事/事实→true), and rows where neither decides are skipped with a reason.
  Refutation title: "【辟谣】" + the claim (the source has no title).

A file is imported whole or not at all: every line is parsed first, and any bad line
(invalid JSON, missing claim, bad verdict, unknown field, duplicate id, NUL or a lone
surrogate in a string, a claim over ``MAX_CLAIM_CHARS``, a bidirectional control in any
text (``\u202e`` makes a claim read differently to the approver than it matches), a refutation
address that is not an http(s) URL — pins are links shown on top of search results, so no
``javascript:`` or ``data:`` address) raises
:class:`RumorImportError` listing every problem with its line number; nothing is stored.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, Callable, Iterable
from urllib.parse import urlsplit

from .. import fixed_regex
from plugin.errors import RumorError
from plugin.lexicon import first_bidi_control

from .models import Refutation, Rumor, RumorStatus
from .store import RumorStore, UpsertStats

__all__ = [
    "ImportProblem",
    "ImportReport",
    "RumorImportError",
    "check_presentable",
    "export_jsonl",
    "import_jsonl",
    "parse_jsonl",
    "parse_row",
    "source_url",
]

#: Longest accepted line (bytes of text); longer lines are reported, not parsed.
MAX_LINE_CHARS = 1_000_000
#: Longest accepted claim (characters): a longer "claim" is an article, not a claim.
MAX_CLAIM_CHARS = 5_000

SHARED_FIELDS = frozenset(
    {"id", "source", "claim", "verdict", "verdict_detail", "refutation", "checker", "date", "tags", "markstyle",
     "url", "src", "orig_id"}
)
_VERDICTS = {"假": RumorStatus.FALSE, "疑": RumorStatus.DISPUTED, "真": RumorStatus.TRUE}
_DETAIL_PREFIXES = (
    ("谣言", RumorStatus.FALSE), ("伪科学", RumorStatus.FALSE), ("伪常识", RumorStatus.FALSE),
    ("假新闻", RumorStatus.FALSE), ("有失实", RumorStatus.MISLEADING), ("部分失实", RumorStatus.MISLEADING),
    ("误区", RumorStatus.MISLEADING),
    ("尚无定论", RumorStatus.DISPUTED), ("存在争议", RumorStatus.DISPUTED), ("确有此事", RumorStatus.TRUE),
    ("确实如此", RumorStatus.TRUE), ("事实", RumorStatus.TRUE),
)
#: verdict_detail values that refine the 疑 verdict: "partly untrue" is misleading, not disputed.
_PARTLY_UNTRUE = ("有失实", "部分失实")
_TITLE_CLAIM_CHARS = 60
#: Article address pattern of a source whose rows carry the article id but no URL (``orig_id``).
ARTICLE_URLS = {"tencent_jiaozhen": "https://vp.fact.qq.com/article?id={orig_id}"}
_ARTICLE_ID = fixed_regex.compile(r"[0-9a-f]{32}")
_URL = fixed_regex.compile(r"https?://[A-Za-z0-9._~:/?#@!$&'*+,;=%-]+")
#: Links in a refutation text that are not about the claim (the platform's rules).
_BOILERPLATE_URL = fixed_regex.compile(r"service\.account\.weibo\.com/roles")
#: The UTF-8 byte-order mark as decoded text; accepted (and dropped) at the start of a file.
BOM = "\ufeff"


@dataclass(frozen=True, slots=True)
class ImportProblem:
    """A bad (or skipped) line: where and why."""

    path: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}"


class RumorImportError(RumorError):
    """A file had bad lines; ``problems`` lists each one. Nothing was imported."""

    def __init__(self, problems: list[ImportProblem]) -> None:
        self.problems = problems
        head = "; ".join(str(p) for p in problems[:5])
        more = f" (and {len(problems) - 5} more)" if len(problems) > 5 else ""
        super().__init__(f"{len(problems)} bad line(s), nothing imported: {head}{more}")


@dataclass(slots=True)
class ImportReport:
    """What an import did."""

    path: str
    lines: int = 0
    rumors: list[Rumor] = field(default_factory=list)
    skipped: list[ImportProblem] = field(default_factory=list)
    stats: UpsertStats = UpsertStats()

    def to_dict(self) -> dict[str, Any]:
        return {"path": self.path, "lines": self.lines, "rumors": len(self.rumors),
                "skipped": [{"line": p.line, "reason": p.message} for p in self.skipped], **self.stats.to_dict()}


class _Skip(Exception):
    """A row that is valid but carries no usable verdict."""


def _status_from_shared(row: dict[str, Any]) -> RumorStatus:
    verdict = row.get("verdict")
    detail = row.get("verdict_detail")
    if detail is not None and not isinstance(detail, str):
        raise ValueError("'verdict_detail' must be a string")
    detail = (detail or "").strip()
    if verdict is not None:
        if not isinstance(verdict, str) or verdict.strip() not in _VERDICTS:
            raise ValueError(f"bad 'verdict' {verdict!r} (allowed: 假, 真, 疑 or null)")
        status = _VERDICTS[verdict.strip()]
        if status is RumorStatus.DISPUTED and detail.startswith(_PARTLY_UNTRUE):
            return RumorStatus.MISLEADING  # 疑 + 有失实: partly untrue, pinned and labelled 失实
        return status
    for prefix, status in _DETAIL_PREFIXES:
        if detail.startswith(prefix):
            return status
    raise _Skip(f"no verdict (verdict null, verdict_detail {detail!r} does not decide)")


def _opt_str(row: dict[str, Any], name: str) -> str:
    value = row.get(name)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise ValueError(f"{name!r} must be a string")
    return " ".join(value.split())


def _from_shared(row: dict[str, Any]) -> Rumor:
    unknown = set(row) - SHARED_FIELDS
    if unknown:
        raise ValueError(f"unknown field(s): {', '.join(sorted(unknown))}")
    rid = row.get("id")
    if isinstance(rid, int) and not isinstance(rid, bool):
        rid = str(rid)
    if not isinstance(rid, str) or not rid.strip():
        raise ValueError("missing or empty 'id'")
    claim = row.get("claim")
    if not isinstance(claim, str) or not claim.strip():
        raise ValueError("missing or empty 'claim'")
    claim = " ".join(claim.split())
    status = _status_from_shared(row)
    tags = row.get("tags") or []
    if not isinstance(tags, list) or not all(isinstance(t, str) for t in tags):
        raise ValueError("'tags' must be a list of strings")
    short = claim if len(claim) <= _TITLE_CLAIM_CHARS else claim[:_TITLE_CLAIM_CHARS] + "…"
    summary = _opt_str(row, "refutation")
    refutation = Refutation(
        title="【辟谣】" + short,
        summary=summary,
        url=_opt_str(row, "url") or source_url(_opt_str(row, "source"), str(row.get("orig_id") or ""), summary),
        source=_opt_str(row, "checker") or _opt_str(row, "source"),
        published_at=_opt_str(row, "date"),
    )
    return Rumor(id=rid.strip(), claim=claim, status=status, refutations=(refutation,),
                 tags=tuple(dict.fromkeys(t.strip() for t in tags if t.strip())), origin=_opt_str(row, "source"))


def source_url(source: str, orig_id: str, summary: str) -> str:
    """The address of a refutation when the row has no ``url``: the source's article address built
    from ``orig_id`` (:data:`ARTICLE_URLS`; derived, not checked online), else the first link the
    refutation text cites (a Weibo ruling cites the report it relies on), else ''."""
    pattern = ARTICLE_URLS.get(source)
    if pattern and _ARTICLE_ID.fullmatch(orig_id):
        return pattern.format(orig_id=orig_id)
    for m in _URL.finditer(summary):
        url = m.group(0).rstrip(".,;)'")
        if not _BOILERPLATE_URL.search(url):
            return url
    return ""


def parse_row(row: Any) -> Rumor:
    """One JSON object (either schema) → :class:`Rumor`; ``ValueError`` names the problem."""
    if not isinstance(row, dict):
        raise ValueError(f"expected a JSON object, got {type(row).__name__}")
    if "status" in row or "refutations" in row or "triggers" in row:
        return Rumor.from_dict(row)
    if "verdict" in row or "verdict_detail" in row:
        return _from_shared(row)
    raise ValueError("neither 'status' (project schema) nor 'verdict' (fact-check schema) given")


def check_presentable(rumor: Rumor) -> None:
    """Refuse what a pin must not show: a bidirectional control in any text of ``rumor``, or a refutation
    address that is not an http(s) URL with a host (``ValueError`` naming the field)."""
    texts = [("claim", rumor.claim), *(("triggers", t) for t in rumor.triggers), *(("tags", t) for t in rumor.tags)]
    for i, ref in enumerate(rumor.refutations):
        texts += [(f"refutations[{i}].{name}", getattr(ref, name)) for name in ("title", "summary", "source", "url")]
        if ref.url:
            parts = urlsplit(ref.url)
            if parts.scheme.lower() not in ("http", "https") or not parts.hostname \
                    or any(c.isspace() or ord(c) < 32 or ord(c) == 127 for c in ref.url):
                raise ValueError(f"refutations[{i}].url must be an http(s) address, got {ref.url[:80]!r}")
    for where, text in texts:
        pos = first_bidi_control(text)
        if pos >= 0:
            raise ValueError(f"bidirectional control U+{ord(text[pos]):04X} in {where} at position {pos}")


def _check_text(value: Any, where: str = "") -> None:
    """Refuse strings that cannot be stored as text: lone surrogates (JSON \\ud800 escapes) and NUL."""
    if isinstance(value, str):
        if "\x00" in value:
            raise ValueError(f"NUL character in {where or 'a string'}")
        if fixed_regex.first_surrogate(value) is not None:
            raise ValueError(f"lone surrogate (invalid Unicode escape) in {where or 'a string'}")
    elif isinstance(value, dict):
        for k, v in value.items():
            _check_text(k, "a field name")
            _check_text(v, f"{k!r}" if not where else where)
    elif isinstance(value, list):
        for v in value:
            _check_text(v, where)


def parse_jsonl(lines: Iterable[str], path: str = "<stdin>",
                progress: Callable[[int], None] | None = None) -> ImportReport:
    """Parse every line; raises :class:`RumorImportError` if any line is bad."""
    report = ImportReport(path)
    problems: list[ImportProblem] = []
    seen: dict[str, int] = {}
    for lineno, line in enumerate(lines, 1):
        report.lines = lineno
        if progress is not None:
            progress(len(line.encode("utf-8", "surrogatepass")) + (0 if line.endswith("\n") else 1))
        if len(line) > MAX_LINE_CHARS:
            problems.append(ImportProblem(path, lineno, f"line too long ({len(line)} characters)"))
            continue
        if lineno == 1 and line.startswith(BOM):
            line = line[1:]  # a UTF-8 byte-order mark some editors write
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            problems.append(ImportProblem(path, lineno, f"invalid JSON: {exc.msg} (column {exc.colno})"))
            continue
        except RecursionError:
            problems.append(ImportProblem(path, lineno, "invalid JSON: nested too deeply"))
            continue
        try:
            _check_text(row)
            rumor = parse_row(row)
            check_presentable(rumor)
            if len(rumor.claim) > MAX_CLAIM_CHARS:
                raise ValueError(f"'claim' too long ({len(rumor.claim)} characters; limit {MAX_CLAIM_CHARS})")
        except _Skip as exc:
            report.skipped.append(ImportProblem(path, lineno, str(exc)))
            continue
        except ValueError as exc:
            problems.append(ImportProblem(path, lineno, str(exc)))
            continue
        if rumor.id in seen:
            problems.append(ImportProblem(path, lineno, f"duplicate id {rumor.id!r} (first on line {seen[rumor.id]})"))
            continue
        seen[rumor.id] = lineno
        report.rumors.append(rumor)
    if problems:
        raise RumorImportError(problems)
    return report


def import_jsonl(store: RumorStore, path: str | Path, *,
                 progress: Callable[[int], None] | None = None) -> ImportReport:
    """Parse ``path`` and upsert its rumours in one transaction (all or nothing)."""
    p = Path(path)
    try:
        with p.open("r", encoding="utf-8", newline="") as fh:
            report = parse_jsonl(_lines(fh, str(p)), str(p), progress)
    except OSError as exc:
        raise RumorError(f"cannot read {p}: {exc.strerror or exc}") from exc
    report.stats = store.upsert(report.rumors)
    return report


def _lines(fh: IO[str], path: str) -> Iterable[str]:
    try:
        yield from fh
    except UnicodeDecodeError as exc:
        raise RumorImportError([ImportProblem(path, 0, f"not UTF-8 text: {exc.reason} at byte {exc.start}")]) from None


def export_jsonl(rumors: Iterable[Rumor], out: IO[str]) -> int:
    """Write rumours in the project schema, one JSON object per line; returns the count."""
    n = 0
    for r in rumors:
        out.write(json.dumps(r.to_dict(), ensure_ascii=False, sort_keys=True) + "\n")
        n += 1
    return n
