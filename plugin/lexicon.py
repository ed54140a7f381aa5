"""Lexicon entries and the three file formats: plain text, TSV and YAML.

Plain text: one term per line, ``#`` comments; header comments ``# category: X``,
``# action: Y``, ``# severity: N``, ``# clause: ...`` set the defaults (category
falls back to the file name).

TSV: ``term<TAB>category[<TAB>action[<TAB>severity]]``; ``#`` comments.

YAML: a mapping with a header (``lexicon``, ``category``, ``action``, ``severity``,
``clause``, ``source``, ``licence``, ``scope``, ``techniques``, ``boundary``,
``context``, ``note``) and ``entries`` (strings or mappings) plus ``allow`` (phrases
that suppress hits inside them). See ``docs/lexicon-format.md``.

Every problem is reported with its file and line; loading is all or nothing.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field, replace
from importlib import resources
from pathlib import Path
from typing import Any, Iterable

import yaml

from . import fixed_regex
from . import safe_yaml
from .errors import LexiconError, LexiconProblem
from .lexicon_regex import pattern_problem
from .models import ACTION_ORDER, OVERRIDABLE_SURFACES

__all__ = [
    "BIDI_CONTROLS",
    "BOUNDARY_MODES",
    "ContextRule",
    "Entry",
    "Lexicon",
    "SCOPES",
    "TECHNIQUES",
    "Variant",
    "bundled_lexicon_paths",
    "first_bidi_control",
    "lint_lexicon",
    "load_lexicon",
    "load_lexicons",
    "parse_entry_dict",
    "parse_lexicon_text",
    "read_lexicon_text",
]

ACTIONS = tuple(ACTION_ORDER)
#: ``auto`` / ``word`` / ``strict`` / ``crossing``: CJK word edges (jieba) plus Latin/digit edges;
#: ``latin_word``: only a Latin letter edge must not continue a Latin word; ``latin_word_digits``: a
#: letter or digit edge must not continue a run of letters and digits; ``none``: no check.
BOUNDARY_MODES = ("auto", "word", "strict", "crossing", "latin_word", "latin_word_digits", "none")
#: Tags an entry may carry besides its category (short texts: policy ids such as ``minors``, editorial marks such as ``候选新词``).
MAX_TAGS = 16
#: Longest per-entry replacement text (masking) and extra skip set.
MAX_REPLACEMENT_LEN = 64
MAX_SKIP_CHARS = 32
#: Fuzzy techniques an entry may enable (exact / normalisation / noise always apply).
TECHNIQUES = ("pinyin", "homophone", "shape", "split")
#: ``content``: titles, posts, queries; ``account_name``: only when scanning account names.
SCOPES = ("content", "account_name", "any")
#: What a curated variant's hits may report (the matcher's techniques except ``pattern``).
VARIANT_TECHNIQUES = ("variant", "exact", "normalized", "traditional", "invisible", "noise", "repeat", "split",
                      "shape", "homophone", "pinyin", "initials")
#: ``requires_any: header`` / ``excludes_any: header`` in an entry's or variant's context: the
#: header context's list (YAML anchors and aliases are refused, see :mod:`plugin.safe_yaml`).
HEADER_WORDS = "header"
#: Header fields holding free text (a string; a number is taken as its text).
_TEXT_HEADER_KEYS = ("lexicon", "clause", "source", "licence", "license", "note", "description", "version")
MAX_TEXT_LEN = 5000
#: A header line ``# key: value`` (the line is stripped; ``.`` stops at a line break as Python's does).
_HEADER_LINE = fixed_regex.compile(f"#[{fixed_regex.SPACE}]*(category|action|severity|clause|source|licence|license|scope|"
                                   f"boundary)[{fixed_regex.SPACE}]*:[{fixed_regex.SPACE}]*([^\\n]*)$")
_CATEGORY_RE = fixed_regex.compile(r"^[a-z][a-z0-9_]{0,39}$")
MAX_TERM_LEN = 64

_HEADER_KEYS = {
    "lexicon", "category", "action", "severity", "clause", "source", "licence", "license",
    "scope", "techniques", "boundary", "context", "note", "entries", "allow", "version",
    "description",
}
_ENTRY_KEYS = {
    "term", "category", "action", "severity", "note", "clause", "variants", "context",
    "boundary", "valid_from", "valid_to", "techniques", "scope", "id", "regex", "surface_actions",
    "tags", "replacement", "skip", "enabled",
}
_CONTEXT_KEYS = {"requires_any", "excludes_any", "within"}
_VARIANT_KEYS = {"text", "context", "technique"}


@dataclass(frozen=True, slots=True)
class ContextRule:
    """Gate a hit on nearby words: at least one of ``requires_any`` and none of
    ``excludes_any`` within ``within`` characters of the hit (either side)."""

    requires_any: tuple[str, ...] = ()
    excludes_any: tuple[str, ...] = ()
    within: int = 12

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {"within": self.within}
        if self.requires_any:
            d["requires_any"] = list(self.requires_any)
        if self.excludes_any:
            d["excludes_any"] = list(self.excludes_any)
        return d


@dataclass(frozen=True, slots=True)
class Variant:
    """A curated spelling of an entry (slang, code word); may carry its own context gate."""

    text: str
    context: ContextRule | None = None
    technique: str = "variant"


@dataclass(frozen=True, slots=True)
class Entry:
    """One lexicon entry. ``term_id`` is stable: ``category:term`` unless given."""

    term: str
    category: str
    action: str = "review"
    severity: int = 2
    note: str = ""
    clause: str = ""
    variants: tuple[Variant, ...] = ()
    context: ContextRule | None = None
    boundary: str = "auto"
    valid_from: dt.date | None = None
    valid_to: dt.date | None = None
    techniques: frozenset[str] = frozenset(TECHNIQUES)
    scope: str = "content"
    term_id: str = ""
    source: str = ""  # "path:line" where it was defined
    lexicon: str = ""
    regex: str = ""  # when set, the entry matches this pattern (on folded text) and ``term`` is its label
    #: per-surface action overrides, e.g. (("suggestion", "allow"),): the entry labels a trending item but
    #: keeps autocomplete suggestions (see :mod:`plugin.policy`); sorted by surface
    surface_actions: tuple[tuple[str, str], ...] = ()
    #: labels besides the category (editorial tags such as ``候选新词``, campaign names; sorted), usable in
    #: policy rules (:class:`plugin.policy.Policy.tag_actions`), reports and the console filters
    tags: tuple[str, ...] = ()
    #: what :meth:`plugin.matcher.Matcher.mask` writes for a hit of this entry ("" = mask character-wise)
    replacement: str = ""
    #: extra characters skipped between the characters of this entry's term (besides the noise set)
    skip: str = ""
    #: False: kept (and versioned) but not compiled into any matcher (an editor switched it off)
    enabled: bool = True

    def active_on(self, day: dt.date) -> bool:
        """Whether the entry's validity window covers ``day``."""
        if self.valid_from and day < self.valid_from:
            return False
        if self.valid_to and day > self.valid_to:
            return False
        return True

    def to_dict(self) -> dict[str, Any]:
        """YAML/JSON shape (only non-default fields besides term/category/action)."""
        d: dict[str, Any] = {"term": self.term, "category": self.category, "action": self.action,
                             "severity": self.severity}
        if self.term_id and self.term_id != f"{self.category}:{self.term}":
            d["id"] = self.term_id
        if self.note:
            d["note"] = self.note
        if self.clause:
            d["clause"] = self.clause
        if self.variants:
            d["variants"] = [
                v.text if v.context is None and v.technique == "variant"
                else {"text": v.text, **({"context": v.context.to_dict()} if v.context else {}),
                      **({"technique": v.technique} if v.technique != "variant" else {})}
                for v in self.variants
            ]
        if self.context:
            d["context"] = self.context.to_dict()
        if self.boundary != "auto":
            d["boundary"] = self.boundary
        if self.valid_from:
            d["valid_from"] = self.valid_from.isoformat()
        if self.valid_to:
            d["valid_to"] = self.valid_to.isoformat()
        if self.techniques != frozenset(TECHNIQUES):
            d["techniques"] = sorted(self.techniques)
        if self.scope != "content":
            d["scope"] = self.scope
        if self.regex:
            d["regex"] = self.regex
        if self.surface_actions:
            d["surface_actions"] = dict(self.surface_actions)
        if self.tags:
            d["tags"] = list(self.tags)
        if self.replacement:
            d["replacement"] = self.replacement
        if self.skip:
            d["skip"] = self.skip
        if not self.enabled:
            d["enabled"] = False
        return d


