"""Money never mixes currencies: reporting currency, rates, exact conversion (hand-computed)."""

from __future__ import annotations

import datetime as dt
import random
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from cimlab import money
from cimlab.analytics.facts import customer_data, money_note
from cimlab.errors import DataFileError, MissingRatesError, UnknownCurrencyError
from cimlab.identity import resolve
from cimlab.ingest.importer import check_bytes, store_report
from cimlab.lines import money_sum
from cimlab.workspace import Workspace

WHEN = dt.datetime(2024, 6, 1, tzinfo=dt.UTC)
UTC = dt.UTC

# Times without a zone are China time (the import default, UTC+8).
CNY_ORDERS = (
    "order_id,customer_id,order_ts,amount,currency,status\n"
    "A1,c1,2024-01-10 10:00,100,CNY,paid\n"
    "A2,c2,2024-02-01 10:00,50,CNY,paid\n"
)
BRL_ORDERS = (
    "order_id,customer_id,order_ts,amount,currency,status\n"
    "B1,c1,2024-02-29 10:00,10,BRL,paid\n"  # the day before the new rate: 1.40
    "B2,c3,2024-03-01 10:00,20,BRL,paid\n"  # on the new rate's valid_from: 1.45
    "B3,c3,2024-03-02 10:00,-5,BRL,refunded\n"  # a credit note: -5 × 1.45
    "B4,c3,2024-03-01 07:00,4,BRL,pending\n"  # 2024-02-29 23:00 UTC: a day boundary
)
RATES = pl.DataFrame(
    {
        "currency": ["BRL", "BRL"],
        "rate": [1.40, 1.45],
        "valid_from": [dt.date(2024, 1, 1), dt.date(2024, 3, 1)],
    }
)


def _orders(ws: Workspace, text: str, *, channel: str, placeholder: bool = False) -> None:
    headers = text.split("\n", 1)[0].split(",")
    columns = {("source_customer_id" if h == "customer_id" else h): h for h in headers}
    mapping: dict[str, object] = {"table": "orders", "columns": columns}
    if placeholder:
        mapping["options"] = {"amount_is_placeholder": True}
    report = check_bytes(
        text.encode(), name=f"{channel}.csv", table="orders", channel=channel, mapping=mapping
    )
    assert report.rows_quarantined == 0
    store_report(ws, report, at=WHEN, user="test")


@pytest.fixture
def two(tmp_path: Path) -> Workspace:
    """CNY orders (value 150) and BRL orders (value 30), identities resolved."""
    ws = Workspace.open(tmp_path / "two")
    _orders(ws, CNY_ORDERS, channel="shop")
    _orders(ws, BRL_ORDERS, channel="brshop")
    resolve(ws, at=WHEN)
    return ws


def _by_order(frame: pl.DataFrame, column: str = "amount") -> dict[str, float]:
    return dict(zip(frame["order_id"], frame[column], strict=True))


# ------------------------------------------------------------------------- reporting currency


def test_reporting_currency_is_the_one_of_most_paid_value_unless_set(tmp_path: Path) -> None:
    ws = Workspace.open(tmp_path / "ws")
    assert money.reporting_currency(ws) == money.CurrencyChoice(None, "none")
    # BRL has more lines, but CNY more paid value; refunded and pending lines carry no value
    _orders(ws, CNY_ORDERS, channel="shop")
    _orders(ws, BRL_ORDERS, channel="brshop")
    totals = money.order_currencies(ws)
    assert totals.rows() == [("CNY", 2, 150.0), ("BRL", 4, 30.0)]
    assert_frame_equal(totals, money.currency_totals(ws.table("orders")))
    assert money.reporting_currency(ws) == ("CNY", "orders")
    assert money.set_reporting_currency(ws, "brl") == ("BRL", "setting")
    assert money.reporting_currency(ws) == ("BRL", "setting")
    assert money.set_reporting_currency(ws, None) == ("CNY", "orders")
    with pytest.raises(ValueError, match="three-letter ISO 4217"):
        money.set_reporting_currency(ws, "R$")


