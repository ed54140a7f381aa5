"""`qinglang model`: train, evaluate, inspect and try the learned spam scorer (see docs/model.md).

``train`` needs the optional ``train`` extra (scikit-learn); the other commands need only numpy.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Callable, Sequence

import click

from ..errors import InputError, ModelError
from .evaluate import default_data_dir
from .output import SafeConsole, echo

__all__ = ["model"]

_out = SafeConsole(highlight=False, soft_wrap=True)


def _model_option(fn: Any) -> Any:
    return click.option("--model", "model_path", default=None, type=click.Path(dir_okay=False),
                        help="Model card (.json) or weights (.npz); default: the bundled model.")(fn)


def _load_scorer(model_path: str | None) -> Any:
    from ..scoring import SpamScorer

    try:
        return SpamScorer.load(model_path) if model_path else SpamScorer.bundled()
    except ModelError as exc:
        raise click.ClickException(str(exc)) from None


def _surface_values(values: Sequence[str], option: str, name: str, within: Callable[[float], bool],
                    range_text: str = "") -> dict[str, float]:
    """``SURFACE=NUMBER`` options as a mapping; a bad surface or a number not ``within`` is a usage error."""
    from ..scoring.data import SURFACES

    out: dict[str, float] = {}
    for value in values:
        surface, _, text = value.partition("=")
        try:
            number = float(text)
        except ValueError:
            number = -1.0
        if surface not in SURFACES or not within(number):
            raise click.BadParameter(f"expected SURFACE={name} with SURFACE in {list(SURFACES)}{range_text}, "
                                     f"got {value!r}", param_hint=option)
        out[surface] = number
    return out


def _targets(values: Sequence[str]) -> dict[str, float]:
    """``--target SURFACE=RATE`` over the default false-flag targets."""
    from ..scoring.train import DEFAULT_TARGETS

    return {**DEFAULT_TARGETS, **_surface_values(values, "--target", "RATE", lambda x: 0 <= x < 1)}


def _shares(values: Sequence[str]) -> dict[str, float]:
    """``SURFACE=SHARE`` options (``--surface-margin``) as a mapping; a bad one is a usage error."""
    return _surface_values(values, "--surface-margin", "SHARE", lambda x: 0 < x <= 1, " and SHARE in (0, 1]")


@click.group(name="model")
def model() -> None:
    """The learned spam scorer: train, evaluate, show, score, export-decisions, drift."""


@model.command(name="train")
@click.argument("labelled", nargs=-1, type=click.Path(exists=True, dir_okay=False))
@click.option("--bundled-recipe", is_flag=True,
              help="Train the bundled default model on the shared data (written to plugin/scoring/data/ "
                   "unless --out is given).")
@click.option("--data", default=default_data_dir, show_default="../shared/data", type=click.Path(file_okay=False),
              help="The shared data folder (--bundled-recipe, --shared-benign).")
@click.option("--shared-benign", is_flag=True,
              help="Add the shared data's benign titles and posts to the labelled files (a benign sample for "
                   "every surface).")
@click.option("--out", default=None, type=click.Path(dir_okay=False),
              help="Card path to write (the weights go beside it as <name>.npz); default model.json.")
@click.option("--name", default=None, help="Model name (default: the --out file name).")
@click.option("--split", "split_mode", type=click.Choice(["time", "stratified"]), default="time", show_default=True,
              help="time: dated groups put their newest rows in test; stratified: a fixed random order.")
@click.option("--test-fraction", default=0.2, show_default=True, type=click.FloatRange(0, 0.9))
@click.option("--val-fraction", default=0.2, show_default=True, type=click.FloatRange(0.01, 0.9))
@click.option("--c", "c", default=30.0, show_default=True, type=click.FloatRange(min=0, min_open=True),
              help="Inverse regularisation strength.")
@click.option("--min-df", default=None, type=click.IntRange(1),
              help="Buckets seen in fewer training texts keep weight 0 [default: 2; the bundled recipe's 5 with "
                   "--bundled-recipe].")
@click.option("--hash-bits", default=18, show_default=True, type=click.IntRange(8, 22))
@click.option("--shapes/--no-shapes", default=None,
              help="Add contact / number shape tokens (digit runs, handles, Latin runs) to the n-grams "
                   "[default: on; the bundled recipe's setting with --bundled-recipe].")
@click.option("--cues/--no-cues", default=True, show_default=True,
              help="Add the structural spam cues (contact handles and ids, links, money, rates, calls to action, "
                   "split characters …; plugin.scoring.cues) as features.")
@click.option("--cue-repeat", default=None, type=click.IntRange(1, 8),
              help="How many times each cue token counts (a prior towards structure over wording) [default: 1; "
                   "the bundled recipe's 2 with --bundled-recipe].")
@click.option("--augment", default=None, type=click.IntRange(0, 4),
              help="Disguised copies per spam row when fitting (evasion classes: handle disguises, homophones, "
                   "pinyin, pictographs, separators) [default: 0, also in the bundled recipe].")
@click.option("--augment-benign", default=None, type=click.FloatRange(0, 1),
              help="Share of benign rows with one copy disguised at the character level [default: 0, also in "
                   "the bundled recipe].")
@click.option("--joined/--no-joined", default=None,
              help="Add the n-grams of the joined view (component spellings such as 十尃采彡 and word emoji read as "
                   "what they spell) [default: off; the bundled recipe's setting (on) with --bundled-recipe].")
@click.option("--topic-cues/--no-topic-cues", default=None,
              help="Add one token per class of topic words (promise, offer, betting, money scheme, illicit goods; "
                   "plugin.scoring.cues) and per class beside a way to reach the sender [default: off; the bundled "
                   "recipe's setting with --bundled-recipe].")
@click.option("--words/--no-words", default=None,
              help="Add word unigrams and bigrams of the segmenter's cut of the normalised view [default: off; the "
                   "bundled recipe's setting with --bundled-recipe].")
@click.option("--allocation", type=click.Choice(["equal", "weakest_first"]), default=None,
              help="How a surface's false-flag budget is shared among the categories: the same quantile of each "
                   "one's benign margins, or to the category whose spam is caught least first [default: equal; the "
                   "bundled recipe's setting with --bundled-recipe].")
@click.option("--homophones/--no-homophones", default=False, show_default=True,
              help="Add n-grams of the homophone-class view (measured: no gain on the development data).")
@click.option("--target", "targets", multiple=True, metavar="SURFACE=RATE",
              help="Target false-flag rate per surface (default title=0.001, post=0.005); repeatable.")
@click.option("--calibration", type=click.Choice(["capped", "worst_source", "pooled"]), default="capped",
              show_default=True, help="capped: the target on the surface and at most --source-cap times it on "
                                      "every benign source; worst_source: the target on every source; pooled.")
@click.option("--source-cap", default=2.0, show_default=True, type=click.FloatRange(min=1))
@click.option("--calibration-skip", "calibration_skip", multiple=True, metavar="SOURCE",
              help="A benign source trained on but left out of the calibration (a curated near-miss set, not a "
                   "sample of traffic); repeatable [default: none; the bundled recipe's with --bundled-recipe].")
@click.option("--margin", default=None, type=click.FloatRange(0, 1, min_open=True),
              help="Calibrate to this share of each target, a safety margin for thin tails [default: 1; the "
                   "bundled recipe's 0.5 with --bundled-recipe].")
@click.option("--surface-margin", "surface_margins", multiple=True, metavar="SURFACE=SHARE",
              help="A margin for one surface that replaces --margin there (post=1.0: posts calibrate to their whole "
                   "target); repeatable [default: none; the bundled recipe's with --bundled-recipe].")
@click.option("--skip-framed/--no-skip-framed", default=None,
              help="Leave the benign rows a context frame excuses (crackdown news, advice, victims; the Guard vetoes "
                   "any flag on them) out of the fit and the calibration [default: off; the bundled recipe's setting "
                   "with --bundled-recipe].")
@click.option("--short-views", type=click.Choice(["none", "topic", "cues"]), default=None,
              help="Add a short view (8-15 characters around a topic word; cues: or a structural cue) of every "
                   "training row [default: none; the bundled recipe's setting with --bundled-recipe].")
@click.option("--source-balance", type=click.Choice(["size", "sqrt"]), default=None,
              help="How a surface's benign weight is shared among its sources: every row alike, or a source's total "
                   "growing with the square root of its rows [default: size; the bundled recipe's setting with "
                   "--bundled-recipe].")
@click.option("--benign-reach-weight", default=None, type=click.FloatRange(1, 20),
              help="Weight of a benign row that gives a way to reach the writer (a contact, id, link or call to "
                   "action) against one that does not [default: 1; the bundled recipe's with --bundled-recipe].")
@click.option("--folds", default=None, type=click.IntRange(0, 20),
              help="0: fit on train, calibrate on val; k >= 2: fit on train + val, calibrate on out-of-fold "
                   "margins of k folds [default: 0; 5 with --bundled-recipe].")
@click.option("--created", default=None, help="Date recorded in the card (default today).")
@click.option("--licence", default="", help="Licence statement for the card (your data's terms).")
@click.option("--export-splits", default=None, type=click.Path(file_okay=False),
              help="Also write train.jsonl / val.jsonl / test.jsonl (labelled rows with their split) here.")
def train_cmd(labelled: tuple[str, ...], bundled_recipe: bool, data: str, shared_benign: bool, out: str | None,
              name: str | None, split_mode: str, test_fraction: float, val_fraction: float, c: float,
              min_df: int | None,
              hash_bits: int, shapes: bool | None, cues: bool, cue_repeat: int | None, augment: int | None, augment_benign: float | None,
              joined: bool | None, topic_cues: bool | None, words: bool | None, allocation: str | None,
              homophones: bool, targets: tuple[str, ...], calibration: str,
              source_cap: float, calibration_skip: tuple[str, ...], margin: float | None,
              surface_margins: tuple[str, ...], skip_framed: bool | None, short_views: str | None,
              source_balance: str | None, benign_reach_weight: float | None,
              folds: int | None,
              created: str | None, licence: str, export_splits: str | None) -> None:
    """Train a model from labelled JSONL files (text, label, surface, source, date), or the bundled one.

    Fits on the train split, calibrates per-surface thresholds on the validation split, never reads
    the test split, and writes the card and weights. Prints the validation figures.
    """
    from ..scoring.data import assign_splits, dedupe, read_labelled, shared_samples, write_labelled
    from ..scoring.features import FeatureSettings
    from ..scoring.model import save_model
    from ..scoring.recipe import BUNDLED_NAME, BUNDLED_SETTINGS, recipe_samples, train_bundled
    from ..scoring.scorer import bundled_model_path
    from ..scoring.train import TrainSettings, train_model

    if bundled_recipe == bool(labelled):
        raise click.UsageError("give labelled JSONL files or --bundled-recipe (not both)")
    try:
        if folds is None:
            folds = BUNDLED_SETTINGS.folds if bundled_recipe else 0
        if margin is None:
            margin = BUNDLED_SETTINGS.margin if bundled_recipe else 1.0
        if shapes is None:
            shapes = BUNDLED_SETTINGS.features.shapes if bundled_recipe else True
        if min_df is None:
            min_df = BUNDLED_SETTINGS.min_df if bundled_recipe else 2
        if augment is None:
            augment = BUNDLED_SETTINGS.augment if bundled_recipe else 0
        if cue_repeat is None:
            cue_repeat = BUNDLED_SETTINGS.features.cue_repeat if bundled_recipe else 1
        if joined is None:
            joined = BUNDLED_SETTINGS.features.joined if bundled_recipe else False
        if topic_cues is None:
            topic_cues = BUNDLED_SETTINGS.features.topic_cues if bundled_recipe else False
        if words is None:
            words = BUNDLED_SETTINGS.features.words if bundled_recipe else False
        if allocation is None:
            allocation = BUNDLED_SETTINGS.allocation if bundled_recipe else "equal"
        if augment_benign is None:
            augment_benign = BUNDLED_SETTINGS.augment_benign if bundled_recipe else 0.0
        if short_views is None:
            short_views = BUNDLED_SETTINGS.short_views if bundled_recipe else ""
        elif short_views == "none":
            short_views = ""
        if source_balance is None:
            source_balance = BUNDLED_SETTINGS.source_balance if bundled_recipe else "size"
        if benign_reach_weight is None:
            benign_reach_weight = BUNDLED_SETTINGS.benign_reach_weight if bundled_recipe else 1.0
        margins_by_surface = (_shares(surface_margins) if surface_margins
                              else dict(BUNDLED_SETTINGS.surface_margins) if bundled_recipe else {})
        settings = TrainSettings(c=c, min_df=min_df, calibration=calibration, source_cap=source_cap,
                                 targets=_targets(targets),
                                 features=FeatureSettings(hash_bits=hash_bits, shapes=shapes, homophones=homophones,
                                                          cues=cues, cue_repeat=cue_repeat, joined=joined,
                                                          topic_cues=topic_cues, words=words),
                                 folds=folds, margin=margin, augment=augment, augment_benign=augment_benign,
                                 allocation=allocation, surface_margins=margins_by_surface,
                                 short_views=short_views, source_balance=source_balance,
                                 benign_reach_weight=benign_reach_weight,
                                 skip_framed=(BUNDLED_SETTINGS.skip_framed if bundled_recipe else False)
                                 if skip_framed is None else skip_framed,
                                 calibration_skip=calibration_skip or (BUNDLED_SETTINGS.calibration_skip
                                                                       if bundled_recipe else ()))
        if bundled_recipe:
            card_path = Path(out) if out else bundled_model_path()
            if card_path.stem != BUNDLED_NAME:
                raise click.UsageError(f"--bundled-recipe writes {BUNDLED_NAME}.json (got {card_path.name})")
            samples = recipe_samples(data) if export_splits else []
            trained = train_bundled(data, created=created, settings=settings)
        else:
            card_path = Path(out or "model.json")
            rows = [s for path in labelled for s in read_labelled(path)]
            if shared_benign:
                rows += [s for s in shared_samples(data) if not s.is_spam]
            samples = assign_splits(dedupe(rows), test=test_fraction, val=val_fraction,
                                    mode="time" if split_mode == "time" else "stratified")
            sources: list[dict[str, str]] = [{"file": p} for p in labelled]
            if shared_benign:
                sources.append({"shared_benign": data})
            trained = train_model(samples, settings, name=name or card_path.stem, created=created,
                                  licence=licence, training_info={"data": sources})
        saved = save_model(trained, card_path)
    except (ModelError, ValueError) as exc:
        raise click.ClickException(str(exc)) from None
    if export_splits:
        folder = Path(export_splits)
        folder.mkdir(parents=True, exist_ok=True)
        for split in ("train", "val", "test"):
            write_labelled((s for s in samples if s.split == split), folder / f"{split}.jsonl")
    _print_card(trained.card.to_dict())
    echo(f"model written to {saved} (+ {trained.card.weights_file}, "
         f"{(saved.parent / trained.card.weights_file).stat().st_size} bytes)")


@model.command(name="evaluate")
@click.argument("labelled", type=click.Path(exists=True, dir_okay=False))
@_model_option
@click.option("--split", "only_split", type=click.Choice(["train", "val", "test"]), default=None,
              help="Only rows of this split (files written by train --export-splits carry it).")
@click.option("--json", "as_json", is_flag=True, help="Print the figures as JSON.")
def evaluate_cmd(labelled: str, model_path: str | None, only_split: str | None, as_json: bool) -> None:
    """Recall per category and false-flag rate per surface (and source) on a labelled JSONL file,
    with 95 % Wilson intervals. Each row is scored on its own surface."""
    from ..scoring.data import read_labelled
    from ..scoring.metrics import flag_report, report_to_dict

    scorer = _load_scorer(model_path)
    try:
        samples = [s for s in read_labelled(labelled, scorer.categories) if not only_split or s.split == only_split]
        flags = [scorer.score(s.text, s.surface, evidence=0).flagged for s in samples]
    except (ModelError, InputError) as exc:
        raise click.ClickException(str(exc)) from None
    report = flag_report(samples, flags)
    if as_json:
        echo(json.dumps({"model": scorer.version, "rows": len(samples), **report_to_dict(report)},
                        ensure_ascii=False, indent=2))
        return
    echo(f"model {scorer.version} on {labelled}: {len(samples)} rows")
    _print_report(report)


def _print_report(report: dict[str, Any]) -> None:
    from rich.table import Table

    table = Table("figure", "group", "rate (k/n; 95% Wilson CI)")
    for key, label in (("recall", "recall"), ("false_flags", "false flags"), ("false_flags_by_source", "false flags")):
        for group, rate in report[key].items():
            table.add_row(label, group, str(rate))
    if report["recall_all"].n:
        table.add_row("recall", "all spam", str(report["recall_all"]))
    _out.print(table)


def _print_card(card: dict[str, Any]) -> None:
    from rich.table import Table

    echo(f"{card['name']}@{card['content_sha256'][:12]}  created {card['created']}  "
         f"features {card['features']}")
    table = Table("surface", "target false flags", *card["categories"])
    for surface, row in card["thresholds"].items():
        table.add_row(surface, str(card["target_false_flag_rate"].get(surface, "")),
                      *(f"{row[c]:.4f}" for c in card["categories"]))
    _out.print(table)
    metrics = card.get("metrics") or {}
    if metrics.get("recall"):
        echo("validation: " + ", ".join(f"recall {c} {v['rate']:.1%}" for c, v in metrics["recall"].items())
             + "; " + ", ".join(f"false flags {s} {v['rate']:.2%}" for s, v in metrics["false_flags"].items()))


@model.command(name="show")
@_model_option
@click.option("--json", "as_json", is_flag=True, help="Print the whole card as JSON.")
def show_cmd(model_path: str | None, as_json: bool) -> None:
    """Show a model's card: identity, thresholds per surface and category, validation figures."""
    card = _load_scorer(model_path).card.to_dict()
    if as_json:
        echo(json.dumps(card, ensure_ascii=False, indent=2))
        return
    _print_card(card)
    if card.get("intended_use"):
        echo(f"intended use: {card['intended_use']}")
    if card.get("licence"):
        echo(f"licence: {card['licence']}")


