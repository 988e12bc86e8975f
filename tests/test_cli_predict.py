"""``cimlab predict evaluate|clv|churn|forecast`` on a workspace holding the CDNOW sample, as a
script would call them: the JSON keys of the contract, the published holdout anchors, the
columns of the outputs, stored runs read back, and clear errors (exit 2)."""

from __future__ import annotations

import datetime as dt
import importlib.resources
import io
import json
from pathlib import Path

import polars as pl
import pytest

from cimlab.analytics.facts import customer_data
from cimlab.cli import main
from cimlab.identity import resolve
from cimlab.ingest.importer import check_bytes, store_report
from cimlab.predict.clv import predict_clv
from cimlab.predict.store import PREDICTIONS_DIR
from cimlab.workspace import Workspace

CALIBRATION_END = "1997-09-30"
HOLDOUT_END = "1998-06-30"
CLV_COLUMNS = [
    "customer_id",
    "expected_purchases",
    "p_alive",
    "expected_spend",
    "clv",
    "clv_low",
    "clv_high",
    "next_purchase_date",
]


def _cdnow_sample_csv() -> bytes:
    text = (importlib.resources.files("lifetimes") / "datasets" / "CDNOW_sample.txt").read_text()
    lines = ["order_id,line,customer_id,order_date,amount,currency,status"]
    for i, row in enumerate(line.split() for line in text.splitlines() if line.strip()):
        customer, day, dollars = row[0], row[2], row[4]
        lines.append(f"T{i},1,c{customer},{day[:4]}-{day[4:6]}-{day[6:]},{dollars},USD,paid")
    return ("\n".join(lines) + "\n").encode()


