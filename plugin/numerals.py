"""Chinese numerals: reading them, writing them as digits, and digits written as numerals.

* :func:`chinese_number` reads a run of numerals, plain or financial (六十五 → 65, 二〇二四 →
  2024 digit by digit, 两千万 → 20000000, 贰拾 → 20); :func:`plain_chinese_number` reads only
  everyday numerals (no financial forms, no ASCII digits).
* :func:`numerals_to_digits` writes every run of numerals as digits (三号线 → 3号线, 一百二十三 →
  123): titles compared as near-duplicates (:mod:`plugin.review.matrix`).
* :func:`quantities_to_digits` writes only quantities as digits: numerals before a unit, after
  第 or 百分之 (六十五岁 → 65岁, 百分之二十 → 20%, 3万 → 30000), leaving words that merely
  contain numeral characters (千万不要, 万一, 三明治) alone: rumour analysis
  (:mod:`plugin.rumors.analysis`).
* :func:`dates_to_digits` writes dotted dates and fixed-date holidays as month-day dates (7.26 →
  7月26日, 五一 → 5月, 国庆 → 10月, 元旦 → 1月1日), so they compare with written dates.
* :func:`quantity_key` / :func:`quantities_agree` compare numbers and dates the rumour analysis
  wrote (``60`` and ``56`` agree, ``1月`` and ``1月9日`` agree).
* :data:`DIGIT_NUMERALS`: digits → numerals tables (a term's digits written as 零一二 / 零壹贰),
  for the matcher's numeral variants.
"""

from __future__ import annotations

from functools import lru_cache

from . import fixed_regex

__all__ = [
    "CN_BIG",
    "CN_DIGITS",
    "CN_UNITS",
    "DIGIT_NUMERALS",
    "PLAIN_DIGITS",
    "chinese_number",
    "chinese_numerals",
    "numerals_to_digits",
    "plain_chinese_number",
    "quantities_agree",
    "quantities_to_digits",
    "quantity_key",
    "FIXED_HOLIDAYS",
    "MEASURE_WORDS",
    "ONE_UNITS",
    "dates_to_digits",
]

#: Chinese numerals, plain and financial (ASCII digits too, for mixed runs), with their units.
CN_DIGITS = {
    "零": 0, "〇": 0, "0": 0, "一": 1, "壹": 1, "1": 1, "二": 2, "贰": 2, "两": 2, "2": 2, "三": 3, "叁": 3, "3": 3,
    "四": 4, "肆": 4, "4": 4, "五": 5, "伍": 5, "5": 5, "六": 6, "陆": 6, "6": 6, "七": 7, "柒": 7, "7": 7,
    "八": 8, "捌": 8, "8": 8, "九": 9, "玖": 9, "9": 9,
}
CN_UNITS = {"十": 10, "拾": 10, "百": 100, "佰": 100, "千": 1000, "仟": 1000}
CN_BIG = {"万": 10**4, "亿": 10**8}

#: Everyday digits (no financial forms, no ASCII digits).
PLAIN_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8,
                "九": 9}
_PLAIN_UNITS = {"十": 10, "百": 100, "千": 1000}

#: A term's digits written as Chinese numerals (〇 folds to 0, so zero is 零) and as financial numerals.
DIGIT_NUMERALS = (str.maketrans("0123456789", "零一二三四五六七八九"), str.maketrans("0123456789", "零壹贰叁肆伍陆柒捌玖"))


def chinese_number(run: str) -> int | None:
    """Value of a run of Chinese numerals (六十五 → 65, 二〇二四 → 2024 digit by digit, 两千万 →
    20000000); None when the run holds anything else."""
    if not run or any(ch not in CN_DIGITS and ch not in CN_UNITS and ch not in CN_BIG for ch in run):
        return None
    if not any(ch in CN_UNITS or ch in CN_BIG for ch in run):
        return int("".join(str(CN_DIGITS[ch]) for ch in run))
    total = section = number = 0
    for ch in run:
        if ch in CN_DIGITS:
            number = CN_DIGITS[ch]
        elif ch in CN_UNITS:
            section += (number or 1) * CN_UNITS[ch]
            number = 0
        elif ch == "亿":
            total = (total + section + number) * CN_BIG[ch]
            section = number = 0
        else:
            total += (section + number) * CN_BIG[ch]
            section = number = 0
    return total + section + number


