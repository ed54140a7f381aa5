"""The bundled lexicon files, variant tables and evaluation sets are well formed.

Data checks only (no matcher): every bundled file lints clean and cites its clause,
source and licence; each category file holds one category; the evasion set names terms
that exist; the shape / split tables parse and hold CJK characters only.
"""

from __future__ import annotations

import json
from collections import Counter
from functools import lru_cache
from pathlib import Path

import pytest
import yaml

from plugin.lexicon import Lexicon, bundled_lexicon_paths, lint_lexicon
from plugin.lexicon import load_lexicon as _load_lexicon
from plugin.normalize import dense_key
from plugin.variants import is_cjk
from tests.paths import DATA, ROOT

LEXICONS = ROOT / "lexicons"
EXPECTED_CATEGORIES = {
    "clickbait", "gambling", "fraud", "blackmarket_ad", "persona", "rumor_marker", "account_name",
    "spam_pattern",
}
TECHNIQUES = {
    "exact", "normalized", "traditional", "invisible", "noise", "repeat",
    "pinyin", "homophone", "shape", "split", "variant",
}
BUNDLED = sorted(str(p) for p in LEXICONS.glob("*.yaml"))


@lru_cache(maxsize=None)
def load_lexicon(path: str) -> Lexicon:
    """Parsing a YAML lexicon takes a moment; each file is read once per session."""
    return _load_lexicon(path)


def _jsonl(path: Path) -> list[dict]:
    rows = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if line.strip():
            try:
                rows.append(json.loads(line))
            except json.JSONDecodeError as exc:  # pragma: no cover - a broken file fails here
                pytest.fail(f"{path.name}:{n}: invalid JSON: {exc}")
    return rows


def test_bundled_files_are_the_worktree_files() -> None:
    assert {Path(p).name for p in bundled_lexicon_paths()} >= {Path(p).name for p in BUNDLED}


@pytest.mark.parametrize("path", BUNDLED, ids=lambda p: Path(p).name)
def test_bundled_file_lints_clean(path: str) -> None:
    problems = lint_lexicon(path)
    assert not problems, "\n".join(str(p) for p in problems)


@pytest.mark.parametrize("path", BUNDLED, ids=lambda p: Path(p).name)
def test_header_cites_clause_source_and_licence(path: str) -> None:
    lex = load_lexicon(path)
    assert lex.clause and ("2024 campaign" in lex.clause or "2023 notice" in lex.clause), lex.clause
    assert lex.source.strip(), "header needs a source"
    assert lex.licence.strip(), "header needs a licence"
    assert "characterma" not in lex.source or "not" in lex.source.lower(), "the unlicensed gambling list may not be used"


@pytest.mark.parametrize("path", BUNDLED, ids=lambda p: Path(p).name)
def test_one_category_per_file(path: str) -> None:
    lex = load_lexicon(path)
    cats = {e.category for e in lex.entries}
    assert cats == {lex.category}, cats
    assert Path(path).stem == lex.category


def test_all_categories_are_shipped() -> None:
    cats = {load_lexicon(p).category for p in BUNDLED if Path(p).stem != "allow_common"}
    assert cats == EXPECTED_CATEGORIES


def test_account_name_file_is_account_scoped() -> None:
    lex = load_lexicon(str(LEXICONS / "account_name.yaml"))
    assert all(e.scope == "account_name" for e in lex.entries)
    assert all(e.action in ("review", "allow") for e in lex.entries)
    # all 34 provincial-level divisions
    regions = "北京 天津 上海 重庆 河北 山西 辽宁 吉林 黑龙江 江苏 浙江 安徽 福建 江西 山东 河南 湖北 湖南 广东 海南 " \
              "四川 贵州 云南 陕西 甘肃 青海 台湾 内蒙古 广西 西藏 宁夏 新疆 香港 澳门".split()
    terms = {e.term for e in lex.entries}
    assert len(regions) == 34 and set(regions) <= terms


