"""``cimlab customers ...`` on a small demo workspace."""

from __future__ import annotations

import csv
import datetime as dt
import json
import re
from pathlib import Path

import polars as pl
import pytest

from cimlab.cli import main


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("cli_customers")
    ws, files = root / "ws", root / "files"
    code = main(["demo", "--workspace", str(ws), "--files", str(files), "--people", "300"])
    assert code == 0
    return ws, files


def run_json(capsys, *args: str) -> dict:
    code = main(list(args))
    captured = capsys.readouterr()
    assert code == 0, captured.err
    return json.loads(captured.out)


def test_resolve_search_show_links(demo, capsys, tmp_path):
    ws, files = demo
    result = run_json(capsys, "customers", "resolve", "--workspace", str(ws), "--json")
    assert result["records"] > result["customers"] > 0
    assert result["links"] == sum(result["links_by_rule"].values()) > 0

    people = pl.read_csv(files / "_truth" / "people.csv", infer_schema=False)
    phone = people.filter(pl.col("phone").is_not_null())["phone"][0]
    found = run_json(capsys, "customers", "search", phone, "--workspace", str(ws), "--json")
    assert found["results"], phone
    hit = found["results"][0]
    digits = re.sub(r"\D", "", phone)[-11:]
    assert digits not in json.dumps(found)  # masked in the output

    shown = run_json(
        capsys, "customers", "show", hit["customer_id"], "--workspace", str(ws), "--json"
    )
    assert shown["customer_id"] == hit["customer_id"]
    assert shown["identities"]
    assert digits not in json.dumps(shown)
    # the text view gives purchase times as the business reads them (the demo: Shanghai time)
    assert main(["customers", "show", hit["customer_id"], "--workspace", str(ws)]) == 0
    text = capsys.readouterr().out
    first = dt.datetime.fromisoformat(shown["metrics"]["first_purchase"])
    local = first.astimezone(dt.timezone(dt.timedelta(hours=8)))
    assert f"first {local:%Y-%m-%d %H:%M}, last " in text and "(Asia/Shanghai)" in text

    out = tmp_path / "links.csv"
    assert main(["customers", "links", "--workspace", str(ws), "--out", str(out)]) == 0
    with out.open(encoding="utf-8-sig") as handle:  # the BOM Excel needs
        rows = list(csv.DictReader(handle))
    assert {"channel", "table", "source_customer_id", "customer_id"} <= set(rows[0])
    assert {r["customer_id"] for r in rows} >= {hit["customer_id"]}


def test_merge_then_split_by_hand(demo, capsys):
    ws, _ = demo
    run_json(capsys, "customers", "resolve", "--workspace", str(ws), "--json")
    ids = sorted(
        {r["customer_id"] for r in run_json(capsys, "customers", "search", "a", "--workspace",
                                             str(ws), "--limit", "50", "--json")["results"]}
    )  # fmt: skip
    a, b = ids[:2]
    merged = run_json(capsys, "customers", "merge", a, b, "--workspace", str(ws), "--json")
    (survivor,) = merged["customer_ids"]
    assert survivor in {a, b}
    split = run_json(capsys, "customers", "split", survivor, "--workspace", str(ws), "--json")
    assert len(split["customer_ids"]) >= 2


def test_errors_are_one_line(demo, capsys):
    ws, _ = demo
    assert main(["customers", "show", "C999999", "--workspace", str(ws)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("cimlab:") and len(err.strip().splitlines()) == 1
    assert (
        main(["customers", "split", "C000001", "--record", "nocolon", "--workspace", str(ws)]) == 2
    )
    assert "CHANNEL:SOURCE_ID" in capsys.readouterr().err
