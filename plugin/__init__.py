"""qinglang-guard: a guardrail for Chinese search and trending lists.

Public API (``__all__`` is exactly this list; ``tests/plugin/test_public_api.py`` keeps it so)::

    from plugin import Guard, Matcher, Surface
    m = Matcher.from_lexicons([], bundled=True)
    m.scan("…")                          # list[Hit]
    m.check("…")                         # CheckResult(action, hits, lexicon_version)
    guard = Guard(m, rumors=index)       # index: any RumorLookup (plugin.rumors.RumorIndex ...)
    guard.check("…", Surface.QUERY)      # Verdict(action, hits, pins, labels, notice, ...)

See docs/architecture.md for the module map and the pipeline.
"""

from .errors import GuardError, InputError, LexiconError, LexiconProblem, RumorError
from .guard import DroppedSuggestion, Explanation, Guard, SuggestionVerdict, Verdict
from .lexicon import ContextRule, Entry, Lexicon, Variant, bundled_lexicon_paths, lint_lexicon, load_lexicon, load_lexicons
from .live import LiveMatcher
from .matcher import MaskResult, Matcher, NoiseSet
from .models import Action, CheckResult, Hit, SignalHit, Surface, most_severe
from .policy import DEFAULT_POLICY, Category, HitLabel, Policy, RumorVerdict, SurfacePolicy
from .protocols import MatcherSource, RumorBackend, RumorLookup, Signal, TextMatcher
from .rumors.models import Pin, Refutation, Rumor, RumorLabel, RumorMatch, RumorMatchResult, RumorStatus

__all__ = [
    "Action",
    "Category",
    "CheckResult",
    "ContextRule",
    "DEFAULT_POLICY",
    "DroppedSuggestion",
    "Entry",
    "Explanation",
    "Guard",
    "GuardError",
    "Hit",
    "HitLabel",
    "InputError",
    "Lexicon",
    "LexiconError",
    "LexiconProblem",
    "LiveMatcher",
    "MaskResult",
    "Matcher",
    "MatcherSource",
    "NoiseSet",
    "Pin",
    "Policy",
    "Refutation",
    "Rumor",
    "RumorBackend",
    "RumorError",
    "RumorLabel",
    "RumorLookup",
    "RumorMatch",
    "RumorMatchResult",
    "RumorStatus",
    "RumorVerdict",
    "Signal",
    "SignalHit",
    "SuggestionVerdict",
    "Surface",
    "SurfacePolicy",
    "TextMatcher",
    "Variant",
    "Verdict",
    "bundled_lexicon_paths",
    "lint_lexicon",
    "load_lexicon",
    "load_lexicons",
    "most_severe",
]
