"""The one writer: exports never let a spreadsheet run a cell as a formula, never land inside a
workspace (whatever the path or symlink), and never leave a partial file."""

from __future__ import annotations

import csv
import datetime as dt
import errno
import io
import os
import re
import stat
import subprocess
from pathlib import Path

import polars as pl
import pytest
from openpyxl import load_workbook

from cimlab import export
from cimlab.errors import CimlabError, ExportError
from cimlab.export import escape_formulas, table_bytes, write_bytes, write_table
from cimlab.workspace import DB_NAME, LOCK_NAME
from tests.payloads import PAYLOADS, live_formula


def test_escape_formulas_keeps_numbers_and_plain_text():
    frame = pl.DataFrame(
        {
            "x": ['=HYPERLINK("x")', "+86 138", "-12.5", "1e3", "@SUM(A1)", "\tcmd", "ok", None],
            "n": [1, 2, 3, 4, 5, 6, 7, 8],
        }
    )
    assert escape_formulas(frame)["x"].to_list() == [
        "'=HYPERLINK(\"x\")", "'+86 138", "-12.5", "1e3", "'@SUM(A1)", "'\tcmd", "ok", None,
    ]  # fmt: skip
    assert escape_formulas(frame)["n"].to_list() == frame["n"].to_list()


def test_xlsx_and_parquet(tmp_path):
    frame = pl.DataFrame(
        {
            "id": ["=1+1", "C1"],
            "at": [dt.datetime(2026, 1, 1, tzinfo=dt.UTC)] * 2,
            "tags": [["a", "b"], []],
        }
    )
    book = load_workbook(write_table(frame, tmp_path / "x.xlsx"))
    rows = list(book.active.iter_rows(values_only=True))
    assert rows[0] == ("id", "at", "tags")
    assert rows[1][0] == "'=1+1" and rows[1][2] == "a, b"
    assert pl.read_parquet(write_table(frame, tmp_path / "x.parquet")).equals(frame)


# ---------------------------------------------------------------------------- every cell escaped


def payload_frame() -> pl.DataFrame:
    n = len(PAYLOADS)
    return pl.DataFrame(
        {
            "text": PAYLOADS,
            "category": pl.Series(PAYLOADS, dtype=pl.Categorical),
            "tags": [[p, "ok"] for p in PAYLOADS],
            "big": [9100000000000000001] * n,
            "amount": pl.Series(["-12.50"] * n).cast(pl.Decimal(10, 2)),
            "number_text": ["-12.5"] * n,
            PAYLOADS[0]: ["header payload"] * n,
        }
    )


def test_every_csv_and_xlsx_cell_and_header_is_escaped(tmp_path):
    frame = payload_frame()
    csv_rows = list(csv.reader(io.StringIO(table_bytes(frame, "csv").decode("utf-8-sig"))))
    book = load_workbook(io.BytesIO(table_bytes(frame, "xlsx")))
    xlsx_cells = [c for row in book.active.iter_rows() for c in row]
    assert not [c for row in csv_rows for c in row if live_formula(c)]
    assert not [c.value for c in xlsx_cells if live_formula(c.value)]
    assert all(c.data_type != "f" for c in xlsx_cells)  # no formula cell at all
    assert csv_rows[0][-1] == "'" + PAYLOADS[0]  # the header
    assert [r[0] for r in csv_rows[1:]] == ["'" + p for p in PAYLOADS]
    assert [r[1] for r in csv_rows[1:]] == ["'" + p for p in PAYLOADS]  # categories too
    assert csv_rows[1][2] == "'" + PAYLOADS[0] + ", ok"  # lists as text
    assert csv_rows[1][4:6] == ["-12.5", "-12.5"]  # numbers stay numbers
    values = [c.value for c in list(book.active.iter_rows())[1]]
    assert values[3] == "9100000000000000001"  # Excel would round a long integer
    assert values[4] == -12.5


def test_xlsx_is_a_workbook_even_with_control_characters():
    frame = pl.DataFrame({"nick": ["ok\x01bad", "\x0b=1+1"]})
    data = table_bytes(frame, "xlsx")
    assert data[:2] == b"PK"  # a zip: a real workbook, not CSV bytes
    values = [r[0] for r in load_workbook(io.BytesIO(data)).active.iter_rows(values_only=True)]
    assert values == ["nick", "ok\ufffdbad", "\ufffd=1+1"]


