"""The spam scorer and its model file: features, scoring, evidence offsets, safe loading."""

from __future__ import annotations

import dataclasses
import io
import json
import zipfile
from pathlib import Path

import numpy as np
import pytest

from plugin.errors import GuardError, InputError, ModelError
from plugin.scoring import (
    Evidence,
    FeatureSettings,
    LinearModel,
    ModelCard,
    ScoreResult,
    SpamScorer,
    TextScorer,
    load_model,
    save_model,
)
from plugin.scoring.features import text_grams, url_blanked
from plugin.scoring.model import content_hash, load_model_bytes, model_bytes
from tests.spam_models import hand_model

FEATURES = FeatureSettings(hash_bits=12)
CATS = ("gambling", "fraud")
#: n-gram → (category index, weight) of the hand-made test model
SEEDED = {"赌博": (0, 12.0), "网赌": (0, 12.0), "刷单": (1, 12.0), "返利": (1, 9.0)}


def _tiny_model(thresholds: dict[str, dict[str, float]] | None = None) -> LinearModel:
    """A hand-made model: a few bigrams carry weight, everything else is zero."""
    weights = np.zeros((FEATURES.n_features, len(CATS)), dtype=np.float32)
    for gram, (k, w) in SEEDED.items():
        grams = text_grams(gram, FEATURES)
        weights[grams.buckets[-1], k] = w  # the last occurrence is the bigram itself
    weights16 = weights.astype(np.float16)
    bias = np.array([-1.5, -1.5], dtype=np.float32)
    card = ModelCard(
        name="tiny", created="2026-12-07", categories=CATS,
        thresholds=thresholds or {"title": {"gambling": 0.6, "fraud": 0.6}, "post": {"gambling": 0.8, "fraud": 0.8}},
        features=FEATURES, weights_file="tiny.npz",
        content_sha256=content_hash(weights16, bias, CATS, FEATURES), intended_use="tests",
    )
    return LinearModel(card, weights16, bias)


@pytest.fixture()
def saved(tmp_path: Path) -> Path:
    return save_model(_tiny_model(), tmp_path / "tiny.json")


@pytest.fixture()
def scorer(saved: Path) -> SpamScorer:
    return SpamScorer.load(saved)


# ---------------------------------------------------------------- features


def test_hash_is_stable_across_processes() -> None:
    """The bucket of an n-gram is part of the model format: a change here breaks every stored model."""
    grams = text_grams("赌博", FeatureSettings())
    assert grams.chars == "赌博"
    assert grams.buckets.tolist() == [168024, 98110, 247125]


def test_digits_fold_and_views_map_back() -> None:
    grams = text_grams("加Ｖ：９８７", FeatureSettings())
    assert grams.chars == "加v000"
    last = len(grams.buckets) - 1
    assert grams.ngram(last) == "000"
    assert grams.original_span(last) == (3, 6)


@pytest.mark.parametrize("text, view", [
    ("看 http://t.cn/zl7p5RN 吧", "看tcn吧"),
    ("打开https://ha1et.epwte.cyou/?cuCode=daa1注册", "打开ha0etepwtecyou注册"),
    ("https://103.54.60.22:8866/#/link?x 进", "000000000进"),
    ("baidu.com 很好", "baiducom很好"),
    ("比分3.5/场", "比分00场"),
])
def test_url_path_is_blanked_host_kept(text: str, view: str) -> None:
    assert len(url_blanked(text)) == len(text)
    assert text_grams(text, FeatureSettings()).chars == view


@pytest.mark.parametrize("bad", [
    {"hash_bits": True}, {"ngram_min": 1.0}, {"hash_bits": 30}, {"scheme": "other"}, {"extra": 1}, [],
    {"ngram_min": 3, "ngram_max": 2},
])
def test_feature_settings_are_validated(bad: object) -> None:
    with pytest.raises(ValueError):
        FeatureSettings.from_dict(bad)


# ---------------------------------------------------------------- scoring


def test_scores_flags_and_categories(scorer: SpamScorer) -> None:
    gamble = scorer.score("今晚网赌赢了", "title")
    assert gamble.flagged and gamble.category == "gambling" and gamble.score > 0.6
    fraud = scorer.score("兼职刷单返利", "post")
    assert fraud.flagged and fraud.category == "fraud"
    clean = scorer.score("今天天气不错", "title")
    assert not clean.flagged and clean.score < 0.2
    assert set(clean.scores) == set(CATS)
    assert gamble.model_version == scorer.version == f"tiny@{scorer.card.content_sha256[:12]}"


