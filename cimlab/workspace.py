"""The workspace: one folder holding an embedded DuckDB file (``cimlab.duckdb``) and a lock file.

Canonical tables (``customers``, ``orders``, ``interactions``, ``feedback``) keep the columns of
:func:`cimlab.schemas.polars_schema` plus ``batch_id`` and ``source_line``. Every import is one
batch and one DuckDB transaction: a crash or ``kill -9`` before ``COMMIT`` leaves the workspace as
it was. ``batches`` records each import (file, content hash, mapping, counts, time, user),
``quarantine`` keeps every rejected line with its reason, ``meta`` the schema version.

No DuckDB connection outlives one operation, so the app and the CLI can share a workspace. Writers
take an exclusive ``flock`` on ``DIR/.cimlab.lock`` for the whole write: a second writer gets
:class:`~cimlab.errors.WorkspaceBusy` at once (or after ``wait`` seconds of retrying). File locks are
POSIX ``fcntl`` locks, so workspaces are for Linux and macOS.

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
import fcntl
import json
import logging
import os
import re
import shutil
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import polars as pl

from cimlab.errors import WorkspaceBusy, WorkspaceError
from cimlab.schemas import TABLES, contract, polars_schema

__all__ = [
    "BATCHES_SCHEMA",
    "DB_NAME",
    "LOCK_NAME",
    "QUARANTINE_SCHEMA",
    "SCHEMA_VERSION",
    "BatchResult",
    "Workspace",
]

_log = logging.getLogger("cimlab.workspace")

DB_NAME = "cimlab.duckdb"
LOCK_NAME = ".cimlab.lock"
SCHEMA_VERSION = 1
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

_ORDER_KEY = ["channel", "order_id", "line_number"]
_HASH = re.compile(r"[0-9a-f]{64}")
_POLL = 0.05
# DuckDB's own file lock also stops writers while a reader has the file open (and readers while
# a writer has it): those holds are short, so connections retry at least this long.
_CONNECT_GRACE = 2.0
_LOCK_MARKERS = ("could not set lock", "conflicting lock", "different configuration")


@dataclass(frozen=True)
class BatchResult:
    """What one :meth:`Workspace.import_batch` did.

    ``rows_read = rows_loaded + rows_quarantined``; ``rows_duplicate`` order lines (already in the
    workspace, or repeated in the file) are counted inside ``rows_quarantined``. When
    ``already_imported`` is true nothing was added and the counts are those of the earlier batch
    ``batch_id`` that holds the same file.

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
        if not ws.db_path.exists():
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
        return ws

    def _initialise(self) -> None:
        self.path.mkdir(parents=True, exist_ok=True)
        with self._writer_lock(), self._connect(read_only=False) as con:
            con.execute("BEGIN TRANSACTION")
            try:
                for statement in _ddl():
                    con.execute(statement)
                present = _one(con.execute("SELECT count(*) FROM meta"))
                if present is not None and present[0] == 0:
                    con.execute(
                        "INSERT INTO meta VALUES ('application', ?), ('schema_version', ?)",
                        [_APPLICATION, str(SCHEMA_VERSION)],
                    )
                con.execute("COMMIT")
            except BaseException:
                _rollback(con)
                raise
        self._inspect()
        _log.info("workspace ready at %s", self.path)

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
            _check_columns(con, self.db_path)
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
        """A fresh connection for one operation, session time zone UTC, closed afterwards."""
        deadline = time.monotonic() + max(self.wait, _CONNECT_GRACE)
        while True:
            try:
                con = duckdb.connect(str(self.db_path), read_only=read_only)
                break
            except duckdb.Error as exc:
                if not _is_lock_conflict(exc):
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
        try:
            con.execute("SET TimeZone = 'UTC'")
            yield con
        finally:
            con.close()

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
            con.execute("BEGIN TRANSACTION")
            try:
                yield con
                con.execute("COMMIT")
            except BaseException:
                _rollback(con)
                raise

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
    ) -> BatchResult:
        """Store one checked file as one batch, in one transaction.

        Parameters
        ----------
        table
            Canonical table the rows go to.
        channel, file_name, content_hash, encoding, format, mapping
            Recorded in ``batches``; ``content_hash`` is the sha256 hex of the file's bytes.
        rows_read
            Data rows the file held; must equal loaded + quarantined rows.
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
        >>> from cimlab.schemas import polars_schema
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
        _check_table(table)
        if not isinstance(channel, str) or not channel:
            raise WorkspaceError(f"channel={channel!r} must be a non-empty name")
        if not isinstance(content_hash, str) or not _HASH.fullmatch(content_hash):
            raise WorkspaceError(
                f"content_hash={content_hash!r} is not a sha256 hex digest (64 characters 0-9a-f)"
            )
        if isinstance(rows_read, bool) or not isinstance(rows_read, int) or rows_read < 0:
            raise WorkspaceError(f"rows_read={rows_read!r} must be a whole number >= 0")
        at = _utc(imported_at, "imported_at")
        try:
            mapping_json = json.dumps(dict(mapping), ensure_ascii=False, sort_keys=True)
        except (TypeError, ValueError) as exc:
            raise WorkspaceError(
                f"the mapping of {file_name} cannot be stored as JSON: {exc}"
            ) from None
        valid = _conform_valid(valid, table)
        problems = _conform_quarantine(quarantine)
        _check_disjoint(valid, problems, file_name)

        with self._writer_lock(), self._connect(read_only=False) as con:
            con.execute("BEGIN TRANSACTION")
            try:
                prior = _one(
                    con.execute(
                        "SELECT batch_id, rows_read, rows_loaded, rows_quarantined, rows_duplicate "
                        "FROM batches WHERE status = 'active' AND content_hash = ? AND table_name = ? "
                        "AND channel = ? ORDER BY batch_id LIMIT 1",
                        [content_hash, table, channel],
                    )
                )
                if prior is not None:
                    _rollback(con)
                    _log.info(
                        "%s: same content already imported in batch %d; nothing added",
                        file_name,
                        prior[0],
                    )
                    return BatchResult(
                        batch_id=int(prior[0]),
                        rows_read=int(prior[1]),
                        rows_loaded=int(prior[2]),
                        rows_quarantined=int(prior[3]),
                        rows_duplicate=int(prior[4]),
                        already_imported=True,
                    )
                batch_id = _next_batch_id(con)
                duplicates = 0
                if table == "orders":
                    valid, duplicates = _quarantine_duplicates(con, valid, batch_id)
                _insert_rows(con, table, valid, batch_id)
                _insert_quarantine(con, problems, batch_id)
                loaded, quarantined = _stored_counts(con, table, batch_id)
                if loaded != valid.height or rows_read != loaded + quarantined:
                    raise WorkspaceError(
                        f"{file_name}: rows_read={rows_read} but {loaded} rows loaded + "
                        f"{quarantined} quarantined = {loaded + quarantined}; every row must be "
                        "loaded or quarantined. Nothing was imported (rolled back)"
                    )
                con.execute(
                    "INSERT INTO batches VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'active', NULL)",
                    [
                        batch_id,
                        table,
                        channel,
                        file_name,
                        content_hash,
                        encoding,
                        format,
                        mapping_json,
                        rows_read,
                        loaded,
                        quarantined,
                        duplicates,
                        at,
                        user_name,
                    ],
                )
                if on_before_commit is not None:
                    on_before_commit()
                con.execute("COMMIT")
            except duckdb.Error as exc:
                _rollback(con)
                raise WorkspaceError(
                    f"storing {file_name} in {table} failed ({type(exc).__name__}); "
                    "the workspace is unchanged"
                ) from exc
            except BaseException:
                _rollback(con)
                raise
        _log.info(
            "%s: batch %d into %s [%s]: %d read, %d loaded, %d quarantined (%d duplicates)",
            file_name,
            batch_id,
            table,
            channel,
            rows_read,
            loaded,
            quarantined,
            duplicates,
        )
        return BatchResult(batch_id, rows_read, loaded, quarantined, duplicates, False)

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
        when = _utc(at, "at")
        with self._writer_lock(), self._connect(read_only=False) as con:
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
            except duckdb.Error as exc:
                _rollback(con)
                raise WorkspaceError(
                    f"undoing batch {batch_id} failed ({type(exc).__name__}); the workspace is unchanged"
                ) from exc
            except BaseException:
                _rollback(con)
                raise
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

    def table(self, name: str, *, channel: str | None = None) -> pl.DataFrame:
        """Rows of canonical table ``name`` (active batches only), in import order.

        Columns: those of ``polars_schema(name)``, then ``batch_id`` and ``source_line``.

        Examples
        --------
        >>> import tempfile
        >>> Workspace.open(tempfile.mkdtemp()).table("feedback").columns[-2:]
        ['batch_id', 'source_line']
        """
        _check_table(name)
        schema = {**polars_schema(name), "batch_id": pl.Int64(), "source_line": pl.Int64()}
        columns = ", ".join(_quote(c) for c in schema)
        sql = f"SELECT {columns} FROM {name}"
        params: list[Any] = []
        if channel is not None:
            sql += " WHERE channel = ?"
            params.append(channel)
        return _cast(self._read(sql, params), schema)

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
        return _cast(self._read(sql + " ORDER BY batch_id, line NULLS FIRST", params), schema)

    def counts(self) -> pl.DataFrame:
        """Rows per canonical table and channel (``table``, ``channel``, ``rows``).

        Examples
        --------
        >>> import tempfile
        >>> Workspace.open(tempfile.mkdtemp()).counts().columns
        ['table', 'channel', 'rows']
        """
        union = " UNION ALL ".join(
            f'SELECT \'{t}\' AS "table", channel, count(*) AS "rows" FROM {t} GROUP BY channel'
            for t in TABLES
        )
        order = ", ".join(f"'{t}'" for t in TABLES)
        sql = f'SELECT * FROM ({union}) ORDER BY list_position([{order}], "table"), channel'
        schema = {"table": pl.String(), "channel": pl.String(), "rows": pl.Int64()}
        return _cast(self._read(sql), schema)

    def info(self) -> dict[str, Any]:
        """A summary: path, size on disk, rows per table (total and per channel), batches.

        Examples
        --------
        >>> import tempfile
        >>> info = Workspace.open(tempfile.mkdtemp()).info()
        >>> info["tables"]["orders"], info["last_import_at"]
        ({'rows': 0, 'by_channel': {}}, None)
        """
        counts = self.counts()
        summary = self._read(
            "SELECT count(*) FILTER (WHERE status = 'active') AS active, count(*) AS total, "
            "max(imported_at) AS last FROM batches"
        ).row(0, named=True)
        active, total, last = summary["active"], summary["total"], summary["last"]
        tables: dict[str, Any] = {}
        for t in TABLES:
            part = counts.filter(pl.col("table") == t)
            tables[t] = {
                "rows": int(part["rows"].sum()),
                "by_channel": dict(
                    zip(part["channel"].to_list(), part["rows"].to_list(), strict=True)
                ),
            }
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

    # ------------------------------------------------------------------ backup / restore

    def backup(self, file: str | os.PathLike[str]) -> Path:
        """Write a consistent single-file copy of the workspace to ``file`` and return its path.

        The copy is taken under the writer lock after a ``CHECKPOINT``. An existing ``file`` is
        replaced only when it is itself a cimlab backup.

        Examples
        --------
        >>> import tempfile, pathlib
        >>> ws = Workspace.open(tempfile.mkdtemp())
        >>> ws.backup(pathlib.Path(tempfile.mkdtemp()) / "copy.duckdb").name
        'copy.duckdb'
        """
        target = Path(file)
        if target.is_dir():
            raise WorkspaceError(f"{target} is a folder; give a file name such as backup.duckdb")
        if target.resolve() == self.db_path.resolve():
            raise WorkspaceError(f"{target} is the workspace's own database; choose another file")
        if target.exists():
            _check_backup(target, what="the existing file")
        tmp = target.with_name(f".{target.name}.partial")
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            with self._writer_lock(), self._connect(read_only=False) as con:
                con.execute("CHECKPOINT")
                _copy_synced(self.db_path, tmp)
            _check_backup(tmp, what="the new backup")
            os.replace(tmp, target)
        except OSError as exc:
            raise WorkspaceError(
                f"cannot write the backup {target} ({exc.strerror}); check the folder is writable "
                "and has room"
            ) from None
        finally:
            tmp.unlink(missing_ok=True)
        _log.info("workspace %s backed up to %s", self.path, target)
        return target

    @classmethod
    def restore(
        cls, file: str | os.PathLike[str], path: str | os.PathLike[str], *, wait: float = 0.0
    ) -> Workspace:
        """Replace the database of workspace ``path`` by the backup ``file``; returns the workspace.

        Refuses a file that is not a cimlab backup. Creates the workspace folder if needed.

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
        _check_backup(source, what=str(source))
        ws = cls(path, wait=wait)
        if ws.path.exists() and not ws.path.is_dir():
            raise WorkspaceError(f"{ws.path} is a file, not a workspace folder")
        if ws.db_path.exists() and source.resolve() == ws.db_path.resolve():
            raise WorkspaceError(f"{source} is the workspace's own database; nothing to restore")
        tmp = ws.path / f".{DB_NAME}.restoring"
        try:
            ws.path.mkdir(parents=True, exist_ok=True)
            with ws._writer_lock():
                if ws.db_path.exists():
                    try:  # fold the WAL into the old file so no stale WAL survives the swap
                        with ws._connect(read_only=False) as con:
                            con.execute("CHECKPOINT")
                    except WorkspaceBusy:
                        raise
                    except WorkspaceError:
                        _log.warning("workspace %s unreadable; replacing it anyway", ws.path)
                _copy_synced(source, tmp)
                ws.db_path.with_name(DB_NAME + ".wal").unlink(missing_ok=True)
                os.replace(tmp, ws.db_path)
                _fsync_dir(ws.path)
        except OSError as exc:
            raise WorkspaceError(
                f"cannot restore {ws.path} from {source} ({exc.strerror}); the workspace folder "
                "must be writable"
            ) from None
        finally:
            tmp.unlink(missing_ok=True)
        _log.info("workspace %s restored from %s", ws.path, source)
        return cls.open(ws.path, create=False, wait=wait)


