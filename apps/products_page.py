"""Products page (商品关联): what is bought together — pairs with support, confidence and lift,
and "customers who bought X also bought Y".

Session keys start with ``prod_``; a widget with translated labels is keyed per language
(``prod_item_zh``) and its choice kept under the plain key (``prod_item``), see
:func:`_common.translated_choice`. Rules come from :func:`cimlab.analytics.affinity.product_pairs`,
cached on the workspace path, its data version and the widgets' values. Confidence is shown as
a percentage with one decimal (:data:`_common.PERCENT_FORMAT`), supports with two decimals or
more (:func:`support_format`), all × 100 and never rounded before display.
"""

from __future__ import annotations

import datetime as dt
import math
import re

import _common as common
import polars as pl
import streamlit as st

from cimlab.act.audiences import Audience, Rule
from cimlab.analytics.affinity import (
    ONLINE_RETAIL_NON_PRODUCTS,
    also_bought,
    baskets,
    item_labels,
    product_pairs,
    with_item_names,
)
from cimlab.charts.affinity import pairs_scatter_chart, top_pairs_chart
from cimlab.dates import window_start
from cimlab.i18n import t

WINDOWS = (30, 90, 180, 365, 0)  # days; 0 = all time
DEFAULT_WINDOW = 365
ITEMS = ("sku", "product_name", "category")
LEVELS = ("order", "customer")
ROWS_SHOWN = 500
TOP_PAIRS = 20
ALSO_BOUGHT = 10
SUPPORTS = ("support", "support_a", "support_b")


@st.cache_data(show_spinner=False, max_entries=32)
def _rules(
    path: str,
    version: str,
    as_of: dt.date,
    start: dt.date | None,
    level: str,
    item: str,
    thresholds: tuple[float, float, float, int, int | None],
    exclude: tuple[str, ...] = (),
    currency: str | None = None,
) -> tuple[pl.DataFrame, int, int]:
    """The rules, and the number of baskets and distinct items they were counted over
    (``currency``: the currency filter, :func:`_common.load_customer_data`)."""
    data = common.load_customer_data(path, version, currency=currency)
    assert data is not None
    min_support, min_confidence, min_lift, min_count, max_items = thresholds
    options = {
        "as_of": as_of,
        "start": start,
        "level": level,
        "item": item,
        "exclude": exclude,
        "time_zone": data.time_zone,
    }
    pairs = product_pairs(
        data.orders,
        **options,  # type: ignore[arg-type]
        min_support=min_support,
        min_confidence=min_confidence,
        min_lift=min_lift,
        min_count=min_count,
        max_basket_items=max_items,
    )
    kept = baskets(data.orders, **options, max_basket_items=max_items)  # type: ignore[arg-type]
    return pairs, kept["basket"].n_unique(), kept["item"].n_unique()


@st.cache_data(show_spinner=False, max_entries=16)
def _items(path: str, version: str, item: str, currency: str | None = None) -> list[str]:
    """The distinct values of the item column (the choices of items to leave out)."""
    data = common.load_customer_data(path, version, currency=currency)
    assert data is not None
    return data.orders[item].drop_nulls().cast(pl.String).unique().sort().to_list()


def _exclusions(path: str, version: str, item: str, lang: str) -> tuple[str, ...]:
    """Items to leave out; by default the known non-product codes (postage, fees) present."""
    choices = _items(path, version, item, common.chosen_currency())
    known = set(ONLINE_RETAIL_NON_PRODUCTS)
    chosen = st.multiselect(
        t("prod.exclude", lang),
        choices,
        default=[c for c in choices if c in known] if item == "sku" else [],
        help=t("prod.exclude_help", lang),
        key=f"prod_exclude_{item}",
    )
    return tuple(chosen)


@st.cache_data(show_spinner=False, max_entries=16)
def _labels(path: str, version: str, item: str, currency: str | None = None) -> pl.DataFrame | None:
    if item != "sku":
        return None  # names and categories are their own labels
    data = common.load_customer_data(path, version, currency=currency)
    assert data is not None
    return item_labels(data.orders, item="sku")


def _with_names(pairs: pl.DataFrame, labels: pl.DataFrame | None) -> pl.DataFrame:
    """Pairs with their items' names (:func:`cimlab.analytics.affinity.with_item_names`); names
    and categories are their own labels (no name columns)."""
    return pairs if labels is None else with_item_names(pairs, labels)


