"""Backups that happen and restore: dated backups into a folder, retention, a schedule, and the
restore drill.

:meth:`cimlab.workspace.Workspace.backup` writes one checked copy to a file of your choice. This
module builds the routine on top of it:

- :func:`backup_to` writes ``cimlab-backup-YYYYMMDDTHHMMSSZ.duckdb`` (its UTC time) into a
  folder, with ``.sha256`` beside it (``sha256sum -c`` format) and a ``.manifest.json`` holding
  the rows per table at backup time. After writing, the file is read back: its SHA-256 must
  match the checksum file and every row of every table must read (so a bad disk shows at once,
  not on the day of the restore). Then retention keeps the newest ``keep`` cimlab backups of the
  folder (:func:`prune_backups`); no other file there is ever touched.
- :func:`set_backup_schedule` records the folder, the period (``daily`` or ``weekly``) and
  ``keep`` in the workspace's ``meta`` table (so backups and restores carry it);
  :func:`backup_due` says whether the newest backup there is older than the period, and
  :func:`run_scheduled_backup` writes one only then, so a cron job or systemd timer may call
  ``cimlab workspace backup --schedule weekly --to DIR`` every hour.
- :func:`verify_restore` is the restore drill: the newest backup is restored into a scratch
  folder (removed afterwards) through :meth:`~cimlab.workspace.Workspace.restore` (checksum and
  full read), opened and read in full again, and its rows per table are compared with those
  its manifest recorded at backup time. The live workspace's counts are reported beside them
  (they may have changed since, which is no failure).

Examples
--------
>>> import tempfile, pathlib
>>> from cimlab.workspace import Workspace
>>> ws = Workspace.open(tempfile.mkdtemp())
>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> record = backup_to(ws, folder, keep=2)
>>> record.path.name.startswith("cimlab-backup-"), record.tables["orders"]
(True, 0)
>>> verify_restore(ws, folder).ok
True
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import os
import re
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cimlab.dates import as_utc
from cimlab.errors import WorkspaceError

if TYPE_CHECKING:
    from cimlab.workspace import Workspace

__all__ = [
    "DEFAULT_KEEP",
    "PERIODS",
    "BackupRecord",
    "BackupSchedule",
    "BackupStatus",
    "RestoreDrill",
    "age_in_words",
    "backup_due",
    "backup_name",
    "backup_schedule",
    "backup_status",
    "backup_to",
    "last_backup",
    "list_backups",
    "manifest_path",
    "prune_backups",
    "run_scheduled_backup",
    "set_backup_schedule",
    "verify_restore",
]

_log = logging.getLogger("cimlab.backups")

#: How many cimlab backups a folder keeps when nothing else is said.
DEFAULT_KEEP = 8
#: The schedules :func:`set_backup_schedule` knows, and how old the newest backup may get.
PERIODS: dict[str, dt.timedelta] = {"daily": dt.timedelta(days=1), "weekly": dt.timedelta(days=7)}

_SCHEDULE_KEY = "backup_schedule"
_NAME = re.compile(r"cimlab-backup-(\d{8}T\d{6})Z\.duckdb")
_STAMP = "%Y%m%dT%H%M%S"
_MANIFEST_FORMAT = "cimlab-backup-manifest"
_SHA256_LINE = re.compile(r"([0-9a-fA-F]{64}) [ *](.+)")
_CHUNK = 1 << 20


@dataclass(frozen=True)
class BackupRecord:
    """One dated backup in a folder (:func:`list_backups`, :func:`backup_to`).

    ``written_at`` is the UTC time in its name, ``age`` how old it was when listed,
    ``tables`` the rows per table its manifest recorded at backup time (``None`` without a
    readable manifest), ``removed`` the older backups retention deleted when this one was
    written (:func:`backup_to` only).

    Examples
    --------
    >>> at = dt.datetime(2026, 12, 7, 22, 15, tzinfo=dt.UTC)
    >>> record = BackupRecord(Path(backup_name(at)), at, dt.timedelta(days=3), 4096, {"orders": 5})
    >>> record.path.name, record.rows
    ('cimlab-backup-20261207T221500Z.duckdb', 5)
    """

    path: Path
    written_at: dt.datetime
    age: dt.timedelta
    size_bytes: int
    tables: Mapping[str, int] | None = None
    removed: tuple[Path, ...] = ()

    @property
    def rows(self) -> int | None:
        """Rows over every table at backup time; ``None`` without a manifest."""
        return None if self.tables is None else sum(self.tables.values())


@dataclass(frozen=True)
class BackupSchedule:
    """Where scheduled backups go, how often (``daily``/``weekly``) and how many are kept.

    Examples
    --------
    >>> BackupSchedule(Path("/backups"), "weekly", 8).interval.days
    7
    """

    folder: Path
    period: str
    keep: int = DEFAULT_KEEP

    @property
    def interval(self) -> dt.timedelta:
        """The age after which the newest backup is due to be replaced."""
        return PERIODS[self.period]


@dataclass(frozen=True)
class BackupStatus:
    """The schedule of a workspace (or ``None``), its newest backup (or ``None``), and whether
    a backup is overdue (a schedule is set and the newest backup is older than its period, or
    there is none). :func:`backup_status` makes one; the app shows it."""

    schedule: BackupSchedule | None
    last: BackupRecord | None
    overdue: bool


@dataclass(frozen=True)
class RestoreDrill:
    """What :func:`verify_restore` found.

    ``recorded`` holds the rows per table the backup's manifest recorded when it was written,
    ``restored`` the rows read from the restored copy, ``live`` those of the workspace now;
    ``problems`` one sentence per failure (the drill passes when there is none). A backup is
    compared with what was recorded, never with the live workspace, which may have changed.
    """

    folder: Path
    backup: BackupRecord | None
    recorded: Mapping[str, int] = field(default_factory=dict)
    restored: Mapping[str, int] = field(default_factory=dict)
    live: Mapping[str, int] = field(default_factory=dict)
    problems: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        """True when the newest backup restored with exactly the counts recorded."""
        return not self.problems

    def changed_since_backup(self) -> dict[str, tuple[int | None, int | None]]:
        """Tables whose live row count differs from the backup's: name -> (backup, live)."""
        names = sorted(self.recorded.keys() | self.live.keys())
        return {
            name: (self.recorded.get(name), self.live.get(name))
            for name in names
            if self.recorded.get(name) != self.live.get(name)
        }