def test_terms_keep_at_least_two_characters_after_normalisation() -> None:
    """Repeat collapsing turns 牛牛 into 牛: such a term would hit every 牛."""
    for path in BUNDLED:
        for e in load_lexicon(path).entries:
            for text in (e.term, *(v.text for v in e.variants)):
                assert len(dense_key(text)) >= 2, f"{path}: {text!r} normalises to {dense_key(text)!r}"


def test_lexicons_hold_a_few_hundred_terms() -> None:
    counts = Counter(e.category for p in BUNDLED for e in load_lexicon(p).entries
                     if e.action != "allow" and not e.regex)  # pattern files hold a few regexes
    total = sum(counts.values())
    assert total >= 400, counts
    assert all(n >= 30 for n in counts.values()), counts


def test_gated_single_words_have_context() -> None:
    """The ambiguous words named in the design carry a context rule."""
    entries = {e.term: e for p in BUNDLED for e in load_lexicon(p).entries}
    for term in ("赌博", "博彩", "下注", "跑分", "开挂", "外挂", "刷单"):
        assert entries[term].context is not None, term
    assert "警方" in entries["赌博"].context.excludes_any
    assert entries["菠菜" if "菠菜" in entries else "博彩"].variants


# ---------------------------------------------------------------- variant tables