def test_equal_value_is_decided_by_the_code(tmp_path: Path) -> None:
    ws = Workspace.open(tmp_path / "ws")
    _orders(ws, "order_id,customer_id,order_ts,amount,currency,status\n"
                "X,c1,2024-01-01 10:00,10,USD,paid\nY,c1,2024-01-01 10:00,10,EUR,paid\n",
            channel="shop")  # fmt: skip
    assert money.reporting_currency(ws) == ("EUR", "orders")


# ------------------------------------------------------------------------------ rates CSV


def _csv(tmp_path: Path, text: str, name: str = "rates.csv") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode("utf-8"))
    return path


def test_read_rates_csv_reads_a_clean_file(tmp_path: Path) -> None:
    path = _csv(tmp_path, "\ufeffcurrency,rate,valid_from\nbrl,1.45,2024-03-01\n\n"
                          " BRL , 1.4 ,2024-01-01\nUSD,7.1e0,2024-01-01\n")  # fmt: skip
    frame = money.read_rates_csv(path)
    assert frame.schema == pl.Schema(money.RATES_SCHEMA)
    assert frame.rows() == [
        ("BRL", 1.4, dt.date(2024, 1, 1)),
        ("BRL", 1.45, dt.date(2024, 3, 1)),
        ("USD", 7.1, dt.date(2024, 1, 1)),
    ]


def test_read_rates_csv_names_every_bad_cell_with_its_fix(tmp_path: Path) -> None:
    path = _csv(
        tmp_path,
        "currency,rate,valid_from\n"
        "BRL,abc,2024-02-01\n"  # line 2
        "CNY,1,2024-01-01\n"  # line 3: the reporting currency
        "usd,0,2024/01/01\n"  # line 4: a rate of 0 and a date with slashes
        "BRL,1.2,2024-02-30\n"  # line 5: no such day
        "EUR,nan,2024-01-01\n"  # line 6
        "BRL,1.3,2024-01-01\n"  # line 7
        "BRL,1.31,2024-01-01\n"  # line 8: a second rate for the same day
        "R$,1.3,2024-01-01,x\n",  # line 9: four cells
    )
    with pytest.raises(DataFileError) as caught:
        money.read_rates_csv(path, reporting="CNY")
    text = str(caught.value)
    assert text.startswith("rates.csv: 8 problems: line 2, column rate: 'abc' is not a number")
    assert "line 3, column currency: 'CNY' is the reporting currency; it needs no rate" in text
    assert "line 4, column rate: '0' is not a rate above 0" in text
    assert "line 4, column valid_from: '2024/01/01' is not a date; write it as YYYY-MM-DD" in text
    assert "line 5, column valid_from: '2024-02-30' is not a date" in text
    assert "line 6, column rate: 'nan' is not a number" in text
    assert "line 8, column valid_from: a second rate for BRL from 2024-01-01 (the first is on " \
        "line 7); keep one of the two lines" in text  # fmt: skip
    assert "line 9, 4 cells; write 3" in text
    assert caught.value.file == "rates.csv"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("currency;rate;valid_from\nUSD;7;2024-01-01\n", "line 1: the header is "),
        ("currency,rate\nUSD,7\n", "write exactly currency,rate,valid_from"),
        ("currency,rate,valid_from\n", "no rates below the header"),
        ("", "the file is empty"),
        (
            "currency,rate,valid_from\nUSD,-7,2024-01-01\n",
            "line 2: column rate: '-7' is not a rate above 0",
        ),
    ],
)
def test_read_rates_csv_refuses_files_it_cannot_trust(
    tmp_path: Path, text: str, expected: str
) -> None:
    with pytest.raises(DataFileError, match=expected.replace("(", r"\(")):
        money.read_rates_csv(_csv(tmp_path, text))


# ------------------------------------------------------------------------- stored rates


