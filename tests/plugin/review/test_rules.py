"""The review rules engine, without HTTP: each rule, the combiner, matrix and spike detection."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, settings, strategies as st

from plugin.review import Candidate, ReviewEngine, ReviewSettings
from plugin.review.clauses import CLAUSES
from plugin.review.spike import detect_spike
from tests.candidates import NOW, candidate, review, rules_of
def test_clean_candidate_is_approved(service_matcher):
    (r,) = review(service_matcher, candidate())
    assert r.decision == "approve"
    assert r.reasons == () and r.required_labels == () and not r.freeze_interactions


@pytest.mark.parametrize("title, decision, category", [
    ("线上赌场开业大酬宾", "reject", "gambling"),           # block
    ("加微信领取内部资料", "review", "blackmarket_ad"),      # review
    ("看完惊呆了的一幕", "limit", "clickbait"),              # limit
    ("网传明天放假", "approve_with_labels", "rumor_marker"),  # label
])
def test_lexicon_actions_map_to_decisions(service_matcher, title, decision, category):
    (r,) = review(service_matcher, candidate(title=title, text=None))
    assert r.decision == decision
    lex = [x for x in r.reasons if x.rule == "lexicon"]
    assert lex and category in lex[0].detail
    assert any(h["category"] == category for h in r.hits)


def test_a_text_repeating_terms_keeps_a_bounded_result(service_matcher):
    """Hits kept in a result (returned and stored) are bounded, with their total; a rule's term ids once each."""
    from plugin.review.combine import MAX_RESULT_HITS

    (r,) = review(service_matcher, candidate(title="线上赌场", text="线上赌场开业，" * 400))
    assert len(r.hits) == MAX_RESULT_HITS and r.hits_total == 401 and r.to_dict()["hits_total"] == 401
    (lex,) = [f for f in r.rule_results if f["rule"] == "lexicon"]
    assert len(lex["data"]["term_ids"]) == len(set(lex["data"]["term_ids"])) == 1


def test_lexicon_hit_through_evasion(service_matcher):
    (r,) = review(service_matcher, candidate(title="线上赌_场开业"))
    assert r.decision == "reject"


@pytest.mark.parametrize("topic", ["current_affairs", "public_policy", "social_event"])
def test_news_topics_need_a_source(service_matcher, topic):
    (r,) = review(service_matcher, candidate(topic_type=topic))
    assert r.decision == "limit" and "来源" in r.required_labels
    reason = next(x for x in r.reasons if x.rule == "source_required")
    assert "三.3" in reason.clause and "三.4" in reason.clause
    (ok,) = review(service_matcher, candidate(topic_type=topic, declared={"source": "新华社"}))
    assert ok.decision == "approve"
    (blank,) = review(service_matcher, candidate(topic_type=topic, declared={"source": "   "}))
    assert blank.decision == "limit"


def test_other_topics_need_no_source(service_matcher):
    for topic in ("entertainment", "other", "domain_info"):
        (r,) = review(service_matcher, candidate(topic_type=topic))
        assert "source_required" not in rules_of(r)


def test_ai_generated(service_matcher):
    (r,) = review(service_matcher, candidate(detected={"ai_generated": True}))
    assert r.decision == "limit" and "AI生成" in r.required_labels
    (d,) = review(service_matcher, candidate(detected={"ai_generated": True}, declared={"ai_generated": True}))
    assert d.decision == "approve_with_labels" and d.required_labels == ("AI生成",)


def test_fiction_label(service_matcher):
    (declared,) = review(service_matcher, candidate(declared={"fiction": True}))
    assert declared.decision == "approve_with_labels" and "虚构" in declared.required_labels
    (detected,) = review(service_matcher, candidate(detected={"fiction": True}))
    assert detected.decision == "limit" and "虚构" in detected.required_labels
    (staged,) = review(service_matcher, candidate(title="街头摆拍小伙感动路人"))
    assert "虚构" in staged.required_labels and staged.decision == "limit"
    assert any(x.rule == "fiction_label" for x in staged.reasons)


def test_old_news_label(service_matcher):
    (r,) = review(service_matcher, candidate(detected={"old_news": True}))
    assert r.decision == "approve_with_labels" and r.required_labels == ("旧闻",)
    assert "二.1" in r.reasons[0].clause


@pytest.mark.parametrize("name", ["某市公安局", "江南日报社会新闻", "浙江吃货小王", "第七战区观察", "县委宣传部"])
def test_institution_names_on_unverified_accounts_are_reviewed(service_matcher, name):
    (r,) = review(service_matcher, candidate(account={"name": name}))
    assert r.decision == "review", name
    reason = next(x for x in r.reasons if x.rule == "account_name")
    assert reason.clause.startswith("001 第1条")
    (verified,) = review(service_matcher, candidate(account={"name": name, "verified_org": True}))
    assert "account_name" not in rules_of(verified)