def test_surface_thresholds_differ(tmp_path: Path) -> None:
    model = _tiny_model({"title": {"gambling": 0.5, "fraud": 0.5}, "post": {"gambling": 0.99, "fraud": 0.99}})
    scorer = SpamScorer.load(save_model(model, tmp_path / "m.json"))
    text = "这里有很多很多很多很多普通的文字，赌博"
    assert scorer.score(text, "title").flagged
    assert not scorer.score(text, "post").flagged
    assert scorer.score(text, "post").threshold == pytest.approx(0.99)


@pytest.mark.parametrize("text", [
    "快来網賭，日日返利",           # traditional characters
    "网 赌 平台",                    # spaces between the characters
    "ＡＢＣ网\u200b赌，刷—单",        # full width, a zero-width space, a dash
    "赌赌赌博博博",                   # repeats
])
def test_evidence_spans_are_original_offsets(scorer: SpamScorer, text: str) -> None:
    result = scorer.score(text, "post", evidence=5, explain=True)
    assert result.evidence
    for ev in result.evidence:
        assert ev.surface == text[ev.start:ev.end]
        assert ev.weight > 0
    spans = sorted((e.start, e.end) for e in result.evidence)
    assert all(a[1] <= b[0] for a, b in zip(spans, spans[1:])), "evidence spans never overlap"


def test_evidence_can_be_turned_off(scorer: SpamScorer) -> None:
    assert scorer.score("网赌", evidence=0).evidence == ()
    assert len(scorer.score("网赌 刷单 返利 赌博", evidence=1).evidence) == 1


def test_evidence_for_unflagged_texts_only_when_explained(scorer: SpamScorer) -> None:
    text = "这里有很多很多很多很多普通的文字，还有赌博两个字"
    assert not scorer.score(text, "post").flagged
    assert scorer.score(text, "post").evidence == ()
    assert scorer.score(text, "post", explain=True).evidence[0].surface == "赌博"


@pytest.mark.parametrize("text", ["", " ", "。。。", "a", "\u200b"])
def test_empty_and_tiny_texts(scorer: SpamScorer, text: str) -> None:
    result = scorer.score(text)
    assert not result.flagged and result.evidence == ()


def test_bad_input_is_an_input_error(scorer: SpamScorer) -> None:
    with pytest.raises(InputError):
        scorer.score(123)  # type: ignore[arg-type]
    with pytest.raises(InputError):
        scorer.score("x", "trending")
    assert not scorer.score("字" * 100_000).flagged  # long text: only the first part is scored


def test_result_is_frozen_and_serialisable(scorer: SpamScorer) -> None:
    result = scorer.score("网赌", "title")
    assert isinstance(result, ScoreResult)
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.score = 0.0  # type: ignore[misc]
    d = result.to_dict()
    assert json.loads(json.dumps(d, ensure_ascii=False)) == d
    assert d["evidence"][0]["surface"] == "网赌"
    assert isinstance(result.evidence[0], Evidence)


def test_scorer_satisfies_the_protocol(scorer: SpamScorer) -> None:
    assert isinstance(scorer, TextScorer)
    assert scorer.surfaces == ("title", "post")


# ---------------------------------------------------------------- the model file


def test_round_trip_is_byte_stable(tmp_path: Path) -> None:
    a = save_model(_tiny_model(), tmp_path / "a" / "tiny.json")
    b = save_model(_tiny_model(), tmp_path / "b" / "tiny.json")
    assert (a.parent / "tiny.npz").read_bytes() == (b.parent / "tiny.npz").read_bytes()
    loaded = load_model(tmp_path / "a" / "tiny.npz")  # the weights path finds its card
    assert loaded.card == _tiny_model().card
    assert np.array_equal(loaded.weights, _tiny_model().weights)


def test_save_refuses_a_card_that_does_not_match(tmp_path: Path) -> None:
    model = _tiny_model()
    bad = LinearModel(dataclasses.replace(model.card, content_sha256="0" * 64), model.weights, model.bias)
    with pytest.raises(ModelError):
        save_model(bad, tmp_path / "x.json")


def _card(saved: Path) -> dict[str, object]:
    return json.loads(saved.read_text(encoding="utf-8"))


def _write_card(saved: Path, card: dict[str, object]) -> None:
    saved.write_text(json.dumps(card), encoding="utf-8")