@model.command(name="score")
@click.argument("text")
@_model_option
@click.option("--surface", default="title", show_default=True, help="Surface the text is shown on (title, post).")
@click.option("--evidence", default=3, show_default=True, type=click.IntRange(0, 20), help="Evidence spans to show.")
def score_cmd(text: str, model_path: str | None, surface: str, evidence: int) -> None:
    """Score one text and print the result as JSON (score, category, flagged, evidence spans)."""
    scorer = _load_scorer(model_path)
    try:
        result = scorer.score(text, surface, evidence=evidence, explain=True)
    except InputError as exc:
        raise click.BadParameter(str(exc), param_hint="--surface") from None
    echo(json.dumps(result.to_dict(), ensure_ascii=False))


_db_option = click.option("--db", default="qinglang.db", show_default=True, type=click.Path(dir_okay=False),
                          help="SQLite file the service uses (review queue, recorded scores).")


@model.command(name="export-decisions")
@_db_option
@click.option("--out", required=True, type=click.Path(dir_okay=False), help="Labelled JSONL to write.")
@click.option("--audit", "audit_limit", default=10_000, show_default=True, type=click.IntRange(0),
              help="Most recorded unflagged texts added as benign rows (source audit).")
@click.option("--since", default=None, help="Only decisions and recorded texts from this date (YYYY-MM-DD) on.")
def export_decisions_cmd(db: str, out: str, audit_limit: int, since: str | None) -> None:
    """Write the review queue's decisions as training rows for `qinglang model train`.

    Rejections whose findings name a spam category are positives of that category, approvals are hard
    negatives, and a random audit sample of texts the model did not flag (recorded by the service at
    model_audit_rate) is added as benign, so the next model does not learn only from what was flagged.
    Rows carry their date: train with --split time to test on the newest decisions.
    """
    from ..review.store import ReviewStore
    from ..scoring.loop import export_decisions
    from ..scoring.store import ModelStore

    if not Path(db).exists():
        raise click.BadParameter(f"{db} does not exist", param_hint="--db")
    if since is not None and not _is_date(since):
        raise click.BadParameter("expected YYYY-MM-DD", param_hint="--since")
    reviews, store = ReviewStore(db), ModelStore(db)
    try:
        items: list[dict[str, Any]] = []
        while len(batch := reviews.list_items("decided", limit=1000, offset=len(items))) > 0:
            items.extend(batch)
        rows, counts = export_decisions(items, store, audit_limit=audit_limit, since=since)
    finally:
        reviews.close()
        store.close()
    with open(out, "w", encoding="utf-8") as fh:
        for row in rows:
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")
    echo(f"{len(rows)} rows written to {out}: " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())))


