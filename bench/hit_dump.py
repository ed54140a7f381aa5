"""Hit dump: every hit the matcher finds on a fixed corpus, one line each, to compare two versions.

    python bench/hit_dump.py --out /tmp/hits-before.tsv
    python bench/hit_dump.py --out /tmp/hits-after.tsv --compare /tmp/hits-before.tsv
    python bench/hit_dump.py --out /tmp/hits-artefact.tsv --compare /tmp/hits-after.tsv --via-artefact

Corpus: the real hot-search titles, THUCNews titles, ChineseHarm spam posts, CED Weibo posts (from
``../shared/data``), the project's evasion and near-miss sets (``tests/data``), and the same hot-search
titles with some characters written in pinyin, as pinyin initials and with split / shape spellings (a
seeded rewrite, so the pinyin, initials, split and shape passes see work). Two lexicons: the bundled
ones (content and account-name scope) and 100k jieba dictionary words of 3-8 characters with every
technique enabled (as in ``bench_matcher.py``). Each line: lexicon, set, row, term id, start, end,
technique. ``--compare`` prints the lines only one dump has and exits 1 when there are any.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from bench_matcher import DATA, make_terms  # noqa: E402


def _jsonl(path: Path, key: str) -> list[str]:
    with open(path, encoding="utf-8") as fh:
        return [json.loads(line)[key] or "" for line in fh]


def corpus() -> dict[str, list[str]]:
    """Set name → texts (fixed order)."""
    sets = {
        "hot": _jsonl(DATA / "trending/hot_search_titles.jsonl", "title"),
        "thuc": _jsonl(DATA / "benign/thucnews_titles_sample.jsonl", "title"),
        "spam": _jsonl(DATA / "spam/chineseharm_gambling_fraud_ad_benign.jsonl", "text"),
        "weibo": _jsonl(DATA / "rumors/ced_weibo_rumor_vs_nonrumor.jsonl", "text")[:1500],
        "evasion": _jsonl(ROOT / "tests/data/evasion_cases.jsonl", "text"),
        "nearmiss": _jsonl(ROOT / "tests/data/benign_near_misses.jsonl", "text"),
    }
    sets["rewritten"] = _rewritten(sets["hot"][:6000])
    return sets


def _rewritten(titles: list[str]) -> list[str]:
    """Titles with evasions written in: a run of characters as pinyin (with or without spaces and
    tone numbers), as initials, and characters replaced by split or shape-alike spellings."""
    from plugin.variants import load_variant_tables

    tables = load_variant_tables()
    syl = tables.syllable
    split_of: dict[str, str] = {}
    for form, ch in tables.split_join.items():
        split_of.setdefault(ch, form)
    shape = tables.shape_groups
    rnd = random.Random(16)
    out: list[str] = []
    for t in titles:
        chars = list(t)
        n = len(chars)
        if n < 4:
            out.append(t)
            continue
        mode = rnd.randrange(5)
        a = rnd.randrange(n - 2)
        b = min(n, a + rnd.randint(1, 4))
        if mode == 0:  # pinyin, joined
            chars[a:b] = ["".join(syl.get(c, c) for c in chars[a:b])]
        elif mode == 1:  # pinyin, spaced with tone numbers
            chars[a:b] = [" ".join(syl.get(c, c) + str(rnd.randint(1, 4)) for c in chars[a:b]) + " "]
        elif mode == 2:  # initials
            chars[a:b] = ["".join(syl[c][0] if c in syl else c for c in chars[a:b])]
        elif mode == 3:  # split spellings
            for i in range(a, b):
                chars[i] = split_of.get(chars[i], chars[i])
        else:  # shape-alikes
            for i in range(a, b):
                alts = shape.get(chars[i])
                if alts:
                    chars[i] = alts[0]
        out.append("".join(chars))
    return out


def dump(lines: list[str], name: str, matcher, texts_by_set: dict[str, list[str]], scopes: tuple[str, ...]) -> None:
    import datetime as dt

    today = dt.date(2026, 12, 7)
    for set_name, texts in texts_by_set.items():
        for row, text in enumerate(texts):
            for scope in scopes:
                for h in matcher.scan(text, scope=scope, today=today):
                    lines.append(f"{name}/{scope}\t{set_name}\t{row}\t{h.term_id}\t{h.start}\t{h.end}\t{h.technique}")


def _maybe_via_artefact(matcher, via: bool):
    if not via:
        return matcher
    from plugin.matching.artefact import dump_matcher, load_matcher

    return load_matcher(dump_matcher(matcher))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True)
    ap.add_argument("--compare")
    ap.add_argument("--size", type=int, default=100_000)
    ap.add_argument("--via-artefact", action="store_true",
                    help="scan with matchers round-tripped through the artefact codec (must give the same dump)")
    args = ap.parse_args()
    from plugin.lexicon import TECHNIQUES, Entry
    from plugin.matcher import Matcher

    texts = corpus()
    lines: list[str] = []
    t0 = time.perf_counter()
    bundled = _maybe_via_artefact(Matcher.from_lexicons([], bundled=True), args.via_artefact)
    dump(lines, "bundled", bundled, texts, ("content", "account_name"))
    t1 = time.perf_counter()
    entries = [Entry(term=w, category="gambling", action="block", term_id=f"g:{w}", techniques=frozenset(TECHNIQUES))
               for w in make_terms(args.size)]
    big = _maybe_via_artefact(Matcher.from_entries(entries, version="dump"), args.via_artefact)
    dump(lines, f"jieba{args.size}", big, texts, ("content",))
    t2 = time.perf_counter()
    Path(args.out).write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"{len(lines)} hits written to {args.out} (bundled {t1 - t0:.1f} s, {args.size} words {t2 - t1:.1f} s)")
    if args.compare:
        before = Path(args.compare).read_text(encoding="utf-8").splitlines()
        a, b = set(before), set(lines)
        only_before = sorted(a - b)
        only_after = sorted(b - a)
        for line in only_before[:50]:
            print("-", line)
        for line in only_after[:50]:
            print("+", line)
        print(f"only in {args.compare}: {len(only_before)}; only in {args.out}: {len(only_after)}")
        if len(before) != len(lines):
            print(f"line counts differ: {len(before)} vs {len(lines)}")
        sys.exit(1 if only_before or only_after or len(before) != len(lines) else 0)


if __name__ == "__main__":
    main()
