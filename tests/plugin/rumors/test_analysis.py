"""Text analysis for rumour matching: noise words, numbers, dates, runs of single characters,
equivalent words (plugin.rumors.analysis)."""

from __future__ import annotations

import pytest

from plugin import fixed_regex
from plugin.rumors.analysis import QuestionFrames, analyze, fractions, has_intent, number_key
from plugin.rumors.synonyms import default_table


def words(text: str) -> set[str]:
    return set(analyze(text).words)


def test_chain_message_noise_is_dropped() -> None:
    plain = words("吃大蒜可以杀灭新冠病毒")
    assert words("紧急扩散！！最新消息：大家赶紧转发给家人，吃大蒜可以杀灭新冠病毒，速看") == plain
    assert words("据说吃大蒜可以杀灭新冠病毒，注意！") == plain
    assert words("紧急！扩散！转发！") == set()


def test_numerals_before_units_become_arabic() -> None:
    # plugin.numerals.quantities_to_digits (tests/plugin/test_numerals.py) before segmentation
    assert words("六十五岁以上老人不能打疫苗") == words("65岁以上老人不能打疫苗")
    assert words("地铁三号线停运") == words("地铁3号线停运")


def test_dates_are_one_token() -> None:
    assert "#1月9日" in words("西安1月9日解封了吗")
    assert "#1月9日" in words("西安一月九日解封")
    assert "#1月" in words("1月份开学")
    assert number_key("#1月9日") == ("date", 1, 9) and number_key("#1月") == ("date", 1, None)
    assert number_key("#60") == ("num", 60.0)
    assert "#60" in words("喝 60℃ 的水可以杀死病毒")


def test_runs_of_single_characters_become_pairs() -> None:
    a = analyze("挂烫机消毒")
    assert {"挂烫", "烫机", "消毒"} <= set(a.words)  # jieba cuts 挂/烫/机
    assert {"挂", "烫", "机"} <= a.subs
    assert {"石正", "正丽"} <= words("石正丽叛逃")
    # a run of one character stays a word; stop characters break runs
    assert "醋" in words("熏 醋")


def test_equivalent_words() -> None:
    assert words("蚊虫会传播新冠病毒") == words("蚊子会传染新冠病毒")
    assert words("老人去世") == words("老人死亡") == words("老人身亡")
    assert words("医生说可以治愈") == words("大夫说可以治疗")
    assert words("学校推迟开学") == words("学校延期开学")


def test_sound_folds_homophone_typos() -> None:
    from plugin.rumors.analysis import sound

    assert sound("病读") == sound("病毒") != ""
    assert sound("口造") == sound("口罩")  # zh / z
    assert sound("钟南善") == sound("钟南山")
    assert sound("病毒") != sound("病人")
    assert sound("#60") == sound("醋") == sound("5g") == ""


def test_an_amount_is_not_read_as_a_month() -> None:
    # 1.5万 → 15000: the digits before 月 are the tail of an amount, not a month
    assert words("月薪1.5万月底发放") == {"月薪", "#15000", "月底", "发放"}
    assert not any(w.endswith("月") for w in words("3万月"))
    assert "#12月" in words("12月开学") and "#13月" not in words("13月开学")


def test_measure_words_after_numbers_are_dropped() -> None:
    assert words("两艘军舰") == words("2艘军舰") == {"#2", "军舰"}


def test_dotted_dates_holidays_and_abbreviations() -> None:
    assert "#7月26日" in words("7.26郑州暴雨") and "#7月26日" in words("七月二十六日郑州暴雨")
    assert "#10月" in words("国庆节期间北京封城")
    assert words("过年回老家") == words("春节回乡")
    assert words("世界卫生组织宣布") == words("世卫组织宣布")
    assert words("中国疾病预防控制中心发布") == words("中国疾控中心发布")
    assert {"北京", "上海", "广州"} <= words("北上广停运")


def test_numbers_as_searchers_write_them() -> None:
    # an approximate count, a count of 个, licence points, 十一 as the National Day holiday
    assert analyze("一千多人去过青岛").words == analyze("1000多人去过青岛").words
    assert "#70" in analyze("七十个湖北人").words and "#6" in analyze("不戴口罩开车要扣六分").words
    assert "#10月" in analyze("十一期间去过青岛").words
    # a lone 一 / 两 is "a", a run without a digit is no number
    assert not any(w.startswith("#") for w in analyze("一个人 两个人 万多人").words)


