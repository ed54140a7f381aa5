"""qinglang-guard: a guardrail for Chinese search and trending lists.

Public API (``__all__`` is exactly this list; ``tests/plugin/test_public_api.py`` keeps it so)::

    from plugin import Guard, Matcher, Surface
    m = Matcher.from_lexicons([], bundled=True)
    m.scan("…")                          # list[Hit]
    m.check("…")                         # CheckResult(action, hits, lexicon_version)
    guard = Guard(m, rumors=index)       # index: any RumorLookup (plugin.rumors.RumorIndex ...)
    guard.check("…", Surface.QUERY)      # Verdict(action, hits, pins, labels, notice, ...)

See docs/architecture.md for the module map and the pipeline.

The names are imported on first use (PEP 562): ``import plugin.matcher`` loads the matcher's modules
only, not the guard, the rumour index or the spam scorer (a process that only matches starts faster).
"""

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
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


#: Public name → the module it is defined in (imported on first use).
_MODULES = {
    "GuardError": ".errors",
    "InputError": ".errors",
    "LexiconError": ".errors",
    "LexiconProblem": ".errors",
    "RumorError": ".errors",
    "DroppedSuggestion": ".guard",
    "Explanation": ".guard",
    "Guard": ".guard",
    "SuggestionVerdict": ".guard",
    "Verdict": ".guard",
    "ContextRule": ".lexicon",
    "Entry": ".lexicon",
    "Lexicon": ".lexicon",
    "Variant": ".lexicon",
    "bundled_lexicon_paths": ".lexicon",
    "lint_lexicon": ".lexicon",
    "load_lexicon": ".lexicon",
    "load_lexicons": ".lexicon",
    "LiveMatcher": ".live",
    "MaskResult": ".matcher",
    "Matcher": ".matcher",
    "NoiseSet": ".matcher",
    "Action": ".models",
    "CheckResult": ".models",
    "Hit": ".models",
    "SignalHit": ".models",
    "Surface": ".models",
    "most_severe": ".models",
    "DEFAULT_POLICY": ".policy",
    "Category": ".policy",
    "HitLabel": ".policy",
    "Policy": ".policy",
    "RumorVerdict": ".policy",
    "SurfacePolicy": ".policy",
    "MatcherSource": ".protocols",
    "RumorBackend": ".protocols",
    "RumorLookup": ".protocols",
    "Signal": ".protocols",
    "TextMatcher": ".protocols",
    "Pin": ".rumors.models",
    "Refutation": ".rumors.models",
    "Rumor": ".rumors.models",
    "RumorLabel": ".rumors.models",
    "RumorMatch": ".rumors.models",
    "RumorMatchResult": ".rumors.models",
    "RumorStatus": ".rumors.models",
}


def __getattr__(name: str) -> Any:
    """A public name, imported from its module on first use (then kept in the package's namespace)."""
    module = _MODULES.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from importlib import import_module

    value = getattr(import_module(module, __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
