"""The Satisfaction and Products pages through ``AppTest`` on a demo workspace (300 people):
both languages, figures equal to cimlab's functions on the same data, widgets that change the
result, and the hint on a workspace whose identities were never resolved."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pandas as pd
import polars as pl
import pytest
from streamlit.testing.v1 import AppTest
from streamlit.testing.v1.element_tree import Block

from cimlab.analytics.affinity import also_bought, baskets, product_pairs
from cimlab.analytics.facts import CustomerData
from cimlab.analytics.rfm import rfm
from cimlab.analytics.satisfaction import satisfaction, unhappy_high_value
from cimlab.i18n import t
from tests.app.markdown_checks import shown_text

ROOT = Path(__file__).resolve().parents[2]
APP = ROOT / "apps" / "streamlit_app.py"
TIMEOUT = 60


def _page(name: str, lang: str = "zh") -> AppTest:
    at = AppTest.from_file(APP, default_timeout=TIMEOUT).run()
    if lang != "zh":
        at.radio(key="lang").set_value(lang).run()
    at.switch_page(name).run()
    _no_errors(at)
    return at


def _no_errors(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]


def _as_of(at: AppTest, lang: str) -> dt.date:
    """The analysis date the page uses (the shared date input)."""
    [date_input] = [d for d in at.date_input if d.label == t("ana.as_of", lang)]
    assert isinstance(date_input.value, dt.date)
    return date_input.value


def _zone(data: CustomerData) -> str:
    """The zone the page counts days in: the workspace's business time zone."""
    return data.time_zone


def _sat(data: CustomerData, **options: Any) -> pl.DataFrame:
    """:func:`satisfaction` as the page calls it."""
    return satisfaction(
        data.feedback, interactions=data.interactions, time_zone=_zone(data), **options
    )


def _table(at: AppTest, key: str, *, full: bool = False) -> pd.DataFrame:
    """A table of the page by its container's key: the compact one, or every column."""
    block = at.get_by_key(key)
    assert isinstance(block, Block)
    tables = block.expander[0].dataframe if full else block.dataframe
    assert len(tables) == 1 if full else len(tables) == 2  # the compact table + the expander's
    return tables[0].value


def _formats(at: AppTest, key: str) -> dict[str, str | None]:
    """Header → number format of the compact table (what the browser applies)."""
    columns = json.loads(at.get_by_key(key).dataframe[0].proto.columns)  # type: ignore[union-attr]
    return {
        label: config.get("type_config", {}).get("format")
        for label, config in columns.items()
        if label != "_index"
    }


def _points(value: float | None) -> str | None:
    """NPS points as the page writes them (value already rounded to 0.1): "+12.5", "-3.0"."""
    return None if value is None else f"{value + 0.0:+.1f}"


def _expected_rows(stats: pl.DataFrame) -> pl.DataFrame:
    """The page's figures: answered groups, shares × 100 and NPS rounded to one decimal."""
    answered = pl.col("nps_answers") + pl.col("csat_answers") + pl.col("complaint_base") > 0
    shares = ("csat", "csat_low", "csat_high", "complaint_rate", "complaint_low", "complaint_high")
    return stats.filter(answered).with_columns(
        pl.col("nps", "nps_low", "nps_high").round(1),
        pl.col("csat_mean").round(2),
        (pl.col(*shares) * 100).round(1),
    )


def _column(frame: pd.DataFrame, header: str) -> list[Any]:
    """A column's values with NaN/None as None (pandas reads nulls as NaN or None)."""
    return [None if pd.isna(v) else v for v in frame[header].tolist()]


# ----------------------------------------------------------------------------- Satisfaction