def test_set_rates_replaces_the_table_and_fixes_the_reporting_currency(two: Workspace) -> None:
    assert money.rates(two).is_empty() and money.rates_currency(two) is None
    assert money.reporting_currency(two) == ("CNY", "orders")
    assert money.set_rates(two, RATES) == 2
    assert_frame_equal(money.rates(two), RATES.cast(pl.Schema(money.RATES_SCHEMA)))
    # the rates are written in CNY: the automatic choice became the setting
    assert money.reporting_currency(two) == ("CNY", "setting")
    assert money.rates_currency(two) == "CNY"
    assert money.set_rates(two, RATES.head(1)) == 1  # replaced, not added
    assert money.rates(two).height == 1
    assert money.set_rates(two, pl.DataFrame(schema=money.RATES_SCHEMA)) == 0
    assert money.rates(two).is_empty() and money.rates_currency(two) is None


def test_set_rates_refuses_bad_rows_and_writes_nothing(two: Workspace) -> None:
    money.set_rates(two, RATES)
    own = pl.DataFrame({"currency": ["CNY"], "rate": [1.0], "valid_from": [dt.date(2024, 1, 1)]})
    with pytest.raises(ValueError, match="CNY is the reporting currency; it needs no rate"):
        money.set_rates(two, pl.concat([RATES, own]))
    twice = pl.concat([RATES, RATES.head(1)])
    with pytest.raises(ValueError, match="two rates for BRL from 2024-01-01"):
        money.set_rates(two, twice)
    with pytest.raises(ValueError, match="rate inf should be a finite number above 0"):
        money.set_rates(two, RATES.with_columns(pl.lit(float("inf")).alias("rate")))
    assert money.rates(two).height == 2  # unchanged


def test_rates_need_a_reporting_currency(tmp_path: Path) -> None:
    ws = Workspace.open(tmp_path / "empty")
    with pytest.raises(ValueError, match="no reporting currency yet"):
        money.set_rates(ws, RATES)


# ----------------------------------------------------------------------------- conversion


def _lines(*rows: tuple[str, dt.datetime, float, str, str]) -> pl.DataFrame:
    frame = pl.DataFrame(
        rows, schema=["order_id", "order_ts", "amount", "currency", "status"], orient="row"
    )
    return frame.with_columns(pl.col("order_ts").dt.replace_time_zone("UTC"))


def test_convert_orders_uses_the_rate_of_the_business_day() -> None:
    lines = _lines(
        ("a", dt.datetime(2024, 2, 29, 2), 10.0, "BRL", "paid"),  # day before: 1.40
        ("b", dt.datetime(2024, 3, 1, 2), 20.0, "BRL", "paid"),  # valid_from itself: 1.45
        ("c", dt.datetime(2024, 2, 29, 23), 4.0, "BRL", "paid"),  # 1 March in Shanghai
        ("d", dt.datetime(2024, 1, 5), 7.0, "CNY", "paid"),  # already CNY
    )
    shanghai = money.convert_orders(lines, rates=RATES, to="CNY", time_zone="Asia/Shanghai")
    assert _by_order(shanghai) == {"a": 14.0, "b": 29.0, "c": 5.8, "d": 7.0}
    utc = money.convert_orders(lines, rates=RATES, to="CNY", time_zone="UTC")
    assert _by_order(utc) == {"a": 14.0, "b": 29.0, "c": 5.6, "d": 7.0}
    assert shanghai["currency"].unique().to_list() == ["CNY"]
    assert shanghai.select("original_amount", "original_currency").rows() == [
        (10.0, "BRL"), (20.0, "BRL"), (4.0, "BRL"), (7.0, "CNY"),
    ]  # fmt: skip
    assert shanghai.columns == [*lines.columns, "original_amount", "original_currency"]


