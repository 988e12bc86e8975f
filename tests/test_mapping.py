"""Column mapping: presets, suggestions, user mapping files, header and requirement checks."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest
import yaml

from cimlab.contracts.models import TABLES, contract
from cimlab.errors import MappingError
from cimlab.ingest.mapping import (
    SOURCE_REQUIRED,
    ColumnMapping,
    MappingOptions,
    check_headers,
    detect_preset,
    list_presets,
    load_mapping_file,
    load_preset,
    normalise_header,
    resolve_mapping,
    source_required,
    suggest_mapping,
)
from tests.conftest import shared_dataset

# Realistic header rows, copied from the exports' layouts (plus columns nobody maps).
TAOBAO_OLD = [
    "订单编号", "买家会员名", "买家支付宝账号", "买家应付货款", "买家应付邮费", "总金额",
    "买家实际支付金额", "订单状态", "买家留言", "收货人姓名", "收货地址", "运送方式", "联系电话",
    "联系手机", "订单创建时间", "订单付款时间", "宝贝标题", "宝贝种类", "物流单号", "订单备注",
    "宝贝总数量", "店铺名称", "退款金额",
]  # fmt: skip
TAOBAO_NEW = [
    "订单编号", "买家会员名", "买家实付金额", "订单状态", "收货人姓名", "联系手机", "省", "市",
    "买家下单时间", "买家付款时间", "宝贝标题", "宝贝总数量", "商家编码", "订单备注",
]  # fmt: skip
JD = [
    "订单号", "商品ID", "商品名称", "订购数量", "支付方式", "下单时间", "京东价", "订单金额",
    "结算金额", "余额支付", "应付金额", "订单状态", "订单类型", "下单帐号", "客户姓名", "客户地址",
    "联系电话", "订单备注", "付款确认时间", "货号", "订单来源", "订单渠道",
]  # fmt: skip
DOUYIN = [
    "主订单编号", "子订单编号", "选购商品", "商品规格", "商品数量", "商品ID", "商家编码", "商品单价",
    "订单应付金额", "运费", "优惠总金额", "收件人", "收件人手机号", "省", "市", "区", "详细地址",
    "买家留言", "订单提交时间", "支付完成时间", "订单状态", "售后状态", "达人ID",
]  # fmt: skip
YOUZAN = [
    "客户姓名", "微信昵称", "手机号", "性别", "生日", "所在地区", "成为客户时间", "会员等级", "标签",
    "积分", "消费金额", "消费次数", "上次消费时间", "粉丝ID", "会员卡号", "是否接收短信",
]  # fmt: skip
TMALL_MEMBERS = ["会员昵称", "手机号", "入会时间", "会员等级", "性别", "生日", "省份", "城市"]
UCI = [
    "InvoiceNo", "StockCode", "Description", "Quantity", "InvoiceDate", "UnitPrice", "CustomerID",
    "Country",
]  # fmt: skip

UCI_II = [
    "Invoice", "StockCode", "Description", "Quantity", "InvoiceDate", "Price", "Customer ID",
    "Country",
]  # fmt: skip
EN_ORDERS = [
    "Order Number", "Order Date", "Customer ID", "Product", "Qty", "Unit Price", "Line Total",
    "Currency", "Status", "Gift wrap",
]  # fmt: skip
ZH_CUSTOMERS = [
    "客户编号", "姓名", "手机", "邮箱", "省份", "城市", "性别", "生日", "注册时间", "公司", "客户类型",
    "邮件营销", "短信营销", "微信营销", "电话营销", "标签",
]  # fmt: skip
ZH_ORDERS = [
    "订单号", "会员ID", "下单时间", "支付时间", "商品编码", "商品名称", "品类", "数量", "单价",
    "实付金额", "币种", "订单状态", "门店", "渠道", "收货人", "联系电话",
]  # fmt: skip


# --------------------------------------------------------------------------- presets


def test_all_presets_load_with_unique_names() -> None:
    names = [p.name for p in list_presets()]
    assert names == sorted(names)
    assert {
        "generic_en",
        "generic_zh",
        "taobao_orders",
        "jd_orders",
        "douyin_orders",
        "wechat_members",
        "tmall_members",
        "online_retail",
    } <= set(names)
    assert len(names) == len(set(names))


@pytest.mark.parametrize("preset", [p.name for p in list_presets()])
def test_every_preset_table_can_provide_its_required_columns(preset: str) -> None:
    for table, spec in load_preset(preset).tables.items():
        assert set(source_required(table, spec.options)) <= set(spec.columns), (preset, table)
        assert all(c in contract(table).to_schema().columns for c in spec.columns)


def test_generic_presets_cover_all_four_tables_and_no_channel() -> None:
    for name in ("generic_en", "generic_zh"):
        preset = load_preset(name)
        assert list(preset.tables) == list(TABLES)
        assert preset.channel is None and not preset.specific


@pytest.mark.parametrize(
    ("preset", "column", "aliases"),
    [
        ("taobao_orders", "amount", ["买家实际支付金额", "买家实付金额"]),
        ("taobao_orders", "order_ts", ["订单创建时间", "买家下单时间"]),
        ("taobao_orders", "paid_ts", ["订单付款时间", "买家付款时间"]),
        ("taobao_orders", "source_customer_id", ["买家会员名"]),
        ("jd_orders", "source_customer_id", ["下单帐号", "下单账号"]),
        ("jd_orders", "quantity", ["订购数量", "商品数量"]),
        ("jd_orders", "sku", ["商品ID", "商品编号"]),
        ("douyin_orders", "amount", ["订单应付金额", "应付金额"]),
        ("douyin_orders", "phone", ["收件人手机号", "收件人电话"]),
        ("douyin_orders", "source_customer_id", ["用户ID", "买家ID"]),
        ("wechat_members", "source_customer_id", ["客户ID", "会员卡号", "粉丝ID"]),
        ("wechat_members", "signup_date", ["成为客户时间", "注册时间"]),
        ("online_retail", "order_id", ["InvoiceNo"]),
        ("online_retail", "unit_price", ["UnitPrice"]),
    ],
)
def test_platform_presets_list_every_spelling(preset: str, column: str, aliases: list[str]) -> None:
    (spec,) = load_preset(preset).tables.values()
    assert list(spec.columns[column][: len(aliases)]) == aliases


def test_preset_options() -> None:
    taobao = load_preset("taobao_orders").tables["orders"].options
    assert (taobao.currency, taobao.timezone) == ("CNY", "Asia/Shanghai")
    assert taobao.status_values["交易成功"] == "paid"
    assert taobao.status_values["交易关闭"] == "cancelled"
    jd = load_preset("jd_orders").tables["orders"].options
    assert jd.deleted_marker == "(删除)"
    uci = load_preset("online_retail").tables["orders"].options
    assert (uci.currency, uci.timezone, uci.cancel_prefix) == ("GBP", "Europe/London", "C")
    assert uci.amount_from_quantity_and_unit_price is True
    assert load_preset("douyin_orders").tables["orders"].line_number_from[0] == "子订单编号"
    assert load_preset("wechat_members").channel == "wechat"


def test_unknown_preset_lists_the_known_ones() -> None:
    with pytest.raises(MappingError) as info:
        load_preset("tmall")
    message = str(info.value)
    assert "'tmall'" in message
    for preset in list_presets():
        assert preset.name in message
    with pytest.raises(MappingError, match="generic_zh"):
        resolve_mapping("tmall", ["订单号"], table="orders", file="a.csv")


# --------------------------------------------------------------------------- recognition


@pytest.mark.parametrize(
    ("headers", "preset", "table", "expected"),
    [
        (
            TAOBAO_OLD,
            "taobao_orders",
            "orders",
            {
                "order_id": "订单编号",
                "amount": "买家实际支付金额",
                "order_ts": "订单创建时间",
                "paid_ts": "订单付款时间",
                "phone": "联系手机",
                "customer_name": "收货人姓名",
                "source_customer_id": "买家会员名",
            },
        ),
        (
            TAOBAO_NEW,
            "taobao_orders",
            "orders",
            {
                "amount": "买家实付金额",
                "order_ts": "买家下单时间",
                "paid_ts": "买家付款时间",
                "sku": "商家编码",
                "region": "省",
                "city": "市",
            },
        ),
        (
            JD,
            "jd_orders",
            "orders",
            {
                "order_id": "订单号",
                "source_customer_id": "下单帐号",
                "amount": "应付金额",
                "quantity": "订购数量",
                "paid_ts": "付款确认时间",
            },
        ),
        (
            [h.replace("下单帐号", "下单账号") for h in JD],
            "jd_orders",
            "orders",
            {"source_customer_id": "下单账号"},
        ),
        (
            DOUYIN,
            "douyin_orders",
            "orders",
            {
                "order_id": "主订单编号",
                "product_name": "选购商品",
                "amount": "订单应付金额",
                "phone": "收件人手机号",
                "order_ts": "订单提交时间",
            },
        ),
        (
            YOUZAN,
            "wechat_members",
            "customers",
            {
                "source_customer_id": "会员卡号",
                "name": "客户姓名",
                "signup_date": "成为客户时间",
                "consent_sms": "是否接收短信",
            },
        ),
        (
            TMALL_MEMBERS,
            "tmall_members",
            "customers",
            {
                "source_customer_id": "会员昵称",
                "phone": "手机号",
                "signup_date": "入会时间",
                "tags": "会员等级",
                "region": "省份",
                "city": "城市",
            },
        ),
        (
            UCI,
            "online_retail",
            "orders",
            {
                "order_id": "InvoiceNo",
                "unit_price": "UnitPrice",
                "source_customer_id": "CustomerID",
                "country": "Country",
            },
        ),
        (
            UCI_II,
            "online_retail",
            "orders",
            {"order_id": "Invoice", "unit_price": "Price", "source_customer_id": "Customer ID"},
        ),
    ],
    ids=[
        "taobao",
        "taobao-drifted",
        "jd-帐号",
        "jd-账号",
        "douyin",
        "youzan",
        "tmall-members",
        "uci",
        "uci-ii",
    ],
)
def test_presets_are_recognised(
    headers: list[str], preset: str, table: str, expected: dict[str, str]
) -> None:
    found, found_table, score = detect_preset(headers)
    assert (found and found.name, found_table) == (preset, table)
    mapping = suggest_mapping(headers)
    assert (mapping.preset, mapping.table, mapping.channel) == (preset, table, found.channel)
    assert expected.items() <= mapping.columns.items()
    assert score >= len(mapping.source_columns())
    for other in list_presets():
        for other_table in other.tables:
            if (other.name, other_table) != (preset, table):
                other_score = detect_preset(headers, table=other_table)[2]
                assert other_score <= score
    resolved = resolve_mapping(None, headers, file="export.csv")
    assert resolved == mapping


def test_tmall_member_export_is_detected_from_its_headers() -> None:
    """The brand's Tmall member list (会员通) is told apart from Youzan members and orders."""
    preset, table, score = detect_preset(TMALL_MEMBERS)
    assert (preset and preset.name, table, score) == ("tmall_members", "customers", 8)
    assert preset.channel == "tmall"
    mapping = resolve_mapping(None, TMALL_MEMBERS, file="tmall_members.csv")
    assert (mapping.preset, mapping.table, mapping.channel) == (
        "tmall_members",
        "customers",
        "tmall",
    )
    assert mapping.unmapped(TMALL_MEMBERS) == []
    assert mapping.columns["source_customer_id"] == "会员昵称"
    # the nickname is the order report's 买家会员名: that spelling is understood too
    assert (
        "买家会员名"
        in load_preset("tmall_members").tables["customers"].columns["source_customer_id"]
    )
    # neither the Youzan member export nor the Tmall order report is taken for it
    assert detect_preset(YOUZAN)[0].name == "wechat_members"  # type: ignore[union-attr]
    assert detect_preset(TAOBAO_NEW)[0].name == "taobao_orders"  # type: ignore[union-attr]


