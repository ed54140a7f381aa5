"""Display names of the policy's values (plugin/policy.py: DISPLAY_NAMES, display_name)."""

from __future__ import annotations

from plugin.matching import Technique
from plugin.models import ACTION_ORDER, Surface
from plugin.policy import CATEGORIES, DEFAULT_POLICY, DISPLAY_NAMES, RUMOR_VERDICTS, display_name
from plugin.review.models import DECISIONS


def test_every_value_of_the_table_has_a_chinese_and_an_english_name() -> None:
    decisions = {d for row in DEFAULT_POLICY.surfaces.values() for d in row.decisions} | set(DECISIONS)
    for kind, values in (("action", ACTION_ORDER), ("decision", decisions), ("surface", [s.value for s in Surface]),
                         ("technique", [t.value for t in Technique]), ("rumor_status", RUMOR_VERDICTS)):
        for value in values:
            name = DISPLAY_NAMES[kind][value]
            assert name.zh and name.en and name.zh != value, (kind, value)
    for cat in CATEGORIES.values():
        assert display_name("category", cat.id) == cat.name and display_name("category", cat.id, "en") == cat.name_en


def test_lookups() -> None:
    assert display_name("action", "block") == "拦截" and display_name("action", "block", "en") == "block"
    assert display_name("technique", "initials") == "拼音首字母"
    assert display_name("decision", "reject") == "拒绝上榜"
    assert display_name("category", "nonexistent") == "nonexistent"  # unknown values are shown as they are
    assert display_name("nonsense", "x") == "x"
