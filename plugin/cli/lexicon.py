"""`qinglang lexicon`: lint lexicon files and manage the versioned lexicon store.

Same operations as the admin API: versions, show, diff, history, draft ..., preview, publish,
rollback, export, import, apply.

Commands that change the store act with an API token (``--token``, or :class:`~plugin.cli.settings.CliSettings`
``token``: the ``qinglang`` program reads ``QINGLANG_TOKEN``), verified against the store's token table, with
the same roles as the API; the audit records the token's name. A one-person deployment may act with
``--single-operator`` instead, only where the store's ``single_operator`` setting is on
(``QINGLANG_SINGLE_OPERATOR=true``): recorded as ``single-operator:<os user>``. Four-eyes follows the store's
``four_eyes`` setting (``QINGLANG_FOUR_EYES``, default true), the same setting the service reads.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any, Callable

import click
from rich.table import Table

from plugin.lexicon import lint_lexicon

from .identity import acting_identity, acting_options
from .output import SafeConsole, echo, printable
from .settings import cli_settings

__all__ = ["lexicon"]

_SUFFIXES = (".yaml", ".yml", ".tsv", ".txt")
#: Stored text (notes, names, terms, sample texts) is printed with its control characters escaped.
_out = SafeConsole(highlight=False, soft_wrap=True)
_err = SafeConsole(stderr=True, highlight=False, soft_wrap=True)

db_option = click.option("--db", default="qinglang.db", show_default=True, type=click.Path(dir_okay=False),
                         help="SQLite file of the lexicon store")
json_option = click.option("--json", "as_json", is_flag=True, help="print JSON")


def _expand(paths: tuple[str, ...]) -> list[str]:
    out: list[str] = []
    for p in paths:
        path = Path(p)
        if path.is_dir():
            out.extend(str(f) for f in sorted(path.rglob("*")) if f.is_file() and f.suffix.lower() in _SUFFIXES)
        else:
            out.append(str(path))
    return out


def _store(db: str) -> Any:
    """The store with the deployment's settings (four-eyes, single-operator mode ...: the ``qinglang``
    program reads them from the environment, as the service does)."""
    from plugin.store import LexiconStore

    try:
        config = cli_settings().store()
    except ValueError as exc:
        raise click.UsageError(str(exc)) from None
    return LexiconStore(db, config)


def _identity(store: Any, token: str | None, single_operator: bool, needed: str) -> tuple[Any, str]:
    """The actor (and its role) of this command: the verified token's name, or the single operator."""
    return acting_identity(store.db_path, store.config, token, single_operator, needed)


def _alone(store: Any, actor: Any, role: str) -> bool:
    """Whether ``actor`` may publish its own change-set: single-operator mode, or four-eyes off and an
    approver (or admin) token."""
    from plugin.store import role_at_least

    return bool(actor.single_operator or (not store.config.four_eyes and role_at_least(role, "approver")))


def _run(fn: Callable[[], Any]) -> Any:
    """Run a store operation, turning store errors into clean CLI errors (exit 1)."""
    from plugin.errors import LexiconError
    from plugin.store import ConflictError, StoreError, ValidationError

    try:
        return fn()
    except ValidationError as exc:
        for issue in exc.issues:
            _err.print(str(issue), markup=False)
        raise click.ClickException(str(exc)) from None
    except ConflictError as exc:
        raise click.ClickException(str(exc)) from None
    except (StoreError, LexiconError) as exc:
        raise click.ClickException(str(exc)) from None


def _dump(obj: Any) -> None:
    click.echo(printable(json.dumps(obj, ensure_ascii=False, indent=2, default=str)))


@click.group(name="lexicon")
def lexicon() -> None:
    """Lint lexicon files and manage the versioned lexicon store."""


# --------------------------------------------------------------------------- lint


