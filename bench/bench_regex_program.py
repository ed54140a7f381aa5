"""Regex entries: scan time against the size of the compiled RE2 program (``plugin.lexicon_regex.MAX_PROGRAM_SIZE``).

RE2 is linear in the text, but once a search's DFA outgrows its memory budget it runs as an NFA whose cost per byte
grows with the program, so one long counted repetition (``[^x]{1,1000}y``) makes every long text slow. Each pattern
is compiled with the lexicon's RE2 options (without the size check) and scanned the way the matcher scans
(:class:`plugin.lexicon_regex.RegexText`, every hit span) over texts of ``--chars`` characters: a repeated news
sentence, one letter repeated, random letters / Han / spaces; the slowest text's median of ``--runs`` is kept.

    python bench/bench_regex_program.py [--chars 20000] [--runs 3] [--out bench/results/regex_program.json]
"""

from __future__ import annotations

import argparse
import json
import platform
import random
import statistics
import sys
import time
from pathlib import Path

import re2

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from plugin import lexicon_regex  # noqa: E402

PATTERNS = [r"[^x]{1,100}y", r"[^x]{1,200}y", r"[^x]{1,500}y", r"[^x]{1,800}y", r"[^x]{1,1000}y",
            r".{0,150}场", r"(?:.{0,40}){1,5}z", r"(?:.{0,100}){1,5}z", r"\p{Han}{1,500}x"]


def _texts(chars: int) -> dict[str, str]:
    rng = random.Random(3)
    return {"news sentence repeated": ("中国人民广播电台今天报道了一条新闻" * (chars // 17 + 1))[:chars],
            "one letter": "a" * chars,
            "random letters, Han, spaces": "".join(rng.choice("abcxyz中国赌场 ") for _ in range(chars))}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--chars", type=int, default=20_000)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--out", default=str(ROOT / "bench" / "results" / "regex_program.json"))
    args = ap.parse_args()
    texts = {name: lexicon_regex.RegexText(t) for name, t in _texts(args.chars).items()}
    rows = []
    for pattern in PATTERNS:
        rx = re2.compile(pattern, lexicon_regex._OPTIONS)
        worst, worst_text = 0.0, ""
        for name, text in texts.items():
            times = []
            for _ in range(args.runs):
                started = time.perf_counter()
                for _span in text.spans(rx):
                    pass
                times.append(time.perf_counter() - started)
            if statistics.median(times) >= worst:
                worst, worst_text = statistics.median(times), name
        problem = lexicon_regex.pattern_problem(pattern)
        rows.append({"pattern": pattern, "program_size": int(rx.programsize), "accepted": problem is None,
                     "worst_ms": round(worst * 1e3, 1), "worst_text": worst_text})
        print(f"{rx.programsize:7} {'accepted' if problem is None else 'refused ':8} {worst * 1e3:8.1f} ms  {pattern}")
    out = {"chars": args.chars, "runs": args.runs, "max_program_size": lexicon_regex.MAX_PROGRAM_SIZE,
           "machine": {"python": platform.python_version(), "cpu": platform.processor() or platform.machine()},
           "at": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), "patterns": rows}
    Path(args.out).write_text(json.dumps(out, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
