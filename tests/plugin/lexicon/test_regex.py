"""Regex lexicon entries on RE2 (plugin.lexicon_regex): refused syntax, linear time, the hit group."""

from __future__ import annotations

import json
import os
import random
import re
import subprocess
import sys
from pathlib import Path

import pytest
import re2
from click.testing import CliRunner

from plugin import Matcher, lint_lexicon
from plugin.cli import cli
from plugin.lexicon import LEGACY_PATTERNS, VARIANT_TECHNIQUES, parse_lexicon_text
from plugin.lexicon_regex import MAX_REGEX_LEN, PatternError, PatternSet, RegexText, compile_pattern
from plugin.matcher import TECHNIQUE_RANK
from plugin.store import LexiconStore, ValidationError
from plugin.store.entries import entry_from_dict
from tests.fakes import fake_factory
from tests.paths import ROOT
from tests.store_config import make_config

PATTERNS = str(ROOT / "lexicons" / "spam_pattern.yaml")
CATASTROPHIC = r"(?:[a-z]+\s?)+\d$"  # exponential on a backtracking engine: "aaaa…a!" never ends
REFUSED = {
    "backreference": r"(a+)\1",
    "lookbehind": r"(?<![a-z0-9])vx\d+",
    "lookahead": r"vx\d+(?![a-z0-9])",
    "negative lookahead at start": r"(?!http)[a-z]+\.top",
}


def _yaml(tmp_path: Path, regex: str, name: str = "spam_pattern.yaml", term: str = "坏模式") -> Path:
    p = tmp_path / name
    p.write_text(f"category: gambling\nentries:\n  - term: 好词\n  - term: {term}\n    regex: {json.dumps(regex)}\n",
                 encoding="utf-8")
    return p


# --------------------------------------------------------------------------- the engine


def test_patterns_compile_on_re2_only() -> None:
    """google-re2 raises on syntax it cannot run (it never falls back to Python's re), and so do we."""
    with pytest.raises(re2.error):
        re2.compile(r"(a)\1")
    rx = compile_pattern(CATASTROPHIC)
    assert type(rx).__module__ == "re2"
    assert rx.options.max_mem == 4 << 20


@pytest.mark.parametrize("kind", sorted(REFUSED))
def test_unsupported_syntax_is_refused(kind: str) -> None:
    with pytest.raises(PatternError, match="RE2 cannot compile it"):
        compile_pattern(REFUSED[kind])


@pytest.mark.parametrize("pattern, why", [("", "non-empty"), ("a*", "empty string"), ("x" * (MAX_REGEX_LEN + 1), "longer"),
                                          ("a\x00b", "NUL"), ("(unclosed", "RE2 cannot compile")])
def test_other_refusals(pattern: str, why: str) -> None:
    with pytest.raises(PatternError, match=why):
        compile_pattern(pattern)


@pytest.mark.parametrize("pattern", [r"[^x]{1,1000}y", r".{50,1000}z", r"(?:\p{L}{0,15}){1,10}z", r"\p{Han}{1,500}x",
                                     r"(?:.{0,100}){1,5}z"])
def test_patterns_compiling_to_a_large_program_are_refused(pattern: str) -> None:
    """RE2's time is linear in the text times, once its DFA outgrows the memory budget, the size of the compiled
    program: one published [^x]{1,1000}y made the scan of a 20,000-character text take over a second
    (bench/bench_regex_program.py), and every trending text and masked text paid it."""
    with pytest.raises(PatternError, match="instructions"):
        compile_pattern(pattern)
    compile_pattern(r"赌.{0,150}场")  # a proximity rule of a sensible reach stays


def test_hit_group_and_resume_at_its_end() -> None:
    rx = compile_pattern(r"(?:^|[^a-z0-9])(?P<hit>[a-z]+\d)(?:$|[^a-z0-9])")
    # the space after "ab1" is consumed by the first match and still starts the second one
    assert list(RegexText("ab1 cd2 xef3!").spans(rx)) == [(0, 3), (4, 7), (8, 12)]
    assert list(RegexText("ab1cd2").spans(rx)) == []  # no boundary between them
    assert list(RegexText("一ab1，二cd2").spans(rx)) == [(1, 4), (6, 9)]  # character offsets, not bytes
    whole = compile_pattern(r"vx\d{3}")
    assert list(RegexText("加vx123 vx456").spans(whole)) == [(1, 6), (7, 12)]