@dataclass(frozen=True, slots=True)
class Lexicon:
    """A loaded lexicon file: header metadata plus entries (allow entries included)."""

    name: str
    path: str
    sha256: str
    entries: tuple[Entry, ...]
    category: str = ""
    action: str = "review"
    clause: str = ""
    source: str = ""
    licence: str = ""
    scope: str = "content"
    meta: dict[str, Any] = field(default_factory=dict)


def bundled_lexicon_paths() -> list[str]:
    """Paths of the lexicon files shipped in the ``lexicons`` package (sorted)."""
    root = resources.files("lexicons")
    out = []
    for item in root.iterdir():
        name = item.name
        if name.startswith((".", "_")):
            continue
        if name.endswith((".yaml", ".yml", ".tsv", ".txt")):
            out.append(str(item))
    return sorted(out)


# --------------------------------------------------------------------------- parsing


#: Problems kept per file; past it they are counted in one last problem (a 1 MB file of bad
#: lines must not turn into a 50 MB report).
MAX_PROBLEMS = 500


class _Problems:
    """The problems of one file (at most :data:`MAX_PROBLEMS` kept, the rest counted)."""

    def __init__(self, path: str) -> None:
        self.path = path
        self._items: list[LexiconProblem] = []
        self.error_count = 0
        self._dropped = [0, 0]  # errors, warnings past the cap

    def _add(self, line: int | None, msg: str, severity: str) -> None:
        if len(self._items) < MAX_PROBLEMS:
            self._items.append(LexiconProblem(self.path, line, msg, severity))
        else:
            self._dropped[severity != "error"] += 1

    def error(self, line: int | None, msg: str) -> None:
        self.error_count += 1
        self._add(line, msg, "error")

    def warn(self, line: int | None, msg: str) -> None:
        self._add(line, msg, "warning")

    @property
    def items(self) -> list[LexiconProblem]:
        """The problems kept, plus one that counts the others when there were too many."""
        errors, warnings = self._dropped
        if not errors and not warnings:
            return list(self._items)
        more = LexiconProblem(self.path, None, f"… and {errors} more error(s), {warnings} more warning(s)",
                              "error" if errors else "warning")
        return self._items + [more]

    @property
    def errors(self) -> list[LexiconProblem]:
        return [p for p in self.items if p.severity == "error"]


