"""Lexicon files: formats, defaults, and clear errors with line numbers."""

from __future__ import annotations

from pathlib import Path

import pytest

from plugin import LexiconError, Matcher, lint_lexicon, load_lexicon


def _write(tmp_path: Path, name: str, text: str) -> str:
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return str(p)


def test_plain_file_with_header(tmp_path: Path) -> None:
    p = _write(tmp_path, "words.txt", "# category: gambling\n# action: block\n# clause: x\n\n赌博\n# comment\n投注\n")
    lex = load_lexicon(p)
    assert [(e.term, e.category, e.action, e.clause) for e in lex.entries] == [
        ("赌博", "gambling", "block", "x"), ("投注", "gambling", "block", "x")]
    assert lex.entries[1].source.endswith(":7")


def test_plain_file_category_from_name(tmp_path: Path) -> None:
    lex = load_lexicon(_write(tmp_path, "fraud.txt", "刷单返利\n"))
    assert lex.entries[0].category == "fraud" and lex.entries[0].action == "review"


def test_tsv(tmp_path: Path) -> None:
    lex = load_lexicon(_write(tmp_path, "x.tsv", "赌博\tgambling\tblock\t4\n震惊\tclickbait\n"))
    assert [(e.term, e.category, e.action, e.severity) for e in lex.entries] == [
        ("赌博", "gambling", "block", 4), ("震惊", "clickbait", "review", 2)]


@pytest.mark.parametrize(
    "name, text, line, needle",
    [
        ("a.tsv", "赌博\tgambling\n投注\tgambling\tdelete\n", 2, "unknown action"),
        ("a.tsv", "赌博\n", 1, "2-4 tab-separated columns"),
        ("a.tsv", "赌博\tGambling!\n", 1, "category"),
        ("a.tsv", "赌博\tgambling\tblock\t9\n", 1, "severity"),
        ("a.txt", "好\n\n  \n赌\t博\n", 4, "tab"),
        ("a.txt", "# category: gambling\n！！！\n", 2, "no matchable characters"),
        ("a.yaml", "category: gambling\nentries:\n  - term: 赌博\n    colour: red\n", 3, "unknown entry field"),
        ("a.yaml", "category: gambling\nentries:\n  - 赌博\n  - term: ''\n", 4, "empty term"),
        ("a.yaml", "category: gambling\nentries:\n  - term: 赌博\n    action: nuke\n", 3, "unknown action"),
        ("a.yaml", "category: gambling\nbogus: 1\nentries: [赌博]\n", 2, "unknown header field"),
        ("a.yaml", "category: gambling\nentries:\n  - term: 赌博\n    context: {near: [x]}\n", 3, "unknown context"),
        ("a.yaml", "category: gambling\nentries:\n  - term: 赌博\n    valid_from: tomorrow\n", 3, "valid_from"),
        ("a.yaml", "category: gambling\nentries:\n  - [赌博\n", 4, "invalid YAML"),
        ("a.yaml", "category: gambling\nentries:\n  - term: 赌博\n    action: block\n  - term: 赌博\n    action: label\n", 5, "conflicting duplicate"),
        ("a.yaml", "category: gambling\nentries:\n  - term: 赌博\n    techniques: [telepathy]\n", 3, "unknown technique"),
        ("a.yaml", "category: gambling\nentries:\n  - term: 赌博\n    note: a\n    action: block\n    note: b\n", 6, "duplicate key 'note'"),
        ("a.yaml", "category: gambling\nentries:\n  - term: 赌博\n    context:\n      within: 3\n      within: 4\n", 6, "duplicate key 'within'"),
    ],
)
def test_errors_name_the_line(tmp_path: Path, name: str, text: str, line: int, needle: str) -> None:
    p = _write(tmp_path, name, text)
    problems = [x for x in lint_lexicon(p) if x.severity == "error"]
    assert problems, "expected an error"
    assert any(x.line == line and needle in x.message for x in problems), [str(x) for x in problems]
    with pytest.raises(LexiconError) as exc:
        load_lexicon(p)
    assert needle in str(exc.value)


def test_not_utf8(tmp_path: Path) -> None:
    p = tmp_path / "bad.txt"
    p.write_bytes("赌博\n".encode() + b"\xff\xfe\n")
    problems = lint_lexicon(str(p))
    assert problems and problems[0].line == 2 and "UTF-8" in problems[0].message


def test_missing_file() -> None:
    with pytest.raises(LexiconError, match="cannot read"):
        load_lexicon("/nonexistent/lexicon.yaml")


def test_from_lexicons_collects_errors_of_all_files(tmp_path: Path) -> None:
    a = _write(tmp_path, "a.tsv", "x\n")
    b = _write(tmp_path, "b.tsv", "y\n")
    with pytest.raises(LexiconError) as exc:
        Matcher.from_lexicons([a, b], bundled=False)
    assert {p.path for p in exc.value.problems} == {a, b}


def test_yaml_full_entry_roundtrip(tmp_path: Path) -> None:
    p = _write(tmp_path, "g.yaml", """
lexicon: g
category: gambling
action: block
clause: "2023 notice measure 7"
source: test
licence: Apache-2.0
entries:
  - term: 博彩
    severity: 5
    note: promotion
    variants: [菠菜, {text: 企鹅, context: {requires_any: [加], within: 4}}]
    context: {excludes_any: [警方], within: 10}
    boundary: word
    valid_from: 2024-01-01
    valid_to: 2024-12-31
allow: [博彩业监管]
""")
    lex = load_lexicon(p)
    e = lex.entries[0]
    assert e.severity == 5 and e.clause == "2023 notice measure 7" and e.boundary == "word"
    assert [v.text for v in e.variants] == ["菠菜", "企鹅"] and e.variants[1].context.requires_any == ("加",)
    assert lex.entries[1].action == "allow"
    d = e.to_dict()
    assert d["valid_from"] == "2024-01-01" and d["context"]["excludes_any"] == ["警方"]


def test_short_variants_are_errors_and_short_terms_warn(tmp_path: Path) -> None:
    p = _write(tmp_path, "v.yaml", "category: x\nentries:\n  - term: 微信\n    variants: ['+V']\n  - 赌\n")
    problems = lint_lexicon(p)
    assert any(x.severity == "error" and x.line == 3 and "fewer than two" in x.message for x in problems)
    assert any(x.severity == "warning" and x.line == 5 and "single character" in x.message for x in problems)
