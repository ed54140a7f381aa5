"""Account rules: impersonation-prone names, accounts new or renamed after the event, domain
certification and recent violations (seed 001 第1/2/10条, seed 000 三.2)."""

from __future__ import annotations

import re
from typing import Iterable

from ...normalize import fold_text
from ..context import CandidateFacts, ReviewContext
from ..models import Candidate
from .base import Finding, Rule

__all__ = ["AccountNameRule", "DomainCertificationRule", "NewAccountRule", "ViolationHistoryRule"]

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
    unless the account is a verified organisation."""

    id = "account_name"
    clauses = ("001 第1条",)
    markers = INSTITUTION_MARKERS
    name_categories = frozenset({"account_name"})

    def __init__(self, markers: dict[str, tuple[str, ...]] | None = None) -> None:
        if markers is not None:
            self.markers = markers
        alts = sorted({m for ms in self.markers.values() for m in ms}, key=len, reverse=True)
        self._pattern = re.compile("|".join(re.escape(m) for m in alts)) if alts else None
        self._kind = {m: kind for kind, ms in self.markers.items() for m in ms}

    def evaluate(self, candidate: Candidate, facts: CandidateFacts, ctx: ReviewContext) -> Iterable[Finding]:
        if candidate.account.verified_org:
            return
        found = [f"{h.surface}({h.term})" for h in facts.name_hits if h.category in self.name_categories]
        if self._pattern is not None and not found:
            folded = fold_text(candidate.account.name)
            found += [f"{m.group(0)}({self._kind[m.group(0)]})" for m in self._pattern.finditer(folded)]
        if found:
            yield self.finding(
                "review",
                f"account name {candidate.account.name!r} contains institution/region names "
                f"{'、'.join(dict.fromkeys(found))} and the account is not a verified organisation",
            )


class NewAccountRule(Rule):
    """Accounts registered or renamed after the hot event began are reviewed strictly."""

    id = "new_or_renamed_account"
    clauses = ("000 三.2",)

    def evaluate(self, candidate: Candidate, facts: CandidateFacts, ctx: ReviewContext) -> Iterable[Finding]:
        started = candidate.event_started_at
        if started is None:
            return
        acc = candidate.account
        for what, when in (("registered", acc.registered_at), ("renamed", acc.renamed_at)):
            if when is not None and when > started:
                yield self.finding(
                    "review",
                    f"account {what} at {when.isoformat()}, after the event started at {started.isoformat()}",
                )


class DomainCertificationRule(Rule):
    """Finance, education, medical and legal information only from accounts certified for that domain."""

    id = "domain_certification"
    clauses = ("001 第2条",)

    def evaluate(self, candidate: Candidate, facts: CandidateFacts, ctx: ReviewContext) -> Iterable[Finding]:
        domain = candidate.domain
        if domain is not None and domain not in candidate.account.certified_domains:
            certified = ", ".join(candidate.account.certified_domains) or "none"
            yield self.finding("reject", f"{domain} information from an account not certified for it (certified: {certified})")


class ViolationHistoryRule(Rule):
    """Accounts with repeated recent violations are kept out of the list (limit)."""

    id = "violation_history"
    clauses = ("001 第10条",)

    def evaluate(self, candidate: Candidate, facts: CandidateFacts, ctx: ReviewContext) -> Iterable[Finding]:
        n = candidate.account.violations_90d
        if n >= ctx.settings.violations_limit:
            yield self.finding("limit", f"account has {n} violations in the last 90 days (limit {ctx.settings.violations_limit})")