@lexicon.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path())
@click.option("--strict", is_flag=True, help="treat warnings as errors")
@json_option
def lint(paths: tuple[str, ...], strict: bool, as_json: bool) -> None:
    """Check lexicon files (or directories of them); problems are printed as file:line. Exit 1 on errors.

    Variant tables (YAML with `groups`, `splits` or `emoji`, and the slang table, as in lexicons/variants/) are recognised and
    checked as variant tables, not as lexicons."""
    from plugin.variants import lint_variant_table, variant_table_kind

    from ..matching.slang import SLANG_TABLE_NAME, lint_slang_table

    files = _expand(paths)
    kinds = {f: "slang" if Path(f).name == SLANG_TABLE_NAME else variant_table_kind(f) for f in files}
    problems = [p for f in files
                for p in (lint_slang_table(f) if kinds[f] == "slang" else lint_variant_table(f) if kinds[f]
                          else lint_lexicon(f))]
    errors = [p for p in problems if p.severity == "error" or strict]
    tables = sum(1 for k in kinds.values() if k)
    if as_json:
        _dump({"files": files, "variant_tables": [f for f in files if kinds[f]],
               "problems": [{"path": p.path, "line": p.line, "severity": p.severity, "message": p.message}
                            for p in problems]})
    else:
        for p in problems:
            click.echo(str(p), err=p.severity == "error")
        click.echo(f"{len(files) - tables} lexicon file(s), {tables} variant table(s), "
                   f"{sum(p.severity == 'error' for p in problems)} error(s), "
                   f"{sum(p.severity == 'warning' for p in problems)} warning(s)", err=True)
    if errors or not files:
        if not files:
            click.echo("no lexicon files found", err=True)
        sys.exit(1)


# --------------------------------------------------------------------------- versions


@lexicon.command()
@db_option
@click.option("--limit", default=20, show_default=True)
@json_option
def versions(db: str, limit: int, as_json: bool) -> None:
    """List published versions (newest first)."""
    store = _store(db)
    _run(store.ensure_seeded)
    rows = store.versions(limit)
    if as_json:
        _dump([{k: v for k, v in r.items() if k != "diff_term_ids"} for r in rows])
        return
    t = Table("version", "kind", "author", "approver", "approval", "published", "entries", "+", "-", "~", "note")
    for r in rows:
        d = r["diff"]
        kind = r["kind"] + (f" → v{r['rollback_of']}" if r["rollback_of"] else "")
        t.add_row(str(r["number"]), kind, r["author"], r["approver"] or "-", r["approval"] or "-", r["created_at"],
                  str(r["entry_count"]), str(d["added"]), str(d["removed"]), str(d["changed"]), r["note"])
    _out.print(t)


@lexicon.command()
@db_option
@click.option("--version", "version", type=int, help="version number (default: live)")
@click.option("--category", help="only this category")
@click.option("-q", "--query", default="", help="search term / id / note")
@click.option("--limit", default=200, show_default=True)
@json_option
def show(db: str, version: int | None, category: str | None, query: str, limit: int, as_json: bool) -> None:
    """Show a version's entries."""
    store = _store(db)
    _run(store.ensure_seeded)
    res = _run(lambda: store.search_entries(version, q=query, category=category, limit=limit))
    if as_json:
        _dump(res)
        return
    t = Table("term_id", "action", "sev", "valid", "note", title=f"version {res['version']}: {res['total']} entries")
    for e in res["entries"]:
        valid = f"{e.get('valid_from', '')}..{e.get('valid_to', '')}" if ("valid_from" in e or "valid_to" in e) else ""
        t.add_row(e["term_id"], e["action"], str(e["severity"]), valid, e.get("note", ""))
    _out.print(t)


@lexicon.command()
@db_option
@click.argument("from_version", type=int)
@click.argument("to_version", type=int, required=False)
@json_option
def diff(db: str, from_version: int, to_version: int | None, as_json: bool) -> None:
    """Entry diff between two versions (default TO: live)."""
    store = _store(db)
    to_version = to_version if to_version is not None else _run(store.ensure_seeded)
    d = _run(lambda: store.diff(from_version, to_version))
    if as_json:
        _dump(d)
        return
    for e in d["added"]:
        echo(f"+ {e['category']}:{e['term']}  {e['action']}/{e['severity']}")
    for e in d["removed"]:
        echo(f"- {e['category']}:{e['term']}  {e['action']}/{e['severity']}")
    for c in d["changed"]:
        b, a = c["before"], c["after"]
        keys = sorted(k for k in set(a) | set(b) if a.get(k) != b.get(k))
        echo(f"~ {c['term_id']}  " + ", ".join(f"{k}: {b.get(k)!r} → {a.get(k)!r}" for k in keys))
    click.echo(f"v{from_version} → v{to_version}: +{len(d['added'])} -{len(d['removed'])} ~{len(d['changed'])}",
               err=True)


