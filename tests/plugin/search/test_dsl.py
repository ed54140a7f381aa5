"""Query-text extraction from search DSL."""

import pytest

from plugin.search.dsl import (QueryTextExtractor, extract_query_text, extract_suggest_texts, reorderings,
                               strip_query_syntax)

CASES = [
    ({"query": {"match": {"title": "大蒜预防新冠"}}}, "大蒜预防新冠"),
    ({"query": {"match": {"title": {"query": "大蒜", "operator": "and"}}}}, "大蒜"),
    ({"query": {"match_phrase": {"body": "喝酒杀病毒"}}}, "喝酒杀病毒"),
    ({"query": {"multi_match": {"query": "网赌平台", "fields": ["title^3", "body"]}}}, "网赌平台"),
    ({"query": {"query_string": {"query": 'title:"百家乐 技巧" AND (必赢 OR 稳赚)^2'}}}, "百家乐 技巧 必赢 稳赚"),
    ({"query": {"simple_query_string": {"query": '"刷单 返利" +兼职 -招聘', "fields": ["title"]}}}, "刷单 返利 兼职 招聘"),
    ({"query": {"term": {"tag": {"value": "赌博"}}}}, "赌博"),
    ({"query": {"terms": {"tag": ["赌博", "彩票", 3]}}}, "赌博 彩票"),
    ({"query": {"bool": {"must": [{"match": {"title": "甲"}}], "should": {"match": {"title": "乙"}},
                         "filter": [{"term": {"title": "丙"}}], "must_not": [{"match": {"title": "丁"}}]}}},
     "甲 乙 丙"),
    ({"query": {"function_score": {"query": {"dis_max": {"queries": [{"match": {"t": "一"}}, {"match": {"t": "二"}}]}}}}},
     "一 二"),
    ({"query": {"constant_score": {"filter": {"match": {"t": "常"}}}}}, "常"),
    ({"query": {"boosting": {"positive": {"match": {"t": "正"}}, "negative": {"match": {"t": "负"}}}}}, "正"),
    ({"query": {"nested": {"path": "c", "query": {"match": {"c.text": "评论"}}}}}, "评论"),
    ({"query": {"match_all": {}}}, ""),
    ({"query": {"range": {"date": {"gte": "2024"}}}}, ""),
    ({"retriever": {"standard": {"query": {"match": {"t": "检索器"}}}}}, "检索器"),
    # what the engine reads, not what the body spells: Lucene unicode escapes, regular expressions
    ({"query": {"query_string": {"query": "\\u8d4c\\u573a"}}}, "赌场"),
    ({"query": {"query_string": {"query": "title:/百家.乐/ AND 技巧"}}}, "百家 乐 技巧"),
    ({"query": {"regexp": {"title": "赌.*场"}}}, "赌 场"),
    ({"query": {"regexp": {"title": {"value": "pk10.{0,3}计划", "flags": "ALL"}}}}, "pk10 计划"),
    ({"query": {"regexp": {"title": "\\u516d[合和]彩"}}}, "六合彩 六和彩"),
    ({"query": {"regexp": {"title": "百家[乐樂]"}}}, "百家乐 百家樂"),
    ({"query": {"regexp": {"title": "[x百]家乐"}}}, "x家乐 百家乐"),  # a decoy member first hides nothing
    ({}, ""),
    (None, ""),
]


@pytest.mark.parametrize("body,text", CASES)
def test_extract(body, text):
    assert extract_query_text(body) == text + reorderings(text)  # (short split queries: every order too)


def test_field_allow_list():
    body = {"query": {"bool": {"must": [{"match": {"title": "标题词"}}, {"match": {"author": "作者名"}}],
                               "should": [{"multi_match": {"query": "多字段", "fields": ["author", "title.zh^2"]}},
                                          {"multi_match": {"query": "无标题", "fields": ["author"]}},
                                          {"query_string": {"query": "默认", "default_field": "author"}}]}}}
    assert extract_query_text(body, fields=["title", "title.*"]) == "标题词 多字段"
    assert extract_query_text(body, fields=[]) == ""


def test_must_not_optional_and_q_param():
    body = {"query": {"bool": {"must_not": {"match": {"t": "排除"}}}}}
    assert QueryTextExtractor().extract(body) == ""
    assert QueryTextExtractor(include_must_not=True).extract(body) == "排除"
    assert QueryTextExtractor().extract(None, q="title:大蒜 AND 新冠") == "大蒜 新冠"


def test_deep_and_huge_bodies_are_bounded():
    node = {"match": {"t": "底"}}
    for _ in range(500):
        node = {"bool": {"must": [node]}}
    assert extract_query_text({"query": node}) == ""  # deeper than the walk limit: ignored, no RecursionError
    huge = {"query": {"match": {"t": "字" * 100_000}}}
    assert len(QueryTextExtractor(max_chars=100).extract(huge)) == 100


def test_malformed_clauses_ignored():
    assert extract_query_text({"query": {"match": "not-an-object"}}) == ""
    assert extract_query_text({"query": {"bool": {"must": "x"}}}) == ""
    assert extract_query_text({"query": [1, 2]}) == ""


def test_strip_query_syntax_keeps_words():
    assert strip_query_syntax("a\\:b c~2 d^3 [1 TO 5]") == "a:b c d 1 5"


def test_suggest_texts():
    s = {"text": "全局", "a": {"prefix": "百家", "completion": {"field": "s"}}, "b": {"term": {"field": "t"}}}
    assert extract_suggest_texts(s) == {"a": "百家", "b": "全局"}


