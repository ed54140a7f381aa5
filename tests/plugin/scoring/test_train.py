"""Training the spam scorer on a tiny synthetic set (seconds), the splits, the CLI, the bundled model."""

from __future__ import annotations

import json
import random
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from plugin.cli import cli
from plugin.errors import ModelError
from plugin.scoring import FeatureSettings, Sample, SpamScorer, bundled_model_path, load_model
from plugin.scoring.data import assign_splits, dedupe, read_labelled, write_labelled
from plugin.scoring.metrics import Rate, flag_report, wilson
from plugin.scoring.recipe import PROJECT_ROWS, project_rows_paths

pytest.importorskip("sklearn")

from plugin.scoring.train import TrainSettings, calibrate, train_model  # noqa: E402
from plugin.scoring.scorer import score_to_margin  # noqa: E402

SPAM = {
    "gambling": ["{n}棋牌上分下分，首充返水{d}%", "网赌平台{n}稳赢，注册送{d}元", "百家乐{n}包赢带单{d}把"],
    "fraud": ["兼职刷单日结{d}元，{n}加我", "{n}内部渠道贷款秒批{d}万", "中奖{d}元请点击{n}领取"],
    "blackmarket_ad": ["{n}代开发票{d}点", "出售{n}实名账号{d}个", "{n}刷粉丝涨粉{d}万"],
}
TITLES = ["{n}队{d}比{d}取胜", "{n}发布新款手机", "{n}今日天气晴", "{n}考试成绩公布", "{n}演唱会门票开售",
          "{n}地铁{d}号线开通", "{n}股市收涨{d}点"]
POSTS = ["今天和{n}去公园散步，拍了{d}张照片，心情很好。", "{n}的新书读完了，推荐给大家，第{d}章最精彩。",
         "周末在家做了{n}，味道不错，家人都说好吃，下次还要做{d}次。",
         "{n}考试终于结束了，复习了{d}天，希望有好成绩。"]
NAMES = ["北京", "上海", "小王", "老李", "阿强", "广州", "杭州", "明明", "红红", "成都", "武汉", "西安"]


def _fill(template: str, rng: random.Random) -> str:
    return template.format(n=rng.choice(NAMES) + rng.choice(NAMES), d=rng.randint(1, 99))


def _samples(seed: int = 1) -> list[Sample]:
    rng = random.Random(seed)
    out: list[Sample] = []
    for cat, templates in SPAM.items():
        out += [Sample(_fill(rng.choice(templates), rng), cat, "post", "synthetic_spam") for _ in range(40)]
    out += [Sample(_fill(rng.choice(TITLES), rng), "benign", "title", "synthetic_titles",
                   f"2026-{1 + i % 12:02d}-01") for i in range(150)]
    out += [Sample(_fill(rng.choice(POSTS), rng), "benign", "post", "synthetic_posts") for _ in range(120)]
    return dedupe(out)


SETTINGS = TrainSettings(c=10, min_df=1, features=FeatureSettings(hash_bits=12),
                         targets={"title": 0.02, "post": 0.05})


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> Path:
    model = train_model(assign_splits(_samples()), SETTINGS, name="tiny", created="2026-12-07")
    from plugin.scoring import save_model

    return save_model(model, tmp_path_factory.mktemp("model") / "tiny.json")


def test_training_gives_a_working_card(tiny: Path) -> None:
    model = load_model(tiny)
    card = model.card
    assert card.categories == ("gambling", "fraud", "blackmarket_ad")
    assert set(card.thresholds) == {"title", "post"}
    assert card.training["settings"]["c"] == 10
    assert card.metrics["split"].startswith("val")
    for surface, target in SETTINGS.targets.items():
        assert card.metrics["false_flags"][surface]["rate"] <= target
    scorer = SpamScorer(model)
    fresh = _samples(seed=2)  # texts never seen
    spam = [s for s in fresh if s.is_spam]
    caught = sum(scorer.score(s.text, "post").flagged for s in spam)
    assert caught / len(spam) > 0.8
    assert scorer.score("网赌平台稳赢，注册送88元", "post").category == "gambling"


def test_training_is_reproducible(tiny: Path, tmp_path: Path) -> None:
    again = train_model(assign_splits(_samples()), SETTINGS, name="tiny", created="2026-12-07")
    assert again.card.content_sha256 == load_model(tiny).card.content_sha256