def test_douyin_sub_order_numbers_the_lines() -> None:
    mapping = resolve_mapping(None, DOUYIN, file="douyin.xlsx")
    assert mapping.options.line_number_from == "子订单编号"
    assert "子订单编号" in mapping.source_columns()
    assert "子订单编号" not in mapping.unmapped(DOUYIN)
    assert mapping.unmapped(DOUYIN)[:2] == ["商品规格", "商家编码"]


def test_uci_tie_with_generic_english_goes_to_the_platform_preset() -> None:
    generic = suggest_mapping(UCI, preset="generic_en")
    assert len(generic.columns) == len(UCI)  # generic_en covers every UCI header too...
    mapping = suggest_mapping(UCI)
    assert mapping.preset == "online_retail"  # ...the tie goes to the platform preset
    assert mapping.options.amount_from_quantity_and_unit_price
    assert mapping.options.cancel_prefix == "C"
    assert "amount" not in mapping.columns
    assert mapping.missing_required() == []


def test_real_online_retail_header_is_recognised() -> None:
    path = shared_dataset("online_retail.csv.gz")
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        headers = handle.readline().rstrip("\r\n").split(",")
    mapping = resolve_mapping("online_retail", headers, table="orders", file=path.name)
    assert mapping.columns == {
        "order_id": "InvoiceNo",
        "source_customer_id": "CustomerID",
        "order_ts": "InvoiceDate",
        "sku": "StockCode",
        "product_name": "Description",
        "quantity": "Quantity",
        "unit_price": "UnitPrice",
        "country": "Country",
    }
    assert suggest_mapping(headers) == mapping


