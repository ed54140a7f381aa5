"""The learned pin decision: is a scored candidate the rumour the text is about, and how sure?

One hand-set score threshold cannot separate short queries that cover little of a wordy claim
(true pins scoring just under it) from topic-only queries about short, name-heavy claims
(false pins scoring well above it). The decision is a small logistic model over features of one
(text, claim) pair that the score alone hides (:data:`FEATURES`): coverage from both sides,
how much of the matched claim weight is names rather than what the claim says, question and
intent wording, negation, number and date agreement, the penalties that fired, the cluster's
size, the margin to the next candidate and the character coverage both ways (a word written
another way still shares characters with the claim's: 离京 / 北京, 更换 / 换).

At run time the model is a dot product (numpy): :class:`PinModel` reads its weights from a small
JSON file (``plugin/rumors/data/pin_model.json``, card ``PIN_MODEL.md`` beside it) written by
``bench/train_rumor_pin.py`` (scikit-learn, training only). :class:`PinTiers` holds the two
calibrated probability thresholds: ``pin`` (on top of the results) and ``related`` (a 相关辟谣
card that does not displace results); each surface may have its own.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, replace
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from plugin.errors import RumorError
from plugin.numerals import quantities_agree

from .analysis import is_name, subwords
from .models import PinTier, RumorMatch, RumorMatchResult
from .scoring import char_cover, sound_cover

__all__ = ["DEFAULT_MODEL", "FEATURES", "MARGIN_CLIP", "TOPIC_SHIFT_WORDS", "PinModel", "PinTiers",
           "decision_margin", "default_model", "pair_features", "predicate_vetoed",
           "predicate_weights", "query_predicate_cover", "query_predicate_unexplained", "retier", "shifts_topic"]

#: The features of one (text, claim) pair, in the model's order.
FEATURES: tuple[str, ...] = (
    "score", "tq", "tc", "bq", "bc", "log_q_cred", "log_query_words", "log_claim_words", "name_share",
    "predicate_cover", "missing_share", "question", "intent", "negation_mismatch", "number_agree",
    "number_conflict", "date_agree", "date_conflict", "pen_low_cover", "pen_intent", "pen_topic", "pen_subject",
    "pen_unnamed", "pen_conflict", "pen_one_word", "triggers", "log_cluster_size", "margin", "rank",
    "char_q", "char_c",
    # what the query says beyond the claim's names and whether the claim explains it (a near-topic query shares
    # the names and asks something else: the official follow-up, a disease's real symptoms, the same person's
    # other news), and the query's characters the claim holds by sound (a homophone typo: 纸金 / 纸巾)
    "q_pred_cover", "topic_shift", "sound_q",
    # what the query says about the shared names that the claim does not assert: the query's predicate weight the
    # claim leaves unexplained, as a share of all its weight
    "q_pred_unexplained",
)

#: Words that turn a query about a claim's subject to another event about it (not whether the claim is true):
#: the official follow-up (发布会, 通报 — read 公布 —, 回应, 讲话), a disease's real course (症状, 潜伏期), the
#: subject's calendar (开学, 赛程, 上映). A query holding one the claim does not hold asks about something else.
TOPIC_SHIFT_WORDS = frozenset(
    """
    发布会 公布 回应 声明 公告 通告 通知 答记者问 情况说明 调查结果 处理结果 进展 讲话 演讲 采访 专访 会见 会议 视频
    症状 表现 征兆 潜伏期 传播途径 治疗方法 就诊 体检 疗程 后遗症 开学 放假 假期 复课 复工 招生 比赛 赛程 票房 上映
    首映 新品 上市 纪录片 新书 婚礼 生日 获奖 颁奖 排队 现场 直播间
    """.split()
)

#: The margin to the next candidate counts up to this much either way.
MARGIN_CLIP = 0.05

#: The bundled model (``bench/train_rumor_pin.py`` writes it).
DEFAULT_MODEL = "pin_model.json"


@dataclass(frozen=True, slots=True)
class PinTiers:
    """Probability thresholds of the decision: a candidate is **pinned** when its probability is at
    least ``pin``, or when its score passes the score threshold (:attr:`RumorScoring.threshold
    <plugin.rumors.scoring.RumorScoring.threshold>`) and its probability is at least ``veto`` (the
    model vetoes what the score alone would pin: topic-only queries about short, name-heavy claims);
    else **related** when it is at least ``related``. ``veto`` ≤ ``pin``, ``related`` ≤ ``pin``;
    each in (0, 1] (``veto`` may be 0: the score threshold alone)."""

    pin: float
    related: float
    veto: float = 0.0

    def __post_init__(self) -> None:
        for name in ("pin", "related", "veto"):
            v = getattr(self, name)
            low_ok = name == "veto"
            if isinstance(v, bool) or not isinstance(v, (int, float)) or not (0 <= v if low_ok else 0 < v) or v > 1:
                raise RumorError(f"rumour tiers: {name} must be a number in (0, 1], got {v!r}")
        for name in ("related", "veto"):
            if getattr(self, name) > self.pin:
                raise RumorError(f"rumour tiers: {name} ({getattr(self, name)}) must not exceed pin ({self.pin})")

    def tier(self, probability: float, score: float, threshold: float) -> "PinTier | None":
        """The tier of a candidate (``None``: neither)."""
        if probability >= self.pin or (score >= threshold and probability >= self.veto):
            return PinTier.PIN
        if probability >= self.related:
            return PinTier.RELATED
        return None


def _agreement(q_numbers: tuple[str, ...], c_numbers: tuple[str, ...], dates: bool) -> tuple[float, float]:
    """(agree, conflict) flags for the numbers (or dates) of both sides."""
    qs = [t[1:] for t in q_numbers if t.endswith(("月", "日")) == dates]
    cs = [t[1:] for t in c_numbers if t.endswith(("月", "日")) == dates]
    if not qs or not cs:
        return 0.0, 0.0
    near = [quantities_agree(a, b) for a in qs for b in cs]
    if any(near):
        return 1.0, 0.0
    return 0.0, 1.0 if any(v is False for v in near) else 0.0


#: Two claims are copies of one another when this share of their characters is common to both (Jaccard).
COPY_CHAR_OVERLAP = 0.6


def _copies(a: RumorMatch, b: RumorMatch) -> bool:
    """Whether ``b`` is a copy of ``a``'s claim for the text: matched through the same words (some) and written
    mostly with the same characters (襄阳封城 posted twice by two sources; not two claims about one thing)."""
    if not a.shared or set(a.shared) != set(b.shared):
        return False
    x, y = set(a.rumor.claim), set(b.rumor.claim)
    return len(x & y) >= COPY_CHAR_OVERLAP * len(x | y)


def decision_margin(ranked: Sequence[RumorMatch], rank: int) -> float:
    """The score margin of candidate ``rank`` of ``ranked`` (best first) to the best other candidate: to the
    next one for the first, to the first for the others. A copy of this claim in another cluster
    (:func:`_copies`) is skipped: two copies of one claim scoring alike say nothing against either."""
    me = ranked[rank]
    others = [m.score for j, m in enumerate(ranked) if j != rank and not _copies(me, m)]
    return me.score - (others[0] if others else 0.0)


def shifts_topic(query_weights: dict[str, float], claim_weights: dict[str, float], claim_text: str) -> bool:
    """Whether the query holds a :data:`TOPIC_SHIFT_WORDS` word (or a compound of one: 新闻发布会) that the claim
    holds neither as a word nor in its text."""
    for t in query_weights:
        if t in TOPIC_SHIFT_WORDS:
            found = [t]
        elif len(t) > 2:
            found = [s for s in subwords(t) if s in TOPIC_SHIFT_WORDS]
        else:
            continue
        if any(h not in claim_weights and h not in claim_text for h in found):
            return True
    return False


def predicate_weights(weights: dict[str, float]) -> dict[str, float]:
    """The predicate part of one side's content words: those that are no name and no number (what a text says
    about its names)."""
    return {t: w for t, w in weights.items() if not is_name(t) and not t.startswith("#")}


def query_predicate_cover(info: dict[str, Any], query_weights: dict[str, float]) -> float:
    """The share of the query's predicate weight (its words that are no name and no number) the claim explains
    (``info["query_credit"]``, filled in by :meth:`plugin.rumors.scoring.ClaimScorer.score`); 0 when the query
    has no such word."""
    credit: dict[str, float] = info.get("query_credit", {})
    pred = predicate_weights(query_weights)
    total = sum(pred.values())
    return sum(credit.get(t, 0.0) * w for t, w in pred.items()) / total if total else 0.0


def query_predicate_unexplained(info: dict[str, Any], query_weights: dict[str, float]) -> float:
    """The query's predicate weight the claim does not explain, as a share of **all** the query's weight: high
    when the query shares the claim's names and says something else about them (石家庄 疫情 防控发布会 against a
    石家庄 lockdown claim), 0 when it says nothing beyond the names or only what the claim says."""
    credit: dict[str, float] = info.get("query_credit", {})
    total = sum(query_weights.values())
    pred = predicate_weights(query_weights)
    return sum((1.0 - min(credit.get(t, 0.0), 1.0)) * w for t, w in pred.items()) / total if total else 0.0


def pair_features(info: dict[str, Any], *, query_words: int, claim_words: int, claim_weights: dict[str, float],
                  question: bool, intent: bool, query_negated: bool, claim_negated: bool,
                  query_numbers: tuple[str, ...], claim_numbers: tuple[str, ...], cluster_size: int,
                  margin: float, rank: int, query_text: str, claim_text: str,
                  query_weights: dict[str, float]) -> list[float]:
    """The :data:`FEATURES` of one scored pair; ``info`` is what
    :meth:`plugin.rumors.scoring.ClaimScorer.score` fills in; ``query_text`` / ``claim_text``: the
    content words of each side joined (:attr:`plugin.rumors.analysis.Analysis.dense`), for the
    character and sound coverage both ways (:func:`plugin.rumors.scoring.char_cover`, ``sound_cover``);
    ``query_weights``: the query's content words and their weights (what the claim must explain)."""
    credit: dict[str, float] = info.get("claim_credit", {})
    covered = sum(c * claim_weights.get(t, 0.0) for t, c in credit.items())
    names = sum(c * claim_weights.get(t, 0.0) for t, c in credit.items() if is_name(t))
    predicates_total = sum(predicate_weights(claim_weights).values()) or 1.0
    predicates = sum(c * claim_weights.get(t, 0.0) for t, c in credit.items()
                     if not is_name(t) and not t.startswith("#"))
    penalties = set(info.get("penalties", ()))
    n_agree, n_conflict = _agreement(query_numbers, claim_numbers, dates=False)
    d_agree, d_conflict = _agreement(query_numbers, claim_numbers, dates=True)
    shared = len(info.get("shared", ()))
    missing = len(info.get("missing", ()))
    return [
        float(info.get("score", 0.0)), float(info.get("tq", 0.0)), float(info.get("tc", 0.0)),
        float(info.get("bq", 0.0)), float(info.get("bc", 0.0)), math.log1p(float(info.get("q_cred", 0.0))),
        math.log1p(query_words), math.log1p(claim_words), names / covered if covered else 0.0,
        predicates / predicates_total, missing / max(shared + missing, 1), float(question), float(intent),
        float(query_negated != claim_negated), n_agree, n_conflict, d_agree, d_conflict,
        *(float(p in penalties) for p in ("low_cover", "intent", "topic", "subject", "unnamed", "conflict",
                                          "one_word")),
        # the margin is clipped: near-identical claims that are not one cluster often score alike, and an
        # unclipped margin made the model distrust them
        float(min(int(info.get("triggers", 0)), 2)), math.log(max(cluster_size, 1)), max(-MARGIN_CLIP, min(margin, MARGIN_CLIP)),
        float(rank), char_cover(query_text, claim_text), char_cover(claim_text, query_text),
        query_predicate_cover(info, query_weights), float(shifts_topic(query_weights, claim_weights, claim_text)),
        sound_cover(query_text, claim_text),
        query_predicate_unexplained(info, query_weights),
    ]


