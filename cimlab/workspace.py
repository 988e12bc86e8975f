"""The workspace: one folder holding an embedded DuckDB file (``cimlab.duckdb``) and a lock file.

Canonical tables (``customers``, ``orders``, ``interactions``, ``feedback``) keep the columns of
:func:`cimlab.contracts.columns.polars_schema` plus ``batch_id`` and ``source_line``. Every import is one
batch and one DuckDB transaction: a crash or ``kill -9`` before ``COMMIT`` leaves the workspace as
it was. ``batches`` records each import (file, content hash, mapping, counts, time, user),
``quarantine`` keeps every rejected line with its reason, ``meta`` the schema version.

No DuckDB connection outlives one operation, so the app and the CLI can share a workspace. Writers
take an exclusive ``flock`` on ``DIR/.cimlab.lock`` for the whole write: a second writer gets
:class:`~cimlab.errors.WorkspaceBusy` at once (or after ``wait`` seconds of retrying). File locks are
POSIX ``fcntl`` locks, so workspaces are for Linux and macOS. A reader in the process of a writer
(another session of the app while one imports or resolves) does not wait for the write: it
shares the writer's database and reads the last committed state.

Integrity: :func:`check_database` (and :meth:`Workspace.check`) read every column of every row of
every table, so DuckDB's block checksums catch a damaged or truncated file. A backup is checked
that way and gets a ``FILE.sha256`` beside it (``sha256sum`` format); a restore verifies both
before it touches the workspace, and keeps the old database in ``DIR/.cimlab.previous`` until the
restored one has opened and been checked. A backup or restore killed half-way leaves nothing
behind: the next open of the workspace puts the old database back and removes the left-overs.
A full disk (:func:`is_disk_full`) rolls the write back, gives the space back and says so.

Examples
--------
>>> import tempfile
>>> ws = Workspace.open(tempfile.mkdtemp())
>>> ws.counts().height, ws.batches().height
(0, 0)
"""

from __future__ import annotations

import contextlib
import datetime as dt
import errno
import fcntl
import hashlib
import hmac
import json
import logging
import os
import re
import shutil
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NoReturn

import duckdb
import polars as pl

from cimlab.contracts.columns import TABLES, non_null_columns, polars_schema
from cimlab.dates import as_utc
from cimlab.encryption import (
    ENV_KEY,
    ENV_KEY_FILE,
    KEY_CHECK_META,
    PERSONAL_COLUMNS,
    PREFIX,
    ColumnCipher,
    WorkspaceKeyError,
    load_key,
)
from cimlab.errors import WorkspaceBusy, WorkspaceError

__all__ = [
    "BATCHES_SCHEMA",
    "DB_NAME",
    "IDENTITY_MAP_SCHEMA",
    "LOCK_NAME",
    "QUARANTINE_SCHEMA",
    "SCHEMA_VERSION",
    "BatchResult",
    "BatchWriter",
    "IntegrityReport",
    "Workspace",
    "check_database",
    "checksum_path",
    "is_disk_full",
    "read_identity_map",
]

_log = logging.getLogger("cimlab.workspace")

DB_NAME = "cimlab.duckdb"
LOCK_NAME = ".cimlab.lock"
SCHEMA_VERSION = 3
"""2: ``batches.rows_filtered``; 3: ``customers.consent_updated_at`` (an older workspace gets
them when opened: :meth:`Workspace.open`)."""
_ADDED_COLUMNS: dict[int, tuple[str, str]] = {3: ("customers", "consent_updated_at")}
"""Contract columns by the schema version that added them: (table, column)."""
_APPLICATION = "cimlab"

#: Columns of :meth:`Workspace.batches`, in order.
BATCHES_SCHEMA: dict[str, pl.DataType] = {
    "batch_id": pl.Int64(),
    "table_name": pl.String(),
    "channel": pl.String(),
    "file_name": pl.String(),
    "content_hash": pl.String(),
    "encoding": pl.String(),
    "format": pl.String(),
    "mapping": pl.String(),
    "rows_read": pl.Int64(),
    "rows_loaded": pl.Int64(),
    "rows_quarantined": pl.Int64(),
    "rows_duplicate": pl.Int64(),
    "rows_filtered": pl.Int64(),
    "imported_at": pl.Datetime("us", "UTC"),
    "user_name": pl.String(),
    "status": pl.String(),
    "undone_at": pl.Datetime("us", "UTC"),
}

#: Columns of the ``quarantine`` frame passed to :meth:`Workspace.import_batch`.
QUARANTINE_SCHEMA: dict[str, pl.DataType] = {
    "line": pl.Int64(),
    "column": pl.String(),
    "value": pl.String(),
    "reason": pl.String(),
    "reason_zh": pl.String(),
    "row_json": pl.String(),
}

#: Columns of the ``identity_map`` table as :func:`read_identity_map` reads it (one row per
#: source record; written by :func:`cimlab.identity.resolve`, ``resolved_at`` left out).
IDENTITY_MAP_SCHEMA: dict[str, pl.DataType] = {
    "channel": pl.String(),
    "source_customer_id": pl.String(),
    "customer_id": pl.String(),
    "rule": pl.String(),
    "key_type": pl.String(),
    "score": pl.Float64(),
}

_ORDER_KEY = ["channel", "order_id", "line_number"]
_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
_HASH = re.compile(r"[0-9a-f]{64}")
_POLL = 0.05
# DuckDB's own file lock also stops writers while a reader has the file open (and readers while
# a writer has it): those holds are short, so connections retry at least this long.
_CONNECT_GRACE = 2.0
_LOCK_MARKERS = ("could not set lock", "conflicting lock", "different configuration")
# Read-write connections open in this process, per database file. DuckDB refuses a read-only
# connection beside them ("different configuration"), so a reader of this process (another
# app session) opens its connection read-write instead, on the same database: it sees the last
# committed state (MVCC) and only reads, so a long import or resolution does not block it.
_WRITERS: dict[str, int] = {}
_WRITERS_LOCK = threading.Lock()
# Left-overs of a backup or restore killed half-way (see Workspace._recover).
_RESTORING = f".{DB_NAME}.restoring"  # the backup being copied in and checked
# a folder: the old database (and its WAL) until the restored one is proven
_PREVIOUS = ".cimlab.previous"
_DISCARD = ".cimlab.previous.discard"  # the same folder once the restore has succeeded
_STAGING = ".cimlab.staging"  # the chunks of an import in progress (see BatchWriter)
_WAL = DB_NAME + ".wal"
_CHUNK = 1 << 20
_DISK_FULL_ERRNOS = (errno.ENOSPC, errno.EDQUOT)
_DISK_FULL_MARKERS = ("no space left on device", "disk quota exceeded")
_SHA256_LINE = re.compile(r"([0-9a-fA-F]{64}) [ *](.+)")


@dataclass(frozen=True)
class BatchResult:
    """What one :meth:`Workspace.import_batch` did.

    ``rows_read = rows_loaded + rows_quarantined + rows_filtered``; ``rows_duplicate`` order lines
    (already in the workspace, or repeated in the file) are counted inside ``rows_quarantined``;
    ``rows_filtered`` rows were left out by the mapping's row filters. When ``already_imported``
    is true nothing was added and the counts are those of the earlier batch ``batch_id`` that
    holds the same file.

    Examples
    --------
    >>> BatchResult(3, 10, 8, 2, 1, False).rows_loaded
    8
    """

    batch_id: int
    rows_read: int
    rows_loaded: int
    rows_quarantined: int
    rows_duplicate: int
    already_imported: bool
    rows_filtered: int = 0


@dataclass(frozen=True)
class IntegrityReport:
    """What a full read of one DuckDB file found (:func:`check_database`, :meth:`Workspace.check`).

    ``tables`` holds the rows read per table, by name; ``problems`` one sentence per thing found
    damaged (empty when the file is intact).

    Examples
    --------
    >>> report = IntegrityReport(Path("ws/cimlab.duckdb"), {"orders": 3})
    >>> report.ok, report.rows
    (True, 3)
    """

    path: Path
    tables: Mapping[str, int] = field(default_factory=dict)
    problems: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        """True when nothing was found damaged."""
        return not self.problems

    @property
    def rows(self) -> int:
        """Rows read, over every table."""
        return sum(self.tables.values())


class BatchWriter:
    """One file being stored as one batch, chunk by chunk (:meth:`Workspace.batch_writer`).

    Chunks are staged as Parquet files in ``DIR/.cimlab.staging`` (one DuckDB transaction that
    received every chunk would hold them all in memory); :meth:`finish` moves them into the
    workspace in one transaction, with the batch record, so an import is still all or nothing
    and its memory stays flat. ``prior`` is the earlier batch when the same content is already
    imported (then nothing may be added); otherwise ``batch_id`` is the number the batch gets.
    A ``channel`` of None is known only at :meth:`finish` (a file whose rows carry their
    channel): the search for the same content already imported waits for it.
    """

    def __init__(
        self,
        con: duckdb.DuckDBPyConnection,
        staging: Path,
        *,
        table: str,
        channel: str | None,
        content_hash: str,
        cipher: ColumnCipher | None = None,
    ) -> None:
        self._con = con
        self._staging = staging
        self._cipher = cipher
        self.table = table
        self.channel = channel
        self.content_hash = content_hash
        self.file_name: str | None = None
        self.prior: BatchResult | None = None
        self.batch_id = 0
        self.duplicates = 0
        self.finished = False
        self._added = 0
        self._parts = 0

    def _begin(self) -> None:
        prior = None
        if self.channel is not None:
            prior = _one(
                self._con.execute(
                    "SELECT batch_id, rows_read, rows_loaded, rows_quarantined, rows_duplicate, "
                    "rows_filtered FROM batches WHERE status = 'active' AND content_hash = ? "
                    "AND table_name = ? AND channel = ? ORDER BY batch_id LIMIT 1",
                    [self.content_hash, self.table, self.channel],
                )
            )
        if prior is not None:
            self.prior = BatchResult(
                batch_id=int(prior[0]),
                rows_read=int(prior[1]),
                rows_loaded=int(prior[2]),
                rows_quarantined=int(prior[3]),
                rows_duplicate=int(prior[4]),
                already_imported=True,
                rows_filtered=int(prior[5]),
            )
            return
        self.batch_id = _next_batch_id(self._con)

    def add(self, valid: pl.DataFrame, quarantine: pl.DataFrame) -> None:
        """Stage one chunk: its valid rows and its quarantined lines (see ``import_batch``).

        Order lines already in an active batch, or repeated inside this chunk, are quarantined
        and counted in ``duplicates``. Lines repeated across chunks are the caller's to find
        (:func:`cimlab.ingest.importer.import_file` does).
        """
        if self.prior is not None or self.finished:
            raise WorkspaceError(
                "this batch is already imported or finished; open a new batch_writer"
            )
        valid = _conform_valid(valid, self.table)
        problems = _conform_quarantine(quarantine)
        _check_disjoint(valid, problems, self.file_name or "the file")
        if self.table == "orders":
            valid, repeated = _quarantine_duplicates(self._con, valid)
            self.duplicates += repeated.height
            if repeated.height:
                problems = pl.concat([problems, repeated])
        if self._cipher is not None:  # sealed before anything reaches a file, staging included
            valid = self._cipher.seal_frame(valid, table=self.table)
            problems = self._cipher.seal_frame(problems, table="quarantine")
        self._parts += 1
        # snappy without statistics: the fastest to write and to read back once
        if valid.height:
            valid.write_parquet(
                self._staging / f"rows-{self._parts:06d}.parquet",
                compression="snappy",
                statistics=False,
            )
        if problems.height:
            problems.write_parquet(
                self._staging / f"quarantine-{self._parts:06d}.parquet",
                compression="snappy",
                statistics=False,
            )
        self._added += valid.height

    def finish(
        self,
        *,
        rows_read: int,
        file_name: str,
        encoding: str | None,
        format: str | None,
        mapping: Mapping[str, Any],
        imported_at: dt.datetime,
        user_name: str | None,
        on_before_commit: Callable[[], None] | None = None,
        rows_filtered: int = 0,
        channel: str | None = None,
    ) -> BatchResult:
        """Move the staged chunks in, check ``rows_read = loaded + quarantined + filtered``,
        commit.

        ``channel`` is the batch's channel when the writer was opened without one; when an
        active batch already holds the same content, table and channel, that batch is returned
        (``already_imported``) and nothing is stored (the block rolls back).
        """
        if self.prior is not None or self.finished:
            raise WorkspaceError("this batch is already imported or finished")
        for name, count in (("rows_read", rows_read), ("rows_filtered", rows_filtered)):
            if isinstance(count, bool) or not isinstance(count, int) or count < 0:
                raise WorkspaceError(f"{name}={count!r} must be a whole number >= 0")
        if self.channel is None:
            if not isinstance(channel, str) or not channel:
                raise WorkspaceError(
                    f"channel={channel!r}: a batch opened without a channel needs one to finish"
                )
            self.channel = channel
            self._begin()
            if self.prior is not None:
                return self.prior
        elif channel is not None and channel != self.channel:
            raise WorkspaceError(
                f"channel={channel!r} differs from the batch's channel {self.channel!r}"
            )
        self.file_name = file_name
        at = as_utc(imported_at, name="imported_at", error=WorkspaceError)
        try:
            mapping_json = json.dumps(dict(mapping), ensure_ascii=False, sort_keys=True)
        except (TypeError, ValueError) as exc:
            raise WorkspaceError(
                f"the mapping of {file_name} cannot be stored as JSON: {exc}"
            ) from None
        con, batch_id = self._con, self.batch_id
        con.execute("BEGIN TRANSACTION")
        rows = sorted(str(p) for p in self._staging.glob("rows-*.parquet"))
        if rows:
            columns = ", ".join(_quote(c) for c in polars_schema(self.table))
            con.execute(
                f"INSERT INTO {self.table} SELECT {columns}, ?, source_line FROM read_parquet(?)",
                [batch_id, rows],
            )
        problems = sorted(str(p) for p in self._staging.glob("quarantine-*.parquet"))
        if problems:
            con.execute(
                'INSERT INTO quarantine SELECT ?, line, "column", value, reason, reason_zh, '
                "row_json FROM read_parquet(?)",
                [batch_id, problems],
            )
        loaded, quarantined = _stored_counts(con, self.table, batch_id)
        if loaded != self._added or rows_read != loaded + quarantined + rows_filtered:
            raise WorkspaceError(
                f"{file_name}: rows_read={rows_read} but {loaded} rows loaded + "
                f"{quarantined} quarantined + {rows_filtered} filtered = "
                f"{loaded + quarantined + rows_filtered}; every row must be loaded, quarantined "
                "or filtered. Nothing was imported (rolled back)"
            )
        con.execute(
            "INSERT INTO batches VALUES "
            "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'active', NULL, ?)",
            [
                batch_id,
                self.table,
                self.channel,
                file_name,
                self.content_hash,
                encoding,
                format,
                mapping_json,
                rows_read,
                loaded,
                quarantined,
                self.duplicates,
                at,
                user_name,
                rows_filtered,
            ],
        )
        if on_before_commit is not None:
            on_before_commit()
        con.execute("COMMIT")
        self.finished = True
        _log.info(
            "%s: batch %d into %s [%s]: %d read, %d loaded, %d quarantined (%d duplicates), "
            "%d filtered",
            file_name,
            batch_id,
            self.table,
            self.channel,
            rows_read,
            loaded,
            quarantined,
            self.duplicates,
            rows_filtered,
        )
        return BatchResult(
            batch_id, rows_read, loaded, quarantined, self.duplicates, False, rows_filtered
        )


