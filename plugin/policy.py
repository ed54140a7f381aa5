"""The policy: what each surface does with each signal, in one table.

A text is shown somewhere: a search **query**, an autocomplete **suggestion**, a **search hit**, a
**trending** candidate (or, for ``qinglang check``, just **content**: the lexicon's own verdict). The
signals about it are the lexicon hits (each with an action, allow < label < limit < review < block),
the rumour verdict (a false / misleading rumour pins its refutation; a disputed one gets a 争议 label)
and, later, model scores (:class:`plugin.guard.Signal`). This module maps surface × signal to a
decision, a notice text and labels; nothing else in the library decides that.

========== ======================== ================= =============== ========================
surface    lexicon action → decision rumour pin        disputed rumour notice
========== ======================== ================= =============== ========================
content    the action itself        —                 —               —
query      block→block, review→     pinned (decision  label           block / review / rumour
           review, else allow       unchanged)
suggestion ≥ ``suggestion_drop_     drop (when        —               —
           action`` (label) → drop  ``rumor_check``)
search_hit block → drop             —                 —               —
trending   block→reject, review→    reject            limit           —
           review, limit→limit,
           label→approve_with_labels
========== ======================== ================= =============== ========================

Editors override the action of one entry on some surfaces (``surface_actions: {suggestion: allow}``
in the lexicon, carried on :attr:`plugin.models.Hit.surface_actions`): the policy reads each hit's
action on the surface (:meth:`plugin.models.Hit.action_on`), so an entry can label trending items
without dropping autocomplete suggestions.

Category metadata (Chinese display name for notices, the label a ``label`` hit requires, the seed
clause cited when the entry carries none) is :data:`CATEGORIES`; the rumour statuses' pins, labels
and label actions are :data:`RUMOR_VERDICTS`. What people read for every value of the table (actions,
decisions, surfaces, matching techniques, rumour statuses, review rules; Chinese first, English) is
:data:`DISPLAY_NAMES`, :func:`display_name` looks one up (categories come from :data:`CATEGORIES`).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Iterable, Mapping, Sequence

from .models import ACTION_ORDER, OVERRIDABLE_SURFACES, Action, Hit, SignalHit, Surface, most_severe

__all__ = [
    "CATEGORIES",
    "DEFAULT_CLAUSE",
    "DEFAULT_POLICY",
    "RUMOR_VERDICTS",
    "DISPLAY_NAMES",
    "Category",
    "DisplayName",
    "HitLabel",
    "Policy",
    "RumorVerdict",
    "ScoreRule",
    "SurfacePolicy",
    "display_name",
]

#: Seed clause cited for a category that has no entry in :data:`CATEGORIES`.
DEFAULT_CLAUSE = "000 三.1"


@dataclass(frozen=True, slots=True)
class Category:
    """What the policy knows about a lexicon category."""

    id: str
    name: str  # Chinese display name, in notices (该搜索词涉及赌博内容)
    label: str  # the label a ``label``-action hit of this category requires
    clause: str = DEFAULT_CLAUSE  # seed clause cited when the entry carries none (plugin.review.clauses)
    name_en: str = ""  # English display name (the editorial console's English view); the id when empty


#: Lexicon categories (ids are stable: stored records refer to them).
CATEGORIES: Mapping[str, Category] = MappingProxyType({c.id: c for c in (
    Category("gambling", "赌博", "gambling", "000 三.1", "Gambling"),
    Category("fraud", "诈骗", "fraud", "000 三.1", "Fraud"),
    Category("blackmarket_ad", "黑产广告", "blackmarket_ad", "000 三.1", "Black-market ads"),
    Category("spam_pattern", "引流广告", "spam_pattern", "000 三.1", "Traffic-diversion spam"),
    Category("clickbait", "标题党", "标题党", "000 二.3", "Clickbait"),
    Category("persona", "违背公序良俗的人设炒作", "虚构", "000 二.4", "Fabricated persona"),
    Category("rumor_marker", "不实信息", "争议", "001 第6条", "Rumour marker"),
    Category("account_name", "仿冒账号", "account_name", "001 第1条", "Impersonating account"),
)})


@dataclass(frozen=True, slots=True)
class DisplayName:
    """What a person reads for one value of the table: Chinese first, English."""

    zh: str
    en: str


def _names(**values: tuple[str, str]) -> Mapping[str, DisplayName]:
    return MappingProxyType({k: DisplayName(*v) for k, v in values.items()})


#: Display names by kind of value: ``action`` (lexicon actions), ``decision`` (every surface's decisions),
#: ``surface``, ``technique`` (how a hit matched, ``plugin.matching.Technique``), ``rumor_status``,
#: ``rule`` (review rules, ``plugin.review.rules``). Categories: :data:`CATEGORIES`.
DISPLAY_NAMES: Mapping[str, Mapping[str, DisplayName]] = MappingProxyType({
    "action": _names(block=("拦截", "block"), review=("送审", "review"), limit=("限流", "limit"),
                     label=("加标签", "label"), allow=("放行", "allow")),
    "decision": _names(allow=("放行", "allow"), review=("人工审核", "review"), block=("拦截", "block"),
                       keep=("保留", "keep"), drop=("移除", "drop"), approve=("通过", "approve"),
                       approve_with_labels=("加标签通过", "approve with labels"), limit=("限流", "limit"),
                       reject=("拒绝上榜", "reject"), label=("加标签", "label")),
    "surface": _names(content=("内容", "content"), query=("搜索词", "search query"),
                      suggestion=("搜索联想词", "autocomplete suggestion"), search_hit=("搜索结果", "search result"),
                      trending=("热搜榜单", "trending list")),
    "technique": _names(exact=("原词", "exact"), normalized=("规范化（全半角、大小写）", "normalised"),
                        traditional=("繁体", "traditional"), invisible=("隐藏字符", "invisible characters"),
                        noise=("夹杂符号", "noise characters"), repeat=("叠字", "repeated characters"),
                        variant=("变体词", "curated variant"), split=("拆字/拆分", "split"),
                        shape=("形近字", "look-alike characters"), homophone=("谐音字", "homophone"),
                        pinyin=("拼音", "pinyin"), initials=("拼音首字母", "pinyin initials"),
                        pattern=("规则匹配", "pattern")),
    "rumor_status": _names(false=("谣言", "false"), misleading=("失实", "misleading"), disputed=("争议", "disputed"),
                           true=("属实", "true")),
    "rule": _names(lexicon=("词库命中", "lexicon hit"), account_name=("账号名称", "account name"),
                   account_name_lexicon=("账号名称命中词库", "account name in the lexicon"),
                   new_or_renamed_account=("新注册或改名账号", "new or renamed account"),
                   domain_certification=("专业领域资质", "domain certification"),
                   violation_history=("历史违规", "violation history"), source_required=("未标注信息来源", "source missing"),
                   ai_label=("AI生成标签", "AI-generated label"), fiction_label=("虚构内容标签", "fiction label"),
                   old_news=("旧闻", "old news"), matrix_accounts=("矩阵账号", "matrix accounts"),
                   rumor=("谣言", "rumour"), signal=("模型信号", "model signal"),
                   engagement_spike=("流量异常", "engagement spike")),
})


def display_name(kind: str, value: str, lang: str = "zh") -> str:
    """What a person reads for ``value`` of ``kind`` (``category`` or a key of :data:`DISPLAY_NAMES`) in
    ``lang`` (``zh`` or ``en``); the value itself when the table does not name it."""
    if kind == "category":
        cat = CATEGORIES.get(value)
        if cat is None:
            return value
        return cat.name if lang == "zh" else (cat.name_en or cat.id)
    found = DISPLAY_NAMES.get(kind, {}).get(value)
    if found is None:
        return value
    return found.zh if lang == "zh" else found.en


@dataclass(frozen=True, slots=True)
class RumorVerdict:
    """What a rumour status means: whether it pins its refutation, its label and the label's action."""

    status: str
    pins: bool
    label: str | None  # None: no label
    label_action: str | None  # "label" (show it) or "limit" (show it and limit traffic)


