"""Customer snapshots: every customer's audience attributes and contacts, computed once per
workspace version and kept, so that audiences and exports over a million customers read them
instead of recomputing RFM, consent and golden records from every order line each time.

What is kept, under ``<workspace>/snapshots/<version>/`` (:data:`SNAPSHOTS_DIR`):

* what the workspace's tables say whatever the day: ``contacts.parquet``
  (:func:`cimlab.act.campaigns.contact_rows` for every customer) and one file per group of
  :data:`WORKSPACE_GROUPS` (tags, consent, profile, household);
* per analysis data (business time zone and currency choice, a folder named by their digest):
  ``data.json`` (the data's fingerprint, which finds its stored predictions, its last order
  day, its customer count and the unlinked / removed record counts the CLI warns about),
  ``customers.parquet`` (the customer ids) and, per ``as_of`` day, one file per group that
  depends on the day (RFM, lifecycle, cluster, channels, products, satisfaction, care);
  the analysis data itself, for the app (:meth:`Snapshot.stored_data`: ``analysis/``, not in
  an encrypted workspace), and the aggregates its pages show (:meth:`Snapshot.result`:
  ``results/<name>/``), so that a page's first load in a new process reads them.

The stored CLV and churn predictions (group ``value``) are not copied: they are read from the
prediction store each time, found by the data fingerprint. The suppression list, the campaign
log (frequency cap), the saved audiences and the exclusion lists are read fresh at every export:
a snapshot never decides who is suppressed beyond the consent it holds for this very version.

**The version** (:func:`workspace_version`) is a digest of everything the stored groups are
computed from, read in one query of small tables: the import batches (id and status: an import
or an undo changes it) and the row counts of the data tables, the identity runs, overrides,
ids and map, the tag and consent events, the settings (``meta``) and exchange rates, plus the
code (the sizes and times of the source files that compute them and the Polars version). Any change there
makes a new version, so a snapshot is never read for data it was not made from. Groups are
computed when first asked for and written atomically (temporary file, then rename); the
newest :data:`KEEP` versions are kept. Snapshots are derived data, like stored predictions:
they are not in backups, and deleting the folder only means they are computed again. The
contacts files hold names, phones and e-mails, as the workspace database does, and sit in the
workspace folder with it; in an encrypted workspace those columns are encrypted in the files
the same way (:mod:`cimlab.encryption`, "table" ``snapshot_contacts``) and decrypted when read.

Examples
--------
>>> import tempfile
>>> from cimlab.workspace import Workspace
>>> ws = Workspace.open(tempfile.mkdtemp())
>>> a = workspace_version(ws)
>>> a == workspace_version(ws), len(a)
(True, 24)
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import hashlib
import json
import os
import re
import shutil
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import polars as pl

from cimlab.errors import WorkspaceError

if TYPE_CHECKING:
    from cimlab.analytics.facts import CustomerData
    from cimlab.workspace import Workspace

__all__ = [
    "KEEP",
    "SNAPSHOTS_DIR",
    "WORKSPACE_GROUPS",
    "Snapshot",
    "open_snapshot",
    "workspace_version",
]

#: The folder of a workspace that holds its snapshots.
SNAPSHOTS_DIR = "snapshots"
#: Workspace versions kept (the newest).
KEEP = 2
#: Attribute groups read from the workspace's tables as they are, whatever the ``as_of`` day.
WORKSPACE_GROUPS = ("tags", "consent", "profile", "household")
_ID = "customer_id"
_FORMAT = "1"
_CONTACTS = "snapshot_contacts"  # the columns encrypted in contacts files (cimlab.encryption)
#: The frames of the analysis data stored by :meth:`Snapshot.stored_data`.
_DATA_FRAMES = ("customers", "orders", "feedback", "interactions")
_DATA_SCALARS = (
    "time_zone", "unlinked_records", "removed_records", "currency", "placeholder_lines",
    "order_lines",
)  # fmt: skip
_RESULT_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")

# table -> what of it the version digests: "rows" (their count: the data tables change only
# through import batches) or "all" (count and an order-free hash of every row)
_VERSIONED: dict[str, str] = {
    "batches": "all",
    "customers": "rows",
    "orders": "rows",
    "feedback": "rows",
    "interactions": "rows",
    "identity_runs": "all",
    "identity_overrides": "all",
    "identity_ids": "all",
    "identity_map": "all",
    "identity_households": "all",
    "tag_events": "all",
    "consent_events": "all",
    "meta": "all",
    "rates": "all",
}


#: The code a snapshot's content is computed by: cimlab's top-level modules and these packages.
_CODE = ("act", "analytics", "customers", "predict/store.py")


@functools.cache
def _code_stamp() -> str:
    """The sizes and modification times of the source files in :data:`_CODE` (a change to
    them gives a new stamp) and the Polars version."""
    root = Path(__file__).resolve().parent.parent
    digest = hashlib.sha256(pl.__version__.encode())
    files = [*root.glob("*.py")]
    for part in _CODE:
        files += [root / part] if part.endswith(".py") else [*(root / part).rglob("*.py")]
    for path in sorted(files):
        stat = path.stat()
        digest.update(f"{path.relative_to(root)}:{stat.st_size}:{stat.st_mtime_ns}".encode())
    return digest.hexdigest()


def _file_stamp(ws: Workspace) -> tuple[str, tuple[tuple[int, int], ...]]:
    """The database files' modification times and sizes (any write changes them)."""
    stamps = []
    for suffix in ("", ".wal"):
        try:
            stat = Path(f"{ws.db_path}{suffix}").stat()
        except OSError:
            stamps.append((-1, -1))
        else:
            stamps.append((stat.st_mtime_ns, stat.st_size))
    return str(Path(ws.db_path).resolve()), tuple(stamps)


