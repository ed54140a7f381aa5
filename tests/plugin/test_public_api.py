"""``plugin.__all__`` is exactly the public API (httpx's exported-members habit)."""

import inspect

import plugin

PUBLIC = {
    # pipeline
    "Guard", "Verdict", "SuggestionVerdict", "DroppedSuggestion", "Explanation",
    # policy
    "Policy", "SurfacePolicy", "Category", "HitLabel", "RumorVerdict", "DEFAULT_POLICY", "Surface",
    # typed joins
    "TextMatcher", "MatcherSource", "RumorLookup", "RumorBackend", "Signal",
    # results
    "Action", "CheckResult", "Hit", "SignalHit", "most_severe",
    "Pin", "RumorLabel", "RumorMatch", "RumorMatchResult", "Rumor", "Refutation", "RumorStatus",
    # lexicons and matcher
    "Matcher", "MaskResult", "NoiseSet", "LiveMatcher", "Entry", "ContextRule", "Variant", "Lexicon", "bundled_lexicon_paths",
    "lint_lexicon", "load_lexicon", "load_lexicons",
    # errors
    "GuardError", "InputError", "LexiconError", "LexiconProblem", "RumorError",
}


def test_all_is_exactly_the_public_api() -> None:
    assert set(plugin.__all__) == PUBLIC
    assert plugin.__all__ == sorted(plugin.__all__)
    assert len(plugin.__all__) == len(PUBLIC)  # no duplicates


def test_every_public_class_and_function_has_a_docstring() -> None:
    for name in plugin.__all__:
        obj = getattr(plugin, name)
        if inspect.isclass(obj) or inspect.isfunction(obj):
            assert (obj.__doc__ or "").strip(), f"{name} has no docstring"


def test_package_is_typed() -> None:
    from importlib import resources

    assert resources.files("plugin").joinpath("py.typed").is_file()
