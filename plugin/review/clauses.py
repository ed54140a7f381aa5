"""The seed clauses the review rules enforce, cited in every reason.

Seed 000: the 2024 "清朗·整治'自媒体'无底线博流量" campaign notice (sections 二 problems, 三 duties).
Seed 001: the 2023 notice with 13 measures on self-media management ("第N条" = measure N).
The ids are stable: stored review records refer to them.
"""

from __future__ import annotations

__all__ = ["CLAUSES", "clause"]

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


def clause(key: str) -> str:
    """The citation text for ``key`` (e.g. ``"000 三.3"``); unknown keys are a programming error."""
    return CLAUSES[key]
