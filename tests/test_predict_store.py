"""Stored predictions: found again by data and settings, never for other data, written whole,
pruned, and the frequency × recency map and segment table built on them."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from cimlab.analytics.facts import CustomerData
from cimlab.predict.maps import frequency_recency_map
from cimlab.predict.purchases import BetaGeoModel, ParetoNBDModel
from cimlab.predict.segments import segment_value
from cimlab.predict.store import (
    PREDICTIONS_DIR,
    data_fingerprint,
    latest_prediction,
    load_prediction,
    save_prediction,
)

EMPTY = pl.DataFrame()


def _data(amounts: list[float], **kwargs: object) -> CustomerData:
    orders = pl.DataFrame(
        {
            "customer_id": [f"C{i}" for i in range(len(amounts))],
            "order_ts": [dt.datetime(2024, 1, 1 + i, tzinfo=dt.UTC) for i in range(len(amounts))],
            "amount": amounts,
        }
    )
    return CustomerData(EMPTY, orders, EMPTY, EMPTY, **kwargs)  # type: ignore[arg-type]


def test_fingerprint_follows_every_input_but_not_row_order() -> None:
    base = _data([1.0, 2.0, 3.0], currency="CNY")
    shuffled = CustomerData(EMPTY, base.orders.reverse(), EMPTY, EMPTY, currency="CNY")
    assert data_fingerprint(base) == data_fingerprint(shuffled)
    assert data_fingerprint(base) != data_fingerprint(_data([1.0, 2.0, 3.5], currency="CNY"))
    assert data_fingerprint(base) != data_fingerprint(_data([1.0, 2.0, 3.0], currency="USD"))
    zone = _data([1.0, 2.0, 3.0], currency="CNY", time_zone="Asia/Shanghai")
    assert data_fingerprint(base) != data_fingerprint(zone)
    feedback = CustomerData(
        EMPTY, base.orders, pl.DataFrame({"customer_id": ["C1"], "nps": [3]}), EMPTY, currency="CNY"
    )
    assert data_fingerprint(base) != data_fingerprint(feedback)


def test_saved_run_reads_back_equal_and_only_for_its_key(tmp_path: Path) -> None:
    customers = pl.DataFrame(
        {
            "customer_id": ["C1", "C2"],
            "clv": [12.5, None],
            "next_purchase_date": [dt.date(2024, 3, 1), None],
        }
    )
    settings = {"as_of": "2024-02-01", "horizon": 52}
    saved = save_prediction(
        tmp_path,
        "clv",
        fingerprint="f1",
        settings=settings,
        report={"model": "bgnbd", "params": {"r": 0.24}},
        frames={"customers": customers},
    )
    loaded = load_prediction(tmp_path, "clv", fingerprint="f1", settings=dict(settings))
    assert loaded is not None and loaded.key == saved.key
    assert loaded.customers.equals(customers)
    assert loaded.report == {"model": "bgnbd", "params": {"r": 0.24}}
    assert load_prediction(tmp_path, "clv", fingerprint="f2", settings=settings) is None
    assert (
        load_prediction(tmp_path, "clv", fingerprint="f1", settings={**settings, "horizon": 26})
        is None
    )
    assert load_prediction(tmp_path, "churn", fingerprint="f1", settings=settings) is None
    assert latest_prediction(tmp_path, "clv", fingerprint="other") is None
    assert latest_prediction(tmp_path, "clv") is not None


def test_only_the_newest_runs_are_kept_and_no_staging_is_left(tmp_path: Path) -> None:
    for i in range(5):
        save_prediction(
            tmp_path,
            "churn",
            fingerprint="f",
            settings={"i": i},
            report={"i": i},
            frames={"customers": pl.DataFrame({"customer_id": ["C1"]})},
            keep=3,
        )
    runs = sorted(p.name for p in (tmp_path / PREDICTIONS_DIR).iterdir())
    assert len(runs) == 3 and not any(name.startswith(".") for name in runs)
    latest = latest_prediction(tmp_path, "churn")
    assert latest is not None and latest.report == {"i": 4}


def test_a_damaged_run_is_treated_as_missing(tmp_path: Path) -> None:
    save_prediction(
        tmp_path, "clv", fingerprint="f", settings={}, report={}, frames={"customers": EMPTY}
    )
    (folder,) = (tmp_path / PREDICTIONS_DIR).iterdir()
    (folder / "customers.parquet").write_bytes(b"not parquet")
    assert load_prediction(tmp_path, "clv", fingerprint="f", settings={}) is None
    head = json.loads((folder / "report.json").read_text())
    assert head["fingerprint"] == "f"


def test_report_must_be_json_without_nan(tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        save_prediction(
            tmp_path,
            "clv",
            fingerprint="f",
            settings={},
            report={"x": float("nan")},
            frames={},
        )
    with pytest.raises(ValueError, match="kind"):
        save_prediction(tmp_path, "audience", fingerprint="f", settings={}, report={}, frames={})


@pytest.mark.parametrize("model_class", [BetaGeoModel, ParetoNBDModel])
def test_frequency_recency_map_equals_per_customer_scores(model_class: type) -> None:
    model = model_class()
    names = model.param_names
    model.params_ = dict(zip(names, (0.243, 4.414, 0.793, 2.426), strict=True))
    grid = frequency_recency_map(model, T=39.0, max_frequency=6, recency_steps=5)
    # frequency 0 has one cell (recency 0); others have recency 39/4 .. 39
    assert grid.height == 1 + 6 * 4
    assert grid.filter(pl.col("frequency") == 3)["recency"].to_list() == [9.75, 19.5, 29.25, 39.0]
    direct = model.p_alive(grid)
    assert np.allclose(grid["p_alive"].to_numpy(), direct)
    # a customer who bought recently is more likely alive than one who stopped long ago
    three = grid.filter(pl.col("frequency") == 3).sort("recency")["p_alive"].to_numpy()
    assert np.all(np.diff(three) > 0)
    with pytest.raises(ValueError):
        frequency_recency_map(model, T=0.0, max_frequency=3)


def test_segment_value_hand_computed() -> None:
    scores = pl.DataFrame({"customer_id": ["a", "b", "c", "d"], "segment": ["x", "x", "y", "y"]})
    clv = pl.DataFrame({"customer_id": ["a", "b", "c"], "clv": [10.0, 20.0, 5.0]})
    churn = pl.DataFrame(
        {"customer_id": ["a", "b", "c", "d"], "risk_band": ["high", "low", "high", "medium"]}
    )
    table = segment_value(scores, clv=clv, churn=churn)
    assert table.rows() == [("x", 2, 15.0, 30.0, 0.5), ("y", 2, 5.0, 5.0, 0.5)]
    no_predictions = segment_value(scores)
    assert no_predictions["mean_clv"].null_count() == 2
    assert no_predictions["churn_share"].null_count() == 2
