"""What publishing a model would change: the decision of every preview text, with the live model and
with the proposed one, per surface.

The preview corpus is the lexicon store's (:meth:`plugin.store.LexiconStore.preview_corpus`: the
shipped sample hot-search titles and the recent queries, suggestions and trending candidates the
service recorded). Each text is judged on the surface it came from (a sample title as a trending
candidate) by the whole pipeline (:class:`plugin.guard.Guard`: lexicon, policy, veto), once with each
model, so only changes the model causes show up.
"""

from __future__ import annotations

from typing import Any, Sequence

from ..guard import Guard
from ..models import Surface
from ..policy import DEFAULT_POLICY, Policy
from ..protocols import TextMatcher
from ..store.preview import CorpusText
from .scorer import TextScorer
from .signal import ModelSignal

__all__ = ["SOURCE_SURFACES", "preview_model"]

#: The surface a recorded text is judged on, by its sample kind (anything else: a sample title → trending).
SOURCE_SURFACES: dict[str, Surface] = {"query": Surface.QUERY, "suggestion": Surface.SUGGESTION,
                                       "candidate": Surface.TRENDING}


def preview_model(new: TextScorer, base: TextScorer | None, matcher: TextMatcher, corpus: Sequence[CorpusText], *,
                  policy: Policy = DEFAULT_POLICY, examples: int = 20) -> dict[str, Any]:
    """Per surface: texts judged, decisions changed, newly flagged (was the mildest decision) and no longer
    flagged, with up to ``examples`` changed texts each (before, after, the new model's evidence)."""
    after = Guard(matcher, policy=policy, signals=[ModelSignal(new)], cache_size=0)
    before = Guard(matcher, policy=policy, signals=[ModelSignal(base)] if base is not None else [], cache_size=0)
    surfaces: dict[str, dict[str, Any]] = {}
    for item in corpus:
        where = SOURCE_SURFACES.get(item.source, Surface.TRENDING)
        mildest = policy.surface(where).mildest
        row = surfaces.setdefault(where.value, {"texts": 0, "changed": 0, "newly_flagged": 0, "no_longer_flagged": 0,
                                                "examples": []})
        row["texts"] += 1
        old, new_verdict = before.check(item.text, where), after.check(item.text, where)
        if old.action == new_verdict.action:
            continue
        row["changed"] += 1
        if old.action == mildest:
            row["newly_flagged"] += 1
        elif new_verdict.action == mildest:
            row["no_longer_flagged"] += 1
        if len(row["examples"]) < examples:
            row["examples"].append({"text": item.text, "source": item.source, "before": old.action,
                                    "after": new_verdict.action,
                                    "signals": [s.to_dict() for s in new_verdict.signals]})
    total = sum(r["texts"] for r in surfaces.values())
    changed = sum(r["changed"] for r in surfaces.values())
    return {"model": new.version, "base_model": base.version if base is not None else None,
            "corpus_size": total, "changed": changed, "surfaces": surfaces}