def test_augmented_training_with_cues_is_reproducible_and_recorded() -> None:
    settings = replace(SETTINGS, augment=1, augment_benign=0.5,
                       features=FeatureSettings(hash_bits=12, cues=True, cue_repeat=2))
    first = train_model(assign_splits(_samples()), settings, name="aug", created="2026-12-07")
    again = train_model(assign_splits(_samples()), settings, name="aug", created="2026-12-07")
    assert first.card.content_sha256 == again.card.content_sha256
    assert first.card.training["settings"]["augment"] == 1
    assert first.card.training["settings"]["augment_benign"] == 0.5
    assert first.card.to_dict()["features"]["cues"] is True and first.card.features.cue_repeat == 2
    plain = train_model(assign_splits(_samples()), SETTINGS, name="aug", created="2026-12-07")
    assert "augment" not in plain.card.training["settings"] and "cues" not in plain.card.to_dict()["features"]
    with pytest.raises(ValueError, match="augment"):
        TrainSettings(augment=5)
    with pytest.raises(ValueError, match="cue_repeat"):
        FeatureSettings(cue_repeat=0)


def test_short_views_and_word_features_train_reproducibly_and_are_recorded() -> None:
    samples = assign_splits(_samples())
    for settings in (replace(SETTINGS, short_views="cues", features=FeatureSettings(hash_bits=12, cues=True)),
                     replace(SETTINGS, short_views="topic", features=FeatureSettings(hash_bits=12, topic_cues=True)),
                     replace(SETTINGS, features=FeatureSettings(hash_bits=12, words=True))):
        first = train_model(samples, settings, name="var", created="2026-12-07")
        again = train_model(samples, settings, name="var", created="2026-12-07")
        assert first.card.content_sha256 == again.card.content_sha256
        recorded = first.card.training["settings"]
        assert recorded.get("short_views", "") == settings.short_views
        assert first.card.to_dict()["features"].get("words", False) == settings.features.words
        scorer = SpamScorer(first)
        assert scorer.score("兼职刷单日结50元，小王加我", "post").flagged
        assert not scorer.score("今天和小王去公园散步，拍了3张照片，心情很好。", "post").flagged
    plain = train_model(samples, SETTINGS, name="var", created="2026-12-07")
    assert "short_views" not in plain.card.training["settings"] and "words" not in plain.card.to_dict()["features"]
    with pytest.raises(ValueError, match="short_views"):
        TrainSettings(short_views="words")


def test_training_needs_every_category_and_both_splits() -> None:
    rows = [s for s in _samples() if s.label != "fraud"]
    with pytest.raises(ModelError, match="fraud"):
        train_model(assign_splits(rows), SETTINGS)
    with pytest.raises(ModelError, match="split"):
        train_model(_samples(), SETTINGS)  # no splits assigned
    titles_only = [s for s in _samples() if s.is_spam or s.surface == "title"]
    with pytest.raises(ModelError, match="post"):
        train_model(assign_splits(titles_only), SETTINGS)  # no benign posts to calibrate the post surface on


def test_splits_are_stratified_deterministic_and_time_ordered() -> None:
    samples = _samples()
    a = assign_splits(samples, test=0.2, val=0.2)
    b = assign_splits(list(reversed(samples)), test=0.2, val=0.2)
    assert sorted((s.text, s.split) for s in a) == sorted((s.text, s.split) for s in b)
    for label in ("gambling", "benign"):
        group = [s for s in a if s.label == label and s.source.startswith("synthetic")]
        share = sum(s.split == "test" for s in group) / len(group)
        assert 0.15 <= share <= 0.25
    titles = [s for s in a if s.source == "synthetic_titles"]
    newest_train = max(s.date or "" for s in titles if s.split == "train")
    oldest_test = min(s.date or "" for s in titles if s.split == "test")
    assert newest_train <= oldest_test
    with pytest.raises(ValueError):
        assign_splits(samples, test=0.6, val=0.5)


