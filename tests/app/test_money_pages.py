"""Money never mixes currencies, in the app (``AppTest``): the reporting currency and the rates
editor of the workspace settings, a two-currency workspace without rates (the message with its
two fixes, never a traceback; the currency filter), with rates (figures converted at the rate
of each order's day and labelled with the reporting currency, checked by hand), placeholder
amounts (no money shown) and the customer 360 (amounts as paid, and the converted total).

Every workspace is hand-made and tiny: CNY orders of three customers and BRL orders of two
others, so each figure below is computed by hand in its comment.
"""

from __future__ import annotations

import datetime as dt
import io
import sys
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from streamlit.testing.v1 import AppTest

from cimlab.identity import resolve
from cimlab.ingest.importer import check_bytes, store_report
from cimlab.money import (
    rates,
    rates_currency,
    reporting_currency,
    set_rates,
    set_reporting_currency,
)
from cimlab.workspace import Workspace
from tests.app.markdown_checks import shown_text

ROOT = Path(__file__).resolve().parents[2]
APP = ROOT / "apps" / "streamlit_app.py"
APPS = ROOT / "apps"
if str(APPS) not in sys.path:
    sys.path.insert(0, str(APPS))

import _common as common  # noqa: E402

from cimlab.i18n import t  # noqa: E402

TIMEOUT = 60
WHEN = dt.datetime(2025, 2, 1, tzinfo=dt.UTC)
HEADER = "order_id,customer_id,order_ts,amount,currency,status\n"
# the last order is on 2024-06-10: the KPI window (30 days) is 2024-05-12 .. 2024-06-10
CNY = "A1,c1,2024-05-02 10:00,100,CNY,paid\nA2,c2,2024-05-03 10:00,50,CNY,paid\nA3,c1,2024-06-03 10:00,30,CNY,paid\n"  # fmt: skip
BRL = "B1,b1,2024-05-10 10:00,20,BRL,paid\nB2,b2,2024-06-10 10:00,10,BRL,paid\n"
PLACEHOLDERS = "P1,p1,2024-05-10 10:00,1,CNY,paid\nP2,p2,2024-06-10 10:00,1,CNY,paid\n"


def _load(ws: Workspace, rows: str, *, channel: str, name: str, placeholder: bool = False) -> None:
    headers = HEADER.strip().split(",")
    columns = {("source_customer_id" if h == "customer_id" else h): h for h in headers}
    mapping: dict[str, Any] = {"table": "orders", "columns": columns}
    if placeholder:
        mapping["options"] = {"amount_is_placeholder": True}
    report = check_bytes(
        (HEADER + rows).encode(), name=name, table="orders", channel=channel, mapping=mapping
    )
    store_report(ws, report, at=WHEN, user="test")


def _workspace(path: Path, *files: tuple[str, str, bool]) -> Workspace:
    ws = Workspace.open(path)
    for channel, rows, placeholder in files:
        _load(ws, rows, channel=channel, name=f"{channel}.csv", placeholder=placeholder)
    resolve(ws, at=WHEN)
    return ws


