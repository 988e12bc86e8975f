"""The attack run of issue 9 on every file the CLI writes: formula payloads in every text column
(buyer-chosen ids, names, products, categories, channels, tags) never reach a spreadsheet live,
and no ``--out`` can write into the workspace or leave a partial file.

The walk collects every ``--out`` option from the CLI's own parser: a new one that this file
does not know how to run fails :func:`test_the_walk_knows_every_out_option`.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import errno
import hashlib
import io
import os
from collections.abc import Iterator
from pathlib import Path

import polars as pl
import pytest

from cimlab import cli, export
from cimlab.cli import main
from cimlab.identity import resolve
from cimlab.ingest.importer import check_bytes, store_report
from cimlab.ingest.mapping import ColumnMapping
from cimlab.ingest.saved_mappings import save_mapping
from cimlab.workspace import DB_NAME, Workspace
from tests.payloads import (
    AS_OF,
    CHANNEL,
    PAYLOADS,
    build_attacked_workspace,
    buyer_orders,
    cells,
    customer_ids,
    live_formula,
)


@pytest.fixture(scope="module")
def attacked(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, int]:
    """The attacked workspace (:func:`tests.payloads.build_attacked_workspace`) and its batch
    of quarantined payload rows."""
    ws, batch = build_attacked_workspace(tmp_path_factory.mktemp("attack") / "ws")
    workspace = Workspace.open(ws)  # buyers enough for the predict models, payloads in their ids
    buyers = check_bytes(buyer_orders(), name="buyers.csv", table="orders", channel="shop")
    store_report(workspace, buyers)
    resolve(workspace, at=dt.datetime(2026, 7, 1, tzinfo=dt.UTC))
    headers = [PAYLOADS[0], "amount", "order_ts"]
    mapping = ColumnMapping(
        "orders", {"order_id": PAYLOADS[0], "amount": "amount", "order_ts": "order_ts"}
    )
    save_mapping(Workspace.open(ws), SAVED, mapping, headers)
    return ws, batch


# ---------------------------------------------------------------------------- the walk


def out_commands() -> list[tuple[str, ...]]:
    """Every command path of the CLI's parser that takes an option starting ``--out``."""

    def walk(parser: argparse.ArgumentParser, path: tuple[str, ...]) -> Iterator[tuple[str, ...]]:
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                for name, sub in action.choices.items():
                    yield from walk(sub, (*path, name))
            elif any(o.startswith("--out") for o in action.option_strings):
                assert action.option_strings == ["--out"], action.option_strings
                yield path

    return sorted(set(walk(cli._parser(), ())))


def analyse_variants() -> list[tuple[str, ...]]:
    """``analyse`` argument lists: every action, every ``--view``, and the options that put
    other text columns out (channel, product name, category)."""
    parser = cli._parser()
    variants: list[tuple[str, ...]] = []
    for path in out_commands():
        if path[0] != "analyse":
            continue
        sub = parser.parse_args([*path, "--workspace", "w", "--as-of", AS_OF])
        views = next(
            (a.choices for a in _subparser(parser, path)._actions if a.dest == "view"), None
        )
        for view in views or [None]:
            variants.append((*path, *(("--view", view) if view else ())))
        if sub.action == "affinity":
            variants += [(*path, "--item", i) for i in ("product_name", "category")]
        if sub.action == "satisfaction":
            variants += [(*path, "--by", b) for b in ("channel", "segment", "month")]
        if sub.action == "clusters":
            variants = [(*v, "--k", "3") if v[1] == "clusters" else v for v in variants]
    return variants


def _subparser(parser: argparse.ArgumentParser, path: tuple[str, ...]) -> argparse.ArgumentParser:
    for name in path:
        action = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
        parser = action.choices[name]
    return parser


RUNNERS = {
    ("customers", "links"),
    ("workspace", "mappings"),
    ("workspace", "quarantine"),
    ("predict", "clv"),
    ("predict", "churn"),
    ("predict", "forecast"),
    ("audience", "members"),
    ("export",),
}
SAVED = "attacked_layout"  # a saved mapping of the attacked workspace, read by a payload header
# analyse results that put payload text out (products, channels)
CARRY_PAYLOADS = {
    ("analyse", "affinity"),
    ("analyse", "affinity", "--item", "product_name"),
    ("analyse", "channels", "--view", "metrics"),
    ("analyse", "satisfaction", "--by", "channel"),
}


def test_the_walk_knows_every_out_option() -> None:
    paths = out_commands()
    unknown = [p for p in paths if p[0] != "analyse" and p not in RUNNERS]
    assert not unknown, (
        f"new --out option(s) {unknown}: add them to the export walk of {__file__} "
        "(run them on the attacked workspace and check every cell)"
    )
    assert set(paths) >= RUNNERS
    assert set(analyse_variants()) >= CARRY_PAYLOADS
    assert {p[1] for p in paths if p[0] == "analyse"} == set(cli.cli_analyse.ACTIONS)