class Workspace:
    """A workspace folder; every method opens (and closes) its own DuckDB connection.

    Use :meth:`open` to get one. ``wait`` is how many seconds a write waits for another writer
    to finish before raising :class:`~cimlab.errors.WorkspaceBusy` (0: fail at once).

    Examples
    --------
    >>> import tempfile
    >>> ws = Workspace.open(tempfile.mkdtemp())
    >>> sorted(ws.info()["tables"])
    ['customers', 'feedback', 'interactions', 'orders']
    """

    def __init__(self, path: str | os.PathLike[str], *, wait: float = 0.0) -> None:
        self.path = Path(path)
        self.wait = wait
        # thread id -> the read-only connection of a `reading()` block in that thread
        self._readers: dict[int, duckdb.DuckDBPyConnection] = {}
        self._version = SCHEMA_VERSION  # of the database, as last inspected
        # set when the database was opened: personal-data columns are sealed with it
        self._cipher: ColumnCipher | None = None
        self.encryption_pending = False
        """True when a key is set but this workspace is not encrypted (``cimlab workspace encrypt``)."""

    def __repr__(self) -> str:
        return f"Workspace({str(self.path)!r})"

    @property
    def db_path(self) -> Path:
        """The DuckDB file of the workspace."""
        return self.path / DB_NAME

    @property
    def lock_path(self) -> Path:
        """The file writers ``flock``."""
        return self.path / LOCK_NAME

    @property
    def encrypted(self) -> bool:
        """Whether the personal-data columns are encrypted (:mod:`cimlab.encryption`)."""
        return self._cipher is not None

    @property
    def cipher(self) -> ColumnCipher | None:
        """The workspace's :class:`~cimlab.encryption.ColumnCipher` (None when not encrypted)."""
        return self._cipher

    def decrypt(self, frame: pl.DataFrame, table: str) -> pl.DataFrame:
        """``frame`` (columns named as in ``table``) with its personal-data columns in clear.

        A no-op in a workspace that is not encrypted. Readers that select personal data with
        :meth:`query` pass the result through this; analyses never do.

        Examples
        --------
        >>> import tempfile
        >>> ws = Workspace.open(tempfile.mkdtemp())
        >>> ws.decrypt(ws.query("SELECT phone FROM customers"), "customers").columns
        ['phone']
        """
        if frame.width == 0:
            return frame
        if self._cipher is None:
            if not _holds_sealed(frame, table):
                return frame
            self._refresh_key()  # encrypted (`cimlab workspace encrypt`) since it was opened
            if self._cipher is None:
                return frame
        try:
            return self._cipher.open_frame(frame, table=table)
        except WorkspaceKeyError:
            before = self._cipher.key_check
            self._refresh_key()  # re-encrypted with a new key since it was opened?
            if self._cipher is None or self._cipher.key_check == before:
                raise
            return self._cipher.open_frame(frame, table=table)

    def _refresh_key(self) -> None:
        """Read the database's key check again and take up the key it now asks for."""
        with self._connect(read_only=True) as con:
            key_check = _key_check(con)
        self._use_key(key_check)

    def _follow_key(self, con: duckdb.DuckDBPyConnection) -> None:
        """Before a write: take up an encryption or a new key made since this handle was opened
        (by another process), so that no clear row joins encrypted ones, nor the reverse."""
        found = _key_check(con)
        if found != (None if self._cipher is None else self._cipher.key_check):
            self._use_key(found)

    def _use_key(self, key_check: str | None) -> None:
        """Load the key from the environment and check it against the database's key check."""
        key = load_key(self.path)
        if key_check is None:
            self._cipher = None
            self.encryption_pending = key is not None
            if key is not None:
                _log.warning(
                    "workspace %s is not encrypted although a key is set; "
                    "`cimlab workspace encrypt --workspace %s` converts it",
                    self.path,
                    self.path,
                )
            return
        self.encryption_pending = False
        if key is None:
            raise WorkspaceKeyError(
                f"workspace {self.path} is encrypted; set {ENV_KEY} or {ENV_KEY_FILE}"
            )
        cipher = ColumnCipher(key)
        if not hmac.compare_digest(cipher.key_check, key_check):
            raise WorkspaceKeyError(
                f"workspace {self.path} is encrypted with another key: the key in {ENV_KEY} or "
                f"{ENV_KEY_FILE} is not the one it was encrypted with; set the right one"
            )
        self._cipher = cipher

    # ------------------------------------------------------------------ open / create

    @classmethod
    def open(
        cls, path: str | os.PathLike[str], *, create: bool = True, wait: float = 0.0
    ) -> Workspace:
        """Open the workspace in folder ``path``, creating folder and tables on first use.

        Parameters
        ----------
        path
            The workspace folder.
        create
            Create the workspace when it does not exist; with ``False`` a missing workspace
            raises :class:`~cimlab.errors.WorkspaceError`.
        wait
            Seconds a write waits for another writer before raising
            :class:`~cimlab.errors.WorkspaceBusy`. Any operation also retries DuckDB's own file
            lock (held briefly by other readers and writers) for at least 2 s.

        Examples
        --------
        >>> import tempfile
        >>> Workspace.open(tempfile.mkdtemp()).info()["active_batches"]
        0
        """
        ws = cls(path, wait=wait)
        if ws.path.exists() and not ws.path.is_dir():
            raise WorkspaceError(
                f"{ws.path} is a file, not a workspace folder; choose a folder for --workspace"
            )
        ws._recover_if_needed()
        if ws._never_created():
            if not create:
                raise WorkspaceError(
                    f"no cimlab workspace in {ws.path} (no {DB_NAME} there). Create one with "
                    f"`cimlab demo --workspace {ws.path}` or "
                    f"`cimlab import FILE --workspace {ws.path} --channel NAME`"
                )
            ws._initialise()
            return ws
        state = ws._inspect()
        if state == "empty":
            if not create:
                raise WorkspaceError(
                    f"{ws.db_path} holds no cimlab tables (an interrupted creation?); open it "
                    "with create=True or import a file into it to finish the set-up"
                )
            ws._initialise()
        elif ws._version < SCHEMA_VERSION:
            ws._upgrade()
        return ws

    def _upgrade(self) -> None:
        """Bring a workspace of an older schema version to this one, in one transaction.

        Version 1 → 2: ``batches`` gains ``rows_filtered`` (0 for the imports made before row
        filters existed). Version 2 → 3: ``customers`` gains ``consent_updated_at`` (empty for
        the rows imported before; the table is rebuilt to keep the contract's column order).
        Done under the writer lock, once: a second process finds it done.
        """
        with self._writer_lock(), self._connect(read_only=False) as con:
            size = self._size_on_disk()
            con.execute("BEGIN TRANSACTION")
            try:
                tables = {
                    r[0] for r in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()
                }
                version = _read_version(con, tables, self.db_path) or SCHEMA_VERSION
                columns = {r[0] for r in con.execute("DESCRIBE batches").fetchall()}
                if version < 2 and "rows_filtered" not in columns:
                    con.execute(
                        "ALTER TABLE batches ADD COLUMN rows_filtered BIGINT NOT NULL DEFAULT 0"
                    )
                for added, (table, column) in _ADDED_COLUMNS.items():
                    stored = [r[0] for r in con.execute(f"DESCRIBE {table}").fetchall()]
                    if version < added and column not in stored:
                        _add_contract_column(con, table, column)
                if version < SCHEMA_VERSION:
                    con.execute(
                        "UPDATE meta SET value = ? WHERE key = 'schema_version'",
                        [str(SCHEMA_VERSION)],
                    )
                con.execute("COMMIT")
            except BaseException as exc:
                self._fail_write(con, exc, action="upgrading the workspace", size_before=size)
        self._version = SCHEMA_VERSION
        _log.info("workspace %s upgraded to schema version %d", self.path, SCHEMA_VERSION)

    def _initialise(self) -> None:
        try:
            self.path.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            if is_disk_full(exc):
                raise _disk_full(self.path.parent, "creating the workspace folder") from exc
            raise WorkspaceError(
                f"cannot create the workspace folder {self.path} ({exc.strerror}); "
                "choose a folder you can write to"
            ) from None
        key = load_key(self.path)  # a bad key file fails before anything is created
        with self._writer_lock():
            created = self._never_created()
            if created:  # an empty file left by a creation that failed: nothing to keep
                self.db_path.unlink(missing_ok=True)
            try:
                with self._connect(read_only=False) as con:
                    size = self._size_on_disk()
                    con.execute("BEGIN TRANSACTION")
                    try:
                        present = _one(
                            con.execute(
                                "SELECT count(*) FROM duckdb_tables() WHERE table_name = 'meta'"
                            )
                        )
                        sealed = key is not None and (present is None or present[0] == 0)
                        for statement in _ddl(encrypted=sealed):
                            con.execute(statement)
                        present = _one(con.execute("SELECT count(*) FROM meta"))
                        if present is not None and present[0] == 0:
                            con.execute(
                                "INSERT INTO meta VALUES ('application', ?), ('schema_version', ?)",
                                [_APPLICATION, str(SCHEMA_VERSION)],
                            )
                            if sealed and key is not None:
                                con.execute(
                                    "INSERT INTO meta VALUES (?, ?)",
                                    [KEY_CHECK_META, ColumnCipher(key).key_check],
                                )
                        con.execute("COMMIT")
                    except BaseException as exc:
                        self._fail_write(
                            con, exc, action="creating the workspace", size_before=size
                        )
            except BaseException:
                if created:  # no half-made database that later opens would call damaged
                    for path in (self.db_path, self.path / _WAL):
                        path.unlink(missing_ok=True)
                raise
        self._inspect()
        _log.info("workspace ready at %s", self.path)

    def _never_created(self) -> bool:
        """No database yet, or an empty file that a creation which failed left behind."""
        if not self.db_path.exists():
            return True
        return self.db_path.stat().st_size == 0 and not (self.path / _WAL).exists()

    def _inspect(self) -> str:
        """Check the database is a cimlab workspace of a version we know: 'ok' or 'empty'."""
        with self._connect(read_only=True) as con:
            tables = {
                r[0] for r in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()
            }
            if not tables:
                return "empty"
            version = _read_version(con, tables, self.db_path)
            if version is None:
                raise WorkspaceError(
                    f"{self.db_path} is a DuckDB file but not a cimlab workspace; "
                    "choose another folder for the workspace"
                )
            _check_version(version, self.db_path)
            _check_columns(con, self.db_path, version)
            key_check = _key_check(con)
        self._use_key(key_check)
        self._version = version
        return "ok"

    # ------------------------------------------------------------------ locking

    def _busy(self) -> WorkspaceBusy:
        return WorkspaceBusy(
            f"workspace {self.path} is busy: another cimlab process is writing to it; "
            "try again when it has finished"
        )

    @contextlib.contextmanager
    def _writer_lock(self) -> Iterator[None]:
        """Hold the exclusive, non-blocking ``flock`` on ``DIR/.cimlab.lock``."""
        try:
            fd = os.open(self.lock_path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as exc:
            raise WorkspaceError(
                f"cannot open the lock file {self.lock_path} ({exc.strerror}); "
                "check the folder exists and is writable"
            ) from None
        try:
            deadline = time.monotonic() + self.wait
            while True:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() >= deadline:
                        _log.info("workspace %s busy: writer lock held elsewhere", self.path)
                        raise self._busy() from None
                    time.sleep(_POLL)
            try:
                yield
            finally:
                fcntl.flock(fd, fcntl.LOCK_UN)
        finally:
            os.close(fd)

    @contextlib.contextmanager
    def _connect(self, *, read_only: bool) -> Iterator[duckdb.DuckDBPyConnection]:
        """A fresh connection for one operation, session time zone UTC, closed afterwards.

        Inside :meth:`reading`, reads share that block's connection and writes are refused.
        """
        reader = self._readers.get(threading.get_ident())
        if reader is not None:
            if not read_only:
                raise WorkspaceError(
                    "cannot write inside Workspace.reading(): finish the reads first"
                )
            yield reader
            return
        deadline = time.monotonic() + max(self.wait, _CONNECT_GRACE)
        database = str(self.db_path)
        while True:
            with _WRITERS_LOCK:  # a writer of this process: share its database (see _WRITERS)
                shared = read_only and _WRITERS.get(database, 0) > 0
            try:
                con = duckdb.connect(database, read_only=read_only and not shared)
                break
            except duckdb.Error as exc:
                if not _is_lock_conflict(exc):
                    if is_disk_full(exc):
                        raise _disk_full(self.path, "opening the workspace") from exc
                    if read_only and not self.db_path.exists():
                        raise WorkspaceError(
                            f"no cimlab workspace in {self.path} (no {DB_NAME} there)"
                        ) from None
                    raise WorkspaceError(
                        f"cannot open {self.db_path} ({type(exc).__name__}); it may be damaged: "
                        "restore a backup with `cimlab workspace restore FILE`"
                    ) from exc
                if time.monotonic() >= deadline:
                    raise self._busy() from None
                time.sleep(_POLL)
        writes = not read_only or shared
        if writes:
            with _WRITERS_LOCK:
                _WRITERS[database] = _WRITERS.get(database, 0) + 1
        try:
            con.execute("SET TimeZone = 'UTC'")
            quiet_progress(con)
            yield con
        finally:
            con.close()
            if writes:
                with _WRITERS_LOCK:
                    _WRITERS[database] -= 1
                    if not _WRITERS[database]:
                        del _WRITERS[database]

    @contextlib.contextmanager
    def reading(self) -> Iterator[Workspace]:
        """Serve every read of this thread inside the block from one read-only connection.

        Opening the database costs tens of milliseconds, so a command that reads several things
        (``cimlab workspace info``) opens it once; the reads also see one state of the data.
        Writes inside the block raise :class:`~cimlab.errors.WorkspaceError`.

        Examples
        --------
        >>> import tempfile
        >>> ws = Workspace.open(tempfile.mkdtemp())
        >>> with ws.reading():
        ...     ws.info()["batches"], ws.rows("SELECT count(*) FROM orders")
        (0, [(0,)])
        """
        me = threading.get_ident()
        if me in self._readers:  # nested: the outer block's connection serves
            yield self
            return
        with self._connect(read_only=True) as con:
            self._readers[me] = con
            try:
                yield self
            finally:
                del self._readers[me]

    # ------------------------------------------------------------------ writes

    @contextlib.contextmanager
    def transaction(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """Hold the writer lock and run one DuckDB transaction on the yielded connection.

        Commits when the block ends normally; rolls back on any exception (the workspace is
        then exactly as before). Modules that keep their own tables (identities, tags,
        consent) write through this.

        Examples
        --------
        >>> import tempfile
        >>> ws = Workspace.open(tempfile.mkdtemp())
        >>> ws.ensure_tables(["CREATE TABLE IF NOT EXISTS notes (note VARCHAR)"])
        >>> with ws.transaction() as con:
        ...     _ = con.execute("INSERT INTO notes VALUES ('hello')")
        >>> ws.query("SELECT note FROM notes")["note"].to_list()
        ['hello']
        """
        with self._writer_lock(), self._connect(read_only=False) as con:
            self._follow_key(con)
            size = self._size_on_disk()
            con.execute("BEGIN TRANSACTION")
            try:
                yield con
                con.execute("COMMIT")
            except BaseException as exc:
                self._fail_write(con, exc, action="writing to the workspace", size_before=size)

    def ensure_tables(self, statements: Sequence[str]) -> None:
        """Run ``CREATE TABLE IF NOT EXISTS`` statements of a module's own tables, once each."""
        missing = [s for s in statements if not s.lstrip().upper().startswith("CREATE")]
        if missing:
            raise WorkspaceError(
                f"ensure_tables takes CREATE statements only, got {missing[0][:60]!r}"
            )
        with self.transaction() as con:
            for statement in statements:
                con.execute(statement)

    def _size_on_disk(self) -> int:
        """Bytes of the database file and its WAL."""
        return sum(p.stat().st_size for p in (self.db_path, self.path / _WAL) if p.exists())

    def _fail_write(
        self, con: duckdb.DuckDBPyConnection, exc: BaseException, *, action: str, size_before: int
    ) -> NoReturn:
        """Roll back the open transaction of ``con`` after ``exc`` and raise the right error.

        Every write transaction ends with ``except BaseException as exc:
        self._fail_write(con, exc, action=..., size_before=...)`` (``size_before``:
        :meth:`_size_on_disk` before ``BEGIN``). A full disk (:func:`is_disk_full`) raises a
        "disk full" :class:`~cimlab.errors.WorkspaceError`, after closing ``con`` and a forced
        ``CHECKPOINT`` on a fresh connection that hands the space the failed write took back to
        the disk (DuckDB truncates the free blocks at the end of the file); another DuckDB error
        says "``action`` failed"; anything else (``KeyboardInterrupt``...) is raised again.
        """
        _rollback(con)
        if is_disk_full(exc):
            # The connection that failed keeps some of the blocks it wrote; a fresh one sees
            # them all free, and its forced CHECKPOINT truncates them off the end of the file.
            con.close()
            try:
                with self._connect(read_only=False) as fresh:
                    _give_back_space(fresh)
            except WorkspaceError as reopen:
                _log.info("%s: no checkpoint after the full disk (%s)", action, reopen)
            grown = self._size_on_disk() - size_before
            _log.info(
                "%s: disk full; rolled back, database %d bytes larger than before", action, grown
            )
            extra = ""
            if grown > 0:
                extra = (
                    f". The database file is still {_mib(grown)} larger than before: once some "
                    f"space is free, `cimlab workspace backup FILE --workspace {self.path}` "
                    "gives it back"
                )
            raise _disk_full(self.path, action, extra=extra) from exc
        if isinstance(exc, duckdb.Error):
            raise WorkspaceError(
                f"{action} failed ({type(exc).__name__}); the workspace is unchanged"
            ) from exc
        raise exc

    def import_batch(
        self,
        *,
        table: str,
        channel: str,
        file_name: str,
        content_hash: str,
        encoding: str | None,
        format: str | None,
        mapping: Mapping[str, Any],
        rows_read: int,
        valid: pl.DataFrame,
        quarantine: pl.DataFrame,
        imported_at: dt.datetime,
        user_name: str | None,
        on_before_commit: Callable[[], None] | None = None,
        rows_filtered: int = 0,
    ) -> BatchResult:
        """Store one checked file as one batch, in one transaction.

        Parameters
        ----------
        table
            Canonical table the rows go to.
        channel, file_name, content_hash, encoding, format, mapping
            Recorded in ``batches``; ``content_hash`` is the sha256 hex of the file's bytes.
        rows_read
            Data rows the file held; must equal loaded + quarantined + filtered rows.
        valid
            Rows to load: the columns of ``polars_schema(table)`` (same order and dtypes) plus
            ``source_line`` (Int64).
        quarantine
            Problems, one row each (:data:`QUARANTINE_SCHEMA`); a line with several problems
            counts once in ``rows_quarantined``.
        imported_at
            Time of the import (timezone-aware; stored in UTC).
        user_name
            Who imported.
        on_before_commit
            Called inside the transaction just before ``COMMIT``.
        rows_filtered
            Rows the mapping's row filters left out (neither loaded nor quarantined).

        Returns
        -------
        BatchResult
            ``already_imported`` when an active batch of the same table and channel holds a file
            with this content hash (nothing is added). Order lines whose (channel, order_id,
            line_number) is already stored, or repeated inside ``valid``, are quarantined and
            counted in ``rows_duplicate``.

        Examples
        --------
        >>> import tempfile, datetime as dt
        >>> from cimlab.contracts.columns import polars_schema
        >>> ws = Workspace.open(tempfile.mkdtemp())
        >>> rows = pl.DataFrame(
        ...     {"source_customer_id": ["00123"], "channel": ["shop"],
        ...      "ts": [dt.datetime(2024, 1, 5, tzinfo=dt.UTC)], "type": ["visit"],
        ...      "note": [None], "interaction_id": [None], "source_line": [2]},
        ...     schema={**polars_schema("interactions"), "source_line": pl.Int64},
        ... )
        >>> none = pl.DataFrame(schema=QUARANTINE_SCHEMA)
        >>> result = ws.import_batch(
        ...     table="interactions", channel="shop", file_name="visits.csv",
        ...     content_hash="ab" * 32, encoding="utf-8", format="csv", mapping={}, rows_read=1,
        ...     valid=rows, quarantine=none, imported_at=dt.datetime(2024, 2, 1, tzinfo=dt.UTC),
        ...     user_name=None)
        >>> result.batch_id, result.rows_loaded, result.already_imported
        (1, 1, False)
        """
        _check_batch_key(table, channel or "", content_hash)
        if isinstance(rows_read, bool) or not isinstance(rows_read, int) or rows_read < 0:
            raise WorkspaceError(f"rows_read={rows_read!r} must be a whole number >= 0")
        at = as_utc(imported_at, name="imported_at", error=WorkspaceError)
        try:  # checked before the lock is taken; stored by finish()
            json.dumps(dict(mapping), ensure_ascii=False, sort_keys=True)
        except (TypeError, ValueError) as exc:
            raise WorkspaceError(
                f"the mapping of {file_name} cannot be stored as JSON: {exc}"
            ) from None
        valid = _conform_valid(valid, table)
        problems = _conform_quarantine(quarantine)
        _check_disjoint(valid, problems, file_name)

        with self.batch_writer(
            table=table, channel=channel, content_hash=content_hash, file_name=file_name
        ) as writer:
            if writer.prior is not None:
                _log.info(
                    "%s: same content already imported in batch %d; nothing added",
                    file_name,
                    writer.prior.batch_id,
                )
                return writer.prior
            writer.add(valid, problems)
            return writer.finish(
                rows_read=rows_read,
                rows_filtered=rows_filtered,
                file_name=file_name,
                encoding=encoding,
                format=format,
                mapping=mapping,
                imported_at=at,
                user_name=user_name,
                on_before_commit=on_before_commit,
            )

    @contextlib.contextmanager
    def batch_writer(
        self, *, table: str, channel: str | None, content_hash: str, file_name: str | None = None
    ) -> Iterator[BatchWriter]:
        """Hold the writer lock and one transaction in which one file is stored as one batch.

        The yielded :class:`BatchWriter` takes the file's rows chunk by chunk
        (:meth:`BatchWriter.add`) and commits them with the batch record
        (:meth:`BatchWriter.finish`): a large file is imported with flat memory and still as one
        transaction. Leaving the block without ``finish`` (or with an exception, or when
        ``writer.prior`` says the file is already imported) rolls everything back. ``channel``
        None: the batch's channel is given to :meth:`BatchWriter.finish` (a file whose rows carry
        their channel), which then looks for the same file already imported.

        Examples
        --------
        >>> import tempfile, datetime as dt
        >>> from cimlab.contracts.columns import polars_schema
        >>> ws = Workspace.open(tempfile.mkdtemp())
        >>> schema = {**polars_schema("interactions"), "source_line": pl.Int64}
        >>> def visit(line):
        ...     return pl.DataFrame({"source_customer_id": ["7"], "channel": ["shop"],
        ...         "ts": [dt.datetime(2024, 1, 5, tzinfo=dt.UTC)], "type": ["visit"],
        ...         "note": [None], "interaction_id": [None], "source_line": [line]}, schema=schema)
        >>> none = pl.DataFrame(schema=QUARANTINE_SCHEMA)
        >>> with ws.batch_writer(table="interactions", channel="shop", content_hash="c" * 64) as w:
        ...     w.add(visit(2), none)
        ...     w.add(visit(3), none)
        ...     result = w.finish(rows_read=2, file_name="visits.csv", encoding="utf-8",
        ...         format="csv", mapping={}, imported_at=dt.datetime(2024, 2, 1, tzinfo=dt.UTC),
        ...         user_name=None)
        >>> result.rows_loaded, ws.table("interactions").height
        (2, 2)
        """
        _check_batch_key(table, channel, content_hash)
        with self._writer_lock(), self._connect(read_only=False) as con:
            self._follow_key(con)
            size = self._size_on_disk()
            staging = self.path / _STAGING
            writer = BatchWriter(
                con,
                staging,
                table=table,
                channel=channel,
                content_hash=content_hash,
                cipher=self._cipher,
            )
            writer.file_name = file_name
            try:
                shutil.rmtree(staging, ignore_errors=True)
                staging.mkdir()
                writer._begin()
                yield writer
                if not writer.finished:
                    _rollback(con)
            except BaseException as exc:
                shutil.rmtree(staging, ignore_errors=True)
                name = writer.file_name or "the file"
                self._fail_write(con, exc, action=f"storing {name} in {table}", size_before=size)
            shutil.rmtree(staging, ignore_errors=True)

    def undo(self, batch_id: int, *, at: dt.datetime) -> int:
        """Remove the rows of batch ``batch_id`` and mark it undone; returns the rows removed.

        Quarantined lines of the batch stay, for the record.

        Examples
        --------
        >>> import tempfile, datetime as dt
        >>> ws = Workspace.open(tempfile.mkdtemp())
        >>> ws.undo(7, at=dt.datetime(2024, 1, 1, tzinfo=dt.UTC))  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        cimlab.errors.WorkspaceError: no batch 7 in workspace ...; see `cimlab workspace history` for the batch numbers
        """
        when = as_utc(at, name="at", error=WorkspaceError)
        with self._writer_lock(), self._connect(read_only=False) as con:
            size = self._size_on_disk()
            con.execute("BEGIN TRANSACTION")
            try:
                row = _one(
                    con.execute(
                        "SELECT table_name, status, strftime(undone_at, '%Y-%m-%d %H:%M:%S UTC') FROM batches WHERE batch_id = ?",
                        [batch_id],
                    )
                )
                if row is None:
                    raise WorkspaceError(
                        f"no batch {batch_id} in workspace {self.path}; "
                        "see `cimlab workspace history` for the batch numbers"
                    )
                table, status, undone_at = row
                if status != "active":
                    raise WorkspaceError(
                        f"batch {batch_id} was already undone (at {undone_at}); nothing to do"
                    )
                _check_table(table)
                deleted = _one(con.execute(f"DELETE FROM {table} WHERE batch_id = ?", [batch_id]))
                con.execute(
                    "UPDATE batches SET status = 'undone', undone_at = ? WHERE batch_id = ?",
                    [when, batch_id],
                )
                con.execute("COMMIT")
            except BaseException as exc:
                self._fail_write(con, exc, action=f"undoing batch {batch_id}", size_before=size)
        removed = int(deleted[0]) if deleted else 0
        _log.info("batch %d undone: %d rows removed from %s", batch_id, removed, table)
        return removed

    # ------------------------------------------------------------------ reads

    def _read(
        self, sql: str, params: Sequence[Any] | Mapping[str, Any] | None = None
    ) -> pl.DataFrame:
        with self._connect(read_only=True) as con:
            relation = con.sql(sql, params=params)
            if relation is None:
                return pl.DataFrame()
            return relation.pl()

    def table(
        self, name: str, *, channel: str | None = None, personal: bool = True
    ) -> pl.DataFrame:
        """Rows of canonical table ``name`` (active batches only), in import order.

        Columns: those of ``polars_schema(name)``, then ``batch_id`` and ``source_line``.
        ``personal=False`` leaves the personal-data columns (names, phones, e-mails, birth
        dates: :data:`cimlab.encryption.PERSONAL_COLUMNS`) null: they are neither read nor
        decrypted, as analyses need none of them.

        Examples
        --------
        >>> import tempfile
        >>> Workspace.open(tempfile.mkdtemp()).table("feedback").columns[-2:]
        ['batch_id', 'source_line']
        """
        _check_table(name)
        schema = {**polars_schema(name), "batch_id": pl.Int64(), "source_line": pl.Int64()}
        left_out = () if personal else PERSONAL_COLUMNS.get(name, ())
        columns = ", ".join(f"NULL AS {_quote(c)}" if c in left_out else _quote(c) for c in schema)
        sql = f"SELECT {columns} FROM {name}"
        params: list[Any] = []
        if channel is not None:
            sql += " WHERE channel = ?"
            params.append(channel)
        return _cast(self.decrypt(self._read(sql, params), name), schema)

    def batches(self) -> pl.DataFrame:
        """Import history, newest first (:data:`BATCHES_SCHEMA`).

        Examples
        --------
        >>> import tempfile
        >>> Workspace.open(tempfile.mkdtemp()).batches().columns[:3]
        ['batch_id', 'table_name', 'channel']
        """
        columns = ", ".join(_quote(c) for c in BATCHES_SCHEMA)
        return _cast(
            self._read(f"SELECT {columns} FROM batches ORDER BY batch_id DESC"), BATCHES_SCHEMA
        )

    def quarantine(self, batch_id: int | None = None) -> pl.DataFrame:
        """Quarantined lines (``batch_id`` then :data:`QUARANTINE_SCHEMA`), of one batch or all.

        Examples
        --------
        >>> import tempfile
        >>> Workspace.open(tempfile.mkdtemp()).quarantine().columns[:3]
        ['batch_id', 'line', 'column']
        """
        schema = {"batch_id": pl.Int64(), **QUARANTINE_SCHEMA}
        columns = ", ".join(_quote(c) for c in schema)
        sql = f"SELECT {columns} FROM quarantine"
        params: list[Any] = []
        if batch_id is not None:
            sql += " WHERE batch_id = ?"
            params.append(batch_id)
        frame = self._read(sql + " ORDER BY batch_id, line NULLS FIRST", params)
        return _cast(self.decrypt(frame, "quarantine"), schema)

    def counts(self) -> pl.DataFrame:
        """Rows per canonical table and channel (``table``, ``channel``, ``rows``).

        Examples
        --------
        >>> import tempfile
        >>> Workspace.open(tempfile.mkdtemp()).counts().columns
        ['table', 'channel', 'rows']
        """
        schema = {"table": pl.String(), "channel": pl.String(), "rows": pl.Int64()}
        return _cast(self._read(_counts_sql()), schema)

    def info(self) -> dict[str, Any]:
        """A summary: path, size on disk, rows per table (total and per channel), batches.

        Examples
        --------
        >>> import tempfile
        >>> info = Workspace.open(tempfile.mkdtemp()).info()
        >>> info["tables"]["orders"], info["last_import_at"]
        ({'rows': 0, 'by_channel': {}}, None)
        """
        # plain rows through one connection (no Arrow): `cimlab workspace info` starts quickly
        with self._connect(read_only=True) as con:
            counts = con.execute(_counts_sql()).fetchall()
            active, total, last_us = con.execute(  # microseconds: fetchall's zones need pytz
                "SELECT count(*) FILTER (WHERE status = 'active'), count(*), "
                "epoch_us(max(imported_at)) FROM batches"
            ).fetchall()[0]
        last = None if last_us is None else _EPOCH + dt.timedelta(microseconds=last_us)
        tables: dict[str, Any] = {t: {"rows": 0, "by_channel": {}} for t in TABLES}
        for t, channel, rows in counts:
            tables[t]["rows"] += int(rows)
            tables[t]["by_channel"][channel] = int(rows)
        wal = self.db_path.with_name(DB_NAME + ".wal")
        size = sum(p.stat().st_size for p in (self.db_path, wal) if p.exists())
        return {
            "path": str(self.path),
            "size_bytes": size,
            "schema_version": SCHEMA_VERSION,
            "tables": tables,
            "active_batches": int(active),
            "batches": int(total),
            "last_import_at": last,
        }

    def rows(
        self, sql: str, params: Sequence[Any] | Mapping[str, Any] | None = None
    ) -> list[tuple[Any, ...]]:
        """Run a read-only SQL query like :meth:`query` and return its rows as tuples.

        For small results (settings, counts): no Arrow conversion, so nothing beyond DuckDB
        is loaded.

        Examples
        --------
        >>> import tempfile
        >>> Workspace.open(tempfile.mkdtemp()).rows("SELECT count(*) FROM orders")
        [(0,)]
        """
        with self._connect(read_only=True) as con:
            con.execute("SET enable_external_access = false")
            try:
                return con.execute(sql, params).fetchall()
            except duckdb.Error as exc:
                raise WorkspaceError(f"query failed: {exc}") from None

    def query(
        self, sql: str, params: Sequence[Any] | Mapping[str, Any] | None = None
    ) -> pl.DataFrame:
        """Run a read-only SQL query on the workspace tables and return a Polars frame.

        The connection is read-only and cannot reach other files (no ``read_csv``, ``ATTACH``).

        Examples
        --------
        >>> import tempfile
        >>> Workspace.open(tempfile.mkdtemp()).query("SELECT count(*) AS n FROM orders").item()
        0
        """
        with self._connect(read_only=True) as con:
            con.execute("SET enable_external_access = false")
            try:
                relation = con.sql(sql, params=params)
                return pl.DataFrame() if relation is None else relation.pl()
            except duckdb.Error as exc:
                raise WorkspaceError(f"query failed: {exc}") from None

    def table_names(self) -> set[str]:
        """Names of the tables in the workspace database (one query).

        Examples
        --------
        >>> import tempfile
        >>> "orders" in Workspace.open(tempfile.mkdtemp()).table_names()
        True
        """
        found = self._read("SELECT table_name FROM duckdb_tables()")
        return set(found["table_name"].to_list()) if found.width else set()

    def has_table(self, name: str) -> bool:
        """Whether the workspace database has a table called ``name``.

        Examples
        --------
        >>> import tempfile
        >>> ws = Workspace.open(tempfile.mkdtemp())
        >>> ws.has_table("orders"), ws.has_table("identity_map")
        (True, False)
        """
        found = self._read("SELECT count(*) AS n FROM duckdb_tables() WHERE table_name = ?", [name])
        return bool(found.item())

    def identity_map(self, *, customer_ids: Sequence[str] | None = None) -> pl.DataFrame:
        """The ``identity_map`` table (:data:`IDENTITY_MAP_SCHEMA`), of all or some customers.

        The one reader of the map (see :func:`read_identity_map`): empty, with that schema, when
        identities were never resolved (:func:`cimlab.identity.resolve` writes the table).

        Examples
        --------
        >>> import tempfile
        >>> Workspace.open(tempfile.mkdtemp()).identity_map().columns[:3]
        ['channel', 'source_customer_id', 'customer_id']
        """
        with self._connect(read_only=True) as con:
            return read_identity_map(con, customer_ids=customer_ids)

    def identity_counts(self) -> dict[str, int]:
        """How far identity resolution reaches, in one read without Arrow.

        ``records``: source records in the identity map; ``customers``: unified customers;
        ``unlinked_records``: source records (``channel, source_customer_id`` in any canonical
        table) in no customer yet, i.e. imported after the last resolution (0 when identities
        were never resolved: then nothing is linked); ``removed_records``: records of the map
        that no table holds any more (their rows were undone since the last resolution), which
        the map's customers still count until identities are resolved again.

        Examples
        --------
        >>> import tempfile
        >>> Workspace.open(tempfile.mkdtemp()).identity_counts()
        {'records': 0, 'customers': 0, 'unlinked_records': 0, 'removed_records': 0}
        """
        counts = {"records": 0, "customers": 0, "unlinked_records": 0, "removed_records": 0}
        with self._connect(read_only=True) as con:
            found = con.execute(
                "SELECT count(*) FROM duckdb_tables() WHERE table_name = 'identity_map'"
            ).fetchall()[0][0]
            if not found:
                return counts
            records, customers = con.execute(
                "SELECT count(*), count(DISTINCT customer_id) FROM identity_map"
            ).fetchall()[0]
            if not records:
                return counts
            sources = " UNION ".join(
                f"SELECT channel, source_customer_id FROM {t} WHERE source_customer_id IS NOT NULL"
                for t in TABLES
            )
            unlinked = con.execute(
                f"SELECT count(*) FROM ({sources}) AS r "
                "ANTI JOIN identity_map AS m USING (channel, source_customer_id)"
            ).fetchall()[0][0]
            removed = con.execute(
                "SELECT count(*) FROM (SELECT DISTINCT channel, source_customer_id FROM "
                f"identity_map) AS m ANTI JOIN ({sources}) AS r USING (channel, source_customer_id)"
            ).fetchall()[0][0]
        return {
            "records": records,
            "customers": customers,
            "unlinked_records": unlinked,
            "removed_records": removed,
        }

    def customer_records(self, customer_ids: Sequence[str]) -> pl.DataFrame:
        """The identity map rows of ``customer_ids``; raises unless every id is in the map.

        Raises :class:`~cimlab.errors.WorkspaceError` naming the unknown ids.

        Examples
        --------
        >>> import tempfile
        >>> Workspace.open(tempfile.mkdtemp()).customer_records(["C9"])  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        cimlab.errors.WorkspaceError: unknown customer_id C9 ...
        """
        wanted = list(dict.fromkeys(customer_ids))
        rows = self.identity_map(customer_ids=wanted)
        known = set(rows["customer_id"].to_list())
        unknown = [c for c in wanted if c not in known]
        if unknown:
            shown = ", ".join(unknown[:5]) + (" ..." if len(unknown) > 5 else "")
            raise WorkspaceError(
                f"unknown customer_id {shown} ({len(unknown)} not in this workspace's identity "
                "map); run identity resolution (`cimlab customers resolve`) or search for the "
                "right id"
            )
        return rows

    def rows_with_import_time(
        self,
        table: str,
        *,
        columns: Sequence[str],
        records: pl.DataFrame | None = None,
    ) -> pl.DataFrame:
        """``columns`` of canonical ``table`` plus ``batch_id, source_line, imported_at``.

        Active batches only; with ``records`` (a frame with ``channel, source_customer_id``,
        such as identity map rows), only the rows of those source records.

        Examples
        --------
        >>> import tempfile
        >>> ws = Workspace.open(tempfile.mkdtemp())
        >>> ws.rows_with_import_time("orders", columns=["order_id"]).columns
        ['order_id', 'batch_id', 'source_line', 'imported_at']
        """
        _check_table(table)
        contract_columns = polars_schema(table)
        schema = {
            **{c: contract_columns[c] for c in columns},
            "batch_id": pl.Int64(),
            "source_line": pl.Int64(),
            "imported_at": pl.Datetime("us", "UTC"),
        }
        where, params = "", []
        if records is not None:
            if records.is_empty():
                return pl.DataFrame(schema=schema)
            keys = records.select(
                pl.format("{}\x1f{}", "channel", "source_customer_id").unique().sort()
            ).to_series()
            where = " WHERE list_contains(?, t.channel || chr(31) || t.source_customer_id)"
            params = [keys.to_list()]
        selected = ", ".join(f"t.{_quote(c)}" for c in [*columns, "batch_id", "source_line"])
        frame = self._read(
            f"SELECT {selected}, b.imported_at FROM {table} t JOIN batches b USING (batch_id)"
            + where,
            params,
        )
        frame = self.decrypt(frame, table)
        return _cast(frame.select(list(schema)) if frame.width else frame, schema)

    # ------------------------------------------------------------------ integrity

    def check(self) -> IntegrityReport:
        """Read every column of every row of every table and report what is damaged.

        DuckDB verifies the checksum of each block it reads, so damaged bytes or a truncated
        file show up as a problem naming the table (``count(*)`` alone would come from metadata).
        The same check guards :meth:`backup` and :meth:`restore`; :func:`check_database` is its
        twin for any DuckDB file.

        Examples
        --------
        >>> import tempfile
        >>> report = Workspace.open(tempfile.mkdtemp()).check()
        >>> report.ok, report.tables["orders"], report.problems
        (True, 0, ())
        """
        if self.path.is_dir():
            self._recover_if_needed()
        if not self.db_path.is_file():
            raise WorkspaceError(f"no cimlab workspace in {self.path} (no {DB_NAME} there)")
        started = time.perf_counter()
        try:
            with self._connect(read_only=True) as con:
                tables, problems = _read_everything(con, self.db_path)
        except WorkspaceBusy:
            raise
        except WorkspaceError as exc:  # DuckDB cannot even open it
            tables, problems = {}, [str(exc)]
        _log.info(
            "checked %s: %d tables, %d rows read, %d problems in %.2f s",
            self.path,
            len(tables),
            sum(tables.values()),
            len(problems),
            time.perf_counter() - started,
        )
        return IntegrityReport(self.db_path, tables, tuple(problems))

    # ------------------------------------------------------------------ backup / restore

    def backup(self, file: str | os.PathLike[str]) -> Path:
        """Write a checked copy of the workspace to ``file``, its checksum beside it; return the path.

        The copy is taken under the writer lock after a ``CHECKPOINT``, then read in full as
        :meth:`check` does: a damaged workspace raises :class:`~cimlab.errors.WorkspaceError` and
        writes nothing. The SHA-256 of the copy goes to ``FILE.sha256`` (:func:`checksum_path`) in
        ``sha256sum`` format, so ``sha256sum -c FILE.sha256`` verifies it too. An existing
        ``file`` is replaced only when it is itself a cimlab backup; a ``.FILE.partial`` left by
        a killed backup is removed.

        Examples
        --------
        >>> import tempfile, pathlib
        >>> ws = Workspace.open(tempfile.mkdtemp())
        >>> copy = ws.backup(pathlib.Path(tempfile.mkdtemp()) / "copy.duckdb")
        >>> copy.name, checksum_path(copy).read_text().endswith("  copy.duckdb\\n")
        ('copy.duckdb', True)
        """
        target = Path(file)
        if target.is_dir():
            raise WorkspaceError(f"{target} is a folder; give a file name such as backup.duckdb")
        if target.resolve() == self.db_path.resolve():
            raise WorkspaceError(f"{target} is the workspace's own database; choose another file")
        if self.path.is_dir():
            self._recover_if_needed()  # never back up a restore that was killed half-way
        if not self.db_path.is_file():
            raise WorkspaceError(f"no cimlab workspace in {self.path} (no {DB_NAME} there)")
        sidecar = checksum_path(target)
        if target.exists() and not _is_our_backup(target):
            _check_backup(target, what=f"the existing file {target}")
        partial = target.with_name(f".{target.name}.partial")
        partial_sum = sidecar.with_name(f".{sidecar.name}.partial")
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            for leftover in (partial, partial_sum):  # of a backup killed half-way
                leftover.unlink(missing_ok=True)
            with self._writer_lock(), self._connect(read_only=False) as con:
                try:
                    _give_back_space(con, quiet=False)
                except duckdb.Error as exc:
                    if is_disk_full(exc):
                        raise _disk_full(self.path, "the checkpoint before the backup") from exc
                    raise WorkspaceError(
                        f"no backup written: the checkpoint of {self.db_path} failed "
                        f"({type(exc).__name__}); find what is damaged with "
                        f"`cimlab workspace check --workspace {self.path}`"
                    ) from exc
                digest = _copy_hashing(self.db_path, partial)
            report = _check_file(partial, shown=self.db_path)
            if not report.ok:
                raise WorkspaceError(
                    f"no backup written: workspace {self.path} is damaged: "
                    f"{'; '.join(report.problems)}. Restore a backup you trust with "
                    f"`cimlab workspace restore FILE --workspace {self.path}`"
                )
            _write_synced(partial_sum, f"{digest}  {target.name}\n")
            # From here a crash leaves the backup (old or new) without a checksum file, which
            # restore accepts after its full read; never a checksum that belongs to another file.
            sidecar.unlink(missing_ok=True)
            os.replace(partial, target)
            os.replace(partial_sum, sidecar)
            _fsync_dir(target.parent)
        except OSError as exc:
            if is_disk_full(exc):
                raise _disk_full(target.parent, f"writing the backup {target}") from exc
            raise WorkspaceError(
                f"cannot write the backup {target} ({exc.strerror}); check the folder is writable"
            ) from None
        finally:
            partial.unlink(missing_ok=True)
            partial_sum.unlink(missing_ok=True)
        _log.info(
            "workspace %s backed up to %s (%d tables, %d rows checked)",
            self.path,
            target,
            len(report.tables),
            report.rows,
        )
        return target

    @classmethod
    def restore(
        cls, file: str | os.PathLike[str], path: str | os.PathLike[str], *, wait: float = 0.0
    ) -> Workspace:
        """Replace the database of workspace ``path`` by the backup ``file``; returns the workspace.

        The backup is verified in full before the workspace is touched: copied into the
        workspace folder while its SHA-256 is compared with ``FILE.sha256`` (a backup without
        one, from an older cimlab, is accepted with a logged warning), then every column of every
        row is read as :meth:`check` does. The old database waits in ``DIR/.cimlab.previous``
        until the restored one has opened and been checked; on any failure it is back in place
        and the :class:`~cimlab.errors.WorkspaceError` says why. Creates the folder if needed.

        Examples
        --------
        >>> import tempfile, pathlib
        >>> ws = Workspace.open(tempfile.mkdtemp())
        >>> copy = ws.backup(pathlib.Path(tempfile.mkdtemp()) / "copy.duckdb")
        >>> Workspace.restore(copy, tempfile.mkdtemp()).batches().height
        0
        """
        source = Path(file)
        if not source.is_file():
            raise WorkspaceError(f"backup file {source} not found")
        ws = cls(path, wait=wait)
        if ws.path.exists() and not ws.path.is_dir():
            raise WorkspaceError(f"{ws.path} is a file, not a workspace folder")
        if ws.db_path.exists() and source.resolve() == ws.db_path.resolve():
            raise WorkspaceError(f"{source} is the workspace's own database; nothing to restore")
        expected = _read_checksum(source)
        if expected is None:  # refuse what is no backup at all before copying it
            _check_backup(source, what=str(source))
            _log.info(
                "%s has no checksum file %s (an older cimlab?); it is restored after a full read",
                source,
                checksum_path(source).name,
            )
        incoming = ws.path / _RESTORING
        try:
            ws.path.mkdir(parents=True, exist_ok=True)
            with ws._writer_lock():
                ws._recover()
                try:
                    digest = _copy_hashing(source, incoming)
                    report = _verify_backup(incoming, source, expected, digest)
                    ws._swap_in(incoming, report)
                finally:
                    incoming.unlink(missing_ok=True)
        except OSError as exc:
            if is_disk_full(exc):
                raise _disk_full(ws.path, f"restoring {source}") from exc
            raise WorkspaceError(
                f"cannot restore {ws.path} from {source} ({exc.strerror}); nothing was changed: "
                "the workspace folder must be writable"
            ) from None
        _log.info(
            "workspace %s restored from %s (%d tables, %d rows checked)",
            ws.path,
            source,
            len(report.tables),
            report.rows,
        )
        return cls.open(ws.path, create=False, wait=wait)

    def _swap_in(self, incoming: Path, report: IntegrityReport) -> None:
        """Put the checked ``incoming`` database in place; on any failure the old one is back.

        The old database (hard-linked, or moved when links are not possible) and its WAL wait in
        ``.cimlab.previous`` until the new one has opened and matched ``report``; renaming that
        folder to ``.cimlab.previous.discard`` is the moment the restore succeeds.
        """
        previous = self.path / _PREVIOUS
        previous.mkdir()
        try:
            if (self.path / _WAL).exists():
                os.replace(self.path / _WAL, previous / _WAL)
            if self.db_path.exists():
                _link_or_move(self.db_path, previous / DB_NAME)
            _fsync_dir(previous)
            os.replace(incoming, self.db_path)
            _fsync_dir(self.path)
            self._prove(report)
        except BaseException:
            self._recover()
            raise
        os.replace(previous, self.path / _DISCARD)
        _fsync_dir(self.path)
        shutil.rmtree(self.path / _DISCARD, ignore_errors=True)

    def _prove(self, report: IntegrityReport) -> None:
        """Open the database just put in place; fail unless it is the one ``report`` checked."""
        self._inspect()
        with self._connect(read_only=True) as con:
            for name, rows in report.tables.items():
                schema, _, table = name.rpartition(".")
                found = _one(
                    con.execute(f"SELECT count(*) FROM {_quote(schema or 'main')}.{_quote(table)}")
                )
                if found is None or int(found[0]) != rows:
                    raise WorkspaceError(
                        f"the restored database does not open as it was checked (table {name}: "
                        f"{None if found is None else found[0]} rows, {rows} when checked); "
                        "nothing was changed"
                    )

    def _recover_if_needed(self) -> None:
        """Tidy up after a killed restore (:meth:`_recover`) when it left anything behind."""
        if any((self.path / name).exists() for name in (_RESTORING, _PREVIOUS, _DISCARD, _STAGING)):
            with self._writer_lock():
                self._recover()

    def _recover(self) -> None:
        """Under the writer lock: put back what an unfinished restore moved aside, drop left-overs.

        While ``.cimlab.previous`` exists the restore has not succeeded, so the old database
        (and WAL) in it go back in place; ``.cimlab.previous.discard`` (a restore that succeeded)
        and ``.cimlab.duckdb.restoring`` (a copy in progress) are removed. Every step can be run
        again if this one is killed too.
        """
        incoming, previous, discard = (self.path / n for n in (_RESTORING, _PREVIOUS, _DISCARD))
        done: list[str] = []
        try:
            if incoming.exists():
                incoming.unlink()
                done.append(f"removed {incoming.name}")
            if previous.is_dir():
                old_db, old_wal = previous / DB_NAME, previous / _WAL
                if old_db.exists():
                    if self.db_path.exists() and os.path.samefile(old_db, self.db_path):
                        old_db.unlink()  # killed before the swap: the old one never left
                    else:
                        os.replace(old_db, self.db_path)
                if old_wal.exists():
                    os.replace(old_wal, self.path / _WAL)
                shutil.rmtree(previous)
                done.append("put back the database an unfinished restore had moved aside")
            if discard.exists():
                shutil.rmtree(discard)
                done.append(f"removed {discard.name}")
            if (self.path / _STAGING).exists():
                shutil.rmtree(self.path / _STAGING)
                done.append(f"removed {_STAGING} (the chunks of an import that never finished)")
            if done:
                _fsync_dir(self.path)
        except OSError as exc:
            raise WorkspaceError(
                f"cannot tidy up after an unfinished restore in {self.path} ({exc.strerror}); "
                f"check the folder is writable ({', '.join(done) or 'nothing done yet'})"
            ) from None
        if done:
            _log.info("workspace %s: %s", self.path, "; ".join(done))


# ---------------------------------------------------------------------------- integrity


def read_identity_map(
    con: duckdb.DuckDBPyConnection, *, customer_ids: Sequence[str] | None = None
) -> pl.DataFrame:
    """The ``identity_map`` table through an open connection (:data:`IDENTITY_MAP_SCHEMA`).

    The one query that reads the map: :meth:`Workspace.identity_map` runs it on a read-only
    connection, identity resolution inside its own transaction. Rows are ordered by customer,
    channel and source id; ``customer_ids`` filters in the query. Empty (with the schema) when
    the table does not exist yet.

    Examples
    --------
    >>> read_identity_map(duckdb.connect()).columns[-3:]
    ['rule', 'key_type', 'score']
    """
    found = con.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE table_name = 'identity_map'"
    ).fetchall()
    if not found or not found[0][0]:
        return pl.DataFrame(schema=IDENTITY_MAP_SCHEMA)
    sql = f"SELECT {', '.join(IDENTITY_MAP_SCHEMA)} FROM identity_map"
    params: list[Any] = []
    if customer_ids is not None:
        sql += " WHERE list_contains(?, customer_id)"
        params.append(list(customer_ids))
    relation = con.sql(sql + " ORDER BY customer_id, channel, source_customer_id", params=params)
    frame = pl.DataFrame() if relation is None else relation.pl()
    return _cast(frame, IDENTITY_MAP_SCHEMA)


def check_database(file: str | os.PathLike[str]) -> IntegrityReport:
    """Read every column of every row of every table of the DuckDB file ``file``.

    The twin of :meth:`Workspace.check` for any file (a backup, a copy): it opens ``file``
    read-only, without the workspace's lock or retries. A file DuckDB cannot open, that is not a
    cimlab workspace of a known version, or whose blocks fail to read, gives problems.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> ws = Workspace.open(tempfile.mkdtemp())
    >>> check_database(ws.db_path).ok
    True
    >>> junk = pathlib.Path(tempfile.mkdtemp()) / "junk.duckdb"
    >>> _ = junk.write_bytes(b"not a database")
    >>> check_database(junk).problems  # doctest: +ELLIPSIS
    ('.../junk.duckdb cannot be opened as a DuckDB database (...)',)
    """
    path = Path(file)
    if not path.is_file():
        raise WorkspaceError(f"{path} not found")
    return _check_file(path, shown=path)


def _check_file(file: Path, *, shown: Path) -> IntegrityReport:
    """:func:`check_database` of ``file``, naming it ``shown`` in the problems."""
    try:
        con = duckdb.connect(str(file), read_only=True)
    except duckdb.Error as exc:
        problem = f"{shown} cannot be opened as a DuckDB database ({_damage(exc)})"
        return IntegrityReport(file, {}, (problem,))
    try:
        tables, problems = _read_everything(con, shown)
    finally:
        con.close()
    return IntegrityReport(file, tables, tuple(problems))


def _read_everything(con: duckdb.DuckDBPyConnection, db: Path) -> tuple[dict[str, int], list[str]]:
    """Rows per table and problems, reading every column of every row of every table.

    ``count(*)`` may be answered from metadata; folding a hash of every column forces DuckDB to
    read (and checksum) every block of every column.
    """
    try:
        names = con.execute(
            "SELECT schema_name, table_name FROM duckdb_tables() "
            "WHERE database_name = current_database() AND NOT temporary ORDER BY ALL"
        ).fetchall()
        columns: dict[tuple[str, str], list[str]] = {
            (schema, table): cols
            for schema, table, cols in con.execute(
                "SELECT schema_name, table_name, list(column_name ORDER BY column_index) "
                "FROM duckdb_columns() WHERE database_name = current_database() GROUP BY ALL"
            ).fetchall()
        }
    except duckdb.Error as exc:
        return {}, [f"the list of tables of {db} is unreadable: {_damage(exc)}"]
    problems: list[str] = []
    try:
        version = _read_version(con, {t for s, t in names if s == "main"}, db)
        if version is None:
            problems.append(f"{db} is not a cimlab workspace (no cimlab meta table)")
        else:
            _check_version(version, db)
            _check_columns(con, db, version)
            problems += _batch_count_problems(con, version, db)
    except WorkspaceError as exc:
        problems.append(str(exc))
    except duckdb.Error:
        pass  # the full read below names the damaged table
    tables: dict[str, int] = {}
    for schema, table in names:
        name = table if schema == "main" else f"{schema}.{table}"
        hashed = ", ".join(_quote(c) for c in columns.get((schema, table), []))
        try:
            row = _one(
                con.execute(
                    f"SELECT count(*), bit_xor(hash({hashed})) "
                    f"FROM {_quote(schema)}.{_quote(table)}"
                )
            )
        except duckdb.Error as exc:
            problems.append(f"table {name} unreadable: {_damage(exc)}")
        else:
            tables[name] = int(row[0])
    return tables, problems


def _batch_count_problems(con: duckdb.DuckDBPyConnection, version: int, db: Path) -> list[str]:
    """Batch records whose counts do not add up (``rows_read = rows_loaded + rows_quarantined
    + rows_filtered``), and a version-2 ``batches`` table without ``rows_filtered``."""
    columns = {
        r[0]
        for r in con.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_name = 'batches'"
        ).fetchall()
    }
    if version >= 2 and "rows_filtered" not in columns:
        return [
            f"{db}: table batches has no rows_filtered column, which schema version {version} "
            "has; the file was changed by something other than cimlab"
        ]
    filtered = "rows_filtered" if "rows_filtered" in columns else "0"
    try:
        bad = [
            int(r[0])
            for r in con.execute(
                "SELECT batch_id FROM batches WHERE rows_read IS DISTINCT FROM "
                f"rows_loaded + rows_quarantined + {filtered} ORDER BY batch_id"
            ).fetchall()
        ]
    except duckdb.Error:
        return []  # the full read of every table names the damage
    if not bad:
        return []
    more = f" and {len(bad) - 10:,} more" if len(bad) > 10 else ""
    shown = ", ".join(map(str, bad[:10])) + more
    return [
        f"{db}: the counts of batch(es) {shown} do not add up (rows read should be rows loaded + "
        "quarantined + filtered); the batch records were changed by something other than cimlab"
    ]


