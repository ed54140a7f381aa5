"""Account rules: impersonation-prone names, accounts new or renamed after the event, domain
certification and recent violations (seed 001 第1/2/10条, seed 000 三.2)."""

from __future__ import annotations

from typing import Iterable

from ... import fixed_regex
from ...models import Hit, Surface
from ...normalize import fold_text
from ..context import CandidateFacts, ReviewContext
from ..domains import DomainInference
from ..models import Candidate, as_aware
from ..names import accidental_hit
from .base import Finding, Rule
from .lexicon import cite_clause

__all__ = [
    "AccountNameLexiconRule", "AccountNameRule", "DomainCertificationRule", "NewAccountRule", "ViolationHistoryRule",
]

#: Fallback markers of party / government / military / news-media / region names, used besides the
#: ``account_name`` lexicon (which is the primary, editable source). Data, overridable per instance.
INSTITUTION_MARKERS: dict[str, tuple[str, ...]] = {
    "party": ("党委", "党组", "纪委", "监委", "组织部", "宣传部", "统战部", "政法委", "共青团", "团委"),
    "government": (
        "人民政府", "政府", "网信办", "公安", "派出所", "警方", "交警", "法院", "检察院", "人大", "政协",
        "应急管理", "市场监管", "卫健委", "教育局", "税务", "海关", "发改委", "外交部", "国务院", "办公厅",
    ),
    "military": ("解放军", "武警", "军区", "战区", "部队", "军委", "国防部", "海军", "空军", "火箭军"),
    "news_media": (
        "新闻", "日报", "晚报", "早报", "时报", "电视台", "广播", "融媒", "通讯社", "新华社", "央视",
        "人民网", "记者", "卫视", "头条新闻",
    ),
    "region": (
        "北京", "天津", "上海", "重庆", "河北", "山西", "辽宁", "吉林", "黑龙江", "江苏", "浙江", "安徽",
        "福建", "江西", "山东", "河南", "湖北", "湖南", "广东", "海南", "四川", "贵州", "云南", "陕西",
        "甘肃", "青海", "台湾", "内蒙古", "广西", "西藏", "宁夏", "新疆", "香港", "澳门", "自治区",
        "自治州", "自治县",
    ),
}


class AccountNameRule(Rule):
    """Names containing party, government, military, news-media or region names need manual review
    unless the account is a verified organisation. The name hits come from
    :class:`plugin.review.names.NameScanner` (account-name lexicon, homophones, letters slipped in;
    accidental hits across two words and lone weak terms removed)."""

    id = "account_name"
    clauses = ("001 第1条",)
    markers = INSTITUTION_MARKERS
    name_categories = frozenset({"account_name"})

    def __init__(self, markers: dict[str, tuple[str, ...]] | None = None) -> None:
        if markers is not None:
            self.markers = markers
        alts = sorted({m for ms in self.markers.values() for m in ms}, key=len, reverse=True)
        self._pattern = fixed_regex.compile("|".join(fixed_regex.escape(m) for m in alts)) if alts else None
        self._kind = {m: kind for kind, ms in self.markers.items() for m in ms}

    def evaluate(self, candidate: Candidate, facts: CandidateFacts, ctx: ReviewContext) -> Iterable[Finding]:
        if candidate.account.verified_org:
            return
        found = [f"{h.surface}({h.term}{', ' + h.technique if h.technique in _SPOOF_TECHNIQUES else ''})"
                 for h in facts.name_hits if h.category in self.name_categories]
        if self._pattern is not None and not found:
            folded = fold_text(candidate.account.name)
            found += [f"{m.group(0)}({self._kind[m.group(0)]})" for m in self._pattern.finditer(folded)
                      if not accidental_hit(folded, m.start(), m.end())]
        if found:
            yield self.finding(
                "review",
                f"account name {candidate.account.name!r} contains institution/region names "
                f"{'、'.join(dict.fromkeys(found))} and the account is not a verified organisation",
            )


#: Techniques worth naming in the detail (the name spells an institution another way).
_SPOOF_TECHNIQUES = frozenset({"homophone", "shape", "pinyin", "split", "traditional"})


