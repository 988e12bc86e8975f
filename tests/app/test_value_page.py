"""The Value & risk page through ``AppTest`` on a copy of the demo workspace (300 people): both
languages, figures equal to cimlab's functions on the same data, predictions stored once and read
back, downloads with ids only and formulas escaped, and the segment table gaining mean CLV and
churn share once predictions exist."""

from __future__ import annotations

import io
import shutil
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from streamlit.testing.v1 import AppTest
from streamlit.testing.v1.element_tree import Block

from cimlab.analytics.facts import CustomerData
from cimlab.i18n import t
from cimlab.predict.clv import predict_clv
from cimlab.predict.store import PREDICTIONS_DIR

ROOT = Path(__file__).resolve().parents[2]
APP = ROOT / "apps" / "streamlit_app.py"
TIMEOUT = 600


@pytest.fixture(scope="module")
def value_ws(demo_ws: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the demo workspace: the page stores predictions in it."""
    target = tmp_path_factory.mktemp("value") / "ws"
    shutil.copytree(demo_ws, target, ignore=shutil.ignore_patterns(".cimlab.lock"))
    return target


def _runs(ws: Path, kind: str) -> list[str]:
    return sorted(p.name for p in (ws / PREDICTIONS_DIR).glob(f"{kind}-*"))


def _no_errors(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]


def _open(lang: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=TIMEOUT).run()
    if lang != "zh":
        at.radio(key="lang").set_value(lang).run()
    at.switch_page("value_page.py").run()
    _no_errors(at)
    return at


def _table(at: AppTest, key: str) -> Any:
    """The one table inside the page's container ``key`` (a pandas frame)."""
    block = at.get_by_key(key)
    assert isinstance(block, Block)
    [table] = block.dataframe
    return table.value


def _metric(at: AppTest, label: str) -> str:
    [value] = [m.value for m in at.metric if m.label == label]
    return value


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_value_page_shows_the_stored_predictions(
    value_ws: Path,
    data: CustomerData,
    monkeypatch: pytest.MonkeyPatch,
    downloads: list[dict[str, Any]],
    lang: str,
) -> None:
    monkeypatch.setenv("CIMLAB_WORKSPACE", str(value_ws))
    at = _open(lang)
    # one CLV run and one churn run, made by the first visit (either language) and read back
    clv_runs, churn_runs = _runs(value_ws, "clv"), _runs(value_ws, "churn")
    assert len(clv_runs) == 1 and len(churn_runs) == 1
    assert [tab.label for tab in at.tabs][:5] == [
        t(f"val.tab.{name}", lang) for name in ("value", "risk", "map", "forecast", "model")
    ]
    [date_input] = [d for d in at.date_input if d.label == t("ana.as_of", lang)]
    direct = predict_clv(
        data.orders, as_of=date_input.value, horizon=52, time_zone=data.time_zone
    ).customers
    assert _metric(at, t("val.kpi.customers", lang)) == f"{direct.height:,}"
    top = _table(at, "val_top_table")
    header = t("val.col.customer_id", lang)
    expected = direct.sort("clv", descending=True).head(len(top))["customer_id"].to_list()
    assert top[header].tolist() == expected
    # the churn bands add up to every scored customer
    bands = _table(at, "val_band_table")
    assert int(bands[t("val.col.customers", lang)].sum()) == direct.height
    at.run()
    _no_errors(at)
    assert _runs(value_ws, "clv") == clv_runs and _runs(value_ws, "churn") == churn_runs
    # downloads: ids and figures, no contact data, formulas escaped by the one writer
    files = {d["file_name"]: d["data"] for d in downloads if d["file_name"].endswith(".csv")}
    assert any(name.startswith("clv_") for name in files)
    churn_file = next(v for k, v in files.items() if k.startswith("churn_high_"))
    members = pl.read_csv(io.BytesIO(churn_file))
    assert members.columns[:3] == ["customer_id", "churn_probability", "risk_band"]
    assert not any(c in members.columns for c in ("phone", "email", "name"))


def test_a_new_horizon_is_a_new_run_and_segments_gain_the_figures(
    value_ws: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CIMLAB_WORKSPACE", str(value_ws))
    at = _open("en")
    before = _runs(value_ws, "clv")
    [horizon] = [s for s in at.selectbox if s.label == t("val.horizon", "en")]
    horizon.set_value(26).run()
    _no_errors(at)
    assert len(_runs(value_ws, "clv")) == len(before) + 1
    assert _metric(at, t("val.kpi.expected_purchases", "en", horizon=26))
    at.switch_page("segments_page.py").run()
    _no_errors(at)
    table = _table(at, "seg_value_table")
    assert t("seg.col.churn_share", "en") in table.columns
    assert table[t("seg.col.churn_share", "en")].between(0, 100).all()