def test_calibration_holds_the_target_per_source() -> None:
    import numpy as np

    cats = ("gambling", "fraud", "blackmarket_ad")
    val = [Sample(f"t{i}", "benign", "title", "a" if i < 50 else "b", split="val") for i in range(1000)]
    margins = np.linspace(-5, 5, 1000)[:, None].repeat(3, axis=1)
    margins[:50] += 20  # source "a" (50 rows) holds the highest margins

    def cut(calibration: str) -> tuple[float, dict[str, object]]:
        thresholds, notes = calibrate(margins, val, cats, TrainSettings(targets={"title": 0.02},
                                                                        calibration=calibration, source_cap=2))
        return thresholds["title"]["gambling"], notes["title"]

    worst, worst_notes = cut("worst_source")
    capped, capped_notes = cut("capped")
    pooled, pooled_notes = cut("pooled")
    assert worst_notes["worst_source_rate"] <= 0.02
    assert capped_notes["worst_source_rate"] <= 0.04
    assert pooled_notes["false_flags"] <= 20
    assert worst >= capped >= pooled
    assert worst > pooled  # source "a" alone forces a higher cut


def test_a_source_too_small_to_show_the_cap_counts_in_the_pooled_rate_only() -> None:
    import numpy as np

    cats = ("gambling", "fraud", "blackmarket_ad")
    val = [Sample(f"t{i}", "benign", "post", "near" if i < 10 else "big", split="val") for i in range(1000)]
    margins = np.linspace(-5, 5, 1000)[:, None].repeat(3, axis=1)
    margins[:10] += 20  # ten near misses hold the highest margins; one flag among them is 10 % > the 4 % cap
    settings = TrainSettings(targets={"post": 0.02}, calibration="capped", source_cap=2)
    thresholds, notes = calibrate(margins, val, cats, settings)
    pooled, _ = calibrate(margins, val, cats, replace(settings, calibration="pooled"))
    assert notes["post"]["pooled_only"] == ["near"]
    assert thresholds["post"]["fraud"] == pooled["post"]["fraud"]
    assert notes["post"]["false_flags"] >= 10  # not pushed above every benign margin


def test_a_skipped_source_sets_no_threshold() -> None:
    import numpy as np

    cats = ("gambling", "fraud", "blackmarket_ad")
    val = [Sample(f"t{i}", "benign", "post", "near" if i < 100 else "traffic", split="val") for i in range(1100)]
    margins = np.linspace(-5, 5, 1100)[:, None].repeat(3, axis=1)
    margins[:100] += 20  # the curated near misses hold the highest margins
    settings = TrainSettings(targets={"post": 0.01}, calibration="pooled")
    with_near, _ = calibrate(margins, val, cats, settings)
    skipped, notes = calibrate(margins, val, cats, replace(settings, calibration_skip=("near",)))
    alone, _ = calibrate(margins[100:], val[100:], cats, settings)
    assert skipped == alone and skipped["post"]["fraud"] < with_near["post"]["fraud"]
    assert notes["post"]["benign_validation_samples"] == 1000
    assert replace(settings, calibration_skip=("near",)).to_dict()["calibration_skip"] == ["near"]


def test_a_margin_calibrates_to_a_share_of_the_target() -> None:
    import numpy as np

    cats = ("gambling", "fraud", "blackmarket_ad")
    val = [Sample(f"t{i}", "benign", "post", "a", split="val") for i in range(2000)]
    margins = np.linspace(-5, 5, 2000)[:, None].repeat(3, axis=1)
    full, full_notes = calibrate(margins, val, cats, TrainSettings(targets={"post": 0.01}))
    half, half_notes = calibrate(margins, val, cats, TrainSettings(targets={"post": 0.01}, margin=0.5))
    assert 18 <= full_notes["post"]["false_flags"] <= 20 and 9 <= half_notes["post"]["false_flags"] <= 10
    assert half_notes["post"]["calibrated_to"] == 0.005 and half["post"]["fraud"] > full["post"]["fraud"]
    assert TrainSettings(margin=0.5).to_dict()["margin"] == 0.5
    for bad in (0.0, 1.5):
        with pytest.raises(ValueError, match="margin"):
            TrainSettings(margin=bad)


