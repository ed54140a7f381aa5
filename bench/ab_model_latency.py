"""Same-process latency of two spam models: ``Guard.check`` on the query surface (caches off) per hot-search test
title, thread CPU, interleaved title by title (model off, the other model, this checkout's bundled model), so the
load of a shared machine falls on all three alike.

    python bench/ab_model_latency.py OTHER_CARD.json    # → bench/results/model_latency_ab.json
"""
import sys, time, statistics
sys.path.insert(0, str(__import__('pathlib').Path(__file__).resolve().parents[1]))
from plugin import Matcher
from plugin.guard import Guard
from plugin.scoring import SpamScorer
from plugin.scoring.signal import ModelSignal
from plugin.scoring.recipe import recipe_samples
titles=[s.text for s in recipe_samples('/work/shared/data', project=False) if s.split=='test' and s.source=='hot_search']
m=Matcher.from_lexicons([], bundled=True)
old=SpamScorer.load(sys.argv[1]); new=SpamScorer.bundled()
g={'off':Guard(m,cache_size=0),'old':Guard(m,cache_size=0,signals=[ModelSignal(old)]),'new':Guard(m,cache_size=0,signals=[ModelSignal(new)])}
for t in titles[:300]:
    for x in g.values(): x.check(t)
res={k:[] for k in g}
for rnd in range(3):
    for t in titles:
        for k,x in g.items():
            a=time.thread_time_ns(); x.check(t); res[k].append(time.thread_time_ns()-a)
import os, json, pathlib
out={'date': time.strftime('%Y-%m-%d %H:%M'), 'machine': '2 shared cores', 'load_average': round(os.getloadavg()[0],1), 'titles': len(titles), 'other': old.version, 'bundled': new.version, 'thread_cpu_us': {k:{'p50':round(sorted(v)[len(v)//2]/1000,1),'p99':round(sorted(v)[int(len(v)*.99)]/1000,1),'mean':round(statistics.fmean(v)/1000,1)} for k,v in res.items()}}
(pathlib.Path(__file__).resolve().parents[1]/'bench'/'results'/'model_latency_ab.json').write_text(json.dumps(out, indent=2)+'\n')
print('titles',len(titles),'load',os.getloadavg()[0], {k:(round(sorted(v)[len(v)//2]/1000,1), round(sorted(v)[int(len(v)*.99)]/1000,1), round(statistics.fmean(v)/1000,1)) for k,v in res.items()}, old.version, new.version)