def test_parquet_keeps_the_data_as_they_are(tmp_path):
    frame = pl.DataFrame({"text": PAYLOADS, "tags": [[p] for p in PAYLOADS]})
    assert pl.read_parquet(write_table(frame, tmp_path / "x.parquet")).equals(frame)
    assert pl.read_parquet(io.BytesIO(table_bytes(frame, "parquet"))).equals(frame)


def test_unknown_formats_are_refused(tmp_path):
    frame = pl.DataFrame({"x": [1]})
    with pytest.raises(ExportError, match=r"x\.txt: write a \.csv, \.parquet or \.xlsx file"):
        write_table(frame, tmp_path / "x.txt")
    with pytest.raises(ExportError, match="unknown format"):
        table_bytes(frame, "json")
    assert not list(tmp_path.iterdir())


def test_write_bytes_refuses_a_name_that_lies_about_the_format(tmp_path):
    with pytest.raises(ExportError, match=r"x\.xlsx: this is CSV data; name the file \.csv"):
        write_bytes(b"a,b\n", tmp_path / "x.xlsx", fmt="csv")
    assert not list(tmp_path.iterdir())
    assert write_bytes(b"a,b\n", tmp_path / "x.CSV", fmt="csv").read_bytes() == b"a,b\n"


def test_xlsx_row_limit_is_a_clear_error(monkeypatch, tmp_path):
    monkeypatch.setattr(export, "_XLSX_MAX_ROWS", 3)
    with pytest.raises(ExportError, match=r"3 rows do not fit in an \.xlsx sheet.*\.csv"):
        write_table(pl.DataFrame({"x": [1, 2, 3]}), tmp_path / "x.xlsx")
    assert not list(tmp_path.iterdir())


# ---------------------------------------------------------------------------- where files land


def test_workspace_markers_are_the_workspace_file_names():
    assert (DB_NAME, LOCK_NAME) == export.WORKSPACE_MARKERS


@pytest.fixture
def ws(tmp_path) -> Path:
    folder = tmp_path / "ws"
    folder.mkdir()
    (folder / DB_NAME).write_bytes(b"database")
    return folder


def refused(call, ws: Path) -> str:
    before = {p: p.read_bytes() for p in ws.rglob("*") if p.is_file()}
    with pytest.raises(ExportError, match="will not write inside the workspace folder") as info:
        call()
    after = {p: p.read_bytes() for p in ws.rglob("*") if p.is_file()}
    assert after == before  # nothing written, nothing left behind
    return str(info.value)


@pytest.mark.parametrize("protect", [True, False])
def test_writers_refuse_the_workspace_database(ws, protect):
    frame = pl.DataFrame({"x": ["a"]})
    guard = [ws] if protect else []  # a workspace is known by its files even when not named
    db = ws / DB_NAME
    message = refused(lambda: write_bytes(b"x", db, protect=guard), ws)
    assert message.startswith(f"{db}: ") and "choose a file outside" in message
    refused(lambda: write_table(frame, ws / "out.csv", protect=guard), ws)
    refused(lambda: write_table(frame, ws / "sub" / ".." / "out.xlsx", protect=guard), ws)


def test_writers_refuse_paths_into_the_workspace(ws, tmp_path):
    frame = pl.DataFrame({"x": ["a"]})
    other = tmp_path / "other"
    other.mkdir()
    # through ..
    refused(lambda: write_bytes(b"x", other / ".." / "ws" / DB_NAME, protect=[ws]), ws)
    refused(lambda: write_table(frame, other / ".." / "ws" / "x.csv", protect=[ws]), ws)
    # a symlink to the database
    (tmp_path / "link.csv").symlink_to(ws / DB_NAME)
    refused(lambda: write_table(frame, tmp_path / "link.csv", protect=[ws]), ws)
    # a symlinked folder
    (tmp_path / "exports").symlink_to(ws, target_is_directory=True)
    refused(lambda: write_table(frame, tmp_path / "exports" / "x.csv", protect=[ws]), ws)
    # a dangling symlink that would create a file in the workspace
    (tmp_path / "new.csv").symlink_to(ws / "new.csv")
    refused(lambda: write_table(frame, tmp_path / "new.csv", protect=[ws]), ws)
    assert not (ws / "new.csv").exists()
    # a protected folder given through a symlink
    refused(lambda: write_table(frame, ws / "x.csv", protect=[tmp_path / "exports"]), ws)


