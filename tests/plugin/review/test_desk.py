"""What the review desk reads from stored items (plugin/review/desk.py) and how clauses are cited
(plugin/review/clauses.py: ``citation``)."""

from __future__ import annotations

import datetime as dt

import pytest

from plugin.review import desk
from plugin.review.clauses import CLAUSES, citation, clause

NOW = dt.datetime(2026, 5, 1, 12, 0, tzinfo=dt.timezone.utc)


def _item(results: list[dict], created: str = "2026-05-01T10:00:00+00:00", requeued: dict | None = None) -> dict:
    return {"id": "rv_1", "created_at": created, "requeued": requeued,
            "automatic": {"rule_results": results, "reasons": []}}


LEXICON = {"rule": "lexicon", "clause": clause("000 二.3"), "decision": "approve_with_labels",
           "detail": "title/text hits clickbait terms (label): 震惊",
           "data": {"category": "clickbait", "action": "label", "term_ids": ["clickbait:震惊"]}}
GAMBLING = {"rule": "lexicon", "clause": clause("000 三.1"), "decision": "review",
            "detail": "title/text hits gambling terms (review): 澳门首家",
            "data": {"category": "gambling", "action": "review", "term_ids": ["gambling:澳门首家"]}}
MATRIX = {"rule": "matrix_accounts", "clause": clause("000 三.2"), "decision": "review", "detail": "near-duplicate",
          "data": {"links": [{"candidate_id": "c9", "account_id": "a9", "shared": "owner", "value": "o1",
                              "similarity": 0.9}]}}


def test_categories_rules_and_age() -> None:
    item = _item([LEXICON, GAMBLING, MATRIX])
    assert desk.item_categories(item) == ["clickbait", "gambling"]
    assert desk.item_rules(item) == ["lexicon", "matrix_accounts"]
    assert desk.item_age_hours(item, NOW) == pytest.approx(2.0)
    requeued = _item([GAMBLING], requeued={"at": "2026-05-01T11:30:00+00:00", "by_item_id": "rv_2", "reason": "x"})
    assert desk.item_age_hours(requeued, NOW) == pytest.approx(0.5)  # waiting since it was requeued
    assert desk.item_rules(requeued) == ["lexicon", "matrix_accounts"]
    assert desk.matrix_links(item)[0]["candidate_id"] == "c9" and desk.matrix_links(requeued) == []


def test_filters_combine() -> None:
    old, new = _item([LEXICON], "2026-04-30T12:00:00+00:00"), _item([GAMBLING], "2026-05-01T11:00:00+00:00")
    items = [old, new]
    assert desk.filter_items(items, category="clickbait", now=NOW) == [old]
    assert desk.filter_items(items, min_age_hours=2, now=NOW) == [old]
    assert desk.filter_items(items, rule="matrix_accounts", now=NOW) == []
    assert desk.filter_items(items, surface="trending", now=NOW) == items
    assert desk.filter_items(items, surface="query", now=NOW) == []  # the queue holds trending candidates only


def test_reasons_read_as_an_operator_expects() -> None:
    [clickbait, gambling] = desk.readable_reasons(_item([LEXICON, GAMBLING]), "zh")
    assert clickbait == {"rule_id": "lexicon", "rule": "词库命中", "decision": "加标签通过",
                         "clause": "《清朗·整治“自媒体”无底线博流量》二.3 以偏概全设置话题",
                         "detail": "标题/正文命中标题党词条（加标签）：震惊"}
    assert gambling["detail"] == "标题/正文命中赌博词条（送审）：澳门首家"
    [english] = desk.readable_reasons(_item([GAMBLING]), "en")
    assert english["detail"] == "title/text hits Gambling terms (review): 澳门首家" and english["rule"] == "lexicon hit"


@pytest.mark.parametrize("written, cited", [
    ("000 二.3", "《清朗·整治“自媒体”无底线博流量》二.3 以偏概全设置话题"),
    (clause("001 第6条"), "《关于加强“自媒体”管理的通知》第6条 完善谣言标签功能"),
    (clause("000 三.1") + "；" + clause("001 第7条"),
     "《清朗·整治“自媒体”无底线博流量》三.1 热搜榜单强化拟上榜信息审核；《关于加强“自媒体”管理的通知》第7条 规范账号运营行为"),
    ("2023 notice measures 7, 10; 2024 campaign 二.2 (操纵矩阵账号制造虚假热点)",
     "《关于加强“自媒体”管理的通知》第7、10条；《清朗·整治“自媒体”无底线博流量》二.2 (操纵矩阵账号制造虚假热点)"),
    ("2024 campaign 二.3 / 二.5; 三.1, 三.4 (流量限制)",
     "《清朗·整治“自媒体”无底线博流量》二.3 / 二.5；《清朗·整治“自媒体”无底线博流量》三.1, 三.4 (流量限制)"),
    ("seed 001 headline list (赌博SEO)", "seed 001 headline list (赌博SEO)"),
    ("", ""),
])
def test_citation(written: str, cited: str) -> None:
    assert citation(written) == cited


def test_every_clause_is_cited_by_its_notice_title_not_its_seed_number() -> None:
    for key, text in CLAUSES.items():
        for form in (key, text):
            out = citation(form)
            assert out.startswith("《") and not out.startswith(("000", "001")) and "（" not in out, form
