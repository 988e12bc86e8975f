"""The demo files go through the real import pipeline: exactly the rows broken on purpose are
quarantined, everything else loads, and the workspace holds what the files held."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from cimlab.demo import build_demo_workspace, read_manifest
from cimlab.workspace import Workspace


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("demo")
    build = build_demo_workspace(root / "ws", root / "files", people=600)
    assert build.built
    return root / "ws", root / "files"


def test_each_file_quarantines_exactly_its_broken_rows(demo):
    ws_dir, files = demo
    manifest = read_manifest(files / "manifest.yaml")
    ws = Workspace.open(ws_dir, create=False)
    batches = ws.batches().sort("batch_id")
    assert batches["file_name"].to_list() == [f.path for f in manifest.files]
    for entry, batch in zip(manifest.files, batches.iter_rows(named=True), strict=True):
        expected = sorted({bad.line for bad in entry.expected_bad_rows})
        got = sorted(ws.quarantine(batch["batch_id"])["line"].unique().to_list())
        assert got == expected, entry.path
        assert batch["rows_read"] == entry.rows
        assert batch["rows_read"] == batch["rows_loaded"] + batch["rows_quarantined"]


def test_workspace_counts_match_the_batches(demo):
    ws_dir, _ = demo
    ws = Workspace.open(ws_dir, create=False)
    loaded = ws.batches().group_by("table_name").agg(pl.col("rows_loaded").sum())
    for table, rows in loaded.iter_rows():
        assert ws.table(table).height == rows


def test_chinese_platform_values_survive_the_import(demo):
    ws_dir, _ = demo
    ws = Workspace.open(ws_dir, create=False)
    tmall = ws.table("orders", channel="tmall")
    assert tmall["order_id"].str.len_chars().min() >= 18  # 18-19 digit ids stay strings
    assert tmall["phone_is_masked"].any() and not tmall["phone_is_masked"].all()
    assert set(tmall["status"].unique()) <= {"paid", "cancelled", "refunded"}
    members = ws.table("customers", channel="wechat")
    assert members["gender"].drop_nulls().is_in(["male", "female"]).all()
    store = ws.table("customers", channel="offline_store")
    assert store["source_customer_id"].str.starts_with("08").all()


def test_second_build_does_nothing(demo):
    ws_dir, files = demo
    again = build_demo_workspace(ws_dir, files, people=600)
    assert not again.built
    assert "already exists" in str(again)