@lexicon.command()
@db_option
@click.argument("term_id")
@json_option
def history(db: str, term_id: str, as_json: bool) -> None:
    """Every revision of one entry (TERM_ID is category:term)."""
    rows = _store(db).entry_history(term_id)
    if as_json:
        _dump(rows)
        return
    if not rows:
        raise click.ClickException(f"no entry {term_id!r} in any version")
    for r in rows:
        until = f"v{r['until_version'] - 1}" if r["until_version"] else "live"
        e = r["entry"]
        echo(f"v{r['since_version']}..{until}  {e['action']}/{e['severity']}  by {r['author']}"
                   f" (approved {r['approver'] or '-'}): {r['note']}")


# --------------------------------------------------------------------------- drafts


@lexicon.group()
def draft() -> None:
    """Draft change-sets: new, add, edit, remove, show, list, validate, rebase, discard."""


@draft.command("new")
@db_option
@click.option("--note", default="")
@acting_options
def draft_new(db: str, note: str, token: str | None, single_operator: bool) -> None:
    """Open a change-set based on the live version (authored by your token); prints its id."""
    store = _store(db)
    who, _ = _identity(store, token, single_operator, "editor")
    cs = _run(lambda: store.create_changeset(who, note))
    click.echo(cs)


def _entry_options(fn: Callable[..., Any]) -> Callable[..., Any]:
    for opt in reversed([
        click.option("--action", type=click.Choice(["allow", "label", "limit", "review", "block"])),
        click.option("--severity", type=click.IntRange(1, 5)),
        click.option("--note", "entry_note"),
        click.option("--valid-from", help="YYYY-MM-DD"),
        click.option("--valid-to", help="YYYY-MM-DD"),
        click.option("--variant", "variants", multiple=True, help="extra spelling (repeatable)"),
        click.option("--force", is_flag=True, help="accept forceable issues (e.g. a single-character term)"),
    ]):
        fn = opt(fn)
    return acting_options(fn)


def _fields(action: str | None, severity: int | None, entry_note: str | None, valid_from: str | None,
            valid_to: str | None, variants: tuple[str, ...]) -> dict[str, Any]:
    d: dict[str, Any] = {}
    for k, v in (("action", action), ("severity", severity), ("note", entry_note), ("valid_from", valid_from),
                 ("valid_to", valid_to)):
        if v is not None:
            d[k] = v
    if variants:
        d["variants"] = list(variants)
    return d


def _print_change_result(res: dict[str, Any]) -> None:
    for c in res["changes"]:
        echo(f"{c['op']} {c['term_id']} (revision {res['revision']})")
    for i in res["issues"]:
        echo(f"{i['level']}: {i['message']}", err=True)


@draft.command("add")
@db_option
@click.argument("changeset", type=int)
@click.option("--term", required=True)
@click.option("--category", required=True)
@_entry_options
def draft_add(db: str, changeset: int, term: str, category: str, action: str | None, severity: int | None,
              entry_note: str | None, valid_from: str | None, valid_to: str | None, variants: tuple[str, ...],
              force: bool, token: str | None, single_operator: bool) -> None:
    """Draft a new entry."""
    entry = {"term": term, "category": category,
             **_fields(action, severity, entry_note, valid_from, valid_to, variants)}
    store = _store(db)
    who, _ = _identity(store, token, single_operator, "editor")
    _print_change_result(_run(lambda: store.set_change(changeset, "add", entry=entry, force=force, editor=who)))