#: Rumour statuses (``plugin.rumors.RumorStatus`` values). ``misleading`` is 失实: the fact-check data's
#: own wording (有失实 / 部分失实, "partly untrue"); every rumour backend labels with this table.
RUMOR_VERDICTS: Mapping[str, RumorVerdict] = MappingProxyType({v.status: v for v in (
    RumorVerdict("false", True, "谣言", "label"),
    RumorVerdict("misleading", True, "失实", "label"),
    RumorVerdict("disputed", False, "争议", "limit"),
    RumorVerdict("true", False, None, None),
)})


@dataclass(frozen=True, slots=True)
class HitLabel:
    """A label a lexicon hit requires (a ``label``-action hit on the surface)."""

    label: str
    category: str
    term: str

    def to_dict(self) -> dict[str, Any]:
        return {"label": self.label, "category": self.category, "term": self.term}


@dataclass(frozen=True, slots=True)
class ScoreRule:
    """What a learned scorer's flag does on one surface (a :class:`~plugin.models.SignalHit` with
    ``flags``): ``scorer_surface`` names the model card's thresholds that apply (``title`` for short
    texts, ``post`` for bodies; ``None``: the scorer is not used here); a flag over them counts as the
    lexicon action ``action`` (``review`` by default: a score never blocks on its own unless a deployment
    says so here); ``veto``: the lexicon's allow phrases and context rules may cancel it; ``patterns_defer``: where
    a live scorer reads the text and does not flag it, a ``review``-level (or milder) hit of the generic spam shapes
    (``spam_pattern``: a contact verb before a number, a throw-away link, an earnings promise) is dropped, since the
    scorer reads the same shapes with the words around them (an ordinary post selling a desk or inviting to a
    badminton group meets the shapes; off: the shapes flag on their own)."""

    scorer_surface: str | None = "title"
    action: str = Action.REVIEW.value
    veto: bool = True
    patterns_defer: bool = True

    def __post_init__(self) -> None:
        if self.action not in ACTION_ORDER:
            raise ValueError(f"score action must be one of {', '.join(ACTION_ORDER)}, not {self.action!r}")