def test_convert_orders_refuses_days_without_a_rate() -> None:
    lines = _lines(
        ("a", dt.datetime(2023, 12, 30), 10.0, "BRL", "paid"),  # before BRL's first rate
        ("b", dt.datetime(2023, 12, 31), 10.0, "BRL", "paid"),
        ("c", dt.datetime(2024, 1, 1), 10.0, "BRL", "paid"),  # its first day: fine
        ("d", dt.datetime(2024, 5, 1), 3.0, "USD", "paid"),  # no USD rate at all
    )
    with pytest.raises(MissingRatesError) as caught:
        money.convert_orders(lines, rates=RATES, to="CNY", time_zone="UTC")
    err = caught.value
    assert err.currencies == ("BRL", "USD") and err.reporting == "CNY"
    assert err.days == {
        "BRL": (dt.date(2023, 12, 30), dt.date(2023, 12, 31), 2),
        "USD": (dt.date(2024, 5, 1), dt.date(2024, 5, 1), 1),
    }
    assert err.first_rates == {"BRL": dt.date(2024, 1, 1), "USD": None}
    text = str(err)
    assert "BRL (orders on 2 days from 2023-12-30 to 2023-12-31; its first rate is valid " \
        "from 2024-01-01)" in text  # fmt: skip
    assert "USD (orders on 2024-05-01; it has no rate at all)" in text
    assert "cimlab workspace rates FILE.csv --workspace DIR" in text
    assert "`--currency X` (X one of BRL, CNY, USD)" in text


def test_conversion_is_exact_and_rounds_half_away_from_zero() -> None:
    day = dt.datetime(2024, 6, 1)
    half = pl.DataFrame({"currency": ["USD"], "rate": [0.5], "valid_from": [dt.date(2024, 1, 1)]})
    lines = _lines(
        ("a", day, 0.0001, "USD", "paid"),  # 0.00005 → 0.0001
        ("b", day, -0.0001, "USD", "refunded"),  # -0.00005 → -0.0001
        ("c", day, 10.01, "USD", "paid"),  # 5.005, not 5.004999...
        ("d", day, 0.0003, "USD", "paid"),  # 0.00015 → 0.0002
    )
    out = money.convert_orders(lines, rates=half, to="CNY", time_zone="UTC")
    assert out["amount"].to_list() == [0.0001, -0.0001, 5.005, 0.0002]

    # random amounts and rates against decimal arithmetic: every line, and the exact sum
    rng = random.Random(11)
    amounts = [round(rng.uniform(-500, 5000), 2) for _ in range(2000)]
    codes = [rng.choice(["USD", "EUR", "JPY"]) for _ in amounts]
    table = pl.DataFrame({
        "currency": ["USD", "EUR", "JPY"],
        "rate": [7.123457, 7.891011, 0.046789],
        "valid_from": [dt.date(2024, 1, 1)] * 3,
    })  # fmt: skip
    rate = dict(zip(table["currency"], table["rate"], strict=True))
    lines = _lines(
        *((str(i), day, a, c, "paid") for i, (a, c) in enumerate(zip(amounts, codes, strict=True)))
    )
    out = money.convert_orders(lines, rates=table, to="CNY", time_zone="UTC")
    step = Decimal("0.0001")
    expected = [
        (Decimal(repr(a)) * Decimal(repr(rate[c]))).quantize(step, rounding=ROUND_HALF_UP)
        for a, c in zip(amounts, codes, strict=True)
    ]
    assert out["amount"].to_list() == [float(e) for e in expected]
    assert out.select(money_sum("amount")).item() == float(sum(expected))


def test_net_and_refund_amounts_follow_the_converted_amount() -> None:
    from cimlab.lines import net_amount, refund_amount

    lines = _lines(
        ("a", dt.datetime(2024, 3, 5), 20.0, "BRL", "refunded"),  # refunded in full: net 0
        ("b", dt.datetime(2024, 3, 5), -5.0, "BRL", "cancelled"),  # credit note
        ("c", dt.datetime(2024, 3, 5), 8.0, "BRL", "pending"),
    ).with_columns(net_amount(), refund_amount())
    out = money.convert_orders(lines, rates=RATES, to="CNY", time_zone="UTC")
    assert out.select("amount", "net_amount", "refund_amount").rows() == [
        (29.0, 0.0, 29.0), (-7.25, -7.25, 7.25), (11.6, 0.0, 0.0),
    ]  # fmt: skip


