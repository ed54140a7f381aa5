"""Settings of the lexicon store, each declared once with its default and help text."""

from __future__ import annotations

from dataclasses import dataclass

from plugin.settings import setting

__all__ = ["StoreConfig"]


@dataclass(frozen=True)
class StoreConfig:
    """How the store validates, publishes and reloads (``plugin.settings.setting_rows(StoreConfig)`` lists
    the settings with their help).

    The single-operator mode (:meth:`Actor.single <plugin.store.actor.Actor.single>`, ``qinglang lexicon ...
    --single-operator``) acts without a token; four-eyes cannot apply, every such action is recorded as
    ``single-operator:<os user>`` and its versions with approval ``single-operator``.
    """

    four_eyes: bool = setting(
        True, "publishing needs an approver who neither drafted nor changed the change-set")
    single_operator: bool = setting(
        False, "allow the CLI's --single-operator mode (no token, recorded as single-operator:<os user>)")
    extra_categories: tuple[str, ...] = setting(
        (), "lexicon categories accepted besides those of the live version and the bundled lexicons")
    max_new_block_share: float = setting(
        0.02, "share of the preview corpus a draft may newly block without force")
    sample_limit: int = setting(
        2000, "recent texts per kind (query, suggestion, candidate) kept for previews")
    sample_flush: int = setting(
        64, "recent texts written to the database in batches of this size")
    bundled_paths: tuple[str, ...] | None = setting(
        None, "lexicon files that seed version 1 of an empty store (default: the bundled lexicons/)")
    sample_paths: tuple[str, ...] | None = setting(
        None, "preview corpus files (default: the shipped plugin/store/sample_titles.jsonl)")
    preview_examples: int = setting(
        20, "examples kept per group in a preview report")
    reload_interval: float = setting(
        2.0, "seconds between checks for a newly published lexicon version (hot reload; on PostgreSQL a "
             "publish also wakes every replica at once through LISTEN/NOTIFY)")
    artefacts: bool = setting(
        True, "compile each published version once and share the compiled matcher (an artefact) with every "
              "replica, which loads it instead of compiling")
    artefact_dir: str | None = setting(
        None, "directory for the compiled artefacts (shared by the replicas); default: in the database")
    artefact_keep: int = setting(
        4, "compiled artefacts kept: those of the newest N versions that have one (older ones are deleted when a "
           "new one is stored; 0 keeps all)")
