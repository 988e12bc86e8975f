"""Scheduled backups, retention and the restore drill (:mod:`cimlab.backups`), their command line
(``cimlab workspace backup --to/--schedule/--verify-restore``) and the Overview page's notice."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import shutil
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from cimlab import backups
from cimlab.backups import (
    backup_due,
    backup_name,
    backup_schedule,
    backup_status,
    backup_to,
    last_backup,
    list_backups,
    manifest_path,
    run_scheduled_backup,
    set_backup_schedule,
    verify_restore,
)
from cimlab.cli import main
from cimlab.errors import WorkspaceError
from cimlab.i18n import t
from cimlab.workspace import Workspace, checksum_path
from tests.app.markdown_checks import shown_text

T0 = dt.datetime(2026, 12, 7, 22, 15, tzinfo=dt.UTC)
APP = Path(__file__).resolve().parents[1] / "apps" / "streamlit_app.py"


def _workspace(path: Path, notes: int) -> Workspace:
    """A workspace with a table ``notes`` of ``notes`` rows (a table the counts must follow)."""
    ws = Workspace.open(path)
    ws.ensure_tables(["CREATE TABLE IF NOT EXISTS notes (n BIGINT)"])
    with ws.transaction() as con:
        con.execute("INSERT INTO notes SELECT range FROM range(?)", [notes])
    return ws


def _add_notes(ws: Workspace, rows: int) -> None:
    with ws.transaction() as con:
        con.execute("INSERT INTO notes SELECT range FROM range(?)", [rows])


@pytest.fixture
def ws(tmp_path: Path) -> Workspace:
    return _workspace(tmp_path / "ws", notes=3)


def run(capsys: pytest.CaptureFixture[str], *args: object) -> tuple[int, str, str]:
    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


def error_lines(err: str) -> list[str]:
    assert "Traceback" not in err
    lines = [line for line in err.splitlines() if line.strip()]
    assert lines and all(line.startswith("cimlab: ") for line in lines), err
    return lines


# --------------------------------------------------------------------------- writing, retention


def test_backup_to_names_verifies_and_records_counts(ws: Workspace, tmp_path: Path) -> None:
    record = backup_to(ws, tmp_path / "b", now=T0)
    assert record.path == tmp_path / "b" / "cimlab-backup-20261207T221500Z.duckdb"
    assert record.tables is not None and record.tables["notes"] == 3
    digest = hashlib.sha256(record.path.read_bytes()).hexdigest()
    assert checksum_path(record.path).read_text() == f"{digest}  {record.path.name}\n"
    manifest = json.loads(manifest_path(record.path).read_text())
    assert (manifest["sha256"], manifest["tables"]["notes"]) == (digest, 3)
    assert manifest["written_at"] == "2026-12-07T22:15:00+00:00"
    [listed] = list_backups(tmp_path / "b", now=T0 + dt.timedelta(days=2))
    assert (listed.path, listed.age, listed.tables) == (
        record.path,
        dt.timedelta(days=2),
        record.tables,
    )


def test_retention_keeps_exactly_n_and_never_touches_other_files(
    ws: Workspace, tmp_path: Path
) -> None:
    folder = tmp_path / "b"
    folder.mkdir()
    foreign = {
        "notes.txt": b"mine",
        "monday.duckdb": b"a backup made by hand",
        "monday.duckdb.sha256": b"0" * 64 + b"  monday.duckdb\n",
        "cimlab-backup-latest.duckdb": b"not a dated name",
        "cimlab-backup-20200101T000000Z.duckdb.sha256": b"an orphan sidecar",
        "cimlab-backup-20200101T000000Z.duckdb.bak": b"another name",
    }
    for name, data in foreign.items():
        (folder / name).write_bytes(data)
    written = [backup_to(ws, folder, keep=3, now=T0 + dt.timedelta(days=d)) for d in range(5)]
    kept = [r.path for r in list_backups(folder)]
    assert kept == [r.path for r in reversed(written[2:])]
    assert written[-1].removed == (written[1].path,)
    assert written[-2].removed == (written[0].path,)
    for gone in written[:2]:
        for path in (gone.path, checksum_path(gone.path), manifest_path(gone.path)):
            assert not path.exists(), path
    for name, data in foreign.items():
        assert (folder / name).read_bytes() == data, name
    expected = set(foreign) | {
        n
        for r in written[2:]
        for n in (r.path.name, r.path.name + ".sha256", r.path.name + ".manifest.json")
    }
    assert {p.name for p in folder.iterdir()} == expected


def test_the_backup_just_written_is_kept_even_behind_a_later_dated_one(
    ws: Workspace, tmp_path: Path
) -> None:
    later = backup_to(ws, tmp_path / "b", keep=1, now=T0 + dt.timedelta(days=30))
    now = backup_to(ws, tmp_path / "b", keep=1, now=T0)
    assert now.path.exists() and now.removed == (later.path,)


def test_backup_refuses_bad_keep_and_folders_inside_the_workspace(
    ws: Workspace, tmp_path: Path
) -> None:
    with pytest.raises(WorkspaceError, match="keep=0 should be"):
        backup_to(ws, tmp_path / "b", keep=0)
    with pytest.raises(WorkspaceError, match="inside the workspace"):
        backup_to(ws, ws.path / "backups")
    with pytest.raises(WorkspaceError, match="inside the workspace"):
        set_backup_schedule(ws, ws.path, "weekly")
    assert not (ws.path / "backups").exists()


def test_a_backup_failing_its_check_after_writing_is_deleted_and_nothing_pruned(
    ws: Workspace, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = backup_to(ws, tmp_path / "b", keep=1, now=T0)
    monkeypatch.setattr(backups, "_sha256", lambda path: "0" * 64)  # the bytes read back differ
    with pytest.raises(WorkspaceError, match="failed its check after writing"):
        backup_to(ws, tmp_path / "b", keep=1, now=T0 + dt.timedelta(days=1))
    assert [r.path for r in list_backups(tmp_path / "b")] == [first.path]


# --------------------------------------------------------------------------- schedule


def test_schedule_is_recorded_and_due_by_period(ws: Workspace, tmp_path: Path) -> None:
    folder = tmp_path / "b"
    assert backup_schedule(ws) is None and not backup_due(ws, now=T0)
    with pytest.raises(WorkspaceError, match="period='monthly' should be one of daily, weekly"):
        set_backup_schedule(ws, folder, "monthly")
    schedule = set_backup_schedule(ws, folder, "weekly", keep=2)
    assert schedule == backup_schedule(ws)
    assert schedule is not None and (schedule.folder, schedule.keep) == (folder, 2)
    assert backup_due(ws, now=T0)  # no backup yet
    first = run_scheduled_backup(ws, now=T0)
    assert first is not None and last_backup(ws, now=T0) == first
    for later, due in (
        (dt.timedelta(days=6, hours=23, minutes=59), False),
        (dt.timedelta(days=7), True),
    ):
        assert backup_due(ws, now=T0 + later) is due
    assert run_scheduled_backup(ws, now=T0 + dt.timedelta(days=3)) is None
    assert len(list_backups(folder)) == 1
    second = run_scheduled_backup(ws, now=T0 + dt.timedelta(days=7))
    assert second is not None and second.path.name == backup_name(T0 + dt.timedelta(days=7))
    status = backup_status(ws, now=T0 + dt.timedelta(days=8))
    assert (status.last, status.overdue) == (
        list_backups(folder, now=T0 + dt.timedelta(days=8))[0],
        False,
    )
    set_backup_schedule(ws, folder, "daily", keep=2)
    assert backup_due(ws, now=T0 + dt.timedelta(days=8))
    assert set_backup_schedule(ws, None, None) is None and backup_schedule(ws) is None
    assert not backup_due(ws, now=T0 + dt.timedelta(days=80))


# --------------------------------------------------------------------------- restore drill


def test_drill_passes_on_a_good_backup_and_reports_live_changes(
    ws: Workspace, tmp_path: Path
) -> None:
    backup_to(ws, tmp_path / "b", now=T0)
    _add_notes(ws, 4)  # the live workspace moves on: no failure, but reported
    (tmp_path / "scratch_parent").mkdir()
    drill = verify_restore(ws, tmp_path / "b", scratch=tmp_path / "scratch_parent")
    assert drill.ok, drill.problems
    assert drill.recorded == drill.restored and drill.restored["notes"] == 3
    assert drill.changed_since_backup() == {"notes": (3, 7)}
    assert list((tmp_path / "scratch_parent").iterdir()) == []  # the scratch folder is gone


def test_drill_fails_on_another_workspaces_backup_with_a_forged_checksum(
    ws: Workspace, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "b"
    newest = backup_to(ws, folder, now=T0).path
    other = _workspace(tmp_path / "other", notes=9)
    foreign = other.backup(tmp_path / "other.duckdb")
    shutil.copyfile(foreign, newest)  # dropped in place of ours, with a matching .sha256
    digest = hashlib.sha256(newest.read_bytes()).hexdigest()
    checksum_path(newest).write_text(f"{digest}  {newest.name}\n")
    drill = verify_restore(ws, folder)
    assert not drill.ok
    assert any("not the file that was backed up" in p for p in drill.problems)
    assert "table notes: 9 rows restored, 3 recorded at backup time" in drill.problems
    code, out, err = run(
        capsys, "workspace", "backup", "--workspace", ws.path, "--verify-restore", "--to", folder
    )
    assert (code, out) == (2, "")
    assert any("table notes: 9 rows restored, 3 recorded" in line for line in error_lines(err))


def test_drill_fails_without_a_manifest_and_on_a_count_mismatch(
    ws: Workspace, tmp_path: Path
) -> None:
    folder = tmp_path / "b"
    backup_to(ws, folder, now=T0)
    stray = _workspace(tmp_path / "stray", notes=1).backup(
        folder / backup_name(T0 + dt.timedelta(hours=1))
    )
    drill = verify_restore(ws, folder)
    assert drill.backup is not None and drill.backup.path == stray
    assert not drill.ok and "has no readable manifest" in drill.problems[0]
    stray.unlink()
    manifest = manifest_path(list_backups(folder)[0].path)
    data = json.loads(manifest.read_text())
    data["tables"]["orders"] = 5
    manifest.write_text(json.dumps(data))
    drill = verify_restore(ws, folder)
    assert drill.problems == ("table orders: 0 rows restored, 5 recorded at backup time",)


def test_drill_fails_when_the_backup_bytes_changed(ws: Workspace, tmp_path: Path) -> None:
    record = backup_to(ws, tmp_path / "b", now=T0)
    with open(record.path, "r+b") as fh:
        fh.seek(record.size_bytes // 2)
        fh.write(b"\xff" * 64)
    drill = verify_restore(ws, tmp_path / "b")
    assert not drill.ok and not drill.restored
    assert any("checksum mismatch" in p for p in drill.problems)


# --------------------------------------------------------------------------- command line


def test_cli_to_keep_json_and_schedule(
    ws: Workspace, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "b"
    code, out, err = run(
        capsys,
        "workspace",
        "backup",
        "--workspace",
        ws.path,
        "--to",
        folder,
        "--keep",
        "1",
        "--json",
    )
    assert (code, err) == (0, "")
    result = json.loads(out)
    assert result["wrote"] is True and result["backup"]["tables"]["notes"] == 3
    assert Path(result["backup"]["path"]).parent == folder
    code, out, err = run(
        capsys,
        "workspace",
        "backup",
        "--workspace",
        ws.path,
        "--schedule",
        "weekly",
        "--to",
        folder,
    )
    assert (code, err) == (0, "")
    assert "no backup written: not due (weekly)" in out
    assert backup_schedule(ws) == backups.BackupSchedule(folder, "weekly", 8)
    code, out, err = run(
        capsys, "workspace", "backup", "--workspace", ws.path, "--schedule", "daily", "--json"
    )
    assert (code, err) == (0, "") and json.loads(out)["schedule"]["period"] == "daily"
    assert json.loads(out)["wrote"] is False  # the backup above is minutes old
    code, out, err = run(capsys, "workspace", "backup", "--workspace", ws.path, "--verify-restore")
    assert (code, err) == (0, "") and out.startswith("restore drill passed: cimlab-backup-")
    code, out, err = run(capsys, "workspace", "backup", "--workspace", ws.path, "--schedule", "off")
    assert (code, err) == (0, "") and backup_schedule(ws) is None
    assert len(list_backups(folder)) == 1


def test_cli_schedule_writes_when_due(
    ws: Workspace, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "b"
    backup_to(ws, folder, now=dt.datetime.now(dt.UTC) - dt.timedelta(days=8))
    code, out, err = run(
        capsys,
        "workspace",
        "backup",
        "--workspace",
        ws.path,
        "--schedule",
        "weekly",
        "--to",
        folder,
        "--keep",
        "1",
    )
    assert (code, err) == (0, "")
    assert out.startswith(
        f"backup schedule: weekly into {folder}, keeping 1\nbackup of {ws.path} written to"
    )
    assert "retention: removed 1 older backup(s)" in out
    assert len(list_backups(folder)) == 1


def test_cli_old_form_still_works(
    ws: Workspace, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    copy = tmp_path / "copy.duckdb"
    code, out, err = run(capsys, "workspace", "backup", copy, "--workspace", ws.path)
    assert (code, err) == (0, "") and out.startswith(f"backup of {ws.path} written to {copy} (")
    assert checksum_path(copy).exists()
    code, _, err = run(capsys, "workspace", "restore", copy, "--workspace", tmp_path / "again")
    assert (code, err) == (0, "")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((), "give FILE, or --to DIR"),
        (("{tmp}/x.duckdb", "--to", "{tmp}/b"), "or --to/--keep/--schedule/--verify-restore, not"),
        (("--to", "{tmp}/b", "--keep", "0"), "--keep 0: keep at least 1 backup"),
        (("--schedule", "weekly"), "--schedule weekly needs --to DIR"),
        (("--schedule", "off", "--to", "{tmp}/b"), "--schedule off takes no --to or --keep"),
        (("--verify-restore",), "has no backup schedule: give --to DIR"),
        (("--verify-restore", "--to", "{tmp}/b"), "restore drill failed: no cimlab backup in"),
        (("--to", "{ws}/inside"), "is inside the workspace"),
    ],
)
def test_cli_errors_are_one_line_exit_2(
    ws: Workspace,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    args: tuple[str, ...],
    message: str,
) -> None:
    given = [a.format(tmp=tmp_path, ws=ws.path) for a in args]
    code, out, err = run(capsys, "workspace", "backup", "--workspace", ws.path, *given)
    assert (code, out) == (2, "")
    [line] = error_lines(err)
    assert message in line, line
    assert not (tmp_path / "b").exists() and not (ws.path / "inside").exists()


# --------------------------------------------------------------------------- the app


def _warnings_and_captions(at: AppTest) -> tuple[list[str], list[str]]:
    assert not at.exception
    return [shown_text(w.value) for w in at.warning], [shown_text(c.value) for c in at.caption]


def test_overview_shows_the_last_backup_and_warns_when_overdue(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    late, never, recent = (_workspace(tmp_path / n, notes=1) for n in ("late", "never", "recent"))
    set_backup_schedule(late, tmp_path / "late_b", "weekly")
    backup_to(late, tmp_path / "late_b", now=dt.datetime.now(dt.UTC) - dt.timedelta(days=10))
    set_backup_schedule(never, tmp_path / "never_b", "daily")
    set_backup_schedule(recent, tmp_path / "recent_b", "daily")
    backup_to(recent, tmp_path / "recent_b", now=dt.datetime.now(dt.UTC) - dt.timedelta(hours=3))
    # one app session; the page reads the workspace folder from the environment on every run
    monkeypatch.setenv("CIMLAB_WORKSPACE", str(late.path))
    at = AppTest.from_file(APP, default_timeout=30).run()
    at.switch_page("overview_page.py").run()
    [warning], _ = _warnings_and_captions(at)
    assert "最新的备份已有10 天" in warning and "每周" in warning
    assert str(tmp_path / "late_b") in warning
    at.radio(key="lang").set_value("en").run()
    [warning], _ = _warnings_and_captions(at)
    assert warning.startswith(f"Backup overdue: the newest backup in {tmp_path / 'late_b'} is ")
    assert "is 10 days old, but the schedule is weekly." in warning
    monkeypatch.setenv("CIMLAB_WORKSPACE", str(never.path))
    [warning], _ = _warnings_and_captions(at.run())
    assert warning.startswith(f"No backup yet in {tmp_path / 'never_b'}, although the schedule")
    monkeypatch.setenv("CIMLAB_WORKSPACE", str(recent.path))
    warnings, captions = _warnings_and_captions(at.run())
    assert not warnings
    assert f"Last backup 3 hours ago (daily, into {tmp_path / 'recent_b'})." in captions, captions
    monkeypatch.setenv("CIMLAB_WORKSPACE", str(tmp_path / "unscheduled"))
    warnings, captions = _warnings_and_captions(at.run())
    assert not warnings and shown_text(t("ov.backup_unscheduled", "en")) in captions