def test_exempt_lines_need_no_rate_and_keep_their_amount() -> None:
    lines = _lines(
        ("a", dt.datetime(2020, 1, 1), 1.0, "GBP", "paid"),  # a placeholder amount
        ("b", dt.datetime(2024, 3, 5), 2.0, "BRL", "paid"),
    ).with_columns(pl.Series("placeholder", [True, False]))
    out = money.convert_orders(
        lines, rates=RATES, to="CNY", time_zone="UTC", exempt=pl.col("placeholder")
    )
    assert out.select("amount", "currency", "original_currency").rows() == [
        (1.0, "CNY", "GBP"), (2.9, "CNY", "BRL"),
    ]  # fmt: skip


def test_one_currency_joins_nothing_and_keeps_every_line() -> None:
    lines = _lines(("a", dt.datetime(2024, 3, 5), 2.0, "CNY", "paid"))
    out = money.convert_orders(lines, rates=RATES.head(0), to="CNY", time_zone="UTC")
    assert out.select("amount", "currency", "original_amount", "original_currency").rows() == [
        (2.0, "CNY", 2.0, "CNY")
    ]


# ------------------------------------------------------------------------- customer_data


def test_two_currencies_without_rates_stop_the_analysis(two: Workspace) -> None:
    with pytest.raises(MissingRatesError) as caught:
        customer_data(two)
    err = caught.value
    assert err.currencies == ("BRL",) and err.reporting == "CNY"
    assert err.first_rates == {"BRL": None}
    assert f"--workspace {two.path}" in str(err)


def test_two_currencies_with_rates_convert_on_the_business_day(two: Workspace) -> None:
    money.set_rates(two, RATES)
    data = customer_data(two)
    assert data.currency == "CNY"
    # B4 (pending, 2024-03-01 07:00 in Shanghai) takes the March rate; in UTC it is still February
    assert _by_order(data.orders) == {
        "A1": 100.0, "A2": 50.0, "B1": 14.0, "B2": 29.0, "B3": -7.25, "B4": 5.8,
    }  # fmt: skip
    assert _by_order(data.orders, "net_amount")["B3"] == -7.25
    assert _by_order(data.orders, "original_amount")["B3"] == -5.0
    assert set(data.orders["currency"]) == {"CNY"}
    assert _by_order(data.orders, "original_currency")["B1"] == "BRL"
    assert _by_order(customer_data(two, time_zone="UTC").orders)["B4"] == 5.6
    # revenue adds yuan to yuan only: 100 + 50 + 14 + 29 - 7.25
    assert data.orders.select(money_sum("net_amount")).item() == 185.75


def test_rates_changing_over_time_apply_from_their_day_on(two: Workspace) -> None:
    # only the March rate: the February BRL line has no rate, and the message says which day
    money.set_rates(two, RATES.tail(1))
    with pytest.raises(MissingRatesError) as caught:
        customer_data(two)
    assert caught.value.days == {"BRL": (dt.date(2024, 2, 29), dt.date(2024, 2, 29), 1)}
    assert caught.value.first_rates == {"BRL": dt.date(2024, 3, 1)}
    assert "its first rate is valid from 2024-03-01" in str(caught.value)


def test_one_currency_of_orders_unconverted(two: Workspace) -> None:
    data = customer_data(two, currency="brl")  # no rate needed
    assert data.currency == "BRL" and data.order_lines == 4
    assert _by_order(data.orders) == {"B1": 10.0, "B2": 20.0, "B3": -5.0, "B4": 4.0}
    assert data.customers.height == 4  # every customer stays known (shop c1 ≠ brshop c1)
    with pytest.raises(UnknownCurrencyError, match="no order is in USD; the orders' currencies "
                                                   "are BRL, CNY"):  # fmt: skip
        customer_data(two, currency="USD")
    with pytest.raises(ValueError, match="not a currency code"):
        customer_data(two, currency="reais")