def _damage(exc: BaseException) -> str:
    """What a DuckDB read error says about the file, in words (no row values)."""
    message = str(exc)
    lower = message.lower()
    at = re.search(r"location (\d+)", message)
    where = f" at byte {int(at.group(1)):,}" if at else ""
    if "checksum" in lower:
        return f"a block{where} fails its checksum (the bytes changed after DuckDB wrote them)"
    if "could not read enough bytes" in lower or "end of file" in lower:
        return f"the file is truncated (a block{where} lies past its end)"
    first = message.splitlines()[0] if message else ""
    return f"{type(exc).__name__}: {first[:200]}"


def _verify_backup(
    incoming: Path, source: Path, expected: str | None, digest: str
) -> IntegrityReport:
    """Check the copy ``incoming`` of backup ``source``: checksum, identity, then every row."""
    if expected is not None and digest != expected:
        raise WorkspaceError(
            f"{source} is damaged: checksum mismatch (its SHA-256 is {digest[:16]}..., "
            f"{checksum_path(source).name} says {expected[:16]}...): it changed after "
            "`cimlab workspace backup` wrote it. Nothing was changed; restore another backup"
        )
    _check_backup(incoming, what=str(source), shown=source)
    report = _check_file(incoming, shown=source)
    if not report.ok:
        raise WorkspaceError(
            f"{source} is damaged: {'; '.join(report.problems)}. Nothing was changed; "
            "restore another backup"
        )
    return report