# ---------------------------------------------------------------------------- names and files


def backup_name(at: dt.datetime) -> str:
    """The file name of a dated backup written at ``at`` (UTC, to the second).

    Examples
    --------
    >>> backup_name(dt.datetime(2026, 12, 7, 22, 15, tzinfo=dt.UTC))
    'cimlab-backup-20261207T221500Z.duckdb'
    """
    return f"cimlab-backup-{as_utc(at, error=WorkspaceError).strftime(_STAMP)}Z.duckdb"


def manifest_path(backup: str | os.PathLike[str]) -> Path:
    """The manifest of a dated backup: ``FILE.manifest.json`` (counts per table, SHA-256).

    Examples
    --------
    >>> manifest_path("b/cimlab-backup-20261207T221500Z.duckdb").name
    'cimlab-backup-20261207T221500Z.duckdb.manifest.json'
    """
    path = Path(backup)
    return path.with_name(path.name + ".manifest.json")


def _checksum_path(backup: Path) -> Path:
    from cimlab.workspace import checksum_path

    return checksum_path(backup)


def _written_at(path: Path) -> dt.datetime | None:
    match = _NAME.fullmatch(path.name)
    if match is None:
        return None
    try:
        return dt.datetime.strptime(match.group(1), _STAMP).replace(tzinfo=dt.UTC)
    except ValueError:  # 20261399T...: looks like ours but is not a time
        return None


def _now(now: dt.datetime | None) -> dt.datetime:
    return dt.datetime.now(dt.UTC) if now is None else as_utc(now, name="now", error=WorkspaceError)


def _read_manifest(backup: Path) -> dict[str, Any] | None:
    """The manifest of ``backup`` when it is readable and names this file; else ``None``."""
    try:
        data = json.loads(manifest_path(backup).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError):
        return None
    if (
        not isinstance(data, dict)
        or data.get("format") != _MANIFEST_FORMAT
        or data.get("file") != backup.name
        or not isinstance(data.get("sha256"), str)
        or not isinstance(data.get("tables"), dict)
        or not all(
            isinstance(k, str) and isinstance(v, int) and not isinstance(v, bool)
            for k, v in data["tables"].items()
        )
    ):
        return None
    return data


def _record(path: Path, at: dt.datetime, now: dt.datetime) -> BackupRecord:
    manifest = _read_manifest(path)
    try:
        size = path.stat().st_size
    except OSError:
        size = 0
    return BackupRecord(
        path=path,
        written_at=at,
        age=now - at,
        size_bytes=size,
        tables=None if manifest is None else dict(manifest["tables"]),
    )


