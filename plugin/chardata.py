"""Character data that normalisation and the variant tables both read (a leaf module).

* :func:`is_cjk` / :func:`has_cjk`: what counts as a Chinese character;
* :func:`kind_table` / :func:`text_kinds` / :func:`kind_runs`: a text as one kind letter per character
  (a ``str.translate`` table), and the runs of one kind (tests that would otherwise be regexes);
* :func:`read_yaml` / :func:`variant_path`: the bundled data files under ``lexicons/variants/``
  (a bad file raises :class:`~plugin.errors.LexiconError` naming the file and line);
* :func:`emoji_words`: emoji that stand for words (🐧 → 企鹅).

:mod:`plugin.normalize` folds those emoji to private-use characters and :mod:`plugin.variants`
reads them back as words; both import this module, and it imports neither (no import circle).
"""

from __future__ import annotations

import codecs
from functools import lru_cache
from importlib import resources
from typing import Any, Callable, Iterator

from . import safe_yaml
from .errors import LexiconError, LexiconProblem

__all__ = ["emoji_words", "has_cjk", "is_cjk", "kind_runs", "kind_table", "read_yaml", "text_kinds", "variant_path"]

def kind_table(kind_of: Callable[[str], str]) -> list[str]:
    """A ``str.translate`` table: every BMP character → its kind, one ASCII letter (``kind_of(ch)``)."""
    return [kind_of(chr(cp)) for cp in range(0x10000)]


def text_kinds(text: str, table: list[str]) -> str:
    """``text`` as one kind letter per character (a :func:`kind_table`); a character beyond the BMP, which
    the table does not reach, is ``"0"``."""
    kinds = text.translate(table)
    if kinds.isascii():
        return kinds
    # (kind letters are ASCII: what is left beyond ASCII is an astral character, written "0" by the codec)
    return kinds.encode("ascii", _ASTRAL_AS_ZERO).decode("ascii")


def _zero_each(err: UnicodeError) -> tuple[str, int]:
    """A codec error handler: each character that cannot be encoded becomes ``"0"``."""
    if not isinstance(err, UnicodeEncodeError):
        raise err
    return "0" * (err.end - err.start), err.end


_ASTRAL_AS_ZERO = "qinglang-kind-zero"
codecs.register_error(_ASTRAL_AS_ZERO, _zero_each)


def kind_runs(kinds: str) -> Iterator[tuple[int, int]]:
    """``(start, end)`` of every maximal run of ``"1"`` in a two-kind view (``"1"`` / ``"0"``), left to right."""
    end = 0
    while (start := kinds.find("1", end)) >= 0:
        end = kinds.find("0", start)
        end = len(kinds) if end < 0 else end
        yield start, end


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
