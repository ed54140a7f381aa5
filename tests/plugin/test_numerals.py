"""Chinese numerals (plugin.numerals): reading runs, writing numerals or quantities as digits, keys."""

from __future__ import annotations

import pytest

from plugin.numerals import (DIGIT_NUMERALS, chinese_number, chinese_numerals, dates_to_digits, numerals_to_digits, plain_chinese_number,
                             quantities_to_digits, quantity_key)


@pytest.mark.parametrize("run,value", [
    ("六十五", 65), ("十五", 15), ("十", 10), ("一百零五", 105), ("两千万", 20_000_000), ("二零二零", 2020),
    ("二〇二四", 2024), ("三亿五千万", 350_000_000), ("贰拾", 20), ("壹佰零叁", 103), ("3万", 30_000),
])
def test_chinese_number_reads_plain_financial_and_mixed_runs(run: str, value: int) -> None:
    assert chinese_number(run) == value


@pytest.mark.parametrize("run", ["", "六十五岁", "abc", "十 五"])
def test_chinese_number_is_none_for_other_text(run: str) -> None:
    assert chinese_number(run) is None


def test_plain_chinese_number_reads_everyday_numerals_only() -> None:
    assert plain_chinese_number("六十五") == 65
    assert plain_chinese_number("两千万") == 20_000_000
    assert plain_chinese_number("贰拾") is None  # financial
    assert plain_chinese_number("3万") is None  # digits
    assert plain_chinese_number("") is None


def test_numerals_to_digits_writes_every_run() -> None:
    assert numerals_to_digits("第十二届二〇二四年一百零三") == "第12届2024年103"
    assert numerals_to_digits("地铁三号线") == "地铁3号线"
    assert numerals_to_digits("千万富翁") == "千万富翁"  # units alone stay
    assert numerals_to_digits("三明治") == "3明治"  # every run, words included (titles only compare)


def test_quantities_to_digits_writes_quantities_only() -> None:
    assert quantities_to_digits("六十五岁以上老人") == "65岁以上老人"
    assert quantities_to_digits("地铁三号线") == "地铁3号线"
    assert quantities_to_digits("十二月二十五日") == "12月25日"
    assert quantities_to_digits("新增两例") == "新增2例"
    assert quantities_to_digits("第十二届") == "第12届"
    assert quantities_to_digits("3万人") == "30000人"
    assert quantities_to_digits("1.5亿元") == "150000000元"
    assert quantities_to_digits("百分之二十") == "20%"
    assert quantities_to_digits("百分之三点五") == "3.5%"
    assert quantities_to_digits("百分之三点十") == "百分之三点十"  # not a decimal: left as written, no error
    assert quantities_to_digits("一月一号") == "1月1号"
    # words that merely contain numeral characters stay
    for text in ("千万不要", "万一", "十分危险", "三明治", "一天", "一家人", "五一假期", "万分之一"):
        assert quantities_to_digits(text) == text


def test_quantity_key_compares_numbers_and_dates() -> None:
    assert quantity_key("1月9日") == ("date", 1, 9)
    assert quantity_key("1月") == ("date", 1, None)
    assert quantity_key("60") == ("num", 60.0)
    assert quantity_key("3.5") == ("num", 3.5)
    assert quantity_key("5g") == ("str", "5g")


def test_digit_numerals_write_digits_as_numerals() -> None:
    plain, financial = DIGIT_NUMERALS
    assert "3d0".translate(plain) == "三d零"
    assert "520".translate(financial) == "伍贰零"


def test_measure_words_come_from_one_table() -> None:
    assert quantities_to_digits("两艘军舰") == "2艘军舰"
    assert quantities_to_digits("一艘货轮") == "1艘货轮"  # a lone 一 before a vessel count is 1
    assert quantities_to_digits("三辆车五架飞机") == "3辆车5架飞机"
    assert quantities_to_digits("十二英寸") == "12英寸"
    for text in ("七台河", "三毛", "一次", "一只猫"):  # names and "a ..." stay
        assert quantities_to_digits(text) == text


def test_dotted_dates_and_holidays_become_dates() -> None:
    assert dates_to_digits("7.26郑州暴雨") == "7月26日郑州暴雨"
    assert dates_to_digits("7·21北京暴雨") == "7月21日北京暴雨"
    assert dates_to_digits("3.15晚会") == "3月15日晚会"
    assert dates_to_digits("7.26日") == "7月26日"
    assert dates_to_digits("五一假期") == "5月假期"
    assert dates_to_digits("国庆节出行") == "10月出行"
    assert dates_to_digits("元旦放假") == "1月1日放假"
    # decimals, versions, percentages, amounts and names stay
    for text in ("增长6.5%", "6.5级地震", "1.5倍", "4.9分", "3.5折", "价格3.99元", "v2.3版", "2020.3.15",
                 "五一广场", "八一中学", "13.5", "6.1英寸"):
        assert dates_to_digits(text) == text


def test_a_counted_time_unit_after_ge_is_a_quantity() -> None:
    assert quantities_to_digits("放两个小时才能用") == "放2个小时才能用"
    assert quantities_to_digits("隔离两个星期") == "隔离2个星期" and quantities_to_digits("三个礼拜") == "3个礼拜"
    assert quantities_to_digits("星期三") == "星期三"


def test_chinese_numerals_read_back_as_the_number() -> None:
    assert chinese_numerals(14) == ("十四",)
    assert chinese_numerals(2) == ("二", "两")
    assert chinese_numerals(105) == ("一百零五",)
    assert chinese_numerals(200) == ("二百", "两百")
    assert chinese_numerals(30005) == ("三万零五",)
    assert chinese_numerals(10**8) == () and chinese_numerals(-1) == ()
    for n in (*range(0, 2100), 10000, 10010, 96010, 120000, 99999999):
        assert all(plain_chinese_number(form) == n for form in chinese_numerals(n)), n
