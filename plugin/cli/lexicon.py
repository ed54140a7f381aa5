"""`qinglang lexicon`: lint lexicon files and manage the versioned lexicon store.

Same operations as the admin API: versions, show, diff, history, draft ..., preview, publish,
rollback, export, import, apply.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any, Callable

import click
from rich.table import Table

from plugin.lexicon import lint_lexicon

from .output import SafeConsole, echo, printable

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


def _store(db: str, four_eyes: bool = True) -> Any:
    from plugin.store import LexiconStore, StoreConfig

    return LexiconStore(db, StoreConfig(four_eyes=four_eyes))


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
    """Check lexicon files (or directories of them); problems are printed as file:line. Exit 1 on errors."""
    files = _expand(paths)
    problems = [p for f in files for p in lint_lexicon(f)]
    errors = [p for p in problems if p.severity == "error" or strict]
    if as_json:
        _dump({"files": files, "problems": [{"path": p.path, "line": p.line, "severity": p.severity,
                                              "message": p.message} for p in problems]})
    else:
        for p in problems:
            click.echo(str(p), err=p.severity == "error")
        click.echo(f"{len(files)} file(s), {sum(p.severity == 'error' for p in problems)} error(s), "
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
    t = Table("version", "kind", "author", "approver", "published", "entries", "+", "-", "~", "note")
    for r in rows:
        d = r["diff"]
        kind = r["kind"] + (f" → v{r['rollback_of']}" if r["rollback_of"] else "")
        t.add_row(str(r["number"]), kind, r["author"], r["approver"] or "-", r["created_at"], str(r["entry_count"]),
                  str(d["added"]), str(d["removed"]), str(d["changed"]), r["note"])
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
@click.option("--author", required=True)
@click.option("--note", default="")
def draft_new(db: str, author: str, note: str) -> None:
    """Open a change-set based on the live version; prints its id."""
    store = _store(db)
    cs = _run(lambda: store.create_changeset(author, note))
    click.echo(cs)


def _entry_options(fn: Callable) -> Callable:
    for opt in reversed([
        click.option("--action", type=click.Choice(["allow", "label", "limit", "review", "block"])),
        click.option("--severity", type=click.IntRange(1, 5)),
        click.option("--note", "entry_note"),
        click.option("--valid-from", help="YYYY-MM-DD"),
        click.option("--valid-to", help="YYYY-MM-DD"),
        click.option("--variant", "variants", multiple=True, help="extra spelling (repeatable)"),
        click.option("--force", is_flag=True, help="accept forceable issues (e.g. a single-character term)"),
        click.option("--editor", default="", help="who made the change"),
    ]):
        fn = opt(fn)
    return fn


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
              force: bool, editor: str) -> None:
    """Draft a new entry."""
    entry = {"term": term, "category": category,
             **_fields(action, severity, entry_note, valid_from, valid_to, variants)}
    store = _store(db)
    _print_change_result(_run(lambda: store.set_change(changeset, "add", entry=entry, force=force, editor=editor)))


@draft.command("edit")
@db_option
@click.argument("changeset", type=int)
@click.argument("term_id")
@click.option("--term", help="new spelling (drafts a removal plus an addition)")
@click.option("--category", help="new category (drafts a removal plus an addition)")
@_entry_options
def draft_edit(db: str, changeset: int, term_id: str, term: str | None, category: str | None, action: str | None,
               severity: int | None, entry_note: str | None, valid_from: str | None, valid_to: str | None,
               variants: tuple[str, ...], force: bool, editor: str) -> None:
    """Draft an edit of an existing entry (fields not given keep their current value)."""
    store = _store(db)
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
                                                       force=force, editor=editor)))


@draft.command("remove")
@db_option
@click.argument("changeset", type=int)
@click.argument("term_id")
@click.option("--editor", default="")
def draft_remove(db: str, changeset: int, term_id: str, editor: str) -> None:
    """Draft the removal of an entry."""
    store = _store(db)
    _print_change_result(_run(lambda: store.set_change(changeset, "remove", term_id=term_id, editor=editor)))


@draft.command("drop")
@db_option
@click.argument("changeset", type=int)
@click.argument("term_id")
def draft_drop(db: str, changeset: int, term_id: str) -> None:
    """Take a drafted change of TERM_ID back out of the change-set."""
    store = _store(db)
    rev = _run(lambda: store.drop_change(changeset, term_id))
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
    echo(f"change-set #{cs['id']} [{cs['status']}] by {cs['author']}, based on v{cs['base_version']}, "
               f"revision {cs['revision']}: {cs['note']}")
    for c in cs["changes"]:
        e = c["entry"] or {}
        detail = f"{e.get('action')}/{e.get('severity')}" if e else ""
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
def draft_rebase(db: str, changeset: int) -> None:
    """Move a stale change-set onto the live version (after a conflict)."""
    res = _run(lambda: _store(db).rebase_changeset(changeset))
    click.echo(f"change-set #{changeset}: v{res['from_version']} → v{res['to_version']}")
    if res["overlapping"]:
        click.echo("also changed by the newer versions (review them): " + ", ".join(res["overlapping"]), err=True)


@draft.command("discard")
@db_option
@click.argument("changeset", type=int)
def draft_discard(db: str, changeset: int) -> None:
    """Abandon a change-set (it stays on record as discarded)."""
    _run(lambda: _store(db).discard_changeset(changeset))
    click.echo(f"change-set #{changeset} discarded")


# --------------------------------------------------------------------------- preview / publish


def _print_preview(rep: dict[str, Any]) -> None:
    c = rep["counts"]
    click.echo(f"preview of the draft against v{rep['base_version']} on {rep['corpus']['size']} texts "
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
@click.option("--approver", required=True, help="who approves (must differ from the author under four-eyes)")
@click.option("--note", default=None, help="version note (default: the change-set's note)")
@click.option("--force", is_flag=True, help="publish despite forceable issues (after reviewing them)")
@click.option("--no-four-eyes", is_flag=True, help="allow self-approval (single-editor deployments)")
def publish(db: str, changeset: int, approver: str, note: str | None, force: bool, no_four_eyes: bool) -> None:
    """Publish a change-set as a new version."""
    store = _store(db, four_eyes=not no_four_eyes)
    v = _run(lambda: store.publish(changeset, approver=approver, note=note, force=force))
    click.echo(f"published version {v}")


@lexicon.command()
@db_option
@click.argument("version", type=int)
@click.option("--author", required=True)
@click.option("--approver", required=True)
@click.option("--note", default="")
@click.option("--no-four-eyes", is_flag=True, help="allow self-approval (single-editor deployments)")
def rollback(db: str, version: int, author: str, approver: str, note: str, no_four_eyes: bool) -> None:
    """Publish the entries of an earlier VERSION as a new version."""
    store = _store(db, four_eyes=not no_four_eyes)
    v = _run(lambda: store.rollback(version, author=author, approver=approver, note=note))
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
@click.option("--author", required=True)
@click.option("--note", default="")
@click.option("--changeset", type=int, help="add to this draft (default: a new one)")
@click.option("--replace", is_flag=True, help="also remove entries of the files' categories missing from them")
@click.option("--dry-run", is_flag=True, help="validate and report only")
@click.option("--force", is_flag=True, help="accept forceable issues")
def import_(db: str, paths: tuple[str, ...], author: str, note: str, changeset: int | None, replace: bool,
            dry_run: bool, force: bool) -> None:
    """Validate lexicon files and draft them into a change-set (all or nothing)."""
    store = _store(db)
    rep = _run(lambda: store.import_files(_expand(paths), author=author, note=note, changeset_id=changeset,
                                          replace=replace, dry_run=dry_run, force=force))
    _print_import(rep)
    if not rep.ok:
        click.echo("import refused: nothing was written", err=True)
        sys.exit(1)


@lexicon.command()
@db_option
@click.argument("paths", nargs=-1, required=True, type=click.Path())
@click.option("--author", required=True)
@click.option("--approver", required=True)
@click.option("--note", required=True)
@click.option("--replace", is_flag=True, help="also remove entries of the files' categories missing from them")
@click.option("--force", is_flag=True, help="accept forceable issues")
def apply(db: str, paths: tuple[str, ...], author: str, approver: str, note: str, replace: bool,
          force: bool) -> None:
    """Validate files, record them as a change-set and publish it in one audited step."""
    store = _store(db)
    v = _run(lambda: store.apply(_expand(paths), author=author, approver=approver, note=note, replace=replace,
                                 force=force))
    click.echo(f"published version {v}")