def test_header_spelling_variants_are_matched() -> None:
    assert normalise_header("\ufeff Invoice_No ") == normalise_header("ＩＮＶＯＩＣＥ－ｎｏ")
    assert normalise_header("客户ＩＤ") == normalise_header("客户id")
    headers = ["\ufeffＩｎｖｏｉｃｅＮｏ", "stock code", "description", "QUANTITY", "invoice-date"]
    headers += ["Unit_Price", " customer id ", "country"]
    mapping = resolve_mapping(None, headers, file="retail.csv")
    assert mapping.preset == "online_retail"
    # the mapping names each header exactly as the file writes it
    assert mapping.columns["order_id"] == "\ufeffＩｎｖｏｉｃｅＮｏ"
    assert mapping.columns["source_customer_id"] == " customer id "


def test_an_exact_spelling_beats_a_normalised_one() -> None:
    mapping = suggest_mapping(["ORDER_ID", "order id", "date", "total"], table="orders")
    assert mapping.columns["order_id"] == "order id"  # the alias is written "order id"
    mapping = suggest_mapping(["ORDER_ID", "Order-Id", "date", "total"], table="orders")
    assert mapping.columns["order_id"] == "ORDER_ID"  # no exact spelling: the first one


# --------------------------------------------------------------------------- generic suggestions