def test_a_hard_link_to_the_database_is_replaced_not_written_through(ws, tmp_path):
    link = tmp_path / "backup.csv"
    os.link(ws / DB_NAME, link)
    write_table(pl.DataFrame({"x": ["a"]}), link, protect=[ws])
    assert (ws / DB_NAME).read_bytes() == b"database"
    assert link.read_text(encoding="utf-8-sig") == "x\na\n"


def test_a_symlink_outside_the_workspace_is_written_through(tmp_path):
    real = tmp_path / "real.csv"
    real.write_text("old")
    (tmp_path / "link.csv").symlink_to(real)
    write_table(pl.DataFrame({"x": ["a"]}), tmp_path / "link.csv")
    assert (tmp_path / "link.csv").is_symlink()
    assert real.read_text(encoding="utf-8-sig") == "x\na\n"


@pytest.mark.parametrize(
    ("target", "message"),
    [
        ("folder", r"folder: is a folder; give a file name inside it"),
        ("missing/x.csv", r"missing/x\.csv: the folder .*missing does not exist; create it first"),
        ("", r"give a file name"),
    ],
)
def test_bad_targets_get_a_clear_message(tmp_path, target, message):
    (tmp_path / "folder").mkdir()
    path = tmp_path / target if target else ""
    with pytest.raises(ExportError, match=message):
        write_bytes(b"x", path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["folder"]
    assert not list((tmp_path / "folder").iterdir())


def test_a_device_is_written_to_not_replaced():
    write_bytes(b"x", "/dev/null")
    assert stat.S_ISCHR(os.stat("/dev/null").st_mode)
    assert issubclass(ExportError, CimlabError)  # the CLI prints "cimlab: ..." and exits 2


# ---------------------------------------------------------------------------- failures: no partial file


def no_leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".part"))


def test_disk_full_leaves_the_old_file_and_no_partial_one(monkeypatch, tmp_path):
    target = tmp_path / "rfm.csv"
    target.write_text("old content")

    def full(fd: int) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(export.os, "fsync", full)
    with pytest.raises(ExportError) as info:
        write_table(pl.DataFrame({"x": ["a"] * 1000}), target)
    assert str(info.value) == (
        f"{target}: the disk is full; nothing was written: free some space, or write to "
        "another disk"
    )
    assert target.read_text() == "old content"
    assert no_leftovers(tmp_path) == []


def test_a_writer_failing_halfway_leaves_no_partial_file(monkeypatch, tmp_path):
    def half(self, file, **kwargs):
        file.write(b"customer_id\nC1\n")
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(pl.DataFrame, "write_csv", half)
    with pytest.raises(ExportError, match="the disk is full"):
        write_table(pl.DataFrame({"x": ["a"]}), tmp_path / "x.csv")
    assert list(tmp_path.iterdir()) == []


def test_an_interrupt_leaves_no_partial_file(monkeypatch, tmp_path):
    def interrupted(self, file, **kwargs):
        file.write(b"partial")
        raise KeyboardInterrupt

    monkeypatch.setattr(pl.DataFrame, "write_parquet", interrupted)
    with pytest.raises(KeyboardInterrupt):
        write_table(pl.DataFrame({"x": ["a"]}), tmp_path / "x.parquet")
    assert list(tmp_path.iterdir()) == []


def test_permission_denied_is_a_clear_message(monkeypatch, tmp_path):
    def denied(*args, **kwargs):
        raise PermissionError(errno.EACCES, "Permission denied")

    monkeypatch.setattr(export.tempfile, "mkstemp", denied)
    with pytest.raises(ExportError, match=r"x\.csv: permission denied; nothing was written"):
        write_table(pl.DataFrame({"x": ["a"]}), tmp_path / "x.csv")
    assert list(tmp_path.iterdir()) == []