def checksum_path(file: str | os.PathLike[str]) -> Path:
    """The checksum file of backup ``file``: ``FILE.sha256``, one ``sha256sum`` line.

    Examples
    --------
    >>> checksum_path("backups/monday.duckdb").name
    'monday.duckdb.sha256'
    """
    path = Path(file)
    return path.with_name(path.name + ".sha256")


def _read_checksum(file: Path) -> str | None:
    """The SHA-256 that ``FILE.sha256`` records for ``file``; ``None`` when there is none."""
    sidecar = checksum_path(file)
    try:
        text = sidecar.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError) as exc:
        reason = getattr(exc, "strerror", None) or type(exc).__name__
        raise WorkspaceError(
            f"cannot read the checksum file {sidecar} ({reason}); nothing was changed"
        ) from None
    lines = text.strip().splitlines()
    match = _SHA256_LINE.fullmatch(lines[0]) if lines else None
    if match is None:
        raise WorkspaceError(
            f"the checksum file {sidecar} is damaged (expected one line 'SHA256  {file.name}' "
            f"as sha256sum writes it); nothing was changed. Delete it to restore {file} "
            "after a full read but without its checksum"
        )
    return match.group(1).lower()


def _is_our_backup(file: Path) -> bool:
    """``file`` has a checksum file naming it and starts like a DuckDB file (maybe damaged)."""
    try:
        with open(file, "rb") as fh:
            magic = fh.read(12)[8:12]
        match = _SHA256_LINE.fullmatch(checksum_path(file).read_text("utf-8").strip())
    except (OSError, UnicodeDecodeError):
        return False
    return magic == b"DUCK" and match is not None and match.group(2) == file.name


