"""Mappings that take real exports as they come: row filters, constants, derived columns, Unix
epoch times, status maps and channel columns (issue 11).

Every file is hand-made and small; the counts and instants below are worked out by hand
(epoch 1704412800 is 2024-01-05 00:00:00 UTC: 2024-01-01 is 1704067200, plus 4 × 86,400).
The three real-export layouts (an Olist-like marketplace, a Taobao-UserBehavior-like log, an
Instacart-like grocery log) run end to end through the CLI.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import duckdb
import polars as pl
import pytest

from cimlab.cli import main
from cimlab.errors import MappingError
from cimlab.ingest.importer import check_file, filter_rule, import_file, validate_file
from cimlab.ingest.mapping import (
    ColumnMapping,
    MappingOptions,
    RowFilter,
    load_mapping_file,
    resolve_mapping,
)
from cimlab.ingest.parsing import parse_date, parse_datetime
from cimlab.workspace import SCHEMA_VERSION, Workspace

UTC = dt.UTC


def utc(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=UTC)


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def accounted(report: Any) -> bool:
    return report.rows_read == report.rows_loaded + report.rows_quarantined + report.rows_filtered


def run(capsys: pytest.CaptureFixture[str], *args: object) -> tuple[int, str, str]:
    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


# --------------------------------------------------------------------------- RowFilter


@pytest.mark.parametrize(
    ("text", "column", "op", "values", "canonical"),
    [
        ("behavior_type == buy", "behavior_type", "==", ("buy",), "behavior_type == buy"),
        ("behavior_type==buy", "behavior_type", "==", ("buy",), "behavior_type == buy"),
        ("status != canceled", "status", "!=", ("canceled",), "status != canceled"),
        ("note == on hold, late", "note", "==", ("on hold, late",), "note == on hold, late"),
        ('note == ""', "note", "==", ("",), 'note == ""'),
        (
            "status in [invoiced,shipped ,  approved]",
            "status",
            "in",
            ("invoiced", "shipped", "approved"),
            "status in [invoiced, shipped, approved]",
        ),
        ("status NOT IN [canceled]", "status", "not in", ("canceled",), "status not in [canceled]"),
        (
            "tag in ['a, b', \"c]\", 'it\\'s']",
            "tag",
            "in",
            ("a, b", "c]", "it's"),
            'tag in ["a, b", "c]", "it\'s"]',
        ),
        ("email not empty", "email", "not empty", (), "email not empty"),
        ("订单 状态 == 已付款", "订单 状态", "==", ("已付款",), "订单 状态 == 已付款"),
        ('"a == b" == c', "a == b", "==", ("c",), '"a == b" == c'),
        ('"x not empty" not empty', "x not empty", "not empty", (), "x not empty not empty"),
    ],
)
def test_row_filter_text_round_trips(
    text: str, column: str, op: str, values: tuple[str, ...], canonical: str
) -> None:
    rule = RowFilter.parse(text)
    assert (rule.column, rule.op, rule.values) == (column, op, values)
    assert str(rule) == canonical
    assert RowFilter.parse(str(rule)) == rule


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("behavior_type = buy", "no operator"),
        ("behavior_type", "no operator"),
        ("== buy", "no operator"),
        ("status == ", "no value after =="),
        ("status in invoiced", "no operator"),
        ("status in [invoiced", "brackets"),
        ("status in []", "at least one value"),
        ("status in [a,,b]", "empty value"),
        ('status == "paid', "never closed"),
        ('status == "paid" now', "unexpected text"),
    ],
)
def test_row_filter_errors_say_what_to_write(text: str, message: str) -> None:
    with pytest.raises(MappingError, match=message):
        RowFilter.parse(text)


def test_row_filter_checks_its_parts() -> None:
    with pytest.raises(MappingError, match="not a row-filter operator"):
        RowFilter("status", "~=", ("paid",))
    with pytest.raises(MappingError, match="takes one value"):
        RowFilter("status", "==", ("a", "b"))
    with pytest.raises(MappingError, match="takes no value"):
        RowFilter("status", "not empty", ("a",))
    with pytest.raises(MappingError, match="at least one value"):
        RowFilter("status", "in", ())


def test_filter_rules_compare_trimmed_raw_cells_exactly() -> None:
    cells = pl.DataFrame({"b": ["buy", "\u3000buy ", "Buy", "pv", None, "", "N/A"]})

    def keeps(text: str) -> list[bool]:
        return cells.select(filter_rule(RowFilter.parse(text), pl.col("b"))).to_series().to_list()

    assert keeps("b == buy") == [True, True, False, False, False, False, False]
    assert keeps("b != buy") == [False, False, True, True, True, True, True]
    assert keeps("b in [buy, pv]") == [True, True, False, True, False, False, False]
    assert keeps("b not in [buy, pv]") == [False, False, True, False, True, True, True]
    assert keeps('b == ""') == [False, False, False, False, True, True, False]
    assert keeps("b not empty") == [True, True, True, True, False, False, False]


# --------------------------------------------------------------------------- ColumnMapping


def test_constants_are_text_and_count_as_provided() -> None:
    m = ColumnMapping(
        "orders",
        {"order_ts": "时间"},
        constants={"quantity": 1, "amount": 1.5, "currency": " BRL ", "status": "paid"},
        derived={"order_id": "{user}-{时间}"},
    )
    assert m.constants == {"quantity": "1", "amount": "1.5", "currency": "BRL", "status": "paid"}
    assert m.missing_required() == []
    assert m.provided() == ["order_id", "order_ts", "quantity", "amount", "currency", "status"]
    consent = ColumnMapping(
        "customers", {"source_customer_id": "id"}, constants={"consent_sms": True}
    )
    assert consent.constants == {"consent_sms": "true"}


def test_a_canonical_column_has_exactly_one_source() -> None:
    with pytest.raises(MappingError, match="given in both columns and constants"):
        ColumnMapping("orders", {"currency": "币种"}, constants={"currency": "CNY"})
    with pytest.raises(MappingError, match="given in both constants and derived"):
        ColumnMapping("orders", {}, constants={"order_id": "1"}, derived={"order_id": "{a}"})
    with pytest.raises(MappingError, match="'colour' is not a column of the orders table"):
        ColumnMapping("orders", {}, constants={"colour": "red"})
    with pytest.raises(MappingError, match="not a column of the orders table that a file can give"):
        ColumnMapping("orders", {}, constants={"phone_is_masked": "true"})
    with pytest.raises(MappingError, match="one value"):
        ColumnMapping("orders", {}, constants={"currency": None})
    with pytest.raises(MappingError, match="one value"):
        ColumnMapping("orders", {}, constants={"currency": "  "})


@pytest.mark.parametrize(
    ("template", "message"),
    [
        ("{user_id}-{timestamp", "unmatched brace"),
        ("user_id}-{timestamp}", "unmatched brace"),
        ("{}-{timestamp}", "empty {}"),
        ("fixed text", "names no source column"),
        ("{{literal}}", "names no source column"),
    ],
)
def test_derived_templates_are_checked(template: str, message: str) -> None:
    with pytest.raises(MappingError, match=message):
        ColumnMapping("orders", {}, derived={"order_id": template})


def test_options_amount_is_placeholder_and_time_format() -> None:
    assert MappingOptions(time_format="epoch_s").time_format == "epoch_s"
    with pytest.raises(MappingError, match="time_format='epoch_us' should be one of"):
        MappingOptions(time_format="epoch_us")
    with pytest.raises(MappingError, match="amount_is_placeholder='yes' should be true or false"):
        MappingOptions(amount_is_placeholder="yes")  # type: ignore[arg-type]
    with pytest.raises(MappingError, match="amount_is_placeholder is an option of orders files"):
        ColumnMapping(
            "customers",
            {"source_customer_id": "id"},
            options=MappingOptions(amount_is_placeholder=True),
        )


TAOBAO_YAML = """\
table: orders
columns:
  source_customer_id: user_id
  order_ts: timestamp
  sku: item_id
  category: category_id
