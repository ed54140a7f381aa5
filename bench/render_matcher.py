"""Render bench/results/matcher.json as the Markdown tables quoted in the README."""

from __future__ import annotations

import json
import sys
from pathlib import Path

path = Path(sys.argv[1] if len(sys.argv) > 1 else Path(__file__).parent / "results" / "matcher.json")
data = json.loads(path.read_text())
print(f"Run {data['date']} ({data['machine']['cpus']} cores, Python {data['machine']['python']}; timings: "
      f"{data.get('clock', 'wall')}; load average at the end {data.get('load_average', '?')}).\n")
print("| terms | engine | long MB/s warm (cold) | short p50 µs warm (cold) | p99 µs | checks/s | build s "
      "| RSS MB |")
print("|---|---|---|---|---|---|---|---|")
for r in sorted(data["rows"], key=lambda r: (r["terms"], ["raw", "pipeline", "flashtext", "regex"].index(r["engine"]))):
    build = f"{r['build_s']:.2f}"
    if r["engine"] == "pipeline":
        build += f" ({r['compile_s']:.2f} compile + {r['lazy_s']:.2f} lazy)"
    print(f"| {r['terms']:,} | {r['engine']} | {r['long_mb_s']:.2f} ({r['cold_long_mb_s']:.2f}) | "
          f"{r['p50_us']:.1f} ({r['cold_p50_us']:.1f}) | {r['p99_us']:.0f} | {r['checks_per_s']:,.0f} | {build} | "
          f"{r['rss_mb']:.0f} |")
for r in data["rows"]:
    if r["engine"] == "pipeline":
        extra = [f"process-wide tables {r['tables_s']:.2f} s (+{r['tables_rss_mb']:.0f} MB, jieba "
                 f"{r['jieba_load_s']:.2f} s)"]
        if "artefact_load_s" in r:
            extra.append(f"artefact {r['artefact_mb']:.1f} MB, dump {r['artefact_dump_s']:.2f} s, "
                         f"load {r['artefact_load_s']:.2f} s")
        print(f"\n{r['terms']:,} terms: " + "; ".join(extra) + ".")
print("\nFresh process to its first answered check: " + ", ".join(
    f"{k.replace('_', ' ')} {v['wall_s']:.2f} s wall / {v['cpu_s']:.2f} s CPU"
    for k, v in data.get("first_check", {}).items()) + ".")
print("\nPipeline as a ratio of raw pyahocorasick, measured in the pipeline's own process, interleaved "
      "(targets at 100k: long ≥ 0.5, cold long ≥ 0.4, short p50 ≥ 0.33, compile incl. lazy ≤ 3, "
      "artefact load ≤ 3; at 1M: compile ≤ 3, RSS ≤ 2 — RSS from the separate processes):\n")
print("| terms | long text | cold long text | short p50 | short checks/s | compile incl. lazy | artefact load "
      "| RSS |")
print("|---|---|---|---|---|---|---|---|")
ratios = data["ratios_pipeline_vs_raw"]
for key, v in sorted(ratios.items()):
    if not key.endswith("_same_process"):
        continue
    size = key.split("_")[0]
    rss = ratios.get(size, {}).get("rss_ratio")
    load = v.get("artefact_load_ratio")
    print(f"| {int(size):,} | {v['long_ratio']:.2f}× | {v['cold_long_ratio']:.2f}× | {v['short_p50_ratio']:.2f}× | "
          f"{v['pipeline_checks_per_s']:,.0f} ({v['short_throughput_ratio']:.2f}×) | "
          f"{v['compile_with_lazy_ratio']:.1f}× | {'-' if load is None else f'{load:.1f}×'} | "
          f"{'-' if rss is None else f'{rss:.1f}×'} |")