def _copy_hashing(source: Path, target: Path) -> str:
    """Copy ``source`` to ``target`` (synced to disk); return the SHA-256 of the bytes written."""
    digest = hashlib.sha256()
    with open(source, "rb") as src, open(target, "wb") as dst:
        while chunk := src.read(_CHUNK):
            dst.write(chunk)
            digest.update(chunk)
        dst.flush()
        os.fsync(dst.fileno())
    return digest.hexdigest()


def _write_synced(path: Path, text: str) -> None:
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(text)
        fh.flush()
        os.fsync(fh.fileno())


def _link_or_move(source: Path, target: Path) -> None:
    """Hard-link ``source`` as ``target`` (``source`` stays in place); move it if links fail."""
    try:
        os.link(source, target)
    except OSError:
        os.replace(source, target)


# ---------------------------------------------------------------------------- full disk


def is_disk_full(exc: BaseException) -> bool:
    """True when ``exc``, or an error it was raised from or while handling, is a full disk.

    Recognises ``OSError`` with ``errno`` ENOSPC (or EDQUOT, a full quota), and DuckDB and
    Polars errors saying "No space left on device" (they report a failed file write that way,
    Polars with "os error 28").

    Examples
    --------
    >>> import errno
    >>> is_disk_full(OSError(errno.ENOSPC, "No space left on device"))
    True
    >>> is_disk_full(duckdb.IOException('Could not write file "x": No space left on device'))
    True
    >>> is_disk_full(OSError(errno.EACCES, "Permission denied"))
    False
    """
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, OSError) and current.errno in _DISK_FULL_ERRNOS:
            return True
        if isinstance(current, duckdb.Error | pl.exceptions.PolarsError) and any(
            marker in str(current).lower() for marker in _DISK_FULL_MARKERS
        ):
            return True
        current = current.__cause__ or current.__context__
    return False


