"""Settings of the lexicon store (defaults live here only)."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["StoreConfig"]


@dataclass(frozen=True)
class StoreConfig:
    """How the store validates and publishes.

    - ``four_eyes``: publishing needs an approver who neither drafted nor changed the change-set.
    - ``single_operator``: accept the explicit one-person mode (:meth:`Actor.single
      <plugin.store.actor.Actor.single>`, ``qinglang lexicon ... --single-operator``): no token, four-eyes
      cannot apply, every such action is recorded as ``single-operator:<os user>`` and its versions
      with approval ``single-operator``.
    - ``extra_categories``: categories accepted besides those of the live version and the bundled lexicons.
    - ``max_new_block_share``: a draft that newly blocks more than this share of the preview corpus needs ``force``.
    - ``sample_limit``: recent texts kept per kind (query, suggestion, candidate, ...) for previews.
    - ``sample_flush``: buffered samples written to SQLite in batches of this size.
    - ``bundled_paths``: lexicon files that seed version 1 (``None``: the bundled ``lexicons/``).
    - ``sample_paths``: preview corpus files (``None``: the shipped ``plugin/store/sample_titles.jsonl``).
    - ``preview_examples``: examples kept per group in a preview report.
    """

    four_eyes: bool = True
    single_operator: bool = False
    extra_categories: tuple[str, ...] = ()
    max_new_block_share: float = 0.02
    sample_limit: int = 2000
    sample_flush: int = 64
    bundled_paths: tuple[str, ...] | None = None
    sample_paths: tuple[str, ...] | None = None
    preview_examples: int = 20