def test_place_abbreviations_after_a_travel_verb_or_alone() -> None:
    # 离京 / 援鄂: a travel verb + a province or city abbreviation names the place
    assert {"北京", "#14"} <= words("对离京人员一律隔离14天") and "湖北" in words("援鄂医疗队")
    # alone between spaces (a keyword query) the abbreviation is the place; inside a word it is not
    assert words("豫 信阳 封城") == {"河南", "信阳", "封城"}
    assert "北京" not in words("京东物流") and "河南" not in words("豫剧演出")
    # city nicknames are the city (synonyms.yaml)
    assert words("帝都地铁卸座椅") == words("北京地铁卸座椅") and "北京" in words("帝都坐公交")
    assert words("杭城有小学生确诊") == words("杭州有小学生确诊")


def test_weeks_are_counted_in_days() -> None:
    assert "#14" in words("离开北京一律隔离两周") and "#14" in words("隔离两个星期")
    assert "#14" in words("隔离十四天")
    # a weekday, a weekend, an anniversary stay what they are
    assert not any(w.startswith("#") for w in words("每周一 周末 下周三"))
    assert "#14" not in words("建校2周年")


def test_colloquial_classes_of_meaning() -> None:
    # "does not catch it" is "prevents it"; 密接 is the short form of 密切接触者
    assert words("抽烟的人不容易得新冠") == {"吸烟", "预防", "新冠"}
    assert "密接" in words("五指山公安局密切接触者") and "唾液" in words("沾口水的手")


def test_times_of_day_are_on_the_24_hour_clock() -> None:
    assert words("信阳下午两点封城") == words("信阳下午14点封城") and "#14" in words("信阳下午两点封城")
    assert {"#20", "#30"} <= words("晚上8点半开始消杀")
    assert "#12" in words("济南2.10晚上12点全城消杀")
    # 一点 alone is "a little"; 晚上一点 is one at night, not 13
    assert not any(w.startswith("#") for w in words("有一点疼")) and "#1" in words("晚上一点")


def test_fractions_and_approximate_tens_of_thousands_are_digits() -> None:
    assert words("八分之一新冠康复者") == words("1/8新冠康复者")
    assert "#95" in words("百分之九十五酒精")  # a percentage stays a percentage
    assert "#100000" in words("一天入境十多万人") and "#100000" in words("入境10多万")


def test_more_question_frames_and_everyday_forms() -> None:
    claim = words("吃大蒜能预防新冠")
    for asked in ("吃大蒜能预防新冠，有没有这回事", "请问吃大蒜能预防新冠有科学依据吗", "我妈说吃大蒜能预防新冠，能信吗",
                  "吃大蒜能预防新冠是谣言吧"):
        assert words(asked) == claim, asked
    # misspelt strain and drug names, everyday wording of vaccination and parcels
    assert words("奥米克戎") == words("奥密克戎") and words("莲花清瘟") == words("连花清瘟")
    assert words("打完疫苗能喝酒吗") >= words("接种疫苗") and words("境外包裹") == words("境外快递")


def test_latin_abbreviations_of_organisations() -> None:
    assert "京东" in words("JD物流司机") and "疾控中心" in words("美国CDC承认") and words("WHO说") == words("世卫说")


def test_numbers_said_the_short_way() -> None:
    assert "#2500" in words("钟南山带两千五医护") and "#35000" in words("三万五")
    assert "#80" in words("检测试剂错误率八成") and "#90" in words("有效率不到九成")
    assert not any(w.startswith("#") and w != "#8" for w in words("八成是假的"))  # "probably"
    assert {"#15", "分钟"} <= words("只能呆一刻钟") and "#30" in words("等半个小时")


def test_place_abbreviations_heading_a_news_word() -> None:
    assert words("沪新增1例境外输入") == words("上海新增1例境外输入")
    assert "重庆" in words("渝暑假时间定了") and "广东" in words("粤多地封城")
    assert "成都" in words("抵蓉人员") and "北京" in words("回京要隔离吗")
    # inside a word nothing changes
    assert "上海" not in words("江苏新增3例") and "京东" in words("京东快递") and "北京" not in words("京东快递")


def test_policy_lookups_are_informational_and_vaccination_said_plainly() -> None:
    from plugin.rumors import Rumor, RumorIndex, RumorStatus

    index = RumorIndex([Rumor(id="r1", claim="石家庄异地不返乡过年能领政府补贴", status=RumorStatus.FALSE)], model=None)
    # a lookup of the rules is no claim: scored with the intent penalty
    assert "intent" in index.explain("石家庄过年返乡政策", "r1")["penalties"]
    assert "intent" not in index.explain("石家庄不返乡过年有补贴", "r1").get("penalties", [])
    assert words("打了新冠疫苗会发烧") == words("接种新冠疫苗会发烧")


