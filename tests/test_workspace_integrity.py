"""Nothing lost, nothing leaked: checked backups, verified restores, left-overs, a full disk.

Each attack of issue 9 has a test here: a backup damaged after it was written (8 KB of random
bytes at 1 MB, or truncated to 3 MB) must be refused by restore with the workspace untouched; a
damaged workspace must not be backed up; left-overs of killed backups and restores disappear on
the next open; a full disk (a real 8 MB tmpfs) says "disk full" and leaves the database file at
its old size. The ``kill -9`` variants are in ``test_crash_safety.py``.
"""

from __future__ import annotations

import datetime as dt
import errno
import hashlib
import json
import os
import random
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import duckdb
import polars as pl
import pytest
from polars.testing import assert_frame_equal

import cimlab.workspace as workspace_module
from cimlab.cli import main
from cimlab.contracts.models import TABLES, polars_schema
from cimlab.errors import WorkspaceError
from cimlab.workspace import (
    DB_NAME,
    LOCK_NAME,
    QUARANTINE_SCHEMA,
    BatchResult,
    IntegrityReport,
    Workspace,
    check_database,
    checksum_path,
    is_disk_full,
)

IN_CI = os.environ.get("CI") == "true"
T0 = dt.datetime(2024, 3, 1, 9, 30, tzinfo=dt.UTC)
BIG = 300_000  # order lines: a backup of about 6 MB, so that 1 MB and 3 MB fall inside it
CLEAN = [LOCK_NAME, DB_NAME]