def test_a_folder_the_file_system_refuses_is_a_clear_message(tmp_path):
    """A real refusal: a folder without write permission, or (as root, who may write anyway,
    as in CI) a read-only file system mounted for the test."""
    folder = tmp_path / "ro"
    folder.mkdir()
    if os.geteuid() != 0:
        folder.chmod(0o500)
        expected = "permission denied"
    else:
        done = subprocess.run(
            ["mount", "-t", "tmpfs", "-o", "ro,size=1m", "tmpfs", str(folder)],
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode:
            message = f"cannot mount a read-only tmpfs ({done.stderr.strip()})"
            if os.environ.get("CI") == "true":
                pytest.fail(message + "; CI=true requires it")
            pytest.skip(message)
        expected = "the disk is read-only"
    try:
        with pytest.raises(ExportError, match=expected):
            write_table(pl.DataFrame({"x": ["a"]}), folder / "x.csv")
        assert list(folder.iterdir()) == []
    finally:
        if os.geteuid() == 0:
            subprocess.run(["umount", str(folder)], check=False)
        folder.chmod(0o700)


def test_an_overwritten_file_keeps_its_permissions(tmp_path):
    target = tmp_path / "x.csv"
    target.write_text("old")
    target.chmod(0o640)
    write_table(pl.DataFrame({"x": ["a"]}), target)
    assert stat.S_IMODE(target.stat().st_mode) == 0o640
    fresh = write_table(pl.DataFrame({"x": ["a"]}), tmp_path / "new.csv")
    assert stat.S_IMODE(fresh.stat().st_mode) == 0o666 & ~export._umask()


# ---------------------------------------------------------------------------- the one writer

ROOT = Path(__file__).resolve().parents[1]
_WRITES = re.compile(
    r"\.write_(text|bytes|csv|parquet|excel|ndjson|json|ipc)\(\s*[^)\s]|\.save\(|\.to_(csv|excel)\("
    r"|\bopen\([^)]*[\"'][wax]b?\+?[\"']|os\.open\(|shutil\.(copy|move)|\bCOPY\b.*\bTO\b"
)
# Files that write something other than an export, and why (the rest go through cimlab.export).
OTHER_WRITERS = {
    "cimlab/workspace.py": "the workspace's own files: database, lock, backup, restore",
    "cimlab/demo/": "the demo's source files (channel exports as platforms write them)",
    "cimlab/predict/store.py": "stored predictions: the workspace's own derived data "
    "(report.json and Parquet tables under predictions/, written atomically), not an export",
    "cimlab/backups.py": "the workspace's own backups: the manifest beside a backup (rows per "
    "table, SHA-256), written to a partial file and renamed",
    "cimlab/encryption.py": "workspace encrypt/rekey: the new database built beside the old one "
    "(verified, then renamed over it) and, only when asked for, a copy of the old clear one",
    "cimlab/act/snapshot.py": "customer snapshots: the workspace's own derived data "
    "(Parquet under snapshots/, written atomically), not an export",
    "cimlab/act/profiles.py": "serialises platform uploads (CSV without BOM, one value per "
    "line) into bytes in memory, formulas escaped; cimlab.act.campaigns writes those bytes with "
    "cimlab.export.write_bytes",
}
_NOT_A_FILE = "os.devnull"  # the CLI points stdout at /dev/null after a broken pipe


def test_every_export_goes_through_the_one_writer():
    """A new file writer outside cimlab.export fails here: route it through write_table,
    write_bytes or table_bytes (or, for a non-export, name it in OTHER_WRITERS)."""
    found = {}
    for path in sorted([*(ROOT / "cimlab").rglob("*.py"), *(ROOT / "apps").glob("*.py")]):
        name = path.relative_to(ROOT).as_posix()
        if name == "cimlab/export.py" or name.startswith(tuple(OTHER_WRITERS)):
            continue
        lines = path.read_text(encoding="utf-8").splitlines()
        hits = [
            f"{i}: {line.strip()}"
            for i, line in enumerate(lines, 1)
            if _WRITES.search(line)
            and _NOT_A_FILE not in line
            and not line.strip().startswith((">>>", "...", "#"))
        ]
        if hits:
            found[name] = hits
    assert not found, found