def test_a_surface_margin_replaces_the_margin_on_its_surface_only() -> None:
    import numpy as np

    cats = ("gambling", "fraud", "blackmarket_ad")
    val = [Sample(f"t{i}", "benign", surface, "a", split="val") for surface in ("title", "post") for i in range(2000)]
    margins = np.linspace(-5, 5, 2000)[:, None].repeat(3, axis=1)
    margins = np.vstack([margins, margins])
    targets = {"title": 0.01, "post": 0.01}
    half, half_notes = calibrate(margins, val, cats, TrainSettings(targets=targets, margin=0.5))
    mixed, notes = calibrate(margins, val, cats, TrainSettings(targets=targets, margin=0.5,
                                                                  surface_margins={"post": 1.0}))
    assert mixed["title"] == half["title"] and notes["title"] == half_notes["title"]
    assert notes["post"]["calibrated_to"] == 0.01 and 18 <= notes["post"]["false_flags"] <= 20
    assert mixed["post"]["fraud"] < half["post"]["fraud"]
    settings = TrainSettings(margin=0.5, surface_margins={"post": 1.0})
    assert settings.margin_of("post") == 1.0 and settings.margin_of("title") == 0.5
    assert settings.to_dict()["surface_margins"] == {"post": 1.0}
    assert "surface_margins" not in TrainSettings().to_dict()
    with pytest.raises(ValueError, match="margin"):
        TrainSettings(surface_margins={"post": 1.5})
    with pytest.raises(ValueError, match="surface"):
        TrainSettings(surface_margins={"comment": 0.5})


def test_labelled_rows_are_validated(tmp_path: Path) -> None:
    path = tmp_path / "rows.jsonl"
    write_labelled([Sample("网赌", "gambling", "post", "queue", "2026-11-30", "test")], path)
    assert read_labelled(path)[0] == Sample("网赌", "gambling", "post", "queue", "2026-11-30", "test")
    for bad in ({"text": "x", "label": "spam"}, {"text": "", "label": "benign"}, {"text": "x", "label": "benign",
                "surface": "video"}, {"text": "x", "label": "benign", "date": "30/11"}, {"label": "benign"},
                {"text": "x", "label": "benign", "source": "a b"}, [1]):
        path.write_text(json.dumps(bad) + "\n", encoding="utf-8")
        with pytest.raises(ModelError, match=":1:"):
            read_labelled(path)
    path.write_text("{not json\n", encoding="utf-8")
    with pytest.raises(ModelError, match="invalid JSON"):
        read_labelled(path)


def test_wilson_and_flag_report() -> None:
    assert wilson(0, 0) == (0.0, 1.0)
    lo, hi = wilson(0, 100)
    assert lo == 0.0 and 0.03 < hi < 0.04
    lo, hi = wilson(50, 100)
    assert lo < 0.5 < hi
    samples = [Sample("a", "gambling", "post", "s"), Sample("b", "gambling", "post", "s"),
               Sample("c", "benign", "title", "t"), Sample("d", "benign", "post", "u")]
    report = flag_report(samples, [True, False, True, False])
    assert report["recall"]["gambling"] == Rate(1, 2)
    assert report["false_flags"] == {"post": Rate(0, 1), "title": Rate(1, 1)}
    assert report["false_flags_by_source"]["title/t"] == Rate(1, 1)


# ---------------------------------------------------------------- CLI


def _write_rows(path: Path, samples: list[Sample]) -> None:
    write_labelled(samples, path)


def test_cli_train_evaluate_show_score(tmp_path: Path) -> None:
    rows = tmp_path / "rows.jsonl"
    _write_rows(rows, _samples())
    card = tmp_path / "out" / "mine.json"
    runner = CliRunner()
    res = runner.invoke(cli, ["model", "train", str(rows), "--out", str(card), "--hash-bits", "12", "--min-df", "1",
                              "--c", "10", "--target", "title=0.02", "--target", "post=0.05", "--created",
                              "2026-12-07", "--export-splits", str(tmp_path / "splits"), "--topic-cues",
                              "--surface-margin", "post=0.8", "--short-views", "cues", "--words", "--skip-framed"])
    assert res.exit_code == 0, res.output
    assert "model written to" in res.output and (tmp_path / "out" / "mine.npz").is_file()
    assert load_model(card).card.features.topic_cues and load_model(card).card.features.words
    recorded = load_model(card).card.training["settings"]
    assert recorded["surface_margins"] == {"post": 0.8} and recorded["short_views"] == "cues" and recorded["skip_framed"]
    test_rows = tmp_path / "splits" / "test.jsonl"
    assert test_rows.is_file()
    res = runner.invoke(cli, ["model", "evaluate", str(test_rows), "--model", str(card), "--json"])
    assert res.exit_code == 0, res.output
    report = json.loads(res.output)
    assert set(report["recall"]) == {"gambling", "fraud", "blackmarket_ad"}
    assert set(report["false_flags"]) == {"title", "post"}
    assert report["recall"]["gambling"]["ci95"][0] <= report["recall"]["gambling"]["rate"]
    res = runner.invoke(cli, ["model", "evaluate", str(rows), "--model", str(card), "--split", "test"])
    assert res.exit_code == 0 and "0 rows" in res.output  # the original rows carry no split
    res = runner.invoke(cli, ["model", "show", "--model", str(card)])
    assert res.exit_code == 0 and "mine@" in res.output
    res = runner.invoke(cli, ["model", "score", "网赌平台稳赢，注册送88元", "--surface", "post", "--model", str(card)])
    assert res.exit_code == 0
    assert json.loads(res.output)["category"] == "gambling"