#: Bidirectional controls (ALM, LRM, RLM, embeddings / overrides, isolates): ``\u202e乐家百`` shows as
#: 百家乐, so people reviewing a lexicon would read another entry than the one that matches.
BIDI_CONTROLS = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def first_bidi_control(text: str) -> int:
    """Where ``text``'s first bidirectional control is (-1: none)."""
    return next((i for i, c in enumerate(text) if c in BIDI_CONTROLS), -1)


def _bidi_problem(text: str) -> str:
    """``holds a bidirectional control ...`` when ``text`` has one, else empty."""
    pos = first_bidi_control(text)
    if pos < 0:
        return ""
    return f"holds a bidirectional control (U+{ord(text[pos]):04X} at position {pos}) that changes how it reads"


_BAD_CHARS = fixed_regex.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\ufffd]")  # C0, C1, line separators
_TEXT_BAD_CHARS = fixed_regex.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")  # notes may hold tabs and line breaks


def _has_bad_chars(rx: fixed_regex.FixedPattern, text: str) -> bool:
    """Whether ``text`` holds a character of ``rx``'s class or an unpaired surrogate."""
    return fixed_regex.first_surrogate(text) is not None or rx.search(text) is not None


def _check_term(term: Any, line: int | None, probs: _Problems, what: str = "term") -> str | None:
    if not isinstance(term, str):
        probs.error(line, f"{what} must be a string, got {type(term).__name__}")
        return None
    t = term.strip()
    if not t:
        probs.error(line, f"empty {what}")
        return None
    if _has_bad_chars(_BAD_CHARS, t):
        probs.error(line, f"{what} {_show(t)} contains control characters")
        return None
    if bidi := _bidi_problem(t):
        probs.error(line, f"{what} {_show(t)} {bidi}")
        return None
    if len(t) > MAX_TERM_LEN:
        probs.error(line, f"{what} {t[:20]!r}… longer than {MAX_TERM_LEN} characters")
        return None
    from .normalize import dense_key

    if not dense_key(t).replace("\x00", ""):
        probs.error(line, f"{what} {t!r} has no matchable characters (only punctuation/symbols)")
        return None
    return t


def _show(v: Any, limit: int = 40) -> str:
    """``repr`` of a value, cut to ``limit`` characters (a 5,000-digit number stays readable)."""
    r = repr(v)
    return r if len(r) <= limit else r[: limit - 1] + "…"


#: Patterns shipped before regex entries ran on RE2 (``spam_pattern`` up to d66ba9c) → their RE2
#: rewrites, which catch the same text. A store seeded from an older release still holds them;
#: reading such an entry takes the rewrite (with a warning) instead of refusing the version.
LEGACY_PATTERNS: dict[str, str] = dict([
    (r'(?<![a-z0-9])[a-z0-9][a-z0-9-]{1,30}\s*(?:\.|。|点|dot)\s*(?:top|cc|xyz|pw|vip|club|icu|buzz|tk|ml|ga|cf|gq|fun|site|shop|live|bet|win|cyou|sbs|lol)(?![a-z0-9])',
     r'(?:^|[^a-z0-9])(?P<hit>[a-z0-9][a-z0-9-]{1,30}\s*(?:\.|。|点|dot)\s*(?:top|cc|xyz|pw|vip|club|icu|buzz|tk|ml|ga|cf|gq|fun|site|shop|live|bet|win|cyou|sbs|lol))(?:$|[^a-z0-9])'),
    (r'(?<![a-z0-9])[a-z0-9]*\d[a-z0-9]*(?:\s*点\s*|\s+\.\s*|\.\s+|\s*。\s*|\s*dot\s*)(?:com|cn|net|org|cc|top|vip|me)(?![a-z0-9])',
     r'(?:^|[^a-z0-9])(?P<hit>[a-z0-9]*\d[a-z0-9]*(?:\s*点\s*|\s+\.\s*|\.\s+|\s*。\s*|\s*dot\s*)(?:com|cn|net|org|cc|top|vip|me))(?:$|[^a-z0-9])'),
    (r'(?:(?:加我|加|联系|咨询|私信|私聊|找我|滴滴)\s*(?:v|vx|wx|微信|威信|薇信|微|薇|扣扣|qq|企鹅|电话|手机|tg|飞机)?|\+\s*(?:v|vx|wx|微信|威信|薇信|扣扣|qq|企鹅))\s*(?:号)?\s*[:：]?\s*(?:1[3-9]\d{9}|[a-z][a-z0-9_-]{5,19}|\d{6,11})(?![a-z0-9])',
     r'(?P<hit>(?:(?:加我|加|联系|咨询|私信|私聊|找我|滴滴)\s*(?:v|vx|wx|微信|威信|薇信|微|薇|扣扣|qq|企鹅|电话|手机|tg|飞机)?|\+\s*(?:v|vx|wx|微信|威信|薇信|扣扣|qq|企鹅))\s*(?:号)?\s*[:：]?\s*(?:1[3-9]\d{9}|[a-z][a-z0-9_-]{5,19}|\d{6,11}))(?:$|[^a-z0-9])'),
])


def _check_regex(v: Any, line: int | None, probs: _Problems, term: Any = None, stored: bool = False) -> str | None:
    """A pattern entry's regex: RE2 must compile it (see :mod:`plugin.lexicon_regex`); the
    message names the entry. ``stored``: an entry of a version published by an earlier release,
    which is read (with a warning) so that the version stays usable; the matcher disables it."""
    if isinstance(v, str) and v in LEGACY_PATTERNS:
        probs.warn(line, f"entry {term!r}: regex of an earlier release, read as its RE2 rewrite "
                         f"{LEGACY_PATTERNS[v]!r}")
        return LEGACY_PATTERNS[v]
    problem = pattern_problem(v)
    if problem is not None:
        label = f"entry {term.strip()!r}: " if isinstance(term, str) and term.strip() else ""
        if stored and isinstance(v, str) and v.strip():
            probs.warn(line, f"{label}regex {_show(v, 80)} is disabled: {problem}")
            return v
        probs.error(line, f"{label}invalid regex {_show(v, 80)}: {problem}")
        return None
    assert isinstance(v, str)  # pattern_problem refuses anything else
    return v


