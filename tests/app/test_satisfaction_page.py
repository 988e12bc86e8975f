"""The Satisfaction and Products pages through ``AppTest`` on a demo workspace (300 people):
both languages, figures equal to cimlab's functions on the same data, widgets that change the
result, and the hint on a workspace whose identities were never resolved."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl
import pytest
from streamlit.testing.v1 import AppTest

from cimlab.affinity import also_bought, baskets, product_pairs
from cimlab.demo import build_demo_workspace
from cimlab.facts import CustomerData, customer_data
from cimlab.i18n import t
from cimlab.rfm import rfm
from cimlab.satisfaction import satisfaction, unhappy_high_value
from cimlab.workspace import Workspace

ROOT = Path(__file__).resolve().parents[2]
APP = ROOT / "apps" / "streamlit_app.py"
TIMEOUT = 60


@pytest.fixture(scope="module")
def demo_ws(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("satisfaction_demo")
    build_demo_workspace(root / "ws", root / "files", people=300)
    return root / "ws"


@pytest.fixture(scope="module")
def data(demo_ws: Path) -> CustomerData:
    return customer_data(Workspace.open(demo_ws))


@pytest.fixture
def demo(demo_ws: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("CIMLAB_WORKSPACE", str(demo_ws))
    return demo_ws


def _page(name: str, lang: str = "zh") -> AppTest:
    at = AppTest.from_file(APP, default_timeout=TIMEOUT).run()
    if lang != "zh":
        at.radio(key="lang").set_value(lang).run()
    at.switch_page(name).run()
    assert not at.exception
    assert not at.error, [e.value for e in at.error]
    return at


def _as_of(data: CustomerData) -> dt.date:
    return data.orders["order_ts"].max().date()  # type: ignore[union-attr]


# st.dataframe elements carry no key in AppTest: tables are found by position (Satisfaction:
# channel, segment, unhappy customers; Products: rules, also bought).


def _nps(value: float | None) -> str:
    return "–" if value is None else f"{value:.1f}"


# ----------------------------------------------------------------------------- Satisfaction


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_satisfaction_page_shows_the_functions_figures(
    demo: Path, data: CustomerData, lang: str
) -> None:
    at = _page("satisfaction_page.py", lang)
    assert at.title[0].value == t("nav.satisfaction", lang)
    as_of = _as_of(data)
    start = as_of - dt.timedelta(days=89)  # default window: the last 90 days
    overall = satisfaction(
        data.feedback, as_of=as_of, start=start, interactions=data.interactions
    ).row(0, named=True)
    metrics = {m.label: m for m in at.metric}
    nps = metrics[t("sat.metric.nps", lang)]
    assert nps.value == (
        _nps(overall["nps"]) if overall["nps"] is not None else t("sat.metric.none", lang)
    )
    if overall["csat"] is not None:
        assert metrics[t("sat.metric.csat", lang)].value == f"{overall['csat']:.1%}"
    assert metrics[t("sat.metric.complaint_rate", lang)].value == f"{overall['complaint_rate']:.1%}"
    # the change against the 90 days before
    prev_end = start - dt.timedelta(days=1)
    before = satisfaction(
        data.feedback,
        as_of=prev_end,
        start=prev_end - dt.timedelta(days=89),
        interactions=data.interactions,
    ).row(0, named=True)
    if overall["nps"] is not None and before["nps"] is not None:
        assert nps.delta == f"{overall['nps'] - before['nps']:+.1f}"
    headers = [t(k, lang) for k in ("sat.by_channel", "sat.by_segment", "sat.trend", "sat.unhappy")]
    assert [s.value for s in at.subheader] == headers
    # the segment table has the function's answer counts
    segments = rfm(data.orders, as_of=as_of)
    by_segment = satisfaction(
        data.feedback,
        as_of=as_of,
        start=start,
        by="segment",
        interactions=data.interactions,
        segments=segments,
    )
    table = at.dataframe[1].value
    # segments without any answer or contact are left out of the table
    answered = by_segment.filter(
        pl.col("nps_answers") + pl.col("csat_answers") + pl.col("complaint_base") > 0
    )
    assert table[t("sat.col.nps_answers", lang)].tolist() == answered["nps_answers"].to_list()
    counts = ("sat.col.nps_answers", "sat.col.csat_answers", "sat.col.complaint_base")
    assert (sum(table[t(c, lang)] for c in counts) > 0).all()
    assert table[t("sat.group.segment", lang)].iloc[0] == (
        "冠军客户" if lang == "zh" else "Champions"
    )


def test_satisfaction_widgets_change_the_result(demo: Path, data: CustomerData) -> None:
    at = _page("satisfaction_page.py")
    as_of = _as_of(data)
    at.selectbox(key="sat_window").set_value(0).run()  # all time
    assert not at.exception and not at.error
    overall = satisfaction(data.feedback, as_of=as_of, interactions=data.interactions).row(
        0, named=True
    )
    metrics = {m.label: m for m in at.metric}
    assert metrics[t("sat.metric.nps", "zh")].value == _nps(overall["nps"])
    assert metrics[t("sat.metric.nps", "zh")].delta == ""  # no previous period for all time
    assert overall["nps_answers"] == data.feedback["nps"].count()

    # the unhappy high-value table follows the share chosen
    at.select_slider(key="sat_top_share").set_value(0.5).run()
    expected = unhappy_high_value(
        data.feedback, rfm(data.orders, as_of=as_of), as_of=as_of,
        interactions=data.interactions, top_share=0.5,
    )  # fmt: skip
    assert expected.height > 0
    shown = at.dataframe[2].value
    assert shown[t("sat.col.customer_id", "zh")].tolist() == expected["customer_id"].to_list()
    assert not any("@" in str(v) for v in shown.to_numpy().ravel())  # ids only, no contact data

    at.radio(key="sat_measure").set_value("complaint_rate").run()
    assert not at.exception and not at.error


def test_satisfaction_page_on_an_unresolved_workspace(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CIMLAB_WORKSPACE", str(tmp_path / "ws"))
    for page in ("satisfaction_page.py", "products_page.py"):
        at = _page(page)
        assert t("ana.not_resolved", "zh") in [i.value for i in at.info]
        assert not at.metric and not at.dataframe


# ----------------------------------------------------------------------------- Products


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_products_page_shows_the_functions_rules(demo: Path, data: CustomerData, lang: str) -> None:
    at = _page("products_page.py", lang)
    assert at.title[0].value == t("nav.products", lang)
    as_of = _as_of(data)
    start = as_of - dt.timedelta(days=364)  # default window: the last 365 days
    pairs = product_pairs(data.orders, as_of=as_of, start=start)
    n_baskets = baskets(data.orders, as_of=as_of, start=start)
    summary = t(
        "prod.summary",
        lang,
        baskets=f"{n_baskets['basket'].n_unique():,}",
        items=f"{n_baskets['item'].n_unique():,}",
        rules=f"{pairs.height:,}",
    )
    assert summary in [c.value for c in at.caption]
    assert pairs.height > 0
    table = at.dataframe[0].value
    assert table[t("prod.col.item_a", lang)].tolist() == pairs["item_a"].head(500).to_list()
    assert table[t("prod.col.lift", lang)].tolist() == pairs["lift"].head(500).round(2).to_list()
    # "also bought" for the item picked
    item = at.selectbox(key="prod_also_item").value
    expected = also_bought(pairs, item, n=10)
    shown = at.dataframe[1].value
    assert shown[t("prod.col.item_b", lang)].tolist() == expected["item_b"].to_list()


def test_products_widgets_change_the_result(demo: Path, data: CustomerData) -> None:
    at = _page("products_page.py")
    as_of = _as_of(data)
    start = as_of - dt.timedelta(days=364)

    def summary_rules() -> str:
        return next(c.value for c in at.caption if "条规则" in c.value)

    before = summary_rules()
    at.radio(key="prod_level").set_value("customer").run()
    assert not at.exception and not at.error
    pairs = product_pairs(data.orders, as_of=as_of, start=start, level="customer")
    assert f"{pairs.height:,} 条规则" in summary_rules() and summary_rules() != before

    at.radio(key="prod_item").set_value("category").run()
    pairs = product_pairs(data.orders, as_of=as_of, start=start, level="customer", item="category")
    assert f"{pairs.height:,} 条规则" in summary_rules()
    table = at.dataframe[0].value
    assert table[t("prod.col.item_a", "zh")].tolist() == pairs["item_a"].to_list()

    at.number_input(key="prod_min_lift").set_value(1000.0).run()
    assert t("prod.empty", "zh") in [i.value for i in at.info]

    other = at.selectbox(key="prod_window")
    other.set_value(0).run()
    assert not at.exception and not at.error


def test_products_exclusions_leave_items_out(demo: Path, data: CustomerData) -> None:
    at = _page("products_page.py")
    as_of = _as_of(data)
    start = as_of - dt.timedelta(days=364)
    # the demo has no postage codes: nothing is preselected
    assert at.multiselect(key="prod_exclude_sku").value == []
    pairs = product_pairs(data.orders, as_of=as_of, start=start)
    top = pairs["item_a"][0]
    at.multiselect(key="prod_exclude_sku").select(top).run()
    assert not at.exception and not at.error
    left = product_pairs(data.orders, as_of=as_of, start=start, exclude=[top])
    table = at.dataframe[0].value
    assert top not in table[t("prod.col.item_a", "zh")].tolist()
    assert table[t("prod.col.item_a", "zh")].tolist() == left["item_a"].head(500).to_list()
