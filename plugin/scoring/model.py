"""The spam-scorer model file: weights in an ``.npz`` beside a JSON model card.

``<name>.npz`` holds exactly two arrays, ``weights`` (float16, one row per hash bucket, one column per
category) and ``bias`` (float32, one per category); it is a plain zip of ``.npy`` files written with
fixed timestamps, so the same weights give the same bytes. ``<name>.json`` is the card: format, name,
creation date, categories, thresholds per surface and category, feature settings, training data and
their licences, metrics, intended use, and ``content_sha256``, a hash over the weights, the bias, the
categories and the feature settings (the model's identity; the card's date and metrics are not in it).

Loading is defensive: file sizes are bounded before anything is read, the zip members and their
uncompressed sizes are checked before decompression, arrays are read with ``allow_pickle=False``,
shapes / dtypes / finiteness are checked, every card field is validated, and the content hash must
match. Any problem raises :class:`~plugin.errors.ModelError`.
"""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

import numpy as np
import numpy.typing as npt

from .. import fixed_regex
from ..errors import ModelError
from .features import FeatureSettings

__all__ = [
    "FORMAT",
    "MAX_CARD_BYTES",
    "MAX_WEIGHTS_BYTES",
    "LinearModel",
    "ModelCard",
    "card_path_for",
    "content_hash",
    "load_model",
    "load_model_bytes",
    "model_bytes",
    "save_model",
]

#: The card's ``format`` value this version reads and writes.
FORMAT = "qinglang-spam-model/1"
#: Largest card file read (bytes).
MAX_CARD_BYTES = 1 << 20
#: Largest weights file read (bytes, compressed) and largest uncompressed array.
MAX_WEIGHTS_BYTES = 64 << 20
_MAX_ARRAY_BYTES = 160 << 20
_MAX_CATEGORIES = 16
_MEMBERS = {"weights.npy", "bias.npy"}
_NAME = fixed_regex.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
_CATEGORY = fixed_regex.compile(r"^[a-z][a-z0-9_]{0,39}$")
_DIGEST = fixed_regex.compile(r"[0-9a-f]{64}")
_DATE = fixed_regex.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")
_CARD_KEYS = {
    "format", "name", "created", "categories", "surfaces", "thresholds", "target_false_flag_rate", "features",
    "weights_file", "content_sha256", "intended_use", "licence", "training", "metrics",
}
_REQUIRED = {"format", "name", "created", "categories", "thresholds", "features", "weights_file", "content_sha256"}


