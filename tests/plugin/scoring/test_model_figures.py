"""The spam scorer's figures quoted in README.md and docs/model.md are the ones the saved runs wrote
(``bench/results/model_eval.json`` by ``python bench/eval_model.py``, ``model_handwritten.json`` by
``--handwritten-only``), and the bundled model is the one they measured."""

from __future__ import annotations

import json

from plugin.scoring import SpamScorer
from tests.paths import ROOT

README = " ".join((ROOT / "README.md").read_text(encoding="utf-8").split())
MODEL_DOC = " ".join((ROOT / "docs" / "model.md").read_text(encoding="utf-8").split())
REPORT = json.loads((ROOT / "bench" / "results" / "model_eval.json").read_text(encoding="utf-8"))


def _pct(rate: float, digits: int = 1) -> str:
    return f"{rate * 100:.{digits}f} %"


def test_the_figures_are_of_the_bundled_model() -> None:
    version = SpamScorer.bundled().version
    assert REPORT["model"] == version
    assert f"bundled model `{version}`" in README
    assert f"Model `{version}`" in MODEL_DOC


def test_the_readme_recall_table_matches_the_saved_report() -> None:
    test = REPORT["test"]
    for label, cat in (("gambling", "gambling"), ("fraud", "fraud"), ("black-market ads", "blackmarket_ad")):
        n = test["model"]["recall"][cat]["n"]
        row = (f"| {label} ({n}) | {_pct(test['lexicon']['recall'][cat]['rate'])} | "
               f"{_pct(test['model']['recall'][cat]['rate'])} | {_pct(test['lexicon_or_model']['recall'][cat]['rate'])}")
        assert row in README, row


def test_the_readme_false_flags_and_left_out_genres_match_the_saved_report() -> None:
    model = REPORT["test"]["model"]
    hot = model["false_flags_by_source"]["title/hot_search"]
    assert f"| hot-search titles | {hot['k']} of {hot['n']:,} ({_pct(hot['rate'], 2)})" in README
    assert f"| all benign titles | {_pct(model['false_flags']['title']['rate'], 2)}" in README
    assert f"| benign posts | {_pct(model['false_flags']['post']['rate'], 2)}" in README
    loso = REPORT["leave_one_source_out"]
    assert (f"| {_pct(loso['ced']['model']['rate'], 2)} / {_pct(loso['chineseharm']['model']['rate'], 2)}"
            in README)
    assert all(loso[g]["model"]["rate"] <= 0.02 for g in ("ced", "chineseharm")) == ("(both met)" in README)


def test_the_readme_hand_written_figures_match_the_saved_report() -> None:
    hw = REPORT["handwritten"]["test"]
    either = hw["lexicon_or_model"]["recall"]
    caught = " / ".join(str(either[c]["k"]) for c in ("gambling", "fraud", "blackmarket_ad"))
    assert f"catch {caught} of 15" in README
    ff = hw["lexicon_or_model"]["false_flags_by_source"]
    assert f"ordinary posts falsely flagged {ff['post/hw_posts']['k']} of {ff['post/hw_posts']['n']}" in README
    vetoed = hw["lexicon_or_model_with_context_veto"]["false_flags_by_source"]["post/hw_hard_posts"]
    assert f"hard near-miss posts {vetoed['k']} of {vetoed['n']} after the veto" in README


def test_the_near_miss_and_frame_cost_figures_match_the_saved_report() -> None:
    nm = REPORT["near_misses"]
    assert (f"{nm['post']['model']['k']} of {nm['n']} are flagged at the post threshold, "
            f"{nm['post']['model_with_context_veto']['k']} after the Guard's veto") in README
    train = REPORT["frame_veto_on_spam"]["shared_data"]["train"]["all"]
    assert f"({train['k']} of {train['n']:,};" in README


def test_the_latency_figures_match_the_saved_report() -> None:
    cpu = REPORT["latency_per_title"]["thread_cpu"]
    assert (f"p50 {cpu['guard_query']['p50_us']:.0f} µs without the model, "
            f"**{cpu['guard_query_with_model']['p50_us']:.0f} µs with it**") in README


def test_the_readme_spam_dev4_figures_match_the_saved_report() -> None:
    dev4 = REPORT["dev4"]["test"]
    either = dev4["lexicon_or_model_with_context_veto"]["recall"]
    model = dev4["model"]["recall"]
    cats = ("gambling", "fraud", "blackmarket_ad")
    assert f"catch {' / '.join(str(either[c]['k']) for c in cats)} of {either['gambling']['n']} (gambling" in README
    assert f"the model alone {' / '.join(str(model[c]['k']) for c in cats)} [" in README
