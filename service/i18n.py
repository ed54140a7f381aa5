"""The editorial console's words: one message catalogue (Chinese first, English), the display names of the
policy's values (from :mod:`plugin.policy`, the one table), clause citations as an operator reads them, and
times in the configured zone (``display_timezone``, Beijing time by default).

Templates call ``t("key", **values)``; ``name("category", "gambling")`` gives 赌博 / Gambling;
``when(iso)`` a stored UTC time as ``2026-12-07 11:55`` in the display zone. The language is the user's
choice (the ``qinglang_lang`` cookie, set by ``?lang=en`` on any page), else ``console_language``.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from dataclasses import dataclass
from typing import Any, Mapping

from plugin.policy import display_name
from plugin.review.clauses import citation

__all__ = ["LANG_COOKIE", "LANGS", "MESSAGES", "Words", "words"]

LANGS = ("zh", "en")
LANG_COOKIE = "qinglang_lang"

#: key -> (Chinese, English); ``{name}`` placeholders are filled by ``t(key, name=...)``.
MESSAGES: Mapping[str, tuple[str, str]] = {
    # errors: a headline per kind; the store's own words follow it
    "error.four_eyes": ("四眼原则：发布需由未参与起草或修改此草稿的审批人操作",
                        "four-eyes: another approver must publish"),
    "error.conflict": ("冲突：草稿已被修改，或其基础版本已不是当前版本；请刷新页面、必要时先变基再操作",
                       "conflict: reload the page"),
    "error.not_found": ("未找到", "not found"), "error.auth": ("令牌无效、已吊销或权限不足", "token refused"),
    "error.validation": ("草稿有问题", "the draft has problems"), "error.store": ("操作未完成", "not done"),
    "error.busy": ("预览任务已满，请等当前预览完成后再试", "previews are busy"),
    "error.search_busy": ("另一个搜索正在编译匹配器，请稍后再试", "a search is compiling"),
    "error.review_conflict": ("该条目已被处理或不在待审队列中", "the item cannot take a decision"),
    "error.encoding": ("文件不是 UTF-8 编码", "the file is not UTF-8"),
    "issue.duplicate": ("重复词条", "duplicate"), "issue.exists": ("词条已存在，请改为编辑", "exists"),
    "issue.missing": ("词条不在基础版本中", "missing"), "issue.category": ("未知类别", "unknown category"),
    "issue.single_char": ("单字词条误伤风险高，需勾选强制", "single character"),
    "issue.entry": ("词条字段无效", "invalid entry"), "issue.op": ("未知的修改类型", "unknown change"),
    "issue.file": ("文件无法读取", "unreadable file"), "issue.parse": ("文件格式错误", "malformed file"),
    "issue.empty": ("文件没有带来任何修改", "changes nothing"),
    "issue.preview": ("预览发现问题", "preview finding"),
    # frame
    "app": ("qinglang 编辑台", "qinglang editorial console"),
    "nav.entries": ("词条", "Entries"), "nav.reviews": ("审核台", "Review desk"),
    "nav.discover": ("候选新词", "New code words"), "nav.upload": ("批量导入", "Bulk upload"),
    "nav.audit": ("审核记录", "Audit"), "nav.test": ("检测文本", "Test a text"),
    "logout": ("退出", "Sign out"), "lang.switch": ("English", "中文"),
    "login.title": ("登录", "Sign in"), "login.token": ("API 令牌", "API token"), "login.button": ("登录", "Sign in"),
    "login.hint": ("创建令牌：", "Create one with"),
    "role.reader": ("只读", "reader"), "role.reviewer": ("审核员", "reviewer"), "role.editor": ("编辑", "editor"),
    "role.approver": ("审批人", "approver"), "role.admin": ("管理员", "admin"),
    "test.placeholder": ("粘贴一段文本，查看为什么被拦截", "paste a text to see why it is blocked"),
    "test.button": ("检测", "Test"), "time.zone": ("时区", "time zone"),
    # index
    "live": ("当前生效版本", "Live version"), "serving": ("本进程使用版本", "this process serves version"),
    "entries.title": ("词条", "Entries"), "entries.count": ("版本 {version}，共 {total} 条", "version {version}, {total} matching"),
    "search.q": ("搜索词条（支持拼音、谐音，如 bjl）", "search (pinyin and homophones too, e.g. bjl)"),
    "search.button": ("搜索", "Search"), "all.categories": ("全部类别", "all categories"),
    "all.actions": ("全部处置", "all actions"), "all.tags": ("全部标签", "all tags"),
    "entries.live": ("当前版本", "live version"), "all.states": ("全部状态", "enabled or not"), "author": ("修改人", "changed by"),
    "date.from": ("修改日期自", "changed from"), "date.to": ("至", "to"),
    "col.term": ("词", "term"), "col.category": ("类别", "category"), "col.action": ("处置", "action"),
    "col.severity": ("等级", "severity"), "col.valid": ("有效期", "valid"), "col.note": ("备注", "note"),
    "col.tags": ("标签", "tags"), "col.changed": ("最后修改", "last changed"), "col.state": ("状态", "state"),
    "col.matched": ("匹配方式", "matched by"), "history": ("历史", "history"),
    "enabled": ("启用", "enabled"), "disabled": ("已停用", "disabled"),
    "do.disable": ("停用", "Disable"), "do.enable": ("启用", "Enable"),
    "page.prev": ("上一页", "Previous"), "page.next": ("下一页", "Next"),
    "page.of": ("第 {page} / {pages} 页", "page {page} of {pages}"),
    "draft.target": ("修改写入草稿", "changes go to draft"), "draft.new_auto": ("新建草稿", "a new draft"),
    "drafts": ("草稿", "Drafts"), "col.id": ("编号", "#"), "col.author": ("作者", "author"),
    "col.base": ("基于版本", "base"), "col.changes": ("修改数", "changes"),
    "draft.note": ("草稿说明", "what is this draft for?"), "draft.new": ("新建草稿", "New draft"),
    "versions": ("版本", "Versions"), "col.version": ("版本", "version"), "col.kind": ("类型", "kind"),
    "col.approver": ("审批人", "approver"), "col.published": ("发布时间", "published"),
    "col.entries": ("词条数", "entries"), "col.diff": ("增/删/改", "+/-/~"),
    "versions.more": ("更多版本", "more versions"), "rollback.reason": ("原因", "reason"), "rollback": ("回滚", "Roll back"),
    "kind.seed": ("初始", "seed"), "kind.publish": ("发布", "publish"), "kind.rollback": ("回滚", "rollback"),
    # messages after a post
    "msg.draft_opened": ("已新建草稿 #{id}", "draft #{id} opened"),
    "msg.drafted": ("已写入草稿：{done}", "drafted: {done}"),
    "msg.dropped": ("已撤销 {term_id} 的修改", "dropped the change of {term_id}"),
    "msg.published": ("已发布版本 {n}", "version {n} published"),
    "msg.rebased": ("已变基到版本 {to}{extra}", "rebased onto version {to}{extra}"),
    "msg.discarded": ("已丢弃草稿 #{id}", "draft #{id} discarded"),
    "msg.rollback": ("回滚到版本 {to} 已起草为 #{id}，待审批人发布", "rollback to version {to} drafted as #{id}; an approver publishes it"),
    "msg.toggled": ("{term_id}：{state}（草稿 #{id}，发布后生效）", "{term_id} {state} in draft #{id} (live once published)"),
    "msg.decided": ("已处理：{decision}", "decided: {decision}"),
    "msg.suggested": ("“{term}”已作为候选新词加入草稿 #{id}（未发布）", "“{term}” added to draft #{id} as a suggestion (not published)"),
    "msg.imported": ("已导入草稿 #{id}：{counts}", "imported into draft #{id}: {counts}"),
    # history / version
    "history.title": ("{term_id} 的修改历史", "History of {term_id}"),
    "col.versions": ("版本范围", "versions"), "col.what": ("内容", "entry"), "col.when": ("时间", "time"),
    "live.now": ("当前", "live"), "none": ("无", "none"),
    "version.title": ("版本 {n}", "Version {n}"), "version.diff": ("与版本 {n} 的差异", "Diff against version {n}"),
    "diff.added": ("新增", "added"), "diff.removed": ("删除", "removed"), "diff.changed": ("修改", "changed"),
    "changeset": ("修改集", "change-set"),
    # test a text
    "test.title": ("检测文本", "Test a text"), "test.hits": ("命中", "Hits"),
    "test.decisions": ("各场景处置", "Decision per surface"), "test.surface": ("场景", "surface"),
    "test.decision": ("处置", "decision"), "test.notice": ("提示语", "notice"),
    "test.decided_by": ("决定因素", "decided by"), "test.pins": ("置顶辟谣", "Pinned refutations"),
    "test.model": ("模型证据", "Model evidence"), "test.no_hits": ("没有命中任何词条", "no entry matches"),
    "test.technique": ("匹配方式", "technique"), "test.span": ("原文片段", "text span"),
    "test.entry": ("词条", "entry"), "test.changed_by": ("最后修改人", "last changed by"),
    "test.version": ("词库版本 {v}", "lexicon version {v}"),
    "by.lexicon": ("词库", "lexicon"), "by.rumor": ("谣言库", "rumour index"), "by.signal": ("模型", "model"),
    # review desk
    "reviews.title": ("审核台：待审 {total} 条", "Review desk: {total} pending"),
    "reviews.filter": ("筛选", "Filter"), "reviews.reason": ("原因", "reason"),
    "reviews.age": ("等待超过（小时）", "waiting more than (hours)"), "all.reasons": ("全部原因", "all reasons"),
    "all.surfaces": ("全部场景", "all surfaces"),
    "col.title": ("标题", "title"), "col.account": ("账号", "account"), "col.reasons": ("原因", "reasons"),
    "col.waiting": ("等待", "waiting"), "col.auto": ("自动判定", "automatic"),
    "reviews.empty": ("没有待审条目", "nothing pending"), "reviews.open": ("处理", "open"),
    "item.title": ("审核条目 {id}", "Review item {id}"), "item.body": ("正文摘要", "body excerpt"),
    "item.account": ("账号", "account"), "item.owner": ("运营主体", "owner"), "item.mcn": ("MCN 机构", "MCN"),
    "item.registered": ("注册时间", "registered"), "item.renamed": ("改名时间", "renamed"),
    "item.violations": ("90 天违规", "violations in 90 days"), "item.verified": ("机构认证", "verified organisation"),
    "item.matrix": ("矩阵关联", "matrix links"), "item.requeued": ("因矩阵关联重新送审", "requeued: matrix near-duplicate"),
    "item.reasons": ("原因与依据条款", "Reasons and clauses"), "item.labels": ("需加标签", "labels required"),
    "item.pins": ("置顶辟谣", "pinned refutations"), "item.decide": ("处理（快捷键 a / l / m / r，j / k 上下条）",
                                                                  "Decide (keys a / l / m / r; j / k next / previous)"),
    "item.note": ("处理说明", "note"), "item.decided": ("{reviewer} 于 {at} 处理为 {decision}", "decided {decision} by {reviewer} at {at}"),
    "item.audit": ("审核记录", "audit trail"), "item.next": ("下一条", "next"), "item.prev": ("上一条", "previous"),
    "hours": ("{n} 小时", "{n} h"), "minutes": ("{n} 分钟", "{n} min"),
    "audit.title": ("审核记录", "Audit trail"), "col.actor": ("操作人", "actor"), "col.event": ("事件", "event"),
    "col.item": ("条目", "item"), "col.detail": ("详情", "detail"),
    "event.auto_decision": ("自动判定", "automatic decision"), "event.human_decision": ("人工处理", "human decision"),
    "event.requeued": ("重新送审", "requeued"),
    # discovery
    "discover.title": ("候选新词", "New code-word candidates"),
    "discover.intro": ("从近期被拒绝 / 被标记的内容中找出词库尚未覆盖的高频词，与正常内容对比。候选词只会作为建议写入草稿（带“候选新词”标签），需审批人发布，绝不会自动生效。",
                       "Words over-represented in recently rejected / flagged content, against benign text, that the lexicons do not match yet. A candidate only goes into a draft as a suggestion (tagged 候选新词); an approver publishes it, never automatically."),
    "discover.run": ("运行发现", "Run discovery"), "discover.days": ("最近天数", "last days"),
    "discover.min_count": ("最少出现条数", "minimum texts"),
    "discover.corpus": ("前景 {fg} 条（拒绝 / 标记），背景 {bg} 条（正常）", "foreground {fg} texts (rejected / flagged), background {bg} benign texts"),
    "discover.none": ("没有候选词（前景太少或都已在词库中）", "no candidates (too little foreground, or all known)"),
    "col.fg": ("违规中出现", "in flagged"), "col.bg": ("正常中出现", "in benign"),
    "col.suggested": ("建议类别", "suggested category"), "col.context": ("需上下文限定", "needs a context gate"),
    "col.examples": ("例句", "examples"), "col.score": ("对数几率 / z", "log-odds / z"),
    "discover.add": ("加入草稿（建议）", "Add to draft (suggestion)"), "yes": ("是", "yes"), "no": ("否", "no"),
    "discover.tag": ("候选新词", "候选新词"),
    # upload
    "upload.title": ("批量导入词条", "Bulk upload"),
    "upload.intro": ("上传 txt（每行一个词）、tsv 或 yaml 词库文件，先预览再写入草稿。",
                     "Upload a txt (one term a line), tsv or yaml lexicon file; preview before it lands in a draft."),
    "upload.file": ("文件", "file"), "upload.category": ("txt 的类别", "category of a txt file"),
    "upload.action": ("txt 的处置", "action of a txt file"),
    "upload.preview": ("预览", "Preview"), "upload.confirm": ("确认写入草稿", "Put into the draft"),
    "upload.would": ("将写入的修改", "Changes it would draft"), "upload.issues": ("问题", "Problems"),
    "upload.refused": ("文件有错误，未写入", "the file has errors; nothing was drafted"),
    "col.op": ("操作", "op"), "col.source": ("来源行", "source"),
    "op.add": ("新增", "add"), "op.edit": ("修改", "edit"), "op.remove": ("删除", "remove"),
    # changeset / preview
    "cs.title": ("草稿 #{id}", "Draft #{id}"), "cs.preview": ("预览处置变化", "Preview the decision diff"),
    "cs.corpus": ("预览语料", "preview corpus"), "corpus.default": ("内置热搜标题 + 近期记录", "bundled titles + recent texts"),
    "corpus.queries": ("近期搜索词", "recent queries"), "corpus.upload": ("上传文件", "uploaded file"),
    "cs.needs_force": ("此草稿新拦截的比例超过上限：发布需勾选“强制”", "This draft newly blocks more than the allowed share: publishing needs force."),
    "cs.stale": ("已过期：当前生效版本为 {live}，发布前请变基", "stale: version {live} is live; rebase before publishing"),
    "cs.changes": ("修改内容", "Changes"), "status.draft": ("草稿", "draft"), "status.published": ("已发布", "published"),
    "status.discarded": ("已丢弃", "discarded"),
    "cs.revision": ("修订号", "revision"), "cs.rollback_to": ("回滚到版本 {v}", "rollback to version {v}"),
    "cs.event.rebase": ("{who} 于 {when} 变基（{detail}）", "rebased by {who} at {when} ({detail})"),
    "cs.event.discard": ("{who} 于 {when} 放弃", "discarded by {who} at {when}"),
    "cs.contributors": ("参与人（四眼原则下均不可发布）：", "contributors (none of them may publish it under four-eyes): "),
    "cs.drop": ("撤销", "drop"), "cs.add_edit": ("新增 / 修改词条", "Add / edit an entry"),
    "cs.valid_from": ("生效日期 YYYY-MM-DD", "valid from YYYY-MM-DD"), "cs.valid_to": ("失效日期 YYYY-MM-DD", "valid to YYYY-MM-DD"),
    "cs.force": ("强制", "force"), "cs.save": ("保存", "Save"), "cs.rebase": ("变基到当前版本", "Rebase onto live"),
    "cs.discard": ("丢弃草稿", "Discard"),
    "cs.publish_legend": ("发布此修订（审批人；四眼原则：不得是此草稿的作者或编辑）",
                          "Publish this revision (approver; four-eyes: not the author or an editor of this draft)"),
    "cs.version_note": ("版本说明", "version note"), "cs.publish_force": ("强制（已核对预览）", "force (after reviewing the preview)"),
    "cs.publish": ("发布", "Publish"), "cs.before": ("之前", "before"), "cs.after": ("之后", "after"), "cs.text": ("文本", "text"),
    "preview.running": ("正在预览：{done} / {total}", "previewing: {done} / {total}"),
    "preview.summary": ("预览结果（{n} 条文本，对比版本 {base}）", "Preview against version {base} on {n} texts"),
    "preview.newly_blocked": ("新拦截", "newly blocked"), "preview.newly_allowed": ("新放行", "newly allowed"),
    "preview.changed": ("其他处置变化", "other decision changes"), "preview.hits_changed": ("仅命中变化", "hit changes"),
    "preview.unchanged": ("无变化", "unchanged"), "preview.lost": ("预览任务已不存在（服务重启或由其他进程处理），请重新预览",
                                                          "the preview job is gone (restart, or another worker); run it again"),
}


@dataclass(frozen=True)
class Words:
    """The words of one language and one display zone (what a template calls as ``t``, ``name``,
    ``cite`` and ``when``)."""

    lang: str
    zone: str = "Asia/Shanghai"

    def t(self, key: str, **values: Any) -> str:
        """The message ``key`` in this language (the key itself when the catalogue lacks it)."""
        pair = MESSAGES.get(key)
        text = key if pair is None else pair[0 if self.lang == "zh" else 1]
        return text.format(**values) if values else text

    def name(self, kind: str, value: Any) -> str:
        """Display name of a policy value (``category``, ``action``, ``decision``, ``surface``,
        ``technique``, ``rumor_status``, ``rule``): :func:`plugin.policy.display_name`."""
        return display_name(kind, str(value), self.lang) if value is not None else ""

    def cite(self, clause: str) -> str:
        """A reason's clause as an operator cites it (``《清朗·…》二.3 以偏概全设置话题``)."""
        return citation(clause) if clause else ""

    def when(self, value: Any, *, seconds: bool = False) -> str:
        """A stored time (ISO text, UTC when it has no zone) in the display zone, ``YYYY-MM-DD HH:MM``."""
        if not value:
            return ""
        try:
            t = value if isinstance(value, dt.datetime) else dt.datetime.fromisoformat(str(value))
        except ValueError:
            return str(value)
        if t.tzinfo is None:
            t = t.replace(tzinfo=dt.timezone.utc)
        try:
            shown = t.astimezone(zoneinfo.ZoneInfo(self.zone))
        except OverflowError:  # a client's time at the calendar's edge (9999-12-31T23:59-12:00): as it was given
            return str(value)
        return shown.strftime("%Y-%m-%d %H:%M:%S" if seconds else "%Y-%m-%d %H:%M")

    def zone_label(self) -> str:
        return "北京时间" if self.zone in ("Asia/Shanghai", "Asia/Chongqing", "PRC") and self.lang == "zh" else self.zone


def words(lang: str | None, zone: str = "Asia/Shanghai", default: str = "zh") -> Words:
    """The :class:`Words` of ``lang`` (``default`` when it is not one of :data:`LANGS`)."""
    return Words(lang if lang in LANGS else default, zone)