def run_out(args: list[str], out: Path, capsys: pytest.CaptureFixture[str]) -> list[object]:
    code = main([*args, "--out", str(out)])
    captured = capsys.readouterr()
    assert code == 0, (args, captured.err)
    found = cells(out)
    live = [c for c in found if live_formula(c)]
    assert not live, (args, out.name, live[:5])
    return found


@pytest.mark.parametrize("variant", analyse_variants(), ids=" ".join)
@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_every_analyse_out_escapes_formulas(
    attacked: tuple[Path, int],
    variant: tuple[str, ...],
    suffix: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    ws, _ = attacked
    args = [*variant, "--workspace", str(ws), "--as-of", AS_OF]
    found = run_out(args, tmp_path / f"out{suffix}", capsys)
    if variant in CARRY_PAYLOADS:  # the walk checks real attack text, escaped
        assert any(isinstance(c, str) and c.startswith("'") for c in found), found[:20]


@pytest.mark.parametrize("action", ["clv", "churn", "forecast"])
def test_every_predict_out_escapes_formulas(
    attacked: tuple[Path, int], action: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Predictions carry the buyer-chosen ids (customer ids' ``source_ids``) and, for churn, the
    reasons: every cell reaches the file inert."""
    ws, batch = attacked
    out = tmp_path / f"{action}.csv"
    found = run_out(out_argv(("predict", action), ws, batch), out, capsys)
    assert len(found) > 100
    if action != "forecast":
        assert any(isinstance(c, str) and c.startswith("shop:") for c in found), action


@pytest.mark.parametrize("profile", ["csv", "excel", "call", "mailchimp", "hubspot", "klaviyo"])
def test_campaign_exports_escape_payload_names(
    attacked: tuple[Path, int], profile: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Customers who consented, named and placed with formula payloads: every cell of every
    people and e-mail-tool file reaches the file inert (platform files have no BOM: parsed as
    plain UTF-8 CSV here)."""
    import shutil

    ws_dir, _ = attacked
    copy = tmp_path / "ws"
    shutil.copytree(ws_dir, copy)
    ws = Workspace.open(copy, create=False)
    rows = ["customer_id,name,city,email,phone,consent_email,consent_sms,consent_phone"]
    for i in range(40):
        name = PAYLOADS[i % len(PAYLOADS)].replace('"', '""')
        rows.append(
            f'"{customer_ids()[i % len(customer_ids())]}","{name}","{name}",'
            f"p{i}@example.com,1380013{i:04d},yes,yes,yes"
        )
    report = check_bytes(
        ("\n".join(rows) + "\n").encode(), name="crm.csv", table="customers", channel="crm"
    )
    store_report(ws, report)
    resolve(ws, at=dt.datetime(2026, 7, 2, tzinfo=dt.UTC))
    suffix = ".xlsx" if profile == "excel" else ".csv"
    out = tmp_path / f"campaign{suffix}"
    argv = ["export", "all", "--workspace", str(copy), "--profile", profile, "--out", str(out)]
    assert main([*argv, "--as-of", AS_OF, "--cap-days", "0"]) == 0, capsys.readouterr().err
    data = out.read_bytes()
    if suffix == ".csv" and not data.startswith("\ufeff".encode()):
        found = [c for row in csv.reader(io.StringIO(data.decode("utf-8"))) for c in row]
    else:
        found = cells(out)
    assert len(found) > 40
    live = [c for c in found if live_formula(c)]
    assert not live, (profile, live[:5])


def test_links_out_escapes_buyer_chosen_ids(
    attacked: tuple[Path, int], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ws, _ = attacked
    args = ["customers", "links", "--workspace", str(ws)]
    found = run_out(args, tmp_path / "links.csv", capsys)
    assert "'" + customer_ids()[0] in found and "'" + CHANNEL in found
    assert "'" + customer_ids()[0] in run_out(args, tmp_path / "links.xlsx", capsys)
    parquet = tmp_path / "links.parquet"
    assert main([*args, "--out", str(parquet)]) == 0
    assert (
        customer_ids()[0] in pl.read_parquet(parquet)["source_customer_id"].to_list()
    )  # data as is


def test_quarantine_out_escapes_raw_rows_and_headers(
    attacked: tuple[Path, int], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ws, batch = attacked
    args = ["workspace", "quarantine", str(batch), "--workspace", str(ws)]
    found = run_out(args, tmp_path / "q.csv", capsys)
    assert "'@SUM(A1)" in found  # the extra header
    assert "'" + PAYLOADS[0] in found
    # CSV bytes never go into a file named .xlsx
    assert main([*args, "--out", str(tmp_path / "q.xlsx")]) == 2
    assert "this is CSV data; name the file .csv" in capsys.readouterr().err
    assert not (tmp_path / "q.xlsx").exists()


# ---------------------------------------------------------------------------- path attacks


def _digest(ws: Path) -> dict[str, str]:
    return {
        p.name: hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(ws.iterdir())
        if p.is_file() and p.name != ".cimlab.lock"
    }


def out_argv(path: tuple[str, ...], ws: Path, batch: int) -> list[str]:
    if path == ("workspace", "quarantine"):
        return [*path, str(batch), "--workspace", str(ws)]
    if path[0] == "analyse":
        return [*path, "--workspace", str(ws), "--as-of", AS_OF]
    if path[0] == "predict":
        return [*path, "--workspace", str(ws), "--as-of", AS_OF]
    if path == ("workspace", "mappings"):
        return [*path, "--export", SAVED, "--workspace", str(ws)]
    if path == ("audience", "members"):
        return [*path, "all", "--workspace", str(ws)]
    if path == ("export",):
        return [*path, "all", "--profile", "csv", "--workspace", str(ws)]
    return [*path, "--workspace", str(ws)]


def out_name(path: tuple[str, ...], stem: str) -> str:
    """A file name the command writes: a mapping file is YAML, every other output a table."""
    return stem + (".yaml" if path == ("workspace", "mappings") else ".csv")


def _targets(ws: Path, tmp: Path) -> dict[str, Path]:
    """Ways into the workspace: its database, ``..``, a symlinked folder, a symlink to the
    database, a dangling symlink."""
    (tmp / "other").mkdir()
    (tmp / "exports").symlink_to(ws, target_is_directory=True)
    (tmp / "db.csv").symlink_to(ws / DB_NAME)
    (tmp / "dangling.csv").symlink_to(ws / "new.csv")
    return {
        "database": ws / DB_NAME,
        "dotdot": tmp / "other" / os.path.relpath(ws / "x.csv", tmp / "other"),
        "symlinked folder": tmp / "exports" / "x.csv",
        "symlink to the database": tmp / "db.csv",
        "dangling symlink": tmp / "dangling.csv",
    }


@pytest.mark.parametrize(
    "path", [p for p in out_commands() if p[0] != "analyse"] + [("analyse", "rfm")], ids=" ".join
)
def test_no_out_writes_into_the_workspace(
    attacked: tuple[Path, int],
    path: tuple[str, ...],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    ws, batch = attacked
    before = _digest(ws)
    for how, target in _targets(ws, tmp_path).items():
        code = main([*out_argv(path, ws, batch), "--out", str(target)])
        err = capsys.readouterr().err
        assert code == 2, (how, err)
        assert err.startswith("cimlab: ") and err.count("\n") == 1, (how, err)
        assert "will not write inside the workspace folder" in err, (how, err)
        assert "bug" not in err
        assert _digest(ws) == before, how
        assert not (ws / "new.csv").exists() and not (ws / "x.csv").exists()


def test_quarantine_over_the_workspace_database_is_refused(
    attacked: tuple[Path, int], capsys: pytest.CaptureFixture[str]
) -> None:
    """The attack as reported: ``workspace quarantine B --out DIR/cimlab.duckdb``."""
    ws, batch = attacked
    before = _digest(ws)
    argv = ["workspace", "quarantine", str(batch), "--workspace", str(ws)]
    for out in (ws / DB_NAME, ws / "fixed.csv"):
        assert main([*argv, "--out", str(out)]) == 2
        err = capsys.readouterr().err
        assert f"cimlab: {out}: will not write inside the workspace folder {ws}" in err
    assert _digest(ws) == before
    assert Workspace.open(ws, create=False).quarantine(batch).height >= 2  # still a database


@pytest.mark.parametrize("path", out_commands(), ids=" ".join)
def test_disk_full_is_a_clear_error_and_no_partial_file(
    attacked: tuple[Path, int],
    path: tuple[str, ...],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Today: "unexpected error (OSError 28) ... bug" and a 0-byte file."""
    ws, batch = attacked

    def full(fd: int) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(export.os, "fsync", full)
    out = tmp_path / out_name(path, "out")
    assert main([*out_argv(path, ws, batch), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    # the last word is the error (clusters say how strong the structure is before it)
    assert err.splitlines()[-1] == f"cimlab: {out}: the disk is full; nothing was written: " \
                  "free some space, or write to another disk"  # fmt: skip
    assert os.listdir(tmp_path) == []


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda tmp: tmp / "folder.csv", "is a folder; give a file name inside it"),
        (lambda tmp: tmp / "missing" / "x.csv", "does not exist; create it first"),
    ],
)
def test_bad_out_targets_fail_before_the_work(
    attacked: tuple[Path, int],
    make: object,
    message: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    ws, batch = attacked
    (tmp_path / "folder.csv").mkdir()
    target = make(tmp_path)  # type: ignore[operator]
    for path in out_commands():
        assert main([*out_argv(path, ws, batch), "--out", str(target)]) == 2, path
        err = capsys.readouterr().err
        assert err.startswith(f"cimlab: {target}: ") and message in err, (path, err)
    assert os.listdir(tmp_path) == ["folder.csv"] and not os.listdir(tmp_path / "folder.csv")