@draft.command("edit")
@db_option
@click.argument("changeset", type=int)
@click.argument("term_id")
@click.option("--term", help="new spelling (drafts a removal plus an addition)")
@click.option("--category", help="new category (drafts a removal plus an addition)")
@_entry_options
def draft_edit(db: str, changeset: int, term_id: str, term: str | None, category: str | None, action: str | None,
               severity: int | None, entry_note: str | None, valid_from: str | None, valid_to: str | None,
               variants: tuple[str, ...], force: bool, token: str | None, single_operator: bool) -> None:
    """Draft an edit of an existing entry (fields not given keep their current value)."""
    store = _store(db)
    who, _ = _identity(store, token, single_operator, "editor")
    cs = _run(lambda: store.changeset(changeset))
    current = store.entry_map(int(cs["base_version"])).get(term_id)
    if current is None:
        raise click.ClickException(f"{term_id!r} is not in version {cs['base_version']}")
    entry = current.to_dict()
    if current.term_id != f"{current.category}:{current.term}":
        entry["id"] = current.term_id
    entry.update(_fields(action, severity, entry_note, valid_from, valid_to, variants))
    if term:
        entry["term"] = term
    if category:
        entry["category"] = category
    _print_change_result(_run(lambda: store.set_change(changeset, "edit", entry=entry, term_id=term_id,
                                                       force=force, editor=who)))


@draft.command("remove")
@db_option
@click.argument("changeset", type=int)
@click.argument("term_id")
@acting_options
def draft_remove(db: str, changeset: int, term_id: str, token: str | None, single_operator: bool) -> None:
    """Draft the removal of an entry."""
    store = _store(db)
    who, _ = _identity(store, token, single_operator, "editor")
    _print_change_result(_run(lambda: store.set_change(changeset, "remove", term_id=term_id, editor=who)))


@draft.command("drop")
@db_option
@click.argument("changeset", type=int)
@click.argument("term_id")
@acting_options
def draft_drop(db: str, changeset: int, term_id: str, token: str | None, single_operator: bool) -> None:
    """Take a drafted change of TERM_ID back out of the change-set."""
    store = _store(db)
    who, _ = _identity(store, token, single_operator, "editor")
    rev = _run(lambda: store.drop_change(changeset, term_id, editor=who))
    click.echo(f"dropped {term_id} (revision {rev})")


@draft.command("show")
@db_option
@click.argument("changeset", type=int)
@json_option
def draft_show(db: str, changeset: int, as_json: bool) -> None:
    """Show a change-set, its changes and its validation issues."""
    store = _store(db)
    cs = _run(lambda: store.changeset(changeset))
    issues = [i.to_dict() for i in store.validate_changeset(changeset)] if cs["status"] == "draft" else []
    if as_json:
        _dump({**cs, "issues": issues})
        return
    kind = f" rollback to v{cs['rollback_of']}" if cs["kind"] == "rollback" else ""
    echo(f"change-set #{cs['id']} [{cs['status']}]{kind} by {cs['author']}, based on v{cs['base_version']}, "
         f"revision {cs['revision']}: {cs['note']}")
    echo(f"  contributors: {', '.join(cs['contributors'])}")
    for c in cs["changes"]:
        e = c["entry"] or {}
        detail = f"{e.get('action')}/{e.get('severity')}" if e else ""
        if e and c["term_id"] != f"{e.get('category')}:{e.get('term')}":  # an entry's own id: name what it holds
            detail += f" (term {e.get('term')!r} in {e.get('category')})"
        echo(f"  {c['op']:6} {c['term_id']} {detail}{' (forced)' if c['force'] else ''}")
    for i in issues:
        echo(f"  {i['level']}: {i['message']}", err=True)


@draft.command("list")
@db_option
@click.option("--status", type=click.Choice(["draft", "published", "discarded", "all"]), default="draft",
              show_default=True)
def draft_list(db: str, status: str) -> None:
    """List change-sets."""
    rows = _store(db).changesets(None if status == "all" else status)
    for r in rows:
        echo(f"#{r['id']} [{r['status']}] v{r['base_version']} {r['author']}: {r['n_changes']} change(s)"
                   f" — {r['note']}")


@draft.command("validate")
@db_option
@click.argument("changeset", type=int)
def draft_validate(db: str, changeset: int) -> None:
    """Validate a change-set; exit 1 when it cannot be published as it is."""
    issues = _run(lambda: _store(db).validate_changeset(changeset))
    for i in issues:
        echo(str(i), err=True)
    if any(i.level in ("error", "force") for i in issues):
        sys.exit(1)
    click.echo("ok")