def list_backups(
    folder: str | os.PathLike[str], *, now: dt.datetime | None = None
) -> list[BackupRecord]:
    """The dated cimlab backups in ``folder``, newest first (empty when the folder is missing).

    Only files named like :func:`backup_name` count; anything else in the folder is ignored.

    Examples
    --------
    >>> import tempfile
    >>> list_backups(tempfile.mkdtemp())
    []
    """
    where = Path(folder).expanduser()
    now = _now(now)
    try:
        entries = list(where.iterdir())
    except FileNotFoundError:
        return []
    except OSError as exc:
        raise WorkspaceError(
            f"cannot list the backup folder {where} ({exc.strerror}); check it is readable"
        ) from None
    found = [(at, p) for p in entries if (at := _written_at(p)) is not None and p.is_file()]
    found.sort(key=lambda item: (item[0], item[1].name), reverse=True)
    return [_record(p, at, now) for at, p in found]


def prune_backups(
    folder: str | os.PathLike[str], keep: int, *, protect: str | os.PathLike[str] | None = None
) -> list[Path]:
    """Delete all but the newest ``keep`` dated cimlab backups of ``folder``; return those deleted.

    A deleted backup goes with its ``.sha256`` and ``.manifest.json``; no other file of the
    folder is touched. ``protect`` (the backup just written) is always among those kept, even
    when a backup dated later sits in the folder.

    Examples
    --------
    >>> import tempfile
    >>> prune_backups(tempfile.mkdtemp(), 3)
    []
    """
    keep = _check_keep(keep)
    records = list_backups(folder)
    if protect is not None:
        mine = [r for r in records if r.path.name == Path(protect).name]
        records = mine + [r for r in records if r.path.name != Path(protect).name]
    removed: list[Path] = []
    for record in records[keep:]:
        try:
            for path in (record.path, _checksum_path(record.path), manifest_path(record.path)):
                path.unlink(missing_ok=True)
        except OSError as exc:
            raise WorkspaceError(
                f"cannot remove the old backup {record.path} ({exc.strerror}); check the folder "
                "is writable"
            ) from None
        removed.append(record.path)
    if removed:
        _log.info("backups in %s: removed %d older than the newest %d", folder, len(removed), keep)
    return removed


# ---------------------------------------------------------------------------- writing


def _check_keep(keep: object) -> int:
    if isinstance(keep, bool) or not isinstance(keep, int) or keep < 1:
        raise WorkspaceError(f"keep={keep!r} should be a whole number >= 1 (backups to keep)")
    return keep


def _check_folder(ws: Workspace, folder: str | os.PathLike[str]) -> Path:
    """``folder`` as an absolute path, refused when it is (inside) the workspace folder."""
    where = Path(folder).expanduser().absolute()
    if where.exists() and not where.is_dir():
        raise WorkspaceError(f"{where} is a file; give a folder for the backups")
    home = ws.path.expanduser().resolve()
    if where.resolve() == home or home in where.resolve().parents:
        raise WorkspaceError(
            f"{where} is inside the workspace {ws.path}; keep backups in another folder (ideally "
            "another disk): a backup inside the workspace is lost with it"
        )
    return where


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _sidecar_sha256(backup: Path) -> str | None:
    try:
        line = _checksum_path(backup).read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError):
        return None
    match = _SHA256_LINE.fullmatch(line)
    return None if match is None or match.group(2) != backup.name else match.group(1).lower()


def _write_json(path: Path, value: Mapping[str, Any]) -> None:
    """Write ``value`` to ``path`` all or nothing (a temporary file renamed over it)."""
    partial = path.with_name(f".{path.name}.partial")
    try:
        with open(partial, "w", encoding="utf-8") as fh:
            json.dump(value, fh, ensure_ascii=False, indent=1, sort_keys=True)
            fh.write("\n")
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)