def chinese_numerals(n: int) -> tuple[str, ...]:
    """How ``n`` (0 to 99,999,999) is written in everyday Chinese numerals, the reading of
    :func:`plain_chinese_number` backwards: 14 → 十四, 105 → 一百零五, 2 → 二 and 两, 200 → 二百 and 两百;
    ``()`` out of range."""
    if not 0 <= n < 10**8:
        return ()
    if n == 0:
        return ("零",)
    digits = "零一二三四五六七八九"

    def below(x: int, lead: bool) -> str:  # 1..9999; ``lead``: nothing written before it
        out, zero = "", False
        for unit, name in ((1000, "千"), (100, "百"), (10, "十"), (1, "")):
            d = x // unit % 10
            if d == 0:
                zero = bool(out)
                continue
            if zero:
                out += "零"
                zero = False
            out += ("" if d == 1 and unit == 10 and lead and not out else digits[d]) + name
        return out

    high, low = divmod(n, 10**4)
    text = (below(high, True) + "万" if high else "") + ("零" if high and 0 < low < 1000 else "") + (
        below(low, not high) if low else "")
    forms = [text]
    if text.startswith("二") and (n == 2 or text[1:2] in ("百", "千", "万")):
        forms.append("两" + text[1:])
    return tuple(forms)


def plain_chinese_number(run: str) -> int | None:
    """Value of a run of everyday numerals (六十五 → 65, 二零二零 → 2020, 两千万 → 20000000); None
    for anything else, financial numerals and ASCII digits included."""
    if not run or any(ch not in PLAIN_DIGITS and ch not in _PLAIN_UNITS and ch not in CN_BIG for ch in run):
        return None
    return chinese_number(run)


_CN_RUN = fixed_regex.compile("[" + "".join(CN_DIGITS) + "".join(CN_UNITS) + "".join(CN_BIG) + "]+")


def numerals_to_digits(text: str) -> str:
    """Every run of Chinese numerals written as digits: 三号线 → 3号线, 一百二十三 → 123, 十 → 10,
    二〇二四 → 2024. Runs of units alone (千万, 百万) are left as they are."""
    def repl(m: fixed_regex.FixedMatch) -> str:
        run = m.group(0)
        if not any(ch in CN_DIGITS or ch in ("十", "拾") for ch in run):
            return run
        return str(chinese_number(run))

    return _CN_RUN.sub(repl, text)


#: Units and measure words (量词) after which a Chinese numeral is a quantity (六十五岁, 三号线,
#: 两艘, 十二月二十五日), by kind. Left out on purpose: measure words that start common names
#: after a numeral (台: 七台河, 头, 口, 角 and 毛: 三毛, 五毛).
MEASURE_WORDS: dict[str, tuple[str, ...]] = {
    "time": ("个月", "小时", "个小时", "钟头", "个钟头", "分钟", "岁", "月", "日", "号", "天", "周", "星期", "个星期",
             "礼拜", "个礼拜", "年", "秒", "季度"),
    "count": ("例", "人", "名", "位", "户", "家", "所", "座", "栋", "层", "楼", "条", "项", "类", "批", "轮", "级",
              "次", "场", "届", "期", "起", "件", "份", "套", "张", "本", "部", "只", "匹", "根", "枚",
              "间", "颗", "粒", "片", "袋", "盒", "包", "箱", "瓶", "杯", "碗", "针", "剂", "组", "对", "双"),
    "vehicle": ("号线", "艘", "辆", "架", "列", "趟", "班"),
    "money": ("万", "亿", "元", "块", "成", "倍"),
    "measure": ("公里", "公斤", "千克", "千米", "毫升", "毫米", "厘米", "平方米", "平米", "公顷", "亩", "吨", "升",
                "度", "斤", "克", "米", "英寸", "寸"),
    "place": ("省", "市", "区", "县", "镇", "村"),
}
#: Units where a lone 一 means "1" (一月 / 一号 / 一例 / 一艘), not "a" (一天 / 一家 / 一次).
ONE_UNITS: tuple[str, ...] = ("号线", "月", "日", "号", "岁", "例", "名", "楼", "层", "元", "级", "针", "剂", "成",
                               "艘", "架", "列")


