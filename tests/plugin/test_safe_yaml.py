"""plugin.safe_yaml: no anchors / aliases / merge keys, bounded size and depth, errors with a line."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from plugin import LexiconError, lint_lexicon
from plugin.lexicon import parse_lexicon_text
from plugin.safe_yaml import MAX_DEPTH, MAX_YAML_BYTES, YamlProblem, compose, load
from plugin.variants import load_variant_tables
from tests.paths import ROOT

#: "Billion laughs": nine levels of nine aliases each (9^9 "lol"s once expanded) in ~500 bytes.
BOMB = ('a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n'
        + "".join(f"{b}: &{b} [{', '.join(['*' + a] * 9)}]\n" for a, b in zip("abcdefgh", "bcdefghi"))
        + "category: gambling\nentries: *i\n")

@pytest.mark.parametrize("text, line, what", [
    (BOMB, 1, "anchors (&a) are not allowed"),
    ("category: gambling\nctx: &w [a, b]\nentries: [x]\n", 2, "anchors (&w)"),
    ("category: gambling\nentries:\n  - term: 赌\n    note: *nothing\n", 4, "aliases (*nothing) are not allowed"),
    ("category: gambling\nentries:\n  - {<<: {term: 赌场}, note: x}\n", 3, "merge keys (<<) are not allowed"),
    ("category: gambling\nentries: " + "[" * (MAX_DEPTH + 5) + "]" * (MAX_DEPTH + 5) + "\n", 2,
     f"nesting deeper than {MAX_DEPTH} levels"),
    ("category: gambling\nseverity: " + "9" * 5000 + "\nentries: [x]\n", 2, "number longer than 64 characters"),
    ("category: gambling\nseverity: " + "1:" * 5000 + "1\nentries: [x]\n", 2, "number longer than 64"),
    ("category: gambling\nentries:\n  - 赌\x00场\n", 3, "character U+0000 is not allowed"),
    ("category: gambling\nentries:\n  - 赌\ud800场\n", 3, "unpaired surrogate"),
    ("category: gambling\nentries:\n  - {[1]: 2}\n", 3, "unhashable key"),
    ("category: gambling\nentries:\n  - !!python/object:os.system {term: x}\n", 3, "could not determine a constructor"),
    ("category: gambling\nentries: [x]\n---\ncategory: x\n", 3, "expected a single document"),
])
def test_refused_with_line(text: str, line: int, what: str) -> None:
    with pytest.raises(YamlProblem) as err:
        load(text)
    assert err.value.line == line and what in err.value.message
    problems = parse_lexicon_text(text, "x.yaml")[1]  # the lexicon parser reports it, never raises
    assert [(p.line, p.severity) for p in problems][:1] == [(line, "error")], problems
    assert what in problems[0].message


def test_size_is_bounded() -> None:
    big = "category: gambling\nnote: " + "a" * MAX_YAML_BYTES + "\nentries: [x]\n"
    with pytest.raises(YamlProblem, match=f"larger than the limit of {MAX_YAML_BYTES} bytes"):
        compose(big)


def test_impossible_date_stays_text_and_plain_values_load() -> None:
    assert load("a: 2025-02-30\nb: 2025-02-28\nc: [1, 2.5, yes, ~]\n") == {
        "a": "2025-02-30", "b": dt.date(2025, 2, 28), "c": [1, 2.5, True, None]}
    assert load("") is None


def test_bomb_through_a_lexicon_file_is_cheap(tmp_path: Path) -> None:
    """Today's 10 s / 240 MB: refused at the first anchor, before anything is expanded."""
    p = tmp_path / "gambling.yaml"
    p.write_text(BOMB, encoding="utf-8")
    problems = [str(x) for x in lint_lexicon(str(p))]
    assert problems == [f"{p}:1: error: invalid YAML: YAML anchors (&a) are not allowed in lexicon files: "
                        "write the value out"]


def test_variant_tables_use_the_safe_loader(tmp_path: Path) -> None:
    shape = tmp_path / "shape.yaml"
    shape.write_text("groups:\n  - &g [己, 已]\n  - *g\n", encoding="utf-8")
    split = tmp_path / "split.yaml"
    split.write_text("splits:\n  张: [弓长]\n", encoding="utf-8")
    with pytest.raises(LexiconError, match=r"shape.yaml:2: error: invalid YAML: YAML anchors"):
        load_variant_tables(str(shape), str(split))


def test_bundled_yaml_files_have_no_anchors() -> None:
    """Every shipped YAML file loads with the safe loader (lexicons, variant tables, review terms)."""
    root = ROOT
    files = [*root.glob("lexicons/**/*.yaml"), *root.glob("plugin/**/*.yaml")]
    assert len(files) >= 12
    for f in files:
        load(f.read_text(encoding="utf-8"))
