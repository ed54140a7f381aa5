"""`qinglang evaluate`: flag rates on the shared evaluation data and recall per evasion technique."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any, Iterable

import click

from ..matcher import Matcher
from .check import build_matcher
from .settings import cli_settings

#: Actions that count as "flagged" (kept out of search / the hot list or sent to review).
FLAG_ACTIONS = ("block", "review", "limit")


def default_data_dir() -> str:
    """The shared evaluation data folder: the configured one (``QINGLANG_SHARED_DATA``, read by the
    service's CLI), else ``../shared/data`` or ``/work/shared/data``, the first that exists."""
    for cand in (cli_settings().data_dir, "../shared/data", "/work/shared/data"):
        if cand and Path(cand).is_dir():
            return cand
    return "../shared/data"


def _jsonl(path: Path) -> Iterable[dict[str, Any]]:
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                yield json.loads(line)


def _rate(matcher: Matcher, texts: list[str], label: str, progress: Any) -> dict[str, Any]:
    actions: Counter[str] = Counter()
    cats: Counter[str] = Counter()
    tags: Counter[str] = Counter()
    examples: list[dict[str, Any]] = []
    task = progress.add_task(label, total=len(texts))
    for t in texts:
        res = matcher.check(t)
        actions[res.action] += 1
        if res.action in FLAG_ACTIONS:
            for h in res.hits:
                if h.action in FLAG_ACTIONS:
                    cats[h.category] += 1
                    tags.update(h.tags)
            if len(examples) < 15:
                examples.append({"text": t[:80], "hits": [f"{h.surface}→{h.term}({h.category}/{h.action}/{h.technique})"
                                                          for h in res.hits]})
        progress.advance(task)
    flagged = sum(actions[a] for a in FLAG_ACTIONS)
    return {"n": len(texts), "flagged": flagged, "flag_rate": flagged / max(1, len(texts)),
            "actions": dict(actions), "flagged_hit_categories": dict(cats), "flagged_hit_tags": dict(tags),
            "examples": examples}


def evasion_recall(matcher: Matcher, cases: list[dict[str, Any]]) -> dict[str, Any]:
    """Recall per technique (per evasion ``class`` where a case names one): a case counts when a hit
    for its expected term is found (``exact_technique`` additionally when the hit reports the expected
    technique)."""
    per: dict[str, Counter[str]] = defaultdict(Counter)
    misses: list[dict[str, Any]] = []
    for c in cases:
        tech = c.get("technique", "?")
        group = c.get("class") or tech  # an evasion class (latin-repeat ...) or the technique
        hits = matcher.scan(c["text"])
        found = [h for h in hits if h.term == c.get("expect_term")]
        per[group]["n"] += 1
        if found:
            per[group]["found"] += 1
            if any(h.technique == tech for h in found):
                per[group]["exact_technique"] += 1
        else:
            misses.append({"id": c.get("id"), "technique": tech, "text": c["text"], "expect": c.get("expect_term"),
                           "got": [(h.term, h.technique) for h in hits]})
    table = {t: {"n": v["n"], "recall": v["found"] / v["n"], "technique_match": v["exact_technique"] / v["n"]}
             for t, v in sorted(per.items())}
    return {"per_technique": table, "misses": misses}


def near_miss_false_flags(matcher: Matcher, cases: list[dict[str, Any]]) -> dict[str, Any]:
    """Hard benign near-misses that still get a block/review hit."""
    bad = []
    for c in cases:
        res = matcher.check(c["text"])
        if res.action in ("block", "review"):
            bad.append({"id": c.get("id"), "text": c["text"], "hits": [h.to_dict() for h in res.hits]})
    return {"n": len(cases), "false_flags": len(bad), "rate": len(bad) / max(1, len(cases)), "cases": bad}


def is_tracked(path: str) -> bool:
    """Whether ``path`` is a file git tracks (in the work tree it lies in); ``False`` outside one or without git."""
    p = Path(path).resolve()
    try:
        done = subprocess.run(["git", "-C", str(p.parent), "ls-files", "--error-unmatch", p.name],
                              capture_output=True, timeout=10)
    except (OSError, subprocess.SubprocessError):
        return False
    return done.returncode == 0


@click.command(name="evaluate")
@click.option("--data", default=default_data_dir, show_default="../shared/data", type=click.Path(file_okay=False),
              help="The shared evaluation data folder (default: QINGLANG_SHARED_DATA, else the first that exists).")
@click.option("--cases", default="tests/data", show_default=True, type=click.Path(file_okay=False),
              help="Folder with evasion_cases.jsonl and benign_near_misses.jsonl.")
@click.option("--lexicon", "lexicons", multiple=True, type=click.Path(dir_okay=False))
@click.option("--no-bundled", is_flag=True)
@click.option("--out", default=None, type=click.Path(dir_okay=False, allow_dash=True),
              help="Also write the JSON report here ('-': stdout, the tables then go to stderr). A file git "
                   "tracks is refused unless --overwrite-tracked.")
@click.option("--overwrite-tracked", is_flag=True,
              help="Allow --out to replace a file git tracks (to regenerate bench/results/eval_matcher.json).")
def evaluate(data: str, cases: str, lexicons: tuple[str, ...], no_bundled: bool, out: str | None,
             overwrite_tracked: bool) -> None:
    """Evaluate the matcher on the shared data set and the evasion set; prints the tables (and writes the
    JSON report with --out). Never changes a tracked file unless told to."""
    from rich.console import Console
    from rich.progress import Progress
    from rich.table import Table

    if out not in (None, "-") and not overwrite_tracked and is_tracked(out):
        raise click.UsageError(f"{out} is a file git tracks; write the report elsewhere (--out PATH, '-' for "
                               f"stdout) or pass --overwrite-tracked to regenerate it on purpose")
    matcher = build_matcher(lexicons, no_bundled)
    d = Path(data)
    spam = list(_jsonl(d / "spam" / "chineseharm_gambling_fraud_ad_benign.jsonl"))
    sets = {
        f"spam:{lab}": [r["text"] for r in spam if r["label"] == lab]
        for lab in ("gambling", "fraud", "blackmarket_ad", "benign")
    }
    sets["hot_search_titles"] = [r["title"] for r in _jsonl(d / "trending" / "hot_search_titles.jsonl")]
    sets["thucnews_titles"] = [r["title"] for r in _jsonl(d / "benign" / "thucnews_titles_sample.jsonl")]
    report: dict[str, Any] = {"lexicon_version": matcher.version, "date": time.strftime("%Y-%m-%d"),
                              "flag_actions": list(FLAG_ACTIONS), "sets": {}}
    with Progress(transient=True) as progress:
        for name, texts in sets.items():
            report["sets"][name] = _rate(matcher, texts, name, progress)
    cdir = Path(cases)
    if (cdir / "evasion_cases.jsonl").exists():
        report["evasion"] = evasion_recall(matcher, list(_jsonl(cdir / "evasion_cases.jsonl")))
    if (cdir / "benign_near_misses.jsonl").exists():
        report["near_misses"] = near_miss_false_flags(matcher, list(_jsonl(cdir / "benign_near_misses.jsonl")))
    text = json.dumps(report, ensure_ascii=False, indent=2)
    if out == "-":
        sys.stdout.write(text + "\n")
    elif out is not None:
        Path(out).parent.mkdir(parents=True, exist_ok=True)
        Path(out).write_text(text, encoding="utf-8")
    console = Console(stderr=out == "-")
    table = Table("set", "rows", "flagged", "flag rate")
    for name, r in report["sets"].items():
        table.add_row(name, str(r["n"]), str(r["flagged"]), f"{r['flag_rate']:.1%}")
    console.print(table)
    if "evasion" in report:
        t2 = Table("technique", "cases", "recall", "technique reported")
        for tech, r in report["evasion"]["per_technique"].items():
            t2.add_row(tech, str(r["n"]), f"{r['recall']:.0%}", f"{r['technique_match']:.0%}")
        console.print(t2)
    if "near_misses" in report:
        nm = report["near_misses"]
        console.print(f"benign near-misses flagged block/review: {nm['false_flags']}/{nm['n']}")
    if out not in (None, "-"):
        console.print(f"report written to {out}")