def support_format(table: pl.DataFrame) -> str:
    """The format of the support columns (in percent) of ``table``: two decimals, more when
    the smallest nonzero support needs them.

    A support is a share of baskets and is often tiny (2 of 20,000 baskets = 0.01%): one
    decimal would show "0.0%" for most pairs, and even two decimals would show "0.00%" past
    40,000 baskets. So the decimals grow until the smallest support shows a nonzero digit.
    """
    values = pl.concat([table[c] for c in SUPPORTS if c in table.columns], how="vertical")
    smallest = values.filter(values > 0).min() if values.len() else None
    decimals = 2
    if isinstance(smallest, int | float):
        decimals = max(decimals, -math.floor(math.log10(smallest)))
    return f"%.{decimals}f%%"


def _table(pairs: pl.DataFrame, lang: str) -> pl.DataFrame:
    """Pairs for display: supports and confidence × 100 (percent), lift to two decimals."""
    shown = pairs.with_columns(
        pl.col(c) * 100.0 for c in (*SUPPORTS, "confidence") if c in pairs.columns
    ).with_columns(pl.col("lift").round(2))
    return common.mask_columns(shown, {}).rename(
        {c: t(f"prod.col.{c}", lang) for c in shown.columns}
    )


def _show_table(table: pl.DataFrame, lang: str, *, key: str) -> None:
    """:func:`_table` as a dataframe: support and confidence as percentages, with a caption
    saying so (the toolbar's CSV has the bare numbers)."""
    headers = {t(f"prod.col.{c}", lang): c for c in SUPPORTS}
    supports = table.select(c for c in table.columns if c in headers).rename(headers)
    formats = {
        **dict.fromkeys(SUPPORTS, support_format(supports)),
        "confidence": common.PERCENT_FORMAT,
        "lift": "%.2f",
        "baskets_both": "%,d",
    }
    config = {
        t(f"prod.col.{c}", lang): st.column_config.NumberColumn(format=f)
        for c, f in formats.items()
    }
    st.dataframe(table, hide_index=True, column_config=config, placeholder="—", key=key)
    st.caption(t("ch.percent_note", lang))


def _controls(lang: str) -> tuple[int, str, str, tuple[float, float, float, int, int | None]]:
    top = st.columns(3)
    with top[0]:
        days = common.translated_choice(
            st.selectbox,
            t("sat.window", lang),
            WINDOWS,
            key="prod_window",
            lang=lang,
            default=DEFAULT_WINDOW,
            format_func=lambda d: (
                t("sat.window_all", lang) if d == 0 else t("sat.window_days", lang, n=d)
            ),
        )
    with top[1]:
        item = common.translated_choice(
            st.radio,
            t("prod.item", lang),
            ITEMS,
            key="prod_item",
            lang=lang,
            default=ITEMS[0],
            format_func=lambda x: t(f"prod.item.{x}", lang),
            horizontal=True,
        )
    with top[2]:
        level = common.translated_choice(
            st.radio,
            t("prod.level", lang),
            LEVELS,
            key="prod_level",
            lang=lang,
            default=LEVELS[0],
            format_func=lambda x: t(f"prod.level.{x}", lang),
            horizontal=True,
        )
    row = st.columns(5)
    support = row[0].number_input(
        t("prod.min_support", lang),
        min_value=0.0,
        max_value=100.0,
        value=0.1,
        step=0.1,
        format="%.2f",
        help=t("prod.min_support_help", lang),
        key="prod_min_support",
    )
    confidence = row[1].number_input(
        t("prod.min_confidence", lang),
        min_value=0.0,
        max_value=100.0,
        value=0.0,
        step=5.0,
        format="%.0f",
        help=t("prod.min_confidence_help", lang),
        key="prod_min_confidence",
    )
    lift = row[2].number_input(
        t("prod.min_lift", lang),
        min_value=0.0,
        value=1.0,
        step=0.5,
        format="%.1f",
        help=t("prod.min_lift_help", lang),
        key="prod_min_lift",
    )
    count = row[3].number_input(
        t("prod.min_count", lang), min_value=1, value=2, step=1, key="prod_min_count"
    )
    cap = row[4].number_input(
        t("prod.max_items", lang),
        min_value=0,
        value=0,
        step=50,
        help=t("prod.max_items_help", lang),
        key="prod_max_items",
    )
    thresholds = (
        float(support) / 100.0,
        float(confidence) / 100.0,
        float(lift),
        int(count),
        int(cap) if int(cap) >= 2 else None,
    )
    return int(days), str(item), str(level), thresholds