def test_cli_errors_are_messages_not_tracebacks(tmp_path: Path) -> None:
    runner = CliRunner()
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"text": "x", "label": "spam"}\n', encoding="utf-8")
    res = runner.invoke(cli, ["model", "train", str(bad), "--out", str(tmp_path / "m.json")])
    assert res.exit_code == 1 and "'label' must be one of" in res.output
    res = runner.invoke(cli, ["model", "train"])
    assert res.exit_code == 2
    res = runner.invoke(cli, ["model", "train", str(bad), "--target", "video=0.1"])
    assert res.exit_code == 2
    for value in ("post=0", "post=2", "video=0.5", "post"):
        res = runner.invoke(cli, ["model", "train", str(bad), "--surface-margin", value])
        assert res.exit_code == 2 and "--surface-margin" in res.output
    res = runner.invoke(cli, ["model", "show", "--model", str(tmp_path / "missing.json")])
    assert res.exit_code == 1 and "cannot read" in res.output
    res = runner.invoke(cli, ["model", "score", "x", "--surface", "video"])
    assert res.exit_code == 2


# ---------------------------------------------------------------- the bundled model


def test_bundled_model_loads_and_is_small() -> None:
    path = bundled_model_path()
    scorer = SpamScorer.bundled()
    card = scorer.card
    assert (path.parent / card.weights_file).stat().st_size < 3 * 1024 * 1024
    assert card.surfaces == ("title", "post")
    assert "CC BY-NC 4.0" in card.licence and "retrain" in card.licence
    assert "evaluation" in card.intended_use
    assert {d["source"] for d in card.training["data"]} >= {"chineseharm", "hot_search", "ced"}
    assert set(PROJECT_ROWS) <= {d["file"] for d in card.training["data"]}
    result = scorer.score("兼职刷单，日结300，加微信详聊", "post")
    assert result.flagged and result.evidence
    assert not scorer.score("国足2比1战胜对手", "title").flagged


#: Per project set: its rows, its spam per category in train / val / test, and its benign sources' suffixes.
_PROJECT_SETS: dict[str, tuple[int, Any, tuple[str, ...]]] = {"dev4": (900, (72, 24, 24), ("posts", "hard_posts", "titles", "hard_titles")),
                 "dev5": (900, (72, 24, 24), ("posts", "hard_posts", "titles", "hard_titles")),
                 "dev6": (640, (60, 20, 20), ("posts", "hard_posts", "titles")),
                 "dev7": (730, {"gambling": (54, 18, 18), "fraud": (78, 26, 26), "blackmarket_ad": (66, 22, 22)},
                          ("posts", "hard_posts", "titles"))}


@pytest.mark.parametrize("path", project_rows_paths(), ids=lambda p: p.name)
def test_the_project_rows_carry_a_stratified_split(path: Path) -> None:
    rows = read_labelled(path)
    name = path.stem.removeprefix("spam_")
    total, per_category, benign_sources = _PROJECT_SETS[name]
    assert len(rows) == len(dedupe(rows)) == total
    for label in ("gambling", "fraud", "blackmarket_ad"):
        splits = [s.split for s in rows if s.label == label]
        want = per_category[label] if isinstance(per_category, dict) else per_category
        assert (splits.count("train"), splits.count("val"), splits.count("test")) == want
    benign = [s for s in rows if s.label == "benign"]
    assert {s.source for s in benign} == {f"{name}_{suffix}" for suffix in benign_sources}
    assert all(s.surface == "title" for s in benign if "titles" in s.source)
    assert 0.15 < sum(s.split == "test" for s in benign) / len(benign) < 0.25


