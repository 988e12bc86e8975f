"""The import pipeline end to end on small hand-made files and on UCI Online Retail."""

from __future__ import annotations

import datetime as dt
import json

import polars as pl
import pytest

from cimlab.errors import MappingError
from cimlab.ingest.importer import check_bytes, check_file, import_file, quarantine_csv
from cimlab.workspace import Workspace
from tests.conftest import shared_dataset

UTC = dt.UTC


def utc(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=UTC)


def accounted(report) -> bool:
    accounted_for = report.rows_loaded + report.rows_quarantined + report.rows_filtered
    return report.rows_read == accounted_for


ORDERS_EN = (
    "order_id,line,customer_id,order_date,sku,quantity,unit_price,line_total,currency,status\n"
    "A1,1,00123,2024-01-05 08:26,S1,2,10,20.00,CNY,paid\n"  # 2
    'A1,2,00123,2024-01-05 08:26,S2,1,5,"1,234.50",CNY,paid\n'  # 3
    "A2,1,00456,2024-13-45,S1,1,10,10,CNY,paid\n"  # 4 impossible date
    "A3,1,00456,2024-02-30,S1,1,10,10,CNY,paid\n"  # 5 impossible date
    "A4,1,00789,2024-02-29 10:00,S1,1,10,N/A,CNY,paid\n"  # 6 missing required amount
    "A5,1,00789,2024/3/1,S1,1,10,¥99,CNY,paid\n"  # 7 fine
    "A6,1,00789,2024-03-02,S1,-1,10,-10,CNY,refunded\n"  # 8 refund: negative allowed
    "A7,1,00789,2024-03-03,S1,1,10,-10,CNY,paid\n"  # 9 negative on a paid line
    "A8,1,00789,2024-03-04,S1,1,10,nan,CNY,paid\n"  # 10 NaN
    "A9,1,00789,2024-03-05,S1,1,10,inf,CNY,paid\n"  # 11 inf
    "A1,2,00123,2024-01-05 08:26,S2,1,5,3,CNY,paid\n"  # 12 same order line again
    "A10,1,00789,2024-03-06,S1,1,10,10,CNY,lost in post\n"  # 13 unknown status
)


def test_orders_with_bad_values_quarantine_exactly_the_bad_rows():
    report = check_bytes(
        ORDERS_EN.encode(), name="orders.csv", table="orders", channel="online_shop"
    )
    assert report.mapping.preset == "generic_en"
    assert (report.rows_read, report.rows_loaded, report.rows_quarantined) == (12, 4, 8)
    problems = report.quarantine.select("line", "column").rows()
    assert problems == [
        (4, "order_date"),
        (5, "order_date"),
        (6, "line_total"),
        (9, None),
        (10, "line_total"),
        (11, "line_total"),
        (12, "order_id"),
        (13, "status"),
    ]
    valid = report.valid
    assert valid["source_line"].to_list() == [2, 3, 7, 8]
    assert valid["order_id"].to_list() == ["A1", "A1", "A5", "A6"]
    assert valid["source_customer_id"].to_list() == ["00123", "00123", "00789", "00789"]
    assert valid["amount"].to_list() == [20.0, 1234.5, 99.0, -10.0]
    assert valid["status"].to_list() == ["paid", "paid", "paid", "refunded"]
    # 08:26 in Shanghai (the default timezone rule) is 00:26 UTC
    assert valid["order_ts"][0] == utc(2024, 1, 5, 0, 26)
    assert valid["order_ts"][2] == utc(2024, 2, 29, 16, 0)
    assert report.quarantine.filter(pl.col("line") == 6)["reason"][0].startswith(
        "a value is required"
    )
    assert "refunded" in report.quarantine.filter(pl.col("line") == 9)["reason"][0]
    assert "line 3" in report.quarantine.filter(pl.col("line") == 12)["reason"][0]
    row = json.loads(report.quarantine.filter(pl.col("line") == 4)["row_json"][0])
    assert row["order_date"] == "2024-13-45" and row["customer_id"] == "00456"


def test_missing_required_column_is_a_file_level_error():
    data = b"order_id,customer_id,amount\nA1,1,10\n"
    with pytest.raises(MappingError, match="order_ts"):
        check_bytes(data, name="orders.csv", table="orders", channel="shop", mapping="generic_en")


def test_duplicate_headers_are_a_file_level_error():
    data = b"order_id,order_id,order_date,amount\nA1,A2,2024-01-01,1\n"
    with pytest.raises(MappingError, match="order_id"):
        check_bytes(data, name="dup.csv", table="orders", channel="shop")