def _table(name: str) -> dict:
    data = yaml.safe_load((LEXICONS / "variants" / name).read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    assert data.get("source") and data.get("licence"), f"{name} header needs source and licence"
    return data


def test_shape_groups_are_cjk_and_disjoint() -> None:
    groups = _table("shape_alike.yaml")["groups"]
    seen: dict[str, int] = {}
    for i, g in enumerate(groups):
        assert isinstance(g, list) and len(g) >= 2, g
        assert len(set(g)) == len(g), g
        for ch in g:
            assert isinstance(ch, str) and len(ch) == 1 and is_cjk(ch), (g, ch)
            assert ch not in seen, f"{ch} in groups {seen[ch]} and {i}"
            seen[ch] = i
    assert len(seen) >= 200


def test_split_spellings_are_cjk_components() -> None:
    splits = _table("split_chars.yaml")["splits"]
    assert len(splits) >= 100
    for ch, forms in splits.items():
        assert isinstance(ch, str) and len(ch) == 1 and is_cjk(ch), ch
        assert isinstance(forms, list) and forms, ch
        for f in forms:
            assert len(f) >= 2 and all(is_cjk(c) for c in f), (ch, f)
            assert not any(c.isascii() for c in f)
            # a doubled component would collapse to one character (木木 → 木)
            assert len(dense_key(f)) == len(f), (ch, f)
            assert ch not in f, (ch, f)
    assert splits["张"] == ["弓长"] and splits["赌"] == ["贝者"]


# ---------------------------------------------------------------- evaluation sets


#: The evasion classes the cases name in ``class`` (docs/matching.md), each read by a technique.
EVASION_CLASSES = {"latin-repeat", "digit-numeral", "number-style", "polyphonic", "slang", "mixed-separators",
                   "radical-full-form", "noise-run"}


def test_evasion_cases_cover_every_technique_with_known_terms() -> None:
    rows = _jsonl(DATA / "evasion_cases.jsonl")
    entries = {(e.term, e.category) for p in BUNDLED for e in load_lexicon(p).entries}
    per = Counter(r["technique"] for r in rows)
    assert set(per) == TECHNIQUES
    assert min(per.values()) >= 8, per
    ids = [r["id"] for r in rows]
    assert len(ids) == len(set(ids))
    classes = Counter(r["class"] for r in rows if "class" in r)  # evasion classes beyond the plain techniques
    assert set(classes) == EVASION_CLASSES and min(classes.values()) >= 2, classes
    for r in rows:
        assert set(r) - {"class"} == {"id", "text", "expect_term", "expect_category", "technique", "note"}, r
        assert (r["expect_term"], r["expect_category"]) in entries, r


def test_benign_near_misses_are_well_formed() -> None:
    rows = _jsonl(DATA / "benign_near_misses.jsonl")
    assert len(rows) >= 80
    ids = [r["id"] for r in rows]
    assert len(ids) == len(set(ids))
    for r in rows:
        assert set(r) == {"id", "text", "note"} and r["text"].strip(), r


def test_evaluation_sets_are_not_copied_from_shared_data() -> None:
    shared = ROOT.parent / "shared" / "data"  # ../shared beside the checkout
    if not shared.is_dir():
        shared = Path("/work/shared/data")
    if not shared.is_dir():
        pytest.skip("shared evaluation data not present")
    texts: set[str] = set()
    for f in shared.rglob("*.jsonl"):
        for line in f.read_text(encoding="utf-8").splitlines():
            try:
                row = json.loads(line)
            except json.JSONDecodeError:
                continue
            for key in ("text", "title", "claim"):
                if isinstance(row.get(key), str):
                    texts.add(row[key])
    for name in ("evasion_cases.jsonl", "benign_near_misses.jsonl"):
        for r in _jsonl(DATA / name):
            assert r["text"] not in texts, (name, r["id"])


@pytest.mark.parametrize("path", sorted(str(p) for p in (LEXICONS / "samples").iterdir()), ids=lambda p: Path(p).name)
def test_sample_files_in_every_format_lint_clean(path: str) -> None:
    assert not lint_lexicon(path)
    assert load_lexicon(path).entries


def test_bundled_lexicons_catch_every_evasion_case_and_no_near_miss() -> None:
    """Regression guard over the project's own sets: every evasion is caught by its intended
    entry and no hard benign near-miss gets a block or review hit."""
    from plugin import Matcher

    m = Matcher.from_lexicons([], bundled=True)
    missed = []
    for r in _jsonl(DATA / "evasion_cases.jsonl"):
        if not any(h.term == r["expect_term"] and h.category == r["expect_category"] for h in m.scan(r["text"])):
            missed.append((r["id"], r["text"], [(h.term, h.technique) for h in m.scan(r["text"])]))
    assert not missed, missed
    flagged = []
    for r in _jsonl(DATA / "benign_near_misses.jsonl"):
        hits = [h for h in m.scan(r["text"]) if h.action in ("block", "review")]
        if hits:
            flagged.append((r["id"], r["text"], [(h.term, h.action) for h in hits]))
    assert not flagged, flagged


@pytest.mark.parametrize(
    "name, term, technique",
    [
        ("新花社评论", "新华社", "homophone"),  # three-character names: homophones count
        ("中国解放君之声", "解放军", "homophone"),
        ("某市工安局通报", "公安局", "homophone"),
        ("北京日报", "日报", "exact"),  # a word that contains the name part keeps the hit
        ("Xinhua News", "Xinhua", "exact"),
    ],
)
def test_account_name_spoofs(name: str, term: str, technique: str) -> None:
    from plugin import Matcher

    hits = [h for h in Matcher.from_lexicons([], bundled=True).scan(name, scope="account_name") if h.term == term]
    assert hits and hits[0].technique == technique


@pytest.mark.parametrize("name", ["每日报价助手", "为人民服务的小张", "背景音乐分享"])
def test_account_names_cut_by_a_word_are_not_hits(name: str) -> None:
    from plugin import Matcher

    assert Matcher.from_lexicons([], bundled=True).scan(name, scope="account_name") == []


def test_bundled_slang_table_is_clean_and_refuses_bad_rows(tmp_path: Path) -> None:
    """lexicons/variants/slang_variants.yaml lints without a problem (a coinage that is a word has a
    context); a bad table names its problems."""
    from plugin.matching.slang import lint_slang_table

    assert lint_slang_table(str(LEXICONS / "variants" / "slang_variants.yaml")) == []
    bad = tmp_path / "slang_variants.yaml"
    bad.write_text("slang:\n  微信: [威信, 微信, {text: x, context: {within: 999}}]\n  '': [a]\n", encoding="utf-8")
    messages = [p.message for p in lint_slang_table(str(bad))]
    assert any("word in use" in m for m in messages)  # 威信 without a context
    assert any("matches nothing new" in m for m in messages)  # 微信 for 微信
    assert any("within" in m for m in messages) and any("nothing to match" in m for m in messages)