@pytest.mark.parametrize(
    ("headers", "table", "expected", "unmapped"),
    [
        (
            ["Customer ID", "Full Name", "E-mail", "Mobile", "City", "Favourite colour"],
            "customers",
            {
                "source_customer_id": "Customer ID",
                "name": "Full Name",
                "email": "E-mail",
                "phone": "Mobile",
                "city": "City",
            },
            ["Favourite colour"],
        ),
        (
            EN_ORDERS,
            "orders",
            {
                "order_id": "Order Number",
                "source_customer_id": "Customer ID",
                "order_ts": "Order Date",
                "product_name": "Product",
                "quantity": "Qty",
                "unit_price": "Unit Price",
                "amount": "Line Total",
                "currency": "Currency",
                "status": "Status",
            },
            ["Gift wrap"],
        ),
        (
            ["Client ID", "Timestamp", "Interaction Type", "Notes"],
            "interactions",
            {
                "source_customer_id": "Client ID",
                "ts": "Timestamp",
                "type": "Interaction Type",
                "note": "Notes",
            },
            [],
        ),
        (
            ["Member ID", "Submitted At", "NPS Score", "CSAT", "Complaint", "Comment"],
            "feedback",
            {
                "source_customer_id": "Member ID",
                "ts": "Submitted At",
                "nps": "NPS Score",
                "csat": "CSAT",
                "complaint": "Complaint",
                "text": "Comment",
            },
            [],
        ),
    ],
    ids=["customers", "orders", "interactions", "feedback"],
)
def test_generic_english(
    headers: list[str], table: str, expected: dict[str, str], unmapped: list[str]
) -> None:
    mapping = suggest_mapping(headers)
    assert (mapping.preset, mapping.table, mapping.channel) == ("generic_en", table, None)
    assert mapping.columns == expected
    assert mapping.unmapped(headers) == unmapped