_VERSIONS: dict[tuple[str, tuple[tuple[int, int], ...]], str] = {}


def workspace_version(ws: Workspace) -> str:
    """A digest that changes whenever anything a snapshot is computed from changes (module
    docstring): 24 hex characters. Computed once per state of the database files in a
    process (their times and sizes)."""
    stamp = _file_stamp(ws)
    known = _VERSIONS.get(stamp)
    if known is None:
        with ws.reading():
            known = _version(ws)
        if _file_stamp(ws) == stamp:  # nothing wrote meanwhile
            _VERSIONS.clear()  # one state per process is enough
            _VERSIONS[stamp] = known
    return known


def _version(ws: Workspace) -> str:
    present = ws.table_names()
    parts = []
    for table, how in _VERSIONED.items():
        if table not in present:
            continue
        if how == "rows":
            parts.append(f"SELECT '{table}' AS t, count(*) AS n, '' AS h FROM {table}")
        else:
            parts.append(
                f"SELECT '{table}' AS t, count(*) AS n, "
                f"coalesce(sum(hash(x))::VARCHAR, '') AS h FROM {table} x"
            )
    digest = hashlib.sha256(f"{_FORMAT}:{_code_stamp()}".encode())
    if parts:
        rows = ws.query(" UNION ALL ".join(parts) + " ORDER BY t").rows()
        digest.update(json.dumps(rows, default=str).encode())
    return digest.hexdigest()[:24]