def test_plain_names_pass(service_matcher):
    for name in ("花友小李", "爱做饭的阿强", "daily_cat"):
        (r,) = review(service_matcher, candidate(account={"name": name}))
        assert "account_name" not in rules_of(r), name


def test_accounts_new_or_renamed_after_the_event(service_matcher):
    event = "2026-11-20T08:00:00+08:00"
    (new,) = review(service_matcher, candidate(event_started_at=event, account={"registered_at": "2026-11-20T09:00:00+08:00"}))
    assert new.decision == "review" and "三.2" in new.reasons[0].clause
    (renamed,) = review(service_matcher, candidate(event_started_at=event, account={"renamed_at": "2026-11-20T03:00:00Z"}))
    assert renamed.decision == "review"
    (old,) = review(service_matcher, candidate(event_started_at=event, account={"renamed_at": "2026-11-19T00:00:00"}))
    assert "new_or_renamed_account" not in rules_of(old)
    (no_event,) = review(service_matcher, candidate(account={"registered_at": "2026-11-20T09:00:00Z"}))
    assert "new_or_renamed_account" not in rules_of(no_event)


@pytest.mark.parametrize("domain", ["finance", "education", "medical", "legal"])
def test_domain_information_needs_certification(service_matcher, domain):
    (r,) = review(service_matcher, candidate(topic_type="domain_info", domain=domain))
    assert r.decision == "reject" and r.reasons[0].clause.startswith("001 第2条")
    (ok,) = review(service_matcher, candidate(topic_type="domain_info", domain=domain, account={"certified_domains": [domain]}))
    assert ok.decision == "approve"
    other = "legal" if domain != "legal" else "finance"
    (wrong,) = review(service_matcher, candidate(domain=domain, account={"certified_domains": [other]}))
    assert wrong.decision == "reject"


def _matrix_batch():
    return [
        candidate(id="m1", title="突发！某地商场发生火灾现场浓烟滚滚", account={"id": "a1", "name": "甲", "owner_id": "o1"}),
        candidate(id="m2", title="某地商场发生火灾，现场浓烟滚滚！！", account={"id": "a2", "name": "乙", "owner_id": "o1"}),
        candidate(id="m3", title="某地商場發生火災現場濃煙滾滾", account={"id": "a3", "name": "丙", "mcn": "星光MCN"}),
        candidate(id="m4", title="某地商场发生火灾现场浓烟滚滚", account={"id": "a4", "name": "丁", "mcn": "星光MCN"}),
        candidate(id="x1", title="某地商场发生火灾现场浓烟滚滚", account={"id": "a5", "name": "戊"}),  # no link
        candidate(id="x2", title="周末去哪儿玩：城市公园花展", account={"id": "a6", "name": "己", "owner_id": "o1"}),
    ]


def test_matrix_accounts_in_one_batch(service_matcher):
    results = {r.id: r for r in review(service_matcher, *_matrix_batch())}
    for cid in ("m1", "m2", "m3", "m4"):
        assert results[cid].decision == "review", cid
        reason = next(x for x in results[cid].reasons if x.rule == "matrix_accounts")
        assert "三.2" in reason.clause and "二.2" in reason.clause
    assert "matrix_accounts" not in rules_of(results["x1"])  # same title, but no shared owner / MCN
    assert "matrix_accounts" not in rules_of(results["x2"])  # shared owner, different title


def test_same_account_twice_is_not_a_matrix(service_matcher):
    a = {"id": "a1", "name": "甲", "owner_id": "o1"}
    rs = review(service_matcher, candidate(id="1", title="某地商场发生火灾", account=a), candidate(id="2", title="某地商场发生火灾", account=a))
    assert all("matrix_accounts" not in rules_of(r) for r in rs)


def test_matrix_accounts_across_batches_via_history(service_matcher):
    engine = ReviewEngine()
    (first,) = review(service_matcher, candidate(id="h1", title="独家：某明星深夜现身医院", account={"id": "a1", "name": "甲", "mcn": "M"}), engine=engine)
    assert first.decision == "approve"
    (second,) = review(service_matcher, candidate(id="h2", title="某明星深夜现身医院（独家）", account={"id": "a2", "name": "乙", "mcn": "M"}), engine=engine)
    assert second.decision == "review"
    assert "recent history" in next(x for x in second.reasons if x.rule == "matrix_accounts").detail


def test_matrix_history_expires():
    from plugin.review.matrix import MatrixDetector

    det = MatrixDetector(history_hours=1)
    old = Candidate.model_validate(candidate(id="o", title="某地商场发生火灾现场", account={"id": "a1", "name": "x", "mcn": "M"}))
    new = Candidate.model_validate(candidate(id="n", title="某地商场发生火灾现场", account={"id": "a2", "name": "y", "mcn": "M"}))
    det.remember([old], NOW - dt.timedelta(hours=2))
    assert det.find([new], NOW) == [[]]
    det.remember([old], NOW - dt.timedelta(minutes=5))
    assert len(det.find([new], NOW)[0]) == 1