@pytest.mark.parametrize(
    ("headers", "table", "expected"),
    [
        (
            ZH_CUSTOMERS,
            "customers",
            {
                "source_customer_id": "客户编号",
                "name": "姓名",
                "email": "邮箱",
                "phone": "手机",
                "gender": "性别",
                "birth_date": "生日",
                "city": "城市",
                "region": "省份",
                "signup_date": "注册时间",
                "customer_type": "客户类型",
                "company": "公司",
                "consent_email": "邮件营销",
                "consent_sms": "短信营销",
                "consent_wechat": "微信营销",
                "consent_phone": "电话营销",
                "tags": "标签",
            },
        ),
        (
            ZH_ORDERS,
            "orders",
            {
                "order_id": "订单号",
                "source_customer_id": "会员ID",
                "channel": "渠道",
                "order_ts": "下单时间",
                "paid_ts": "支付时间",
                "sku": "商品编码",
                "product_name": "商品名称",
                "category": "品类",
                "quantity": "数量",
                "unit_price": "单价",
                "amount": "实付金额",
                "currency": "币种",
                "status": "订单状态",
                "customer_name": "收货人",
                "phone": "联系电话",
                "store": "门店",
            },
        ),
        (
            ["会员卡号", "互动时间", "互动类型", "备注"],
            "interactions",
            {
                "source_customer_id": "会员卡号",
                "ts": "互动时间",
                "type": "互动类型",
                "note": "备注",
            },
        ),
        (
            ["客户编号", "提交时间", "推荐值", "满意度", "投诉", "反馈内容"],
            "feedback",
            {
                "source_customer_id": "客户编号",
                "ts": "提交时间",
                "nps": "推荐值",
                "csat": "满意度",
                "complaint": "投诉",
                "text": "反馈内容",
            },
        ),
    ],
    ids=["customers", "orders", "interactions", "feedback"],
)
def test_generic_chinese(headers: list[str], table: str, expected: dict[str, str]) -> None:
    mapping = resolve_mapping(None, headers, file="导出.csv")
    assert (mapping.preset, mapping.table) == ("generic_zh", table)
    assert mapping.columns == expected
    assert mapping.options.currency == "CNY"


def test_generic_chinese_order_synonyms() -> None:
    mapping = suggest_mapping(["主订单编号", "会员昵称", "订单金额", "付款时间", "创建时间"])
    assert mapping.table == "orders"
    assert mapping.columns == {
        "order_id": "主订单编号",
        "source_customer_id": "会员昵称",
        "order_ts": "创建时间",
        "paid_ts": "付款时间",
        "amount": "订单金额",
    }


def test_table_argument_restricts_the_suggestion() -> None:
    headers = ["客户编号", "姓名", "手机"]
    assert suggest_mapping(headers).table == "customers"
    as_orders = suggest_mapping(headers, table="orders")
    assert as_orders.table == "orders"
    assert as_orders.columns == {
        "source_customer_id": "客户编号",
        "customer_name": "姓名",
        "phone": "手机",
    }
    with pytest.raises(MappingError, match="no column for order_id"):
        resolve_mapping(None, headers, table="orders", file="c.csv")


def test_a_preset_object_and_an_empty_table_are_accepted() -> None:
    expected = resolve_mapping("jd_orders", JD, file="jd.csv")
    assert resolve_mapping(load_preset("jd_orders"), JD, table="", file="jd.csv") == expected
    assert resolve_mapping(None, JD, table="", file="jd.csv") == expected


def test_unknown_headers() -> None:
    assert detect_preset(["foo", "bar"]) == (None, None, 0)
    assert suggest_mapping(["foo", "bar"], table="feedback") == ColumnMapping("feedback", {})
    with pytest.raises(MappingError, match="--table"):
        suggest_mapping(["foo", "bar"])