def test_structural_rejects_count_in_the_quarantine():
    data = b"customer_id,name,email\n1,Ann,ANN@X.COM\n2,Bob\n3,Cy,cy@x.com,extra\n"
    report = check_bytes(data, name="c.csv", table="customers", channel="shop")
    assert (report.rows_read, report.rows_loaded, report.rows_quarantined) == (3, 1, 2)
    assert report.valid["email"].to_list() == ["ann@x.com"]
    assert accounted(report)


def test_online_retail_layout_derives_amount_status_and_lines():
    data = (
        b"InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country\n"
        b"536365,85123A,WHITE HANGING HEART,6,2010-12-01 08:26:00,2.55,17850.0,United Kingdom\n"
        b"536365,71053,WHITE METAL LANTERN,6,2010-12-01 08:26:00,3.39,17850.0,United Kingdom\n"
        b"C536379,D,Discount,-1,2010-12-01 09:41:00,27.5,14527.0,United Kingdom\n"
        b"536414,22139,,56,2010-12-01 11:52:00,0,,United Kingdom\n"
    )
    report = check_bytes(data, name="retail.csv", mapping="online_retail")
    assert (report.table, report.channel) == ("orders", "online_shop")
    assert report.rows_quarantined == 0
    v = report.valid
    assert v["line_number"].to_list() == [1, 2, 1, 1]
    assert v["amount"].to_list() == pytest.approx([15.3, 20.34, -27.5, 0.0])
    assert v["status"].to_list() == ["paid", "paid", "cancelled", "paid"]
    assert v["source_customer_id"].to_list() == ["17850", "17850", "14527", None]
    assert v["currency"].unique().to_list() == ["GBP"]
    assert v["order_ts"][0] == utc(2010, 12, 1, 8, 26)  # London in winter = UTC


def test_taobao_gbk_export_with_drifted_headers_and_masked_contacts():
    text = (
        "订单编号,买家会员名,买家实付金额,订单状态,收货人姓名,联系手机,买家下单时间,买家付款时间\n"
        '2417384756123849561,tb_lin88,"￥1,234.50",交易成功,林**,138****1234,2025/3/4 10:22,2025/3/4 10:25\n'
        "2417384756123849562,小米粉丝,99,交易关闭,王芳,13800138000,2025/3/5 9:00,\n"
        "2417384756123849563,abc,12,神秘状态,张三,138 0013 8001,2025/3/6 9:00,\n"
    )
    report = check_bytes(text.encode("gbk"), name="已卖出的宝贝.csv")
    assert report.raw.encoding == "gbk"
    assert (report.mapping.preset, report.table, report.channel) == (
        "taobao_orders",
        "orders",
        "tmall",
    )
    assert report.rows_quarantined == 1
    assert report.quarantine.select("line", "column").rows() == [(4, "订单状态")]
    v = report.valid
    assert v["order_id"].to_list() == ["2417384756123849561", "2417384756123849562"]
    assert v["amount"].to_list() == [1234.5, 99.0]
    assert v["status"].to_list() == ["paid", "cancelled"]
    assert v["phone"].to_list() == ["138****1234", "+8613800138000"]
    assert v["phone_is_masked"].to_list() == [True, False]
    assert v["name_is_masked"].to_list() == [True, False]
    assert v["currency"].to_list() == ["CNY", "CNY"]


def test_jd_deleted_orders_become_cancelled():
    text = "订单号,商品编号,下单时间,应付金额,订单状态,下单帐号\n881(删除),S1,2025-01-02 10:00:00,10,已完成,jd_a\n882,S2,2025-01-02 11:00:00,5,已完成,jd_b\n"
    report = check_bytes(text.encode(), name="jd.csv", mapping="jd_orders")
    assert report.valid["order_id"].to_list() == ["881", "882"]
    assert report.valid["status"].to_list() == ["cancelled", "paid"]


def test_customers_are_parsed_and_unknown_gender_is_not_a_problem():
    text = (
        "会员卡号,姓名,手机,性别,生日,邮件营销,短信营销\n"
        "0001,林小明,+86 138-0013-8000,男,1990年5月3日,是,否\n"
        "0002,J***,12345,保密,1990-02-30,同意,\n"
        "0003,王芳,13900139000,女,,否,是\n"
    )
    report = check_bytes(
        text.encode("gb18030"), name="members.csv", table="customers", channel="offline_store"
    )
    assert report.quarantine.select("line", "column").rows() == [(3, "手机"), (3, "生日")]
    v = report.valid
    assert v["source_customer_id"].to_list() == ["0001", "0003"]
    assert v["phone"].to_list() == ["+8613800138000", "+8613900139000"]
    assert v["gender"].to_list() == ["male", "female"]
    assert v["birth_date"].to_list() == [dt.date(1990, 5, 3), None]
    assert v["consent_email"].to_list() == [True, False]
    assert v["consent_sms"].to_list() == [False, True]
    assert v["customer_type"].to_list() == ["individual", "individual"]