# ---------------------------------------------------------------------------- helpers


def _ddl() -> list[str]:
    statements = [
        "CREATE TABLE IF NOT EXISTS meta (key VARCHAR NOT NULL, value VARCHAR NOT NULL)",
        """CREATE TABLE IF NOT EXISTS batches (
            batch_id BIGINT NOT NULL, table_name VARCHAR NOT NULL, channel VARCHAR NOT NULL,
            file_name VARCHAR NOT NULL, content_hash VARCHAR NOT NULL, encoding VARCHAR,
            format VARCHAR, mapping VARCHAR, rows_read BIGINT NOT NULL,
            rows_loaded BIGINT NOT NULL, rows_quarantined BIGINT NOT NULL,
            rows_duplicate BIGINT NOT NULL, imported_at TIMESTAMPTZ NOT NULL, user_name VARCHAR,
            status VARCHAR NOT NULL CHECK (status IN ('active', 'undone')),
            undone_at TIMESTAMPTZ)""",
        """CREATE TABLE IF NOT EXISTS quarantine (
            batch_id BIGINT NOT NULL, line BIGINT, "column" VARCHAR, value VARCHAR,
            reason VARCHAR, reason_zh VARCHAR, row_json VARCHAR)""",
    ]
    for table in TABLES:
        columns = contract(table).to_schema().columns
        defs = [
            f"{_quote(name)} {_duck_type(dtype, name)}{'' if columns[name].nullable else ' NOT NULL'}"
            for name, dtype in polars_schema(table).items()
        ]
        defs += ["batch_id BIGINT NOT NULL", "source_line BIGINT"]
        statements.append(f"CREATE TABLE IF NOT EXISTS {table} ({', '.join(defs)})")
    return statements


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