def _disk_full(where: Path, action: str, *, extra: str = "") -> WorkspaceError:
    return WorkspaceError(
        f"disk full: {action} ran out of space on the disk holding {where}; nothing was "
        f"changed. Free some space there, then retry{extra}"
    )


def _give_back_space(con: duckdb.DuckDBPyConnection, *, quiet: bool = True) -> None:
    """Force a ``CHECKPOINT``: DuckDB then truncates the free blocks at the end of the file.

    A plain ``CHECKPOINT`` is skipped when the WAL is empty, which is the case after a rollback.
    """
    try:
        con.execute("PRAGMA force_checkpoint")
        con.execute("CHECKPOINT")
    except duckdb.Error:
        if not quiet:
            raise


def _mib(size: int) -> str:
    return f"{size / 2**20:,.1f} MB"


# ---------------------------------------------------------------------------- helpers


def _ddl(*, encrypted: bool = False) -> list[str]:
    """The workspace's tables; ``encrypted``: personal-data columns are VARCHAR (sealed text)."""
    statements = [
        "CREATE TABLE IF NOT EXISTS meta (key VARCHAR NOT NULL, value VARCHAR NOT NULL)",
        """CREATE TABLE IF NOT EXISTS batches (
            batch_id BIGINT NOT NULL, table_name VARCHAR NOT NULL, channel VARCHAR NOT NULL,
            file_name VARCHAR NOT NULL, content_hash VARCHAR NOT NULL, encoding VARCHAR,
            format VARCHAR, mapping VARCHAR, rows_read BIGINT NOT NULL,
            rows_loaded BIGINT NOT NULL, rows_quarantined BIGINT NOT NULL,
            rows_duplicate BIGINT NOT NULL, imported_at TIMESTAMPTZ NOT NULL, user_name VARCHAR,
            status VARCHAR NOT NULL CHECK (status IN ('active', 'undone')),
            undone_at TIMESTAMPTZ, rows_filtered BIGINT NOT NULL DEFAULT 0)""",
        """CREATE TABLE IF NOT EXISTS quarantine (
            batch_id BIGINT NOT NULL, line BIGINT, "column" VARCHAR, value VARCHAR,
            reason VARCHAR, reason_zh VARCHAR, row_json VARCHAR)""",
    ]
    statements += [_table_ddl(table, table, encrypted=encrypted) for table in TABLES]
    return statements


