"""Regex entries on RE2: scan time of every bundled pattern (and the catastrophic shape an editor
could publish) on adversarial input of 1 KB, 10 KB, 100 KB and 1 MB; time must grow linearly.

    python bench/bench_regex.py [--sizes 1000,10000,100000,1000000] [--out bench/results/regex.json]

Each input is built to make a backtracking engine explode on that pattern (or, for one, to hit
as often as possible: the scan resumes at every hit's end): a contact verb
followed by nothing but spaces (the stacked ``\\s*`` of 联系方式招揽), letter runs that end
in the wrong character (``(?:[a-z]+\\s?)+\\d$``), long domain-like labels without a top-level
domain. Timed is the path the matcher takes (:class:`plugin.lexicon_regex.RegexText` over the
folded text, every hit span) as the best of a few runs, plus one full ``Matcher.scan`` of the
spam-pattern lexicon. For contrast, the patterns shipped before RE2 are run on Python's ``re``
at a few hundred bytes only (in a subprocess with a timeout: they take seconds to minutes).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Callable

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

CATASTROPHIC = r"(?:[a-z]+\s?)+\d$"
WORST = "联系方式招揽"  # the bundled pattern a backtracking engine did worst on (see before_python_re)


def _fill(unit: str, size: int, head: str = "", tail: str = "!") -> str:
    """``head`` + ``unit`` repeated + ``tail``, about ``size`` bytes of UTF-8."""
    room = max(0, size - len((head + tail).encode()))
    n = max(1, room // len(unit.encode()))
    return head + unit * n + tail


#: input shapes per pattern (name → builder of a text of about ``size`` bytes)
INPUTS: dict[str, dict[str, Callable[[int], str]]] = {
    "联系方式招揽": {
        "verb + spaces": lambda n: _fill(" ", n, head="加"),
        "verb + spaces, repeated": lambda n: _fill("加" + " " * 60 + "：", n),
    },
    "可疑域名链接": {
        "label run, no TLD": lambda n: _fill("a", n),
        "label + spaces + dot, repeated": lambda n: _fill("ab1" + " " * 30 + ".", n),
        "a hit every 9 bytes": lambda n: _fill("ab1.top 网", n),
    },
    "变形域名": {
        "digits, no TLD": lambda n: _fill("1", n),
        "digit + spaces + 点, repeated": lambda n: _fill("a1" + " " * 30 + "点 ", n),
    },
    "收益承诺": {
        "earning word + spaces": lambda n: _fill(" ", n, head="日入"),
    },
    "充值赠送": {
        "deposit word + spaces": lambda n: _fill(" ", n, head="首充"),
    },
    "catastrophic (?:[a-z]+\\s?)+\\d$": {
        "letters": lambda n: _fill("a", n),
        "letters and spaces": lambda n: _fill("ab ", n),
    },
}


def _best(fn: Callable[[], Any], budget_s: float = 0.5, max_runs: int = 7) -> tuple[float, Any]:
    """Best time of up to ``max_runs`` calls (fewer when one call is slow)."""
    best, out, spent, runs = float("inf"), None, 0.0, 0
    while runs < max_runs and (runs == 0 or spent < budget_s):
        t = time.perf_counter()
        out = fn()
        dt = time.perf_counter() - t
        best, spent, runs = min(best, dt), spent + dt, runs + 1
    return best, out


def _old_python_re(timeout: float) -> list[dict[str, Any]]:
    """The pre-RE2 contact pattern on Python's re, a few hundred bytes (each size in its own process)."""
    from plugin.lexicon import LEGACY_PATTERNS

    old = next(p for p in LEGACY_PATTERNS if p.startswith("(?:(?:加我"))
    rows = []
    for spaces in (50, 100, 150, 200, 300):
        text = "加" + " " * spaces + "!"
        code = ("import re, sys, time\nrx = re.compile(sys.argv[1])\nt = time.perf_counter()\n"
                "list(rx.finditer(sys.argv[2]))\nprint(time.perf_counter() - t)\n")
        try:
            res = subprocess.run([sys.executable, "-c", code, old, text], capture_output=True, text=True,
                                 timeout=timeout, check=True)
            secs: float | None = round(float(res.stdout), 4)
        except subprocess.TimeoutExpired:
            secs = None
        rows.append({"engine": "python re (before)", "pattern": "联系方式招揽 (lookahead version)",
                     "input": "verb + spaces", "bytes": len(text.encode()), "seconds": secs,
                     "timed_out_after_s": None if secs is not None else timeout})
        print(json.dumps(rows[-1], ensure_ascii=False), flush=True)
        if secs is None:
            break
    return rows


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="1000,10000,100000,1000000")
    ap.add_argument("--old-timeout", type=float, default=30.0, help="seconds per old-engine run")
    ap.add_argument("--out", default=str(ROOT / "bench" / "results" / "regex.json"))
    args = ap.parse_args()
    sizes = [int(x) for x in args.sizes.split(",")]

    from plugin import Matcher
    from plugin.lexicon import load_lexicon
    from plugin.lexicon_regex import MAX_MEM, RegexText, compile_pattern
    from plugin.normalize import fold_text

    spam_path = str(ROOT / "lexicons" / "spam_pattern.yaml")
    patterns = {e.term: e.regex for e in load_lexicon(spam_path).entries}
    patterns["catastrophic (?:[a-z]+\\s?)+\\d$"] = CATASTROPHIC
    compiled = {name: compile_pattern(p) for name, p in patterns.items()}

    rows: list[dict[str, Any]] = []
    for name, shapes in INPUTS.items():
        rx = compiled[name]
        for shape, build in shapes.items():
            for size in sizes:
                text = build(size)
                nbytes = len(text.encode())
                secs, hits = _best(lambda: list(RegexText(fold_text(text)).spans(rx)))
                rows.append({"engine": "re2", "pattern": name, "input": shape, "bytes": nbytes,
                             "seconds": round(secs, 6), "mb_per_s": round(nbytes / secs / 1e6, 1), "hits": len(hits)})
                print(json.dumps(rows[-1], ensure_ascii=False), flush=True)

    # end to end: the spam-pattern lexicon through Matcher.scan, on the worst input of each size
    m = Matcher.from_lexicons([spam_path], bundled=False)
    scan_rows = []
    for size in sizes:
        text = INPUTS["联系方式招揽"]["verb + spaces, repeated"](size)
        secs, hits = _best(lambda: m.scan(text), budget_s=1.0, max_runs=3)
        scan_rows.append({"engine": "Matcher.scan (spam_pattern.yaml)", "input": "verb + spaces, repeated",
                          "bytes": len(text.encode()), "seconds": round(secs, 6), "hits": len(hits)})
        print(json.dumps(scan_rows[-1], ensure_ascii=False), flush=True)

    # linear growth: seconds per byte at 1 MB against 10 KB (below that fixed overhead dominates)
    growth: dict[str, Any] = {}
    slowest: tuple[float, str] = (0.0, "")
    lo, hi = (sizes[1] if len(sizes) > 2 else sizes[0]), sizes[-1]
    for name, shapes in INPUTS.items():
        for shape in shapes:
            by_size = sorted((x for x in rows if x["pattern"] == name and x["input"] == shape),
                             key=lambda x: x["bytes"])
            small = next(x for x in by_size if x["bytes"] >= lo * 0.9)
            big = by_size[-1]
            ratio = (big["seconds"] / big["bytes"]) / (small["seconds"] / small["bytes"])
            growth[f"{name} / {shape}"] = {"time_ratio": round(big["seconds"] / small["seconds"], 1),
                                           "size_ratio": round(big["bytes"] / small["bytes"], 1),
                                           "per_byte_ratio": round(ratio, 2)}
            if not name.startswith("catastrophic") and big["seconds"] > slowest[0]:
                slowest = (big["seconds"], name)
    worst_1mb = max(x["seconds"] for x in rows if x["pattern"] == WORST and x["bytes"] >= sizes[-1] * 0.9)

    old_rows = _old_python_re(args.old_timeout)
    result = {
        "bench": "regex",
        "command": " ".join(["python bench/bench_regex.py", *sys.argv[1:]]),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform()},
        "date": time.strftime("%Y-%m-%d %H:%M:%S"),
        "re2": {"max_mem": MAX_MEM},
        "worst_bundled_pattern": {"pattern": WORST, "regex": patterns[WORST], "seconds_at_1mb": worst_1mb,
                                  "why": "four stacked \\s* groups: polynomial backtracking on Python's re "
                                         "(before_python_re); the others have at most two"},
        "slowest_bundled_pattern_at_1mb": {"pattern": slowest[1], "seconds": slowest[0]},
        "rows": rows,
        "matcher_scan": scan_rows,
        "growth_10kb_to_1mb": growth,
        "before_python_re": old_rows,
    }
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(json.dumps({"worst": result["worst_bundled_pattern"], "growth": growth}, indent=2,
                     ensure_ascii=False))


if __name__ == "__main__":
    main()