def _check_columns(con: duckdb.DuckDBPyConnection, db: Path) -> None:
    """Fail clearly when the stored tables do not match today's data contracts."""
    rows = con.execute(
        "SELECT table_name, column_name, data_type FROM information_schema.columns "
        "ORDER BY table_name, ordinal_position"
    ).fetchall()
    stored: dict[str, list[tuple[str, str]]] = {}
    for table, column, dtype in rows:
        stored.setdefault(table, []).append((column, dtype))
    for table in TABLES:
        expected = [
            (name, _DUCK_NAMES[_duck_type(dtype, name)])
            for name, dtype in polars_schema(table).items()
        ] + [("batch_id", "BIGINT"), ("source_line", "BIGINT")]
        if stored.get(table) != expected:
            have = [c for c, _ in stored.get(table, [])]
            want = [c for c, _ in expected]
            diff = sorted(set(want) ^ set(have)) or ["column types or order"]
            raise WorkspaceError(
                f"{db}: table {table} does not match this cimlab's data contract "
                f"(differs in {', '.join(diff)}); use a cimlab version that matches it, or "
                "start a new workspace and import the files again"
            )


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


def _check_backup(file: Path, *, what: str) -> None:
    """Refuse ``file`` unless it is a cimlab workspace database of a known version."""
    try:
        con = duckdb.connect(str(file), read_only=True)
    except duckdb.Error:
        raise WorkspaceError(
            f"{what} ({file}) is not a cimlab backup (not a DuckDB database); "
            "give a file written by `cimlab workspace backup`"
        ) from None
    try:
        tables = {r[0] for r in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
        version = _read_version(con, tables, file)
        if version is None:
            raise WorkspaceError(
                f"{what} ({file}) is a DuckDB database but not a cimlab backup; "
                "give a file written by `cimlab workspace backup`"
            )
        _check_version(version, file)
        _check_columns(con, file)
    finally:
        con.close()


def _copy_synced(source: Path, target: Path) -> None:
    shutil.copyfile(source, target)
    with open(target, "rb+") as fh:
        os.fsync(fh.fileno())


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _is_lock_conflict(exc: BaseException) -> bool:
    message = str(exc).lower()
    return any(marker in message for marker in _LOCK_MARKERS)


def _one(con: duckdb.DuckDBPyConnection) -> Any:
    """First row of the pending result (``None`` if none), reading it to the end."""
    rows = con.fetchall()
    return rows[0] if rows else None


def _rollback(con: duckdb.DuckDBPyConnection) -> None:
    with contextlib.suppress(duckdb.Error):
        con.execute("ROLLBACK")


def _check_table(table: str) -> None:
    if table not in TABLES:
        raise WorkspaceError(f"table={table!r} is not one of {', '.join(TABLES)}")


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _utc(value: dt.datetime, name: str) -> dt.datetime:
    if not isinstance(value, dt.datetime) or value.tzinfo is None or value.utcoffset() is None:
        raise WorkspaceError(f"{name}={value!r} must be a timezone-aware datetime")
    return value.astimezone(dt.UTC)


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
    columns = contract(table).to_schema().columns
    nulls = valid.select(
        pl.col(c).null_count() for c in polars_schema(table) if not columns[c].nullable
    ).row(0, named=True)
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
    con: duckdb.DuckDBPyConnection, valid: pl.DataFrame, batch_id: int
) -> tuple[pl.DataFrame, int]:
    """Quarantine order lines already stored, or repeated in ``valid``; return (kept, count).

    A line is a duplicate when its (channel, order_id, line_number) is in an active batch, or
    appeared earlier in ``valid`` (the first occurrence is kept).
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
        return valid, 0
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
        con.execute(
            f"""INSERT INTO quarantine
                SELECT ?, r.source_line, 'order_id', r.order_id, {_DUPLICATE_REASON},
                       {_DUPLICATE_REASON_ZH}, to_json({{{row}}})
                FROM _cimlab_rows r JOIN _cimlab_dups d ON r._pos = d._pos ORDER BY r._pos""",
            [batch_id],
        )
    finally:
        con.unregister("_cimlab_rows")
        con.unregister("_cimlab_dups")
    kept = indexed.filter(~pl.col("_pos").is_in(flagged["_pos"].implode())).drop("_pos")
    return kept, flagged.height


def _insert_rows(
    con: duckdb.DuckDBPyConnection, table: str, valid: pl.DataFrame, batch_id: int
) -> None:
    if valid.is_empty():
        return
    columns = ", ".join(_quote(c) for c in polars_schema(table))
    # One Arrow chunk: many chunks leave partial row groups that the next checkpoint (on close)
    # must merge, which costs more than this copy.
    con.register("_cimlab_valid", valid.rechunk() if valid.n_chunks() > 1 else valid)
    try:
        con.execute(
            f"INSERT INTO {table} SELECT {columns}, ?, source_line FROM _cimlab_valid", [batch_id]
        )
    finally:
        con.unregister("_cimlab_valid")


def _insert_quarantine(
    con: duckdb.DuckDBPyConnection, problems: pl.DataFrame, batch_id: int
) -> None:
    if problems.is_empty():
        return
    con.register("_cimlab_quarantine", problems)
    try:
        con.execute(
            'INSERT INTO quarantine SELECT ?, line, "column", value, reason, reason_zh, row_json '
            "FROM _cimlab_quarantine",
            [batch_id],
        )
    finally:
        con.unregister("_cimlab_quarantine")


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
