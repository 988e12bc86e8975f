"""What makes the app fast without changing a figure: the analysis data and page results kept
per workspace version (:meth:`cimlab.act.snapshot.Snapshot.stored_data`,
:meth:`~cimlab.act.snapshot.Snapshot.result`) equal what computing gives, are never read for
another version, and a long write in one app session does not block another session's reads
(:class:`cimlab.workspace.Workspace` shares a writer's database with readers of its process)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import shutil
import threading
from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from cimlab.act import snapshot as snap
from cimlab.analytics.facts import customer_data
from cimlab.demo import build_demo_workspace
from cimlab.settings import set_time_zone
from cimlab.workspace import Workspace

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("speed_demo")
    build_demo_workspace(root / "ws", root / "files", people=150)
    return root / "ws"


@pytest.fixture
def ws(built: Path, tmp_path: Path) -> Workspace:
    shutil.copytree(built, tmp_path / "ws")
    return Workspace.open(tmp_path / "ws", create=False)


def _same_data(got: object, expected: object) -> None:
    for field in dataclasses.fields(expected):  # type: ignore[arg-type]
        a, b = getattr(got, field.name), getattr(expected, field.name)
        if isinstance(b, pl.DataFrame):
            assert_frame_equal(a, b)
        else:
            assert a == b, (field.name, a, b)


def test_stored_analysis_data_equals_the_computed_data(ws: Workspace) -> None:
    computed = customer_data(ws)
    first = snap.open_snapshot(ws).stored_data()  # computes and stores
    folder = Path(ws.path) / snap.SNAPSHOTS_DIR / snap.workspace_version(ws)
    [data_json] = folder.rglob("analysis/data.json")
    stored = snap.open_snapshot(ws).stored_data()  # reads
    _same_data(first, computed)
    _same_data(stored, computed)
    # a damaged file is computed again, not trusted
    (data_json.parent / "orders.parquet").write_bytes(b"not parquet")
    _same_data(snap.open_snapshot(ws).stored_data(), computed)


def test_another_version_computes_again(ws: Workspace) -> None:
    before = snap.open_snapshot(ws).stored_data()
    set_time_zone(ws, "America/New_York")  # a setting the analysis data depends on
    after = snap.open_snapshot(ws).stored_data()
    assert before.time_zone != after.time_zone == "America/New_York"
    _same_data(after, customer_data(ws))


def test_results_are_stored_by_name_and_read_back(ws: Workspace) -> None:
    calls: list[int] = []

    def make() -> dict[str, pl.DataFrame]:
        calls.append(1)
        return {"a": pl.DataFrame({"x": [1, 2]}), "b": pl.DataFrame({"y": [None, 1.5]})}

    first = snap.open_snapshot(ws).result("demo_2026-06-29_day", make)
    again = snap.open_snapshot(ws).result("demo_2026-06-29_day", make)
    assert len(calls) == 1
    assert list(again) == ["a", "b"]
    for part in first:
        assert_frame_equal(again[part], first[part])
    snap.open_snapshot(ws).result("demo_2026-05-31_day", make)  # another name: computed
    assert len(calls) == 2
    with pytest.raises(ValueError, match=r"name='\.\./x'"):
        snap.open_snapshot(ws).result("../x", make)
    with pytest.raises(ValueError, match="part names"):
        snap.open_snapshot(ws).result("bad_part", lambda: {"a/b": pl.DataFrame()})


def test_a_long_write_does_not_block_readers_of_the_process(ws: Workspace) -> None:
    """An app session importing or resolving holds a write transaction; another session's
    reads go on meanwhile and see the last committed state."""
    before = ws.counts()
    inside, release, done = threading.Event(), threading.Event(), threading.Event()

    def writer() -> None:
        with ws.transaction() as con:
            con.execute("DELETE FROM feedback")  # not committed while the reader reads
            inside.set()
            release.wait(30)
        done.set()

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        assert inside.wait(30)
        other = Workspace.open(ws.path, create=False, wait=0.0)  # another session's handle
        during = other.counts()  # before the fix: WorkspaceBusy after the wait
        assert_frame_equal(during, before)
    finally:
        release.set()
        thread.join(30)
    assert done.is_set()
    after = ws.counts()
    assert "feedback" not in after.filter(pl.col("rows") > 0)["table"].to_list()


def test_the_segments_page_minimum_is_the_clustering_minimum() -> None:
    from cimlab.analytics.clusters import MIN_CUSTOMERS

    source = (ROOT / "apps" / "segments_page.py").read_text(encoding="utf-8")
    assert f"MIN_CLUSTER_CUSTOMERS = {MIN_CUSTOMERS}\n" in source


def test_stored_results_are_per_day(ws: Workspace) -> None:
    data = snap.open_snapshot(ws).stored_data()
    days = [dt.date(2026, 6, 29), dt.date(2026, 5, 31)]
    results = [
        snap.open_snapshot(ws, data=data).result(
            f"count_{day.isoformat()}",
            lambda day=day: {"n": pl.DataFrame({"n": [data.orders.height], "day": [day]})},
        )
        for day in days
    ]
    assert [r["n"]["day"].item() for r in results] == days