filters:
  - behavior_type == buy
constants:
  quantity: 1
  amount: 1
  currency: CNY
derived:
  order_id: "{user_id}-{timestamp}"
options:
  amount_is_placeholder: true
"""


def test_yaml_round_trip_with_filters_constants_and_derived(tmp_path: Path) -> None:
    m = load_mapping_file(write(tmp_path, "taobao.yaml", TAOBAO_YAML))
    assert m.filters == (RowFilter("behavior_type", "==", ("buy",)),)
    assert m.constants == {"quantity": "1", "amount": "1", "currency": "CNY"}
    assert m.derived == {"order_id": "{user_id}-{timestamp}"}
    assert m.options.amount_is_placeholder and m.missing_required() == []
    data = m.to_dict()
    assert list(data) == [
        "table",
        "columns",
        "filters",
        "constants",
        "derived",
        "preset",
        "channel",
        "options",
    ]
    assert data["filters"] == ["behavior_type == buy"]
    assert ColumnMapping.from_dict(json.loads(json.dumps(data))) == m
    assert load_mapping_file(m.to_yaml(tmp_path / "again.yaml")) == m
    # empty parts are absent: a mapping without them writes what it always wrote
    assert list(ColumnMapping("orders", {"order_id": "a"}).to_dict()) == [
        "table",
        "columns",
        "preset",
        "channel",
        "options",
    ]


def test_yaml_mistakes_are_named(tmp_path: Path) -> None:
    path = write(tmp_path, "m.yaml", "table: orders\ncolumns: {order_id: a}\nfilters: {a: b}\n")
    with pytest.raises(MappingError, match="filters should be a list of rules"):
        load_mapping_file(path)
    path = write(tmp_path, "m.yaml", "table: orders\ncolumns: {order_id: a}\nfilter: [a == b]\n")
    with pytest.raises(MappingError, match="Unknown key"):
        load_mapping_file(path)
    path = write(tmp_path, "m.yaml", "table: orders\nfilters:\n  - a = b\n")
    with pytest.raises(MappingError, match="no operator"):
        load_mapping_file(path)


def test_resolve_checks_filter_columns_and_template_headers_against_the_file() -> None:
    headers = [" user_id", "item_id", "behavior_type ", "timestamp"]
    spec = {
        "table": "orders",
        "columns": {"order_ts": "timestamp"},
        "filters": ["behavior_type == buy"],
        "constants": {"amount": "1", "currency": "CNY"},
        "derived": {"order_id": "{user_id}-{timestamp}"},
    }
    resolved = resolve_mapping(spec, headers, file="log.csv")
    assert resolved.filters[0].column == "behavior_type "  # named as the file writes it
    assert resolved.derived == {"order_id": "{ user_id}-{timestamp}"}

    with pytest.raises(MappingError) as missing:
        resolve_mapping({**spec, "filters": ["behaviour == buy"]}, headers, file="log.csv")
    text = str(missing.value)
    assert text.startswith(
        'log.csv: the mapping filters rows (behaviour == buy) on the column "beh'
    )
    assert 'Columns in the file: "user_id", "item_id", "behavior_type", "timestamp"' in text

    with pytest.raises(MappingError, match=r'builds order_id from the column "userid"'):
        resolve_mapping({**spec, "derived": {"order_id": "{userid}-{ts}"}}, headers, file="l.csv")
    with pytest.raises(MappingError, match="did you mean"):
        resolve_mapping({**spec, "derived": {"order_id": "{User-ID}"}}, headers, file="l.csv")


def test_a_constant_no_row_could_read_is_refused_before_reading(tmp_path: Path) -> None:
    path = write(tmp_path, "o.csv", "id,t\nA1,2024-01-05\n")
    base = {"table": "orders", "columns": {"order_id": "id", "order_ts": "t"}}
    with pytest.raises(MappingError, match="constants: currency='BRLX' cannot be read"):
        check_file(
            path, channel="shop", mapping={**base, "constants": {"amount": 1, "currency": "BRLX"}}
        )
    with pytest.raises(MappingError, match="constants: amount='one' cannot be read"):
        check_file(
            path,
            channel="shop",
            mapping={**base, "constants": {"amount": "one", "currency": "CNY"}},
        )


# --------------------------------------------------------------------------- epoch times


def instants(values: list[str], **options: Any) -> list[dt.datetime | None]:
    frame = pl.DataFrame({"x": values})
    return frame.select(parse_datetime(pl.col("x"), **options)).to_series().to_list()


def test_epoch_seconds_and_milliseconds_are_recognised_and_never_shifted() -> None:
    values = [
        "1704412800",
        "1704412800123",
        " 1704412799 ",
        "170441280",
        "17044128000",
        "1704412800.5",
    ]
    expected = [
        utc(2024, 1, 5),
        utc(2024, 1, 5, 0, 0, 0, 123_000),
        utc(2024, 1, 4, 23, 59, 59),
        None,  # 9 digits: no format
        None,  # 11 digits: no format
        None,  # decimals are epoch only when declared
    ]
    assert instants(values) == expected
    # a file's time zone applies to wall-clock times, never to an epoch instant
    assert instants(values, timezone="America/New_York") == expected
    # the formats that were read before still are
    assert instants(["20240105", "20240105083000", "45296.5", "2024-01-05 08:00"]) == [
        utc(2024, 1, 4, 16),
        utc(2024, 1, 5, 0, 30),
        utc(2024, 1, 5, 4),
        utc(2024, 1, 5),
    ]


def test_a_declared_epoch_format_reads_every_number() -> None:
    values = ["1704412800", "86400.5", "-86400", "20240105", "0", "2024-01-05 08:00", "1e9"]
    assert instants(values, time_format="epoch_s") == [
        utc(2024, 1, 5),
        utc(1970, 1, 2, 0, 0, 0, 500_000),
        utc(1969, 12, 31),
        utc(1970, 8, 23, 6, 15, 5),  # 20,240,105 s = 234 days 6 h 15 min 5 s
        utc(1970, 1, 1),
        utc(2024, 1, 5),  # not a number: read as usual
        None,
    ]
    assert instants(
        ["1500", "1704412800", "1.5", "999999999999999999"], time_format="epoch_ms"
    ) == [
        utc(1970, 1, 1, 0, 0, 1, 500_000),
        utc(1970, 1, 20, 17, 26, 52, 800_000),  # 1,704,412.8 s
        utc(1970, 1, 1, 0, 0, 0, 1_500),
        None,  # past the year 9999
    ]
    dates = pl.DataFrame({"x": ["1704412799", "1704412800000", "86400"]})
    assert dates.select(parse_date(pl.col("x"))).to_series().to_list() == [
        dt.date(2024, 1, 4),
        dt.date(2024, 1, 5),
        None,
    ]
    assert dates.select(parse_date(pl.col("x"), time_format="epoch_s")).to_series().to_list()[
        2
    ] == (dt.date(1970, 1, 2))


def test_epoch_times_through_an_import_are_stored_as_utc(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "o.csv",
        "id,t,amount,currency\nA1,1704412800,1,CNY\nA2,1704412800123,1,CNY\nA3,170441280,1,CNY\n",
    )
    mapping = {
        "table": "orders",
        "columns": {"order_id": "id", "order_ts": "t", "amount": "amount", "currency": "currency"},
        "options": {"timezone": "America/Sao_Paulo"},
    }
    report = check_file(path, channel="shop", mapping=mapping)
    assert report.valid["order_ts"].to_list() == [
        utc(2024, 1, 5),
        utc(2024, 1, 5, 0, 0, 0, 123_000),
    ]
    assert report.quarantine.select("line", "column", "value").rows() == [(4, "t", "170441280")]
    declared = {**mapping, "options": {"time_format": "epoch_s"}}
    report = check_file(path, channel="shop", mapping=declared)
    # 170,441,280 s = 1,972 days (to 1975-05-27) and 16 h 48 min; 13 digits of seconds are
    # past the year 9999
    assert report.valid.select("order_id", "order_ts").rows() == [
        ("A1", utc(2024, 1, 5)),
        ("A3", utc(1975, 5, 27, 16, 48)),
    ]
    assert report.quarantine.select("line", "value").rows() == [(3, "1704412800123")]


# --------------------------------------------------------------------------- filters in an import

OLIST_HEADER = (
    "order_id,order_item_id,customer_unique_id,order_status,order_purchase_timestamp,"
    "product_id,product_category_name,price,freight_value\n"
)
OLIST_ROWS = [
    "o1,1,c1,delivered,2017-10-02 10:56:33,p1,utilidades_domesticas,29.99,8.72",  # 2
    "o1,2,c1,delivered,2017-10-02 10:56:33,p2,utilidades_domesticas,19.90,8.72",  # 3
    "o2,1,c2,invoiced,2018-07-24 20:41:37,p3,perfumaria,118.70,22.76",  # 4 status map
    "o3,1,c3,shipped,2018-08-08 08:38:49,p4,automotivo,159.90,19.22",  # 5
    "o4,1,c4,approved,2018-02-13 21:18:39,p5,pet_shop,45.00,27.20",  # 6 status map
    "o5,1,c5,canceled,2018-02-10 10:00:00,p6,pet_shop,10.00,5.00",  # 7
    "o6,1,c6,unavailable,2017-11-16 15:09:28,p7,,99.00,10.00",  # 8 status map
    "o7,1,c7,lost in space,2018-01-01 09:00:00,p8,,5.00,1.00",  # 9 unknown status
]
OLIST_YAML = """\
table: orders
columns:
  order_id: order_id
  line_number: order_item_id
  source_customer_id: customer_unique_id
  status: order_status
  order_ts: order_purchase_timestamp
  sku: product_id
  category: product_category_name
  amount: price