def test_a_reporting_currency_without_orders_converts_everything(two: Workspace) -> None:
    money.set_reporting_currency(two, "USD")
    with pytest.raises(MissingRatesError) as caught:
        customer_data(two)
    assert caught.value.currencies == ("BRL", "CNY") and caught.value.reporting == "USD"
    # rates in CNY do not apply to a USD report: they are named as written in CNY
    money.set_reporting_currency(two, "CNY")
    money.set_rates(two, RATES)
    money.set_reporting_currency(two, "USD")
    with pytest.raises(MissingRatesError, match="the stored rates are written in CNY, not in USD"):
        customer_data(two)
    money.set_reporting_currency(two, "CNY")
    assert customer_data(two).currency == "CNY"


def test_a_single_currency_workspace_reads_no_rates(tmp_path: Path, monkeypatch) -> None:
    ws = Workspace.open(tmp_path / "one")
    _orders(ws, CNY_ORDERS, channel="shop")
    resolve(ws, at=WHEN)

    def no_rates(*args, **kwargs):
        raise AssertionError("a single-currency workspace must not read rates")

    monkeypatch.setattr(money, "rates", no_rates)
    monkeypatch.setattr(money, "rates_currency", no_rates)
    data = customer_data(ws)
    assert data.currency == "CNY" and (data.placeholder_lines, data.order_lines) == (0, 2)
    assert data.orders["amount"].to_list() == data.orders["original_amount"].to_list()
    assert money_note(data) is None


def test_placeholder_lines_are_counted_and_need_no_rate(two: Workspace) -> None:
    grocery = (
        "order_id,customer_id,order_ts,amount,currency,status\n"
        "G1,g1,2024-04-01 10:00,1,GBP,paid\n"
        "G2,g2,2024-04-02 10:00,1,GBP,paid\n"
    )
    _orders(two, grocery, channel="grocery", placeholder=True)
    resolve(two, at=WHEN)
    assert money.placeholder_batches(two) == [3]
    money.set_rates(two, RATES)  # no GBP rate: the placeholder lines need none
    data = customer_data(two)
    assert (data.placeholder_lines, data.order_lines, data.money_withheld) == (2, 8, False)
    assert _by_order(data.orders)["G1"] == 1.0
    assert money_note(data) == (
        "the amounts of 2 of 8 order lines are placeholders (mapping option "
        "amount_is_placeholder), included as their placeholder value: money figures are not "
        "the true revenue"
    )
    only = customer_data(two, currency="GBP")
    assert (only.placeholder_lines, only.order_lines, only.money_withheld) == (2, 2, True)
    assert "money figures are withheld" in (money_note(only) or "")


def test_label_money_names_the_currency_and_withholds_placeholders() -> None:
    frame = pl.DataFrame({"kpi": ["orders", "revenue"], "value": [3.0, 9.5], "n": [1, 2]})
    rows = pl.col("kpi") == "revenue"
    labelled = money.label_money(frame, currency="CNY", money=["value"], rows=rows)
    assert labelled.columns == ["kpi", "value", "currency", "n"]
    assert labelled["currency"].to_list() == [None, "CNY"]
    withheld = money.label_money(frame, currency="CNY", money=["value"], rows=rows, withhold=True)
    assert withheld["value"].to_list() == [3.0, None]
    assert money.label_money(frame, currency="CNY", money=["spend"]) is frame


# ------------------------------------------------------------------------------------- CLI