def backup_to(
    ws: Workspace,
    folder: str | os.PathLike[str],
    *,
    keep: int = DEFAULT_KEEP,
    now: dt.datetime | None = None,
) -> BackupRecord:
    """Write a dated, verified backup of ``ws`` into ``folder``, then keep the newest ``keep``.

    The backup is :meth:`~cimlab.workspace.Workspace.backup` (a checked copy and its
    ``.sha256``) named :func:`backup_name` of ``now`` (default: the current UTC time). It is
    then verified where it lies: its SHA-256 against the checksum file and a read of every row
    of every table (:func:`cimlab.workspace.check_database`); a backup failing that is deleted
    and a :class:`~cimlab.errors.WorkspaceError` raised, before retention deletes anything.
    The rows per table go to its manifest (:func:`manifest_path`), for :func:`verify_restore`.

    Examples
    --------
    >>> import tempfile
    >>> from cimlab.workspace import Workspace
    >>> ws = Workspace.open(tempfile.mkdtemp())
    >>> folder = tempfile.mkdtemp()
    >>> at = dt.datetime(2026, 12, 7, 22, 15, tzinfo=dt.UTC)
    >>> [backup_to(ws, folder, keep=1, now=at + dt.timedelta(days=d)).path.name for d in (0, 1)]
    ['cimlab-backup-20261207T221500Z.duckdb', 'cimlab-backup-20261208T221500Z.duckdb']
    >>> [r.path.name for r in list_backups(folder)]
    ['cimlab-backup-20261208T221500Z.duckdb']
    """
    from cimlab.workspace import check_database

    keep = _check_keep(keep)
    where = _check_folder(ws, folder)
    at = _now(now).replace(microsecond=0)
    target = where / backup_name(at)
    manifest = manifest_path(target)
    try:
        where.mkdir(parents=True, exist_ok=True)
        manifest.unlink(missing_ok=True)  # never leave a manifest that belongs to other bytes
    except OSError as exc:
        raise WorkspaceError(
            f"cannot write into the backup folder {where} ({exc.strerror}); check it is writable"
        ) from None
    ws.backup(target)
    digest = _sha256(target)
    report = check_database(target)
    problems = list(report.problems)
    if digest != _sidecar_sha256(target):
        problems.insert(0, f"its SHA-256 differs from {_checksum_path(target).name}")
    if problems:
        for path in (target, _checksum_path(target)):
            path.unlink(missing_ok=True)
        raise WorkspaceError(
            f"the backup {target} failed its check after writing ({'; '.join(problems)}); it "
            f"was deleted and no older backup was removed. Check the disk holding {where}"
        )
    try:
        _write_json(
            manifest,
            {
                "format": _MANIFEST_FORMAT,
                "version": 1,
                "file": target.name,
                "sha256": digest,
                "written_at": at.isoformat(),
                "workspace": str(ws.path.absolute()),
                "tables": dict(report.tables),
            },
        )
    except OSError as exc:
        raise WorkspaceError(
            f"the backup {target} is written and verified, but its manifest could not be "
            f"written ({exc.strerror}); the restore drill needs it: free space and run again"
        ) from None
    removed = prune_backups(where, keep, protect=target)
    _log.info("workspace %s backed up to %s (%d rows verified)", ws.path, target, report.rows)
    return BackupRecord(
        path=target,
        written_at=at,
        age=dt.timedelta(0),
        size_bytes=target.stat().st_size,
        tables=dict(report.tables),
        removed=tuple(removed),
    )


# ---------------------------------------------------------------------------- schedule


def backup_schedule(ws: Workspace) -> BackupSchedule | None:
    """The backup schedule recorded in ``ws`` (``None`` when there is none, or it is unreadable).

    Examples
    --------
    >>> import tempfile
    >>> from cimlab.workspace import Workspace
    >>> backup_schedule(Workspace.open(tempfile.mkdtemp())) is None
    True
    """
    stored = ws.rows("SELECT value FROM meta WHERE key = ?", [_SCHEDULE_KEY])
    if not stored:
        return None
    try:
        data = json.loads(stored[0][0])
        schedule = BackupSchedule(Path(data["folder"]), data["period"], _check_keep(data["keep"]))
        schedule.interval  # noqa: B018 - a period this cimlab does not know is unreadable
    except (ValueError, TypeError, KeyError, WorkspaceError):
        return None
    return schedule