def _table_ddl(table: str, name: str, *, encrypted: bool = False) -> str:
    """``CREATE TABLE IF NOT EXISTS name`` with the columns of canonical ``table``
    (``encrypted``: its personal-data columns hold sealed text, VARCHAR)."""
    not_null = set(non_null_columns(table))
    sealed = set(PERSONAL_COLUMNS.get(table, ())) if encrypted else set()
    defs = [
        f"{_quote(column)} {'VARCHAR' if column in sealed else _duck_type(dtype, column)}"
        f"{' NOT NULL' if column in not_null else ''}"
        for column, dtype in polars_schema(table).items()
    ]
    defs += ["batch_id BIGINT NOT NULL", "source_line BIGINT"]
    return f"CREATE TABLE IF NOT EXISTS {name} ({', '.join(defs)})"


def _stored_schema(table: str, version: int) -> dict[str, pl.DataType]:
    """The contract columns of ``table`` as a workspace of schema ``version`` stores them."""
    later = {c for v, (t, c) in _ADDED_COLUMNS.items() if t == table and v > version}
    return {c: d for c, d in polars_schema(table).items() if c not in later}


def _add_contract_column(con: duckdb.DuckDBPyConnection, table: str, column: str) -> None:
    """Rebuild ``table`` (inside the caller's transaction) with ``column`` where the contract
    puts it, empty for the stored rows (``ALTER TABLE ADD`` would put it last)."""
    temporary = f"{table}__upgrade"
    selected = ", ".join(
        f"NULL AS {_quote(c)}" if c == column else _quote(c)
        for c in [*polars_schema(table), "batch_id", "source_line"]
    )
    con.execute(f"DROP TABLE IF EXISTS {temporary}")
    con.execute(_table_ddl(table, temporary, encrypted=_key_check(con) is not None))
    con.execute(f"INSERT INTO {temporary} SELECT {selected} FROM {table}")
    con.execute(f"DROP TABLE {table}")
    con.execute(f"ALTER TABLE {temporary} RENAME TO {table}")


def _counts_sql() -> str:
    """Rows per canonical table and channel, in table order then channel."""
    union = " UNION ALL ".join(
        f'SELECT \'{t}\' AS "table", channel, count(*) AS "rows" FROM {t} GROUP BY channel'
        for t in TABLES
    )
    order = ", ".join(f"'{t}'" for t in TABLES)
    return f'SELECT * FROM ({union}) ORDER BY list_position([{order}], "table"), channel'


def _duck_type(dtype: pl.DataType, name: str) -> str:
    if dtype == pl.String:
        return "VARCHAR"
    if dtype == pl.Int64:
        return "BIGINT"
    if dtype == pl.Float64:
        return "DOUBLE"
    if dtype == pl.Boolean:
        return "BOOLEAN"
    if dtype == pl.Date:
        return "DATE"
    if isinstance(dtype, pl.Datetime) and dtype.time_zone == "UTC":
        return "TIMESTAMPTZ"
    raise WorkspaceError(f"column {name}: no DuckDB type for polars dtype {dtype}")


_DUCK_NAMES = {
    "VARCHAR": "VARCHAR",
    "BIGINT": "BIGINT",
    "DOUBLE": "DOUBLE",
    "BOOLEAN": "BOOLEAN",
    "DATE": "DATE",
    "TIMESTAMPTZ": "TIMESTAMP WITH TIME ZONE",
}


def _check_columns(con: duckdb.DuckDBPyConnection, db: Path, version: int = SCHEMA_VERSION) -> None:
    """Fail clearly when the stored tables do not match the data contracts of schema
    ``version`` (today's, or an older one that :meth:`Workspace.open` upgrades)."""
    rows = con.execute(
        "SELECT table_name, column_name, data_type FROM information_schema.columns "
        "ORDER BY table_name, ordinal_position"
    ).fetchall()
    stored: dict[str, list[tuple[str, str]]] = {}
    for table, column, dtype in rows:
        stored.setdefault(table, []).append((column, dtype))
    encrypted = "meta" in stored and _key_check(con) is not None
    for table in TABLES:
        sealed = set(PERSONAL_COLUMNS.get(table, ())) if encrypted else set()
        layouts = [
            [
                (name, "VARCHAR" if name in sealed else _DUCK_NAMES[_duck_type(dtype, name)])
                for name, dtype in schema.items()
            ]
            + [("batch_id", "BIGINT"), ("source_line", "BIGINT")]
            for schema in (_stored_schema(table, version), polars_schema(table))
        ]  # an older version's layout, or today's (a column added before the version was set)
        expected = layouts[0]
        if stored.get(table) not in layouts:
            have = [c for c, _ in stored.get(table, [])]
            want = [c for c, _ in expected]
            diff = sorted(set(want) ^ set(have)) or ["column types or order"]
            raise WorkspaceError(
                f"{db}: table {table} does not match this cimlab's data contract "
                f"(differs in {', '.join(diff)}); use a cimlab version that matches it, or "
                "start a new workspace and import the files again"
            )