@draft.command("rebase")
@db_option
@click.argument("changeset", type=int)
@acting_options
def draft_rebase(db: str, changeset: int, token: str | None, single_operator: bool) -> None:
    """Move a stale change-set onto the live version (after a conflict)."""
    store = _store(db)
    who, _ = _identity(store, token, single_operator, "editor")
    res = _run(lambda: store.rebase_changeset(changeset, by=who))
    click.echo(f"change-set #{changeset}: v{res['from_version']} → v{res['to_version']}")
    if res["overlapping"]:
        click.echo("also changed by the newer versions (review them): " + ", ".join(res["overlapping"]), err=True)


@draft.command("discard")
@db_option
@click.argument("changeset", type=int)
@acting_options
def draft_discard(db: str, changeset: int, token: str | None, single_operator: bool) -> None:
    """Abandon a change-set (it stays on record as discarded)."""
    store = _store(db)
    who, _ = _identity(store, token, single_operator, "editor")
    _run(lambda: store.discard_changeset(changeset, by=who))
    click.echo(f"change-set #{changeset} discarded")


# --------------------------------------------------------------------------- preview / publish


def _print_preview(rep: dict[str, Any]) -> None:
    c = rep["counts"]
    click.echo(f"preview of change-set #{rep['changeset_id']} revision {rep['revision']} against "
               f"v{rep['base_version']} on {rep['corpus']['size']} texts "
               f"({', '.join(f'{k}: {v}' for k, v in rep['corpus']['sources'].items())})")
    click.echo(f"  newly blocked {c['newly_blocked']} ({rep['new_block_share']:.2%}, limit "
               f"{rep['max_new_block_share']:.2%}), newly allowed {c['newly_allowed']}, other decision changes "
               f"{c['changed']}, hit changes {c['hits_changed']}, unchanged {c['unchanged']}")
    for cat, n in rep["per_category"].items():
        click.echo(f"  {cat}: +{n['gained']} -{n['lost']}")
    for group in ("newly_blocked", "newly_allowed", "changed"):
        for ex in rep[group]:
            echo(f"  [{group}] {ex['before']} → {ex['after']}: {ex['highlight_after']}"
                       f"  (was {ex['highlight_before']}; {ex['source']})")


@lexicon.command()
@db_option
@click.argument("changeset", type=int)
@json_option
def preview(db: str, changeset: int, as_json: bool) -> None:
    """Decision diff of a draft against the live lexicon on the preview corpus."""
    store = _store(db)
    rep = _run(lambda: store.preview(changeset)).to_dict()
    _dump(rep) if as_json else _print_preview(rep)


@lexicon.command()
@db_option
@click.argument("changeset", type=int)
@click.option("--revision", "revision", type=int, required=True,
              help="the revision you reviewed (`draft show`, `preview`); refused when the draft moved since")
@click.option("--note", default=None, help="version note (default: the change-set's note)")
@click.option("--force", is_flag=True, help="publish despite forceable issues (after reviewing them)")
@acting_options
def publish(db: str, changeset: int, revision: int, note: str | None, force: bool, token: str | None,
            single_operator: bool) -> None:
    """Publish REVISION of a change-set as a new version (approver token; under four-eyes not one that
    drafted or changed it)."""
    store = _store(db)
    who, _ = _identity(store, token, single_operator, "approver")
    v = _run(lambda: store.publish(changeset, approver=who, expected_revision=revision, note=note, force=force))
    click.echo(f"published version {v}")


def _await_approval(cs: int, revision: int, what: str) -> None:
    click.echo(f"drafted change-set #{cs} (revision {revision}): {what}")
    click.echo(f"a second person (approver) reviews and publishes it: qinglang lexicon publish {cs} --revision "
               f"{revision}", err=True)


@lexicon.command()
@db_option
@click.argument("version", type=int)
@click.option("--note", default="")
@click.option("--force", is_flag=True, help="when publishing at once: despite forceable issues")
@acting_options
def rollback(db: str, version: int, note: str, force: bool, token: str | None, single_operator: bool) -> None:
    """Request a rollback to VERSION: a change-set restoring its entries, which an approver publishes
    (at once where you may publish alone: single-operator mode, or four-eyes off and an approver token)."""
    store = _store(db)
    who, role = _identity(store, token, single_operator, "editor")
    cs = _run(lambda: store.request_rollback(version, author=who, note=note))
    revision = int(store.changeset(cs)["revision"])
    if not _alone(store, who, role):
        _await_approval(cs, revision, f"rollback to version {version}")
        return
    try:
        v = _run(lambda: store.publish(cs, approver=who, expected_revision=revision, force=force))
    except click.ClickException:
        store.discard_changeset(cs, by=who)  # one step: no draft is left behind when the publish is refused
        raise
    click.echo(f"published version {v} (rollback to version {version})")