@dataclass(frozen=True, slots=True)
class SurfacePolicy:
    """One surface's row of the table.

    ``decisions`` are the surface's own decisions, mildest first; ``by_action`` maps a lexicon action
    (as the hit has it on this surface) to one of them. ``on_pin`` / ``on_disputed``: the decision
    when a pinning / disputed rumour matches (``None``: the rumour leaves the decision alone);
    ``rumors``: whether the rumour index is asked at all. ``notices`` maps a decision to its notice
    (``{names}``: the Chinese names of the categories behind it); ``pin_notice`` is shown when
    refutations are pinned and no other notice applies. ``prefix_drop`` (suggestions): a prefix whose
    lexicon action reaches it drops every suggestion. ``score``: what a learned scorer's flag does here.
    """

    surface: Surface
    decisions: tuple[str, ...]
    by_action: Mapping[str, str]
    on_pin: str | None = None
    on_disputed: str | None = None
    rumors: bool = False
    notices: Mapping[str, str] = field(default_factory=dict)
    pin_notice: str | None = None
    prefix_drop: str | None = None
    score: ScoreRule = ScoreRule()

    def __post_init__(self) -> None:
        missing = set(ACTION_ORDER) - set(self.by_action)
        unknown = {d for d in (*self.by_action.values(), self.on_pin, self.on_disputed, *self.notices)
                   if d is not None and d not in self.decisions}
        if missing or unknown:
            raise ValueError(f"{self.surface.value}: actions without a decision {sorted(missing)}, "
                             f"unknown decisions {sorted(unknown)}")

    def rank(self, decision: str) -> int:
        """Severity of ``decision`` on this surface (0: the mildest)."""
        return self.decisions.index(decision)

    @property
    def mildest(self) -> str:
        return self.decisions[0]

    def decide(self, action: str, *, pinned: bool = False, disputed: bool = False) -> tuple[str, str]:
        """``(decision, what decided it)`` for a lexicon action and the rumour verdict; the second is
        ``"lexicon"``, ``"rumor"`` or ``""`` (nothing: the mildest decision). The lexicon wins a tie."""
        decision = self.by_action[action]
        by = "lexicon" if decision != self.mildest else ""
        for hit, rumour_decision in ((pinned, self.on_pin), (disputed, self.on_disputed)):
            if hit and rumour_decision is not None and self.rank(rumour_decision) > self.rank(decision):
                decision, by = rumour_decision, "rumor"
        return decision, by


def _threshold_decisions(threshold: str, above: str, below: str) -> dict[str, str]:
    """``above`` for actions at least as severe as ``threshold``, else ``below``."""
    return {a: above if ACTION_ORDER[a] >= ACTION_ORDER[threshold] else below for a in ACTION_ORDER}