@pytest.fixture
def two(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Workspace:
    """CNY orders (tmall) and BRL orders (shop), no rates: the app's workspace."""
    monkeypatch.setenv("CIMLAB_WORKSPACE", str(tmp_path / "ws"))
    return _workspace(tmp_path / "ws", ("tmall", CNY, False), ("shop", BRL, False))


def _rates(*rows: tuple[str, float, dt.date]) -> pl.DataFrame:
    return pl.DataFrame(rows, schema=["currency", "rate", "valid_from"], orient="row")


def _app(page: str, lang: str = "en", *, settings: bool = False) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    if settings:
        at.session_state[common.SETTINGS_KEY] = True
    at.run()
    if lang != "zh":
        at.radio(key="lang").set_value(lang).run()
    at.switch_page(page).run()
    assert not at.exception, at.exception
    return at


def _metrics(at: AppTest) -> dict[str, str]:
    """Label → value of the page's cards; the first of a label (a KPI "Orders" comes before
    the Overview's row count "Orders")."""
    found: dict[str, str] = {}
    for m in at.main.metric:
        found.setdefault(shown_text(m.label), m.value)
    return found


def _texts(elements: Any) -> list[str]:
    return [shown_text(str(e.value)) for e in elements]


def _money(key: str, unit: str, lang: str = "en") -> str:
    return t("money.header", lang, label=t(key, lang), unit=unit)


def _button(at: AppTest, label: str) -> Any:
    [button] = [b for b in at.button if b.label == label]
    return button


# ----------------------------------------------------------------------------- no rates


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_missing_rates_show_the_message_with_both_fixes(two: Workspace, lang: str) -> None:
    at = _app("overview_page.py", lang)
    assert not at.exception
    [error] = _texts(at.main.error)
    # the message of the error's attributes, in the user's language, with the days lacking a
    # rate; no CLI advice (the fixes are on the page)
    assert t("money.missing", lang, currencies="BRL", reporting="CNY") in error
    days = t("money.no_rate", lang)
    assert t("money.missing_days", lang, currency="BRL", n=2, first="2024-05-10",
             last="2024-06-10", rate=days) in error  # fmt: skip
    assert "cimlab workspace rates" not in error and "--currency" not in error
    # fix 1: the button opens the workspace settings with the rates editor
    assert not at.sidebar.data_editor
    _button(at, t("money.fix_rates", lang)).click().run()
    assert at.session_state[common.SETTINGS_KEY] is True
    assert at.sidebar.data_editor, "the rates editor is drawn in the open settings"
    # fix 2: the currency filter offers every currency of the orders
    picker = at.selectbox(key=f"{common.CURRENCY_KEY}_{lang}")
    assert picker.options == [
        t("money.filter_all", lang, reporting="CNY"),
        t("money.filter_one", lang, currency="CNY", lines=3),
        t("money.filter_one", lang, currency="BRL", lines=2),
    ]
    # the rest of the page still shows (row counts, imports)
    assert _metrics(at)[t("table.orders", lang)] == "5"


def test_currency_filter_analyses_one_currency_and_says_so(two: Workspace) -> None:
    at = _app("overview_page.py")
    at.selectbox(key=f"{common.CURRENCY_KEY}_en").set_value("BRL").run()
    assert not at.exception and not at.main.error, _texts(at.main.error)
    assert t("money.filtered", "en", currency="BRL", lines=2, total=5) in _texts(at.info)
    metrics = _metrics(at)
    # in the window only B2 (10 BRL) was bought: revenue 10, one order
    assert metrics[_money("kpi.revenue", "BRL only")] == "10"
    assert metrics[_money("kpi.average_order_value", "BRL only")] == "10.00"
    assert metrics[t("kpi.orders", "en")] == "1"

    # the choice is shared by the analysis pages: Segments counts BRL only (20 + 10)
    at.switch_page("segments_page.py").run()
    assert not at.exception and not at.main.error, _texts(at.main.error)
    assert t("money.filtered", "en", currency="BRL", lines=2, total=5) in _texts(at.info)
    metrics = _metrics(at)
    assert metrics[_money("seg.revenue_total", "BRL only")] == "30.00"
    assert metrics[t("seg.customers_scored", "en")] == "2"
    table = next(d.value for d in at.main.dataframe if "Segment" in d.value.columns)
    assert _money("seg.col.revenue", "BRL only") in table.columns

    # and back to every order: the rates are missing again
    at.selectbox(key=f"{common.CURRENCY_KEY}_en").set_value(common.ALL_CURRENCIES).run()
    assert not at.exception and len(at.main.error) == 1


def test_pages_without_rates_never_show_a_traceback(two: Workspace) -> None:
    for page in (
        "channels_page.py",
        "segments_page.py",
        "satisfaction_page.py",
        "products_page.py",
    ):
        at = _app(page)
        assert not at.exception, page
        assert [t("money.missing", "en", currencies="BRL", reporting="CNY") in e
                for e in _texts(at.main.error)] == [True], page  # fmt: skip
        assert _button(at, t("money.fix_rates", "en"))


def test_one_currency_that_is_not_the_reporting_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CIMLAB_WORKSPACE", str(tmp_path / "ws"))
    ws = _workspace(tmp_path / "ws", ("tmall", CNY, False))
    set_reporting_currency(ws, "USD")
    at = _app("overview_page.py")
    assert t("money.missing", "en", currencies="CNY", reporting="USD") in _texts(at.main.error)[0]
    picker = at.selectbox(key=f"{common.CURRENCY_KEY}_en")
    assert picker.options == [
        t("money.filter_all", "en", reporting="USD"),
        t("money.filter_one", "en", currency="CNY", lines=3),
    ]
    picker.set_value("CNY").run()
    assert not at.main.error
    assert _metrics(at)[_money("kpi.revenue", "CNY only")] == "30"  # A3, the window's one order


# ----------------------------------------------------------------------------- with rates


def test_rates_convert_each_order_at_the_rate_of_its_day(two: Workspace) -> None:
    # 1 BRL = 1.3 CNY from 2024-01-01, 1.5 CNY from 2024-06-01
    set_rates(two, _rates(("BRL", 1.3, dt.date(2024, 1, 1)), ("BRL", 1.5, dt.date(2024, 6, 1))))
    at = _app("overview_page.py")
    assert not at.main.error, _texts(at.main.error)
    captions = _texts(at.main.caption)
    assert t("money.converted", "en", currency="CNY", others="BRL") in captions
    assert t("money.caption", "en", unit="CNY") in captions  # under the revenue trend
    metrics = _metrics(at)
    # window 2024-05-12 .. 2024-06-10: A3 30 CNY + B2 10 BRL × 1.5 = 45 CNY, over 2 orders
    assert metrics[_money("kpi.revenue", "CNY")] == "45"
    assert metrics[_money("kpi.average_order_value", "CNY")] == "22.50"

    at.switch_page("segments_page.py").run()
    assert not at.main.error, _texts(at.main.error)
    # every order: 180 CNY + B1 20 × 1.3 + B2 10 × 1.5 = 180 + 26 + 15 = 221 CNY
    assert _metrics(at)[_money("seg.revenue_total", "CNY")] == "221.00"
    members = next(d.value for d in at.main.dataframe if "Customer id" in d.value.columns)
    assert _money("seg.col.total_spend", "CNY") in members.columns

    at.switch_page("channels_page.py").run()
    assert not at.main.error, _texts(at.main.error)
    table = next(d.value for d in at.main.dataframe if "Share of revenue" in d.value.columns)
    revenue = dict(zip(table["Channel"], table[_money("ch.col.revenue", "CNY")], strict=True))
    assert revenue == {"Tmall": pytest.approx(180.0), "shop": pytest.approx(41.0)}


def test_settings_set_the_reporting_currency_and_edit_the_rates(two: Workspace) -> None:
    at = _app("segments_page.py", settings=True)
    assert at.main.error  # no BRL rate yet
    [editor] = at.sidebar.data_editor
    assert editor.key == common.RATES_EDITOR_KEY and editor.value.empty

    # a bad row is refused in the user's language; nothing is stored
    at.session_state[common.RATES_EDITOR_KEY] = {
        "edited_rows": {},
        "added_rows": [{"currency": "BR", "rate": 0.0, "valid_from": "2024-01-01"}],
        "deleted_rows": [],
    }
    at.run()
    _button(at, t("app.rates_save", "en")).click().run()
    errors = " ".join(_texts(at.sidebar.error))
    assert t("app.rates_bad_currency", "en", row=1, value="BR") in errors
    assert t("app.rates_bad_rate", "en", row=1, value=0.0) in errors
    assert rates(two).is_empty()

    # add a rate: saved, and every figure follows
    at.session_state[common.RATES_EDITOR_KEY] = {
        "edited_rows": {},
        "added_rows": [{"currency": "brl", "rate": 1.3, "valid_from": "2024-01-01"}],
        "deleted_rows": [],
    }
    at.run()
    _button(at, t("app.rates_save", "en")).click().run()
    assert not at.exception
    assert rates(two).rows() == [("BRL", 1.3, dt.date(2024, 1, 1))]
    assert t("app.rates_saved", "en", n=1) in _texts(at.sidebar.success)
    assert not at.main.error, _texts(at.main.error)
    # 180 CNY + 30 BRL × 1.3 = 219 CNY
    assert _metrics(at)[_money("seg.revenue_total", "CNY")] == "219.00"
    assert rates_currency(two) == "CNY" and reporting_currency(two).source == "setting"

    # reporting in BRL: the CNY rates do not apply, the page says so
    [box] = [s for s in at.sidebar.selectbox if s.label == t("app.currency", "en")]
    box.set_value("BRL").run()
    assert reporting_currency(two).code == "BRL"
    error = " ".join(_texts(at.main.error))
    assert t("money.missing", "en", currencies="CNY", reporting="BRL") in error
    assert t("money.rates_elsewhere", "en", stored="CNY", reporting="BRL") in error
    assert t("app.rates_elsewhere", "en", stored="CNY", reporting="BRL") in _texts(at.warning)

    # rates in BRL: a rate for BRL itself is refused, one for CNY converts
    at.session_state[common.RATES_EDITOR_KEY] = {
        "edited_rows": {},
        "added_rows": [{"currency": "CNY", "rate": 0.25, "valid_from": "2024-01-01"}],
        "deleted_rows": [],
    }
    at.run()
    _button(at, t("app.rates_save", "en")).click().run()
    assert t("app.rates_reporting", "en", row=1, currency="BRL") in " ".join(
        _texts(at.sidebar.error)
    )
    at.session_state[common.RATES_EDITOR_KEY] = {
        "edited_rows": {},
        "added_rows": [{"currency": "CNY", "rate": 0.25, "valid_from": "2024-01-01"}],
        "deleted_rows": [0],
    }
    at.run()
    _button(at, t("app.rates_save", "en")).click().run()
    assert rates(two).rows() == [("CNY", 0.25, dt.date(2024, 1, 1))]
    assert not at.main.error, _texts(at.main.error)
    # 180 CNY × 0.25 + 30 BRL = 75 BRL
    assert _metrics(at)[_money("seg.revenue_total", "BRL")] == "75.00"


def test_rates_csv_upload_replaces_the_table(two: Workspace) -> None:
    at = _app("overview_page.py", "zh", settings=True)
    bad = b"currency,rate,valid_from\nBRL,abc,2024-01-01\n"
    at.file_uploader(key="app_rates_upload").set_value(("rates.csv", bad, "text/csv")).run()
    _button(at, t("app.rates_replace", "zh")).click().run()
    assert not at.exception
    [error] = _texts(at.sidebar.error)  # the file, line and column of the bad cell
    assert error.startswith(t("error.prefix", "zh", message="rates.csv, line 2: column rate"))
    assert rates(two).is_empty()

    good = b"currency,rate,valid_from\nBRL,1.3,2024-01-01\n"
    at.file_uploader(key="app_rates_upload").set_value(("rates.csv", good, "text/csv")).run()
    _button(at, t("app.rates_replace", "zh")).click().run()
    assert rates(two).rows() == [("BRL", 1.3, dt.date(2024, 1, 1))]
    assert t("app.rates_uploaded", "zh", n=1, file="rates.csv") in _texts(at.sidebar.success)
    assert not at.main.error
    # window: A3 30 + B2 10 × 1.3 = 43 CNY
    assert _metrics(at)[_money("kpi.revenue", "CNY", "zh")] == "43"


# ----------------------------------------------------------------------------- placeholders


def test_placeholder_amounts_are_no_money(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, downloads: list[dict[str, Any]]
) -> None:
    monkeypatch.setenv("CIMLAB_WORKSPACE", str(tmp_path / "ws"))
    _workspace(tmp_path / "ws", ("shop", PLACEHOLDERS, True))
    at = _app("overview_page.py")
    assert not at.main.error, _texts(at.main.error)
    assert t("money.placeholder_all", "en") in _texts(at.info)
    metrics = _metrics(at)
    # the money cards are a note, the counts are real
    assert metrics[t("kpi.revenue", "en")] == t("money.not_shown", "en")
    assert metrics[t("kpi.average_order_value", "en")] == t("money.not_shown", "en")
    assert metrics[t("kpi.orders", "en")] == "1"
    assert t("kpi.revenue", "en") not in at.selectbox(key="ov_kpi_trend_en").options

    at.switch_page("segments_page.py").run()
    assert not at.main.error
    assert _metrics(at)[t("seg.revenue_total", "en")] == t("money.not_shown", "en")
    table = next(d.value for d in at.main.dataframe if "Segment" in d.value.columns)
    assert not any("revenue" in c.lower() for c in table.columns), list(table.columns)
    members = next(d.value for d in at.main.dataframe if "Customer id" in d.value.columns)
    assert not any("spend" in c.lower() for c in members.columns), list(members.columns)
    # the download keeps its columns, money withheld, with the currency column
    data = [d for d in downloads if d.get("key") == "seg_download"][-1]["data"]
    written = pl.read_csv(io.BytesIO(data))
    assert written["total_spend"].null_count() == written.height
    assert written["currency"].to_list() == ["CNY"] * written.height


def test_some_placeholder_lines_are_counted_in_a_caption(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CIMLAB_WORKSPACE", str(tmp_path / "ws"))
    _workspace(tmp_path / "ws", ("tmall", CNY, False), ("shop", PLACEHOLDERS, True))
    at = _app("channels_page.py")
    assert not at.main.error, _texts(at.main.error)
    assert t("money.placeholder_some", "en", n=2, total=5) in _texts(at.main.caption)
    assert any(_money("ch.col.revenue", "CNY") in d.value.columns for d in at.main.dataframe)


# ----------------------------------------------------------------------------- customer 360


def test_customer_360_shows_amounts_as_paid_and_the_converted_total(two: Workspace) -> None:
    def open_360(at: AppTest, customer: str) -> None:
        at.text_input(key="cust_query").set_value(customer).run()
        assert not at.exception and not at.main.error, _texts(at.main.error)

    brl_buyer = two.identity_map().filter(pl.col("source_customer_id") == "b2")
    customer = brl_buyer["customer_id"].item()
    at = _app("customers_page.py")
    open_360(at, customer)
    spend = _money("cust.m_spend", "CNY")
    assert _metrics(at)[spend] == t("cust.m_spend_no_rate", "en")
    assert t("cust.spend_by_currency", "en", totals="10.00 BRL") in _texts(at.main.caption)
    assert _button(at, t("money.fix_rates", "en"))
    orders = next(d.value for d in at.main.dataframe if "Currency" in d.value.columns)
    assert orders[["Line amount", "Currency"]].values.tolist() == [[10.0, "BRL"]]

    set_rates(two, _rates(("BRL", 1.3, dt.date(2024, 1, 1))))
    at = _app("customers_page.py")
    open_360(at, customer)
    assert _metrics(at)[spend] == "13.00"  # 10 BRL × 1.3
    assert t("cust.spend_by_currency", "en", totals="10.00 BRL") in _texts(at.main.caption)
