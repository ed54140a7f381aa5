"""Evasion transforms for training: what spammers do to a text so that filters miss it, as classes.

Training on the transformed copies teaches the model the invariance (the same n-grams through a
disguise) and the weight of the structural cues the disguises leave (:mod:`plugin.scoring.cues`),
instead of one corpus's spelling. Each transform is a class of evasion, not a list of examples:

- ``homophone``: a share of the Chinese characters swapped for another character of the same
  toneless reading (菠菜 → 波菜, 微信 → 薇信; the matcher's homophone table, restricted to characters
  of the training texts so the swaps stay plausible);
- ``pinyin``: one or two characters written as their pinyin or its initial (博彩 → bo彩, 平台 → 平t);
- ``drop``: a character replaced by a pictograph, which the dense view deletes (🍗台, 🥬);
- ``split``: separators between the characters of a stretch (体 育 外 围, 菠-菜);
- ``handle``: a contact-handle word replaced by one of its disguises (微信 → V信 / 薇 / vx / ➕v; QQ →
  扣扣 / 🐧; Telegram → 飞机 / tg).

:func:`augment` draws from a generator seeded by the text itself, so the same rows always give the same
copies (training stays reproducible). Spam rows get every class; with ``benign`` the character-level
classes only (homophone, pinyin, drop), so that the disguise itself is not what the model learns as spam,
only the structural cues spammers add (separators, handle disguises) are.
"""

from __future__ import annotations

import hashlib
import random
from functools import lru_cache
from typing import Sequence

from ..chardata import is_cjk
from ..normalize import prepare
from ..variants import load_variant_tables
from .cues import cue_spans, topic_cue_spans
from .features import url_blanked

__all__ = ["EVASION_CLASSES", "SHORT_VIEW_ANCHORS", "SHORT_VIEW_CHARS", "augment", "homophone_members", "short_view"]

#: Length range (characters of the dense view) of a short view: a comment, a search query, a danmaku line.
SHORT_VIEW_CHARS = (8, 15)

#: The evasion classes, in the order a copy applies them.
EVASION_CLASSES: tuple[str, ...] = ("handle", "homophone", "pinyin", "drop", "split")
_CHARACTER_CLASSES = ("homophone", "pinyin", "drop")

_HANDLE_DISGUISES: dict[str, tuple[str, ...]] = {
    "微信": ("V信", "薇信", "威信", "vx", "➕v", "薇", "wx", "V"),
    "加微": ("➕v", "加V", "+薇", "➕薇"),
    "qq": ("扣扣", "🐧", "Q", "企鹅", "扣"),
    "QQ": ("扣扣", "🐧", "Q", "企鹅", "扣"),
    "电报": ("飞机", "tg", "✈", "纸飞机"),
    "telegram": ("飞机", "tg", "✈"),
    "网址": ("点cc", "链接", "🔗"),
}
_PICTOGRAPHS = ("🍗", "🥬", "🎰", "💰", "🔥", "🌸", "⭐", "🈶")
_SEPARATORS = (" ", "-", "·", "*", "|", "/", " ")


@lru_cache(maxsize=8)
def homophone_members(vocabulary: str) -> dict[str, tuple[str, ...]]:
    """Homophone class → its characters among ``vocabulary`` (CJK only)."""
    tables = load_variant_tables()
    members: dict[str, list[str]] = {}
    for ch in sorted(set(vocabulary)):
        if is_cjk(ch):
            members.setdefault(tables.homophone_key(ch), []).append(ch)
    return {k: tuple(v) for k, v in members.items() if len(v) > 1}


@lru_cache(maxsize=4096)
def _pinyin(ch: str) -> str:
    from pypinyin import Style, lazy_pinyin

    out = lazy_pinyin(ch, style=Style.NORMAL, errors="ignore")
    return out[0] if out and out[0].isascii() else ""


def _handle(text: str, rng: random.Random) -> str:
    for word, disguises in _HANDLE_DISGUISES.items():
        if word in text:
            text = text.replace(word, rng.choice(disguises))
    return text