MEASURES = ("nps", "csat", "complaint_rate")  # the trend's radio, in order
COMPACT = (
    "nps",
    "nps_interval",
    "nps_answers",
    "csat",
    "csat_answers",
    "complaint_rate",
    "complaints",
    "complaint_base",
)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_satisfaction_page_shows_the_functions_figures(
    demo: Path, data: CustomerData, lang: str
) -> None:
    at = _page("satisfaction_page.py", lang)
    assert at.title[0].value == t("nav.satisfaction", lang)
    as_of = _as_of(at, lang)
    start = as_of - dt.timedelta(days=89)  # default window: the last 90 days
    overall = _sat(data, as_of=as_of, start=start).row(0, named=True)
    metrics = {m.label: m for m in at.metric}
    nps = metrics[t("sat.metric.nps", lang)]
    assert overall["nps"] is not None and overall["csat"] is not None
    assert nps.value == f"{overall['nps']:+.1f}"  # signed points
    assert metrics[t("sat.metric.csat", lang)].value == f"{overall['csat']:.1%}"
    assert metrics[t("sat.metric.complaint_rate", lang)].value == f"{overall['complaint_rate']:.1%}"
    # the change against the 90 days before
    prev_end = start - dt.timedelta(days=1)
    before = _sat(data, as_of=prev_end, start=prev_end - dt.timedelta(days=89)).row(0, named=True)
    assert before["nps"] is not None
    assert nps.delta == f"{overall['nps'] - before['nps']:+.1f}"
    headers = [t(k, lang) for k in ("sat.by_channel", "sat.by_segment", "sat.trend", "sat.unhappy")]
    assert [s.value for s in at.subheader] == headers

    conf = "95%"
    for by, key in (("channel", "sat_channel_table"), ("segment", "sat_segment_table")):
        options: dict[str, Any] = {"as_of": as_of, "start": start, "by": by}
        if by == "segment":
            options["segments"] = rfm(data.orders, as_of=as_of, time_zone=_zone(data))
        expected = _expected_rows(_sat(data, **options))
        group = t(f"sat.group.{by}", lang)

        # the compact table: the group, then the essentials, nothing else
        compact = _table(at, key)
        names = {c: t(f"sat.col.{c}", lang, conf=conf) for c in COMPACT}
        assert list(compact.columns) == [group, *names.values()]
        assert len(compact) == expected.height > 0  # groups without answers or contacts left out
        for column in ("nps", "csat", "complaint_rate", "nps_answers", "csat_answers",
                       "complaints", "complaint_base"):  # fmt: skip
            assert _column(compact, names[column]) == expected[column].to_list(), column
        sep = t("sat.range_sep", lang)
        intervals = [
            None if low is None else f"{_points(low)}{sep}{_points(high)}"
            for low, high in expected.select("nps_low", "nps_high").rows()
        ]
        assert _column(compact, names["nps_interval"]) == intervals
        # one format per kind: shares "10.6%" / "3.0%", NPS "+12.5", counts "1,234"
        formats = _formats(at, key)
        assert formats[names["nps"]] == "%+.1f"
        assert formats[names["csat"]] == formats[names["complaint_rate"]] == "%.1f%%"
        assert formats[names["nps_answers"]] == formats[names["complaint_base"]] == "%,d"

        # every column, in the expander
        full = _table(at, key, full=True)
        every = {c: t(f"sat.col.{c}", lang) for c in expected.columns if c != by}
        assert list(full.columns) == [group, *every.values()]
        for column, header in every.items():
            assert _column(full, header) == expected[column].to_list(), column

    # segments in their fixed order (best first), "no segment" last; a segment without NPS
    # answers has no NPS and no interval (shown as "—")
    segments = _table(at, "sat_segment_table")
    labels = segments[t("sat.group.segment", lang)].tolist()
    assert labels[0] == ("冠军客户" if lang == "zh" else "Champions")
    assert labels[-1] == t("sat.no_segment", lang)
    silent = segments[segments[t("sat.col.nps_answers", lang)] == 0]
    assert len(silent) > 0
    assert silent[t("sat.col.nps", lang)].isna().all()
    assert silent[t("sat.col.nps_interval", lang, conf=conf)].isna().all()


def test_satisfaction_widgets_change_the_result(demo: Path, data: CustomerData) -> None:
    at = _page("satisfaction_page.py")
    as_of = _as_of(at, "zh")
    at.selectbox(key="sat_window_zh").set_value(0).run()  # all time
    _no_errors(at)
    overall = _sat(data, as_of=as_of).row(0, named=True)
    metrics = {m.label: m for m in at.metric}
    assert metrics[t("sat.metric.nps", "zh")].value == f"{overall['nps']:+.1f}"
    assert metrics[t("sat.metric.nps", "zh")].delta == ""  # no previous period for all time
    assert overall["nps_answers"] == data.feedback["nps"].count()
    channels = _table(at, "sat_channel_table")
    assert channels[t("sat.col.nps_answers", "zh")].sum() == overall["nps_answers"]

    # the unhappy high-value table follows the share chosen
    at.select_slider(key="sat_top_share").set_value(0.5).run()
    zone = _zone(data)
    expected = unhappy_high_value(
        data.feedback, rfm(data.orders, as_of=as_of, time_zone=zone), as_of=as_of,
        interactions=data.interactions, top_share=0.5, time_zone=zone,
    )  # fmt: skip
    assert expected.height > 0
    shown = at.get_by_key("sat_unhappy_table").dataframe[0].value  # type: ignore[union-attr]
    assert shown[t("sat.col.customer_id", "zh")].tolist() == expected["customer_id"].to_list()
    assert not any("@" in str(v) for v in shown.to_numpy().ravel())  # ids only, no contact data

    at.radio(key="sat_measure_zh").set_value("complaint_rate").run()
    _no_errors(at)