class AccountNameLexiconRule(Rule):
    """Content-lexicon terms in the account name (专业刷粉工作室 advertises a black-market service on
    every item it posts): a ``block`` term rejects the candidate, a ``review`` term sends it to manual
    review (the policy's trending decisions); ``limit`` / ``label`` terms (clickbait, persona wording)
    are not judged on a name."""

    id = "account_name_lexicon"
    clauses = ("000 三.1",)
    judged_actions = frozenset({"block", "review"})

    def evaluate(self, candidate: Candidate, facts: CandidateFacts, ctx: ReviewContext) -> Iterable[Finding]:
        policy = ctx.policy
        groups: dict[tuple[str, str], list[Hit]] = {}
        for h in facts.name_content_hits:
            action = h.action_on(Surface.TRENDING)
            if action in self.judged_actions:
                groups.setdefault((action, h.category), []).append(h)
        for (action, category), hits in groups.items():
            own = next((h.clause for h in hits if h.clause), "")
            terms = "、".join(dict.fromkeys(f"{h.surface}→{h.term}" if h.surface != h.term else h.term for h in hits))
            detail = f"account name {candidate.account.name!r} hits {category} terms ({action}): {terms}"
            data = {"category": category, "action": action,
                    "term_ids": list(dict.fromkeys(h.term_id for h in hits))}  # once each: a text may repeat a term
            decision = policy.surface(Surface.TRENDING).by_action[action]
            yield cite_clause(self, own, policy.category(category).clause, decision, detail, data)


class NewAccountRule(Rule):
    """Accounts registered or renamed at or after the moment the hot event began are reviewed strictly.
    Timestamps without a zone are read in ``ReviewSettings.naive_timezone`` (default Asia/Shanghai)."""

    id = "new_or_renamed_account"
    clauses = ("000 三.2",)

    def evaluate(self, candidate: Candidate, facts: CandidateFacts, ctx: ReviewContext) -> Iterable[Finding]:
        tz = ctx.settings.timezone
        started = as_aware(candidate.event_started_at, tz)
        if started is None:
            return
        acc = candidate.account
        for what, when in (("registered", acc.registered_at), ("renamed", acc.renamed_at)):
            when = as_aware(when, tz)
            if when is not None and when >= started:
                yield self.finding(
                    "review",
                    f"account {what} at {when.isoformat()}, {'when' if when == started else 'after'} the event "
                    f"started at {started.isoformat()}",
                )


class DomainCertificationRule(Rule):
    """Finance, education, medical and legal information only from accounts certified for that domain.
    A declared domain the account is not certified for → reject. With no declared domain the domain is
    inferred from the title and text (:class:`plugin.review.domains.DomainInference`, terms in
    ``domain_terms.yaml``); an inferred domain the account is not certified for → review (a person
    checks the inference)."""

    id = "domain_certification"
    clauses = ("001 第2条",)
    news_topics = frozenset({"current_affairs", "public_policy", "social_event"})

    def __init__(self, inference: DomainInference | None = None) -> None:
        self._inference = inference

    @property
    def inference(self) -> DomainInference:
        if self._inference is None:
            self._inference = DomainInference.from_file()
        return self._inference

    def evaluate(self, candidate: Candidate, facts: CandidateFacts, ctx: ReviewContext) -> Iterable[Finding]:
        domain = candidate.domain
        certified_domains = candidate.account.certified_domains
        certified = ", ".join(certified_domains) or "none"
        if domain is not None:
            if domain not in certified_domains:
                yield self.finding("reject", f"{domain} information from an account not certified for it (certified: {certified})",
                                   data={"domain": domain, "inferred": False})
            return
        s = ctx.settings
        min_score = s.domain_news_min_score if candidate.topic_type in self.news_topics else s.domain_min_score
        for guess in self.inference.infer(candidate.content, min_score):
            if guess.domain in certified_domains:
                continue
            yield self.finding(
                "review",
                f"no domain declared, but the text reads as {guess.domain} information (domain inferred from "
                f"{'、'.join(guess.terms)}, score {guess.score}); the account is not certified for it "
                f"(certified: {certified})",
                data={"domain": guess.domain, "inferred": True, "terms": list(guess.terms), "score": guess.score},
            )
            return  # the best uncertified guess is enough for a person to look at


class ViolationHistoryRule(Rule):
    """Accounts with repeated recent violations are kept out of the list (limit)."""

    id = "violation_history"
    clauses = ("001 第10条",)

    def evaluate(self, candidate: Candidate, facts: CandidateFacts, ctx: ReviewContext) -> Iterable[Finding]:
        n = candidate.account.violations_90d
        if n >= ctx.settings.violations_limit:
            yield self.finding("limit", f"account has {n} violations in the last 90 days (limit {ctx.settings.violations_limit})")