def _homophone(chars: list[str], rng: random.Random, members: dict[str, tuple[str, ...]], share: float) -> None:
    tables = load_variant_tables()
    for i, ch in enumerate(chars):
        if is_cjk(ch) and rng.random() < share:
            others = [c for c in members.get(tables.homophone_key(ch), ()) if c != ch]
            if others:
                chars[i] = rng.choice(others)


def _cjk_positions(chars: Sequence[str]) -> list[int]:
    return [i for i, ch in enumerate(chars) if len(ch) == 1 and is_cjk(ch)]


def _pinyin_swap(chars: list[str], rng: random.Random) -> None:
    positions = _cjk_positions(chars)
    for i in rng.sample(positions, min(len(positions), rng.choice((1, 2)))):
        p = _pinyin(chars[i])
        if p:
            chars[i] = p if rng.random() < 0.5 else p[0]


def _drop(chars: list[str], rng: random.Random) -> None:
    positions = _cjk_positions(chars)
    if positions:
        chars[rng.choice(positions)] = rng.choice(_PICTOGRAPHS)


def _split(chars: list[str], rng: random.Random) -> None:
    positions = _cjk_positions(chars)
    if len(positions) < 2:
        return
    start = rng.randrange(len(positions) - 1)
    sep = rng.choice(_SEPARATORS)
    for i in positions[start:start + rng.choice((2, 4, 6))][:-1]:
        chars[i] = chars[i] + sep


def augment(text: str, *, vocabulary: str = "", benign: bool = False, share: float = 0.15) -> str:
    """One disguised copy of ``text`` (see the module docstring); deterministic per text. ``vocabulary``:
    characters homophone swaps may use (empty: no homophone swaps); ``share``: the share of Chinese
    characters a homophone swap touches."""
    rng = random.Random(hashlib.sha256(f"{benign}\x00{text}".encode("utf-8")).digest())
    classes = _CHARACTER_CLASSES if benign else EVASION_CLASSES
    chosen = [c for c in classes if rng.random() < 0.5] or [rng.choice(classes)]
    if "handle" in chosen:
        text = _handle(text, rng)
    chars = list(text)
    members = homophone_members(vocabulary) if vocabulary else {}
    if "homophone" in chosen and members:
        _homophone(chars, rng, members, share)
    if "pinyin" in chosen:
        _pinyin_swap(chars, rng)
    if "drop" in chosen:
        _drop(chars, rng)
    if "split" in chosen:
        _split(chars, rng)
    return "".join(chars)


#: What a short view is centred on: ``topic`` (a topic-class word: the offer, the scheme, the bet) or ``cues`` (also
#: a structural cue: a contact route, an amount, a link …).
SHORT_VIEW_ANCHORS = ("topic", "cues")


def short_view(text: str, around: str = "topic") -> str | None:
    """A short window of ``text``'s dense view around one of its topic-word spans (``around="cues"``: or one of its
    structural cue spans): what a comment or a search query of the same author keeps of a long post, for training the
    model on short texts. The span and the window's length (:data:`SHORT_VIEW_CHARS`) and position are drawn from a
    generator seeded by the text, so the same rows give the same views. ``None`` for a text that is already that
    short or has no such span."""
    if around not in SHORT_VIEW_ANCHORS:
        raise ValueError(f"around must be one of {SHORT_VIEW_ANCHORS}")
    view = prepare(url_blanked(text)).normalized
    chars = view.dense
    shortest, longest = SHORT_VIEW_CHARS
    if len(chars) <= longest:
        return None
    found = [*topic_cue_spans(chars), *(cue_spans(view.original, view, chars) if around == "cues" else ())]
    spans = sorted({(a, b) for _, a, b in found if b - a <= longest})
    if not spans:
        return None
    rng = random.Random(hashlib.sha256(f"short\x00{text}".encode("utf-8")).digest())
    start, end = rng.choice(spans)
    size = rng.randint(max(shortest, end - start), longest)
    first = rng.randint(max(0, end - size), min(start, len(chars) - size))
    return chars[first:first + size]