def orders(n: int, *, first: int = 0) -> pl.DataFrame:
    """``n`` order lines with personal data in them, the contract's exact dtypes."""
    i = pl.int_range(first, first + n)
    ts = (pl.lit(dt.datetime(2023, 1, 1)) + pl.duration(seconds=i * 37)).dt.replace_time_zone("UTC")
    filled = {
        "order_id": pl.format("9{}", 10**17 + i // 3),
        "line_number": i % 3 + 1,
        "source_customer_id": pl.format("c{}", (i * 7919) % 6000),
        "channel": pl.lit("tmall"),
        "order_ts": ts,
        "amount": (i % 500).cast(pl.Float64),
        "currency": pl.lit("CNY"),
        "status": pl.lit("paid"),
        "product_name": pl.format("product {}", i % 2000),
        "name_is_masked": pl.lit(False),
        "phone": pl.format("+86138{}", 10_000_000 + i % 60_000),
        "phone_is_masked": pl.lit(False),
        "email": pl.format("buyer{}@example.com", i % 60_000),
        "source_line": i + 2,
    }
    schema = {**polars_schema("orders"), "source_line": pl.Int64()}
    return pl.select(
        (filled[c] if c in filled else pl.lit(None)).cast(d).alias(c) for c, d in schema.items()
    )


def load(ws: Workspace, valid: pl.DataFrame, tag: str) -> BatchResult:
    return ws.import_batch(
        table="orders",
        channel="tmall",
        file_name=f"{tag}.csv",
        content_hash=(tag * 64)[:64],
        encoding="utf-8",
        format="csv",
        mapping={},
        rows_read=valid.height,
        valid=valid,
        quarantine=pl.DataFrame(schema=QUARANTINE_SCHEMA),
        imported_at=T0,
        user_name="lin",
    )


def snapshot(ws: Workspace) -> dict[str, pl.DataFrame]:
    state = {t: ws.table(t) for t in TABLES}
    state["batches"] = ws.batches()
    state["quarantine"] = ws.quarantine()
    return state


def assert_same(a: dict[str, pl.DataFrame], b: dict[str, pl.DataFrame]) -> None:
    assert a.keys() == b.keys()
    for key in a:
        assert_frame_equal(a[key], b[key], check_exact=True)


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def damage(path: Path, how: str) -> None:
    """The attacks: 8 KB of random bytes written at offset 1 MB, or the file cut to 3 MB."""
    if how == "random":
        with open(path, "r+b") as fh:
            fh.seek(2**20)
            fh.write(random.Random(9).randbytes(8192))
    else:
        os.truncate(path, 3 * 2**20)


def run(capsys: pytest.CaptureFixture[str], *args: object) -> tuple[int, str, str]:
    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture(scope="module")
def original(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A workspace of 300,000 order lines and a backup of it, built once."""
    root = tmp_path_factory.mktemp("original")
    ws = Workspace.open(root / "ws")
    load(ws, orders(BIG), "a")
    backup = ws.backup(root / "monday.duckdb")
    assert backup.stat().st_size > 4 * 2**20
    return {"ws": ws.path, "backup": backup}


@pytest.fixture
def ws(original: dict[str, Path], tmp_path: Path) -> Workspace:
    """A copy of the original workspace, with one more batch than its backup."""
    shutil.copytree(original["ws"], tmp_path / "ws")
    workspace = Workspace.open(tmp_path / "ws", create=False)
    load(workspace, orders(10, first=BIG), "b")
    return workspace


@pytest.fixture
def backup(original: dict[str, Path], tmp_path: Path) -> Path:
    """A copy of the original backup and its checksum file."""
    target = tmp_path / "backups" / "monday.duckdb"
    target.parent.mkdir()
    shutil.copy(original["backup"], target)
    shutil.copy(checksum_path(original["backup"]), checksum_path(target))
    return target


# --------------------------------------------------------------------------- restore


@pytest.mark.parametrize("how", ["random", "truncate"])
@pytest.mark.parametrize("with_checksum", [True, False], ids=["checksum", "no-checksum"])
def test_restore_refuses_a_damaged_backup_and_keeps_the_workspace(
    ws: Workspace, backup: Path, how: str, with_checksum: bool
):
    if not with_checksum:  # a backup made by an older cimlab: only the full read can tell
        checksum_path(backup).unlink()
    damage(backup, how)
    before, db_bytes = snapshot(ws), sha256(ws.db_path)

    with pytest.raises(WorkspaceError) as err:
        Workspace.restore(backup, ws.path)
    message = str(err.value)
    if with_checksum:
        assert "checksum mismatch" in message
    elif how == "random":
        assert "table orders unreadable" in message and "fails its checksum" in message
    else:
        assert "table orders unreadable" in message and "truncated" in message
    assert message.startswith(f"{backup} is damaged") and "Nothing was changed" in message
    assert "@" not in message and "+86" not in message  # no personal data quoted

    assert sha256(ws.db_path) == db_bytes  # not a byte of the workspace changed
    assert sorted(os.listdir(ws.path)) == CLEAN
    assert_same(before, snapshot(Workspace.open(ws.path, create=False)))
    assert Workspace(ws.path).check().ok


def test_the_checksum_file_is_in_sha256sum_format(backup: Path):
    assert checksum_path(backup).read_text() == f"{sha256(backup)}  monday.duckdb\n"
    if shutil.which("sha256sum") is None:
        if IN_CI:
            pytest.fail("sha256sum is not installed; CI=true requires it (coreutils)")
        pytest.skip("sha256sum is not installed")
    done = subprocess.run(
        ["sha256sum", "-c", checksum_path(backup).name],
        cwd=backup.parent,
        capture_output=True,
        text=True,
        check=False,
    )
    assert (done.returncode, done.stdout) == (0, "monday.duckdb: OK\n")


def test_a_backup_without_checksum_file_is_restored_after_the_full_read(
    ws: Workspace, backup: Path, original: dict[str, Path], capsys: pytest.CaptureFixture[str]
):
    checksum_path(backup).unlink()
    code, out, err = run(capsys, "workspace", "restore", backup, "--workspace", ws.path)
    assert code == 0 and out.startswith(f"restored {ws.path} from {backup}: 1 active batches")
    assert err.startswith("cimlab: note: no checksum file monday.duckdb.sha256 was found")
    assert err.count("\n") == 1
    assert_same(snapshot(Workspace.open(original["ws"], create=False)), snapshot(ws))
    assert sorted(os.listdir(ws.path)) == CLEAN


def test_a_damaged_checksum_file_is_refused(ws: Workspace, backup: Path):
    checksum_path(backup).write_text("not a checksum\n")
    with pytest.raises(WorkspaceError, match=r"checksum file .* is damaged"):
        Workspace.restore(backup, ws.path)
    assert sorted(os.listdir(ws.path)) == CLEAN


@pytest.mark.parametrize("failure", [WorkspaceError("the proof failed"), KeyboardInterrupt()])
def test_the_old_workspace_comes_back_when_the_restored_one_fails_to_open(
    ws: Workspace, backup: Path, monkeypatch: pytest.MonkeyPatch, failure: BaseException
):
    before, db_bytes = snapshot(ws), sha256(ws.db_path)
    seen: list[list[str]] = []

    def failing_proof(self: Workspace, report: IntegrityReport) -> None:
        seen.append(sorted(os.listdir(self.path)))
        raise failure

    monkeypatch.setattr(Workspace, "_prove", failing_proof)
    with pytest.raises(type(failure)):
        Workspace.restore(backup, ws.path)
    # while the restored one was being proven, the old one waited beside it
    assert seen == [[".cimlab.lock", ".cimlab.previous", DB_NAME]]
    assert sha256(ws.db_path) == db_bytes
    assert sorted(os.listdir(ws.path)) == CLEAN
    assert_same(before, snapshot(Workspace.open(ws.path, create=False)))


def test_restore_checks_the_backup_before_taking_the_place_of_a_damaged_workspace(
    ws: Workspace, backup: Path, original: dict[str, Path]
):
    damage(ws.db_path, "random")  # the usual reason for a restore
    assert not ws.check().ok
    restored = Workspace.restore(backup, ws.path)
    assert restored.check().ok
    assert_same(snapshot(Workspace.open(original["ws"], create=False)), snapshot(restored))


# --------------------------------------------------------------------------- backup and check


def test_backup_of_a_damaged_workspace_writes_nothing_and_says_what(
    ws: Workspace, tmp_path: Path, capsys: pytest.CaptureFixture[str]
):
    damage(ws.db_path, "random")
    target = tmp_path / "out" / "tuesday.duckdb"
    with pytest.raises(WorkspaceError) as err:
        ws.backup(target)
    message = str(err.value)
    assert message.startswith(f"no backup written: workspace {ws.path} is damaged: table orders")
    assert "fails its checksum" in message and "@" not in message
    assert not target.exists() and not checksum_path(target).exists()
    assert os.listdir(target.parent) == []  # no .partial either

    code, out, err_text = run(capsys, "workspace", "backup", target, "--workspace", ws.path)
    assert (code, out) == (2, "")
    assert err_text.startswith("cimlab: no backup written") and err_text.count("\n") == 1
    assert os.listdir(target.parent) == []


def test_a_failed_backup_keeps_the_earlier_backup_at_that_name(ws: Workspace, backup: Path):
    kept = sha256(backup), checksum_path(backup).read_text()
    damage(ws.db_path, "random")
    with pytest.raises(WorkspaceError, match="no backup written"):
        ws.backup(backup)
    assert (sha256(backup), checksum_path(backup).read_text()) == kept
    assert sorted(os.listdir(backup.parent)) == ["monday.duckdb", "monday.duckdb.sha256"]


def test_a_damaged_earlier_backup_may_be_replaced(ws: Workspace, backup: Path):
    damage(backup, "truncate")
    ws.backup(backup)
    assert check_database(backup).ok
    assert checksum_path(backup).read_text() == f"{sha256(backup)}  monday.duckdb\n"


def test_check_reads_every_row_of_every_table(ws: Workspace, backup: Path):
    report = ws.check()
    assert report.ok and report.problems == ()
    assert report.path == ws.db_path
    assert report.tables == {
        "batches": 2,
        "customers": 0,
        "feedback": 0,
        "interactions": 0,
        "meta": 2,
        "orders": BIG + 10,
        "quarantine": 0,
    }
    assert check_database(backup).tables["orders"] == BIG
    # count(*) comes from metadata and misses the damage; the full read does not
    damage(ws.db_path, "random")
    con = duckdb.connect(str(ws.db_path), read_only=True)
    try:
        assert con.execute("SELECT count(*) FROM orders").fetchone() == (BIG + 10,)
    finally:
        con.close()
    damaged = ws.check()
    assert not damaged.ok and "orders" not in damaged.tables
    assert damaged.problems[0].startswith("table orders unreadable: a block at byte")


def test_check_names_files_that_are_no_workspace(tmp_path: Path):
    junk = tmp_path / "junk.duckdb"
    junk.write_bytes(b"\x00not a database" * 100)
    assert check_database(junk).problems == (
        f"{junk} cannot be opened as a DuckDB database (IOException: IO Error: The file "
        f'"{junk}" exists, but it is not a valid DuckDB database file!)',
    )
    other = tmp_path / "other.duckdb"
    con = duckdb.connect(str(other))
    con.execute("CREATE TABLE t AS SELECT 1 AS x")
    con.close()
    report = check_database(other)
    assert report.tables == {"t": 1}
    assert report.problems == (f"{other} is not a cimlab workspace (no cimlab meta table)",)
    with pytest.raises(WorkspaceError, match="no cimlab workspace"):
        Workspace(tmp_path / "nothing").check()
    with pytest.raises(WorkspaceError, match="not found"):
        check_database(tmp_path / "missing.duckdb")


def test_cli_check_backup_and_restore(
    ws: Workspace, tmp_path: Path, capsys: pytest.CaptureFixture[str]
):
    code, out, err = run(capsys, "workspace", "check", "--workspace", ws.path)
    assert (code, err) == (0, "")
    assert out == f"workspace {ws.path} is intact: 7 tables, {BIG + 14:,} rows read in full\n"
    code, out, err = run(capsys, "workspace", "check", "--workspace", ws.path, "--json")
    assert (code, err) == (0, "")
    report = json.loads(out)
    assert report["workspace"] == str(ws.path) and report["ok"] is True
    assert report["tables"]["orders"] == BIG + 10 and report["problems"] == []

    target = tmp_path / "copy.duckdb"
    code, out, err = run(capsys, "workspace", "backup", target, "--workspace", ws.path)
    assert (code, err) == (0, "")
    assert out.startswith(f"backup of {ws.path} written to {target} (")
    assert out.endswith("every row checked; its SHA-256 is in copy.duckdb.sha256\n")

    damage(ws.db_path, "truncate")
    code, out, err = run(capsys, "workspace", "check", "--workspace", ws.path, "--json")
    assert code == 2
    report = json.loads(out)
    assert report["ok"] is False and "orders" not in report["tables"]
    assert any(
        p.startswith("table orders unreadable: the file is truncated") for p in report["problems"]
    )
    lines = err.splitlines()
    assert lines and all(
        line.startswith(f"cimlab: workspace {ws.path} is damaged: ") for line in lines
    )
    assert lines[-1].endswith(f"`cimlab workspace restore FILE --workspace {ws.path}`")
    assert "Traceback" not in err and "@" not in err

    code, out, err = run(capsys, "workspace", "restore", target, "--workspace", ws.path)
    assert (code, err) == (0, "")
    assert run(capsys, "workspace", "check", "--workspace", ws.path)[0] == 0
    assert run(capsys, "workspace", "check", "--help")[0] == 0


# --------------------------------------------------------------------------- left-overs


def test_partial_files_of_a_killed_backup_go_when_the_same_target_is_written(
    ws: Workspace, tmp_path: Path
):
    target = tmp_path / "b.duckdb"
    (tmp_path / ".b.duckdb.partial").write_bytes(b"half a copy")
    (tmp_path / ".b.duckdb.sha256.partial").write_text("half a line")
    ws.backup(target)
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith((".b", "b"))) == [
        "b.duckdb",
        "b.duckdb.sha256",
    ]


@pytest.mark.parametrize(
    "leftover",
    ["restoring", "moved-aside", "swapped", "linked", "committed"],
)
def test_open_tidies_up_after_an_unfinished_restore(
    ws: Workspace, backup: Path, original: dict[str, Path], leftover: str
):
    """The states a restore killed at each step leaves, made by hand (kill -9: crash tests)."""
    before, db_bytes = snapshot(ws), sha256(ws.db_path)
    previous = ws.path / ".cimlab.previous"
    if leftover == "restoring":  # killed while copying the backup in
        shutil.copy(backup, ws.path / f".{DB_NAME}.restoring")
    elif leftover == "moved-aside":  # old moved away, new not yet in place
        previous.mkdir()
        os.replace(ws.db_path, previous / DB_NAME)
    elif leftover == "swapped":  # new in place, not yet proven
        previous.mkdir()
        os.replace(ws.db_path, previous / DB_NAME)
        shutil.copy(backup, ws.db_path)
    elif leftover == "linked":  # old linked aside, still in place
        previous.mkdir()
        os.link(ws.db_path, previous / DB_NAME)
    else:  # proven, old folder renamed for removal, not yet removed
        (ws.path / ".cimlab.previous.discard").mkdir()
        os.replace(ws.db_path, ws.path / ".cimlab.previous.discard" / DB_NAME)
        shutil.copy(backup, ws.db_path)

    reopened = Workspace.open(ws.path, create=False)
    assert sorted(os.listdir(ws.path)) == CLEAN
    if leftover == "committed":
        assert_same(snapshot(Workspace.open(original["ws"], create=False)), snapshot(reopened))
    else:
        assert sha256(ws.db_path) == db_bytes
        assert_same(before, snapshot(reopened))


def test_an_empty_database_file_left_by_a_failed_creation_is_no_workspace(tmp_path: Path):
    folder = tmp_path / "ws"
    folder.mkdir()
    (folder / DB_NAME).write_bytes(b"")
    with pytest.raises(WorkspaceError, match="no cimlab workspace"):
        Workspace.open(folder, create=False)
    assert Workspace.open(folder).check().ok


# --------------------------------------------------------------------------- a full disk


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A real 8 MB file system (tmpfs), to fill up; needs root, as here and in CI."""
    mount = tmp_path / "disk"
    mount.mkdir()
    try:
        done = subprocess.run(
            ["mount", "-t", "tmpfs", "-o", "size=8m", "tmpfs", str(mount)],
            capture_output=True,
            text=True,
            check=False,
        )
        reason = done.stderr.strip() if done.returncode else ""
    except OSError as exc:
        reason = str(exc)
    if reason:
        message = f"cannot mount a tmpfs for the disk-full tests ({reason})"
        if IN_CI:
            pytest.fail(message + "; CI=true requires them (run as root)")
        pytest.skip(message)
    try:
        yield mount
    finally:
        subprocess.run(["umount", str(mount)], check=False)


def fill(disk: Path) -> Path:
    """Write zeros to ``disk/filler`` until the file system is full."""
    filler = disk / "filler"
    with open(filler, "wb", buffering=0) as fh:
        block = b"\0" * 65536
        with pytest.raises(OSError) as full:
            while True:
                fh.write(block)
    assert full.value.errno == errno.ENOSPC
    return filler


def size_on_disk(ws: Workspace) -> int:
    return sum(p.stat().st_size for p in ws.path.iterdir() if p.name.startswith(DB_NAME))


def free_bytes(path: Path) -> int:
    stat = os.statvfs(path)
    return stat.f_bavail * stat.f_frsize


def assert_disk_full_message(message: str, where: Path) -> None:
    assert message.startswith("disk full: ") and f"disk holding {where};" in message
    assert "nothing was changed. Free some space there, then retry" in message
    for leak in ("Exception", "bug", "@", "+86"):
        assert leak not in message


def test_an_import_too_big_for_the_disk_is_rolled_back_and_gives_the_space_back(
    small_disk: Path,
):
    ws = Workspace.open(small_disk / "ws")
    load(ws, orders(100), "a")
    before, size, free = snapshot(ws), size_on_disk(ws), free_bytes(small_disk)

    with pytest.raises(WorkspaceError) as err:
        load(ws, orders(1_000_000, first=100), "b")  # about 19 MB on disk
    assert_disk_full_message(str(err.value), ws.path)
    assert "larger than before" not in str(err.value)
    assert size_on_disk(ws) == size  # the file did not stay grown to fill the disk
    assert free_bytes(small_disk) == free
    assert sorted(os.listdir(ws.path)) == CLEAN
    assert_same(before, snapshot(ws))
    assert ws.check().ok
    assert load(ws, orders(10, first=100), "c").rows_loaded == 10  # and it goes on working


def test_when_the_space_cannot_be_given_back_the_message_says_how(
    small_disk: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    ws = Workspace.open(small_disk / "ws")
    size = size_on_disk(ws)
    with monkeypatch.context() as patch:  # as if DuckDB could not truncate the file
        patch.setattr(workspace_module, "_give_back_space", lambda con, quiet=True: None)
        # the chunks are staged on the big disk, so the small one fills inside the database
        patch.setattr(workspace_module, "_STAGING", str(tmp_path / "staging"))
        with pytest.raises(WorkspaceError) as err:
            load(ws, orders(1_000_000), "b")
    assert_disk_full_message(str(err.value), ws.path)
    assert size_on_disk(ws) > size + 2**20
    assert "larger than before: once some space is free, `cimlab workspace backup FILE " in str(
        err.value
    )
    # the advice works: the backup's checkpoint hands the space back
    ws.backup(tmp_path / "b.duckdb")
    assert size_on_disk(ws) == size
    assert ws.check().ok


def test_import_and_undo_on_a_full_disk_say_so(
    small_disk: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
):
    ws = Workspace.open(small_disk / "ws")
    load(ws, orders(30_000), "a")
    csv = tmp_path / "three.csv"
    csv.write_text(
        "order_id,order_date,amount,currency,phone,email\n"
        "B1,2024-03-01,10,CNY,13912345678,ann@example.com\nB2,2024-03-02,20,CNY,,\n"
    )
    filler = fill(small_disk)
    before, size = snapshot(ws), size_on_disk(ws)

    with pytest.raises(WorkspaceError) as err:
        ws.undo(1, at=T0)
    assert_disk_full_message(str(err.value), ws.path)
    assert str(err.value).startswith("disk full: undoing batch 1 ran out of space")

    args = ["--workspace", ws.path, "--channel", "shop", "--table", "orders"]
    code, _, err_text = run(capsys, "import", csv, *args, "--mapping", "generic_en")
    assert code == 2
    [line] = err_text.splitlines()
    assert line.startswith("cimlab: disk full: storing three.csv in orders ran out of space")
    assert_disk_full_message(line.removeprefix("cimlab: "), ws.path)
    code, _, err_text = run(capsys, "workspace", "undo", "1", "--workspace", ws.path)
    assert code == 2 and err_text.startswith("cimlab: disk full: undoing batch 1")

    assert size_on_disk(ws) == size
    assert_same(before, snapshot(ws))
    filler.unlink()
    assert ws.undo(1, at=T0) == 30_000


def test_backup_to_a_full_disk_leaves_the_earlier_backup_and_no_partial_file(
    ws: Workspace, small_disk: Path, capsys: pytest.CaptureFixture[str]
):
    small = Workspace.open(small_disk / "small")
    target = small.backup(small_disk / "b.duckdb")  # an earlier, small backup
    kept = sha256(target), checksum_path(target).read_text()
    fill(small_disk)

    with pytest.raises(WorkspaceError) as err:
        ws.backup(target)  # 6 MB: does not fit
    assert_disk_full_message(str(err.value), small_disk)
    assert str(err.value).startswith(f"disk full: writing the backup {target} ran out of space")
    assert (sha256(target), checksum_path(target).read_text()) == kept
    assert sorted(os.listdir(small_disk)) == ["b.duckdb", "b.duckdb.sha256", "filler", "small"]
    code, _, err_text = run(capsys, "workspace", "backup", target, "--workspace", ws.path)
    assert code == 2 and err_text.startswith("cimlab: disk full: writing the backup")
    assert sorted(os.listdir(small_disk)) == ["b.duckdb", "b.duckdb.sha256", "filler", "small"]


def test_restore_on_a_full_disk_changes_nothing(small_disk: Path, backup: Path):
    ws = Workspace.open(small_disk / "ws")
    load(ws, orders(100), "a")
    before, db_bytes = snapshot(ws), sha256(ws.db_path)
    fill(small_disk)

    with pytest.raises(WorkspaceError) as err:
        Workspace.restore(backup, ws.path)  # its 6 MB copy does not fit
    assert_disk_full_message(str(err.value), ws.path)
    assert str(err.value).startswith(f"disk full: restoring {backup} ran out of space")
    assert sha256(ws.db_path) == db_bytes
    assert sorted(os.listdir(ws.path)) == CLEAN
    assert_same(before, snapshot(ws))


def test_creating_a_workspace_on_a_full_disk_leaves_no_empty_database(small_disk: Path):
    filler = fill(small_disk)
    with pytest.raises(WorkspaceError) as err:
        Workspace.open(small_disk / "ws")
    assert err.value.args[0].startswith("disk full: ")
    assert not (small_disk / "ws" / DB_NAME).exists()
    filler.unlink()
    assert Workspace.open(small_disk / "ws").check().ok


def test_is_disk_full_follows_the_chain_of_errors():
    try:
        try:
            raise duckdb.IOException('Could not write file "x.duckdb": No space left on device')
        except duckdb.Error:
            raise duckdb.TransactionException("Current transaction is aborted") from None
    except duckdb.Error as exc:
        masked = exc
    assert is_disk_full(masked)  # the context is kept even under ``from None``
    assert is_disk_full(OSError(errno.EDQUOT, "Disk quota exceeded"))
    assert not is_disk_full(duckdb.TransactionException("Current transaction is aborted"))
    assert not is_disk_full(OSError(errno.EIO, "Input/output error"))