def test_preset_that_does_not_cover_the_table() -> None:
    with pytest.raises(MappingError, match="not customers"):
        suggest_mapping(JD, preset="jd_orders", table="customers")
    mapping = suggest_mapping(["客户编号", "评价时间", "评价内容"], preset="generic_zh")
    assert mapping.table == "feedback"


# --------------------------------------------------------------------------- headers


def test_duplicate_headers_name_their_positions() -> None:
    headers = ["订单号", "金额", "下单时间", "备注", " 金额\ufeff"]
    with pytest.raises(MappingError) as info:
        check_headers(headers, file="orders.csv")
    message = str(info.value)
    assert message.startswith("orders.csv:")
    assert 'columns 2 and 5 share the name "金额"' in message
    assert "--mapping" in message
    with pytest.raises(MappingError, match="columns 2 and 5"):
        resolve_mapping(None, headers, table="orders", file="orders.csv")
    with pytest.raises(MappingError, match="columns 2 and 5"):
        resolve_mapping("generic_zh", headers, table="orders", file="orders.csv")


def test_empty_headers_name_their_positions() -> None:
    headers = ["订单号", "", "下单时间", "金额", "  ", "\ufeff"]
    with pytest.raises(
        MappingError, match=r"orders\.csv: .*columns 2, 5 and 6 have an empty header"
    ):
        check_headers(headers, file="orders.csv")
    with pytest.raises(MappingError, match="column 2 has an empty header"):
        check_headers(["a", None, "b"], file="orders.csv")  # type: ignore[list-item]
    with pytest.raises(MappingError, match="empty header"):
        resolve_mapping(None, headers, table="orders", file="orders.csv")


def test_clean_headers_pass() -> None:
    assert check_headers(["订单号", "Amount", "amount"], file="a.csv") is None


def test_explicit_mapping_may_avoid_ambiguous_headers() -> None:
    headers = ["订单号", "金额", "下单时间", "金额", ""]
    explicit = {"table": "orders", "columns": {"order_id": "订单号", "order_ts": "下单时间"}}
    explicit["columns"]["amount"] = "订单号"  # any unambiguous header will do for the test
    mapping = resolve_mapping(explicit, headers, file="orders.csv")
    assert mapping.columns == {"order_id": "订单号", "order_ts": "下单时间", "amount": "订单号"}
    uses_duplicate = {"order_id": "订单号", "order_ts": "下单时间", "amount": "金额"}
    with pytest.raises(MappingError, match="columns 2 and 4 share the name"):
        resolve_mapping(ColumnMapping("orders", uses_duplicate), headers, file="orders.csv")


# --------------------------------------------------------------------------- requirements


def test_missing_required_column_is_named_with_its_label_and_the_headers() -> None:
    headers = ["订单号", "实付金额", "收货人"]
    with pytest.raises(MappingError) as info:
        resolve_mapping(None, headers, table="orders", file="店铺订单.csv")
    message = str(info.value)
    assert message.startswith("店铺订单.csv: no column for order_ts (下单时间)")
    assert '"订单号", "实付金额", "收货人"' in message
    assert "--mapping FILE.yaml" in message and "app" in message


def test_amount_from_quantity_and_unit_price_requires_both() -> None:
    headers = [h for h in UCI if h != "UnitPrice"]
    with pytest.raises(MappingError, match=r"no column for unit_price \(单价\)"):
        resolve_mapping("online_retail", headers, file="retail.csv")
    assert source_required("orders") == ["order_id", "order_ts", "amount"]
    assert SOURCE_REQUIRED["feedback"] == ["source_customer_id", "ts"]


def test_several_missing_columns_are_all_named() -> None:
    with pytest.raises(
        MappingError, match=r"interactions\.csv: no column for ts \(互动时间\), type"
    ):
        resolve_mapping(None, ["客户编号", "备注"], table="interactions", file="interactions.csv")


