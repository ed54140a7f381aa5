"""Slang spellings: a curated, editable table of coinages for words and characters
(``lexicons/variants/slang_variants.yaml``: 围脖 for 微博, 威信 for 微信, V for 微, 8 for 吧).

Generated homophones refuse a candidate that is a dictionary word (读博 is not 赌博); known
coinages often are words (围脖 is a scarf), so they come from this table instead, each with an
optional context gate (applied where the coinage is the whole variant). Every entry that enables ``homophone`` and holds a word of the table gets
the term with that word replaced by each coinage as a variant key (one substitution at a time,
at most :data:`MAX_SLANG_KEYS` per entry), reporting technique ``variant``.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from ..chardata import read_yaml, variant_path
from ..errors import LexiconError, LexiconProblem
from ..lexicon import ContextRule
from ..normalize import BREAK, dense_key

__all__ = ["MAX_SLANG_KEYS", "SLANG_TABLE_NAME", "SlangRow", "SlangTable", "lint_slang_table", "load_slang_table", "slang_variants"]

#: Slang variant keys per entry.
MAX_SLANG_KEYS = 16
_MAX_WITHIN = 200
SLANG_TABLE_NAME = "slang_variants.yaml"


@dataclass(frozen=True, slots=True)
class SlangRow:
    """One coinage: ``text`` written for ``word`` (both dense), with an optional context rule."""

    word: str
    text: str
    context: ContextRule | None


@dataclass(frozen=True, slots=True)
class SlangTable:
    """The rows by word (dense form), longest words first."""

    rows: tuple[tuple[str, tuple[SlangRow, ...]], ...]
    path: str


def _context(v: Any, where: str, problems: list[LexiconProblem], path: str) -> ContextRule | None:
    if v is None:
        return None
    if not isinstance(v, dict) or set(v) - {"requires_any", "excludes_any", "within"}:
        problems.append(LexiconProblem(path, None, f"{where}: context must be a mapping with "
                                                   "requires_any / excludes_any / within"))
        return None
    lists: dict[str, tuple[str, ...]] = {}
    for key in ("requires_any", "excludes_any"):
        words = v.get(key) or []
        if isinstance(words, str):
            words = [words]
        if not isinstance(words, list) or not all(isinstance(w, str) and dense_key(w) for w in words):
            problems.append(LexiconProblem(path, None, f"{where}: context.{key} must be a list of words"))
            return None
        lists[key] = tuple(words)
    within = v.get("within", 12)
    if isinstance(within, bool) or not isinstance(within, int) or not 1 <= within <= _MAX_WITHIN:
        problems.append(LexiconProblem(path, None, f"{where}: context.within must be an integer 1-{_MAX_WITHIN}"))
        return None
    return ContextRule(lists["requires_any"], lists["excludes_any"], within)


def _parse(path: str) -> tuple[SlangTable, list[LexiconProblem]]:
    problems: list[LexiconProblem] = []
    data = read_yaml(path)
    if data is None:
        return SlangTable((), path), problems
    table = data.get("slang") if isinstance(data, dict) else None
    unknown = set(data) - {"slang", "source", "licence", "license", "note"} if isinstance(data, dict) else set()
    if unknown:
        problems.append(LexiconProblem(path, None, f"unknown field(s): {', '.join(sorted(map(str, unknown)))}"))
    if not isinstance(table, dict):
        problems.append(LexiconProblem(path, None, "expected a mapping with a 'slang' mapping (word: [coinages])"))
        return SlangTable((), path), problems
    rows: dict[str, list[SlangRow]] = {}
    from ..segment import segmenter

    is_word = segmenter().is_word
    for word, coinages in table.items():
        wd = dense_key(word) if isinstance(word, str) else ""
        if not wd or BREAK in wd:
            problems.append(LexiconProblem(path, None, f"word {word!r} has nothing to match"))
            continue
        if not isinstance(coinages, list) or not coinages:
            problems.append(LexiconProblem(path, None, f"{word}: expected a list of coinages"))
            continue
        for c in coinages:
            text, ctx = (c, None) if isinstance(c, str) else (
                (c.get("text"), c.get("context")) if isinstance(c, dict) and set(c) <= {"text", "context"}
                else (None, None))
            if not isinstance(text, (str, int)) or isinstance(text, bool):
                problems.append(LexiconProblem(path, None, f"{word}: a coinage is a string or {{text, context}}"))
                continue
            td = dense_key(str(text))
            if not td or BREAK in td or td == wd:
                problems.append(LexiconProblem(path, None, f"{word}: coinage {text!r} matches nothing new"))
                continue
            rule = _context(ctx, f"{word} → {text}", problems, path)
            if rule is None and len(td) >= 2 and len(wd) == len(td) and is_word(td):
                problems.append(LexiconProblem(path, None, f"{word}: coinage {text!r} is a word in use; "
                                                           "give it a context", "warning"))
            rows.setdefault(wd, []).append(SlangRow(wd, td, rule))
    ordered = tuple(sorted(((w, tuple(r)) for w, r in rows.items()), key=lambda wr: -len(wr[0])))
    return SlangTable(ordered, path), problems


def lint_slang_table(path: str) -> list[LexiconProblem]:
    """Every problem of a slang table file (empty when clean)."""
    try:
        return _parse(path)[1]
    except LexiconError as exc:
        return exc.problems


@lru_cache(maxsize=4)
def load_slang_table(path: str | None = None) -> SlangTable:
    """The slang table (the bundled one by default); a table with errors raises :class:`LexiconError`."""
    table, problems = _parse(path or variant_path(SLANG_TABLE_NAME))
    errors = [p for p in problems if p.severity == "error"]
    if errors:
        raise LexiconError(errors)
    return table


def slang_variants(term: str, table: SlangTable) -> list[tuple[str, ContextRule | None]]:
    """``term`` (dense) with one word of the table replaced by a coinage, and the coinage's context
    rule where the coinage is the whole variant (inside a longer term, the term's other characters
    are the context); variants shorter than two characters are left out."""
    out: list[tuple[str, ContextRule | None]] = []
    seen = {term}
    for word, rows in table.rows:
        start = term.find(word)
        while start != -1:
            for row in rows:
                v = term[:start] + row.text + term[start + len(word):]
                if len(v) >= 2 and v not in seen:
                    seen.add(v)
                    out.append((v, row.context if len(v) == len(row.text) else None))
                    if len(out) >= MAX_SLANG_KEYS:
                        return out
            start = term.find(word, start + 1)
    return out