def _check_text(v: Any, line: int | None, probs: _Problems, key: str) -> str | None:
    """A free-text field (note, clause, source ...): a string (a number is taken as its text)."""
    if isinstance(v, bool) or not isinstance(v, (str, int, float)):
        kind = "no value" if v is None else f"a {type(v).__name__}"
        probs.error(line, f"{key} must be text, got {kind}" + ("; quote it" if isinstance(v, (dt.date, bool)) else ""))
        return None
    t = str(v)
    if _has_bad_chars(_TEXT_BAD_CHARS, t):
        probs.error(line, f"{key} contains control characters")
        return None
    if bidi := _bidi_problem(t):
        probs.error(line, f"{key} {bidi}")
        return None
    if len(t) > MAX_TEXT_LEN:
        probs.error(line, f"{key} longer than {MAX_TEXT_LEN} characters")
        return None
    return t


def _check_variant(v: Any, line: int | None, probs: _Problems) -> str | None:
    """A curated variant must keep at least two characters after normalisation ("+V" → "v" would hit every v)."""
    vt = _check_term(v, line, probs, "variant")
    if vt is None:
        return None
    from .normalize import dense_key

    if len(dense_key(vt)) < 2:
        probs.error(line, f"variant {vt!r} normalises to {dense_key(vt)!r}: fewer than two characters would match too much")
        return None
    return vt


def _check_action(v: Any, line: int | None, probs: _Problems) -> str | None:
    if not isinstance(v, str) or v not in ACTIONS:
        probs.error(line, f"unknown action {_show(v)} (expected one of {', '.join(ACTIONS)})")
        return None
    return str(v)


def _check_severity(v: Any, line: int | None, probs: _Problems) -> int | None:
    n: int | None = None
    if isinstance(v, bool):
        n = None
    elif isinstance(v, int):
        n = v
    elif isinstance(v, float) and v.is_integer():
        n = int(v)
    elif isinstance(v, str) and v.strip().isascii() and v.strip().isdigit() and len(v.strip()) <= 3:
        n = int(v.strip())
    if n is None or not 1 <= n <= 5:
        probs.error(line, f"severity must be an integer 1-5, got {_show(v)}")
        return None
    return n


def _check_category(v: Any, line: int | None, probs: _Problems) -> str | None:
    if v is None:
        probs.error(line, "category has no value (lower-case letters, digits and _, e.g. gambling)")
        return None
    if not isinstance(v, str) or not _CATEGORY_RE.match(v):
        probs.error(line, f"category {_show(v)} must be lower-case letters, digits and _ (e.g. gambling)")
        return None
    return v


def _check_date(v: Any, line: int | None, probs: _Problems, key: str) -> dt.date | None:
    if v is None:
        return None
    if isinstance(v, dt.datetime):
        return v.date()
    if isinstance(v, dt.date):
        return v
    if isinstance(v, str) and len(v) <= 40:
        try:
            return dt.date.fromisoformat(v.strip())
        except ValueError as exc:
            probs.error(line, f"{key} {v!r} is not a date YYYY-MM-DD ({exc})")
            return None
    probs.error(line, f"{key} must be a date YYYY-MM-DD, got {_show(v)}")
    return None


def _check_context(v: Any, line: int | None, probs: _Problems, header: ContextRule | None = None,
                   in_header: bool = False) -> ContextRule | None:
    """A context rule; in an entry or variant, ``requires_any: header`` / ``excludes_any: header``
    take that list from the header context (``header``)."""
    if v is None:
        return None
    if not isinstance(v, dict):
        probs.error(line, "context must be a mapping with requires_any / excludes_any / within")
        return None
    unknown = set(v) - _CONTEXT_KEYS
    if unknown:
        probs.error(line, f"unknown context field(s): {', '.join(sorted(_show(k) for k in unknown))}")
        return None
    out: dict[str, Any] = {}
    for key in ("requires_any", "excludes_any"):
        words = v.get(key) or []
        if words == HEADER_WORDS:
            inherited = getattr(header, key, ()) if not in_header else ()
            if not inherited:
                probs.error(line, f"context.{key}: {HEADER_WORDS} needs a header context with {key}"
                            if not in_header else f"context.{key}: {HEADER_WORDS} only works in entries")
                return None
            out[key] = tuple(inherited)
            continue
        if isinstance(words, str):
            words = [words]
        if not isinstance(words, list):
            probs.error(line, f"context.{key} must be a list of words")
            return None
        clean = []
        for w in words:
            t = _check_term(w, line, probs, f"context.{key} word")
            if t:
                clean.append(t)
        out[key] = tuple(clean)
    within = v.get("within", 12)
    if isinstance(within, bool) or not isinstance(within, int) or not 1 <= within <= 200:
        probs.error(line, f"context.within must be an integer 1-200, got {_show(within)}")
        return None
    return ContextRule(out["requires_any"], out["excludes_any"], within)