def set_backup_schedule(
    ws: Workspace,
    folder: str | os.PathLike[str] | None,
    period: str | None,
    keep: int = DEFAULT_KEEP,
) -> BackupSchedule | None:
    """Record that ``ws`` is backed up into ``folder`` every ``period`` (``daily``/``weekly``),
    keeping ``keep`` backups; ``period=None`` removes the schedule. Returns the one in force.

    Recording is all it does: :func:`run_scheduled_backup` (``cimlab workspace backup
    --schedule``, called by cron or a systemd timer) writes the backups. Nothing is written
    when the schedule is unchanged.

    Examples
    --------
    >>> import tempfile
    >>> from cimlab.workspace import Workspace
    >>> ws = Workspace.open(tempfile.mkdtemp())
    >>> set_backup_schedule(ws, "/tmp/b", "monthly")
    Traceback (most recent call last):
    ...
    cimlab.errors.WorkspaceError: period='monthly' should be one of daily, weekly
    """
    value = None
    if period is not None:
        if period not in PERIODS:
            raise WorkspaceError(f"period={period!r} should be one of {', '.join(PERIODS)}")
        if folder is None:
            raise WorkspaceError("a backup schedule needs a folder to write the backups into")
        value = BackupSchedule(_check_folder(ws, folder), period, _check_keep(keep))
    if value == backup_schedule(ws):
        return value
    with ws.transaction() as con:
        con.execute("DELETE FROM meta WHERE key = ?", [_SCHEDULE_KEY])
        if value is not None:
            text = json.dumps({"folder": str(value.folder), "period": period, "keep": value.keep})
            con.execute("INSERT INTO meta VALUES (?, ?)", [_SCHEDULE_KEY, text])
    return backup_schedule(ws)


def last_backup(
    ws: Workspace, folder: str | os.PathLike[str] | None = None, *, now: dt.datetime | None = None
) -> BackupRecord | None:
    """The newest dated backup in ``folder`` (default: the scheduled folder); ``None`` if none.

    Examples
    --------
    >>> import tempfile
    >>> from cimlab.workspace import Workspace
    >>> last_backup(Workspace.open(tempfile.mkdtemp())) is None
    True
    """
    if folder is None:
        schedule = backup_schedule(ws)
        if schedule is None:
            return None
        folder = schedule.folder
    found = list_backups(folder, now=now)
    return found[0] if found else None


def backup_status(ws: Workspace, *, now: dt.datetime | None = None) -> BackupStatus:
    """The schedule of ``ws``, its newest backup and whether one is overdue (see
    :class:`BackupStatus`).

    Examples
    --------
    >>> import tempfile
    >>> from cimlab.workspace import Workspace
    >>> backup_status(Workspace.open(tempfile.mkdtemp()))
    BackupStatus(schedule=None, last=None, overdue=False)
    """
    schedule = backup_schedule(ws)
    if schedule is None:
        return BackupStatus(None, None, False)
    last = last_backup(ws, schedule.folder, now=now)
    overdue = last is None or last.age >= schedule.interval
    return BackupStatus(schedule, last, overdue)


def backup_due(ws: Workspace, *, now: dt.datetime | None = None) -> bool:
    """Whether ``ws`` has a schedule whose newest backup is older than its period (or missing).

    Without a schedule nothing is ever due.

    Examples
    --------
    >>> import tempfile
    >>> from cimlab.workspace import Workspace
    >>> ws = Workspace.open(tempfile.mkdtemp())
    >>> backup_due(ws)
    False
    >>> _ = set_backup_schedule(ws, tempfile.mkdtemp(), "daily")
    >>> backup_due(ws)
    True
    """
    return backup_status(ws, now=now).overdue


def run_scheduled_backup(ws: Workspace, *, now: dt.datetime | None = None) -> BackupRecord | None:
    """Write the scheduled backup of ``ws`` when it is due (:func:`backup_due`); else ``None``.

    Safe to call as often as one likes (every hour from cron): only a due backup is written.
    """
    schedule = backup_schedule(ws)
    if schedule is None:
        raise WorkspaceError(
            f"no backup schedule in {ws.path}; set one with `cimlab workspace backup "
            f"--workspace {ws.path} --schedule weekly --to DIR`"
        )
    if not backup_due(ws, now=now):
        return None
    return backup_to(ws, schedule.folder, keep=schedule.keep, now=now)


def age_in_words(age: dt.timedelta) -> tuple[int, str]:
    """``age`` as (number, unit) for messages: whole days, else hours, else minutes.

    Examples
    --------
    >>> age_in_words(dt.timedelta(days=3, hours=5)), age_in_words(dt.timedelta(minutes=90))
    ((3, 'days'), (1, 'hours'))
    """
    seconds = max(0, int(age.total_seconds()))
    if seconds >= 86400:
        return seconds // 86400, "days"
    if seconds >= 3600:
        return seconds // 3600, "hours"
    return seconds // 60, "minutes"


# ---------------------------------------------------------------------------- restore drill