def test_satisfaction_choices_survive_a_language_switch(demo: Path) -> None:
    """A translated selectbox or radio keeps its choice and shows it in the new language."""
    at = _page("satisfaction_page.py")
    at.selectbox(key="sat_window_zh").set_value(30).run()
    at.radio(key="sat_measure_zh").set_value("complaint_rate").run()
    at.radio(key="lang").set_value("en").run()
    _no_errors(at)
    window = at.selectbox(key="sat_window_en")
    assert window.value == 30
    assert window.options == ["Last 30 days", "Last 90 days", "Last 180 days",
                              "Last 365 days", "All time"]  # fmt: skip
    measure = at.radio(key="sat_measure_en")
    assert measure.value == "complaint_rate"
    assert measure.options == [t(f"sat.metric.{m}", "en") for m in MEASURES]
    as_of = _as_of(at, "en")
    start = as_of - dt.timedelta(days=29)
    assert any(shown_text(c.value).startswith(f"{start} to {as_of};") for c in at.caption)
    # the other language's widgets are gone, the choice is back in Chinese
    at.radio(key="lang").set_value("zh").run()
    assert at.selectbox(key="sat_window_zh").value == 30
    assert at.radio(key="sat_measure_zh").value == "complaint_rate"


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
    as_of = _as_of(at, lang)
    start = as_of - dt.timedelta(days=364)  # default window: the last 365 days
    zone = data.time_zone
    pairs = product_pairs(data.orders, as_of=as_of, start=start, time_zone=zone)
    n_baskets = baskets(data.orders, as_of=as_of, start=start, time_zone=zone)
    summary = t(
        "prod.summary",
        lang,
        baskets=f"{n_baskets['basket'].n_unique():,}",
        items=f"{n_baskets['item'].n_unique():,}",
        rules=f"{pairs.height:,}",
    )
    assert summary in [shown_text(c.value) for c in at.caption]
    assert pairs.height > 0
    table = at.dataframe[0].value
    assert table[t("prod.col.item_a", lang)].tolist() == pairs["item_a"].head(500).to_list()
    assert table[t("prod.col.lift", lang)].tolist() == pairs["lift"].head(500).round(2).to_list()
    # "also bought" for the item picked
    item = at.selectbox(key="prod_also_item").value
    assert isinstance(item, str)
    expected = also_bought(pairs, item, n=10)
    shown = at.dataframe[1].value
    assert shown[t("prod.col.item_b", lang)].tolist() == expected["item_b"].to_list()


def test_products_widgets_change_the_result(demo: Path, data: CustomerData) -> None:
    at = _page("products_page.py")
    as_of = _as_of(at, "zh")
    start = as_of - dt.timedelta(days=364)
    zone = data.time_zone

    def summary_rules() -> str:
        return next(shown_text(c.value) for c in at.caption if "条规则" in c.value)

    before = summary_rules()
    at.radio(key="prod_level_zh").set_value("customer").run()
    assert not at.exception and not at.error
    pairs = product_pairs(data.orders, as_of=as_of, start=start, level="customer", time_zone=zone)
    assert f"{pairs.height:,} 条规则" in summary_rules() and summary_rules() != before

    at.radio(key="prod_item_zh").set_value("category").run()
    pairs = product_pairs(
        data.orders, as_of=as_of, start=start, level="customer", item="category", time_zone=zone
    )
    assert f"{pairs.height:,} 条规则" in summary_rules()
    table = at.dataframe[0].value
    assert table[t("prod.col.item_a", "zh")].tolist() == pairs["item_a"].to_list()

    at.number_input(key="prod_min_lift").set_value(1000.0).run()
    assert t("prod.empty", "zh") in [i.value for i in at.info]

    other = at.selectbox(key="prod_window_zh")
    other.set_value(0).run()
    assert not at.exception and not at.error


def test_products_exclusions_leave_items_out(demo: Path, data: CustomerData) -> None:
    at = _page("products_page.py")
    as_of = _as_of(at, "zh")
    start = as_of - dt.timedelta(days=364)
    zone = data.time_zone
    # the demo has no postage codes: nothing is preselected
    assert at.multiselect(key="prod_exclude_sku").value == []
    pairs = product_pairs(data.orders, as_of=as_of, start=start, time_zone=zone)
    top = pairs["item_a"][0]
    at.multiselect(key="prod_exclude_sku").select(top).run()
    assert not at.exception and not at.error
    left = product_pairs(data.orders, as_of=as_of, start=start, exclude=[top], time_zone=zone)
    table = at.dataframe[0].value
    assert top not in table[t("prod.col.item_a", "zh")].tolist()
    assert table[t("prod.col.item_a", "zh")].tolist() == left["item_a"].head(500).to_list()
