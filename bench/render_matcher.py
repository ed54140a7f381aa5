"""Render bench/results/matcher.json as the Markdown table quoted in the README."""

from __future__ import annotations

import json
import sys
from pathlib import Path

path = Path(sys.argv[1] if len(sys.argv) > 1 else Path(__file__).parent / "results" / "matcher.json")
data = json.loads(path.read_text())
print(f"Run {data['date']} ({data['machine']['cpus']} cores, Python {data['machine']['python']}).\n")
print("| terms | engine | long text MB/s | short p50 µs | short p99 µs | checks/s | compile s | RSS MB |")
print("|---|---|---|---|---|---|---|---|")
for r in sorted(data["rows"], key=lambda r: (r["terms"], ["raw", "pipeline", "flashtext", "regex"].index(r["engine"]))):
    print(f"| {r['terms']:,} | {r['engine']} | {r['long_mb_s']:.2f} | {r['p50_us']:.1f} | {r['p99_us']:.0f} | "
          f"{r['checks_per_s']:,.0f} | {r['build_s']:.2f} | {r['rss_mb']:.0f} |")
print("\nPipeline as a ratio of raw pyahocorasick in the same run (targets: long ≥ 0.5, short ≥ 0.33, "
      "compile ≤ 3, RSS at 1M ≤ 2):\n")
print("| terms | long-text throughput | short-query p50 | compile time | RSS |")
print("|---|---|---|---|---|")
for size, v in sorted(data["ratios_pipeline_vs_raw"].items(), key=lambda kv: int(kv[0])):
    print(f"| {int(size):,} | {v['long_ratio']:.2f}× | {v['short_ratio']:.2f}× | {v['compile_ratio']:.1f}× | "
          f"{v['rss_ratio']:.1f}× |")
