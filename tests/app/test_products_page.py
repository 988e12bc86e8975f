"""The Products page through ``AppTest`` on a demo workspace: supports and confidence in percent
(equal to :func:`cimlab.analytics.affinity.product_pairs`, never shown as "0.0%"), and choices that survive a
switch between the languages. Its other tests live in ``test_satisfaction_page.py``."""

from __future__ import annotations

import datetime as dt
import json
import math
from pathlib import Path
from typing import Any

import polars as pl
import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from cimlab.analytics import affinity
from cimlab.analytics.facts import CustomerData
from cimlab.i18n import t

ROOT = Path(__file__).resolve().parents[2]
APP = ROOT / "apps" / "streamlit_app.py"
TIMEOUT = 60
SUPPORTS = ("support", "support_a", "support_b")


def _page(lang: str = "zh") -> AppTest:
    at = AppTest.from_file(APP, default_timeout=TIMEOUT).run()
    if lang != "zh":
        at.radio(key="lang").set_value(lang).run()
    at.switch_page("products_page.py").run()
    _no_errors(at)
    return at


def _no_errors(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]


def _as_of(at: AppTest, lang: str) -> dt.date:
    [date_input] = [d for d in at.date_input if d.label == t("ana.as_of", lang)]
    assert isinstance(date_input.value, dt.date)
    return date_input.value


def _formats(at: AppTest, index: int) -> dict[str, str | None]:
    """Header → number format of the page's ``index``-th table (what the browser applies)."""
    columns = json.loads(at.dataframe[index].proto.columns)
    return {label: c.get("type_config", {}).get("format") for label, c in columns.items()}


def _percent(frame: Any, header: str) -> list[float]:
    return [float(v) for v in frame[header].tolist()]


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_supports_and_confidence_are_percentages(demo: Path, data: CustomerData, lang: str) -> None:
    at = _page(lang)
    as_of = _as_of(at, lang)
    start = as_of - dt.timedelta(days=364)  # default window: the last 365 days
    pairs = affinity.product_pairs(
        data.orders, as_of=as_of, start=start, time_zone=data.time_zone
    ).head(500)
    assert pairs.height > 0
    table = at.dataframe[0].value
    # × 100 and not rounded before display: the column format rounds
    for column in (*SUPPORTS, "confidence"):
        expected = (pairs[column] * 100).to_list()
        assert _percent(table, t(f"prod.col.{column}", lang)) == pytest.approx(expected, rel=1e-12)
    formats = _formats(at, 0)
    # the demo's smallest support is at least 0.01 %: two decimals show it
    smallest = pairs.select(pl.min_horizontal(pl.col(*SUPPORTS).min())).item()
    assert smallest * 100 >= 0.01
    assert {formats[t(f"prod.col.{c}", lang)] for c in SUPPORTS} == {"%.2f%%"}
    assert formats[t("prod.col.confidence", lang)] == "%.1f%%"
    # the tables download bare numbers: a caption says they are percentages
    assert t("ch.percent_note", lang) in [c.value for c in at.caption]


def test_a_tiny_support_never_reads_zero(
    demo: Path, data: CustomerData, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With very many baskets a support of 0.0025 % must not show as "0.00%": more decimals."""
    real = affinity.product_pairs

    def tiny(orders: pl.DataFrame, **options: Any) -> pl.DataFrame:
        pairs = real(orders, **options)
        return pairs.with_columns(pl.col(*SUPPORTS) / 400)  # as if 400 times the baskets

    monkeypatch.setattr(affinity, "product_pairs", tiny)
    st.cache_data.clear()  # the page caches the rules: compute them with the patch
    try:
        at = _page("en")
        table = at.dataframe[0].value
        formats = _formats(at, 0)
    finally:
        st.cache_data.clear()
    shown = [v for c in SUPPORTS for v in _percent(table, t(f"prod.col.{c}", "en"))]
    smallest = min(v for v in shown if v > 0)
    assert smallest < 0.005  # "%.2f%%" would print "0.00%"
    decimals = -math.floor(math.log10(smallest))
    assert decimals >= 3
    assert {formats[t(f"prod.col.{c}", "en")] for c in SUPPORTS} == {f"%.{decimals}f%%"}
    assert float(f"%.{decimals}f" % smallest) > 0  # what the browser prints is not zero


def test_choices_survive_a_language_switch(demo: Path, data: CustomerData) -> None:
    """Radios and selectboxes with translated labels keep their choice after 中文 → English."""
    at = _page("zh")
    at.selectbox(key="prod_window_zh").set_value(180).run()
    at.radio(key="prod_item_zh").set_value("category").run()
    at.radio(key="prod_level_zh").set_value("customer").run()
    _no_errors(at)
    at.radio(key="lang").set_value("en").run()
    _no_errors(at)

    window = at.selectbox(key="prod_window_en")
    assert window.value == 180
    assert window.options[2] == t("sat.window_days", "en", n=180)
    item = at.radio(key="prod_item_en")
    assert item.value == "category"
    assert item.options == [t(f"prod.item.{x}", "en") for x in ("sku", "product_name", "category")]
    assert at.radio(key="prod_level_en").value == "customer"
    # the rules shown are those of the choices
    as_of = _as_of(at, "en")
    pairs = affinity.product_pairs(
        data.orders,
        as_of=as_of,
        start=as_of - dt.timedelta(days=179),
        level="customer",
        item="category",
        time_zone=data.time_zone,
    )
    assert pairs.height > 0
    table = at.dataframe[0].value
    assert table[t("prod.col.item_a", "en")].tolist() == pairs["item_a"].head(500).to_list()
