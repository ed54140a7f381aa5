"""The editable colloquial-synonym table of the rumour analysis (``plugin/rumors/data/synonyms.yaml``).

Two sections: ``synonyms`` (canonical word → colloquial / regional / abbreviated forms: 阳了 → 感染,
打针 → 接种疫苗, 小娃 → 孩子) and ``frames`` (question / hedge wording around a claim: 靠谱不, 求证,
怎么回事). :mod:`plugin.rumors.analysis` replaces every form by its canonical word in claims and
queries alike before segmentation (longest form first, with the built-in phrase equivalents), and
drops the frames with its built-in question wording. The pre-filter sees each form as a key term of
the claims holding its canonical word.

The file is read with :mod:`plugin.safe_yaml` (no aliases, bounded). :func:`lint` lists every
problem; ``python -m plugin.rumors.synonyms [PATH]`` prints them and exits 1 when there are any.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from plugin.safe_yaml import YamlProblem, load

__all__ = ["MAX_FORM_CHARS", "MIN_FORM_CHARS", "SYNONYMS_PATH", "SynonymTable", "default_table", "lint", "parse"]

SYNONYMS_PATH = Path(__file__).with_name("data") / "synonyms.yaml"
#: A form (or frame) has at least this many characters: one character is too ambiguous inside words.
MIN_FORM_CHARS = 2
MAX_FORM_CHARS = 12


class SynonymTableError(ValueError):
    """A synonym table that does not lint clean (``problems``: one message each)."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class SynonymTable:
    """``forms``: colloquial form → canonical word; ``frames``: wording dropped before matching."""

    forms: dict[str, str]
    frames: tuple[str, ...]


def _strings(value: Any, where: str, problems: list[str]) -> list[str]:
    if not isinstance(value, list):
        problems.append(f"{where}: expected a list of strings")
        return []
    out = []
    for v in value:
        if not isinstance(v, str) or not v.strip():
            problems.append(f"{where}: {v!r} is not a non-empty string")
        else:
            out.append(v.strip().lower())
    return out


def _length_ok(s: str, where: str, problems: list[str], minimum: int = MIN_FORM_CHARS) -> bool:
    if not minimum <= len(s) <= MAX_FORM_CHARS:
        problems.append(f"{where}: {s!r} must have {minimum}-{MAX_FORM_CHARS} characters")
        return False
    if any(c.isspace() for c in s):
        problems.append(f"{where}: {s!r} holds white space")
        return False
    return True


def _check(data: Any) -> tuple[SynonymTable, list[str]]:
    problems: list[str] = []
    if not isinstance(data, dict):
        return SynonymTable({}, ()), ["the file must be a mapping with 'synonyms' and 'frames'"]
    unknown = set(data) - {"synonyms", "frames"}
    if unknown:
        problems.append(f"unknown sections: {', '.join(sorted(map(str, unknown)))}")
    groups = data.get("synonyms") or {}
    if not isinstance(groups, dict):
        problems.append("synonyms: expected a mapping canonical word → list of forms")
        groups = {}
    forms: dict[str, str] = {}
    canonicals = {str(c).strip().lower() for c in groups}
    for canonical, values in groups.items():
        if not isinstance(canonical, str) or not _length_ok(canonical.strip().lower(), "synonyms", problems, 1):
            if not isinstance(canonical, str):
                problems.append(f"synonyms: key {canonical!r} is not a string")
            continue
        c = canonical.strip().lower()
        for form in _strings(values, f"synonyms.{c}", problems):
            where = f"synonyms.{c}"
            if not _length_ok(form, where, problems):
                continue
            if form == c or c in form:
                problems.append(f"{where}: {form!r} contains its canonical word (redundant)")
            elif form in canonicals:
                problems.append(f"{where}: {form!r} is itself a canonical word (no chains)")
            elif form in forms:
                problems.append(f"{where}: {form!r} is already a form of {forms[form]!r}")
            else:
                forms[form] = c
    frames: list[str] = []
    for frame in _strings(data.get("frames") or [], "frames", problems):
        if not _length_ok(frame, "frames", problems):
            continue
        if frame in frames:
            problems.append(f"frames: {frame!r} listed twice")
        elif frame in forms or frame in canonicals:
            problems.append(f"frames: {frame!r} is also a synonym")
        else:
            frames.append(frame)
    return SynonymTable(forms, tuple(frames)), problems


def lint(text: str) -> list[str]:
    """Every problem of a synonym table's YAML text ([] when it is clean)."""
    try:
        data = load(text)
    except YamlProblem as exc:
        return [str(exc)]
    return _check(data)[1]


def parse(text: str) -> SynonymTable:
    """The table of a YAML text; :class:`SynonymTableError` when it does not lint clean."""
    try:
        data = load(text)
    except YamlProblem as exc:
        raise SynonymTableError([str(exc)]) from exc
    table, problems = _check(data)
    if problems:
        raise SynonymTableError(problems)
    return table


@lru_cache(maxsize=1)
def default_table() -> SynonymTable:
    """The bundled table (``data/synonyms.yaml``)."""
    return parse(SYNONYMS_PATH.read_text(encoding="utf-8"))


def main(argv: list[str] | None = None) -> int:
    """Lint a table (the bundled one by default): print each problem, 1 when there are any."""
    args = sys.argv[1:] if argv is None else argv
    path = Path(args[0]) if args else SYNONYMS_PATH
    problems = lint(path.read_text(encoding="utf-8"))
    for p in problems:
        print(f"{path}: {p}")
    if not problems:
        table = parse(path.read_text(encoding="utf-8"))
        print(f"{path}: ok ({len(table.forms)} forms, {len(table.frames)} frames)")
    return 1 if problems else 0


if __name__ == "__main__":
    raise SystemExit(main())
