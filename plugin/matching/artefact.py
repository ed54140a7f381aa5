"""The compiled-matcher artefact: a lexicon version compiled once, stored, and loaded by every
replica instead of compiling it again.

Layout (all integers big-endian)::

    b"QLMATCH\\n"  magic
    u32 + JSON    header: format, matcher version, counts, SHA-256 of the payload
    payload       marshal of plain values (str, int, bytes, lists, tuples, dicts): no code runs on load

The payload is columnar: one list (or one dictionary-coded column) per :class:`~plugin.lexicon.Entry`
field instead of pickled dataclasses; the automaton as the node buffers pyahocorasick reduces it to;
pattern rows as ``array`` bytes; the pinyin pass's initials index; the deployment's noise set and
the matchers of entries with skip characters of their own (each stored the same way). What is cheap
and safe to derive (context gates, RE2 objects of pattern entries, the Latin-repeat keys) is derived
again on load.

:data:`ARTEFACT_FORMAT` names the codec and a hash of everything the bytes depend on (this
package's matcher sources and version, the process-wide character tables, the pyahocorasick and
Python versions): an artefact of another format, a truncated or altered one (checksum), or bytes
that are not an artefact at all raise :class:`~plugin.errors.ArtefactError` (a ``ValueError``) and
nothing is half-loaded. The header's format must equal this build's, so a replica running other
code or other tables compiles instead of loading a matcher built for different keys.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import marshal
import struct
import sys
from array import array
from functools import lru_cache
from importlib import metadata
from operator import itemgetter
from pathlib import Path
from typing import Any

import ahocorasick

from ..chardata import variant_path
from ..errors import ArtefactError
from ..lexicon import ContextRule, Entry, Variant
from ..matcher import Matcher
from ..snapshot import paused_gc, tables_id
from ..variants import load_variant_tables
from .compile import CompiledLexicon, compile_regexes, context_gate
from .model import ContextGate, PatternTexts, Technique
from .native_build import slotted_rows
from .noise import NoiseSet
from .slang import SLANG_TABLE_NAME

__all__ = ["ARTEFACT_FORMAT", "dump_matcher", "load_matcher"]

_MAGIC = b"QLMATCH\n"
_CODEC = "qinglang-matcher-columnar/1"
#: Modules whose code decides what the artefact's structures mean.
_SOURCES = ("matcher.py", "lexicon.py", "matching/compile.py", "matching/dense.py", "matching/split.py",
            "matching/pinyin.py", "matching/filters.py", "matching/model.py", "matching/artefact.py",
            "matching/latin_repeat.py", "matching/noise.py", "matching/numeral_digits.py",
            "matching/polyphony.py", "matching/slang.py", "matching/native.py", "matching/cloops.c",
            "matching/native_build.py", "matching/cbuild.c", "matching/crc16be.h")
_MAX_HEADER = 1 << 16


@lru_cache(maxsize=1)
def _format() -> str:
    h = hashlib.sha256()
    h.update(f"{tables_id()} py{sys.version_info[:2]} marshal{marshal.version}\n".encode())
    try:
        h.update(f"pyahocorasick {metadata.version('pyahocorasick')}\n".encode())
    except metadata.PackageNotFoundError:
        h.update(b"pyahocorasick -\n")
    plugin_dir = Path(__file__).resolve().parents[1]
    for name in _SOURCES:
        h.update(name.encode() + b"\n" + (plugin_dir / name).read_bytes())
    h.update(Path(variant_path(SLANG_TABLE_NAME)).read_bytes())  # compiled into the keys
    return f"{_CODEC}/{h.hexdigest()[:16]}"


#: Names the codec and a hash of what the artefact bytes depend on (code, tables, library versions).
ARTEFACT_FORMAT: str = _format()

# Entry fields in order (Entry is built positionally from them).
_FIELDS = Entry.__slots__
_TECHNIQUES = {t.value: t for t in Technique}


def dump_matcher(matcher: Matcher) -> bytes:
    """The artefact bytes of a compiled matcher (see the module docstring for the layout)."""
    c = matcher.compiled
    body = marshal.dumps(_payload(matcher))
    header = json.dumps({
        "format": ARTEFACT_FORMAT,
        "version": matcher.version,
        "entries": len(c.entries),
        "patterns": len(c.pat_dense),
        "sha256": hashlib.sha256(body).hexdigest(),
        "created": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
    }, ensure_ascii=True).encode("ascii")
    return _MAGIC + struct.pack(">I", len(header)) + header + body


def _payload(matcher: Matcher) -> dict[str, Any]:
    """One matcher's plain values (its skip matchers' nested)."""
    c = matcher.compiled
    automaton_args = c.automaton.__reduce__()[1] if c.automaton is not None else None
    term_rows = _term_rows(c)
    return {
        "entries": _entry_columns(c.entries),
        "class_table": "".join(ch or "\x00" for ch in c.class_table),
        "pat_entry": _array_bytes(c.pat_entry, "i"),
        "pat_kind": c.pat_kind,
        "pat_term": term_rows,
        "pat_dense": "\x00".join(d for d, same in zip(c.pat_dense, term_rows) if not same),
        "pat_homophone": c.pat_homophone,
        "pat_reading": c.pat_reading,
        "shape_groups": c.shape_groups,
        "variant_of": [(pid, str(tech), _gate_tuple(gate)) for pid, (tech, gate) in c.variant_of.items()],
        "groups": c.groups,
        "automaton": automaton_args,
        "min_len": c.min_len,
        "shift": c.shift,
        "forms": [(text, str(tech)) for text, tech in c.forms],
        "split_reach": c.split_reach,
        "pinyin_entries": c.pinyin_entries,
        "initials_crc": _array_bytes(c.initials_crc, "I"),
        "initials_entry": _array_bytes(c.initials_entry, "i"),
        "reading_rows": _array_bytes(c.reading_rows, "Q"),
        "reading_prefixes": _array_bytes(c.reading_prefixes, "I"),
        "noise": (matcher.noise.skip, matcher.noise.keep),
        "skippers": [(sub.version, _payload(sub)) for sub in matcher.skippers],
    }


def load_matcher(data: bytes) -> Matcher:
    """The compiled matcher an artefact holds; :class:`~plugin.errors.ArtefactError` (a
    ``ValueError``) when the bytes are not an artefact of :data:`ARTEFACT_FORMAT` or are damaged."""
    header, body = _split(data)
    try:
        with paused_gc():
            payload = marshal.loads(body)
            return _restore(header, payload)
    except ArtefactError:
        raise
    except Exception as exc:  # a checksummed payload that still does not fit: written by other code
        raise ArtefactError(f"matcher artefact does not restore: {type(exc).__name__}: {exc}") from None


# ---------------------------------------------------------------------------------------- reading


def _split(data: bytes) -> tuple[dict[str, Any], bytes]:
    """(header, payload) after checking magic, header, format and checksum."""
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise ArtefactError(f"matcher artefact must be bytes, got {type(data).__name__}")
    data = bytes(data)
    if not data.startswith(_MAGIC):
        raise ArtefactError("not a matcher artefact (no QLMATCH magic)")
    if len(data) < len(_MAGIC) + 4:
        raise ArtefactError("matcher artefact truncated (no header)")
    (size,) = struct.unpack_from(">I", data, len(_MAGIC))
    start = len(_MAGIC) + 4
    if size > _MAX_HEADER or start + size > len(data):
        raise ArtefactError("matcher artefact truncated or damaged (header length)")
    try:
        header = json.loads(data[start:start + size].decode("ascii"))
    except (UnicodeDecodeError, ValueError):
        raise ArtefactError("matcher artefact damaged (header is not JSON)") from None
    if not isinstance(header, dict):
        raise ArtefactError("matcher artefact damaged (header is not an object)")
    fmt = header.get("format")
    if fmt != ARTEFACT_FORMAT:
        raise ArtefactError(f"matcher artefact of format {fmt!r}; this build reads {ARTEFACT_FORMAT!r} "
                            "(other code, tables or library versions): compile the lexicon instead")
    body = data[start + size:]
    if hashlib.sha256(body).hexdigest() != header.get("sha256"):
        raise ArtefactError("matcher artefact damaged or truncated (checksum mismatch)")
    return header, body


def _restore(header: dict[str, Any], p: dict[str, Any]) -> Matcher:
    tables = load_variant_tables()
    compiled = _compiled(p, tables.class_table)
    if len(compiled.entries) != header.get("entries") or len(compiled.pat_dense) != header.get("patterns"):
        raise ArtefactError("matcher artefact damaged (entry or pattern count)")
    return _matcher(str(header.get("version", "")), p, compiled, tables.class_table)


def _matcher(version: str, p: dict[str, Any], compiled: CompiledLexicon, base_classes: list[str | None]) -> Matcher:
    skippers = [_matcher(str(v), sp, _compiled(sp, base_classes), base_classes) for v, sp in p["skippers"]]
    skip, keep = p["noise"]
    return Matcher.from_compiled(compiled, version=version, noise=NoiseSet(skip, keep), skippers=skippers)


def _class_table(stored: str, base: list[str | None]) -> list[str | None]:
    """The compiled class table: this process's table, with the digits written as numerals where the
    stored one does (:func:`~plugin.matching.numeral_digits.digit_class_table`); anything else that
    differs means other classes."""
    table = base
    if any(stored[ord(d)] != base[ord(d)] for d in "0123456789"):
        table = list(base)
        for d in "0123456789":
            table[ord(d)] = stored[ord(d)]
    if stored != "".join(ch or "\x00" for ch in table):
        raise ArtefactError("matcher artefact built with other homophone classes: compile the lexicon instead")
    return table


def _compiled(p: dict[str, Any], base_classes: list[str | None]) -> CompiledLexicon:
    class_table = _class_table(p["class_table"], base_classes)
    entries = _entries(p["entries"])
    pat_entry = _array(p["pat_entry"], "i")
    pat_kind: bytes = p["pat_kind"]
    pat_term: bytes = p["pat_term"]
    n = len(pat_kind)
    if not len(pat_entry) == len(pat_term) == len(p["pat_homophone"]) == n:
        raise ArtefactError("matcher artefact damaged (pattern rows)")
    own = iter(p["pat_dense"].split("\x00")) if p["pat_dense"] else iter(())
    pat_dense = [entries[pat_entry[i]].term if pat_term[i] else next(own) for i in range(n)]
    variant_of = {pid: (_TECHNIQUES[tech], _gate(gate)) for pid, tech, gate in p["variant_of"]}
    args = p["automaton"]
    automaton = ahocorasick.Automaton(*args) if args is not None else None
    regexes, disabled = compile_regexes(entries)
    gates = tuple(context_gate(e.context) if e.context else None for e in entries)
    return CompiledLexicon(
        entries, class_table, pat_entry, pat_kind, PatternTexts(pat_dense), p["pat_homophone"], dict(p["shape_groups"]), variant_of,
        [tuple(g) for g in p["groups"]], automaton, gates, dict(p["min_len"]), tuple(regexes), int(p["shift"]),
        tuple((text, _TECHNIQUES[tech]) for text, tech in p["forms"]), int(p["split_reach"]),
        bytes(p["pinyin_entries"]), _array(p["initials_crc"], "I"), _array(p["initials_entry"], "i"),
        tuple(disabled), pat_reading=dict(p["pat_reading"]), reading_rows=_array(p["reading_rows"], "Q"),
        reading_prefixes=_array(p["reading_prefixes"], "I"))


# ---------------------------------------------------------------------------------------- columns


def _array_bytes(a: "array[int]", typecode: str) -> bytes:
    if a.typecode != typecode:
        a = array(typecode, a)
    return a.tobytes()


def _array(data: bytes, typecode: str) -> "array[int]":
    a = array(typecode)
    a.frombytes(data)
    return a


def _term_rows(c: CompiledLexicon) -> bytes:
    """1 where a pattern's dense text is its entry's term (restored from the entry, not stored)."""
    entries = c.entries
    n = len(entries)  # (a FORM row's ``pat_entry`` indexes ``forms``: it may be past the entries)
    return bytes(1 if e < n and d == entries[e].term else 0 for d, e in zip(c.pat_dense, c.pat_entry))


def _rule_tuple(rule: ContextRule | None) -> tuple[tuple[str, ...], tuple[str, ...], int] | None:
    return None if rule is None else (tuple(rule.requires_any), tuple(rule.excludes_any), rule.within)


def _rule(t: Any) -> ContextRule | None:
    return None if t is None else ContextRule(tuple(t[0]), tuple(t[1]), int(t[2]))


def _gate_tuple(gate: ContextGate | None) -> tuple[tuple[str, ...], tuple[str, ...], int] | None:
    return None if gate is None else (tuple(gate.requires), tuple(gate.excludes), gate.within)


def _gate(t: Any) -> ContextGate | None:
    return None if t is None else ContextGate(tuple(t[0]), tuple(t[1]), int(t[2]))


def _encode_field(name: str, e: Entry) -> Any:
    v = getattr(e, name)
    if name == "variants":
        return tuple((x.text, _rule_tuple(x.context), x.technique) for x in v)
    if name == "context":
        return _rule_tuple(v)
    if name in ("valid_from", "valid_to"):
        return None if v is None else v.toordinal()
    if name == "techniques":
        return tuple(sorted(v))
    if name == "term_id":
        return None if v == f"{e.category}:{e.term}" else v  # the usual id is not stored
    return v


def _column(values: list[Any]) -> tuple[str, Any, bytes]:
    """A column: ``("d", distinct values, indexes)`` when values repeat, else ``("l", values, b"")``."""
    distinct: dict[Any, int] = {}
    idx = array("I", [distinct.setdefault(v, len(distinct)) for v in values])
    if len(distinct) * 2 <= len(values):
        return "d", list(distinct), idx.tobytes()
    return "l", values, b""


def _entry_columns(entries: tuple[Entry, ...]) -> dict[str, tuple[str, Any, bytes]]:
    return {name: _column([_encode_field(name, e) for e in entries]) for name in _FIELDS}


def _decode_column(col: Any, n: int, fn: Any = None) -> Any:
    """A column's ``n`` values (``fn`` applied to each distinct value)."""
    kind, values, idx = col
    if fn is not None:
        values = [fn(v) for v in values]
    if kind == "l":
        if len(values) != n:
            raise ArtefactError("matcher artefact damaged (column length)")
        return values
    indexes = _array(idx, "I")
    if len(indexes) != n:
        raise ArtefactError("matcher artefact damaged (column length)")
    if n <= 1:
        return [values[i] for i in indexes]
    if len(values) == 1 and indexes.count(0) == n:
        return (values[0],) * n  # (one value for every entry: category, action ... of a generated lexicon)
    return itemgetter(*indexes)(values)