def _check_techniques(v: Any, line: int | None, probs: _Problems) -> frozenset[str] | None:
    if v is None:
        return None
    if isinstance(v, str):
        v = [v] if v not in ("none", "") else []
    if not isinstance(v, list):
        probs.error(line, f"techniques must be a list drawn from {', '.join(TECHNIQUES)}")
        return None
    bad = [t for t in v if not isinstance(t, str) or (t not in TECHNIQUES and t != "all")]
    if bad:
        probs.error(line, f"unknown technique(s) {_show(bad, 80)} (expected {', '.join(TECHNIQUES)} or all)")
        return None
    if "all" in v:
        return frozenset(TECHNIQUES)
    return frozenset(v)


def _check_surface_actions(v: Any, line: int | None, probs: _Problems) -> tuple[tuple[str, str], ...] | None:
    """``{surface: action}`` (surfaces of :data:`plugin.models.OVERRIDABLE_SURFACES`) as sorted pairs."""
    if not isinstance(v, dict) or not v:
        probs.error(line, f"surface_actions must be a mapping of surface to action, e.g. {{suggestion: allow}}, "
                          f"got {_show(v)}")
        return None
    pairs: list[tuple[str, str]] = []
    for surface, action in v.items():
        if not isinstance(surface, str) or surface not in OVERRIDABLE_SURFACES:
            probs.error(line, f"surface_actions: surface must be one of {', '.join(OVERRIDABLE_SURFACES)}, "
                              f"got {_show(surface)}")
        elif not isinstance(action, str) or action not in ACTIONS:
            probs.error(line, f"surface_actions.{surface} must be one of {', '.join(ACTIONS)}, got {_show(action)}")
        else:
            pairs.append((surface, action))
    return tuple(sorted(pairs)) if len(pairs) == len(v) else None


def _check_replacement(v: Any, line: int | None, probs: _Problems) -> str | None:
    """What masking writes for the entry: text of at most 64 characters without control characters."""
    if not isinstance(v, str) or len(v) > MAX_REPLACEMENT_LEN or _has_bad_chars(_BAD_CHARS, v):
        probs.error(line, f"replacement must be text of at most {MAX_REPLACEMENT_LEN} characters without "
                          f"control characters, got {_show(v)}")
        return None
    return v


def _check_skip(v: Any, line: int | None, probs: _Problems) -> str | None:
    """Extra characters skipped inside the term (fillers such as 丨 卍 or a letter): at most 32, no
    spaces (skipped already) or control characters; duplicates dropped."""
    if not isinstance(v, str) or not v or len(v) > MAX_SKIP_CHARS or _has_bad_chars(_BAD_CHARS, v) \
            or any(ch.isspace() for ch in v):
        probs.error(line, f"skip must be 1-{MAX_SKIP_CHARS} characters (no spaces or control characters), "
                          f"got {_show(v)}")
        return None
    return "".join(dict.fromkeys(v))


def _check_id(v: Any, line: int | None, probs: _Problems) -> str | None:
    """An entry's stable id: text (or a number), no control characters, at most 200 characters."""
    if isinstance(v, bool) or not isinstance(v, (str, int)) or not str(v).strip():
        probs.error(line, f"id must be non-empty text, got {_show(v)}")
        return None
    t = str(v)
    if _has_bad_chars(_BAD_CHARS, t) or len(t) > 200:
        probs.error(line, f"id {_show(t)} has control characters or is longer than 200 characters")
        return None
    return t


MAX_TAG_LEN = 32


def _check_enabled(v: Any, line: int | None, probs: _Problems) -> bool | None:
    if not isinstance(v, bool):
        probs.error(line, f"enabled must be true or false, got {_show(v)}")
        return None
    return v


def _check_tags(v: Any, line: int | None, probs: _Problems) -> tuple[str, ...] | None:
    """Editorial tags: a list of at most :data:`MAX_TAGS` short texts (a single text is one tag)."""
    if isinstance(v, str):
        v = [v]
    if not isinstance(v, list) or len(v) > MAX_TAGS:
        probs.error(line, f"tags must be a list of at most {MAX_TAGS} texts")
        return None
    out = set()
    for t in v:
        if not isinstance(t, str) or not t.strip() or len(t) > MAX_TAG_LEN or _has_bad_chars(_TEXT_BAD_CHARS, t):
            probs.error(line, f"a tag must be non-empty text of at most {MAX_TAG_LEN} characters, got {_show(t)}")
            return None
        out.add(t.strip())
    return tuple(sorted(out))


def _check_choice(v: Any, line: int | None, probs: _Problems, key: str, choices: tuple[str, ...]) -> str | None:
    if not isinstance(v, str) or v not in choices:
        probs.error(line, f"{key} must be one of {', '.join(choices)}, got {_show(v)}")
        return None
    return str(v)


@dataclass
class _Defaults:
    category: str
    action: str = "review"
    severity: int = 2
    clause: str = ""
    boundary: str = "auto"
    scope: str = "content"
    techniques: frozenset[str] = frozenset(TECHNIQUES)
    context: ContextRule | None = None
    lexicon: str = ""


def _make_entry(term: str, d: _Defaults, path: str, line: int | None, **kw: Any) -> Entry:
    """Build an entry from file defaults overridden by the given (non-None) fields."""
    fields: dict[str, Any] = dict(
        category=d.category, action=d.action, severity=d.severity, clause=d.clause,
        boundary=d.boundary, scope=d.scope, techniques=d.techniques, context=d.context,
    )
    for k, v in kw.items():
        if v is not None:
            fields[k] = v
    if "context" in kw and kw["context"] is None and fields.get("action") == "allow":
        fields["context"] = None
    e = Entry(term=term, source=f"{path}:{line}" if line else path, lexicon=d.lexicon, **fields)
    if not e.term_id:
        e = replace(e, term_id=f"{e.category}:{e.term}")
    return e