def test_rumor_match_rejects_with_refutations(service_matcher, fake_rumors):
    (r,) = review(service_matcher, candidate(title="专家称喝盐水防病毒"), rumors=fake_rumors)
    assert r.decision == "reject"
    assert r.refutations and r.refutations[0]["rumor_id"] == "r1"
    assert r.refutations[0]["refutation"]["title"]


def test_disputed_claim_is_labelled_and_limited(service_matcher, fake_rumors):
    (r,) = review(service_matcher, candidate(title="居民反映某地水源污染"), rumors=fake_rumors)
    assert r.decision == "limit" and "争议" in r.required_labels and not r.refutations


def test_engagement_spike_freezes_interactions(service_matcher):
    (r,) = review(service_matcher, candidate(metrics={"engagement_per_min": [20, 22, 19, 25, 21, 23, 900]}))
    assert r.freeze_interactions and r.decision == "limit"
    assert "三.4" in next(x for x in r.reasons if x.rule == "engagement_spike").clause


@pytest.mark.parametrize("series", [
    [10, 12, 11, 13, 12],              # flat
    [100, 120, 90, 130, 160],          # growing but within noise
    [5, 5, 5, 5, 20],                  # ratio high but absolute value tiny
    [900],                             # no baseline
    [10, 800, 12, 9, 11, 13],          # an earlier burst, not the last value
])
def test_no_spike(service_matcher, series):
    (r,) = review(service_matcher, candidate(metrics={"engagement_per_min": series}))
    assert not r.freeze_interactions


@settings(max_examples=60, deadline=None)
@given(st.lists(st.floats(1, 1000), min_size=4, max_size=30), st.floats(0.5, 100))
def test_spike_detection_is_scale_invariant(base, scale):
    series = base + [max(base) * 20]
    scaled = [v * scale for v in series]
    # the ratio and z-score tests are scale-invariant; the absolute floors (min_value, min_jump) are not
    a = detect_spike(series, min_value=0, min_jump=0)
    b = detect_spike(scaled, min_value=0, min_jump=0)
    assert (a is None) == (b is None)


def test_violation_history_limits(service_matcher):
    (r,) = review(service_matcher, candidate(account={"violations_90d": 5}))
    assert r.decision == "limit"
    (ok,) = review(service_matcher, candidate(account={"violations_90d": 1}))
    assert ok.decision == "approve"


def test_most_severe_wins_and_labels_are_deduplicated(service_matcher, fake_rumors):
    c = candidate(title="网传喝盐水防病毒", topic_type="social_event", detected={"ai_generated": True, "old_news": True},
                  domain="medical")
    (r,) = review(service_matcher, c, rumors=fake_rumors)
    assert r.decision == "reject"
    assert len(r.required_labels) == len(set(r.required_labels))
    assert {"来源", "AI生成", "旧闻"} <= set(r.required_labels)
    assert {"rumor", "domain_certification", "source_required", "ai_label", "old_news"} <= rules_of(r)


def test_every_reason_cites_a_known_seed_clause(service_matcher, fake_rumors):
    cands = _matrix_batch() + [
        candidate(id="z", title="网传喝盐水防病毒 惊呆了", topic_type="current_affairs", domain="finance",
                  detected={"ai_generated": True, "old_news": True, "fiction": True},
                  event_started_at="2026-01-01T00:00:00Z",
                  account={"name": "北京日报", "registered_at": "2026-02-01T00:00:00Z", "violations_90d": 9},
                  metrics={"engagement_per_min": [1, 2, 1, 2, 1, 500]}),
    ]
    seen = set()
    for r in review(service_matcher, *cands, rumors=fake_rumors):
        for reason in r.reasons:
            seen.add(reason.rule)
            assert reason.detail
            assert any(reason.clause.startswith(text) or text in reason.clause for text in CLAUSES.values())
    assert len(seen) >= 11


def test_settings_can_be_tuned(service_matcher):
    engine = ReviewEngine(settings=ReviewSettings(violations_limit=1))
    (r,) = review(service_matcher, candidate(account={"violations_90d": 1}), engine=engine)
    assert r.decision == "limit"
    with pytest.raises(ValueError):
        ReviewSettings().replace(nope=1)



def test_a_hot_list_item_written_about_spam_is_not_held_for_its_spam_words():
    """Review-level spam hits in a text written about spam (a warning that does not solicit) are dropped, as
    on the query surface; the same words soliciting stand."""
    from plugin import Matcher
    from plugin.lexicon import parse_lexicon_text

    lex, problems = parse_lexicon_text("category: gambling\naction: review\nentries:\n  - 菠菜担保\n", "t.yaml")
    assert not problems
    matcher = Matcher.from_entries(list(lex.entries), version="t")
    (warned,) = review(matcher, candidate(title="千万别信评论区的菠菜担保，那些都是骗局"))
    assert not any(h["category"] == "gambling" for h in warned.hits)
    (selling,) = review(matcher, candidate(title="菠菜担保，老平台稳定，加V ab8866"))
    assert any(h["category"] == "gambling" for h in selling.hits)