constants:
  currency: BRL
options:
  timezone: America/Sao_Paulo
  status_values:
    invoiced: paid
    approved: paid
    processing: paid
    created: pending
    unavailable: cancelled
"""


def olist_mapping(**extra: Any) -> dict[str, Any]:
    import yaml

    return {**yaml.safe_load(OLIST_YAML), **extra}


def test_a_filter_never_hides_a_broken_row(tmp_path: Path) -> None:
    path = write(tmp_path, "olist.csv", OLIST_HEADER + "\n".join(OLIST_ROWS) + "\n")
    rule = "order_status in [delivered, shipped, invoiced, approved]"
    report = check_file(path, channel="olist", mapping=olist_mapping(filters=[rule]))
    # canceled (7) and unavailable (8) are readable statuses: filtered; "lost in space" (9)
    # is dropped by the rule too, but cannot be read: quarantined, with the status reason
    assert (report.rows_read, report.rows_loaded, report.rows_quarantined) == (8, 5, 1)
    assert (report.rows_filtered, report.rows_filtered_by_rule) == (2, {rule: 2})
    assert report.quarantine.select("line", "column", "value").rows() == [
        (9, "order_status", "lost in space")
    ]
    assert report.quarantine["reason"][0].startswith("not an order status we know")
    assert accounted(report)


def test_rows_count_under_the_first_rule_they_fail(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "log.csv",
        "user,kind,t\n"
        "1,buy,1704412800\n"  # kept
        "2,pv,1704412801\n"  # rule 1
        ",pv,1704412802\n"  # rule 1 (and rule 2)
        ",buy,1704412803\n"  # rule 2
        "N/A,buy,1704412804\n"  # rule 2: N/A is no value
        "3,buy,1704412805\n",  # kept
    )
    mapping = {
        "table": "interactions",
        "columns": {"source_customer_id": "user", "ts": "t"},
        "constants": {"type": "purchase"},
        "filters": ["kind == buy", "user not empty", "kind != never"],
    }
    report = check_file(path, channel="app", mapping=mapping)
    assert (report.rows_read, report.rows_loaded, report.rows_quarantined) == (6, 2, 0)
    assert report.rows_filtered_by_rule == {
        "kind == buy": 2,
        "user not empty": 2,
        "kind != never": 0,
    }
    assert report.valid["source_line"].to_list() == [2, 7]
    summary = report.summary()
    assert (summary["rows_filtered"], summary["rows_filtered_by_rule"]) == (
        4,
        report.rows_filtered_by_rule,
    )


def test_filtered_rows_are_not_checked_and_reader_rejects_stay_quarantined(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "log.csv",
        "user,kind,t,amount\n"
        "1,buy,1704412800,9\n"  # 2 kept
        "2,pv,garbage,not money\n"  # 3 filtered: its unreadable cells are never looked at
        "3,pv,1704412801\n"  # 4 one field short: rejected by the reader, whatever its kind
        "4,buy,soon,9\n",  # 5 kept and quarantined
    )
    mapping = {
        "table": "orders",
        "columns": {"source_customer_id": "user", "order_ts": "t", "amount": "amount"},
        "constants": {"currency": "CNY"},
        "derived": {"order_id": "{user}-{t}"},
        "filters": ["kind == buy"],
    }
    report = check_file(path, channel="shop", mapping=mapping)
    assert (
        report.rows_read,
        report.rows_loaded,
        report.rows_quarantined,
        report.rows_filtered,
    ) == (
        4,
        1,
        2,
        1,
    )
    assert sorted(set(report.quarantine["line"].to_list())) == [4, 5]


def test_a_row_the_rules_remove_never_loads(tmp_path: Path) -> None:
    # "weird" cannot be read as a status, so the row is kept to be quarantined; but its order
    # id marks a cancellation, which makes the status readable after all: it stays filtered
    path = write(
        tmp_path,
        "o.csv",
        "id,t,amount,currency,status\nA1,2024-01-05,9,GBP,paid\nC2,2024-01-05,-9,GBP,weird\n",
    )
    mapping = {
        "table": "orders",
        "columns": {
            "order_id": "id",
            "order_ts": "t",
            "amount": "amount",
            "currency": "currency",
            "status": "status",
        },
        "filters": ["status == paid"],
        "options": {"cancel_prefix": "C"},
    }
    report = check_file(path, channel="shop", mapping=mapping)
    assert (report.rows_loaded, report.rows_quarantined, report.rows_filtered) == (1, 0, 1)
    assert report.valid["order_id"].to_list() == ["A1"]


def test_composite_ids_constants_and_a_missing_part(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "log.csv",
        "user,t,sku\n7,1704412800,s1\n7,1704412800,s2\n8,,s3\n,1704412801,s4\n9,1704412802,s5\n",
    )
    mapping = {
        "table": "orders",
        "columns": {"source_customer_id": "user", "order_ts": "t", "sku": "sku"},
        "constants": {"quantity": "1", "amount": "1", "currency": "CNY"},
        "derived": {"order_id": "{{{user}}}#{t}"},
        "options": {"amount_is_placeholder": True},
    }
    report = check_file(path, channel="taobao", mapping=mapping)
    valid = report.valid.sort("source_line")
    assert valid.select("order_id", "line_number", "quantity", "amount", "currency").rows() == [
        ("{7}#1704412800", 1, 1.0, 1.0, "CNY"),
        ("{7}#1704412800", 2, 1.0, 1.0, "CNY"),
        ("{9}#1704412802", 1, 1.0, 1.0, "CNY"),
    ]
    # a part is empty: no half-built id, the row is quarantined as missing its order id
    assert report.quarantine.filter(pl.col("column") == "order_id")["line"].to_list() == [4, 5]
    assert set(report.quarantine["reason"]) == {"a value is required here"}
    assert report.mapping.to_dict()["options"]["amount_is_placeholder"] is True


# --------------------------------------------------------------------------- channel column

TWO_CHANNELS = (
    "order_id,渠道,date,amount,currency\n"
    "A1,tmall,2024-01-05,10,CNY\n"  # 2
    "A1,JD,2024-01-05,11,CNY\n"  # 3 the same order id in another channel: not a repeat
    "A2,,2024-01-06,12,CNY\n"  # 4 empty: --channel fills it
    "A3,天猫,2024-01-06,13,CNY\n"  # 5 not a channel token
    "A4, Online Shop ,2024-01-07,14,CNY\n"  # 6 normalised to online_shop
)
CHANNEL_MAPPING = {
    "table": "orders",
    "columns": {
        "order_id": "order_id",
        "channel": "渠道",
        "order_ts": "date",
        "amount": "amount",
        "currency": "currency",
    },
}


def test_a_channel_column_gives_each_row_its_channel(tmp_path: Path) -> None:
    path = write(tmp_path, "two.csv", TWO_CHANNELS)
    report = check_file(path, mapping=CHANNEL_MAPPING, channel="wechat")
    assert report.valid.select("source_line", "channel", "order_id", "line_number").rows() == [
        (2, "tmall", "A1", 1),
        (3, "jd", "A1", 1),
        (4, "wechat", "A2", 1),
        (6, "online_shop", "A4", 1),
    ]
    assert report.quarantine.select("line", "column", "value").rows() == [(5, "渠道", "天猫")]
    assert report.quarantine["reason"][0].startswith("not a channel name")
    assert report.channel == "jd+online_shop+tmall+wechat"

    alone = check_file(path, mapping=CHANNEL_MAPPING)  # no --channel: the empty cell is a problem
    assert alone.quarantine.select("line", "column").rows() == [(4, "渠道"), (5, "渠道")]
    assert alone.quarantine["reason"][0].startswith("no channel: the cell is empty")
    assert alone.channel == "jd+online_shop+tmall"


def test_without_channel_column_or_option_the_error_names_both_fixes(tmp_path: Path) -> None:
    path = write(tmp_path, "o.csv", "order_id,date,amount,currency\nA1,2024-01-05,1,CNY\n")
    with pytest.raises(MappingError) as error:
        check_file(path, table="orders", mapping="generic_en")
    assert "--channel NAME" in str(error.value)
    assert "`columns: {channel: <header>}`" in str(error.value)


def test_a_multi_channel_file_is_one_batch_and_recognised_again(tmp_path: Path) -> None:
    path = write(tmp_path, "two.csv", TWO_CHANNELS)
    ws = Workspace.open(tmp_path / "ws")
    first = import_file(ws, path, mapping=CHANNEL_MAPPING, chunk_bytes=60)
    assert (first.rows_loaded, first.rows_quarantined, first.batch.already_imported) == (
        3,
        2,
        False,
    )
    assert ws.batches()["channel"].to_list() == ["jd+online_shop+tmall"]
    assert ws.counts().filter(pl.col("table") == "orders")["channel"].to_list() == [
        "jd",
        "online_shop",
        "tmall",
    ]
    again = import_file(ws, path, mapping=CHANNEL_MAPPING)
    assert (again.batch.already_imported, again.batch.batch_id) == (True, first.batch.batch_id)
    # with --channel the empty cell gets a channel: other rows, so another batch
    filled = import_file(ws, path, mapping=CHANNEL_MAPPING, channel="wechat")
    assert not filled.batch.already_imported
    assert (filled.rows_loaded, filled.batch.rows_duplicate) == (1, 3)
    assert ws.batches()["channel"].to_list() == [
        "jd+online_shop+tmall+wechat",
        "jd+online_shop+tmall",
    ]


# --------------------------------------------------------------------------- workspace


def _downgrade_to_version_1(db: Path) -> None:
    """Make a workspace look as cimlab schema version 1 wrote it (no batches.rows_filtered)."""
    con = duckdb.connect(str(db))
    try:
        con.execute("ALTER TABLE batches DROP COLUMN rows_filtered")
        con.execute("UPDATE meta SET value = '1' WHERE key = 'schema_version'")
        con.execute("CHECKPOINT")
    finally:
        con.close()


def test_an_old_workspace_gets_rows_filtered_when_opened(tmp_path: Path) -> None:
    path = write(tmp_path, "o.csv", "order_id,order_date,amount,currency\nA1,2024-01-05,9,CNY\n")
    ws = Workspace.open(tmp_path / "ws")
    import_file(ws, path, table="orders", channel="shop", mapping="generic_en")
    _downgrade_to_version_1(ws.db_path)
    old = duckdb.connect(str(ws.db_path), read_only=True)
    assert "rows_filtered" not in [c[0] for c in old.execute("DESCRIBE batches").fetchall()]
    old.close()
    backup = tmp_path / "old-backup.duckdb"
    backup.write_bytes(ws.db_path.read_bytes())  # an old backup: no checksum file beside it

    upgraded = Workspace.open(ws.path, create=False)
    assert upgraded.info()["schema_version"] == SCHEMA_VERSION == 3
    assert upgraded.batches().select("rows_read", "rows_loaded", "rows_filtered").rows() == [
        (1, 1, 0)
    ]
    assert upgraded.check().ok
    meta = dict(
        duckdb.connect(str(ws.db_path), read_only=True).execute("SELECT * FROM meta").fetchall()
    )
    assert meta["schema_version"] == str(SCHEMA_VERSION)
    # and takes a filtered import afterwards
    log = write(tmp_path, "log.csv", "id,kind,t\nB1,buy,1704412800\nB2,pv,1704412801\n")
    mapping = {
        "table": "orders",
        "columns": {"order_id": "id", "order_ts": "t"},
        "constants": {"amount": 1, "currency": "CNY"},
        "filters": ["kind == buy"],
    }
    result = import_file(upgraded, log, channel="shop", mapping=mapping)
    assert (result.rows_read, result.rows_loaded, result.rows_filtered) == (2, 1, 1)
    assert upgraded.batches()["rows_filtered"].to_list() == [1, 0]

    restored = Workspace.restore(backup, tmp_path / "restored")
    assert restored.batches()["rows_filtered"].to_list() == [0]
    assert restored.check().ok


def test_the_integrity_check_adds_up_every_batch(tmp_path: Path) -> None:
    log = write(tmp_path, "log.csv", "id,kind,t\nB1,buy,1704412800\nB2,pv,1704412801\n")
    mapping = {
        "table": "orders",
        "columns": {"order_id": "id", "order_ts": "t"},
        "constants": {"amount": 1, "currency": "CNY"},
        "filters": ["kind == buy"],
    }
    ws = Workspace.open(tmp_path / "ws")
    import_file(ws, log, channel="shop", mapping=mapping)
    assert ws.check().ok
    con = duckdb.connect(str(ws.db_path))
    con.execute("UPDATE batches SET rows_filtered = 0")
    con.close()
    report = ws.check()
    assert not report.ok
    assert "the counts of batch(es) 1 do not add up" in report.problems[0]


def test_a_batch_must_account_for_every_row(tmp_path: Path) -> None:
    path = write(tmp_path, "log.csv", "id,kind,t\nB1,buy,1704412800\nB2,pv,1704412801\n")
    mapping = {
        "table": "orders",
        "columns": {"order_id": "id", "order_ts": "t"},
        "constants": {"amount": 1, "currency": "CNY"},
        "filters": ["kind == buy"],
    }
    report = check_file(path, channel="shop", mapping=mapping)
    ws = Workspace.open(tmp_path / "ws")
    from cimlab.errors import WorkspaceError

    with pytest.raises(WorkspaceError, match="0 filtered"):
        ws.import_batch(
            table="orders",
            channel="shop",
            file_name="log.csv",
            content_hash="a" * 64,
            encoding="utf-8",
            format="csv",
            mapping={},
            rows_read=report.rows_read,
            valid=report.valid,
            quarantine=report.quarantine,
            imported_at=utc(2024, 2, 1),
            user_name=None,
        )
    assert ws.batches().is_empty()


# --------------------------------------------------------------------------- CLI, end to end

TAOBAO_ROWS = (
    "user_id,item_id,category_id,behavior_type,timestamp\n"
    "1,2268318,2520377,pv,1511544070\n"  # 2 filtered
    "1,2333346,2520771,buy,1511561733\n"  # 3 2017-11-24 22:15:33 UTC
    "1,2576651,149192,cart,1511572885\n"  # 4 filtered
    "2,3830808,4181361,buy,1511593493\n"  # 5 2017-11-25 07:04:53 UTC
    "2,4365585,2520377,buy,1511596146\n"  # 6 2017-11-25 07:49:06 UTC, order 2-1511596146 line 1
    "3,4606018,2735466,fav,1511616481\n"  # 7 filtered
    "3,230380,411153,buy,15115x\n"  # 8 unreadable time: quarantined
    "2,4365586,2520377,buy,1511596146\n"  # 9 the same order (same user, same second): line 2
)
INSTACART_ROWS = (
    "order_id,user_id,order_time,product_id,product_name,aisle,department,add_to_cart_order,"
    "reordered\n"
    "2539329,1,1483228800000,196,Soda,soft drinks,beverages,1,0\n"  # 2017-01-01 00:00 UTC
    "2539329,1,1483228800000,14084,Organic Vanilla Almond Milk,soy lactosefree,dairy eggs,2,0\n"
    "2398795,1,1484179200000,196,Soda,soft drinks,beverages,1,1\n"  # 2017-01-12 00:00 UTC
    "2398795,1,1484179200000,10258,Pistachios,nuts seeds dried fruit,snacks,2,0\n"
)
INSTACART_YAML = """\
table: orders
columns:
  order_id: order_id
  source_customer_id: user_id
  order_ts: order_time
  sku: product_id
  product_name: product_name
  category: department
  line_number: add_to_cart_order