def _file_lines(text: str) -> list[str]:
    """A lexicon file's lines: split at LF (CRLF read as LF) only. ``str.splitlines`` would also split at
    U+2028, U+0085, VT, FF …, making one line that holds such a character two entries."""
    return text.replace("\r\n", "\n").split("\n")


def _parse_plain(text: str, path: str, probs: _Problems) -> tuple[dict[str, Any], list[Entry]]:
    stem = Path(path).stem.split(".")[0].lower().replace("-", "_")
    header: dict[str, Any] = {}
    entries: list[Entry] = []
    d = _Defaults(category=stem if _CATEGORY_RE.match(stem) else "custom", lexicon=stem)
    for n, raw in enumerate(_file_lines(text), 1):
        line = raw.strip()
        if not line:
            continue
        if line.startswith("#"):
            m = _HEADER_LINE.match(line)
            if m and not entries:
                key, val = m.group(1), m.group(2).strip()
                header[key] = val
                if key == "category":
                    d.category = _check_category(val, n, probs) or d.category
                elif key == "action":
                    d.action = _check_action(val, n, probs) or d.action
                elif key == "severity":
                    d.severity = _check_severity(val, n, probs) or d.severity
                elif key == "clause":
                    d.clause = val
                elif key == "scope":
                    d.scope = _check_choice(val, n, probs, "scope", SCOPES) or d.scope
                elif key == "boundary":
                    d.boundary = _check_choice(val, n, probs, "boundary", BOUNDARY_MODES) or d.boundary
            continue
        if "\t" in line:
            probs.error(n, "tab in a plain-text lexicon line (use a .tsv file for columns)")
            continue
        t = _check_term(line, n, probs)
        if t:
            entries.append(_make_entry(t, d, path, n))
    return header, entries


def _parse_tsv(text: str, path: str, probs: _Problems) -> tuple[dict[str, Any], list[Entry]]:
    entries: list[Entry] = []
    d = _Defaults(category="custom", lexicon=Path(path).stem)
    for n, raw in enumerate(_file_lines(text), 1):
        if not raw.strip() or raw.lstrip().startswith("#"):
            continue
        cols = raw.rstrip("\r\n").split("\t")
        if len(cols) < 2 or len(cols) > 4:
            probs.error(n, f"expected 2-4 tab-separated columns (term, category[, action[, severity]]), got {len(cols)}")
            continue
        t = _check_term(cols[0], n, probs)
        cat = _check_category(cols[1].strip(), n, probs)
        action = _check_action(cols[2].strip(), n, probs) if len(cols) > 2 and cols[2].strip() else "review"
        sev = _check_severity(cols[3].strip(), n, probs) if len(cols) > 3 and cols[3].strip() else 2
        if t and cat and action and sev:
            entries.append(_make_entry(t, d, path, n, category=cat, action=action, severity=sev))
    return {}, entries


_INVALID = object()  # a node whose value could not be built (the problem is already reported)


def _node_value(node: yaml.Node, probs: _Problems) -> Any:
    """The Python value of a node; on failure reports it (with its line) and returns ``_INVALID``."""
    try:
        return safe_yaml.construct(node)
    except safe_yaml.YamlProblem as exc:
        probs.error(exc.line or node.start_mark.line + 1, exc.message)
        return _INVALID


def _parse_yaml(text: str, path: str, probs: _Problems) -> tuple[dict[str, Any], list[Entry]]:
    try:
        root = safe_yaml.compose(text)
    except safe_yaml.YamlProblem as exc:
        probs.error(exc.line, exc.message)
        return {}, []
    if root is None:
        probs.error(None, "empty YAML lexicon (expected a mapping with 'entries')")
        return {}, []
    if not isinstance(root, yaml.MappingNode):
        probs.error(root.start_mark.line + 1, "a YAML lexicon must be a mapping with a header and 'entries'")
        return {}, []
    nodes: dict[str, yaml.Node] = {}
    for k, v in root.value:
        if not isinstance(k, yaml.ScalarNode):
            probs.error(k.start_mark.line + 1, "a header field name must be a plain word")
            continue
        key = k.value
        if key in nodes:
            probs.error(k.start_mark.line + 1, f"duplicate header key {_show(key)}")
        if key not in _HEADER_KEYS:
            probs.error(k.start_mark.line + 1, f"unknown header field {_show(key)}")
            continue
        nodes[key] = v

    def hl(k: str) -> int | None:
        return nodes[k].start_mark.line + 1 if k in nodes else None

    header: dict[str, Any] = {}
    for k, v in nodes.items():
        if k in ("entries", "allow"):
            continue
        value = _node_value(v, probs)
        if value is _INVALID:
            continue
        if k in _TEXT_HEADER_KEYS:
            value = _check_text(value, hl(k), probs, k)
            if value is None:
                continue
        elif value is None:
            probs.error(hl(k), f"header field {k!r} has no value")
            continue
        header[k] = value
    stem = Path(path).stem.lower().replace("-", "_")
    d = _Defaults(category="custom", lexicon=str(header.get("lexicon") or stem))
    if "category" in header:
        d.category = _check_category(header["category"], hl("category"), probs) or d.category
    elif "category" not in nodes and _CATEGORY_RE.match(stem):
        d.category = stem
    if "action" in header:
        d.action = _check_action(header["action"], hl("action"), probs) or d.action
    if "severity" in header:
        d.severity = _check_severity(header["severity"], hl("severity"), probs) or d.severity
    if "clause" in header:
        d.clause = header["clause"]
    if "boundary" in header:
        d.boundary = _check_choice(header["boundary"], hl("boundary"), probs, "boundary", BOUNDARY_MODES) or "auto"
    if "scope" in header:
        d.scope = _check_choice(header["scope"], hl("scope"), probs, "scope", SCOPES) or "content"
    if "techniques" in header:
        techs = _check_techniques(header["techniques"], hl("techniques"), probs)
        if techs is not None:
            d.techniques = techs
    if "context" in header:
        d.context = _check_context(header["context"], hl("context"), probs, in_header=True)
    entries: list[Entry] = []
    for section in ("entries", "allow"):
        if section not in nodes:
            continue
        seq = nodes[section]
        if isinstance(seq, yaml.ScalarNode) and seq.tag == "tag:yaml.org,2002:null":
            continue
        if not isinstance(seq, yaml.SequenceNode):
            probs.error(seq.start_mark.line + 1, f"'{section}' must be a list")
            continue
        for item in seq.value:
            line = item.start_mark.line + 1
            if section == "allow":
                value = _node_value(item, probs)
                t = _check_term(value, line, probs, "allow phrase") if value is not _INVALID else None
                if t:
                    entries.append(_make_entry(t, d, path, line, action="allow", techniques=frozenset(),
                                               context=None, boundary="none"))
                continue
            if isinstance(item, yaml.ScalarNode):
                value = _node_value(item, probs)
                t = _check_term(value, line, probs) if value is not _INVALID else None
                if t:
                    entries.append(_make_entry(t, d, path, line))
                continue
            if not isinstance(item, yaml.MappingNode):
                probs.error(line, "an entry must be a term string or a mapping with 'term'")
                continue
            _check_duplicate_keys(item, probs)
            value = _node_value(item, probs)
            if value is _INVALID:
                continue
            e = _parse_yaml_entry(value or {}, d, path, line, probs)
            if e:
                entries.append(e)
    if "entries" not in nodes and "allow" not in nodes:
        probs.error(None, "YAML lexicon has no 'entries' (or 'allow') list")
    return header, entries


