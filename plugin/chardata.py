"""Character data that normalisation and the variant tables both read (a leaf module).

* :func:`is_cjk` / :data:`CJK_CHAR`: what counts as a Chinese character;
* :func:`read_yaml` / :func:`variant_path`: the bundled data files under ``lexicons/variants/``
  (a bad file raises :class:`~plugin.errors.LexiconError` naming the file and line);
* :func:`emoji_words`: emoji that stand for words (🐧 → 企鹅).

:mod:`plugin.normalize` folds those emoji to private-use characters and :mod:`plugin.variants`
reads them back as words; both import this module, and it imports neither (no import circle).
"""

from __future__ import annotations

from functools import lru_cache
from importlib import resources
from typing import Any

from . import fixed_regex
from . import safe_yaml
from .errors import LexiconError, LexiconProblem

__all__ = ["CJK_CHAR", "emoji_words", "has_cjk", "is_cjk", "read_yaml", "variant_path"]

#: One CJK unified ideograph (the BMP blocks of :func:`is_cjk`).
CJK_CHAR = fixed_regex.compile("[\u4e00-\u9fff\u3400-\u4dbf\uf900-\ufaff]")


def has_cjk(text: str) -> bool:
    """Whether ``text`` holds a CJK unified ideograph (BMP blocks)."""
    return any(map(is_cjk, text))


def is_cjk(ch: str) -> bool:
    """CJK unified ideograph (BMP blocks)."""
    cp = ord(ch)
    return 0x4E00 <= cp <= 0x9FFF or 0x3400 <= cp <= 0x4DBF or 0xF900 <= cp <= 0xFAFF


def read_yaml(path: str) -> Any:
    """The parsed YAML file (``None`` when it does not exist), read with the safe loader (no aliases,
    bounded size and depth); invalid YAML raises :class:`LexiconError` with the line."""
    try:
        with open(path, encoding="utf-8") as fh:
            text = fh.read()
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError) as exc:
        raise LexiconError([LexiconProblem(path, None, f"cannot read the table: {exc}")]) from None
    try:
        return safe_yaml.load(text)
    except safe_yaml.YamlProblem as exc:
        raise LexiconError([LexiconProblem(path, exc.line, exc.message)]) from None


def variant_path(name: str) -> str:
    """Path of a bundled data file in ``lexicons/variants/``."""
    return str(resources.files("lexicons") / "variants" / name)


@lru_cache(maxsize=1)
def emoji_words() -> dict[str, str]:
    """Emoji → the word it stands for (``lexicons/variants/emoji_words.yaml``; empty when missing)."""
    data = read_yaml(variant_path("emoji_words.yaml"))
    table = data.get("emoji") if isinstance(data, dict) else None
    if not isinstance(table, dict):
        return {}
    return {k: v for k, v in table.items() if isinstance(k, str) and len(k) == 1 and isinstance(v, str) and v}