def _variants(v: Any) -> tuple[Variant, ...]:
    return tuple(Variant(t, _rule(r), tech) for t, r, tech in v) if v else ()


def _date(o: Any) -> dt.date | None:
    return None if o is None else dt.date.fromordinal(o)


def _pairs(v: Any) -> tuple[tuple[str, str], ...]:
    return tuple((a, b) for a, b in v)


#: Fields stored in another shape than the Entry holds them: how to read them back.
_READ_BACK: dict[str, Any] = {"variants": _variants, "context": _rule, "valid_from": _date, "valid_to": _date,
                              "techniques": frozenset, "surface_actions": _pairs}


def _entries(cols: dict[str, Any]) -> tuple[Entry, ...]:
    if set(cols) != set(_FIELDS):
        raise ArtefactError("matcher artefact holds other entry fields: compile the lexicon instead")
    n = len(cols["term"][1]) if cols["term"][0] == "l" else len(cols["term"][2]) // 4
    decoded: dict[str, Any] = {name: _decode_column(cols[name], n, _READ_BACK.get(name)) for name in _FIELDS}
    ids = decoded["term_id"]
    if None in ids:
        decoded["term_id"] = [f"{c}:{t}" if i is None else i
                              for i, c, t in zip(ids, decoded["category"], decoded["term"])]
    return tuple(slotted_rows(Entry, tuple(decoded[name] for name in _FIELDS)))  # Entry(*row) for each row