def test_mapped_header_absent_from_the_file() -> None:
    spec = {
        "table": "orders",
        "columns": {"order_id": "Order", "order_ts": "Date", "amount": "Amt"},
    }
    with pytest.raises(MappingError) as info:
        resolve_mapping(spec, ["order", "Date", "Amt"], file="o.csv")
    message = str(info.value)
    assert 'o.csv: the mapping reads order_id (订单编号) from the column "Order"' in message
    assert 'did you mean "order"?' in message


def test_error_messages_do_not_echo_phones_or_emails() -> None:
    # A file without a header row: its first data row becomes the headers.
    headers = ["13800138000", "lin.xiaoming@example.com", "林小明", "+86 139-0013-9000"]
    with pytest.raises(MappingError) as info:
        resolve_mapping(
            {"table": "customers", "columns": {"name": "林小明"}}, headers, file="members.csv"
        )
    message = str(info.value)
    assert "13800138000" not in message and "lin.xiaoming@example.com" not in message
    assert "0013" not in message and "xiaoming" not in message
    assert "138****8000" in message  # masked by cimlab.privacy.scrub_text


def test_table_mismatch() -> None:
    with pytest.raises(MappingError, match="maps the orders table"):
        resolve_mapping("jd_orders", JD, table="customers", file="jd.csv")
    spec = ColumnMapping("orders", {"order_id": "订单号"})
    with pytest.raises(MappingError, match="for the orders table"):
        resolve_mapping(spec, JD, table="feedback", file="jd.csv")


# --------------------------------------------------------------------------- mapping objects and files


def _full_mapping() -> ColumnMapping:
    return ColumnMapping(
        "orders",
        {"amount": "实收", "order_id": "单号", "order_ts": "成交时间", "status": "状态"},
        preset="jd_orders",
        channel="jd",
        options=MappingOptions(
            timezone="Asia/Shanghai",
            day_first=True,
            currency="CNY",
            status_values={"已成交": "paid", "已退货": "refunded"},
            deleted_marker="(删除)",
            line_number_from="子单号",
        ),
    )


def test_columns_are_kept_in_contract_order() -> None:
    assert list(_full_mapping().columns) == ["order_id", "order_ts", "amount", "status"]


def test_dict_round_trip_is_json_able() -> None:
    mapping = _full_mapping()
    data = json.loads(json.dumps(mapping.to_dict(), ensure_ascii=False))
    assert ColumnMapping.from_dict(data) == mapping
    assert data["options"]["status_values"] == {"已成交": "paid", "已退货": "refunded"}


def test_yaml_round_trip(tmp_path: Path) -> None:
    mapping = _full_mapping()
    path = mapping.to_yaml(tmp_path / "我的映射.yaml")
    text = path.read_text(encoding="utf-8")
    assert "order_id: 单号" in text  # readable Chinese, not \u escapes
    assert load_mapping_file(path) == mapping
    headers = ["单号", "成交时间", "实收", "状态", "子单号", "其他"]
    assert resolve_mapping(path, headers, file="x.csv") == mapping
    assert resolve_mapping(str(path), headers, table="orders", file="x.csv") == mapping


def test_plain_mapping_file_without_table(tmp_path: Path) -> None:
    path = tmp_path / "shop.yml"
    path.write_text(
        "columns:\n  source_customer_id: 卡号\n  phone: 手机\noptions:\n  default_region: HK\n",
        encoding="utf-8",
    )
    mapping = load_mapping_file(path, table="customers")
    assert mapping.columns == {"source_customer_id": "卡号", "phone": "手机"}
    assert mapping.options.default_region == "HK"
    with pytest.raises(MappingError, match="does not say its table"):
        load_mapping_file(path)


def test_preset_format_mapping_file(tmp_path: Path) -> None:
    path = tmp_path / "crm.yaml"
    path.write_text(
        yaml.safe_dump(
            {
                "name": "crm",
                "table": "customers",
                "channel": "offline_store",
                "columns": {"source_customer_id": ["卡号", "会员号"], "name": "客户"},
                "options": {"timezone": "Asia/Hong_Kong"},
            },
            allow_unicode=True,
        ),
        encoding="utf-8",
    )
    headers = ["会员号", "客户", "积分"]
    mapping = load_mapping_file(path, headers=headers)
    assert mapping == ColumnMapping(
        "customers",
        {"source_customer_id": "会员号", "name": "客户"},
        preset="crm",
        channel="offline_store",
        options=MappingOptions(timezone="Asia/Hong_Kong"),
    )
    with pytest.raises(MappingError, match="needs the file's headers"):
        load_mapping_file(path)
    # alias-based: an ambiguous header row is refused, as for a preset
    with pytest.raises(MappingError, match="columns 3 and 4"):
        resolve_mapping(path, [*headers, "积分"], file="crm.csv")