def test_feedback_scores_out_of_range():
    text = "customer_id,submitted_at,nps,csat,complaint,comment\n1,2025-01-01,9,5,no,great\n2,2025-01-01,11,0,no,\n3,2025-01-01,,,,\n"
    report = check_bytes(text.encode(), name="fb.csv", table="feedback", channel="survey")
    assert report.valid["nps"].to_list() == [9]
    assert sorted(report.quarantine.select("line", "column").rows(), key=str) == sorted(
        [(3, "nps"), (3, "csat"), (4, None)], key=str
    )


def test_quarantine_csv_escapes_formulas_and_groups_problems():
    text = 'customer_id,name,email\n=HYPERLINK("x"),Ann,bad@@x\n'
    report = check_bytes(text.encode(), name="c.csv", table="customers", channel="shop")
    out = quarantine_csv(report.quarantine).decode("utf-8-sig")
    assert out.splitlines()[0] == "line,problems,customer_id,name,email"
    assert "'=HYPERLINK" in out
    assert "email:" in out


def test_import_into_workspace_and_reimport_adds_nothing(tmp_path):
    path = tmp_path / "orders.csv"
    path.write_text(ORDERS_EN, encoding="utf-8")
    ws = Workspace.open(tmp_path / "ws")
    first = import_file(ws, path, table="orders", channel="online_shop")
    assert (first.rows_loaded, first.rows_quarantined) == (4, 8)
    again = import_file(ws, path, table="orders", channel="online_shop")
    assert again.batch.already_imported
    assert ws.table("orders").height == 4
    assert ws.quarantine(first.batch.batch_id)["line"].n_unique() == 8


def test_online_retail_real_file_counts_add_up(tmp_path):
    path = shared_dataset("online_retail.csv.gz")
    report = check_file(path, mapping="online_retail")
    assert report.rows_read == 541_909
    assert accounted(report)
    v = report.valid
    cancelled = v.filter(pl.col("status") == "cancelled")
    # every C invoice line that loaded is a cancellation, and none of them were lost
    c_lines = report.raw.frame.filter(pl.col("InvoiceNo").str.starts_with("C")).height
    c_quarantined = (
        report.quarantine.filter(pl.col("row_json").str.contains('"InvoiceNo":"C'))
        .select(pl.col("line").n_unique())
        .item()
    )
    assert c_lines == 9_288
    assert cancelled.height + c_quarantined == c_lines
    assert cancelled["order_id"].str.starts_with("C").all()
    assert (v.filter(pl.col("status") == "paid")["amount"] >= 0).all()
    assert v["source_customer_id"].null_count() > 100_000  # guest lines are kept, not dropped
    ws = Workspace.open(tmp_path / "ws")
    from cimlab.ingest.importer import store_report

    result = store_report(ws, report)
    assert result.rows_loaded + result.rows_quarantined == 541_909
    assert ws.table("orders").height == result.rows_loaded


def test_a_decimal_first_appearing_at_row_5000_is_read_by_the_columns_rule():
    rows = [f"A{i},1,{i % 7 + 1},2024-01-05,10" for i in range(1, 5000)]
    rows.append("B1,1,12.5,2024-01-05,10")  # quantity may be fractional (kg, m)
    rows.append("B2,12.5,1,2024-01-05,10")  # a line number may not
    text = "order_id,line,quantity,order_date,amount\n" + "\n".join(rows) + "\n"
    with pytest.raises(MappingError, match="no currency"):
        check_bytes(text.encode(), name="late.csv", table="orders", channel="shop")
    report = check_bytes(
        text.encode(), name="late.csv", table="orders", channel="shop", currency="cny"
    )
    assert report.valid["currency"].unique().to_list() == ["CNY"]
    assert report.valid.filter(pl.col("order_id") == "B1")["quantity"].to_list() == [12.5]
    assert report.quarantine.select("line", "column").rows() == [(5002, "line")]
    assert report.rows_loaded == 5000


def test_header_only_file_imports_nothing_and_says_so(tmp_path):
    path = tmp_path / "empty_day.csv"
    path.write_text("order_id,order_date,amount,currency\n", encoding="utf-8")
    ws = Workspace.open(tmp_path / "ws")
    result = import_file(ws, path, table="orders", channel="shop")
    assert (result.report.rows_read, result.rows_loaded, result.rows_quarantined) == (0, 0, 0)
    assert ws.table("orders").height == 0