# --------------------------------------------------------------------------- files


@lexicon.command()
@db_option
@click.option("--version", "version", type=int, help="version number (default: live)")
@click.option("--out", "out_dir", required=True, type=click.Path(file_okay=False))
def export(db: str, version: int | None, out_dir: str) -> None:
    """Write a version as YAML lexicon files (one per category)."""
    paths = _run(lambda: _store(db).export(version, out_dir))
    for p in paths:
        click.echo(p)


def _print_import(rep: Any) -> None:
    for i in rep.issues:
        echo(str(i), err=True)
    c = rep.counts
    verb = "would draft" if rep.dry_run or not rep.ok else "drafted"
    where = f" into change-set #{rep.changeset_id}" if rep.changeset_id and not rep.dry_run else ""
    click.echo(f"{verb}{where}: {c.get('add', 0)} addition(s), {c.get('edit', 0)} edit(s), "
               f"{c.get('remove', 0)} removal(s); {c.get('unchanged', 0)} unchanged (base v{rep.base_version})")


@lexicon.command(name="import")
@db_option
@click.argument("paths", nargs=-1, required=True, type=click.Path())
@click.option("--note", default="")
@click.option("--changeset", type=int, help="add to this draft (default: a new one)")
@click.option("--replace", is_flag=True, help="also remove entries of the files' categories missing from them")
@click.option("--dry-run", is_flag=True, help="validate and report only (needs no token)")
@click.option("--force", is_flag=True, help="accept forceable issues")
@acting_options
def import_(db: str, paths: tuple[str, ...], note: str, changeset: int | None, replace: bool,
            dry_run: bool, force: bool, token: str | None, single_operator: bool) -> None:
    """Validate lexicon files and draft them into a change-set (all or nothing)."""
    from plugin.store import Actor

    store = _store(db)
    if dry_run and not token and not single_operator:
        who: Any = Actor("dry-run")
    else:
        who, _ = _identity(store, token, single_operator, "editor")
    rep = _run(lambda: store.import_files(_expand(paths), author=who, note=note, changeset_id=changeset,
                                          replace=replace, dry_run=dry_run, force=force))
    _print_import(rep)
    if not rep.ok:
        click.echo("import refused: nothing was written", err=True)
        sys.exit(1)


@lexicon.command()
@db_option
@click.argument("paths", nargs=-1, required=True, type=click.Path())
@click.option("--note", required=True)
@click.option("--replace", is_flag=True, help="also remove entries of the files' categories missing from them")
@click.option("--force", is_flag=True, help="accept forceable issues")
@acting_options
def apply(db: str, paths: tuple[str, ...], note: str, replace: bool, force: bool, token: str | None,
          single_operator: bool) -> None:
    """Validate files and record them as one change-set; publish it in the same step where you may
    publish alone (single-operator mode, or four-eyes off and an approver token), else leave it for an
    approver. Files that change nothing are reported and nothing is drafted; re-running an interrupted
    apply reuses your open change-set with the same changes."""
    store = _store(db)
    who, role = _identity(store, token, single_operator, "editor")
    res = _run(lambda: store.apply(_expand(paths), author=who, note=note, replace=replace, force=force,
                                   publish=_alone(store, who, role)))
    for i in res.report.issues:
        if i.level != "warning" or i.code != "empty":
            click.echo(str(i), err=True)
    if res.unchanged:
        click.echo(f"nothing to apply: the files match the live version {res.report.base_version}; "
                   "no change-set was drafted")
        return
    if res.reused:
        click.echo(f"reusing your open change-set #{res.changeset_id} from an earlier apply of the same files",
                   err=True)
    if res.version is None:
        _await_approval(res.changeset_id, res.revision, note)
        return
    click.echo(f"published version {res.version}")