def test_unicode_escapes_read_as_their_characters_and_surrogates_pair_up():
    assert strip_query_syntax("\\u8d4c\\u573a \\ud83c\\udfb0 \\ud800x") == "赌场 🎰 x"
    assert extract_query_text(None, q="title:\\u767e\\u5bb6\\u4e50") == "百家乐"


T = "百家乐"
# every place of a body that holds a query, and clause types beyond the usual full-text ones
EVERY_PLACE = [
    {"query": {"intervals": {"body": {"match": {"query": T}}}}},
    {"query": {"intervals": {"body": {"all_of": {"intervals": [{"prefix": {"prefix": T}}]}}}}},
    {"query": {"span_term": {"body": T}}},
    {"query": {"span_near": {"clauses": [{"span_term": {"body": {"value": T}}}], "slop": 1}}},
    {"query": {"more_like_this": {"fields": ["body"], "like": [T, {"_id": "1"}], "unlike": "别的"}}},
    {"query": {"terms_set": {"body": {"terms": [T], "minimum_should_match_field": "n"}}}},
    {"query": {"percolate": {"field": "q", "document": {"body": T}}}},
    {"query": {"neural": {"body": {"query_text": T, "model_id": "m", "k": 5}}}},
    {"query": {"hybrid": {"queries": [{"match": {"body": T}}]}}},
    {"query": {"match_all": {}}, "post_filter": {"match": {"body": T}}},
    {"query": {"match_all": {}}, "rescore": [{"query": {"rescore_query": {"match": {"body": T}}}}]},
    {"knn": {"field": "v", "query_vector": [1], "filter": {"match": {"body": T}}}},
    {"knn": {"field": "v", "query_vector_builder": {"text_embedding": {"model_text": T}}}},
    {"query": {"knn": {"v": {"vector": [1], "k": 3, "filter": {"match": {"body": T}}}}}},
    {"retriever": {"knn": {"field": "v", "filter": {"match": {"body": T}}}}},
    {"retriever": {"rrf": {"retrievers": [{"standard": {"filter": {"match": {"body": T}}}}]}}},
    {"retriever": {"text_similarity_reranker": {"retriever": {"standard": {"query": {"match_all": {}}}},
                                                "inference_text": T}}},
    {"sub_searches": [{"query": {"match": {"body": T}}}]},
    {"query": {"function_score": {"query": {"match_all": {}}, "functions": [{"filter": {"match": {"body": T}}}]}}},
    {"query": {"match_all": {}}, "highlight": {"fields": {"body": {"highlight_query": {"match": {"body": T}}}}}},
    {"query": {"match_all": {}}, "highlight": {"fields": [{"body": {"highlight_query": {"match": {"body": T}}}}]}},
    {"query": {"match_all": {}}, "sort": [{"c.n": {"nested": {"path": "c", "filter": {"match": {"c.t": T}}}}}]},
    # a negation of a negation is searched for
    {"query": {"bool": {"filter": {"bool": {"must_not": {"bool": {"must_not": {"match": {"body": T}}}}}}}}},
    {"query": {"boosting": {"positive": {"match_all": {}},
                            "negative": {"bool": {"must_not": {"match": {"body": T}}}}}}},
]


@pytest.mark.parametrize("body", EVERY_PLACE)
def test_every_query_place_and_clause_is_read(body):
    assert T in extract_query_text(body).split()
    assert QueryTextExtractor().unknown_clause(body) is None


def test_excluded_text_stays_excluded():
    assert extract_query_text({"query": {"more_like_this": {"like": "要的", "unlike": T}}}) == "要的"
    assert extract_query_text({"query": {"span_not": {"include": {"span_term": {"b": "要的"}},
                                                        "exclude": {"span_term": {"b": T}}}}}) == "要的"


@pytest.mark.parametrize("body, kind", [
    ({"query": {"foo_text": {"body": T}}}, "foo_text"),
    ({"query": {"bool": {"should": [{"match_all": {}}, {"sparse_vector_query": {"q": T}}]}}}, "sparse_vector_query"),
    ({"post_filter": {"new_clause": {}}}, "new_clause"),
    ({"retriever": {"standard": {"query": {"unknown": {}}}}}, "unknown"),
])
def test_unknown_clause_types_are_named(body, kind):
    assert QueryTextExtractor().unknown_clause(body) == kind


@pytest.mark.parametrize("body", [
    {"query": {"bool": {"must": [{"term": {"b": "乐"}}, {"term": {"b": "家"}}, {"term": {"b": "百"}}]}}},
    {"query": {"query_string": {"query": "+乐 +家 +百"}}},
    {"query": {"match": {"body": {"query": "乐 百家", "operator": "and"}}}},
])
def test_a_short_split_query_is_read_in_every_order(body):
    assert T in extract_query_text(body).split()


def test_longer_queries_are_not_reordered():
    assert extract_query_text({"query": {"match": {"t": "大蒜 预防 新冠"}}}) == "大蒜 预防 新冠"


def test_reorderings_only_for_short_split_queries():
    assert reorderings("乐 家百") == " 乐家百 家百乐"
    assert reorderings("刷单 返利") == ""  # no piece of a single character
    assert reorderings("一 二 三 四 五") == ""  # too many pieces


def test_a_clause_the_caller_adds_is_read_and_one_it_leaves_out_is_not() -> None:
    from plugin.search.dsl import DEFAULT_CLAUSES

    body = {"query": {"bool": {"must": [{"my_text": {"title": "网赌平台"}}, {"match": {"title": "天气"}}]}}}
    assert "网赌平台" in QueryTextExtractor(clauses=DEFAULT_CLAUSES | {"my_text"}).extract(body)
    narrow = QueryTextExtractor(clauses=frozenset({"my_text"}))
    assert "天气" not in narrow.extract(body) and "网赌平台" in narrow.extract(body)