def _check_duplicate_keys(node: yaml.MappingNode, probs: _Problems) -> None:
    """A key given twice in one entry (or in a mapping inside it) is an error: YAML keeps the last silently."""
    seen: set[str] = set()
    for k, v in node.value:
        key = getattr(k, "value", None)
        if isinstance(key, str):
            if key in seen:
                probs.error(k.start_mark.line + 1, f"duplicate key {key!r} in entry")
            seen.add(key)
        if isinstance(v, yaml.MappingNode):
            _check_duplicate_keys(v, probs)


def _parse_yaml_entry(m: dict[str, Any], d: _Defaults, path: str, line: int, probs: _Problems,
                      stored: bool = False) -> Entry | None:
    before = probs.error_count
    unknown = set(m) - _ENTRY_KEYS
    if unknown:
        probs.error(line, f"unknown entry field(s): {', '.join(sorted(_show(k) for k in unknown))}")
    if "term" not in m:
        probs.error(line, "entry has no 'term'")
        return None
    term = _check_term(m["term"], line, probs)
    kw: dict[str, Any] = {}
    if "category" in m:
        kw["category"] = _check_category(m["category"], line, probs)
    if "action" in m:
        kw["action"] = _check_action(m["action"], line, probs)
    if "severity" in m:
        kw["severity"] = _check_severity(m["severity"], line, probs)
    for key in ("note", "clause"):
        if key in m and m[key] is not None:
            kw[key] = _check_text(m[key], line, probs, key)
    if "id" in m:
        kw["term_id"] = _check_id(m["id"], line, probs)
    if "regex" in m:
        kw["regex"] = _check_regex(m["regex"], line, probs, m.get("term"), stored)
    if "boundary" in m:
        kw["boundary"] = _check_choice(m["boundary"], line, probs, "boundary", BOUNDARY_MODES)
    if "scope" in m:
        kw["scope"] = _check_choice(m["scope"], line, probs, "scope", SCOPES)
    if "techniques" in m:
        kw["techniques"] = _check_techniques(m["techniques"], line, probs)
    if "surface_actions" in m:
        kw["surface_actions"] = _check_surface_actions(m["surface_actions"], line, probs)
    if "tags" in m and m["tags"] is not None:
        kw["tags"] = _check_tags(m["tags"], line, probs)
    if "replacement" in m:
        kw["replacement"] = _check_replacement(m["replacement"], line, probs)
    if "skip" in m:
        kw["skip"] = _check_skip(m["skip"], line, probs)
    if "enabled" in m:
        kw["enabled"] = _check_enabled(m["enabled"], line, probs)
    if "context" in m:
        kw["context"] = _check_context(m["context"], line, probs, d.context)
    kw["valid_from"] = _check_date(m.get("valid_from"), line, probs, "valid_from")
    kw["valid_to"] = _check_date(m.get("valid_to"), line, probs, "valid_to")
    if kw["valid_from"] and kw["valid_to"] and kw["valid_from"] > kw["valid_to"]:
        probs.error(line, "valid_from is after valid_to")
    variants: list[Variant] = []
    raw_vars = m.get("variants") or []
    if not isinstance(raw_vars, list):
        probs.error(line, "variants must be a list")
        raw_vars = []
    for v in raw_vars:
        if isinstance(v, dict):
            bad = set(v) - _VARIANT_KEYS
            if bad:
                probs.error(line, f"unknown variant field(s): {', '.join(sorted(_show(k) for k in bad))}")
                continue
            vt = _check_variant(v.get("text"), line, probs)
            ctx = _check_context(v.get("context"), line, probs, d.context)
            tech = v.get("technique") or "variant"
            if not isinstance(tech, str) or tech not in VARIANT_TECHNIQUES:
                probs.error(line, f"variant technique must be one of {', '.join(VARIANT_TECHNIQUES)}, got {_show(tech)}")
                continue
            if vt:
                variants.append(Variant(vt, ctx, tech))
        else:
            vt = _check_variant(v, line, probs)
            if vt:
                variants.append(Variant(vt))
    kw["variants"] = tuple(variants)
    if term and kw.get("skip") and any(ch in term for ch in kw["skip"]):
        probs.error(line, f"skip {kw['skip']!r} holds a character of the term {term!r}")
    if probs.error_count > before or not term:
        return None
    return _make_entry(term, d, path, line, **kw)