constants:
  quantity: 1
  amount: 1
  currency: USD
options:
  amount_is_placeholder: true
"""


def test_the_three_real_export_layouts_import_through_the_cli(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ws = tmp_path / "ws"
    olist = write(tmp_path, "olist_order_lines.csv", OLIST_HEADER + "\n".join(OLIST_ROWS) + "\n")
    taobao = write(tmp_path, "UserBehavior.csv", TAOBAO_ROWS)
    instacart = write(tmp_path, "instacart.csv", INSTACART_ROWS)
    maps = {
        "olist": write(tmp_path, "olist.yaml", OLIST_YAML),
        "taobao": write(tmp_path, "taobao.yaml", TAOBAO_YAML),
        "instacart": write(tmp_path, "instacart.yaml", INSTACART_YAML),
    }

    code, out, err = run(
        capsys,
        "import",
        olist,
        "--workspace",
        ws,
        "--mapping",
        maps["olist"],
        "--channel",
        "olist",
        "--json",
    )
    result = json.loads(out)
    assert (code, err.count("\n")) == (1, 0)  # the unknown status is quarantined
    assert {
        k: result[k] for k in ("rows_read", "rows_loaded", "rows_quarantined", "rows_filtered")
    } == {
        "rows_read": 8,
        "rows_loaded": 7,
        "rows_quarantined": 1,
        "rows_filtered": 0,
    }
    assert result["files"][0]["rows_filtered_by_rule"] == {}

    code, out, _ = run(
        capsys,
        "import",
        taobao,
        "--workspace",
        ws,
        "--mapping",
        maps["taobao"],
        "--channel",
        "taobao",
        "--json",
    )
    file = json.loads(out)["files"][0]
    assert code == 1
    assert (
        file["rows_read"],
        file["rows_loaded"],
        file["rows_quarantined"],
        file["rows_filtered"],
    ) == (
        8,
        4,
        1,
        3,
    )
    assert file["rows_filtered_by_rule"] == {"behavior_type == buy": 3}
    assert file["problems"][0]["line"] == 8 and file["problems"][0]["column"] == "timestamp"

    code, out, _ = run(
        capsys,
        "import",
        instacart,
        "--workspace",
        ws,
        "--mapping",
        maps["instacart"],
        "--channel",
        "instacart",
    )
    assert code == 0
    assert "4 rows read: 4 loaded, 0 quarantined" in out and "filtered" not in out

    workspace = Workspace.open(ws, create=False)
    orders = workspace.table("orders")
    by_channel = orders.group_by("channel").len().sort("channel").rows()
    assert by_channel == [("instacart", 4), ("olist", 7), ("taobao", 4)]

    brl = orders.filter(pl.col("channel") == "olist").sort("source_line")
    assert set(brl["currency"]) == {"BRL"}
    assert brl["status"].to_list() == ["paid"] * 5 + ["cancelled"] * 2
    assert brl["order_ts"][0] == utc(2017, 10, 2, 13, 56, 33)  # 10:56:33 in São Paulo (UTC-3)
    assert brl["amount"].to_list()[:2] == [29.99, 19.90]

    buys = orders.filter(pl.col("channel") == "taobao").sort("source_line")
    assert buys.select("order_id", "line_number", "order_ts", "amount", "quantity").rows() == [
        ("1-1511561733", 1, utc(2017, 11, 24, 22, 15, 33), 1.0, 1.0),
        ("2-1511593493", 1, utc(2017, 11, 25, 7, 4, 53), 1.0, 1.0),
        ("2-1511596146", 1, utc(2017, 11, 25, 7, 49, 6), 1.0, 1.0),
        ("2-1511596146", 2, utc(2017, 11, 25, 7, 49, 6), 1.0, 1.0),
    ]

    grocery = orders.filter(pl.col("channel") == "instacart").sort("source_line")
    assert grocery["order_ts"].to_list() == [utc(2017, 1, 1)] * 2 + [utc(2017, 1, 12)] * 2
    assert grocery["line_number"].to_list() == [1, 2, 1, 2]

    history = workspace.batches().sort("batch_id")
    assert history.select(
        "channel", "rows_read", "rows_loaded", "rows_quarantined", "rows_filtered"
    ).rows() == [
        ("olist", 8, 7, 1, 0),
        ("taobao", 8, 4, 1, 3),
        ("instacart", 4, 4, 0, 0),
    ]
    placeholder = [json.loads(m)["options"]["amount_is_placeholder"] for m in history["mapping"]]
    assert placeholder == [False, True, True]

    code, out, _ = run(capsys, "workspace", "history", "--workspace", ws)
    assert out.splitlines()[0].split()[-2:] == ["filtered", "file"]
    assert out.splitlines()[2].split()[-2:] == ["3", "UserBehavior.csv"]


def test_validate_json_and_text_carry_rows_filtered(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    log = write(
        tmp_path, "log.csv", "id,kind,t\nB1,buy,1704412800\nB2,pv,1704412801\nB3,cart,1704412802\n"
    )
    mapping = write(
        tmp_path,
        "m.yaml",
        "table: orders\ncolumns: {order_id: id, order_ts: t}\n"
        "constants: {amount: 1, currency: CNY}\nfilters: [kind == buy]\n",
    )
    code, out, err = run(
        capsys, "validate", log, "--mapping", mapping, "--channel", "shop", "--json"
    )
    result = json.loads(out)
    assert (code, err) == (0, "")  # filtered rows are not quarantined: exit 0
    assert (
        result["rows_read"],
        result["rows_loaded"],
        result["rows_quarantined"],
        result["rows_filtered"],
    ) == (
        3,
        1,
        0,
        2,
    )
    assert result["files"][0]["rows_filtered_by_rule"] == {"kind == buy": 2}
    code, out, _ = run(capsys, "validate", log, "--mapping", mapping, "--channel", "shop")
    assert code == 0
    assert (
        "3 rows read: 1 would load, 0 would be quarantined, 2 filtered out (kind == buy: 2)" in out
    )


def test_the_cli_takes_the_channel_from_a_mapped_column(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(tmp_path, "two.csv", TWO_CHANNELS.replace("天猫", "tmall"))
    mapping = tmp_path / "two.yaml"
    mapping.write_text(json.dumps(CHANNEL_MAPPING, ensure_ascii=False), encoding="utf-8")
    code, out, err = run(
        capsys, "import", path, "--workspace", tmp_path / "ws", "--mapping", mapping, "--json"
    )
    assert code == 1  # line 4 has no channel and there is no --channel
    file = json.loads(out)["files"][0]
    assert file["channel"] == "jd+online_shop+tmall"
    assert (file["rows_loaded"], file["rows_quarantined"]) == (4, 1)
    code, out, err = run(
        capsys, "validate", path, "--mapping", mapping, "--channel", "wechat", "--json"
    )
    assert code == 0 and json.loads(out)["files"][0]["channel"] == "jd+online_shop+tmall+wechat"
    plain = write(
        tmp_path, "plain.csv", "order_id,order_date,amount,currency\nA1,2024-01-05,1,CNY\n"
    )
    code, out, err = run(capsys, "validate", plain, "--table", "orders", "--mapping", "generic_en")
    assert code == 2 and "--channel NAME" in err and "channel column" in err


def test_validate_in_chunks_counts_filters_like_the_whole_file(tmp_path: Path) -> None:
    rows = "".join(
        f"{i},{'buy' if i % 4 == 0 else 'pv'},{1_704_412_800 + i}\n" for i in range(1, 200)
    )
    path = write(tmp_path, "log.csv", "user,kind,t\n" + rows)
    mapping = {
        "table": "orders",
        "columns": {"source_customer_id": "user", "order_ts": "t"},
        "derived": {"order_id": "{user}-{t}"},
        "constants": {"amount": 1, "currency": "CNY"},
        "filters": ["kind == buy"],
    }
    whole = check_file(path, channel="shop", mapping=mapping)
    part = validate_file(path, channel="shop", mapping=mapping, chunk_bytes=256)
    assert (whole.rows_loaded, whole.rows_filtered) == (49, 150)
    assert (part.rows_read, part.rows_loaded, part.rows_quarantined, part.rows_filtered) == (
        199,
        49,
        0,
        150,
    )
    assert part.rows_filtered_by_rule == {"kind == buy": 150}
