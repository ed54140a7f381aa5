"""Lexicon files: formats, defaults, and clear errors with line numbers."""

from __future__ import annotations

from pathlib import Path

import pytest

from plugin import LexiconError, Matcher, lint_lexicon, load_lexicon
from plugin.lexicon import parse_lexicon_text


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


# --------------------------------------------------------------------------- malformed input: errors, never exceptions

_E = "category: gambling\nentries:\n  - term: 赌场\n"  # an entry at line 3; cases append its fields


@pytest.mark.parametrize("text, line, fragment", [
    ("category:\nentries:\n  - 赌场\n", 1, "header field 'category' has no value"),
    ("category: gambling\nclause:\nentries:\n  - 赌场\n", 2, "clause must be text, got no value"),
    (_E + "    valid_from: 2025-02-30\n", 3, "valid_from '2025-02-30' is not a date YYYY-MM-DD (day is out of range"),
    (_E + "    valid_to: 2025-13-01\n", 3, "valid_to '2025-13-01' is not a date"),
    (_E + "    valid_from: 20250101\n", 3, "valid_from must be a date YYYY-MM-DD, got 20250101"),
    (_E + "    severity: .inf\n", 3, "severity must be an integer 1-5, got inf"),
    (_E + "    severity: 2.5\n", 3, "got 2.5"),
    (_E + "    severity: [1]\n", 3, "got [1]"),
    ("category: gambling\nseverity: .nan\nentries: [赌场]\n", 2, "got nan"),
    (_E + "    action: {a: 1}\n", 3, "unknown action {'a': 1}"),
    (_E + "    category: [a]\n", 3, "category ['a'] must be"),
    (_E + "    note: [1]\n", 3, "note must be text, got a list"),
    (_E + "    note: 2024-01-01\n", 3, "note must be text, got a date; quote it"),
    (_E + "    clause: {a: 1}\n", 3, "clause must be text, got a dict"),
    (_E + "    note: \"a\\x1bb\"\n", 3, "note contains control characters"),
    (_E + "    id: [x]\n", 3, "id must be non-empty text"),
    (_E + "    scope: [content]\n", 3, "scope must be one of"),
    (_E + "    boundary: {a: 1}\n", 3, "boundary must be one of"),
    (_E + "    techniques: [[pinyin]]\n", 3, "unknown technique(s)"),
    (_E + "    context: [警方]\n", 3, "context must be a mapping"),
    (_E + "    context: {within: .inf}\n", 3, "context.within must be an integer 1-200, got inf"),
    (_E + "    context: {excludes_any: header}\n", 3, "needs a header context with excludes_any"),
    (_E + "    variants: {a: 1}\n", 3, "variants must be a list"),
    (_E + "    variants: [{text: 赌城, technique: bogus}]\n", 3, "variant technique must be one of"),
    (_E + "    regex: {a: 1}\n", 3, "regex must be a string"),
    (_E + "    term: x\n", 4, "duplicate key 'term'"),
    ("category: gambling\ncontext: {excludes_any: header}\nentries: [赌场]\n", 2, "header only works in entries"),
    ("category: gambling\nlexicon: [a]\nentries: [赌场]\n", 2, "lexicon must be text"),
    ("category: gambling\n[a]: 1\nentries: [赌场]\n", 2, "a header field name must be a plain word"),
    ("category: gambling\nentries: {a: 1}\n", 2, "'entries' must be a list"),
    ("category: gambling\nentries:\n  - [赌场]\n", 3, "an entry must be a term string or a mapping"),
    ("category: gambling\nallow: [{a: 1}]\nentries: []\n", 2, "allow phrase must be a string, got dict"),
    ("- 赌场\n", 1, "a YAML lexicon must be a mapping"),
    ("category: gambling\nentries:\n  - 赌\x00场\n", 3, "character U+0000 is not allowed"),
    ("category: gambling\nentries:\n  - \"赌\\0场\"\n", 3, "contains control characters"),
])
def test_malformed_yaml_is_an_error_with_its_line(text: str, line: int, fragment: str) -> None:
    lex, problems = parse_lexicon_text(text, "gambling.yaml")
    errors = [p for p in problems if p.severity == "error"]
    assert errors and errors[0].line == line and fragment in errors[0].message, problems
    assert "Traceback" not in errors[0].message


@pytest.mark.parametrize("name, text, line, fragment", [
    ("a.tsv", "赌场\tgambling\tblock\t" + "9" * 5000 + "\n", 1, "severity must be an integer 1-5, got '9999"),
    ("a.tsv", "赌\x00场\tgambling\n", 1, "contains control characters"),
    ("a.tsv", "赌场\tgambling\tblock\t2.5\n", 1, "got '2.5'"),
    ("a.txt", "# severity: " + "9" * 5000 + "\n赌场\n", 1, "severity must be an integer 1-5"),
    ("a.txt", "# category:\n赌场\n", 1, "category '' must be"),
    ("a.txt", "赌\ud800场\n", 1, "contains control characters"),
])
def test_malformed_text_formats_are_errors(name: str, text: str, line: int, fragment: str) -> None:
    problems = parse_lexicon_text(text, name)[1]
    assert problems[0].line == line and fragment in problems[0].message and len(problems[0].message) < 200