@pytest.fixture(scope="module")
def cdnow_ws(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("cdnow") / "ws"
    ws = Workspace.open(folder)
    report = check_bytes(_cdnow_sample_csv(), name="cdnow.csv", table="orders", channel="shop")
    assert report.rows_quarantined == 0
    store_report(ws, report)
    resolve(ws, at=dt.datetime(1998, 7, 1, tzinfo=dt.UTC))
    return folder


def _json(capsys: pytest.CaptureFixture[str], argv: list[str]) -> dict:
    code = main(argv)
    captured = capsys.readouterr()
    assert code == 0, captured.err
    return json.loads(captured.out)


def test_evaluate_json_keeps_the_contract_and_the_published_anchors(
    cdnow_ws: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    result = _json(
        capsys,
        [
            "predict", "evaluate", "--workspace", str(cdnow_ws), "--calibration-end",
            CALIBRATION_END, "--holdout-end", HOLDOUT_END, "--time-unit", "week", "--json",
        ],
    )  # fmt: skip
    models = {m["model"]: m for m in result["models"]}
    assert set(models) >= {"bgnbd", "pareto", "mbgnbd"}
    for row in result["models"]:
        assert {"model", "params", "log_likelihood", "holdout_actual", "holdout_predicted",
                "mae"} <= set(row)  # fmt: skip
    assert set(models["bgnbd"]["params"]) == {"r", "alpha", "a", "b"}
    assert set(models["mbgnbd"]["params"]) == {"r", "alpha", "a", "b"}
    assert set(models["pareto"]["params"]) == {"r", "alpha", "s", "beta"}
    # the workspace holds the 2,349 buyers of the sample (8 bought free CDs only): 1,882 repeat
    # purchases in the holdout; BG/NBD 1,653 (-12.1 %), Pareto/NBD 1,665 (tests/test_predict_holdout)
    assert models["bgnbd"]["holdout_actual"] == 1882
    assert models["bgnbd"]["holdout_predicted"] == pytest.approx(1653, abs=1.5)
    assert models["pareto"]["holdout_predicted"] == pytest.approx(1665, abs=1.5)
    assert models["bgnbd"]["mae"] == pytest.approx(0.788, abs=0.001)
    best = min(result["models"], key=lambda m: m["mae"])
    assert result["chosen"] == best["model"]
    assert result["customers"] == 2349


def test_evaluate_text_and_bad_arguments(
    cdnow_ws: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["predict", "evaluate", "--workspace", str(cdnow_ws)]
    assert main([*args, "--calibration-end", HOLDOUT_END, "--holdout-end", CALIBRATION_END]) == 2
    err = capsys.readouterr().err
    assert err.startswith("cimlab: ") and "before" in err
    code = main([*args, "--calibration-end", CALIBRATION_END, "--holdout-end", HOLDOUT_END,
                 "--models", "bgnbd,nope"])  # fmt: skip
    assert code == 2 and "nope" in capsys.readouterr().err
    code = main([*args, "--calibration-end", CALIBRATION_END, "--holdout-end", HOLDOUT_END,
                 "--models", "bgnbd"])  # fmt: skip
    out = capsys.readouterr().out
    assert code == 0 and "chosen: bgnbd" in out and "1,882" in out


def test_clv_out_has_the_contract_columns_and_equals_the_api(
    cdnow_ws: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "clv.csv"
    argv = ["predict", "clv", "--workspace", str(cdnow_ws), "--as-of", HOLDOUT_END,
            "--horizon", "26", "--model", "bgnbd"]  # fmt: skip
    assert main([*argv, "--out", str(out)]) == 0
    capsys.readouterr()
    frame = pl.read_csv(io.StringIO(out.read_text(encoding="utf-8-sig")))
    assert frame.columns[: len(CLV_COLUMNS)] == CLV_COLUMNS
    assert "currency" in frame.columns and set(frame["currency"].to_list()) == {"USD"}
    assert frame.height == 2349
    data = customer_data(Workspace.open(cdnow_ws, create=False))
    direct = predict_clv(
        data.orders, as_of=HOLDOUT_END, horizon=26, model="bgnbd", time_zone=data.time_zone
    ).customers
    joined = frame.join(direct, on="customer_id", suffix="_api")
    assert joined.height == 2349
    for column in ("expected_purchases", "p_alive", "clv"):
        assert (joined[column] - joined[f"{column}_api"]).abs().max() < 1e-6, column
    assert (frame["clv_low"] <= frame["clv"]).all() and (frame["clv"] <= frame["clv_high"]).all()
    # stored: the same call again reads the run back, and --json prints the fitted params
    stored = list((cdnow_ws / PREDICTIONS_DIR).glob("clv-*"))
    assert len(stored) >= 1
    result = _json(capsys, [*argv, "--json"])
    assert result["model"] == "bgnbd" and set(result["params"]) == {"r", "alpha", "a", "b"}
    assert len(result["customers"]) == 2349
    assert list((cdnow_ws / PREDICTIONS_DIR).glob("clv-*")) == stored


def test_forecast_and_churn(cdnow_ws: Path, capsys: pytest.CaptureFixture[str]) -> None:
    forecast = _json(
        capsys,
        ["predict", "forecast", "--workspace", str(cdnow_ws), "--as-of", CALIBRATION_END,
         "--horizon", "39", "--model", "bgnbd", "--json"],
    )  # fmt: skip
    rows = forecast["rows"]
    assert len(rows) == 39
    total = sum(r["expected_purchases"] for r in rows)
    assert total == pytest.approx(1653, rel=0.02)  # the holdout prediction of the same model
    churn = _json(
        capsys,
        ["predict", "churn", "--workspace", str(cdnow_ws), "--as-of", CALIBRATION_END,
         "--horizon", "90", "--json"],
    )  # fmt: skip
    customers = churn["customers"]
    assert len(customers) >= 2349
    assert {"customer_id", "churn_probability", "risk_band", "reasons"} <= set(customers[0])
    assert all(0.0 <= c["churn_probability"] <= 1.0 for c in customers)
    assert {c["risk_band"] for c in customers} <= {"high", "medium", "low"}


def test_too_little_data_is_exit_2_with_the_reason(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ws = Workspace.open(tmp_path / "ws")
    orders = (
        "order_id,line,customer_id,order_date,amount,currency,status\n"
        "A1,1,c1,2026-01-10,100,CNY,paid\nA2,1,c1,2026-02-10,50,CNY,paid\n"
        "B1,1,c2,2026-02-01,20,CNY,paid\n"
    )
    store_report(ws, check_bytes(orders.encode(), name="o.csv", table="orders", channel="shop"))
    resolve(ws, at=dt.datetime(2026, 4, 1, tzinfo=dt.UTC))
    code = main(["predict", "clv", "--workspace", str(ws.path), "--as-of", "2026-03-31"])
    err = capsys.readouterr().err
    assert code == 2 and err.startswith("cimlab: predict clv: ") and "repeat buyers" in err
    assert "Traceback" not in err
