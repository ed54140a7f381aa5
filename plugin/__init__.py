"""qinglang-guard: a guardrail for Chinese search and trending lists.

Public API::

    from plugin import Matcher
    m = Matcher.from_lexicons([], bundled=True)
    m.scan("…")   # list[Hit]
    m.check("…")  # CheckResult(action, hits, lexicon_version)
"""

from .errors import GuardError, InputError, LexiconError, LexiconProblem, RumorError
from .lexicon import ContextRule, Entry, Lexicon, Variant, bundled_lexicon_paths, lint_lexicon, load_lexicon, load_lexicons
from .matcher import Matcher
from .models import Action, CheckResult, Hit, most_severe

__all__ = [
    "Action",
    "CheckResult",
    "ContextRule",
    "Entry",
    "GuardError",
    "Hit",
    "InputError",
    "Lexicon",
    "LexiconError",
    "LexiconProblem",
    "Matcher",
    "RumorError",
    "Variant",
    "bundled_lexicon_paths",
    "lint_lexicon",
    "load_lexicon",
    "load_lexicons",
    "most_severe",
]