def _holds_sealed(frame: pl.DataFrame, table: str) -> bool:
    """Whether a personal-data column of ``frame`` holds encrypted values."""
    return any(
        bool(frame[c].str.starts_with(PREFIX).any())
        for c in PERSONAL_COLUMNS.get(table, ())
        if c in frame.columns and frame.schema[c] == pl.String
    )


def _key_check(con: duckdb.DuckDBPyConnection) -> str | None:
    """The key check of an encrypted workspace (:mod:`cimlab.encryption`); None when clear."""
    row = _one(con.execute("SELECT value FROM meta WHERE key = ?", [KEY_CHECK_META]))
    return None if row is None else str(row[0])


def _read_version(con: duckdb.DuckDBPyConnection, tables: set[str], db: Path) -> int | None:
    if "meta" not in tables:
        return None
    meta = dict(con.execute("SELECT key, value FROM meta").fetchall())
    if meta.get("application") != _APPLICATION:
        return None
    try:
        return int(meta["schema_version"])
    except (KeyError, ValueError):
        raise WorkspaceError(f"{db}: the schema version of the workspace is unreadable") from None


def _check_version(version: int, db: Path) -> None:
    if version > SCHEMA_VERSION:
        raise WorkspaceError(
            f"{db} was made by a newer cimlab (schema version {version}, this one knows "
            f"{SCHEMA_VERSION}); upgrade cimlab to use it"
        )


def _check_backup(file: Path, *, what: str, shown: Path | None = None) -> None:
    """Refuse ``file`` unless it is a cimlab workspace database of a known version.

    ``what`` names the file in the messages, ``shown`` stands for ``file`` in them (``file``
    may be a copy of it).
    """
    shown = file if shown is None else shown
    try:
        con = duckdb.connect(str(file), read_only=True)
    except duckdb.Error:
        raise WorkspaceError(
            f"{what} is not a cimlab backup (not a DuckDB database); "
            "give a file written by `cimlab workspace backup`"
        ) from None
    try:
        tables = {r[0] for r in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
        version = _read_version(con, tables, shown)
        if version is None:
            raise WorkspaceError(
                f"{what} is a DuckDB database but not a cimlab backup; "
                "give a file written by `cimlab workspace backup`"
            )
        _check_version(version, shown)
        _check_columns(con, shown, version)
    except duckdb.Error as exc:
        raise WorkspaceError(f"{what} is damaged: {_damage(exc)}") from None
    finally:
        con.close()


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _is_lock_conflict(exc: BaseException) -> bool:
    message = str(exc).lower()
    return any(marker in message for marker in _LOCK_MARKERS)


def quiet_progress(con: duckdb.DuckDBPyConnection) -> None:
    """Turn off DuckDB's progress bar: outside Jupyter it is drawn on stdout for queries over
    2 s and would break a command's ``--json`` output on large data. In a Jupyter kernel DuckDB
    draws it with ipywidgets and refuses the setting when they are missing: nothing reaches
    stdout there, so the refusal is harmless."""
    with contextlib.suppress(duckdb.InvalidInputException):
        con.execute("SET enable_progress_bar = false")


def _one(con: duckdb.DuckDBPyConnection) -> Any:
    """First row of the pending result (``None`` if none), reading it to the end."""
    rows = con.fetchall()
    return rows[0] if rows else None


def _rollback(con: duckdb.DuckDBPyConnection) -> None:
    with contextlib.suppress(duckdb.Error):
        con.execute("ROLLBACK")


def _check_batch_key(table: str, channel: str | None, content_hash: str) -> None:
    _check_table(table)
    if channel is not None and (not isinstance(channel, str) or not channel):
        raise WorkspaceError(f"channel={channel!r} must be a non-empty name")
    if not isinstance(content_hash, str) or not _HASH.fullmatch(content_hash):
        raise WorkspaceError(
            f"content_hash={content_hash!r} is not a sha256 hex digest (64 characters 0-9a-f)"
        )


def _check_table(table: str) -> None:
    if table not in TABLES:
        raise WorkspaceError(f"table={table!r} is not one of {', '.join(TABLES)}")


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _cast(frame: pl.DataFrame, schema: Mapping[str, pl.DataType]) -> pl.DataFrame:
    if frame.width == 0:
        return pl.DataFrame(schema=schema)
    return frame.cast(dict(schema))  # type: ignore[arg-type]


def _conform_valid(valid: pl.DataFrame, table: str) -> pl.DataFrame:
    """Check ``valid`` has the contract's columns and dtypes (+ ``source_line``); put them in order."""
    expected: dict[str, pl.DataType] = {**polars_schema(table), "source_line": pl.Int64()}
    if not isinstance(valid, pl.DataFrame):
        raise WorkspaceError(f"valid rows must be a polars DataFrame, not {type(valid).__name__}")
    missing = [c for c in expected if c not in valid.schema]
    extra = [c for c in valid.columns if c not in expected]
    if missing or extra:
        raise WorkspaceError(
            f"valid rows do not fit table {table}: missing columns {missing}, unexpected {extra}; "
            "pass the frame the import check produced"
        )
    wrong = [
        f"{c} is {valid.schema[c]}, expected {d}"
        for c, d in expected.items()
        if valid.schema[c] != d and valid.schema[c] != pl.Null
    ]
    if wrong:
        raise WorkspaceError(f"valid rows do not fit table {table}: {'; '.join(wrong)}")
    valid = valid.select(list(expected))
    if any(valid.schema[c] == pl.Null for c in expected):
        valid = valid.cast(expected)  # type: ignore[arg-type]
    nulls = valid.select(pl.col(c).null_count() for c in non_null_columns(table)).row(0, named=True)
    empty = [f"{c} ({n} rows)" for c, n in nulls.items() if n]
    if empty:
        raise WorkspaceError(
            f"valid rows of {table} have nulls in required columns: {', '.join(empty)}"
        )
    return valid


def _conform_quarantine(quarantine: pl.DataFrame) -> pl.DataFrame:
    if not isinstance(quarantine, pl.DataFrame):
        raise WorkspaceError(
            f"quarantine must be a polars DataFrame, not {type(quarantine).__name__}"
        )
    missing = [c for c in QUARANTINE_SCHEMA if c not in quarantine.schema]
    extra = [c for c in quarantine.columns if c not in QUARANTINE_SCHEMA]
    if missing or extra:
        raise WorkspaceError(
            f"quarantine frame has missing columns {missing}, unexpected {extra}; "
            f"expected {list(QUARANTINE_SCHEMA)}"
        )
    try:
        return quarantine.select(list(QUARANTINE_SCHEMA)).cast(QUARANTINE_SCHEMA)  # type: ignore[arg-type]
    except pl.exceptions.InvalidOperationError as exc:
        raise WorkspaceError(f"quarantine frame has wrong dtypes: {exc}") from None


def _check_disjoint(valid: pl.DataFrame, problems: pl.DataFrame, file_name: str) -> None:
    lines = problems["line"].drop_nulls().unique()
    if lines.is_empty():
        return
    both = valid.filter(pl.col("source_line").is_in(lines.implode()))["source_line"]
    if not both.is_empty():
        raise WorkspaceError(
            f"{file_name}: line {both[0]} is both loaded and quarantined "
            f"({both.len()} such lines); a line is either loaded or quarantined"
        )


def _next_batch_id(con: duckdb.DuckDBPyConnection) -> int:
    row = _one(con.execute("SELECT coalesce(max(batch_id), 0) + 1 FROM batches"))
    return int(row[0]) if row is not None else 1


_DUPLICATE_REASON = """
    CASE WHEN d.prior_batch IS NOT NULL
         THEN 'duplicate of an order line already imported in batch ' || d.prior_batch
         WHEN d.first_line IS NOT NULL
         THEN 'duplicate of line ' || d.first_line
              || ' of this file (same channel, order_id and line_number)'
         ELSE 'duplicate of an earlier row of this file (same channel, order_id and line_number)'
    END"""
_DUPLICATE_REASON_ZH = """
    CASE WHEN d.prior_batch IS NOT NULL
         THEN '与批次 ' || d.prior_batch || ' 中已导入的订单行重复'
         WHEN d.first_line IS NOT NULL
         THEN '与本文件第 ' || d.first_line || ' 行重复（渠道、订单号、行号相同）'
         ELSE '与本文件前面的一行重复（渠道、订单号、行号相同）'
    END"""


def _quarantine_duplicates(
    con: duckdb.DuckDBPyConnection, valid: pl.DataFrame
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Split off order lines already stored, or repeated in ``valid``: (kept, quarantine rows).

    A line is a duplicate when its (channel, order_id, line_number) is in an active batch, or
    appeared earlier in ``valid`` (the first occurrence is kept). The quarantine rows have the
    columns of :data:`QUARANTINE_SCHEMA`.
    """
    keys = valid.select(_ORDER_KEY).with_row_index("_pos")
    first = keys.select(pl.struct(_ORDER_KEY).is_first_distinct()).to_series()
    con.register("_cimlab_keys", keys)
    try:
        stored = con.sql(
            "SELECT k._pos, min(o.batch_id) AS prior_batch FROM _cimlab_keys k JOIN orders o "
            "ON o.channel = k.channel AND o.order_id = k.order_id "
            "AND o.line_number = k.line_number GROUP BY k._pos"
        ).pl()
    finally:
        con.unregister("_cimlab_keys")
    if stored.is_empty() and bool(first.all()):
        return valid, pl.DataFrame(schema=QUARANTINE_SCHEMA)
    stored = stored.cast({"_pos": keys.schema["_pos"], "prior_batch": pl.Int64})
    indexed = valid.with_row_index("_pos")
    repeats = keys.filter(~first)
    first_lines = (
        indexed.filter(first)
        .join(repeats.select(_ORDER_KEY).unique(), on=_ORDER_KEY)
        .select(*_ORDER_KEY, pl.col("source_line").alias("first_line"))
    )
    flagged = stored.join(
        repeats.join(first_lines, on=_ORDER_KEY, how="left").select("_pos", "first_line"),
        on="_pos",
        how="full",
        coalesce=True,
    )
    # The row JSON is built inside DuckDB, streaming, rather than as one big Python frame.
    row = ", ".join(f"'{c}': r.{_quote(c)}" for c in polars_schema("orders"))
    con.register("_cimlab_rows", indexed)
    con.register("_cimlab_dups", flagged)
    try:
        repeated = con.sql(
            f"""SELECT r.source_line AS line, 'order_id' AS "column", r.order_id AS value,
                       {_DUPLICATE_REASON} AS reason, {_DUPLICATE_REASON_ZH} AS reason_zh,
                       CAST(to_json({{{row}}}) AS VARCHAR) AS row_json
                FROM _cimlab_rows r JOIN _cimlab_dups d ON r._pos = d._pos ORDER BY r._pos"""
        ).pl()
    finally:
        con.unregister("_cimlab_rows")
        con.unregister("_cimlab_dups")
    kept = indexed.filter(~pl.col("_pos").is_in(flagged["_pos"].implode())).drop("_pos")
    return kept, repeated.cast(QUARANTINE_SCHEMA)  # type: ignore[arg-type]


def _stored_counts(con: duckdb.DuckDBPyConnection, table: str, batch_id: int) -> tuple[int, int]:
    """Rows stored in ``table`` and quarantined lines (a line counts once) for ``batch_id``."""
    loaded = _one(con.execute(f"SELECT count(*) FROM {table} WHERE batch_id = ?", [batch_id]))
    quarantined = _one(
        con.execute(
            "SELECT count(DISTINCT line) + count(*) FILTER (WHERE line IS NULL) FROM quarantine "
            "WHERE batch_id = ?",
            [batch_id],
        )
    )
    return (
        int(loaded[0]) if loaded else 0,
        int(quarantined[0]) if quarantined else 0,
    )