def test_an_alias_under_two_columns_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(
        "table: orders\ncolumns:\n  order_ts: [日期]\n  paid_ts: [付款日期, ' 日 期 ']\n",
        encoding="utf-8",
    )
    with pytest.raises(MappingError, match="both order_ts and paid_ts"):
        load_mapping_file(path, headers=["日期"])


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("table: order\ncolumns: {order_id: a}\n", "not one of customers, orders"),
        ("table: orders\ncolumns: {order_no: a}\n", "'order_no' is not a column of the orders"),
        ("table: orders\ncolumns: {order_id: ''}\n", "should be a non-empty header"),
        ("table: orders\ncolumns: {order_id: a}\noptions: {tz: UTC}\n", "Unknown mapping option"),
        ("table: orders\ncolumns: {order_id: a}\noptions: {timezone: Mars/Base}\n", "IANA"),
        ("table: orders\ncolumns: {order_id: a}\noptions: {currency: rmb}\n", "ISO code"),
        (
            "table: orders\ncolumns: {order_id: a}\noptions: {status_values: {成交: done}}\n",
            "should be one of paid, pending, refunded, cancelled",
        ),
        ("table: orders\ncolumns: {order_id: a}\nchannel: Tmall\n", "lower-case"),
        ("table: orders\ncolums: {order_id: a}\n", "Unknown key"),
        ("table: orders\ncolumns: {order_id: a\n", r"m\.yaml, line \d: not valid YAML"),
        ("- order_id\n", "expected a mapping"),
    ],
)
def test_bad_mapping_files_are_explained(tmp_path: Path, text: str, match: str) -> None:
    path = tmp_path / "m.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(MappingError, match=match) as info:
        load_mapping_file(path)
    assert str(path) in str(info.value)


def test_missing_mapping_file_and_odd_specs(tmp_path: Path) -> None:
    with pytest.raises(MappingError, match="not found"):
        resolve_mapping(tmp_path / "nope.yaml", ["a"], table="orders", file="a.csv")
    with pytest.raises(MappingError, match="neither a known preset"):
        resolve_mapping("nope", ["a"], table="orders", file="a.csv")
    with pytest.raises(MappingError, match="not int"):
        resolve_mapping(3, ["a"], table="orders", file="a.csv")


def test_options_defaults_and_validation() -> None:
    options = MappingOptions()
    assert options.to_dict() == {
        "timezone": "Asia/Shanghai",
        "day_first": False,
        "default_region": "CN",
        "currency": None,
        "status_values": {},
        "cancel_prefix": None,
        "amount_from_quantity_and_unit_price": False,
        "deleted_marker": None,
        "line_number_from": None,
        "amount_is_placeholder": False,
        "time_format": None,
    }
    assert MappingOptions.from_dict(options.to_dict()) == options
    with pytest.raises(MappingError, match="day_first"):
        MappingOptions(day_first="yes")  # type: ignore[arg-type]
    with pytest.raises(MappingError, match="default_region"):
        MappingOptions(default_region="china")


def test_canonical_column_names_are_always_understood() -> None:
    mapping = resolve_mapping(
        "generic_en", ["order_id", "order_ts", "amount", "currency"], table="orders", file="a.csv"
    )
    assert mapping.columns["order_ts"] == "order_ts"


def test_a_malformed_email_in_a_header_is_not_echoed() -> None:
    with pytest.raises(MappingError) as info:
        resolve_mapping(None, ["13712345678", "alice@@example.com", "2024-01-05"], table="orders")
    assert "alice@@example.com" not in str(info.value)
    assert "13712345678" not in str(info.value)