def test_cli_rates_load_show_clear(two: Workspace, tmp_path: Path, capsys) -> None:
    import json

    from cimlab.cli import main

    where = ["--workspace", str(two.path)]
    assert main(["workspace", "rates", *where]) == 0
    out, err = capsys.readouterr()
    assert "reporting currency: CNY (the currency of most order value" in out
    assert "no rates: orders in another currency cannot be converted" in out
    assert "note: no exchange rate into CNY for BRL" in err  # the orders are checked

    bad = _csv(tmp_path, "currency,rate,valid_from\nCNY,1,2024-01-01\nBRL,x,2024-01-01\n")
    assert main(["workspace", "rates", str(bad), *where]) == 2
    err = capsys.readouterr().err
    assert err.startswith("cimlab: rates.csv: 2 problems: line 2, column currency: 'CNY' is the "
                          "reporting currency")  # fmt: skip
    assert "line 3, column rate: 'x' is not a number" in err
    assert money.rates(two).is_empty()  # nothing written

    good = _csv(tmp_path, "currency,rate,valid_from\nBRL,1.45,2024-03-01\n", name="good.csv")
    assert main(["workspace", "rates", str(good), *where, "--json"]) == 0
    out, err = capsys.readouterr()
    shown = json.loads(out)
    assert shown["loaded"] == 1 and shown["rates_currency"] == "CNY"
    assert shown["reporting_currency"] == {"code": "CNY", "source": "setting"}
    assert shown["rates"] == [{"currency": "BRL", "rate": 1.45, "valid_from": "2024-03-01"}]
    # B1 of 29 February has no rate yet: said at once, with its day
    assert shown["missing_rates"] == {
        "BRL": {"first_day": "2024-02-29", "last_day": "2024-02-29", "days": 1}
    }
    assert "its first rate is valid from 2024-03-01" in err

    assert main(["workspace", "rates", str(_csv(tmp_path, "currency,rate,valid_from\n"
                 "BRL,1.4,2024-01-01\nBRL,1.45,2024-03-01\n", name="all.csv")), *where]) == 0  # fmt: skip
    out, err = capsys.readouterr()
    assert "2 rates loaded" in out and err == ""
    assert main(["workspace", "rates", *where, "--show"]) == 0
    out = capsys.readouterr().out
    assert "BRL                   1.4  2024-01-01" in out

    assert main(["workspace", "info", *where]) == 0
    assert "money: reporting currency CNY (setting); 2 exchange rates into CNY" in (
        capsys.readouterr().out
    )
    assert main(["workspace", "rates", str(good), "--clear", *where]) == 2
    assert "not two of them" in capsys.readouterr().err
    assert main(["workspace", "rates", "--clear", *where]) == 0
    assert "every rate of" in capsys.readouterr().out
    assert money.rates(two).is_empty()


def test_cli_settings_reporting_currency(two: Workspace, capsys) -> None:
    import json

    from cimlab.cli import main

    where = ["--workspace", str(two.path)]
    assert main(["workspace", "settings", *where, "--reporting-currency", "brl"]) == 0
    assert "reporting currency: BRL (set for this workspace)" in capsys.readouterr().out
    assert main(["workspace", "settings", *where, "--reporting-currency", "auto", "--json"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert (shown["reporting_currency"], shown["reporting_currency_source"]) == ("CNY", "orders")
    assert main(["workspace", "settings", *where, "--reporting-currency", "yuan"]) == 2
    err = capsys.readouterr().err
    assert "--reporting-currency 'yuan' is not a currency code" in err
    assert money.reporting_currency(two) == ("CNY", "orders")  # nothing written
    assert main(["workspace", "info", *where, "--json"]) == 0
    info = json.loads(capsys.readouterr().out)
    assert info["reporting_currency"] == {"code": "CNY", "source": "orders"}
    assert info["rates"] == {"count": 0, "currency": None}
    # rates in CNY, then a report in BRL: the note says the rates do not apply
    money.set_rates(two, RATES)
    assert main(["workspace", "settings", *where, "--reporting-currency", "BRL"]) == 0
    assert "the stored rates are written in CNY" in capsys.readouterr().out
