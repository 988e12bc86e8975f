"""The status map of an orders file: distinct statuses, their meaning (built in or the
mapping's), the ``status_values`` an edited map gives, and the rows the row filters keep."""

from __future__ import annotations

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from cimlab.ingest.importer import check_bytes
from cimlab.ingest.mapping import ColumnMapping, MappingOptions
from cimlab.ingest.reading import read_bytes
from cimlab.ingest.status_map import (
    STATUS_MAP_SCHEMA,
    file_statuses,
    status_cells,
    status_map,
    status_values_from,
)


def test_distinct_statuses_trimmed_counted_and_explained() -> None:
    cells = pl.Series(["shipped", " shipped ", "Shipped", "invoiced", "N/A", "", None, "交易关闭"])
    expected = pl.DataFrame(
        {
            "value": ["shipped", "Shipped", "invoiced", "交易关闭"],
            "rows": [2, 1, 1, 1],
            "meaning": ["paid", "paid", "paid", "cancelled"],
            "source": ["built_in", "built_in", "mapping", "built_in"],
        },
        schema=STATUS_MAP_SCHEMA,
    )
    assert_frame_equal(status_map(cells, status_values={"invoiced": "paid"}), expected)


def test_the_mappings_words_win_over_the_built_in_ones() -> None:
    found = status_map(pl.Series(["shipped"]), status_values={"shipped": "pending"})
    assert found.row(0) == ("shipped", 1, "pending", "mapping")


def test_an_edited_map_keeps_only_what_differs_from_the_built_in_meaning() -> None:
    values = ["shipped", "invoiced", "unavailable", "canceled"]
    meanings = ["paid", "paid", None, "refunded"]
    assert status_values_from(values, meanings) == {"invoiced": "paid", "canceled": "refunded"}
    with pytest.raises(ValueError, match="choose one of paid, pending"):
        status_values_from(["x"], ["lost"])
    with pytest.raises(ValueError, match="1 values but 2 meanings"):
        status_values_from(["x"], ["paid", "paid"])


def test_the_most_frequent_are_shown_and_the_rest_counted() -> None:
    cells = pl.Series([f"s{i % 5}" for i in range(15)] + ["rare"])
    found = file_statuses(cells, limit=3)
    assert found.table.height == 3 and found.distinct == 6 and found.partial
    assert found.rows_read == 16
    assert "rare" not in found.unmapped
    assert not file_statuses(cells).partial


def test_filtered_out_rows_bring_no_status_and_the_map_fixes_the_import() -> None:
    data = (
        b"id,type,at,amount,state\n"
        b"1,buy,2024-01-05,10,invoiced\n"
        b"2,buy,2024-01-06,10,approved\n"
        b"3,pv,2024-01-07,10,viewed\n"
    )
    mapping = ColumnMapping(
        "orders",
        {"order_id": "id", "order_ts": "at", "amount": "amount", "status": "state"},
        filters=["type == buy"],
        options=MappingOptions(currency="CNY"),
    )
    raw = read_bytes(data, name="log.csv")
    found = file_statuses(status_cells(raw, mapping))
    assert found.unmapped == ["approved", "invoiced"]  # "viewed" is only on a filtered-out row
    before = check_bytes(data, name="log.csv", channel="shop", mapping=mapping)
    assert (before.rows_loaded, before.rows_quarantined, before.rows_filtered) == (0, 2, 1)

    words = status_values_from(found.table["value"].to_list(), ["pending", "paid"])
    fixed = ColumnMapping(
        "orders",
        mapping.columns,
        filters=mapping.filters,
        options=MappingOptions(currency="CNY", status_values=words),
    )
    after = check_bytes(data, name="log.csv", channel="shop", mapping=fixed)
    assert (after.rows_loaded, after.rows_quarantined, after.rows_filtered) == (2, 0, 1)
    assert sorted(after.valid["status"].to_list()) == ["paid", "pending"]


def test_no_status_column_no_cells() -> None:
    raw = read_bytes(b"id\n1\n", name="a.csv")
    assert status_cells(raw, ColumnMapping("orders", {"order_id": "id"})).is_empty()