@dataclass(frozen=True, slots=True)
class ModelCard:
    """What a model is, how it was made and how it should be used.

    ``thresholds[surface][category]`` is the score (0–1) at or above which a text shown on that
    surface is flagged for that category. ``training`` and ``metrics`` are free-form JSON objects
    (data sources with their licences, algorithm, split; figures on the validation split).
    """

    name: str
    created: str
    categories: tuple[str, ...]
    thresholds: Mapping[str, Mapping[str, float]]
    features: FeatureSettings
    weights_file: str
    content_sha256: str = ""
    target_false_flag_rate: Mapping[str, float] = field(default_factory=dict)
    intended_use: str = ""
    licence: str = ""
    training: Mapping[str, Any] = field(default_factory=dict)
    metrics: Mapping[str, Any] = field(default_factory=dict)

    @property
    def surfaces(self) -> tuple[str, ...]:
        """Surfaces the model has thresholds for."""
        return tuple(self.thresholds)

    @property
    def version(self) -> str:
        """Short identity of the weights: ``<name>@<first 12 hex digits of content_sha256>``."""
        return f"{self.name}@{self.content_sha256[:12]}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "name": self.name,
            "created": self.created,
            "categories": list(self.categories),
            "surfaces": list(self.surfaces),
            "thresholds": {s: dict(t) for s, t in self.thresholds.items()},
            "target_false_flag_rate": dict(self.target_false_flag_rate),
            "features": self.features.to_dict(),
            "weights_file": self.weights_file,
            "content_sha256": self.content_sha256,
            "intended_use": self.intended_use,
            "licence": self.licence,
            "training": dict(self.training),
            "metrics": dict(self.metrics),
        }

    @classmethod
    def from_dict(cls, data: Any) -> "ModelCard":
        """A card from its JSON object; :class:`ModelError` listing what is wrong."""
        if not isinstance(data, dict):
            raise ModelError("model card: expected a JSON object")
        unknown = set(data) - _CARD_KEYS
        missing = _REQUIRED - set(data)
        if unknown or missing:
            raise ModelError(f"model card: unknown keys {sorted(unknown)}, missing keys {sorted(missing)}")
        if data["format"] != FORMAT:
            raise ModelError(f"model card: format {data['format']!r} is not {FORMAT!r}")
        name = _text(data, "name", 64)
        if not _NAME.match(name):
            raise ModelError("model card: 'name' must be letters, digits, '_', '.', '-'")
        created = _text(data, "created", 10)
        if not _DATE.match(created):
            raise ModelError("model card: 'created' must be YYYY-MM-DD")
        categories = data["categories"]
        if (not isinstance(categories, list) or not 1 <= len(categories) <= _MAX_CATEGORIES
                or not all(isinstance(c, str) and _CATEGORY.match(c) for c in categories)
                or len(set(categories)) != len(categories)):
            raise ModelError(f"model card: 'categories' must list 1 to {_MAX_CATEGORIES} distinct category ids")
        thresholds = _thresholds(data["thresholds"], categories)
        if "surfaces" in data and data["surfaces"] != list(thresholds):
            raise ModelError("model card: 'surfaces' must list the surfaces of 'thresholds' in order")
        targets = data.get("target_false_flag_rate", {})
        if not isinstance(targets, dict) or not all(
                isinstance(k, str) and _is_rate(v) for k, v in targets.items()):
            raise ModelError("model card: 'target_false_flag_rate' must map surfaces to rates in [0, 1]")
        try:
            features = FeatureSettings.from_dict(data["features"])
        except ValueError as exc:
            raise ModelError(f"model card: {exc}") from None
        weights_file = _text(data, "weights_file", 64)
        if not _NAME.match(weights_file) or not weights_file.endswith(".npz"):
            raise ModelError("model card: 'weights_file' must be a plain file name ending in .npz")
        digest = _text(data, "content_sha256", 64)
        if not _DIGEST.fullmatch(digest):
            raise ModelError("model card: 'content_sha256' must be 64 hex digits")
        for key in ("training", "metrics"):
            if not isinstance(data.get(key, {}), dict):
                raise ModelError(f"model card: '{key}' must be a JSON object")
        return cls(
            name=name, created=created, categories=tuple(categories), thresholds=thresholds, features=features,
            weights_file=weights_file, content_sha256=digest, target_false_flag_rate=dict(targets),
            intended_use=_text(data, "intended_use", 4000, required=False),
            licence=_text(data, "licence", 4000, required=False),
            training=data.get("training", {}), metrics=data.get("metrics", {}),
        )


def _text(data: dict[str, Any], key: str, limit: int, *, required: bool = True) -> str:
    value = data.get(key, None if required else "")
    if not isinstance(value, str) or len(value) > limit:
        raise ModelError(f"model card: '{key}' must be a string of at most {limit} characters")
    return value