@pytest.mark.parametrize("change", [
    lambda c: c.update(format="qinglang-spam-model/0"),
    lambda c: c.update(extra=1),
    lambda c: c.pop("thresholds"),
    lambda c: c.update(weights_file="../tiny.npz"),
    lambda c: c.update(weights_file="/etc/passwd"),
    lambda c: c.update(categories=["gambling", "gambling"]),
    lambda c: c.update(categories=["Gambling", "fraud"]),
    lambda c: c["thresholds"]["title"].update(gambling=1.5),
    lambda c: c["thresholds"]["title"].pop("fraud"),
    lambda c: c["thresholds"]["title"].update(gambling=True),
    lambda c: c.update(created="yesterday"),
    lambda c: c.update(content_sha256="f" * 64),
    lambda c: c["features"].update(hash_bits=13),
    lambda c: c.update(surfaces=["post", "title"]),
    lambda c: c.update(training=[]),
])
def test_bad_cards_are_refused(saved: Path, change) -> None:  # type: ignore[no-untyped-def]
    card = _card(saved)
    change(card)
    _write_card(saved, card)
    with pytest.raises(ModelError):
        SpamScorer.load(saved)


def test_card_is_bounded_and_plain_json(saved: Path) -> None:
    saved.write_text('{"format": NaN}', encoding="utf-8")
    with pytest.raises(ModelError):
        load_model(saved)
    saved.write_text(" " * (2 << 20), encoding="utf-8")
    with pytest.raises(ModelError, match="allowed"):
        load_model(saved)
    saved.write_bytes(b"\xff\xfe")
    with pytest.raises(ModelError):
        load_model(saved)


def _npz(members: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return buf.getvalue()


def _npy(arr: np.ndarray) -> bytes:
    buf = io.BytesIO()
    np.lib.format.write_array(buf, arr, allow_pickle=True)
    return buf.getvalue()


def test_weights_file_is_checked(saved: Path) -> None:
    npz = saved.parent / "tiny.npz"
    model = _tiny_model()
    good = {"weights.npy": _npy(model.weights), "bias.npy": _npy(model.bias)}
    cases = {
        "extra member": {**good, "evil.npy": _npy(model.bias)},
        "missing member": {"weights.npy": good["weights.npy"]},
        "pickled objects": {**good, "bias.npy": _npy(np.array([object(), object()], dtype=object))},
        "wrong dtype": {**good, "weights.npy": _npy(model.weights.astype(np.float32))},
        "wrong shape": {**good, "bias.npy": _npy(np.zeros(3, np.float32))},
        "not finite": {**good, "bias.npy": _npy(np.array([np.nan, 0], np.float32))},
        "tampered": {**good, "bias.npy": _npy(np.array([5.0, 5.0], np.float32))},
    }
    for name, members in cases.items():
        npz.write_bytes(_npz(members))
        with pytest.raises(ModelError):
            load_model(saved)
        npz.write_bytes(b"not a zip")
        with pytest.raises(ModelError):
            load_model(saved)
    npz.unlink()
    with pytest.raises(ModelError, match="cannot read"):
        load_model(saved)


def test_model_error_is_a_guard_error() -> None:
    assert issubclass(ModelError, GuardError)
    with pytest.raises(GuardError):
        load_model("/nonexistent/model.json")


def test_public_api() -> None:
    import plugin.scoring as scoring

    assert scoring.__all__ == sorted(scoring.__all__, key=lambda n: (not n.isupper(), n))
    for name in scoring.__all__:
        assert hasattr(scoring, name)


def _rezipped(weights: bytes, *, encrypted: bool = False, corrupt: bool = False) -> bytes:
    """``weights`` (an .npz) rewritten deflated, with its members flagged encrypted or their deflated bytes broken."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(weights)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            dst.writestr(info.filename, src.read(info))
    raw = bytearray(out.getvalue())
    with zipfile.ZipFile(io.BytesIO(bytes(raw))) as zf:
        infos = zf.infolist()
    for info in infos:
        if encrypted:  # the general-purpose flag bit 0, in the local header and in its central directory entry
            raw[info.header_offset + 6] |= 1
            central = raw.find(b"PK\x01\x02")
            while central >= 0:
                if int.from_bytes(raw[central + 42:central + 46], "little") == info.header_offset:
                    raw[central + 8] |= 1
                central = raw.find(b"PK\x01\x02", central + 4)
        if corrupt:  # the first bytes of the member's deflate stream: an invalid block type
            start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
            raw[start] = 0xFF
    return bytes(raw)


@pytest.mark.parametrize("kind", ["encrypted", "corrupt"])
def test_an_unreadable_weights_zip_is_a_model_error(kind: str) -> None:
    card, weights = model_bytes(hand_model())
    bad = _rezipped(weights, encrypted=kind == "encrypted", corrupt=kind == "corrupt")
    with pytest.raises(ModelError, match="not a valid weights file"):
        load_model_bytes(card, bad)
