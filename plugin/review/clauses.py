"""The seed clauses the review rules enforce, cited in every reason.

Seed 000: the 2024 "清朗·整治'自媒体'无底线博流量" campaign notice (sections 二 problems, 三 duties).
Seed 001: the 2023 notice with 13 measures on self-media management ("第N条" = measure N).
The ids are stable: stored review records refer to them.
"""

from __future__ import annotations

__all__ = ["CLAUSES", "SEED_TITLES", "citation", "clause"]

CLAUSES: dict[str, str] = {
    "000 二.1": "000 二.1 自导自演式造假（引用旧闻旧事，以旧为新）",
    "000 二.2": "000 二.2 不择手段蹭炒社会热点（操纵矩阵账号制造虚假热点）",
    "000 二.3": "000 二.3 以偏概全设置话题（标题党、震惊体）",
    "000 二.4": "000 二.4 违背公序良俗制造人设",
    "000 二.5": "000 二.5 滥发“新黄色新闻”",
    "000 三.1": "000 三.1 热搜榜单强化拟上榜信息审核",
    "000 三.2": "000 三.2 从严审核热点事件发生后新注册及名称变更的账号；矩阵账号",
    "000 三.3": "000 三.3 加强信息来源标注展示（来源、AI生成、虚构标签）",
    "000 三.4": "000 三.4 完善流量管理措施（应标未标不得在重点环节呈现；限流、暂停互动数据增长）",
    "001 第1条": "001 第1条 严防假冒仿冒行为（党政军机关、新闻媒体、行政区划名称须人工审核）",
    "001 第2条": "001 第2条 强化资质认证展示（金融、教育、医疗卫生、司法等领域）",
    "001 第3条": "001 第3条 规范信息来源标注（技术生成、旧闻须标注）",
    "001 第5条": "001 第5条 加注虚构内容或争议信息标签（争议信息限流）",
    "001 第6条": "001 第6条 完善谣言标签功能（置顶辟谣信息）",
    "001 第7条": "001 第7条 规范账号运营行为（严禁账号矩阵发布传播违法和不良信息）",
    "001 第10条": "001 第10条 处置期间历史发文不得在推荐、榜单等重点环节呈现",
}


#: The notices' titles as an operator cites them (the seed id is internal).
SEED_TITLES: dict[str, str] = {
    "000": "《清朗·整治“自媒体”无底线博流量》",
    "001": "《关于加强“自媒体”管理的通知》",
}


#: How lexicon files name the notices in their free-text ``clause`` (``2024 campaign 二.3``,
#: ``2023 notice measures 7, 10``): the seed each prefix stands for.
_WRITTEN_PREFIXES = (("2024 campaign ", "000"), ("2023 notice measures ", "001"), ("2023 notice measure ", "001"))


def _cite_one(part: str, last: str | None) -> tuple[str, str | None]:
    """One clause cited, and the seed it named (a bare ``三.1`` after ``2024 campaign 二.3`` continues it)."""
    full = CLAUSES.get(part, part)
    seed, _, rest = full.partition(" ")
    if full in CLAUSES.values() and seed in SEED_TITLES:
        return SEED_TITLES[seed] + rest.split("（", 1)[0].strip(), seed
    for prefix, seed in _WRITTEN_PREFIXES:
        if part.startswith(prefix):
            rest = part[len(prefix):]
            if seed == "001":  # "measures 7, 10 (…)": the numbers run up to the first word that is not one
                words = rest.split(" ")
                nums = []
                while words and words[0].rstrip(",").isdigit():
                    nums.append(words.pop(0).rstrip(","))
                if nums:
                    rest = "第" + "、".join(nums) + "条" + (" " + " ".join(words) if words else "")
            return SEED_TITLES[seed] + rest.strip(), seed
    if last == "000" and part[:1] in "一二三四五" and part[1:2] == ".":
        return SEED_TITLES[last] + part, last
    return part, None


def citation(text: str) -> str:
    """How a Chinese operator reads a clause: ``"000 二.3 以偏概全设置话题（标题党、震惊体）"`` (a
    :data:`CLAUSES` text or key, as stored in a reason) → ``《清朗·整治“自媒体”无底线博流量》二.3
    以偏概全设置话题``; a lexicon's written clause (``2024 campaign 二.3 / 二.5; 2023 notice measures 7, 10``)
    → ``《清朗·…》二.3 / 二.5；《关于加强“自媒体”管理的通知》第7、10条``; several clauses joined by ``；``
    each; anything else is returned unchanged."""
    parts = [p.strip() for p in text.replace(";", "；").split("；")]
    known = set(CLAUSES.values())
    out = []
    last: str | None = None
    i = 0
    while i < len(parts):
        # a clause text may hold a "；" itself (000 三.2): take the longest run of parts that is one
        j = next((j for j in range(len(parts), i + 1, -1) if "；".join(parts[i:j]) in known), i + 1)
        part = "；".join(parts[i:j])
        i = j
        if part:
            cited, last = _cite_one(part, last)
            out.append(cited)
    return "；".join(out)


def clause(key: str) -> str:
    """The citation text for ``key`` (e.g. ``"000 三.3"``); unknown keys are a programming error."""
    return CLAUSES[key]
