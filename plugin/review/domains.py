"""Keyword-based domain inference (finance / education / medical / legal) for candidates whose
``domain`` is left empty, so leaving it out does not dodge the certification duty (seed 001 第2条).

The terms live in ``domain_terms.yaml`` beside this module (``strong`` terms score 2, plain ``terms``
1). The candidate's title and text are folded (:func:`plugin.normalize.fold_text`: width, case,
traditional characters) and scanned once, leftmost-longest, so a term inside a longer listed term
counts once. Scores add up per domain over DISTINCT terms.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping

from .. import fixed_regex
from .. import safe_yaml
from ..normalize import fold_text
from .models import DOMAINS

__all__ = ["DEFAULT_TERMS_PATH", "DomainGuess", "DomainInference"]

DEFAULT_TERMS_PATH = Path(__file__).with_name("domain_terms.yaml")


@dataclass(frozen=True, slots=True)
class DomainGuess:
    """One inferred domain: its score and the distinct terms found (in text order)."""

    domain: str
    score: int
    terms: tuple[str, ...]


class DomainInference:
    """Infers domains from text with a term table ``{domain: {"strong": [...], "terms": [...]}}``."""

    def __init__(self, table: Mapping[str, Mapping[str, Any]]) -> None:
        self._term: dict[str, tuple[str, int]] = {}  # folded term -> (domain, weight)
        for domain, spec in table.items():
            if domain not in DOMAINS:
                raise ValueError(f"unknown domain {domain!r} in the domain term table (expected {', '.join(DOMAINS)})")
            for key, weight in (("terms", 1), ("strong", 2)):
                for term in (spec or {}).get(key) or ():
                    folded = fold_text(str(term)).strip()
                    if folded:
                        self._term[folded] = (domain, max(weight, self._term.get(folded, (domain, 0))[1]))
        alts = sorted(self._term, key=len, reverse=True)  # longest first: leftmost-longest matching
        self._pattern = fixed_regex.compile("|".join(fixed_regex.escape(t) for t in alts)) if alts else None

    @classmethod
    def from_file(cls, path: str | Path = DEFAULT_TERMS_PATH) -> "DomainInference":
        return _load(str(path))

    def scores(self, text: str) -> list[DomainGuess]:
        """Every domain with at least one term, best first."""
        if self._pattern is None or not text:
            return []
        found: dict[str, dict[str, int]] = {}
        for m in self._pattern.finditer(fold_text(text)):
            domain, weight = self._term[m.group(0)]
            found.setdefault(domain, {}).setdefault(m.group(0), weight)
        guesses = [DomainGuess(d, sum(ts.values()), tuple(ts)) for d, ts in found.items()]
        return sorted(guesses, key=lambda g: (-g.score, DOMAINS.index(g.domain)))

    def infer(self, text: str, min_score: int = 2) -> list[DomainGuess]:
        """Domains whose score reaches ``min_score``, best first."""
        return [g for g in self.scores(text) if g.score >= min_score]


@functools.lru_cache(maxsize=8)
def _load(path: str) -> DomainInference:
    with open(path, encoding="utf-8") as fh:
        try:
            table = safe_yaml.load(fh.read()) or {}
        except safe_yaml.YamlProblem as exc:
            raise ValueError(f"{path}: {exc}") from None
    if not isinstance(table, dict):
        raise ValueError(f"{path}: expected a mapping of domain → terms")
    return DomainInference(table)
