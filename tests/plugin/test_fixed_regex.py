"""Fixed patterns on RE2: no stdlib ``re`` in the product, the helpers, and the rewritten patterns
compared with the backtracking originals (kept here, in the tests only) on seeded random text."""

from __future__ import annotations

import ast
import random
import re
from pathlib import Path
from typing import Callable

import pytest

from plugin import fixed_regex, normalize, numerals
from plugin.matching import latin_repeat, split
from plugin.rumors import analysis
from plugin.search import dsl
from tests.paths import ROOT

_ALPHABET = (list("0123456789..··・月日号份十一二三两百千万亿第扣了分多余个人岁吗吧呢？?，, 　\n\t为什么啥咋回事期间假期五一国庆广场路cC°"
                  "abzAND OR NOT TO:/\\*_-哈好天天xX代写论文💰征信修复时时彩ssccaamm")
             + ["\x00", "\x01", "𠀋", "\u200b", "什么时候", "劳动节", "咋回事", "http://", "title:", "℃", "°c", "五一劳动节",
                "/ab/", "\\/", "a.b*:", "3.5", "7.26", "十一期间", "二十", "考了", "多人", "是真的吗", "吗？", "吗，", "为啥",
                "2020", " AND ", "x:y", "\\u4e2d", "扣了五分", "一千多人", "七十个", "60°c"])


