"""The Segments page through ``AppTest`` on a demo workspace: RFM grid, segment table (checked
against :func:`cimlab.rfm.rfm`), a segment's customers and their CSV download, clusters,
lifecycle, both languages, and the hint on a workspace whose identities were never resolved."""

from __future__ import annotations

import datetime as dt
import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from streamlit.runtime.memory_media_file_storage import MemoryMediaFileStorage
from streamlit.testing.v1 import AppTest

from cimlab import lifecycle, rfm
from cimlab.demo import build_demo_workspace
from cimlab.facts import CustomerData, customer_data
from cimlab.i18n import t
from cimlab.workspace import Workspace

ROOT = Path(__file__).resolve().parents[2]
APP = ROOT / "apps" / "streamlit_app.py"
TIMEOUT = 60


@pytest.fixture(scope="module")
def demo_workspace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    base = tmp_path_factory.mktemp("segments")
    build_demo_workspace(base / "ws", base / "files", people=300)
    return base / "ws"


@pytest.fixture(scope="module")
def demo_data(demo_workspace: Path) -> CustomerData:
    return customer_data(Workspace.open(demo_workspace, create=False))


@pytest.fixture
def workspace(demo_workspace: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("CIMLAB_WORKSPACE", str(demo_workspace))
    return demo_workspace


@pytest.fixture
def downloads(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[dict[str, Any]]]:
    """Every file the page hands to a download button (data, mime type, file name)."""
    seen: list[dict[str, Any]] = []
    original = MemoryMediaFileStorage.load_and_get_id

    def spy(self: Any, path_or_data: Any, mimetype: str, kind: Any, filename: Any = None) -> str:
        seen.append({"data": path_or_data, "mimetype": mimetype, "filename": filename})
        return original(self, path_or_data, mimetype, kind, filename)

    monkeypatch.setattr(MemoryMediaFileStorage, "load_and_get_id", spy)
    yield seen


def _page(lang: str = "zh") -> AppTest:
    at = AppTest.from_file(APP, default_timeout=TIMEOUT).run()
    if lang != "zh":
        at.radio(key="lang").set_value(lang).run()
    at.switch_page("segments_page.py").run()
    _no_errors(at)
    return at


def _no_errors(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]


def _as_of(at: AppTest, lang: str = "zh") -> dt.date:
    [date_input] = [d for d in at.date_input if d.label == t("ana.as_of", lang)]
    value = date_input.value
    assert isinstance(value, dt.date)
    return value


def _frame(at: AppTest, first_column: str) -> pl.DataFrame:
    frames = [d.value for d in at.dataframe if d.value.columns[0] == first_column]
    assert len(frames) == 1, [list(d.value.columns) for d in at.dataframe]
    return pl.from_pandas(frames[0])


def _specs(at: AppTest) -> list[dict[str, Any]]:
    return [json.loads(chart.proto.spec) for chart in at.get("vega_lite_chart")]


def _titles(at: AppTest) -> list[str]:
    return [spec.get("title") for spec in _specs(at) if isinstance(spec.get("title"), str)]


def test_page_runs_in_chinese(workspace: Path) -> None:
    at = _page("zh")
    assert at.title[0].value == "客户分群"
    assert [tab.label for tab in at.tabs] == ["RFM 分群", "聚类", "生命周期"]
    assert "各 RFM 格的客户数" in _titles(at)
    assert "各分群的客户占比与收入占比" in _titles(at)
    headers = _frame(at, t("seg.col.segment", "zh")).columns
    assert headers[-1] == "建议行动"


def test_page_runs_in_english(workspace: Path) -> None:
    at = _page("en")
    assert at.title[0].value == "Customer segments"
    assert [tab.label for tab in at.tabs] == ["RFM segments", "Clusters", "Lifecycle"]
    assert "Customers per RFM cell" in _titles(at)
    table = _frame(at, "Segment")
    assert table["Segment"].to_list()[0] == "Champions"
    champions = rfm.SEGMENTS.filter(pl.col("name") == "Champions")
    assert table["Suggested action"][0] == champions["action"].item()


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_segment_table_agrees_with_rfm(workspace: Path, demo_data: CustomerData, lang: str) -> None:
    at = _page(lang)
    as_of = _as_of(at, lang)
    scores = rfm.rfm(demo_data.orders, as_of=as_of, time_unit="day")
    expected = (
        scores.group_by("segment")
        .agg(customers=pl.len(), revenue=pl.col("total_spend").sum())
        .join(rfm.SEGMENTS, left_on="segment", right_on="name")
        .select(
            label=pl.col("name_zh" if lang == "zh" else "segment"),
            customers=pl.col("customers").cast(pl.Int64),
            revenue=pl.col("revenue").round(2),
            share=pl.col("customers") / scores.height,
        )
        .sort("label")
    )
    table = _frame(at, t("seg.col.segment", lang))
    got = table.select(
        label=pl.col(t("seg.col.segment", lang)),
        customers=pl.col(t("seg.col.customers", lang)).cast(pl.Int64),
        revenue=pl.col(t("seg.col.revenue", lang)),
        share=pl.col(t("seg.col.share", lang)),
    )
    # best segment first, as in rfm.SEGMENT_NAMES
    names = {
        row["name_zh" if lang == "zh" else "name"]: i
        for i, row in enumerate(rfm.SEGMENTS.iter_rows(named=True))
    }
    assert got["label"].to_list() == sorted(got["label"].to_list(), key=names.__getitem__)
    got = got.sort("label")
    assert got["label"].to_list() == expected["label"].to_list()
    assert got["customers"].to_list() == expected["customers"].to_list()
    assert got["revenue"].to_list() == pytest.approx(expected["revenue"].to_list(), abs=0.01)
    # shares are rounded to 0.1 % for display
    assert got["share"].to_list() == pytest.approx(expected["share"].to_list(), abs=5e-4)
    metrics = {m.label: m.value for m in at.metric}
    assert metrics[t("seg.customers_scored", lang)] == f"{scores.height:,}"


def test_grid_toggle_and_time_unit(workspace: Path, demo_data: CustomerData) -> None:
    at = _page("en")
    grid = next(s for s in _specs(at) if s.get("title") == "Customers per RFM cell")
    assert grid["layer"][2]["encoding"]["text"]["field"] == "customers"

    at.radio(key="seg_grid_value").set_value("revenue").run()
    _no_errors(at)
    grid = next(s for s in _specs(at) if s.get("title") == "Net revenue per RFM cell")
    assert grid["layer"][2]["encoding"]["text"]["field"] == "revenue"

    before = _frame(at, "Segment")
    at.radio(key="seg_time_unit").set_value("week").run()
    _no_errors(at)
    # the unit changes recency and age, never the scores or the segments
    assert _frame(at, "Segment").equals(before)
    members = _frame(at, "Customer id")
    assert "Since last purchase (weeks)" in members.columns
    scores = rfm.rfm(demo_data.orders, as_of=_as_of(at, "en"), time_unit="week")
    champions = scores.filter(pl.col("segment") == "Champions")
    shown = members.select("Customer id", "Since last purchase (weeks)").rows()
    expected = dict(champions.select("customer_id", "since_last").rows())
    assert shown and all(expected[cid] == pytest.approx(value) for cid, value in shown)


def test_segment_members_and_their_download(
    workspace: Path, demo_data: CustomerData, downloads: list[dict[str, Any]]
) -> None:
    at = _page("en")
    at.selectbox(key="seg_pick").set_value("At risk").run()
    _no_errors(at)
    scores = rfm.rfm(demo_data.orders, as_of=_as_of(at, "en"))
    at_risk = scores.filter(pl.col("segment") == "At risk").sort("customer_id")
    members = _frame(at, "Customer id")
    assert sorted(members["Customer id"].to_list()) == at_risk["customer_id"].to_list()
    # no contact data on screen
    assert not {"phone", "email", "customer_name"} & {c.lower() for c in members.columns}

    [button] = at.get("download_button")
    assert button.proto.label == "Download the list (CSV)"
    files = [d for d in downloads if d["filename"] and d["filename"].startswith("segment_at_risk_")]
    assert files, downloads
    data = files[-1]["data"]
    assert isinstance(data, bytes) and data.startswith("\ufeff".encode())
    written = pl.read_csv(io.BytesIO(data), schema_overrides={"customer_id": pl.String})
    assert set(written.columns) == {
        "customer_id",
        "r_score",
        "f_score",
        "m_score",
        "purchase_days",
        "since_last",
        "T",
        "total_spend",
        "monetary_value",
        "last_purchase",
    }
    assert sorted(written["customer_id"].to_list()) == at_risk["customer_id"].to_list()
    assert files[-1]["filename"].endswith(f"{_as_of(at, 'en').isoformat()}.csv")


def test_clusters_with_a_fixed_k(workspace: Path) -> None:
    at = _page("en")
    auto_k = {m.label: m.value for m in at.metric}["Clusters"]
    assert 2 <= int(auto_k) <= 8
    at.checkbox(key="seg_auto_k").uncheck().run()
    _no_errors(at)
    at.slider(key="seg_k").set_value(3).run()
    _no_errors(at)
    assert {m.label: m.value for m in at.metric}["Clusters"] == "3"
    profiles = _frame(at, "Cluster")
    assert profiles["Cluster"].to_list() == [0, 1, 2]
    assert profiles["Customers"].sum() == int(
        {m.label: m.value for m in at.metric}["Customers with a purchase"].replace(",", "")
    )


def test_lifecycle_counts_and_bad_dates(workspace: Path, demo_data: CustomerData) -> None:
    at = _page("zh")
    as_of = _as_of(at)
    stages = lifecycle.lifecycle_stages(
        demo_data.orders, as_of=as_of, customers=demo_data.customers
    )
    table = _frame(at, t("seg.col.stage", "zh"))
    assert table[t("seg.col.stage", "zh")].to_list() == lifecycle.STAGES["name_zh"].to_list()
    counted = dict(stages.group_by("stage").len().rows())
    expected = [counted.get(s, 0) for s in lifecycle.STAGES["stage"].to_list()]
    assert table[t("seg.col.customers", "zh")].to_list() == expected

    at.select_slider(key="seg_months").set_value(24).run()
    _no_errors(at)
    start = next(d for d in at.date_input if d.label == t("seg.from_date", "zh"))
    assert start.value == as_of - dt.timedelta(days=90)
    start.set_value(as_of + dt.timedelta(days=1)).run()
    assert not at.exception
    assert [w.value for w in at.warning] == [t("seg.bad_dates", "zh")]


def test_no_buyers_before_the_first_order(workspace: Path, demo_data: CustomerData) -> None:
    at = _page("en")
    first = demo_data.orders["order_ts"].min().date()
    [date_input] = [d for d in at.date_input if d.label == t("ana.as_of", "en")]
    date_input.set_value(first - dt.timedelta(days=1)).run()
    _no_errors(at)
    assert t("seg.no_buyers", "en", as_of=(first - dt.timedelta(days=1)).isoformat()) in [
        i.value for i in at.info
    ]


def test_unresolved_workspace_shows_the_hint(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CIMLAB_WORKSPACE", str(tmp_path / "empty"))
    at = _page("zh")
    assert [i.value for i in at.info] == [t("ana.not_resolved", "zh")]
    assert not at.tabs