def test_weakest_first_gives_the_budget_to_the_category_caught_least() -> None:
    import numpy as np

    cats = ("gambling", "fraud", "blackmarket_ad")
    rng = np.random.default_rng(7)
    benign = [Sample(f"b{i}", "benign", "post", "traffic", split="val") for i in range(2000)]
    spam = [Sample(f"s{i}", cats[i % 3], "post", "spam", split="val") for i in range(300)]
    margins = np.vstack([rng.normal(0, 1, (2000, 3)), np.zeros((300, 3)) - 10])
    for i in range(300):  # each category's spam scores on its own column: fraud lower than the others
        margins[2000 + i, i % 3] = 3.5 if i % 3 != 1 else rng.normal(2.5, 0.5)
    settings = TrainSettings(targets={"post": 0.01})
    equal, equal_notes = calibrate(margins, benign + spam, cats, settings)
    weakest, notes = calibrate(margins, benign + spam, cats, replace(settings, allocation="weakest_first"))
    assert notes["post"]["false_flags"] <= 20 and equal_notes["post"]["false_flags"] <= 20
    assert weakest["post"]["fraud"] < equal["post"]["fraud"]            # fraud got the budget …
    assert weakest["post"]["gambling"] > equal["post"]["gambling"]      # … the others, caught anyway, gave it up
    fraud_margins = margins[2000:][1::3, 1]
    assert (fraud_margins >= score_to_margin(weakest["post"]["fraud"])).mean() > \
        (fraud_margins >= score_to_margin(equal["post"]["fraud"])).mean()
    assert replace(settings, allocation="weakest_first").to_dict()["allocation"] == "weakest_first"
    assert "allocation" not in settings.to_dict()
    with pytest.raises(ValueError, match="allocation"):
        TrainSettings(allocation="best")


def test_skip_framed_leaves_benign_rows_a_frame_excuses_out_of_fit_and_calibration() -> None:
    rng = random.Random(3)
    framed = [Sample(f"警方破获{_fill('{n}', rng)}网络赌博案，抓获嫌疑人{i}名", "benign", "post", "synthetic_news")
              for i in range(20)]
    samples = assign_splits([*_samples(), *framed])
    on = train_model(samples, replace(SETTINGS, skip_framed=True), name="framed", created="2026-12-07")
    off = train_model(samples, SETTINGS, name="framed", created="2026-12-07")
    assert "synthetic_news/benign" not in on.card.training["samples"]
    assert sum(off.card.training["samples"]["synthetic_news/benign"].values()) == sum(
        1 for s in samples if s.source == "synthetic_news" and s.split != "test")
    assert on.card.training["settings"]["skip_framed"] is True and "skip_framed" not in off.card.training["settings"]
    # the spam rows stay
    assert on.card.training["samples"]["synthetic_spam/gambling"] == off.card.training["samples"]["synthetic_spam/gambling"]


def test_benign_weights_keep_each_surfaces_total_and_shift_it_to_reaching_rows_and_small_sources() -> None:
    import numpy as np

    from plugin.scoring.train import _benign_weights

    rows = [Sample("兼职刷单加我微信 ab12345", "fraud", "post", "spam"),
            *(Sample(f"今天天气不错{i}", "benign", "post", "big") for i in range(8)),
            Sample("出闲置书桌，80元，有意私信我", "benign", "post", "small"),
            *(Sample(f"新闻标题{i}", "benign", "title", "news") for i in range(4))]
    benign = np.array([s.label == "benign" for s in rows])
    surfaces = np.array([s.surface for s in rows])

    def weights(**kw: Any) -> Any:
        return _benign_weights(rows, benign, surfaces, replace(TrainSettings(features=FeatureSettings(cues=True)), **kw))

    plain = weights()
    assert plain[0] == 1.0 and plain[1] == plain[9]  # every benign post alike
    for w in (weights(benign_reach_weight=3.0), weights(source_balance="sqrt")):
        posts, titles = surfaces == "post", surfaces == "title"
        assert w[benign & posts].sum() == pytest.approx(plain[benign & posts].sum())
        assert w[titles].sum() == pytest.approx(plain[titles].sum())
        assert w[9] > w[1]  # the reaching row (and the small source) weigh more than a row of the large one
    assert weights(benign_reach_weight=3.0)[9] == pytest.approx(3 * weights(benign_reach_weight=3.0)[1])
    assert TrainSettings(source_balance="sqrt", benign_reach_weight=3.0).to_dict()["benign_reach_weight"] == 3.0
    assert "source_balance" not in TrainSettings().to_dict()
    with pytest.raises(ValueError):
        TrainSettings(source_balance="log")
    with pytest.raises(ValueError):
        TrainSettings(benign_reach_weight=0.5)

