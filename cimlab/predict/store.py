"""Stored predictions: a workspace keeps its fitted CLV and churn results, so pages, audiences
and scripts read them without refitting.

A prediction is stored under ``<workspace>/predictions/`` as one folder per run: ``report.json``
(the model, its parameters, fit and holdout figures, the settings it was made with) and one
Parquet file per table (``customers.parquet`` and, for CLV, the tracking and
conditional-expectation tables and the forecast). It is found again by its **key**: the kind
(``"clv"``, ``"churn"``), the fingerprint of the data it was fitted on
(:func:`data_fingerprint`: every order, feedback and interaction row, the customers, the time
zone and the currency) and its settings (as-of date, horizon, model...). Any change to the
data (an import, an undo, a new identity resolution, other exchange rates) gives another
fingerprint, so a stored result is never shown for data it was not made from: it is the
prediction of that **workspace version**.

Folders are written to a temporary name and renamed into place, so a reader never sees half a
prediction; the newest :data:`KEEP` runs of each kind are kept. Stored tables hold unified
customer ids and figures only, never names, phones or e-mails. Predictions are derived data:
they are not in backups, and deleting the folder only means they are computed again.

Examples
--------
>>> import tempfile
>>> folder = tempfile.mkdtemp()
>>> frames = {"customers": pl.DataFrame({"customer_id": ["C1"], "clv": [12.5]})}
>>> saved = save_prediction(folder, "clv", fingerprint="f1", settings={"horizon": 52},
...                         report={"model": "bgnbd"}, frames=frames)
>>> load_prediction(folder, "clv", fingerprint="f1", settings={"horizon": 52}).report["model"]
'bgnbd'
>>> load_prediction(folder, "clv", fingerprint="f2", settings={"horizon": 52}) is None
True
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import polars as pl

from cimlab.errors import WorkspaceError

if TYPE_CHECKING:
    from cimlab.analytics.facts import CustomerData

__all__ = [
    "KEEP",
    "KINDS",
    "PREDICTIONS_DIR",
    "StoredPrediction",
    "data_fingerprint",
    "frame_digest",
    "latest_prediction",
    "load_prediction",
    "prediction_key",
    "save_prediction",
]

PREDICTIONS_DIR = "predictions"
"""The folder of a workspace that holds its stored predictions."""

KINDS = ("clv", "churn")
"""What can be stored: CLV (with its forecast) and churn risk."""

KEEP = 8
"""Stored runs kept per kind (the newest)."""

_REPORT = "report.json"


@dataclass(frozen=True)
class StoredPrediction:
    """One stored prediction run.

    Attributes
    ----------
    kind
        ``"clv"`` or ``"churn"``.
    key
        The run's key (:func:`prediction_key`), also its folder name after the kind.
    fingerprint
        The :func:`data_fingerprint` of the data it was made from.
    settings
        The settings it was made with (JSON values).
    created_at
        When it was stored (UTC).
    report
        Model, parameters, fit and holdout figures (JSON values).
    frames
        Its tables by name; ``"customers"`` is one row per customer.
    """

    kind: str
    key: str
    fingerprint: str
    settings: dict[str, Any]
    created_at: dt.datetime
    report: dict[str, Any]
    frames: dict[str, pl.DataFrame] = field(default_factory=dict)

    @property
    def customers(self) -> pl.DataFrame:
        """The per-customer table (empty when there is none)."""
        return self.frames.get("customers", pl.DataFrame())


def frame_digest(frame: pl.DataFrame) -> bytes:
    """An order-independent digest of ``frame``'s rows, columns and types."""
    head = json.dumps([[name, str(dtype)] for name, dtype in frame.schema.items()])
    digest = hashlib.sha256(head.encode())
    if frame.height and frame.width:
        hashes = frame.hash_rows(seed=0).sort()
        digest.update(hashes.to_numpy().tobytes())
    return digest.digest()


def data_fingerprint(data: CustomerData) -> str:
    """A hex digest that changes whenever anything a prediction reads changes: every order,
    feedback and interaction row, the customers, the time zone and the money currency
    (row order does not matter).

    Examples
    --------
    >>> from cimlab.analytics.facts import CustomerData
    >>> orders = pl.DataFrame({"customer_id": ["C1"], "amount": [5.0]})
    >>> empty = pl.DataFrame()
    >>> a = data_fingerprint(CustomerData(empty, orders, empty, empty, currency="CNY"))
    >>> b = data_fingerprint(CustomerData(empty, orders.with_columns(amount=6.0), empty, empty,
    ...                                   currency="CNY"))
    >>> a == b, len(a)
    (False, 64)
    """
    digest = hashlib.sha256(pl.__version__.encode())
    for frame in (data.customers, data.orders, data.feedback, data.interactions):
        digest.update(frame_digest(frame))
    money = [data.time_zone, data.currency, data.placeholder_lines, data.order_lines]
    digest.update(json.dumps(money).encode())
    return digest.hexdigest()