def _write(frame: pl.DataFrame, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temp = tempfile.mkstemp(dir=path.parent, prefix=".", suffix=".tmp")
    os.close(handle)
    try:
        frame.write_parquet(temp, statistics=False)
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


def _write_json(payload: dict[str, Any], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temp = tempfile.mkstemp(dir=path.parent, prefix=".", suffix=".tmp")
    with os.fdopen(handle, "w", encoding="utf-8") as out:
        json.dump(payload, out)
    os.replace(temp, path)


def _prune(root: Path, keep: str) -> None:
    """Remove all versions but the newest :data:`KEEP` (``keep`` is never removed)."""
    versions = [p for p in root.iterdir() if p.is_dir() and not p.name.startswith(".")]
    versions.sort(key=lambda p: p.stat().st_mtime_ns, reverse=True)
    kept = {keep, *[p.name for p in versions[:KEEP]]}
    for old in versions:
        if old.name not in kept:
            shutil.rmtree(old, ignore_errors=True)


class Snapshot:
    """The snapshot of one workspace version and analysis data (:func:`open_snapshot`).

    Groups are read from disk when stored, else computed (reading the analysis data once, on
    the first group that needs it) and stored.
    """

    def __init__(
        self,
        ws: Workspace,
        *,
        time_zone: str | None = None,
        currency: str | None = None,
        data: CustomerData | None = None,
    ) -> None:
        self.ws = ws
        self.time_zone = time_zone
        self.currency = currency
        self.version = workspace_version(ws)
        self.root = Path(ws.path) / SNAPSHOTS_DIR
        self.folder = self.root / self.version
        choice = json.dumps([time_zone, currency])
        self.data_folder = self.folder / hashlib.sha256(choice.encode()).hexdigest()[:12]
        self._data = data
        self._facts: dict[str, Any] | None = None
        self._ids: pl.DataFrame | None = None

    def __repr__(self) -> str:
        return (
            f"Snapshot({self.version!r}, time_zone={self.time_zone!r}, currency={self.currency!r})"
        )

    # -------------------------------------------------------------- the analysis data, lazily

    def data(self) -> CustomerData:
        """The analysis data (:func:`cimlab.analytics.facts.customer_data`), read once."""
        if self._data is None:
            from cimlab.analytics.facts import customer_data

            self._data = customer_data(self.ws, time_zone=self.time_zone, currency=self.currency)
        return self._data

    def stored_data(self) -> CustomerData:
        """:meth:`data`, read from the snapshot when stored there (``analysis/``: its four frames
        and ``data.json`` of its counts), else computed and stored, so that the app's first page
        of a new process reads millions of order lines instead of joining them again.

        The analysis data holds no names, phones or e-mails (they are left out:
        :data:`~cimlab.analytics.facts.CONTACT_COLUMNS`), but feedback texts are free text: in
        an encrypted workspace nothing is stored and the data is computed each time.
        """
        if self._data is not None:
            return self._data
        from cimlab.analytics.facts import CustomerData

        folder = self.data_folder / "analysis"
        if not self.ws.encrypted:
            try:
                scalars = json.loads((folder / "data.json").read_text(encoding="utf-8"))
                frames: dict[str, Any] = {
                    name: pl.read_parquet(folder / f"{name}.parquet") for name in _DATA_FRAMES
                }
                self._data = CustomerData(**frames, **scalars)
                return self._data
            except (OSError, ValueError, TypeError, pl.exceptions.ComputeError):
                pass  # not stored yet, or damaged: computed again
        data = self.data()
        if not self.ws.encrypted:
            scalars = {name: getattr(data, name) for name in _DATA_SCALARS}

            def store() -> None:  # the frames first: data.json says the folder is complete
                for name in _DATA_FRAMES:
                    _write(getattr(data, name), folder / f"{name}.parquet")
                _write_json(scalars, folder / "data.json")

            self._keep(store)
        return data

    def result(
        self, name: str, make: Callable[[], dict[str, pl.DataFrame]]
    ) -> dict[str, pl.DataFrame]:
        """Frames computed from this analysis data (an aggregate a page shows: clusters, KPIs,
        stage counts...), kept under ``results/<name>/`` of the data's folder: read when stored,
        else ``make()`` computed and stored. ``name`` says what and with which inputs
        (``"clusters_2024-06-30_day_auto"``: letters, digits, ``._-``), as the results of one
        name must not depend on anything else than this snapshot's data.

        Results are aggregates and scores by ``customer_id``, never contacts.
        """
        if not _RESULT_NAME.match(name):
            raise ValueError(f"name={name!r} should hold only letters, digits and ._-")
        folder = self.data_folder / "results" / name
        try:
            parts = json.loads((folder / "parts.json").read_text(encoding="utf-8"))["parts"]
            return {part: pl.read_parquet(folder / f"{part}.parquet") for part in parts}
        except (OSError, ValueError, TypeError, KeyError, pl.exceptions.ComputeError):
            pass  # not stored yet, or damaged: computed again
        frames = make()
        bad = [part for part in frames if not _RESULT_NAME.match(part)]
        if bad:
            raise ValueError(f"part names {bad} should hold only letters, digits and ._-")

        def store() -> None:  # the parts first: parts.json says the folder is complete
            for part, frame in frames.items():
                _write(frame, folder / f"{part}.parquet")
            _write_json({"parts": list(frames)}, folder / "parts.json")

        self._keep(store)
        return frames

    def facts(self) -> dict[str, Any]:
        """``fingerprint, last_day, customers, unlinked_records, removed_records`` of the data."""
        if self._facts is not None:
            return self._facts
        path = self.data_folder / "data.json"
        if path.exists():
            try:
                self._facts = json.loads(path.read_text(encoding="utf-8"))
                return self._facts
            except (OSError, ValueError):  # damaged: computed again
                pass
        from cimlab.dates import to_date
        from cimlab.predict.store import data_fingerprint

        data = self.data()
        last: Any = data.orders["order_ts"].max() if data.orders.height else None
        facts = {
            "fingerprint": data_fingerprint(data),
            "last_day": None
            if last is None
            else to_date(last, time_zone=data.time_zone).isoformat(),
            "customers": data.customers.height,
            "unlinked_records": int(data.unlinked_records),
            "removed_records": int(data.removed_records),
        }
        ids = self._ids = self._data_ids()
        self._facts = facts

        def store() -> None:  # the ids first: data.json says the folder is complete
            _write(ids, self.data_folder / "customers.parquet")
            _write_json(facts, path)

        self._keep(store)
        return facts

    def _data_ids(self) -> pl.DataFrame:
        return self.data().customers.select(pl.col(_ID).cast(pl.String)).sort(_ID)

    def _keep(self, store: Callable[[], None]) -> None:
        """Run ``store`` (writes under the snapshot folder), then drop old versions. A folder that
        cannot be written (read-only, disk full) only means nothing is kept: the results stand."""
        try:
            store()
            _prune(self.root, self.version)
        except (OSError, pl.exceptions.ComputeError):  # Polars says ComputeError on a full disk
            pass

    @property
    def last_day(self) -> dt.date | None:
        """The data's last order day (in its time zone), the default ``as_of``; None: no orders."""
        day = self.facts()["last_day"]
        return None if day is None else dt.date.fromisoformat(day)

    def customer_ids(self) -> pl.DataFrame:
        """``customer_id`` of every customer of the data, sorted."""
        self.facts()
        if self._ids is None:
            path = self.data_folder / "customers.parquet"
            try:
                self._ids = pl.read_parquet(path)
            except (OSError, pl.exceptions.ComputeError):  # missing or damaged: from the data
                self._ids = self._data_ids()
                ids = self._ids
                self._keep(lambda: _write(ids, path))
        return self._ids

    # -------------------------------------------------------------- groups

    def _stored(
        self,
        path: Path,
        make: Callable[[], pl.DataFrame],
        valid: Callable[[pl.DataFrame], bool] = lambda frame: True,
        *,
        personal: bool = False,
    ) -> pl.DataFrame:
        """The frame stored at ``path``, else ``make()`` stored there. ``personal``: contacts,
        whose columns are encrypted in the file when the workspace is."""
        cipher = self.ws.cipher if personal else None
        if path.exists():
            try:
                frame: pl.DataFrame | None = pl.read_parquet(path)
            except (OSError, pl.exceptions.ComputeError):  # damaged: computed again
                frame = None
            if frame is not None and valid(frame):
                if cipher is None:
                    return frame
                with contextlib.suppress(WorkspaceError):  # not of this key: computed again
                    return self.ws.decrypt(frame, _CONTACTS)
            path.unlink(missing_ok=True)
        frame = make().with_columns(pl.col(_ID).cast(pl.String))
        stored = frame if cipher is None else cipher.seal_frame(frame, table=_CONTACTS)
        self._keep(lambda: _write(stored, path))
        return frame

    def group(self, name: str, *, as_of: dt.date) -> pl.DataFrame:
        """One attribute group (:mod:`cimlab.act.attributes`) at ``as_of``, ``customer_id``
        first; the ``value`` group is read from the prediction store each time."""
        from cimlab.act.attributes import group_frame, value_group

        if name == "value":
            return value_group(self.ws, self.facts()["fingerprint"])
        if name in WORKSPACE_GROUPS:
            path = self.folder / f"{name}.parquet"
        else:
            path = self.data_folder / as_of.isoformat() / f"{name}.parquet"
        return self._stored(path, lambda: group_frame(name, self.ws, self.data, as_of))

    def aligned(self, name: str, *, as_of: dt.date) -> pl.DataFrame:
        """:meth:`group` laid out row for row like :meth:`customer_ids`, with the defaults of
        :func:`~cimlab.act.attributes.join_groups` (stored so, in the data's folder: the groups
        of an audience are then put side by side, not joined)."""
        from cimlab.act.attributes import aligned_group

        ids = self.customer_ids()
        if name == "value":
            return aligned_group(ids, self.group(name, as_of=as_of))
        day = self.data_folder if name in WORKSPACE_GROUPS else self.data_folder / as_of.isoformat()
        return self._stored(
            day / f"aligned_{name}.parquet",
            lambda: aligned_group(ids, self.group(name, as_of=as_of)),
            valid=lambda frame: frame[_ID].equals(ids[_ID]),
        )

    def attributes(self, *, as_of: dt.date, fields: Iterable[str] | None = None) -> pl.DataFrame:
        """:func:`cimlab.act.attributes.customer_attributes` of this data, from the snapshot."""
        from cimlab.act.attributes import FIELDS, groups_of

        ids = self.customer_ids()
        parts = [
            self.aligned(name, as_of=as_of).drop(_ID)
            for name in sorted(groups_of(FIELDS if fields is None else fields))
        ]
        return pl.concat([ids, *parts], how="horizontal")

    def aligned_contacts(self) -> pl.DataFrame:
        """:meth:`contacts` laid out row for row like :meth:`customer_ids` (masked flags of a
        customer without contacts False), stored so in the data's folder."""
        ids = self.customer_ids()

        def make() -> pl.DataFrame:
            joined = ids.join(self.contacts(), on=_ID, how="left", maintain_order="left")
            return joined.with_columns(pl.col("masked_phone", "masked_email").fill_null(False))

        return self._stored(
            self.data_folder / "aligned_contacts.parquet",
            make,
            valid=lambda frame: frame[_ID].equals(ids[_ID]),
            personal=True,
        )

    def contacts(self) -> pl.DataFrame:
        """Every customer's contacts (:func:`cimlab.act.campaigns.contact_rows` columns)."""
        from cimlab.act.campaigns import all_contacts

        return self._stored(
            self.folder / "contacts.parquet", lambda: all_contacts(self.ws), personal=True
        )


def open_snapshot(
    ws: Workspace,
    *,
    time_zone: str | None = None,
    currency: str | None = None,
    data: CustomerData | None = None,
) -> Snapshot:
    """The snapshot of ``ws`` as it is now, for the analysis data of ``time_zone`` and
    ``currency`` (as :func:`cimlab.analytics.facts.customer_data` takes them). ``data``: that
    analysis data when the caller has it already (it is then not read again)."""
    return Snapshot(ws, time_zone=time_zone, currency=currency, data=data)