def _page(lang: str) -> None:
    inputs = common.analysis_inputs(lang)
    if inputs is None:
        return
    _, as_of = inputs
    path = str(common.workspace_dir())
    version = common.data_version(path)
    st.caption(t("prod.caption", lang))
    days, item, level, thresholds = _controls(lang)
    exclude = _exclusions(path, version, item, lang)
    start = window_start(as_of, days)
    currency = common.chosen_currency()
    pairs, n_baskets, n_items = _rules(
        path, version, as_of, start, level, item, thresholds, exclude, currency
    )
    with st.expander(t("prod.rules", lang)):
        st.markdown(t("prod.rules_text", lang))
    if n_baskets == 0:
        st.info(t("prod.no_orders", lang))
        return
    st.caption(
        common.t_md(
            "prod.summary",
            lang,
            baskets=f"{n_baskets:,}",
            items=f"{n_items:,}",
            rules=f"{pairs.height:,}",
        )
    )
    if pairs.is_empty():
        st.info(t("prod.empty", lang))
        return
    labels = _labels(path, version, item, currency)

    st.subheader(t("prod.top_pairs", lang))
    st.altair_chart(top_pairs_chart(pairs, labels=labels, n=TOP_PAIRS, lang=lang), width="stretch")
    st.subheader(t("prod.scatter", lang))
    st.altair_chart(pairs_scatter_chart(pairs, labels=labels, lang=lang), width="stretch")

    st.subheader(t("prod.table", lang))
    st.caption(
        common.t_md(
            "prod.table_caption",
            lang,
            shown=f"{min(ROWS_SHOWN, pairs.height):,}",
            rules=f"{pairs.height:,}",
        )
    )
    _show_table(
        _table(_with_names(pairs.head(ROWS_SHOWN), labels), lang), lang, key="prod_pairs_table"
    )

    st.subheader(t("prod.also_bought", lang))
    sources = pairs["item_a"].unique().sort().to_list()
    names = {} if labels is None else dict(labels.iter_rows())
    chosen = st.selectbox(
        t("prod.pick_item", lang),
        sources,
        format_func=lambda x: f"{x} · {names[x]}" if names.get(x) and names[x] != x else str(x),
        key="prod_also_item",
    )
    rows = also_bought(pairs, str(chosen), n=ALSO_BOUGHT) if chosen is not None else pairs.clear()
    if rows.is_empty():
        st.info(t("prod.also_none", lang))
    else:
        _show_table(_table(_with_names(rows, labels), lang), lang, key="prod_also_table")
        field = {"sku": "products_bought", "category": "categories_bought"}.get(item)
        if field is not None:  # the audience fields hold SKUs and categories
            _pair_audience(field, str(chosen), rows["item_b"].to_list(), names, lang)


def _pair_audience(
    field: str, bought: str, targets: list[str], names: dict[str, str], lang: str
) -> None:
    """ "Bought X, never Y" (Y among the items bought with X) as a draft audience."""

    def label(x: str) -> str:
        return f"{x} · {names[x]}" if names.get(x) and names[x] != x else str(x)

    left, right = st.columns([2, 1], vertical_alignment="bottom")
    with left:
        never = st.selectbox(
            t("cmp.pick_pair", lang),
            targets,
            format_func=lambda x: t("cmp.pair_label", lang, a=label(bought), b=label(x)),
            key="prod_pair_never",
        )
    with right:
        common.audience_button(
            Audience(
                re.sub(r"[:\s]+", "_", f"bought_{bought}_never_{never}")[:80],
                rules=(Rule(field, "contains", [bought]), Rule(field, "not_contains", [never])),
            ),
            lang,
            key="prod_pair_audience",
        )


lang = common.current_lang()
common.require("page.products", lang)  # whatever the URL: the role decides
st.title(t("nav.products", lang))
_page(lang)