#: Notices shown to the searcher (query surface).
BLOCK_NOTICE = "根据相关法律法规和政策，该搜索词涉及{names}内容，相关结果未予显示。"
REVIEW_NOTICE = "该搜索词涉及{names}内容，相关结果正在审核中。"
RUMOR_NOTICE = "网传信息经核实不实，辟谣信息已置顶显示。"


@dataclass(frozen=True)
class Policy:
    """The whole table: one :class:`SurfacePolicy` per surface, the categories and rumour verdicts.

    ``Policy.default(...)`` builds the shipped policy with the service's two settings; a deployment
    that wants another table passes its own ``surfaces``.
    """

    surfaces: Mapping[Surface, SurfacePolicy]
    categories: Mapping[str, Category] = field(default_factory=lambda: CATEGORIES)
    rumor_verdicts: Mapping[str, RumorVerdict] = field(default_factory=lambda: RUMOR_VERDICTS)
    #: tag → {surface: action}: a hit whose entry carries the tag has at least that action there
    #: (``{"minors": {"trending": "block", "suggestion": "review"}}``); see :meth:`with_tags`
    tag_actions: Mapping[str, Mapping[str, str]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        missing = set(Surface) - set(self.surfaces)
        if missing:
            raise ValueError(f"policy has no row for surface(s) {', '.join(sorted(s.value for s in missing))}")
        for tag, rules in self.tag_actions.items():
            bad = {k: v for k, v in rules.items() if k not in OVERRIDABLE_SURFACES or v not in ACTION_ORDER}
            if bad:
                raise ValueError(f"tag {tag!r}: surfaces must be {', '.join(OVERRIDABLE_SURFACES)} and actions "
                                 f"{', '.join(ACTION_ORDER)}, got {bad}")

    def with_tags(self, hits: Iterable[Hit]) -> tuple[Hit, ...]:
        """``hits`` with the tag rules applied: a hit whose tags have a rule for a surface gets the
        more severe of its own action there and the rule's (as a per-surface override), so every
        decision, notice and finding taken from :meth:`Hit.action_on` follows it."""
        rules = self.tag_actions
        out = tuple(hits)
        if not rules or not any(t in rules for h in out for t in h.tags):
            return out
        return tuple(self._tagged(h) for h in out)

    def _tagged(self, h: Hit) -> Hit:
        wanted: dict[str, str] = {}
        for tag in h.tags:
            for where, action in self.tag_actions.get(tag, {}).items():
                wanted[where] = most_severe([wanted.get(where, "allow"), action])
        if not wanted:
            return h
        overrides = dict(h.surface_actions)
        for where, action in wanted.items():
            overrides[where] = most_severe([h.action_on(where), action])
        return dataclasses.replace(h, surface_actions=tuple(sorted(overrides.items())))

    @classmethod
    def default(cls, *, suggestion_drop_action: str = Action.LABEL.value, suggestion_rumor_check: bool = True,
                hit_drop_action: str = Action.BLOCK.value, score_action: str = Action.REVIEW.value) -> "Policy":
        """The shipped table. ``suggestion_drop_action``: suggestions whose lexicon action is at least
        this are dropped (suggestions are the platform's own recommendation, so by default labels keep
        them out too: seed 000 三.1); ``suggestion_rumor_check``: also drop suggestions that match a known
        rumour; ``hit_drop_action``: search hits whose lexicon action is at least this are removed."""
        for name, value in (("suggestion_drop_action", suggestion_drop_action), ("hit_drop_action", hit_drop_action)):
            if value not in ACTION_ORDER:
                raise ValueError(f"{name} must be one of {', '.join(ACTION_ORDER)}, not {value!r}")
        actions = tuple(ACTION_ORDER)
        title, post = ScoreRule("title", score_action), ScoreRule("post", score_action)
        rows = (
            SurfacePolicy(Surface.CONTENT, actions, {a: a for a in actions}, score=post),
            SurfacePolicy(
                Surface.QUERY, ("allow", "review", "block"),
                {"allow": "allow", "label": "allow", "limit": "allow", "review": "review", "block": "block"},
                rumors=True, notices={"block": BLOCK_NOTICE, "review": REVIEW_NOTICE}, pin_notice=RUMOR_NOTICE,
                score=title,
            ),
            SurfacePolicy(
                Surface.SUGGESTION, ("keep", "drop"), _threshold_decisions(suggestion_drop_action, "drop", "keep"),
                on_pin="drop", rumors=suggestion_rumor_check, prefix_drop=Action.BLOCK.value, score=title,
            ),
            SurfacePolicy(Surface.SEARCH_HIT, ("keep", "drop"), _threshold_decisions(hit_drop_action, "drop", "keep"),
                          score=title),
            SurfacePolicy(
                Surface.TRENDING, ("approve", "approve_with_labels", "limit", "review", "reject"),
                {"allow": "approve", "label": "approve_with_labels", "limit": "limit", "review": "review",
                 "block": "reject"},
                on_pin="reject", on_disputed="limit", rumors=True, score=title,
            ),
        )
        return cls(MappingProxyType({r.surface: r for r in rows}))

    def replace_surface(self, row: SurfacePolicy) -> "Policy":
        """This policy with ``row`` in place of its surface's row."""
        return dataclasses.replace(self, surfaces=MappingProxyType({**self.surfaces, row.surface: row}))

    # -- lookups ---------------------------------------------------------------------------------
    def surface(self, surface: Surface | str) -> SurfacePolicy:
        return self.surfaces[Surface(surface)]

    def category(self, category: str) -> Category:
        """The category's metadata (an unknown category is named and labelled by its id)."""
        found = self.categories.get(category)
        return found if found is not None else Category(category, category, category)

    def rumor_verdict(self, status: str) -> RumorVerdict:
        return self.rumor_verdicts[status]

    # -- the lexicon signal on a surface ----------------------------------------------------------
    @staticmethod
    def action(hits: Iterable[Hit], surface: Surface | str, extra: Iterable[str] = ()) -> str:
        """The most severe action of ``hits`` on ``surface`` (per-entry overrides applied) and ``extra``
        actions (other signals); ``allow`` for none."""
        where = Surface(surface)
        return most_severe([*(h.action_on(where) for h in hits), *extra])

    def lexicon_decision(self, hits: Sequence[Hit], surface: Surface | str) -> tuple[str, Hit | None]:
        """The surface's decision from the lexicon alone, and the first hit behind it (None: mildest)."""
        row = self.surface(surface)
        action = self.action(hits, row.surface)
        decision = row.by_action[action]
        if decision == row.mildest:
            return decision, None
        return decision, next(h for h in hits if h.action_on(row.surface) == action)

    def signal_on(self, hit: SignalHit, surface: Surface | str) -> SignalHit | None:
        """``hit`` as it counts on ``surface``: a hit without scorer flags as it is; a scorer's hit with the
        flag of the surface row's scorer surface, its category and score, and the row's action; ``None``
        when the row does not use the scorer or the text is not over that surface's thresholds."""
        if not hit.flags:
            return hit
        rule = self.surface(surface).score
        flag = next((f for f in hit.flags if f[0] == rule.scorer_surface), None)
        if flag is None:
            return None
        return dataclasses.replace(hit, action=rule.action, category=flag[1], score=flag[2])

    def prefix_drops(self, hits: Sequence[Hit]) -> bool:
        """Whether a suggestion prefix with ``hits`` drops every suggestion."""
        threshold = self.surface(Surface.SUGGESTION).prefix_drop
        if threshold is None or not hits:
            return False
        return ACTION_ORDER[self.action(hits, Surface.SUGGESTION)] >= ACTION_ORDER[threshold]

    def hit_labels(self, hits: Iterable[Hit], surface: Surface | str) -> tuple[HitLabel, ...]:
        """The labels the ``label``-action hits on ``surface`` require."""
        where = Surface(surface)
        return tuple(HitLabel(self.category(h.category).label, h.category, h.term)
                     for h in hits if h.action_on(where) == Action.LABEL.value)

    def notice(self, surface: Surface | str, decision: str, hits: Sequence[Hit], *, pinned: bool = False,
               extra_categories: Iterable[str] = ()) -> str | None:
        """The notice for ``decision`` on ``surface``: names the categories of the hits whose action led
        to it (``extra_categories``: those of other signals); the pin notice when refutations are pinned."""
        row = self.surface(surface)
        template = row.notices.get(decision)
        if template is not None:
            cats = dict.fromkeys([*(h.category for h in hits if row.by_action[h.action_on(row.surface)] == decision),
                                  *extra_categories])
            names = "、".join(self.category(c).name for c in cats) or "违规"
            return template.format(names=names)
        if pinned and row.pin_notice:
            return row.pin_notice
        return None


#: The shipped policy (service defaults).
DEFAULT_POLICY = Policy.default()
