"""The compiled-matcher artefact: a published lexicon version compiled once, stored, and loaded by every
replica instead of compiling it again (:meth:`plugin.store.LexiconStore.load_or_build_matcher`).

This codec is the simple one: the compiled :class:`plugin.matcher.Matcher` pickled as it is (automata
included), with the process-wide parts put back on load rather than copied (thread locks are made anew,
the word-boundary segmenter is the process's shared one). :data:`ARTEFACT_FORMAT` names the codec and
the package version: an artefact of another format is never loaded (the store compiles instead).

An artefact is read only from the service's own database or artefact directory, written by the service
itself: it is trusted like the lexicon it was compiled from (pickle runs code on load; never load an
artefact from elsewhere).
"""

from __future__ import annotations

import copyreg
import io
import pickle
import sys
import threading
from importlib import metadata
from typing import Any

from plugin.boundary import WordBoundary
from plugin.matcher import Matcher

__all__ = ["ARTEFACT_FORMAT", "dump_matcher", "load_matcher"]


def _package_version() -> str:
    try:
        return metadata.version("qinglang-guard")
    except metadata.PackageNotFoundError:  # a checkout that was never installed
        return "0"


#: Names the codec, the package version and the Python version (pickle ties the bytes to the classes).
ARTEFACT_FORMAT = (f"pickle-matcher-1/qinglang-guard-{_package_version()}"
                   f"/py{sys.version_info.major}.{sys.version_info.minor}")

_LOCK_TYPES = {type(threading.Lock()): threading.Lock, type(threading.RLock()): threading.RLock}


def _remake(make: Any) -> Any:
    """A reducer that pickles a lock as "make a new one" (a lock's state is never worth keeping)."""
    def reduce(_lock: Any) -> tuple[Any, tuple[()]]:
        return make, ()
    return reduce


def _shared_boundary() -> WordBoundary:
    return WordBoundary.shared()


def _reduce_boundary(_: WordBoundary) -> tuple[Any, tuple[()]]:
    return _shared_boundary, ()


def dump_matcher(matcher: Matcher) -> bytes:
    """The artefact bytes of a compiled matcher."""
    table = copyreg.dispatch_table.copy()
    for lock_type, make in _LOCK_TYPES.items():
        table[lock_type] = _remake(make)
    table[WordBoundary] = _reduce_boundary
    buf = io.BytesIO()
    pickler = pickle.Pickler(buf, protocol=pickle.HIGHEST_PROTOCOL)
    pickler.dispatch_table = table
    pickler.dump(matcher)
    return buf.getvalue()


def load_matcher(data: bytes) -> Matcher:
    """The compiled matcher an artefact holds (``ValueError`` when the bytes are not one)."""
    try:
        matcher = pickle.loads(data)
    except Exception as exc:  # truncated, or written by other classes
        raise ValueError(f"not a matcher artefact: {type(exc).__name__}: {exc}") from None
    if not isinstance(matcher, Matcher):
        raise ValueError(f"not a matcher artefact: holds a {type(matcher).__name__}")
    return matcher
