"""The ``cimlab`` command line: its contract (commands, JSON keys, exit codes, stderr, privacy).

Most tests call :func:`cimlab.cli.main` in-process; the real console script and ``python -m
cimlab`` run as subprocesses once each per exit code, all started together by one fixture.
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from cimlab.cli import main
from cimlab.cli.imports import _Progress
from cimlab.workspace import LOCK_NAME, Workspace

# --------------------------------------------------------------------------- hand-made files

HEADER = "order_id,order_date,amount,currency,phone,email\n"
# 5 rows, 2 bad (line 3: impossible date; line 5: not a phone) -> read 5, loaded 3, quarantined 2
FIVE_TWO_BAD = HEADER + (
    "A1,2024-01-05,99,CNY,13912345678,ann@example.com\n"
    "A2,2024-02-30,5,CNY,,\n"
    "A3,2024-01-06,7.5,CNY,,\n"
    "A4,2024-01-07,8,CNY,1391234567x,\n"
    "A5,2024-01-08,9,CNY,,\n"
)
# 3 clean rows, other order ids
THREE_GOOD = HEADER + ("B1,2024-03-01,10,CNY,,\nB2,2024-03-02,20,CNY,,\nB3,2024-03-03,30,CNY,,\n")
# personal data in bad rows, under headers that are not the canonical names
PII_BAD = "order_id,order_date,amount,currency,Mobile,E-mail\n" + (
    "P1,2024-01-05,1,CNY,13712345678x,\n"
    "P2,2024-01-05,1,CNY,,alice@@example.com\n"
    "P3,2024-01-05,1,CNY,1502223334,\n"
    "P4,2024-01-05,1,CNY,13698765432,carol@@example.org,extra field\n"
    "P5,2024-01-05,1,CNY,,\n"
)
PII_RAW = ("13712345678", "alice@@example.com", "1502223334", "13698765432", "carol@@example.org")
# no header row: the first row (a phone, an e-mail) lands in the header position
NO_HEADER = "13712345678,alice@@example.com,2024-01-05\n13698765432,bob@example.com,2024-01-06\n"

IMPORT = ["--channel", "shop", "--table", "orders", "--mapping", "generic_en"]


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def files(tmp_path: Path) -> dict[str, Path]:
    src = tmp_path / "src"
    src.mkdir()
    return {
        "bad": write(src, "five.csv", FIVE_TWO_BAD),
        "good": write(src, "three.csv", THREE_GOOD),
        "pii": write(src, "pii.csv", PII_BAD),
        "noheader": write(src, "noheader.csv", NO_HEADER),
    }


def run(capsys: pytest.CaptureFixture[str], *args: object) -> tuple[int, str, str]:
    """``main`` in-process: (exit code, stdout, stderr)."""
    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


def one_json(out: str) -> dict[str, Any]:
    """stdout must be exactly one JSON object on one line."""
    assert out.endswith("\n") and out.count("\n") == 1, out
    value = json.loads(out)
    assert isinstance(value, dict)
    return value


def one_error_line(err: str) -> str:
    assert "Traceback" not in err
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1, err
    assert lines[0].startswith("cimlab: ")
    return lines[0]


def counts(capsys: pytest.CaptureFixture[str], ws: Path) -> dict[str, int]:
    code, out, _ = run(capsys, "workspace", "info", "--workspace", ws, "--json")
    assert code == 0
    return {t: part["rows"] for t, part in one_json(out)["tables"].items()}


def tree(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


# --------------------------------------------------------------------------- real executables


def _cimlab_script() -> str:
    script = Path(sys.executable).with_name("cimlab")
    if not script.exists():
        pytest.fail(f"console script {script} missing; install the package (make env)")
    return str(script)


@pytest.fixture(scope="module")
def script_runs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """Run the console script and ``python -m cimlab`` once per exit code, concurrently.

    One run imports while another process holds the workspace's writer lock.
    """
    root = tmp_path_factory.mktemp("scripts")
    good = write(root, "three.csv", THREE_GOOD)
    bad = write(root, "five.csv", FIVE_TWO_BAD)
    busy_ws = Workspace.open(root / "busy").path
    script, module = [_cimlab_script()], [sys.executable, "-m", "cimlab"]
    commands: dict[str, list[Any]] = {
        "exit0": [*script, "import", good, "--workspace", root / "w0", *IMPORT, "--json"],
        "exit1": [*module, "import", bad, "--workspace", root / "w1", *IMPORT],
        "exit2_file": [*script, "import", root / "nope.csv", "--workspace", root / "w2", *IMPORT],
        "exit2_args": [*module, "import", good, "--workspace", root / "w3", "--bogus"],
        "version": [*script, "--version"],
        "busy": [*script, "import", good, "--workspace", busy_ws, *IMPORT],
    }
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import fcntl, sys\nfh = open(sys.argv[1], 'a')\n"
            "fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)\nprint('LOCKED', flush=True)\n"
            "sys.stdin.readline()\n",
            str(busy_ws / LOCK_NAME),
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "LOCKED"
        env = {**os.environ, "COLUMNS": "100"}
        env.pop("CIMLAB_DEBUG", None)
        procs = {
            name: subprocess.Popen(
                [str(c) for c in cmd],
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
                cwd=root,
                env=env,
            )
            for name, cmd in commands.items()
        }
        results: dict[str, Any] = {}
        for name, proc in procs.items():
            out, err = proc.communicate(timeout=120)
            results[name] = (proc.returncode, out, err)
    finally:
        holder.communicate("\n", timeout=10)
    results["root"] = root
    yield results


def test_console_script_exit_0_prints_one_json_object(script_runs: dict[str, Any]) -> None:
    code, out, err = script_runs["exit0"]
    assert (code, err) == (0, "")
    report = one_json(out)
    assert (report["rows_read"], report["rows_loaded"], report["rows_quarantined"]) == (3, 3, 0)
    assert report["errors"] == []


def test_python_m_cimlab_exit_1_when_rows_are_quarantined(script_runs: dict[str, Any]) -> None:
    code, out, err = script_runs["exit1"]
    assert (code, err) == (1, "")
    assert "5 rows read: 3 loaded, 2 quarantined" in out
    assert Workspace.open(script_runs["root"] / "w1", create=False).table("orders").height == 3


def test_console_script_exit_2_for_a_missing_file(script_runs: dict[str, Any]) -> None:
    code, out, err = script_runs["exit2_file"]
    assert (code, out) == (2, "")
    assert "nope.csv: does not exist" in one_error_line(err)
    assert not (script_runs["root"] / "w2").exists()  # nothing to import: no workspace made


def test_python_m_cimlab_exit_2_for_an_unknown_option(script_runs: dict[str, Any]) -> None:
    code, out, err = script_runs["exit2_args"]
    assert (code, out) == (2, "")
    assert "unrecognized arguments: --bogus" in one_error_line(err)
    assert not (script_runs["root"] / "w3").exists()


def test_console_script_version(script_runs: dict[str, Any]) -> None:
    import cimlab

    code, out, err = script_runs["version"]
    assert (code, out, err) == (0, f"cimlab {cimlab.__version__}\n", "")


def test_import_while_another_process_writes_says_busy(script_runs: dict[str, Any]) -> None:
    code, out, err = script_runs["busy"]
    assert (code, out) == (2, "")
    line = one_error_line(err)
    assert "is busy" in line and "three.csv" in line
    assert Workspace.open(script_runs["root"] / "busy", create=False).batches().height == 0


# --------------------------------------------------------------------------- import / validate


def test_json_counts_of_a_file_with_two_bad_rows(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, files: dict[str, Path]
) -> None:
    code, out, err = run(
        capsys, "import", files["bad"], "--workspace", tmp_path / "ws", *IMPORT, "--json"
    )
    assert (code, err) == (1, "")
    report = one_json(out)
    assert (report["rows_read"], report["rows_loaded"], report["rows_quarantined"]) == (5, 3, 2)
    assert report["errors"] == [] and report["already_imported"] == []
    assert (report["command"], report["workspace"]) == ("import", str(tmp_path / "ws"))
    [f] = report["files"]
    assert (f["path"], f["file"], f["table"], f["channel"]) == (
        str(files["bad"]),
        "five.csv",
        "orders",
        "shop",
    )
    assert (f["batch_id"], f["already_imported"], f["rows_duplicate"]) == (1, False, 0)
    assert [(p["line"], p["column"]) for p in f["problems"]] == [(3, "order_date"), (5, "phone")]
    assert f["problems"][0]["value"] == "2024-02-30"
    assert counts(capsys, tmp_path / "ws")["orders"] == 3


def test_exit_0_and_human_summary_when_every_row_loads(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, files: dict[str, Path]
) -> None:
    code, out, err = run(capsys, "import", files["good"], "--workspace", tmp_path / "ws", *IMPORT)
    assert (code, err) == (0, "")
    assert out.splitlines() == [
        f"{files['good']}: imported into orders as batch 1 "
        "(channel shop, mapping generic_en, csv utf-8)",
        "  3 rows read: 3 loaded, 0 quarantined",
    ]


def test_several_paths_add_up_and_one_bad_file_does_not_stop_the_others(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, files: dict[str, Path]
) -> None:
    ws = tmp_path / "ws"
    junk = tmp_path / "junk.csv"
    junk.write_bytes(bytes(range(256)) * 8)
    code, out, err = run(
        capsys, "import", files["good"], junk, files["bad"], "--workspace", ws, *IMPORT, "--json"
    )
    assert code == 2
    report = one_json(out)
    assert (report["rows_read"], report["rows_loaded"], report["rows_quarantined"]) == (8, 6, 2)
    assert [f["file"] for f in report["files"]] == ["three.csv", "five.csv"]
    [error] = report["errors"]
    assert (error["path"], error["file"], error["type"]) == (str(junk), "junk.csv", "DataFileError")
    assert one_error_line(err) == f"cimlab: {error['message']}"
    assert "binary" in error["message"]
    # each good file is its own batch (transaction), both committed
    history = Workspace.open(ws, create=False).batches()
    assert history.sort("batch_id").select("file_name", "rows_loaded").rows() == [
        ("three.csv", 3),
        ("five.csv", 3),
    ]
    assert counts(capsys, ws)["orders"] == 6


def test_several_paths_human_total_line(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, files: dict[str, Path]
) -> None:
    code, out, err = run(
        capsys, "import", files["good"], files["bad"], "--workspace", tmp_path / "ws", *IMPORT
    )
    assert (code, err) == (1, "")
    assert out.splitlines()[-1] == "total: 2 files imported, 8 rows read: 6 loaded, 2 quarantined"


def test_second_import_of_the_same_file_adds_nothing_and_says_so(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, files: dict[str, Path]
) -> None:
    ws = tmp_path / "ws"
    assert run(capsys, "import", files["bad"], "--workspace", ws, *IMPORT)[0] == 1
    before = counts(capsys, ws)
    code, out, err = run(capsys, "import", files["bad"], "--workspace", ws, *IMPORT)
    assert (code, err) == (0, "")
    assert out == (
        f"{files['bad']}: already imported as batch 1 (orders, channel shop); nothing added\n"
    )
    code, out, err = run(capsys, "import", files["bad"], "--workspace", ws, *IMPORT, "--json")
    assert (code, err) == (0, "")
    report = one_json(out)
    assert report["already_imported"] == [str(files["bad"])]
    assert (report["rows_read"], report["rows_loaded"], report["rows_quarantined"]) == (0, 0, 0)
    [f] = report["files"]
    assert (f["already_imported"], f["batch_id"], f["rows_loaded"]) == (True, 1, 3)
    assert counts(capsys, ws) == before
    assert Workspace.open(ws, create=False).batches().height == 1


def test_validate_reports_the_same_counts_and_writes_nothing(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, files: dict[str, Path]
) -> None:
    before = tree(tmp_path)
    code, out, err = run(capsys, "validate", files["bad"], *IMPORT, "--json")
    assert (code, err) == (1, "")
    report = one_json(out)
    assert (report["command"], report["workspace"]) == ("validate", None)
    assert (report["rows_read"], report["rows_loaded"], report["rows_quarantined"]) == (5, 3, 2)
    [f] = report["files"]
    assert (f["batch_id"], f["already_imported"]) == (None, False)
    code, out, err = run(capsys, "validate", files["bad"], files["good"], *IMPORT)
    assert (code, err) == (1, "")
    assert "nothing written" in out
    assert "\n  line 3, column order_date, value '2024-02-30': not a date/time" in out
    assert out.splitlines()[-1] == (
        "total: 2 files checked, 8 rows read: 6 would load, 2 would be quarantined"
    )
    assert run(capsys, "validate", files["good"], *IMPORT)[0] == 0
    # validate has no workspace: asking for one is a usage error, and nothing is created
    code, out, err = run(capsys, "validate", files["good"], *IMPORT, "--workspace", tmp_path / "w")
    assert (code, out) == (2, "")
    assert "--workspace" in one_error_line(err)
    assert tree(tmp_path) == before


def test_mapping_from_a_yaml_file(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, files: dict[str, Path]
) -> None:
    data = write(
        tmp_path, "custom.csv", "Order No,When,Total\nX1,2024-01-05,12\nX2,2024-01-06,oops\n"
    )
    mapping = write(
        tmp_path,
        "shop.yaml",
        "table: orders\ncolumns:\n  order_id: Order No\n  order_ts: When\n  amount: Total\n"
        "options:\n  currency: CNY\n",
    )
    ws = tmp_path / "ws"
    code, out, err = run(
        capsys,
        "import",
        data,
        "--workspace",
        ws,
        "--channel",
        "shop",
        "--mapping",
        mapping,
        "--json",
    )
    assert (code, err) == (1, "")
    report = one_json(out)
    assert (report["rows_read"], report["rows_loaded"], report["rows_quarantined"]) == (2, 1, 1)
    [f] = report["files"]
    assert f["mapping"]["columns"] == {
        "order_id": "Order No",
        "order_ts": "When",
        "amount": "Total",
    }
    assert [(p["line"], p["column"], p["value"]) for p in f["problems"]] == [(3, "Total", "oops")]
    assert Workspace.open(ws, create=False).table("orders")["currency"].to_list() == ["CNY"]
    code, out, err = run(capsys, "validate", data, "--channel", "shop", "--mapping", mapping)
    assert out.splitlines()[0] == (
        f"{data}: checked as orders (channel shop, mapping shop.yaml, csv utf-8); nothing written"
    )
    # a broken mapping file is one error, before any file is read
    broken = write(tmp_path, "broken.yaml", "table: orders\ncolumns: [\n")
    code, out, err = run(capsys, "validate", data, files["good"], "--mapping", broken)
    assert (code, out) == (2, "")
    assert f"--mapping {broken}, line 3: not a readable YAML mapping file" in one_error_line(err)


# --------------------------------------------------------------------------- exit code 2


@pytest.mark.parametrize(
    ("case", "expected"),
    [
        ("missing file", "does not exist"),
        ("binary junk", "binary"),
        ("missing required column", "no column for order_ts"),
        ("unknown preset", "neither a known preset"),
        ("missing mapping file", "mapping file not found"),
        ("unknown table in the mapping file", "is not one of customers"),
        ("no header row", "no column for source_customer_id"),
    ],
)
def test_file_level_errors_exit_2_with_one_line(
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    files: dict[str, Path],
    case: str,
    expected: str,
) -> None:
    args: list[object] = ["--channel", "shop", "--table", "orders", "--mapping", "generic_en"]
    path: Path = files["good"]
    if case == "missing file":
        path = tmp_path / "missing.csv"
    elif case == "binary junk":
        path = tmp_path / "junk.csv"
        path.write_bytes(b"\x00\x01\x02PK\x03\x04" * 50)
    elif case == "missing required column":
        path = write(tmp_path, "no_date.csv", "order_id,amount\nA1,5\n")
    elif case == "unknown preset":
        args[-1] = "nosuch"
    elif case == "missing mapping file":
        args[-1] = str(tmp_path / "nosuch.yaml")
    elif case == "unknown table in the mapping file":
        args[-1] = str(write(tmp_path, "m.yaml", "table: people\ncolumns: {order_id: order_id}\n"))
    elif case == "no header row":
        path, args[3] = files["noheader"], "customers"
    ws = tmp_path / "ws"
    for mode in ([], ["--json"]):
        code, out, err = run(capsys, "import", path, "--workspace", ws, *args, *mode)
        assert code == 2
        line = one_error_line(err)
        assert expected in line
        if mode:
            report = one_json(out)
            assert (report["rows_read"], report["files"]) == (0, [])
            assert [f"cimlab: {e['message']}" for e in report["errors"]] == [line]
        else:
            assert out == ""
    assert not ws.exists()  # nothing was importable: no workspace was created


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["import", "{good}", "--workspace", "{ws}", "--channel", "shop", "--table", "nosuch"],
         "invalid choice: 'nosuch'"),
        (["import", "{good}", "--workspace", "{ws}", "--bogus"], "unrecognized arguments: --bogus"),
        (["import", "{good}", "--channel", "shop"], "required: --workspace"),
        (["validate", "--channel", "shop"], "required: PATH"),
        ([], "required: COMMAND"),
        (["frobnicate"], "invalid choice: 'frobnicate'"),
        (["workspace"], "required: ACTION"),
        (["workspace", "undo", "one", "--workspace", "{ws}"], "invalid int value: 'one'"),
        (["demo", "--workspace", "{ws}", "--people", "50"], "at least 100 people"),
    ],
)  # fmt: skip
def test_bad_arguments_exit_2_with_one_line(
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    files: dict[str, Path],
    argv: list[str],
    expected: str,
) -> None:
    ws = tmp_path / "ws"
    code, out, err = run(capsys, *(a.format(good=files["good"], ws=ws) for a in argv))
    assert (code, out) == (2, "")
    assert expected in one_error_line(err)
    assert not ws.exists()


def test_workspace_that_is_a_file_or_missing_exits_2(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, files: dict[str, Path]
) -> None:
    code, out, err = run(capsys, "import", files["good"], "--workspace", files["bad"], *IMPORT)
    assert (code, out) == (2, "")
    assert "is a file, not a workspace folder" in one_error_line(err)
    code, out, err = run(capsys, "workspace", "info", "--workspace", tmp_path / "none")
    assert (code, out) == (2, "")
    assert "no cimlab workspace in" in one_error_line(err)
    assert not (tmp_path / "none").exists()


# --------------------------------------------------------------------------- privacy


@pytest.mark.parametrize("mode", [[], ["--json"]])
def test_bad_personal_values_are_masked_in_problem_listings(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, files: dict[str, Path], mode: list[str]
) -> None:
    for command in (["validate"], ["import", "--workspace", tmp_path / "ws"]):
        code, out, err = run(capsys, *command, files["pii"], *IMPORT, *mode)
        assert code == 1
        for raw in PII_RAW:
            assert raw not in out and raw not in err
        assert "137****5678" in out and "a***@example.com" in out  # masked forms are shown
        if mode:
            [f] = one_json(out)["files"]
            assert [(p["line"], p["column"], p["value"]) for p in f["problems"]] == [
                (2, "Mobile", "137****5678"),
                (3, "E-mail", "a***@example.com"),
                (4, "Mobile", "****3334"),
                (5, None, "P4,2024-01-05,1,CNY,136****5432,c***@example.org,extra field"),
            ]


def test_phone_in_the_header_position_is_not_quoted(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, files: dict[str, Path]
) -> None:
    for args in (["--table", "customers"], ["--table", "orders", "--mapping", "generic_en"], []):
        for mode in ([], ["--json"]):
            code, out, err = run(
                capsys,
                "import",
                files["noheader"],
                "--workspace",
                tmp_path / "ws",
                "--channel",
                "shop",
                *args,
                *mode,
            )
            assert code == 2
            one_error_line(err)
            for raw in ("13712345678", "alice@@example.com", "13698765432", "bob@example.com"):
                assert raw not in out and raw not in err


# --------------------------------------------------------------------------- workspace commands


def test_undo_removes_the_rows_of_a_batch(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, files: dict[str, Path]
) -> None:
    ws = tmp_path / "ws"
    assert run(capsys, "import", files["good"], files["bad"], "--workspace", ws, *IMPORT)[0] == 1
    assert counts(capsys, ws)["orders"] == 6
    code, out, err = run(capsys, "workspace", "undo", "2", "--workspace", ws)
    assert (code, err) == (0, "")
    assert out == "batch 2 undone: 3 rows removed (its quarantined lines stay on record)\n"
    assert counts(capsys, ws)["orders"] == 3
    code, out, err = run(capsys, "workspace", "undo", "1", "--workspace", ws, "--json")
    assert (code, err, one_json(out)) == (0, "", {"undone": 1, "rows_removed": 3})
    assert counts(capsys, ws)["orders"] == 0
    code, out, err = run(capsys, "workspace", "undo", "1", "--workspace", ws)
    assert (code, out) == (2, "")
    assert "batch 1 was already undone" in one_error_line(err)
    code, out, err = run(capsys, "workspace", "undo", "99", "--workspace", ws)
    assert (code, out) == (2, "")
    assert "no batch 99 in workspace" in one_error_line(err)
    # an undone file can be imported again
    assert run(capsys, "import", files["good"], "--workspace", ws, *IMPORT)[0] == 0
    assert counts(capsys, ws)["orders"] == 3


def test_backup_import_restore_brings_the_counts_back(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, files: dict[str, Path]
) -> None:
    ws, copy = tmp_path / "ws", tmp_path / "copy.duckdb"
    assert run(capsys, "import", files["good"], "--workspace", ws, *IMPORT)[0] == 0
    code, out, err = run(capsys, "workspace", "backup", copy, "--workspace", ws)
    assert (code, err) == (0, "") and out.startswith(f"backup of {ws} written to {copy} (")
    at_backup = counts(capsys, ws)
    assert run(capsys, "import", files["bad"], "--workspace", ws, *IMPORT)[0] == 1
    assert counts(capsys, ws)["orders"] == 6
    code, out, err = run(capsys, "workspace", "restore", copy, "--workspace", ws)
    assert (code, err) == (0, "")
    assert out == f"restored {ws} from {copy}: 1 active batches; rows: " + (
        "customers 0, orders 3, interactions 0, feedback 0\n"
    )
    assert (
        counts(capsys, ws)
        == at_backup
        == {
            "customers": 0,
            "orders": 3,
            "interactions": 0,
            "feedback": 0,
        }
    )
    code, out, err = run(capsys, "workspace", "restore", files["good"], "--workspace", ws)
    assert (code, out) == (2, "")
    assert "not a cimlab backup" in one_error_line(err)


def test_info_and_history(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, files: dict[str, Path]
) -> None:
    ws = tmp_path / "ws"
    code, out, _ = run(capsys, "import", files["good"], "--workspace", ws, *IMPORT)
    assert code == 0
    code, out, err = run(capsys, "workspace", "history", "--workspace", ws, "--json")
    assert (code, err) == (0, "")
    history = one_json(out)
    assert history["workspace"] == str(ws)
    [batch] = history["batches"]
    assert (batch["batch_id"], batch["file_name"], batch["status"]) == (1, "three.csv", "active")
    assert batch["mapping"]["preset"] == "generic_en"  # an object, not JSON text
    assert batch["imported_at"].endswith("+00:00")  # ISO 8601
    code, out, err = run(capsys, "workspace", "history", "--workspace", ws)
    header, row = out.splitlines()
    assert header.split() == [
        "batch", "status", "imported", "table", "channel", "read", "loaded", "quar.", "filtered",
        "file",
    ]  # fmt: skip
    assert row.split()[:2] == ["1", "active"] and row.split()[-6:] == [
        "shop",
        "3",
        "3",
        "0",
        "0",
        "three.csv",
    ]
    code, out, err = run(capsys, "workspace", "info", "--workspace", ws)
    assert (code, err) == (0, "")
    lines = out.splitlines()
    assert lines[0].startswith(f"workspace {ws} (")
    assert lines[1].startswith("imports: 1 active of 1 batches; last import 20")
    assert lines[3].split() == ["customers", "0", "-"]
    assert lines[4].split() == ["orders", "3", "shop", "3"]
    assert lines[7] == "settings: time zone Asia/Shanghai (imports); source priority none"
    assert lines[8] == "identities: never resolved (cimlab customers resolve)"
    code, out, _ = run(capsys, "workspace", "info", "--workspace", ws, "--json")
    info = one_json(out)
    assert info["time_zone"] == {"zone": "Asia/Shanghai", "source": "imports"}
    assert info["identities"] == {
        "records": 0,
        "customers": 0,
        "unlinked_records": 0,
        "removed_records": 0,
    }


def test_demo_builds_a_small_workspace(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    ws, demo_files = tmp_path / "ws", tmp_path / "files"
    code, out, err = run(capsys, "demo", "--workspace", ws, "--files", demo_files, "--people", 300)
    assert (code, err) == (0, "")
    assert out.startswith(f"demo workspace built in {ws}:")
    assert (demo_files / "manifest.yaml").exists()
    tables = counts(capsys, ws)
    assert all(tables[t] > 0 for t in ("customers", "orders", "interactions", "feedback"))
    code, out, err = run(capsys, "demo", "--workspace", ws, "--people", 300)
    assert (code, err) == (0, "")
    assert "already exists" in out
    assert counts(capsys, ws) == tables


def test_presets_lists_the_presets(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "presets")
    assert (code, err) == (0, "")
    names = [line.split()[0] for line in out.splitlines()]
    assert {"generic_en", "generic_zh", "taobao_orders", "jd_orders", "online_retail"} <= set(names)


@pytest.mark.parametrize(
    "argv",
    [
        [],
        ["import"],
        ["validate"],
        ["demo"],
        ["presets"],
        ["workspace"],
        ["workspace", "info"],
        ["workspace", "history"],
        ["workspace", "undo"],
        ["workspace", "backup"],
        ["workspace", "restore"],
    ],
)
def test_help_of_every_command_exits_0(capsys: pytest.CaptureFixture[str], argv: list[str]) -> None:
    code, out, err = run(capsys, *argv, "--help")
    assert (code, err) == (0, "")
    assert out.startswith("usage: cimlab")
    if argv == ["demo"]:
        assert "--people" in out


def test_version_in_process(capsys: pytest.CaptureFixture[str]) -> None:
    import cimlab

    assert run(capsys, "--version") == (0, f"cimlab {cimlab.__version__}\n", "")


# --------------------------------------------------------------------------- progress bar


class FakeTTY(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_bar_is_drawn_on_a_terminal_only() -> None:
    tty = FakeTTY()
    bar = _Progress(4, stream=tty, enabled=True)
    bar.step(2, "orders.csv: storing")
    drawn = tty.getvalue()
    assert drawn.startswith("\r[" + "#" * 14 + "." * 14 + "]  50% orders.csv: storing")
    bar.close()
    assert tty.getvalue().startswith(drawn) and tty.getvalue().endswith("\r")
    assert len(tty.getvalue()) > len(drawn)  # erased with spaces
    for stream, enabled in ((io.StringIO(), True), (FakeTTY(), False)):
        quiet = _Progress(4, stream=stream, enabled=enabled)
        quiet.step(1, "x")
        quiet.close()
        assert stream.getvalue() == ""


def test_import_draws_progress_on_a_tty_stderr_only(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    files: dict[str, Path],
) -> None:
    tty = FakeTTY()
    monkeypatch.setattr(sys, "stderr", tty)
    code = main(["import", str(files["good"]), "--workspace", str(tmp_path / "ws"), *IMPORT])
    assert code == 0
    assert "three.csv: reading and checking" in tty.getvalue()
    assert "three.csv: importing" in tty.getvalue()
    assert "[" not in capsys.readouterr().out  # stdout carries no bar
    quiet = FakeTTY()
    monkeypatch.setattr(sys, "stderr", quiet)
    code = main(["validate", str(files["good"]), *IMPORT, "--no-progress"])
    assert (code, quiet.getvalue()) == (0, "")


# --------------------------------------------------------------------------- unexpected failures


@pytest.mark.parametrize(
    ("exc", "kind", "expected"),
    [
        (PermissionError(13, "Permission denied"), "OSError", "cannot read the file"),
        (ValueError("boom near 13912345678"), "InternalError", "this is a bug in cimlab"),
    ],
)
def test_unexpected_failures_are_one_line_without_a_traceback(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    files: dict[str, Path],
    exc: Exception,
    kind: str,
    expected: str,
) -> None:
    from cimlab.ingest import importer

    real_validate, real_import = importer.validate_file, importer.import_file

    def validate_or_fail(path: Path, **kw: Any) -> Any:
        if Path(path).name == "five.csv":
            raise exc
        return real_validate(path, **kw)

    def import_or_fail(workspace: Any, path: Path, **kw: Any) -> Any:
        if Path(path).name == "five.csv":
            raise exc
        return real_import(workspace, path, **kw)

    monkeypatch.delenv("CIMLAB_DEBUG", raising=False)
    monkeypatch.setattr(importer, "validate_file", validate_or_fail)
    monkeypatch.setattr(importer, "import_file", import_or_fail)
    ws = tmp_path / "ws"
    code, out, err = run(capsys, "import", files["bad"], files["good"], "--workspace", ws, *IMPORT)
    assert code == 2
    line = one_error_line(err)
    assert expected in line and str(files["bad"]) in line and "13912345678" not in line
    assert "three.csv: imported" in out  # the other file went in
    code, out, err = run(capsys, "validate", files["bad"], *IMPORT, "--json")
    assert [e["type"] for e in one_json(out)["errors"]] == [kind]
    monkeypatch.setenv("CIMLAB_DEBUG", "1")
    if kind == "InternalError":
        with pytest.raises(ValueError, match="boom"):
            main(["validate", str(files["bad"]), *IMPORT])


def test_unexpected_failure_outside_import_is_one_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    Workspace.open(tmp_path / "ws")

    def broken(self: Workspace) -> None:
        raise KeyError("alice@example.com")

    monkeypatch.delenv("CIMLAB_DEBUG", raising=False)
    monkeypatch.setattr(Workspace, "info", broken)
    code, out, err = run(capsys, "workspace", "info", "--workspace", tmp_path / "ws")
    assert (code, out) == (2, "")
    line = one_error_line(err)
    assert "unexpected error (KeyError" in line and "alice@example.com" not in line


def test_workspace_quarantine_writes_the_batch_rows_as_csv(tmp_path: Path) -> None:
    source = tmp_path / "orders.csv"
    source.write_text(
        "order_id,order_date,amount,currency\nA1,2024-01-05,10,CNY\nA2,2024-02-30,5,CNY\n",
        encoding="utf-8",
    )
    ws = tmp_path / "ws"
    assert main(["import", str(source), "--workspace", str(ws), "--channel", "shop"]) == 1
    out = tmp_path / "bad.csv"
    assert main(["workspace", "quarantine", "1", "--out", str(out), "--workspace", str(ws)]) == 0
    lines = out.read_text(encoding="utf-8-sig").splitlines()
    assert lines[0] == "line,problems,order_id,order_date,amount,currency"
    assert lines[1].startswith("3,order_date:") and lines[1].endswith("A2,2024-02-30,5,CNY")
    assert main(["workspace", "quarantine", "9", "--out", str(out), "--workspace", str(ws)]) == 2


def test_currency_option_for_an_orders_file_without_one(tmp_path: Path, capsys) -> None:
    source = tmp_path / "orders.csv"
    source.write_text("order_id,order_date,amount\nA1,2024-01-05,10\n", encoding="utf-8")
    base = ["validate", str(source), "--table", "orders", "--channel", "shop", "--json"]
    assert main(base) == 2
    assert "--currency" in capsys.readouterr().err
    assert main([*base, "--currency", "cny"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert (out["rows_read"], out["rows_loaded"]) == (1, 1)


# --------------------------------------------------------------------------- the command table


def test_help_is_the_same_with_or_without_the_command_modules() -> None:
    """``cimlab --help`` builds placeholders from COMMANDS; the modules must say the same."""
    from cimlab import cli

    assert cli._parser(load=()).format_help() == cli._parser().format_help()


@pytest.mark.parametrize("command", ["import", "validate", "demo", "presets", "workspace"])
def test_each_command_parses_with_only_its_module(command: str) -> None:
    import argparse

    from cimlab import cli

    parser = cli._parser(load={command})
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    full = next(a for a in cli._parser()._actions if isinstance(a, argparse._SubParsersAction))
    assert sub.choices[command].format_help() == full.choices[command].format_help()
    others = [c for c in cli.COMMANDS if cli.COMMANDS[c][0] != cli.COMMANDS[command][0]]
    assert all(not sub.choices[c]._actions[1:] for c in others)  # placeholders: -h only


def test_every_command_module_registers_its_own_commands() -> None:
    import argparse
    import importlib

    from cimlab import cli
    from cimlab.cli.common import Parser

    for module in dict.fromkeys(m for m, _ in cli.COMMANDS.values()):
        parser = Parser(prog="cimlab")
        sub = parser.add_subparsers(dest="command", parser_class=Parser)
        importlib.import_module(module).add_parser(sub, Parser)
        assert isinstance(sub, argparse._SubParsersAction)
        assert list(sub.choices) == [c for c, (m, _) in cli.COMMANDS.items() if m == module]
