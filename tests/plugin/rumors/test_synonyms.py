"""The editable colloquial-synonym table (plugin.rumors.synonyms, data/synonyms.yaml)."""

from __future__ import annotations

import pytest

from plugin.rumors.analysis import analyze
from plugin.rumors.synonyms import SYNONYMS_PATH, SynonymTableError, default_table, lint, main, parse


def test_the_bundled_table_lints_clean() -> None:
    assert lint(SYNONYMS_PATH.read_text(encoding="utf-8")) == []
    table = default_table()
    assert table.forms["打针"] == "接种疫苗" and "靠谱不" in table.frames
    assert main([str(SYNONYMS_PATH)]) == 0


@pytest.mark.parametrize(("text", "problem"), [
    ("synonyms: {孩子: [孩子们]}", "contains its canonical word"),
    ("synonyms: {孩子: [娃]}", "must have 2-12 characters"),
    ("synonyms: {孩子: [小娃], 儿童: [小娃]}", "already a form of"),
    ("synonyms: {孩子: [儿童], 儿童: [小朋友]}", "itself a canonical word"),
    ("synonyms: {孩子: 小娃}", "expected a list"),
    ("frames: [是真的吗, 是真的吗]", "listed twice"),
    ("other: 1", "unknown sections"),
    ("- a\n- b", "must be a mapping"),
    ("synonyms: &a {孩子: [小娃]}", "anchors"),
])
def test_lint_names_each_problem(text: str, problem: str) -> None:
    problems = lint(text)
    assert any(problem in p for p in problems), problems
    with pytest.raises(SynonymTableError):
        parse(text)


def test_main_reports_a_bad_file(tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "bad.yaml"
    path.write_text("synonyms: {孩子: [孩子们]}\n", encoding="utf-8")
    assert main([str(path)]) == 1
    assert "contains its canonical word" in capsys.readouterr().out


def test_claims_and_queries_share_the_canonical_word() -> None:
    claim = analyze("儿童接种疫苗后发烧")
    for query in ("我家娃打针后发烧", "小朋友打加强针以后发烧了靠谱不"):
        assert set(claim.words) <= set(analyze(query).words), query


def test_frames_are_dropped_and_colloquial_questions_are_informational() -> None:
    assert analyze("长春要静默了，求证").words == analyze("长春要静默了").words
    assert analyze("口罩呼吸阀是干嘛用的").intent
    assert not analyze("长春静默是怎么回事").intent