def _alternation(units: "tuple[str, ...] | list[str]") -> str:
    return "|".join(fixed_regex.escape(u) for u in sorted(set(units), key=lambda u: (-len(u), u)))


_UNITS = _alternation([u for group in MEASURE_WORDS.values() for u in group])
_ONE_UNITS = _alternation(ONE_UNITS)
_QUANTITY_RE = fixed_regex.compile(
    "第([零〇一二两三四五六七八九十百千]+)|百分之([零〇一二两三四五六七八九十百千点]+)"
    f"|([一二两三四五六七八九十][零〇一二两三四五六七八九十百千万亿]*)({_UNITS})"  # the unit is kept as it is
)
_ONE_UNIT_RE = fixed_regex.compile(f"(?:{_ONE_UNITS})$")
_AR_BIG_RE = fixed_regex.compile(r"(\p{Nd}+(?:\.\p{Nd}+)?)([万亿])(分之)?")  # 3万分之一 stays


def _fmt(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else repr(round(x, 4))


def quantities_to_digits(text: str) -> str:
    """Chinese numerals before a unit (or after 第 / 百分之) → digits; 3万 → 30000."""
    def cn(m: fixed_regex.FixedMatch) -> str:
        if m.group(1) is not None:
            v = plain_chinese_number(m.group(1))
            return m.group(0) if v is None else f"第{v}"
        if m.group(2) is not None:
            head, _, tail = m.group(2).partition("点")
            v = plain_chinese_number(head)
            if v is None or any(c not in PLAIN_DIGITS for c in tail):  # decimals are read digit by digit
                return m.group(0)
            return (f"{v}.{''.join(str(PLAIN_DIGITS[c]) for c in tail)}" if tail else str(v)) + "%"
        num, unit = m.group(3), m.group(4)
        if num == "一" and not _ONE_UNIT_RE.match(unit):
            return num + unit
        v = plain_chinese_number(num)
        return (num if v is None else str(v)) + unit

    if not any(ch in PLAIN_DIGITS or ch in _PLAIN_UNITS for ch in text):
        out = text
    else:
        out = _QUANTITY_RE.sub(cn, text)
    if "万" in out or "亿" in out:
        out = _AR_BIG_RE.sub(lambda m: m.group(0) if m.group(3) else _fmt(float(m.group(1)) * CN_BIG[m.group(2)]), out)
    return out


#: Holidays on a fixed Gregorian date (or month: 五一 and 国庆 are week-long holidays) → the date as
#: written; lunar holidays (春节, 中秋, 端午) have no fixed date and stay words.
FIXED_HOLIDAYS: dict[str, str] = {
    "元旦": "1月1日", "情人节": "2月14日", "三八妇女节": "3月8日", "妇女节": "3月8日", "三八节": "3月8日",
    "植树节": "3月12日", "愚人节": "4月1日", "五一劳动节": "5月", "五一国际劳动节": "5月", "劳动节": "5月",
    "五一节": "5月", "五一": "5月", "五四青年节": "5月4日", "青年节": "5月4日", "六一儿童节": "6月1日",
    "儿童节": "6月1日", "六一": "6月1日", "建党节": "7月1日", "建军节": "8月1日", "教师节": "9月10日",
    "国庆节": "10月", "国庆": "10月", "十一黄金周": "10月", "国庆黄金周": "10月", "平安夜": "12月24日",
    "圣诞节": "12月25日", "圣诞": "12月25日", "双十一": "11月11日", "双11": "11月11日", "双十二": "12月12日",
    "双12": "12月12日",
}
_HOLIDAYS_LONGEST_FIRST = sorted(FIXED_HOLIDAYS, key=lambda h: (-len(h), h))
# a holiday name that is part of a place or an organisation's name (五一广场, 八一中学, 国庆路) stays:
# group 2, when it took part, is such a name's tail
_PLACE_TAILS = ("广场", "路", "大街", "大道", "街", "中学", "小学", "大学", "学校", "队", "村", "桥", "厂", "剧院", "影院",
                "公园", "社区", "小区", "大厦", "商场", "号")
_HOLIDAY_RE = fixed_regex.compile(
    "(" + "|".join(fixed_regex.escape(h) for h in _HOLIDAYS_LONGEST_FIRST) + ")"
    "(" + "|".join(_PLACE_TAILS) + ")?"
)


def _holiday(m: fixed_regex.FixedMatch) -> str:
    """The date of the holiday named at the match; before a place's tail, the longest shorter holiday
    name that is not (五一劳动节路: 五一 → 5月, 劳动节路 stays), else the text as it is."""
    whole = m.group(0)
    if m.group(2) is None:
        return FIXED_HOLIDAYS[m.group(1)]
    for h in _HOLIDAYS_LONGEST_FIRST:
        if len(h) < len(m.group(1)) and whole.startswith(h) and not whole[len(h):].startswith(_PLACE_TAILS):
            return FIXED_HOLIDAYS[h] + _HOLIDAY_RE.sub(_holiday, whole[len(h):])
    return whole
#: Characters a dotted date must not follow (it would be part of a longer number, a version, a word).
_DATE_NOT_AFTER = frozenset("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz.·")
# month.day with month 1-12 and day 1-31 (7.26, 7·21, 12.01), not part of a longer number, a version,
# a decimal before a unit or a percent (6.5级, 3.5%, 1.5倍, 4.9分, 3.8折): a match whose group 3 took
# part is such a number, not a date
_DOTTED_DATE_RE = fixed_regex.compile_bytes((
    r"(1[0-2]|0?[1-9])[.·・](3[01]|[12][0-9]|0?[1-9])(?:日|号)?"
    "([0-9A-Za-z.·%％‰]|" + _UNITS + "|分|折|亿|千|百|十)?"
).encode())


def _is_dotted_date(m: fixed_regex.CheckedMatch, text: str) -> bool:
    """Not after a digit, letter or dot, and nothing after it that makes it a number."""
    return m.group(3) is None and not (m.start() > 0 and text[m.start() - 1] in _DATE_NOT_AFTER)


def _dotted_dates(text: str) -> str:
    """``text`` with every dotted date written as ``M月D日``."""
    return fixed_regex.sub_checked(_DOTTED_DATE_RE, text, lambda m: f"{int(m.group(1) or 0)}月{int(m.group(2) or 0)}日",
                                   lambda m: _is_dotted_date(m, text))


def dates_to_digits(text: str) -> str:
    """Dotted dates and fixed-date holidays as written dates: 7.26 → 7月26日, 7·21 → 7月21日, 五一 →
    5月, 国庆 → 10月, 元旦 → 1月1日; decimals (3.5%, 6.5级, 1.5倍) and names (五一广场) stay."""
    if any(h[0] in text for h in ("元", "情", "三", "妇", "植", "愚", "五", "劳", "青", "六", "儿", "建", "教", "国",
                                  "十", "平", "圣", "双")):
        text = _HOLIDAY_RE.sub(_holiday, text)
    if "." in text or "·" in text or "・" in text:
        text = _dotted_dates(text)
    return text


_DATE_KEY_RE = fixed_regex.compile(r"(\p{Nd}+)月(?:(\p{Nd}+)日)?")


@lru_cache(maxsize=4096)
def quantity_key(text: str) -> tuple[str, int, int | None] | tuple[str, float] | tuple[str, str]:
    """``('date', month, day | None)`` for ``1月9日`` / ``1月``, ``('num', value)`` for ``60``,
    ``('str', text)`` for anything else: numbers and dates compare by these keys."""
    m = _DATE_KEY_RE.fullmatch(text)
    if m:
        return ("date", int(m.group(1)), int(m.group(2)) if m.group(2) else None)
    try:
        return ("num", float(text))
    except ValueError:
        return ("str", text)


def quantities_agree(a: str, b: str) -> bool | None:
    """Numbers (``60``, ``56``) equal or within 10 % of each other; dates (``1月9日``) by month and
    day (a month alone, ``1月``, agrees with any day of it). ``None``: not comparable (a date and
    a plain number)."""
    ka, kb = quantity_key(a), quantity_key(b)
    if len(ka) == 3 and len(kb) == 3:  # two dates: ('date', month, day | None)
        return ka[1] == kb[1] and (ka[2] is None or kb[2] is None or ka[2] == kb[2])
    if ka[0] == "num" and kb[0] == "num":
        x, y = float(ka[1]), float(kb[1])
        return x == y or abs(x - y) <= 0.1 * max(abs(x), abs(y))
    if ka[0] == "str" and kb[0] == "str":
        return a == b
    return None