def _is_rate(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and 0.0 <= value <= 1.0


def _thresholds(data: Any, categories: list[str]) -> dict[str, dict[str, float]]:
    if not isinstance(data, dict) or not data or len(data) > 16:
        raise ModelError("model card: 'thresholds' must map 1 to 16 surfaces to per-category thresholds")
    out: dict[str, dict[str, float]] = {}
    for surface, table in data.items():
        if not isinstance(surface, str) or not _CATEGORY.match(surface):
            raise ModelError(f"model card: bad surface name {surface!r}")
        if not isinstance(table, dict) or set(table) != set(categories):
            raise ModelError(f"model card: thresholds for {surface!r} must give every category exactly once")
        if not all(_is_rate(v) for v in table.values()):
            raise ModelError(f"model card: thresholds for {surface!r} must be numbers in [0, 1]")
        out[surface] = {c: float(table[c]) for c in categories}
    return out


@dataclass(frozen=True, slots=True, eq=False)
class LinearModel:
    """A loaded (or freshly trained) model: the card and its arrays."""

    card: ModelCard
    weights: npt.NDArray[np.float16]
    bias: npt.NDArray[np.float32]

    def __post_init__(self) -> None:
        _check_arrays(self.weights, self.bias, self.card)


def _check_arrays(weights: Any, bias: Any, card: ModelCard) -> None:
    k = len(card.categories)
    if not isinstance(weights, np.ndarray) or weights.dtype != np.float16 or weights.shape != (
            card.features.n_features, k):
        raise ModelError(f"model weights must be float16 of shape ({card.features.n_features}, {k})")
    if not isinstance(bias, np.ndarray) or bias.dtype != np.float32 or bias.shape != (k,):
        raise ModelError(f"model bias must be float32 of shape ({k},)")
    if not (np.isfinite(weights).all() and np.isfinite(bias).all()):
        raise ModelError("model weights and bias must be finite")


def content_hash(weights: npt.NDArray[np.float16], bias: npt.NDArray[np.float32], categories: tuple[str, ...],
                 features: FeatureSettings) -> str:
    """sha256 over the categories, the feature settings and the little-endian array bytes."""
    h = hashlib.sha256()
    h.update(json.dumps({"categories": list(categories), "features": features.to_dict()}, sort_keys=True).encode())
    for arr in (weights, bias):
        le = np.ascontiguousarray(arr, dtype=arr.dtype.newbyteorder("<"))
        h.update(f"{le.dtype.str}{le.shape}".encode())
        h.update(le.tobytes())
    return h.hexdigest()


def card_path_for(path: str | Path) -> Path:
    """The card of a model given by its card (``.json``) or weights (``.npz``) path."""
    p = Path(path)
    return p.with_suffix(".json") if p.suffix == ".npz" else p


def _npz_bytes(arrays: dict[str, np.ndarray]) -> bytes:
    """A deterministic ``.npz``: members in name order with a fixed timestamp, deflated."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name in sorted(arrays):
            member = io.BytesIO()
            np.lib.format.write_array(member, np.ascontiguousarray(arrays[name]), allow_pickle=False)
            info = zipfile.ZipInfo(f"{name}.npy", date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            zf.writestr(info, member.getvalue(), compresslevel=9)
    return buf.getvalue()


def save_model(model: LinearModel, path: str | Path) -> Path:
    """Write the card to ``path`` (``.json``) and the weights beside it (``card.weights_file``);
    returns the card path. The card's ``content_sha256`` must match the arrays."""
    card_path = card_path_for(path)
    card = model.card
    if content_hash(model.weights, model.bias, card.categories, card.features) != card.content_sha256:
        raise ModelError("the card's content_sha256 does not match the weights")
    card_path.parent.mkdir(parents=True, exist_ok=True)
    (card_path.parent / card.weights_file).write_bytes(_npz_bytes({"weights": model.weights, "bias": model.bias}))
    card_path.write_text(json.dumps(card.to_dict(), ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return card_path


def _read_bounded(path: Path, limit: int, what: str) -> bytes:
    try:
        size = path.stat().st_size
        if size > limit:
            raise ModelError(f"{path}: {what} is {size} bytes, more than the {limit} allowed")
        with open(path, "rb") as fh:
            data = fh.read(limit + 1)
    except OSError as exc:
        raise ModelError(f"{path}: cannot read the {what}: {exc.strerror or exc}") from None
    if len(data) > limit:
        raise ModelError(f"{path}: {what} is more than the {limit} bytes allowed")
    return data


def _read_arrays(path: Path, card: ModelCard) -> tuple[npt.NDArray[np.float16], npt.NDArray[np.float32]]:
    return _arrays_of(_read_bounded(path, MAX_WEIGHTS_BYTES, "weights file"), card, str(path))


def _arrays_of(raw: bytes, card: ModelCard, where: str) -> tuple[npt.NDArray[np.float16], npt.NDArray[np.float32]]:
    """The two arrays of a weights file's bytes, checked against ``card``."""
    if len(raw) > MAX_WEIGHTS_BYTES:
        raise ModelError(f"{where}: the weights file is more than the {MAX_WEIGHTS_BYTES} bytes allowed")
    try:
        with zipfile.ZipFile(io.BytesIO(raw)) as zf:
            infos = zf.infolist()
            if {i.filename for i in infos} != _MEMBERS or len(infos) != len(_MEMBERS):
                raise ModelError(f"{where}: the weights file must hold exactly {sorted(_MEMBERS)}")
            if any(i.file_size > _MAX_ARRAY_BYTES for i in infos):
                raise ModelError(f"{where}: an array is larger than {_MAX_ARRAY_BYTES} bytes")
            arrays = {}
            for info in infos:
                with zf.open(info) as member:
                    data = member.read(_MAX_ARRAY_BYTES + 1)
                arrays[info.filename] = np.lib.format.read_array(io.BytesIO(data), allow_pickle=False)
    except ModelError:
        raise
    except (zipfile.BadZipFile, ValueError, OSError, EOFError, NotImplementedError, RuntimeError, zlib.error) as exc:
        # RuntimeError: an encrypted member; zlib.error: corrupt deflated bytes
        raise ModelError(f"{where}: not a valid weights file: {exc}") from None
    weights, bias = arrays["weights.npy"], arrays["bias.npy"]
    try:
        _check_arrays(weights, bias, card)
    except ModelError as exc:
        raise ModelError(f"{where}: {exc}") from None
    return weights, bias


def load_model(path: str | Path) -> LinearModel:
    """Load and validate a model from its card (``.json``) or weights (``.npz``) path."""
    card_path = card_path_for(path)
    raw = _read_bounded(card_path, MAX_CARD_BYTES, "model card")
    card = _card_of(raw, str(card_path))
    weights, bias = _read_arrays(card_path.parent / card.weights_file, card)
    return _checked(card, weights, bias, str(card_path))


def load_model_bytes(card: bytes, weights: bytes, where: str = "model") -> LinearModel:
    """Load and validate a model from the bytes of its card and weights file (an upload, a stored version),
    with the checks of :func:`load_model`."""
    if len(card) > MAX_CARD_BYTES:
        raise ModelError(f"{where}: the model card is more than the {MAX_CARD_BYTES} bytes allowed")
    parsed = _card_of(card, where)
    return _checked(parsed, *_arrays_of(weights, parsed, where), where)


def model_bytes(model: LinearModel) -> tuple[bytes, bytes]:
    """The card (JSON) and weights-file bytes of ``model``, as :func:`save_model` writes them."""
    card = json.dumps(model.card.to_dict(), ensure_ascii=False, indent=2) + "\n"
    return card.encode("utf-8"), _npz_bytes({"weights": model.weights, "bias": model.bias})


def _card_of(raw: bytes, where: str) -> ModelCard:
    try:
        data = json.loads(raw.decode("utf-8"), parse_constant=_no_constant)
    except (UnicodeDecodeError, json.JSONDecodeError, ValueError, RecursionError) as exc:
        raise ModelError(f"{where}: the model card is not valid JSON: {exc}") from None
    try:
        return ModelCard.from_dict(data)
    except ModelError as exc:
        raise ModelError(f"{where}: {exc}") from None


def _checked(card: ModelCard, weights: npt.NDArray[np.float16], bias: npt.NDArray[np.float32],
             where: str) -> LinearModel:
    if content_hash(weights, bias, card.categories, card.features) != card.content_sha256:
        raise ModelError(f"{where}: the weights do not match the card's content_sha256")
    return LinearModel(card, weights, bias)


def _no_constant(name: str) -> float:
    raise ValueError(f"{name} is not allowed in a model card")