def _random_texts(n: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    return ["".join(rng.choice(_ALPHABET) for _ in range(rng.randint(1, 24))) for _ in range(n)]


def _stdlib_re_users(root: Path) -> list[str]:
    """``path:line`` of every import of the stdlib ``re`` module under ``root``."""
    out = []
    for path in sorted(root.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            if any(name == "re" or name.startswith("re.") for name in names):
                out.append(f"{path.relative_to(root.parent)}:{node.lineno}")
    return out


@pytest.mark.parametrize("package", ["plugin", "service"])
def test_no_backtracking_regex_in_the_product(package: str) -> None:
    assert _stdlib_re_users(ROOT / package) == []


def test_the_scan_finds_a_stdlib_import(tmp_path: Path) -> None:
    pkg = tmp_path / "pkg"
    pkg.mkdir()
    (pkg / "a.py").write_text("import os\nimport re\n", encoding="utf-8")
    (pkg / "b.py").write_text("from re import compile\nimport re2\n", encoding="utf-8")
    assert _stdlib_re_users(pkg) == ["pkg/a.py:2", "pkg/b.py:1"]


def test_space_and_word_classes_mean_what_python_means() -> None:
    space = fixed_regex.compile(f"[{fixed_regex.SPACE}]")
    word = fixed_regex.compile(f"[{fixed_regex.WORD}]")
    for cp in range(0x10000):
        if 0xD800 <= cp <= 0xDFFF:
            continue
        ch = chr(cp)
        assert (space.fullmatch(ch) is not None) == ch.isspace(), hex(cp)
        assert (word.fullmatch(ch) is not None) == (re.fullmatch(r"\w", ch) is not None), hex(cp)


def test_refused_pattern_names_itself() -> None:
    with pytest.raises(ValueError, match=r"RE2 cannot compile '\(a\)\\\\1'"):
        fixed_regex.compile(r"(a)\1")
    with pytest.raises(ValueError, match="RE2 cannot compile"):
        fixed_regex.compile("a(?=b)")


def test_surrogates_are_read_as_replacement_characters() -> None:
    rx = fixed_regex.compile("[\u4e00-\u9fff]+")
    assert rx.search("ab中\ud800文").span() == (2, 3)
    assert [m.span() for m in rx.finditer("中\ud800文")] == [(0, 1), (2, 3)]
    assert rx.sub("X", "中\ud800文") == "X\ufffdX"
    assert fixed_regex.first_surrogate("ab\udc00c") == 2
    assert fixed_regex.first_surrogate("中文") is None
    assert fixed_regex.without_surrogates("a\ud800b") == "a\ufffdb"


def _lookaround_reference(text: str) -> list[tuple[int, int]]:
    return [m.span() for m in re.finditer(r"(?<![a-z])[a-z]+:(?!//)", text)]


def test_checked_matches_equal_a_lookaround() -> None:
    rx = fixed_regex.compile_bytes(rb"[a-z]+:")
    rng = random.Random(3)
    for _ in range(3000):
        text = "".join(rng.choice("ab:/中 x") for _ in range(rng.randint(0, 16)))

        def accept(m: fixed_regex.CheckedMatch, text: str = text) -> bool:
            return not (m.start() > 0 and text[m.start() - 1].isalpha() and text[m.start() - 1].isascii()) \
                and text[m.end():m.end() + 2] != "//"

        got = [m.span() for m in fixed_regex.finditer_checked(rx, text, accept)]
        assert got == _lookaround_reference(text), text


# The originals (Python's backtracking engine), kept here as the reference the rewrites must equal.
_REPEAT = re.compile(r"([\u3400-\u4dbf\u4e00-\u9fff])\1+")
_LATIN_RUNS = re.compile(r"([a-z])\1+")
_LETTER_SEPARATED = re.compile(
    "(?:[\u4e00-\u9fff]([a-z0-9\uf800-\uf8ff])(?=[\u4e00-\u9fff]))(?:[\u4e00-\u9fff]\\1(?=[\u4e00-\u9fff]))+")
_MIXED_SEPARATED = re.compile("(?:[\u4e00-\u9fff][a-z0-9](?=[\u4e00-\u9fff])){2,}")
_ONE_LETTER = re.compile("[\u4e00-\u9fff][a-z](?=[\u4e00-\u9fff])")
_DATE_RE = re.compile(r"(?<![\d.])(1[0-2]|0?[1-9])月(?:份)?(?:(3[01]|[12]\d|0?[1-9])[日号](?!\d))?")
_INTENT_RE = re.compile("(?<!为)什么|怎么|怎样|如何|哪个|哪些|哪里|哪家|哪儿|多少钱|几点|什么时候|攻略|教程|"
                        "咋(?!回事)|(?<!为)啥|干嘛用|干啥用|有啥用|哪能买")
_FIELD_PREFIX = re.compile(r"(?<![\w\\])[A-Za-z_][\w.*]*:(?!//)")
_BOOL_WORDS = re.compile(r"(?<![\w])(AND|OR|NOT|TO)(?![\w])")
_QS_REGEXP = re.compile(r"(?<![\w\\/])/((?:\\.|[^/\\])+)/")


def _separators_reference(dense: str) -> list[int]:
    seen: set[int] = set()
    for rx in (_LETTER_SEPARATED, _MIXED_SEPARATED, _ONE_LETTER):
        for m in rx.finditer(dense):
            seen.update(range(m.start(), m.end() - 1, 2))
    return sorted(seen)


@pytest.mark.parametrize("name, got, want", [
    ("repeats collapsed", lambda t: normalize.collapse_runs(t, normalize.repeat_runs(t)), lambda t: _REPEAT.sub(r"\1", t)),
    ("latin runs folded", latin_repeat.fold_latin_runs, lambda t: _LATIN_RUNS.sub(r"\1", t)),
    ("separated characters", lambda t: [s.start for s in split.separator_spellings(t)], _separators_reference),
    ("dates", lambda t: [(s, e, mo, d) for s, e, mo, d in analysis._dates(t)],  # noqa: SLF001 - the rewrite under test
     lambda t: [(m.start(), m.end(), m.group(1), m.group(2)) for m in _DATE_RE.finditer(t)]),
    ("intent", analysis.has_intent, lambda t: _INTENT_RE.search(t) is not None),
])
def test_rewrites_equal_the_backtracking_originals(name: str, got: Callable[[str], object],
                                                   want: Callable[[str], object]) -> None:
    for text in _random_texts(6000, seed=11) + ["哈哈哈好好学习", "sssccaaam", "代x写x论x文", "百a家b乐", "代写x论文", "第3期",
                                                  "1.5月3日", "5月12日3", "为什么时候", "咋回事", "11月8号"]:
        assert got(text) == want(text), (name, text)


def _query_syntax_reference(query: str) -> str:
    text = _QS_REGEXP.sub(lambda m: f" {dsl.strip_regexp_syntax(m.group(1))} ", dsl._unescape_unicode(query))  # noqa: SLF001
    text = _FIELD_PREFIX.sub(" ", text)
    text = _BOOL_WORDS.sub(" ", text)
    text = re.sub(r"[~^][0-9.]*", " ", text)
    text = re.sub(r"\\(.)|[+\-!(){}\[\]\"|&<>=/*?]", lambda m: m.group(1) or " ", text)
    return " ".join(text.split())


def test_query_syntax_stripping_equals_the_lookaround_original() -> None:
    for text in _random_texts(6000, seed=5) + ['title:"大蒜 预防" AND (新冠 OR 肺炎)^2', "a:b:c", "http://x.cn 赌博",
                                                "/赌.*场/ x", "a/b/c", "ANDROID OR 中AND文"]:
        assert dsl.strip_query_syntax(text) == _query_syntax_reference(text), text


@pytest.mark.parametrize("text, want", [
    ("五一去哪玩", "5月去哪玩"),
    ("五一广场见", "五一广场见"),
    ("五一劳动节路口", "5月劳动节路口"),  # the shorter name 五一 is no place name's head here
    ("国庆路堵车", "国庆路堵车"),
    ("7.26发布", "7月26日发布"),
    ("3.5%", "3.5%"),
    ("v1.2", "v1.2"),
    ("a1・12.5", "a1・12月5日"),
    ("12.3分", "12.3分"),
])
def test_dates_to_digits(text: str, want: str) -> None:
    assert numerals.dates_to_digits(text) == want


@pytest.mark.parametrize("text, want", [
    ("三万人", "30000人"),
    ("一艘船", "1艘船"),
    ("一天", "一天"),
    ("3万分之一", "3万分之一"),
    ("1.5万月薪", "15000月薪"),
])
def test_quantities_to_digits(text: str, want: str) -> None:
    assert numerals.quantities_to_digits(text) == want


@pytest.mark.parametrize("text, want", [
    ("60°c高温", "60度高温"),
    ("5c6c", "5c6度"),
    ("十一期间出游", "10月期间出游"),
    ("二十一期间", "21期间"),  # a number of 期, not the holiday
    ("一千多人感染", "1000多人感染"),
    ("扣了六分", "扣了6分"),
    ("大蒜能防新冠吗？", "大蒜能防新冠"),
    ("真的吗，假的", "，假的"),
])
def test_clean_folded(text: str, want: str) -> None:
    assert analysis.clean_folded(text).split() == want.split()


def test_the_vertical_join_search_is_linear() -> None:
    # many one-character line runs: the join searches UTF-8 bytes from an offset (no re-encoding)
    text = ("代\n开\n发\n票\n这是一句话\n" * 5000)
    dense = normalize.normalize(text).dense
    assert dense.count("代开发票") == 5000



@pytest.mark.parametrize("pattern, template, text", [
    ("x", "\ufffd", "axb"),  # a replacement beyond ASCII (RE2's own expansion garbles it)
    ("(x)", "中\\1", "axbx"),
    ("(中)", r"\1\1", "a中b"),
    ("(?P<n>中)", r"<\g<n>>", "a中b中"),
    (r"(//[^:/@]+):[^@/]*@", r"\1:***@", "postgresql://u:pw@h/db"),
    ("(a)(b)(c)(d)(e)(f)(g)(h)(i)(j)(k)", r"\11\10", "abcdefghijk"),
])
def test_sub_templates_mean_what_python_means(pattern: str, template: str, text: str) -> None:
    assert fixed_regex.compile(pattern).sub(template, text) == re.sub(pattern, template, text)