def test_non_utf8_file_is_an_error_with_its_line(tmp_path: Path) -> None:
    p = tmp_path / "gambling.yaml"
    p.write_bytes("category: gambling\nentries:\n  - 赌场\n  - ".encode() + b"\xff\xfe\n")
    assert [str(x) for x in lint_lexicon(str(p))] == [f"{p}:4: error: file is not valid UTF-8"]
    with pytest.raises(LexiconError):
        load_lexicon(str(p))


def test_header_words_are_inherited_by_entries_and_variants() -> None:
    text = ("category: gambling\ncontext: {excludes_any: [警方, 破获], within: 9}\nentries:\n"
            "  - term: 赌场\n    context: {requires_any: [充值], excludes_any: header}\n"
            "    variants: [{text: 堵场, context: {excludes_any: header}}]\n")
    lex, problems = parse_lexicon_text(text, "gambling.yaml")
    assert not problems
    e = lex.entries[0]
    assert e.context.excludes_any == ("警方", "破获") and e.context.requires_any == ("充值",)
    assert e.context.within == 12 and e.variants[0].context.excludes_any == ("警方", "破获")
    assert e.to_dict()["context"]["excludes_any"] == ["警方", "破获"]  # stored and exported written out


def test_problems_are_capped_but_errors_still_counted() -> None:
    text = "".join(f"赌场{i}\tgambling\tbogus\n" for i in range(3000))
    lex, problems = parse_lexicon_text(text, "a.tsv")
    assert len(problems) == 501 and lex.entries == ()
    assert problems[-1].severity == "error" and "2500 more error(s)" in problems[-1].message


def test_enabled_and_tags_fields() -> None:
    from plugin.lexicon import parse_entry_dict

    entry, probs = parse_entry_dict({"term": "菠菜导师", "category": "gambling", "enabled": False,
                                     "tags": ["候选新词", "候选新词", "campaign"]})
    assert probs == [] and entry is not None and entry.enabled is False and entry.tags == ("campaign", "候选新词")
    assert entry.to_dict()["enabled"] is False and entry.to_dict()["tags"] == ["campaign", "候选新词"]
    plain, _ = parse_entry_dict({"term": "菠菜导师", "category": "gambling"})
    assert plain is not None and plain.enabled and "enabled" not in plain.to_dict() and "tags" not in plain.to_dict()
    for bad in ({"enabled": "no"}, {"tags": [""]}, {"tags": ["x" * 33]}, {"tags": list("abcdefghijklmnopq")},
                {"tags": ["a\x1b"]}, {"tags": {"a": 1}}):
        entry, probs = parse_entry_dict({"term": "菠菜导师", "category": "gambling", **bad})
        assert entry is None and probs, bad


def test_a_disabled_entry_is_not_compiled() -> None:
    from plugin.lexicon import parse_entry_dict

    on, _ = parse_entry_dict({"term": "菠菜导师", "category": "gambling", "action": "block"})
    off, _ = parse_entry_dict({"term": "百家乐", "category": "gambling", "action": "block", "enabled": False})
    m = Matcher.from_entries([on, off])
    assert [h.term for h in m.scan("菠菜导师和百家乐")] == ["菠菜导师"]


@pytest.mark.parametrize("text, where", [
    ("category: gambling\nentries:\n  - term: \u202e乐家百\n", "term"),
    ("category: gambling\nentries:\n  - term: 线上赌场\n    variants: [线上\u2066赌盘]\n", "variant"),
    ("category: gambling\nentries:\n  - term: 线上赌场\n    note: 见\u200f说明\n", "note"),
])
def test_a_bidirectional_control_in_a_lexicon_is_an_error(text: str, where: str) -> None:
    """``\\u202e乐家百`` reads as 百家乐: lint refuses it as the store does."""
    lex, problems = parse_lexicon_text(text, "x.yaml")
    errors = [p for p in problems if p.severity == "error"]
    assert errors and "bidirectional control" in errors[0].message and where in errors[0].message, problems


@pytest.mark.parametrize("sep", ["\u2028", "\u2029", "\x85", "\x0b", "\x0c"])
@pytest.mark.parametrize("name", ["gambling.txt", "x.tsv"])
def test_a_line_separator_inside_a_line_is_an_error_not_a_second_entry(sep: str, name: str) -> None:
    """Files split at LF only: ``str.splitlines`` made one line holding U+2028 / NEL / VT / FF two entries."""
    line = f"线上{sep}棋牌" + ("\tgambling" if name.endswith(".tsv") else "")
    lex, problems = parse_lexicon_text(f"{line}\r\n百家乐" + ("\tgambling" if name.endswith(".tsv") else "") + "\n",
                                       name)
    assert [e.term for e in lex.entries] == ["百家乐"]
    errors = [p for p in problems if p.severity == "error"]
    assert len(errors) == 1 and errors[0].line == 1 and "control characters" in errors[0].message, problems