def test_non_ascii_digits_count_as_digits() -> None:
    """RE2's \\d is ASCII: the text is matched with every decimal digit as 0-9 (Python's \\d did that)."""
    rx = compile_pattern(r"vx\d{6}")
    assert list(RegexText("加vx١٢٣٤٥٦好").spans(rx)) == [(1, 9)]


def test_catastrophic_shape_is_accepted_and_linear() -> None:
    rx = compile_pattern(CATASTROPHIC)
    text = RegexText("a" * 200_000 + "!")
    assert list(text.spans(rx)) == []
    assert list(RegexText("abc def 7").spans(rx)) == [(0, 9)]


def _run_with_timeout(code: str, timeout: float = 60) -> str:
    """Run ``code`` in a fresh interpreter on this checkout; a backtracking engine would not finish."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    try:
        res = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True,
                             timeout=timeout)
    except subprocess.TimeoutExpired:
        pytest.fail(f"pattern scan did not finish in {timeout} s (backtracking regex engine?)")
    assert res.returncode == 0, res.stderr
    return res.stdout


def test_attack_inputs_scan_fast(tmp_path: Path) -> None:
    """The shipped 联系方式招揽 entry stacks four \\s* groups ("加" + 400 spaces took minutes on Python's
    re), and an editor and an approver could publish (?:[a-z]+\\s?)+\\d$ (exponential): both run on RE2 now."""
    evil = _yaml(tmp_path, CATASTROPHIC, "evil.yaml", term="数字结尾")
    out = _run_with_timeout(
        "from plugin import Matcher\n"
        f"m = Matcher.from_lexicons([{PATTERNS!r}, {str(evil)!r}], bundled=False)\n"
        "for n in (300, 400, 3000):\n"
        "    assert m.scan('加' + ' ' * n + '!') == []\n"
        "    assert m.scan('联系' + ' ' * n + '，') == []\n"
        "assert m.scan('a' * 5000 + '!') == []\n"
        "assert m.scan('a ' * 2000 + '!') == []\n"
        "hits = m.scan('加' + ' ' * 400 + 'v：abc12345')\n"
        "print(hits[0].term, hits[0].start, hits[0].end)\n"
        "print([h.term for h in m.scan('abc def 7')])\n")
    first, second = out.splitlines()
    assert first.split() == ["联系方式招揽", "0", "411"]
    assert "数字结尾" in second


# --------------------------------------------------------------------------- the bundled patterns


def test_bundled_patterns_compile_on_re2() -> None:
    lex, problems = parse_lexicon_text(Path(PATTERNS).read_text(encoding="utf-8"), PATTERNS)
    assert not problems
    for e in lex.entries:
        assert type(compile_pattern(e.regex)).__module__ == "re2"
        assert "(?<" not in e.regex.replace("(?P<", "") and "(?=" not in e.regex and "(?!" not in e.regex


def test_rewritten_patterns_catch_what_the_old_ones_caught() -> None:
    """Each bundled rewrite finds exactly the spans its lookaround original found (Python's re) on
    random text made of the pieces the patterns care about."""
    pieces = list("abcxyz0123456789-_ .。点:：+!") + ["dot", "top", "com", "vip", "cn", "加我", "加", "v", "vx", "微信",
                                                      "qq", "号", "联系", "13812345678", "٣", "\x00"]
    rng = random.Random(7)
    for old, new in LEGACY_PATTERNS.items():
        ro, rn = re.compile(old), compile_pattern(new)
        for _ in range(4000):
            view = RegexText("".join(rng.choice(pieces) for _ in range(rng.randint(0, 14))))
            assert [m.span() for m in ro.finditer(view.text)] == list(view.spans(rn)), view.text


@pytest.mark.parametrize("text, surface", [
    ("复制 ab12c.top 进入", "ab12c.top"),
    ("网址 abc.top/ddd.vip", "abc.top"),
    ("加v：abc12345，谢谢", "加v：abc12345"),
    ("加v：abc12345", "加v：abc12345"),
])
def test_hit_spans_exclude_boundary_characters(bundled_matcher: Matcher, text: str, surface: str) -> None:
    hits = [h for h in bundled_matcher.scan(text) if h.technique == "pattern"]
    assert hits and hits[0].surface == surface
    assert all(text[h.start:h.end] == h.surface for h in hits)


def test_adjacent_domains_both_hit(bundled_matcher: Matcher) -> None:
    """The boundary consumed after the first domain still starts the second (the scan resumes at the hit's end)."""
    hits = [h.surface for h in bundled_matcher.scan("abc.top ddd.vip") if h.technique == "pattern"]
    assert hits == ["abc.top", "ddd.vip"]


def test_patterns_of_an_earlier_release_are_read_as_their_rewrites() -> None:
    """A store seeded by an older release holds the lookaround patterns: reading them must not fail."""
    for old, new in LEGACY_PATTERNS.items():
        e = entry_from_dict({"term": "旧模式", "category": "spam_pattern", "regex": old})
        assert e.regex == new


def test_a_published_lookaround_pattern_is_disabled_not_fatal() -> None:
    """A version published by an earlier release may hold a pattern RE2 refuses: the version still
    loads (the store can publish a fix on top of it) and the matcher leaves that entry out."""
    data = {"term": "旧模式", "category": "gambling", "regex": REFUSED["lookbehind"]}
    with pytest.raises(ValueError, match="invalid regex"):
        entry_from_dict(data)  # a draft or a file: refused
    old = entry_from_dict(data, source="v3", stored=True)
    ok = entry_from_dict({"term": "线上赌场", "category": "gambling"})
    m = Matcher.from_entries([old, ok])
    assert m.disabled_patterns == ("gambling:旧模式",)
    assert [h.term for h in m.scan("加vx123 线上赌场")] == ["线上赌场"]


def test_variant_techniques_are_matcher_techniques() -> None:
    assert set(VARIANT_TECHNIQUES) <= set(TECHNIQUE_RANK) - {"pattern"}


# --------------------------------------------------------------------------- refused everywhere, naming the entry


@pytest.mark.parametrize("kind", sorted(REFUSED))
def test_file_parse_names_the_entry(tmp_path: Path, kind: str) -> None:
    p = _yaml(tmp_path, REFUSED[kind])
    problems = [str(x) for x in lint_lexicon(str(p))]
    assert len(problems) == 1, problems
    assert problems[0].startswith(f"{p}:4: error: entry '坏模式': invalid regex")
    assert "RE2 cannot compile it" in problems[0]


def test_lint_cli_refuses_without_traceback(tmp_path: Path) -> None:
    p = _yaml(tmp_path, REFUSED["lookbehind"])
    res = CliRunner().invoke(cli, ["lexicon", "lint", str(p)])
    assert res.exit_code == 1
    assert res.exception is None or isinstance(res.exception, SystemExit)
    assert f"{p}:4: error: entry '坏模式': invalid regex" in res.output
    assert "Traceback" not in res.output


def test_store_refuses_a_draft_pattern(db_path: Path) -> None:
    store = LexiconStore(db_path, make_config(), matcher_factory=fake_factory)
    store.ensure_seeded()
    cs = store.create_changeset("ed")
    with pytest.raises(ValidationError) as err:
        store.set_change(cs, "add", entry={"term": "坏模式", "category": "gambling", "regex": REFUSED["backreference"]},
                         editor="ed")
    assert "entry '坏模式': invalid regex" in err.value.issues[0].message
    rep = store.import_files([str(_yaml(db_path.parent, REFUSED["lookahead"], "gambling.yaml"))], author="ed")
    assert not rep.ok and rep.changeset_id is None
    msgs = [(i.source, i.line, i.message) for i in rep.issues if i.level == "error"]
    assert msgs and msgs[0][1] == 4 and "entry '坏模式': invalid regex" in msgs[0][2]
    store.close()


def test_admin_import_refuses_a_pattern(db_path: Path) -> None:
    from fastapi.testclient import TestClient

    from tests.service.editorial_app import make_app
    from tests.service.tokens import make_tokens
    app = make_app(db_path)
    token = make_tokens(db_path)["ed"]
    content = _yaml(db_path.parent, REFUSED["lookbehind"]).read_text(encoding="utf-8")
    with TestClient(app) as c:
        r = c.post("/v1/admin/import", headers={"Authorization": f"Bearer {token}"},
                   json={"files": [{"name": "gambling.yaml", "content": content}]})
    assert r.status_code == 422
    issue = [i for i in r.json()["issues"] if i["level"] == "error"][0]
    assert issue["source"] == "gambling.yaml" and issue["line"] == 4
    assert "entry '坏模式': invalid regex" in issue["message"]


def test_a_pattern_set_says_which_patterns_occur_in_one_pass() -> None:
    patterns = PatternSet([r"微信|vx", r"\d{5,}", r"网址"])
    assert patterns.size == 3
    assert RegexText("加vx 123456 详聊").occurring(patterns) == [0, 1]
    assert RegexText("１２３４５６").occurring(patterns) == [1]  # digits fold as for one pattern
    assert RegexText("今天天气不错").occurring(patterns) == []
    with pytest.raises(PatternError):
        PatternSet([r"(a)\1"])  # refused as one pattern would be