def parse_entry_dict(data: Any, *, source: str = "draft", line: int | None = None, stored: bool = False
                     ) -> tuple[Entry | None, list[LexiconProblem]]:
    """Validate and build one entry from a dict (a stored entry, a draft, an API body) with the same
    rules as a YAML lexicon entry; returns ``(entry or None, problems)``. ``stored``: the entry belongs to
    a published version, so a regex RE2 cannot run (published by an earlier release) is only a warning;
    the matcher disables that entry."""
    probs = _Problems(source)
    if not isinstance(data, dict):
        probs.error(line, f"an entry must be a mapping with 'term' and 'category', got {type(data).__name__}")
        return None, probs.items
    if "category" not in data:
        probs.error(line, "entry has no 'category'")
        return None, probs.items
    defaults = _Defaults(category=str(data.get("category")), lexicon=str(data.get("category")))
    entry = _parse_yaml_entry(dict(data), defaults, source, line or 0, probs, stored)
    return entry, probs.items


def parse_lexicon_text(text: str, path: str, fmt: str | None = None) -> tuple[Lexicon, list[LexiconProblem]]:
    """Parse lexicon source text; returns the lexicon and all problems (errors and warnings).

    ``fmt`` is ``plain``, ``tsv`` or ``yaml``; by default it follows the file suffix.
    """
    probs = _Problems(path)
    suffix = Path(path).suffix.lower()
    fmt = fmt or {".yaml": "yaml", ".yml": "yaml", ".tsv": "tsv"}.get(suffix, "plain")
    if fmt == "yaml":
        header, entries = _parse_yaml(text, path, probs)
    elif fmt == "tsv":
        header, entries = _parse_tsv(text, path, probs)
    else:
        header, entries = _parse_plain(text, path, probs)
    _check_duplicates(entries, probs)
    from .normalize import dense_key

    for e in entries:
        if not e.regex and e.action != "allow" and len(dense_key(e.term)) < 2:
            ln = e.source.rsplit(":", 1)[-1]
            probs.warn(int(ln) if ln.isdigit() else None,
                       f"term {e.term!r} normalises to a single character and will match very broadly")
    lex = Lexicon(
        name=str(header.get("lexicon") or Path(path).stem),
        path=path,
        sha256=hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest(),
        entries=tuple(entries),
        category=str(header.get("category") or ""),
        action=str(header.get("action") or "review"),
        clause=str(header.get("clause") or ""),
        source=str(header.get("source") or ""),
        licence=str(header.get("licence") or header.get("license") or ""),
        scope=str(header.get("scope") or "content"),
        meta=header,
    )
    return lex, probs.items


def _check_duplicates(entries: Iterable[Entry], probs: _Problems) -> None:
    seen: dict[tuple[str, str], Entry] = {}
    for e in entries:
        key = (e.category, e.term)
        prev = seen.get(key)
        if prev is None:
            seen[key] = e
            continue
        line = int(e.source.rsplit(":", 1)[1]) if ":" in e.source and e.source.rsplit(":", 1)[1].isdigit() else None
        if prev.action != e.action or prev.severity != e.severity:
            probs.error(line, f"conflicting duplicate of {e.term!r} (first at {prev.source}: "
                              f"{prev.action}/{prev.severity}, here {e.action}/{e.severity})")
        else:
            probs.warn(line, f"duplicate term {e.term!r} (first at {prev.source})")


def read_lexicon_text(path: str) -> str:
    """The text of a lexicon file (UTF-8, BOM dropped); raises :class:`LexiconError` with the line
    of the first invalid byte."""
    try:
        raw = Path(path).read_bytes()
    except OSError as exc:
        raise LexiconError([LexiconProblem(path, None, f"cannot read file: {exc.strerror or exc}")]) from None
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise LexiconError([LexiconProblem(path, line, "file is not valid UTF-8")]) from None


def lint_lexicon(path: str) -> list[LexiconProblem]:
    """All problems in a lexicon file (empty list when it is clean)."""
    try:
        text = read_lexicon_text(path)
    except LexiconError as exc:
        return exc.problems
    return parse_lexicon_text(text, path)[1]


def load_lexicon(path: str) -> Lexicon:
    """Load one lexicon file; raises :class:`LexiconError` listing every error."""
    lex, problems = parse_lexicon_text(read_lexicon_text(path), path)
    errors = [p for p in problems if p.severity == "error"]
    if errors:
        raise LexiconError(errors)
    return lex


def load_lexicons(paths: Iterable[str]) -> list[Lexicon]:
    """Load several files; collects the errors of all of them before raising."""
    out: list[Lexicon] = []
    problems: list[LexiconProblem] = []
    for p in paths:
        try:
            out.append(load_lexicon(p))
        except LexiconError as exc:
            problems.extend(exc.problems)
    if problems:
        raise LexiconError(problems)
    return out