def test_place_abbreviations_heading_a_place_name() -> None:
    assert words("沪嘉定造方舱医院") == words("上海嘉定造方舱医院") and "上海" in words("沪浦东机场")
    # the abbreviation starting a word or a name of its own stays (渝中区 is a district, 沪深 an index)
    assert "重庆" not in words("渝中区封控") and "上海" not in words("沪深300") and "香港" not in words("港澳通行证")


def test_question_frames_skip_texts_without_a_frame_start_and_find_every_frame() -> None:
    # the shortcut (no character a frame starts with: no frame) never hides a frame the expression finds
    frames = QuestionFrames()
    plain = fixed_regex.compile(frames._rx.pattern)  # the same expression, asked without the shortcut
    texts = ["钟南山称新冠病毒可以人传人", "北京地铁今天停运", "", "喝热水能杀死病毒", "abc 123", "😀新冠"]
    texts += [f"据悉{frame}北京" for frame in [*default_table().frames, *QuestionFrames._WORDING]]
    texts += [f"北京封城{p}" for p in QuestionFrames._PARTICLES] + ["北京封城?", "北京封城？吗", "是啊，北京"]
    framed = len(texts)
    # a particle counts only at the end or before white space or a closing mark (a run of particles too); a
    # frame's first character alone is none (是 / 有 / 网 in ordinary titles: the expression is not run)
    texts += [f"封城{p}{end}北京" for p in ("吗", "吧呢", "啊") for end in [*QuestionFrames._PARTICLE_ENDS, " ", "\u3000", "\n", "了"]]
    texts += ["是非", "有人", "网络安全法", "吗啡", "啊哈哈", "听力", "吗吗吗", "呀\t", "哦…好", "到底是不", "是否\ud800"]
    for text in texts:
        found, expected = frames.expression_search(text), plain.search(text)
        assert (found is None) == (expected is None), text
        if expected is not None:
            assert found is not None and found.span() == expected.span(), text
        if expected is None:
            assert frames.sub("", text) == text
    assert sum(frames.expression_search(t) is not None for t in texts[:framed]) >= framed - 6
    assert {t for t in texts[framed:] if frames.expression_search(t) is None} == {
        *(f"封城{p}了北京" for p in ("吗", "吧呢", "啊")), "是非", "有人", "网络安全法", "吗啡", "啊哈哈", "听力"}


def test_latin_forms_are_whole_words_only() -> None:
    """``who`` inside ``whole``, ``jd`` inside ``jdk`` are no organisations; 江城子 is a poem form, not 武汉."""
    assert "世卫" not in words("whole foods 停业") and "京东" not in words("jdk 下载")
    assert "疾控中心" not in words("cdcc 招聘") and "央视" not in words("cctvb 直播")
    assert "武汉" not in words("江城子 苏轼")
    assert "世卫" in words("WHO说") and "疾控中心" in words("美国CDC承认") and "京东" in words("JD物流司机")


@pytest.mark.parametrize(("text", "asks"), [
    ("屠呦呦哪一年获得诺贝尔奖", True), ("北京哪天开学", True), ("几月几号放假", True),
    ("喝热水能杀死病毒吗", False), ("几天能好", False), ("为什么得肺结节的人这么多", False),
])
def test_asking_which_year_or_day_is_an_informational_search(text: str, asks: bool) -> None:
    assert has_intent(text) is asks


@pytest.mark.parametrize(("text", "asks"), [
    ("黄冈 海鲜市场 在哪", True), ("辉瑞公司总部在哪", True), ("附近的核酸检测点", True), ("宁波 核酸采样点 24小时", True),
    ("第四针 接种点", True), ("黄冈海鲜市场检出新冠病毒", False), ("核酸检测阳性", False),
])
def test_asking_where_a_place_or_a_service_is_is_an_informational_search(text: str, asks: bool) -> None:
    """在哪 (where, without 里 / 儿) and the place a service is given (检测点, 采样点, 接种点) ask for an address."""
    assert has_intent(text) is asks


def test_fractions_written_in_words_are_read_as_numbers() -> None:
    assert fractions("八分之一的人和3分之1的车") == [(1, 8), (1, 3)]
    assert fractions("百分之二十") == [] and fractions("没有分数") == []