def prediction_key(kind: str, fingerprint: str, settings: Mapping[str, Any]) -> str:
    """The key of a run: a digest of its kind, data fingerprint and settings.

    Examples
    --------
    >>> prediction_key("clv", "f", {"a": 1, "b": 2}) == prediction_key("clv", "f", {"b": 2, "a": 1})
    True
    """
    text = json.dumps([kind, fingerprint, dict(settings)], sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:24]


def _check_kind(kind: str) -> None:
    if kind not in KINDS:
        raise ValueError(f"kind should be one of {', '.join(KINDS)}; got {kind!r}.")


def _root(workspace: str | os.PathLike[str]) -> Path:
    return Path(workspace) / PREDICTIONS_DIR


def save_prediction(
    workspace: str | os.PathLike[str],
    kind: str,
    *,
    fingerprint: str,
    settings: Mapping[str, Any],
    report: Mapping[str, Any],
    frames: Mapping[str, pl.DataFrame],
    keep: int = KEEP,
) -> StoredPrediction:
    """Store one run in ``workspace`` (a folder) and return it; replaces a run with the same key.

    ``settings`` and ``report`` must be JSON values; ``frames`` are written as Parquet. Older
    runs of ``kind`` beyond the newest ``keep`` are removed.
    """
    _check_kind(kind)
    for name in frames:
        if not name.replace("_", "").isalnum():
            raise ValueError(f"frame names are letters, digits and '_'; got {name!r}.")
    key = prediction_key(kind, fingerprint, settings)
    created = dt.datetime.now(dt.UTC)
    head = {
        "kind": kind,
        "key": key,
        "fingerprint": fingerprint,
        "settings": dict(settings),
        "created_at": created.isoformat(),
        "report": dict(report),
        "frames": sorted(frames),
    }
    text = json.dumps(head, ensure_ascii=False, allow_nan=False, default=str)
    root = _root(workspace)
    try:
        root.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{kind}-", dir=root))
        (staging / _REPORT).write_text(text, encoding="utf-8")
        for name, frame in frames.items():
            frame.write_parquet(staging / f"{name}.parquet")
        target = root / f"{kind}-{key}"
        if target.exists():
            shutil.rmtree(target)
        staging.rename(target)
    except OSError as exc:
        raise WorkspaceError(
            f"could not store the {kind} prediction in {root} ({exc.strerror or exc}); "
            "check that the workspace folder is writable and has free space"
        ) from None
    _prune(root, kind, keep)
    return StoredPrediction(
        kind=kind,
        key=key,
        fingerprint=fingerprint,
        settings=dict(settings),
        created_at=created,
        report=dict(report),
        frames=dict(frames),
    )


def _runs(root: Path, kind: str) -> list[Path]:
    if not root.is_dir():
        return []
    found = [p for p in root.glob(f"{kind}-*") if (p / _REPORT).is_file()]
    return sorted(found, key=_created, reverse=True)


def _created(folder: Path) -> str:
    """When the run in ``folder`` was stored (ISO 8601 UTC, sorts in time order); "" if unknown."""
    try:
        return str(json.loads((folder / _REPORT).read_text(encoding="utf-8"))["created_at"])
    except (OSError, ValueError, KeyError, TypeError):
        return ""


def _prune(root: Path, kind: str, keep: int) -> None:
    for old in _runs(root, kind)[max(keep, 1) :]:
        shutil.rmtree(old, ignore_errors=True)
    for staging in root.glob(f".{kind}-*"):  # left by a writer that was killed
        age = dt.datetime.now().timestamp() - staging.stat().st_mtime
        if age > 3600:
            shutil.rmtree(staging, ignore_errors=True)


def _read(folder: Path) -> StoredPrediction | None:
    try:
        head = json.loads((folder / _REPORT).read_text(encoding="utf-8"))
        frames = {
            name: pl.read_parquet(folder / f"{name}.parquet") for name in head.get("frames", [])
        }
        return StoredPrediction(
            kind=head["kind"],
            key=head["key"],
            fingerprint=head["fingerprint"],
            settings=head["settings"],
            created_at=dt.datetime.fromisoformat(head["created_at"]),
            report=head["report"],
            frames=frames,
        )
    except (OSError, ValueError, KeyError, pl.exceptions.PolarsError):
        return None  # damaged or from an older layout: computed again


def load_prediction(
    workspace: str | os.PathLike[str],
    kind: str,
    *,
    fingerprint: str,
    settings: Mapping[str, Any],
) -> StoredPrediction | None:
    """The stored run of ``kind`` for exactly this data and these settings, or None."""
    _check_kind(kind)
    folder = _root(workspace) / f"{kind}-{prediction_key(kind, fingerprint, settings)}"
    if not (folder / _REPORT).is_file():
        return None
    return _read(folder)


def latest_prediction(
    workspace: str | os.PathLike[str], kind: str, *, fingerprint: str | None = None
) -> StoredPrediction | None:
    """The newest stored run of ``kind`` (for this data ``fingerprint`` when given), or None.

    Audiences pass the current fingerprint, so they never use scores of other data.
    """
    _check_kind(kind)
    for folder in _runs(_root(workspace), kind):
        stored = _read(folder)
        if stored is not None and (fingerprint is None or stored.fingerprint == fingerprint):
            return stored
    return None