_Q_PRED_COVER = FEATURES.index("q_pred_cover")
_Q_PRED_UNEXPLAINED = FEATURES.index("q_pred_unexplained")


def predicate_vetoed(features: Sequence[float], floor: float) -> bool:
    """The predicate veto: the query says something about the claim's names (it has predicate words) and the
    claim explains less than ``floor`` of it (``q_pred_cover``): 丹东 6月26日 中考安排 against 丹东6月26日要封城
    shares the names and the date and asks about something else."""
    return floor > 0 and features[_Q_PRED_COVER] < floor and features[_Q_PRED_UNEXPLAINED] > 0


def logistic(x: Sequence[float] | Any, mean: Any, scale: Any, coef: Any, intercept: float) -> float:
    """The probability of a logistic model over standardised values ``(x - mean) / scale`` (the rumour pin model
    and the semantic retrieval's); ``z`` is clamped to ±30, so the result is < 1 and a tier at 1.0 stays reachable
    by no text."""
    z = float(((np.asarray(x, dtype=np.float64) - mean) / scale) @ coef) + intercept
    return 1.0 / (1.0 + math.exp(-max(min(z, 30.0), -30.0)))


def read_model_file(path: str | Path, what: str) -> dict[str, Any]:
    """The JSON object of a model file (``what`` names the model in the error)."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise RumorError(f"{what}: cannot read {path}: {exc}") from None
    if not isinstance(data, dict):
        raise RumorError(f"{what}: {path} does not hold a JSON object")
    return data


def bundled_model_file(name: str) -> dict[str, Any] | None:
    """The JSON object of a model file shipped in ``plugin/rumors/data``, or ``None`` when the package ships
    none."""
    ref = resources.files("plugin.rumors").joinpath("data", name)
    if not ref.is_file():
        return None
    data: dict[str, Any] = json.loads(ref.read_text(encoding="utf-8"))
    return data


class PinModel:
    """A logistic model over :data:`FEATURES` (standardised), with its calibrated tiers and its predicate veto
    (``predicate_floor``: a candidate :func:`predicate_vetoed` gets at most the ``related`` probability: a
    相关辟谣 card at most, never a pin)."""

    def __init__(self, mean: list[float], scale: list[float], coef: list[float], intercept: float,
                 tiers: PinTiers, features: tuple[str, ...] = FEATURES, meta: dict[str, Any] | None = None,
                 predicate_floor: float = 0.0) -> None:
        if tuple(features) != FEATURES:
            raise RumorError("pin model: its features are not this version's (retrain: bench/train_rumor_pin.py)")
        n = len(FEATURES)
        if not (len(mean) == len(scale) == len(coef) == n):
            raise RumorError(f"pin model: expected {n} means, scales and coefficients")
        self.mean = np.asarray(mean, dtype=np.float64)
        self.scale = np.asarray([s if s > 0 else 1.0 for s in scale], dtype=np.float64)
        self.coef = np.asarray(coef, dtype=np.float64)
        self.intercept = float(intercept)
        if isinstance(predicate_floor, bool) or not 0 <= predicate_floor < 1:
            raise RumorError(f"pin model: predicate_floor must be in [0, 1), got {predicate_floor!r}")
        self.tiers = tiers
        self.meta = dict(meta or {})
        self.predicate_floor = float(predicate_floor)

    def probability(self, features: list[float]) -> float:
        """P(the candidate is the rumour the text is about); at most the ``related`` tier's probability when the
        predicate veto fires (:func:`predicate_vetoed`)."""
        p = logistic(features, self.mean, self.scale, self.coef, self.intercept)
        return min(p, self.tiers.related) if predicate_vetoed(features, self.predicate_floor) else p

    def to_dict(self) -> dict[str, Any]:
        return {"features": list(FEATURES), "mean": self.mean.tolist(), "scale": self.scale.tolist(),
                "coef": self.coef.tolist(), "intercept": self.intercept,
                "tiers": {"pin": self.tiers.pin, "related": self.tiers.related, "veto": self.tiers.veto},
                "predicate_floor": self.predicate_floor, "meta": self.meta}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "PinModel":
        try:
            tiers = PinTiers(float(data["tiers"]["pin"]), float(data["tiers"]["related"]),
                             float(data["tiers"].get("veto", 0.0)))
            return cls(list(data["mean"]), list(data["scale"]), list(data["coef"]), float(data["intercept"]), tiers,
                       tuple(data["features"]), data.get("meta"), float(data.get("predicate_floor", 0.0)))
        except (KeyError, TypeError, ValueError) as exc:
            raise RumorError(f"pin model: malformed ({exc})") from None

    @classmethod
    def load(cls, path: str | Path) -> "PinModel":
        return cls.from_dict(read_model_file(path, "pin model"))


def retier(result: RumorMatchResult, tiers: PinTiers, threshold: float) -> RumorMatchResult:
    """``result`` with its learned matches put in ``tiers`` (a surface's own thresholds): matches the
    index decided by its score alone (no ``confidence``) or by the semantic layer (``semantic``: its own
    model and scale) keep their tier. A surface can only be
    stricter than the index about what is related: the index returns nothing under its own
    ``related`` threshold."""
    if not any(m.confidence is not None and not m.semantic for m in result.matches):
        return result
    pins, related = [], []
    for m in result.matches:
        tier = m.tier if m.confidence is None or m.semantic else tiers.tier(m.confidence, m.score, threshold)
        if tier is PinTier.PIN:
            pins.append(m if m.tier is tier else replace(m, tier=tier))
        elif tier is PinTier.RELATED:
            related.append(m if m.tier is tier else replace(m, tier=tier))
    return RumorMatchResult.build(pins or related, result.refuting)


@lru_cache(maxsize=1)
def default_model() -> PinModel | None:
    """The bundled model, or ``None`` when the package ships none."""
    data = bundled_model_file(DEFAULT_MODEL)
    return None if data is None else PinModel.from_dict(data)
