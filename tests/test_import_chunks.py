"""Importing in chunks gives exactly what checking the whole file gives.

``import_file`` and ``validate_file`` read, check and store a file chunk by chunk so memory stays
flat; rules that span the whole file (line numbers within an order, repeated order lines, an
empty status or currency column, the currency of the amounts) must come out the same as when
the file is read in one piece. Each case is checked with chunks far smaller than the file.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from cimlab.errors import MappingError
from cimlab.ingest.importer import check_file, import_file, store_report, validate_file
from cimlab.workspace import Workspace
from tests.conftest import shared_dataset

HEADER = "order_id,order_date,amount,currency,status\n"


def assert_same(path: Path, tmp_path: Path, *, chunk_bytes: int, **options: object) -> None:
    """Whole-file check + store == chunked validate == chunked import, row for row."""
    whole = check_file(path, **options)  # type: ignore[arg-type]
    part = validate_file(path, chunk_bytes=chunk_bytes, chunk_rows=7, **options)  # type: ignore[arg-type]
    assert (part.rows_read, part.rows_loaded, part.rows_quarantined, part.rows_filtered) == (
        whole.rows_read,
        whole.rows_loaded,
        whole.rows_quarantined,
        whole.rows_filtered,
    )
    assert part.rows_read == part.rows_loaded + part.rows_quarantined + part.rows_filtered
    assert part.rows_filtered_by_rule == whole.rows_filtered_by_rule
    assert part.channel == whole.channel
    assert part.problems_total == whole.quarantine.height
    assert_frame_equal(part.quarantine, whole.quarantine.head(part.quarantine.height))

    one = Workspace.open(tmp_path / "whole")
    store_report(one, whole)
    many = Workspace.open(tmp_path / "chunks")
    result = import_file(many, path, chunk_bytes=chunk_bytes, chunk_rows=7, **options)  # type: ignore[arg-type]
    assert result.batch.rows_loaded == whole.rows_loaded
    table = whole.table
    key = ["source_line"]
    assert_frame_equal(
        many.table(table).sort(key).drop("batch_id"), one.table(table).sort(key).drop("batch_id")
    )
    columns = ["line", "column", "value", "reason", "row_json"]
    assert_frame_equal(
        many.quarantine().select(columns).sort(columns, nulls_last=True),
        one.quarantine().select(columns).sort(columns, nulls_last=True),
    )
    for name in (
        "rows_read",
        "rows_loaded",
        "rows_quarantined",
        "rows_duplicate",
        "rows_filtered",
        "channel",
    ):
        assert many.batches()[name].to_list() == one.batches()[name].to_list(), name


def write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(text.encode(encoding))
    return path


def test_repeated_order_lines_across_chunks_cite_the_first_valid_line(tmp_path):
    rows = [f"A{i},{i % 3 + 1},2024-01-05,{i},CNY" for i in range(1, 40)]
    rows[30] = "A2,3,2024-01-05,5,CNY"  # repeats line 3 (A2 / line 3)
    rows[35] = "A2,3,2024-01-05,6,CNY"
    rows[5] = "Z9,1,2024-02-30,6,CNY"  # invalid date: its repeat below is the first valid one
    rows[20] = "Z9,1,2024-01-05,6,CNY"
    rows[38] = "Z9,1,2024-01-05,7,CNY"
    path = write(
        tmp_path / "o.csv", "order_id,line,order_date,amount,currency\n" + "\n".join(rows) + "\n"
    )
    assert_same(path, tmp_path, chunk_bytes=120, table="orders", channel="shop")
    report = validate_file(path, table="orders", channel="shop", chunk_bytes=120)
    reasons = dict(zip(report.quarantine["line"], report.quarantine["reason"], strict=True))
    assert reasons[32].endswith("at line 3") and reasons[37].endswith("at line 3")
    assert reasons[40].endswith("at line 22")


def test_lines_numbered_within_orders_that_cross_chunk_boundaries(tmp_path):
    lines = []
    for order in range(1, 30):
        lines += [f"O{order},2024-01-05,{k},CNY,paid" for k in range(1, order % 4 + 2)]
    path = write(tmp_path / "o.csv", HEADER + "\n".join(lines) + "\n")
    assert_same(path, tmp_path, chunk_bytes=90, table="orders", channel="shop")
    ws = Workspace.open(tmp_path / "chunks")
    numbers = ws.table("orders").group_by("order_id").agg(pl.col("line_number").sort())
    assert all(n == list(range(1, len(n) + 1)) for n in numbers["line_number"].to_list())


def test_an_order_whose_lines_are_far_apart_is_numbered_as_in_one_piece(tmp_path):
    lines = [f"O{i},2024-01-05,{i},CNY,paid" for i in range(1, 40)]
    lines[38] = "O1,2024-01-06,99,CNY,paid"  # the last line belongs to the first order
    path = write(tmp_path / "o.csv", HEADER + "\n".join(lines) + "\n")
    assert_same(path, tmp_path, chunk_bytes=90, table="orders", channel="shop")
    o1 = Workspace.open(tmp_path / "chunks").table("orders").filter(pl.col("order_id") == "O1")
    assert o1.sort("source_line")["line_number"].to_list() == [1, 2]


def test_a_status_column_empty_until_a_later_chunk(tmp_path):
    lines = [f"O{i},2024-01-05,{i},CNY," for i in range(1, 30)]
    lines[25] = "O26,2024-01-05,26,CNY,paid"
    path = write(tmp_path / "o.csv", HEADER + "\n".join(lines) + "\n")
    whole = check_file(path, table="orders", channel="shop")
    assert whole.rows_quarantined == 28  # a status column with values: the empty ones are missing
    assert_same(path, tmp_path, chunk_bytes=90, table="orders", channel="shop")


def test_symbols_on_amounts_only_in_a_later_chunk(tmp_path):
    lines = [f"O{i},2024-01-05,{i}" for i in range(1, 30)] + ["O30,2024-01-05,¥30"]
    path = write(tmp_path / "o.csv", "order_id,order_date,amount\n" + "\n".join(lines) + "\n")
    assert_same(path, tmp_path, chunk_bytes=60, table="orders", channel="shop")


def test_amounts_without_any_currency_store_nothing(tmp_path):
    lines = [f"O{i},2024-01-05,{i}" for i in range(1, 30)]
    path = write(tmp_path / "o.csv", "order_id,order_date,amount\n" + "\n".join(lines) + "\n")
    ws = Workspace.open(tmp_path / "ws")
    with pytest.raises(MappingError, match="the amounts carry no currency"):
        import_file(ws, path, table="orders", channel="shop", chunk_bytes=60)
    assert ws.batches().is_empty() and ws.table("orders").is_empty() and ws.quarantine().is_empty()


def test_douyin_sub_orders_number_their_lines_across_chunks(tmp_path):
    header = "主订单编号,子订单编号,选购商品,商品数量,订单应付金额,订单提交时间,订单状态\n"
    rows = []
    for order in range(1, 25):
        subs = [f"{order}{k:02d}" for k in range(order % 3 + 1, 0, -1)]  # written in reverse
        rows += [f"{order},{s},商品{s},1,{order}.5,2024-03-01 10:00:00,已完成" for s in subs]
    path = write(tmp_path / "douyin.csv", header + "\n".join(rows) + "\n")
    assert_same(path, tmp_path, chunk_bytes=150, mapping="douyin_orders")


def test_quoted_values_with_newlines_and_stray_quotes_across_chunks(tmp_path):
    rows = []
    for i in range(1, 30):
        name = f'"note {i}\nsecond line"' if i % 4 == 0 else f'Monitor 2{i}" screen'
        rows.append(f"O{i},2024-01-05,{i},CNY,paid,{name}")
    path = write(tmp_path / "o.csv", HEADER.strip() + ",product\n" + "\n".join(rows) + "\n")
    assert_same(path, tmp_path, chunk_bytes=100, table="orders", channel="shop")


def test_gbk_customers_in_chunks(tmp_path):
    rows = [f"{i:05d},张{i},1380013{i:04d},上海" for i in range(1, 60)]
    rows[10] = "00011,李四,12345,北京"  # a bad phone
    path = write(tmp_path / "m.csv", "会员卡号,姓名,手机号,城市\n" + "\n".join(rows) + "\n", "gbk")
    assert_same(path, tmp_path, chunk_bytes=100, table="customers", channel="store")


def test_the_same_file_again_adds_nothing(tmp_path):
    path = write(
        tmp_path / "o.csv",
        HEADER + "".join(f"O{i},2024-01-05,{i},CNY,paid\n" for i in range(1, 30)),
    )
    ws = Workspace.open(tmp_path / "ws")
    first = import_file(ws, path, table="orders", channel="shop", chunk_bytes=90)
    again = import_file(ws, path, table="orders", channel="shop", chunk_bytes=90)
    assert (first.batch.already_imported, again.batch.already_imported) == (False, True)
    assert again.batch.batch_id == first.batch.batch_id
    assert ws.table("orders").height == 29 and ws.batches().height == 1


def test_online_retail_chunked_equals_whole(tmp_path):
    path = shared_dataset("online_retail.csv.gz")
    whole = check_file(path, mapping="online_retail", channel="uci")
    part = validate_file(path, mapping="online_retail", channel="uci", chunk_bytes=4 << 20)
    assert (
        (part.rows_read, part.rows_loaded, part.rows_quarantined)
        == (
            whole.rows_read,
            whole.rows_loaded,
            whole.rows_quarantined,
        )
        == (541_909, 541_907, 2)
    )
    assert_frame_equal(part.quarantine, whole.quarantine)


def test_filters_constants_derived_ids_and_channels_in_chunks(tmp_path):
    """A behaviour log read in chunks: filters, a composite id, constants and a channel column."""
    rows = []
    for i in range(1, 80):
        behaviour = "buy" if i % 3 == 0 else ("pv" if i % 3 == 1 else "cart")
        channel = ["tmall", "JD", ""][i % 3] if i % 5 else "Online Shop"
        stamp = str(1_704_412_800 + i * 3600) if i % 17 else "soon"  # 17, 34...: unreadable
        rows.append(f"{i % 11},{100 + i},{behaviour},{stamp},{channel}")
    rows[40] = "5,140,buy,1704600000"  # a field short: rejected by the reader
    path = write(
        tmp_path / "log.csv",
        "user_id,item_id,behavior_type,timestamp,shop\n" + "\n".join(rows) + "\n",
    )
    mapping = {
        "table": "orders",
        "columns": {
            "source_customer_id": "user_id",
            "sku": "item_id",
            "order_ts": "timestamp",
            "channel": "shop",
        },
        "filters": ["behavior_type in [buy, cart]", "user_id != 3"],
        "constants": {"quantity": 1, "amount": 1, "currency": "CNY"},
        "derived": {"order_id": "{user_id}-{timestamp}"},
        "options": {"amount_is_placeholder": True},
    }
    whole = check_file(path, mapping=mapping, channel="wechat")
    assert whole.rows_filtered > 0 and whole.rows_quarantined > 0
    assert list(whole.rows_filtered_by_rule) == ["behavior_type in [buy, cart]", "user_id != 3"]
    assert_same(path, tmp_path, chunk_bytes=200, mapping=mapping, channel="wechat")