def _live_counts(ws: Workspace) -> dict[str, int]:
    """Rows per table of the live workspace (``count(*)``, as the backup's manifest names them)."""
    with ws.reading():
        names = ws.rows(
            "SELECT schema_name, table_name FROM duckdb_tables() "
            "WHERE database_name = current_database() AND NOT temporary ORDER BY ALL"
        )
        counts: dict[str, int] = {}
        for schema, table in names:
            name = table if schema == "main" else f"{schema}.{table}"
            quoted = ".".join('"' + part.replace('"', '""') + '"' for part in (schema, table))
            counts[name] = int(ws.rows(f"SELECT count(*) FROM {quoted}")[0][0])
    return counts


def verify_restore(
    ws: Workspace,
    folder: str | os.PathLike[str] | None = None,
    *,
    scratch: str | os.PathLike[str] | None = None,
    now: dt.datetime | None = None,
) -> RestoreDrill:
    """The restore drill: restore the newest backup into a scratch folder and compare counts.

    ``folder`` defaults to the scheduled one. The newest dated backup there is restored with
    :meth:`~cimlab.workspace.Workspace.restore` (its checksum verified, every row read) into a
    temporary folder under ``scratch`` (default: the system's, ``$TMPDIR``), which is removed
    afterwards; the restored workspace is opened and read in full again. The drill fails when
    there is no backup, when the restore refuses it, when its manifest is missing or names
    other bytes (a file put in its place), or when a table's rows differ from those recorded
    at backup time. The live workspace is never written.

    Examples
    --------
    >>> import tempfile
    >>> from cimlab.workspace import Workspace
    >>> drill = verify_restore(Workspace.open(tempfile.mkdtemp()), tempfile.mkdtemp())
    >>> drill.ok, drill.problems[0].startswith("no cimlab backup in ")
    (False, True)
    """
    from cimlab.workspace import Workspace

    if folder is None:
        schedule = backup_schedule(ws)
        if schedule is None:
            raise WorkspaceError(
                f"which backups? {ws.path} has no backup schedule: give --to DIR (the backup "
                "folder), or set a schedule with --schedule weekly --to DIR"
            )
        folder = schedule.folder
    where = Path(folder).expanduser()
    live = _live_counts(ws)
    found = list_backups(where, now=now)
    if not found:
        problem = (
            f"no cimlab backup in {where} (files named cimlab-backup-*.duckdb); write one with "
            f"`cimlab workspace backup --workspace {ws.path} --to {where}`"
        )
        return RestoreDrill(where, None, live=live, problems=(problem,))
    newest = found[0]
    manifest = _read_manifest(newest.path)
    recorded: dict[str, int] = {} if manifest is None else dict(manifest["tables"])
    problems: list[str] = []
    restored: dict[str, int] = {}
    if manifest is None:
        problems.append(
            f"{newest.path.name} has no readable manifest ({manifest_path(newest.path).name}): "
            "the counts at backup time are unknown, so the restore cannot be compared; it was "
            "not written by `cimlab workspace backup --to`"
        )
    elif manifest["sha256"] != _sha256(newest.path):
        problems.append(
            f"{newest.path.name} is not the file that was backed up at "
            f"{newest.written_at:%Y-%m-%d %H:%M} UTC: its SHA-256 differs from the one its "
            "manifest recorded (the file was replaced or changed since)"
        )
    try:
        with tempfile.TemporaryDirectory(prefix="cimlab-restore-drill-", dir=scratch) as tmp:
            copy = Workspace.restore(newest.path, Path(tmp) / "workspace")
            report = copy.check()
            restored = dict(report.tables)
            problems += [f"the restored copy is damaged: {p}" for p in report.problems]
    except WorkspaceError as exc:
        problems.append(f"the restore of {newest.path.name} failed: {exc}")
    except OSError as exc:
        problems.append(
            f"no scratch folder for the restore in {scratch or tempfile.gettempdir()} "
            f"({exc.strerror}); give a writable folder with room for {newest.size_bytes:,} bytes "
            "(the CLI takes $TMPDIR)"
        )
    if restored and manifest is not None:
        for name in sorted(recorded.keys() | restored.keys()):
            want, got = recorded.get(name), restored.get(name)
            if want != got:
                problems.append(
                    f"table {name}: {'no' if got is None else f'{got:,}'} rows restored, "
                    f"{'none' if want is None else f'{want:,}'} recorded at backup time"
                )
    drill = RestoreDrill(where, newest, recorded, restored, live, tuple(problems))
    _log.info(
        "restore drill of %s: %s (%d problems)",
        newest.path,
        "passed" if drill.ok else "failed",
        len(problems),
    )
    return drill