@model.command(name="drift")
@_db_option
@click.option("--since", default=None, help="Only texts recorded from this date (YYYY-MM-DD) on.")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
def drift_cmd(db: str, since: str | None, as_json: bool) -> None:
    """Score distribution per ISO week and surface, from the texts the service scored and recorded:
    texts, mean, p50 / p90 / p99 and the share over the threshold."""
    from ..scoring.loop import drift_report
    from ..scoring.store import ModelStore

    if not Path(db).exists():
        raise click.BadParameter(f"{db} does not exist", param_hint="--db")
    if since is not None and not _is_date(since):
        raise click.BadParameter("expected YYYY-MM-DD", param_hint="--since")
    store = ModelStore(db)
    try:
        report = drift_report(store.observations(since=since, limit=1_000_000))
    finally:
        store.close()
    if as_json:
        echo(json.dumps(report, ensure_ascii=False, indent=2))
        return
    if not report:
        echo("no recorded scores (turn on model_scoring; model_audit_rate > 0)")
        return
    echo(f"{'week':<9} {'surface':<11} {'texts':>6} {'mean':>7} {'p50':>7} {'p90':>7} {'p99':>7} {'flagged':>9}")
    for r in report:
        echo(f"{r['week']:<9} {r['surface']:<11} {r['texts']:>6} {r['mean']:>7.4f} {r['p50']:>7.4f} "
             f"{r['p90']:>7.4f} {r['p99']:>7.4f} {r['flagged_share']:>8.2%}")


def _is_date(value: str) -> bool:
    import datetime as dt

    try:
        dt.date.fromisoformat(value)
    except ValueError:
        return False
    return len(value) == 10
