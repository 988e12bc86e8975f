"""Customers page (客户): resolve identities, search, the customer 360, tags, consent, merge/split.

Session keys start with ``cust_``. Writes (resolve, tags, consent, merge, split, review
decisions, reveal) run in button callbacks, before the page is drawn again, so every table
below shows the new state; their outcome is kept in ``cust_flash`` and shown once, next to the
control. Names, phones and e-mails are masked everywhere as in the import preview (``林**``,
``138****8000``, ``a***@x.com``): search results, the review queue, the 360 view's header,
golden record, lineage and orders. Unmasked values appear only in the 360 view when
:func:`_common.reveal_allowed`, after a reason is given, and every reveal is logged
(:func:`cimlab.customers.profile.reveal_pii`). The 360 view's order list keeps each line's amount
and currency as paid; its net-spend card is converted into the reporting currency (or says which
currency lacks a rate), with the totals per original currency under the cards.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Callable
from typing import Any
from zoneinfo import ZoneInfo

import _common as common
import polars as pl
import streamlit as st

from cimlab import identity
from cimlab.customers import consent, profile, tags
from cimlab.i18n import MESSAGES, channel_label, column_label, t, table_label
from cimlab.privacy import mask_email_expr, mask_name, mask_name_expr, mask_phone_expr

SEARCH_LIMIT = 50
ROWS_SHOWN = 500
FLASH = "cust_flash"
REVEALED = "cust_revealed"
_TAG_SPLIT = re.compile(r"[,，;；]")
_CONTACT = {"phone": "phone", "email": "email", "customer_name": "name", "name": "name"}


# ----------------------------------------------------------------------------- cached reads
# Keyed on the workspace path, its data version (changes with every write) and plain values.


@st.cache_data(show_spinner=False, max_entries=16)
def _status(path: str, version: str) -> dict[str, Any]:
    ws = common.get_workspace(path)
    cmap = identity.customer_map(ws)
    by_rule = cmap.group_by("rule").len().sort("len", descending=True)
    return {
        "records": cmap.height,
        "customers": cmap["customer_id"].n_unique(),
        "by_rule": dict(zip(by_rule["rule"].to_list(), by_rule["len"].to_list(), strict=True)),
        "blocked": identity.blocked_keys(ws).height,
        "proposals": identity.review_queue(ws).height,
        "unlinked": identity.unlinked_records(ws),
        "removed": identity.removed_records(ws),
    }


@st.cache_data(show_spinner=False, max_entries=64)
def _search(path: str, version: str, text: str) -> pl.DataFrame:
    """:func:`cimlab.customers.profile.search_customers` (a unified id typed as is comes first)."""
    ws = common.get_workspace(path)
    with ws.reading():  # its reads share one open of the database
        return profile.search_customers(ws, text, limit=SEARCH_LIMIT)


@st.cache_data(show_spinner=False, max_entries=32)
def _profile(path: str, version: str, customer_id: str) -> profile.CustomerProfile:
    ws = common.get_workspace(path)
    with ws.reading():  # its reads (a dozen tables) share one open of the database
        return profile.customer_profile(ws, customer_id)


@st.cache_data(show_spinner=False, max_entries=32)
def _explain(path: str, version: str, customer_id: str) -> pl.DataFrame:
    ws = common.get_workspace(path)
    with ws.reading():
        return identity.explain(ws, customer_id)


@st.cache_data(show_spinner=False, max_entries=16)
def _review(path: str, version: str) -> pl.DataFrame:
    """:func:`cimlab.customers.profile.named_review_queue`: proposals with both sides' names."""
    return profile.named_review_queue(common.get_workspace(path))


# ----------------------------------------------------------------------------- display helpers


def _label(prefix: str, value: object, lang: str) -> str:
    """A translated value (``cust.rule.phone``), or the value as written when unknown."""
    key = f"{prefix}.{value}"
    return t(key, lang) if key in MESSAGES else str(value)


def _relabel(frame: pl.DataFrame, column: str, label: Callable[[str], str]) -> pl.Expr:
    """``column`` with each value replaced by ``label(value)`` (lists: labels joined)."""
    series = frame[column]
    is_list = isinstance(series.dtype, pl.List)
    values = (series.explode() if is_list else series).drop_nulls().unique().to_list()
    mapping = {v: label(v) for v in values}
    if is_list:
        return pl.col(column).list.eval(pl.element().replace(mapping)).list.join(", ")
    return pl.col(column).replace(mapping)


def _when(expr: pl.Expr, fmt: str = "%Y-%m-%d %H:%M") -> pl.Expr:
    """A UTC time as text in the business time zone (the page's ``zone``)."""
    return expr.dt.convert_time_zone(zone).dt.strftime(fmt)


def _day(value: object) -> str:
    return value.strftime("%Y-%m-%d") if isinstance(value, dt.date | dt.datetime) else "–"


def _channels(values: list[str] | None, lang: str) -> str:
    return ", ".join(channel_label(c, lang) for c in values or [])


def _source(value: object, lang: str) -> str:
    """``channel/source id`` (a golden record's source) as ``渠道 · id``."""
    channel, _, source_id = str(value or "").partition("/")
    return f"{channel_label(channel, lang)} · {source_id}" if source_id else channel


def _table(
    frame: pl.DataFrame,
    kinds: dict[str, str] | None = None,
    *,
    table: str | None = None,
    lang: str = "zh",
) -> None:
    """Show a frame: contact columns masked (``kinds``; e-mails and mobiles inside any other
    text too), empty text for missing values, canonical headers of ``table`` translated."""
    shown = common.mask_columns(frame, kinds or {})
    shown = shown.with_columns(pl.col(pl.String).fill_null(""))
    if table is not None:
        shown = shown.rename({c: column_label(table, c, lang) for c in shown.columns})
    st.dataframe(shown, hide_index=True)


def _flash(section: str) -> None:
    """Show (once) the outcome of the last action of ``section``."""
    note = st.session_state.get(FLASH)
    if not note or note["section"] != section:
        return
    del st.session_state[FLASH]
    (st.success if note["ok"] else st.error)(common.md_text(note["text"]))


class _Refused(Exception):
    """A request the page turns down before calling cimlab (its text is shown as is)."""


def _fail(key: str, lang: str) -> common.Markdown:
    """Turn the request down with the text ``key`` (our own, no placeholders)."""
    raise _Refused(common.t_md(key, lang))


def _act(section: str, work: Callable[[str], str]) -> None:
    """Run a write from a button callback; keep its outcome for :func:`_flash`.

    ``work(lang)`` returns the success text. Errors never escape (a callback runs outside the
    page's guard): cimlab's own messages are shown, anything else is logged and summarised.
    """
    lang = common.current_lang()
    try:
        text, ok = work(lang), True
    except _Refused as exc:
        text, ok = exc.args[0], False
    except Exception as exc:
        text, ok = common.error_message(exc, lang, context=f"customers: {section}"), False
    st.session_state[FLASH] = {"section": section, "ok": ok, "text": text}


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


# ----------------------------------------------------------------------------- actions


def _resolve(path: str) -> None:
    def work(lang: str) -> str:
        common.permit("resolve")
        fuzzy = bool(st.session_state.get("cust_fuzzy"))
        when = _now()
        with common.long_work(common.Markdown(t("app.work_resolve", lang)), lang):
            result = identity.resolve(common.get_workspace(path), at=when, fuzzy=fuzzy)
        common.audit_event("resolve", at=when, n=result.customers)  # who: identity_runs has when
        links = ", ".join(
            f"{_label('cust.rule', rule, lang)} {n:,}"
            for rule, n in sorted(result.links_by_rule.items(), key=lambda kv: -kv[1])
        )
        return common.t_md(
            "cust.resolved",
            lang,
            records=f"{result.records:,}",
            customers=f"{result.customers:,}",
            links=links or t("cust.none", lang),
            blocked=result.blocked_keys,
            proposals=result.review_proposals,
            kept=result.ids_kept,
            new=result.ids_new,
            households=result.households,
        )

    _act("resolve", work)


def _decide(path: str, accept_it: bool) -> None:
    def work(lang: str) -> str:
        common.permit("resolve")
        review_id = st.session_state.get("cust_review_pick")
        if not review_id:
            return _fail("cust.review_pick_first", lang)
        decide = identity.accept if accept_it else identity.reject
        result = decide(
            common.get_workspace(path), review_id, at=_now(), user=common.current_user()
        )
        key = "cust.review_accepted" if accept_it else "cust.review_rejected"
        return common.t_md(key, lang, review=review_id, customers=", ".join(result.customer_ids))

    _act("review", work)


def _tag(path: str, customer_id: str, add: bool) -> None:
    def work(lang: str) -> str:
        common.permit("tags.edit")
        names = [x.strip() for x in _TAG_SPLIT.split(st.session_state.get("cust_tag_text", ""))]
        names = [x for x in names if x]
        if not names:
            return _fail("cust.tag_empty", lang)
        change = tags.add_tags if add else tags.remove_tags
        n = change(
            common.get_workspace(path), customer_id, names, at=_now(), user=common.current_user()
        )
        st.session_state["cust_tag_text"] = ""
        key = "cust.tags_added" if add else "cust.tags_removed"
        return common.t_md(key, lang, n=n, tags=", ".join(names))

    _act("tags", work)


def _refresh_rules(path: str) -> None:
    def work(lang: str) -> str:
        common.permit("tags.edit")
        as_of = st.session_state.get("cust_rule_as_of") or _now().date()
        summary = tags.refresh_rule_tags(common.get_workspace(path), as_of=as_of, at=_now())
        parts = [
            t("cust.rule_tag_count", lang, tag=_label("cust.tag", r["tag"], lang), n=r["members"])
            for r in summary.iter_rows(named=True)
        ]
        return common.t_md("cust.rules_refreshed", lang, as_of=_day(as_of), counts="; ".join(parts))

    _act("rules", work)


def _set_consent(path: str, customer_id: str) -> None:
    def work(lang: str) -> str:
        common.permit("consent.edit")
        if not st.session_state.get("cust_consent_confirm"):
            return _fail("cust.confirm_first", lang)
        purpose = st.session_state["cust_consent_purpose"]
        granted = st.session_state["cust_consent_granted"] == "in"
        note = (st.session_state.get("cust_consent_note") or "").strip() or None
        consent.set_consent(
            common.get_workspace(path),
            customer_id,
            purpose,
            granted=granted,
            at=_now(),
            user=common.current_user(),
            note=note,
        )
        st.session_state["cust_consent_confirm"] = False
        st.session_state["cust_consent_note"] = ""
        key = "cust.consent_saved_in" if granted else "cust.consent_saved_out"
        return common.t_md(key, lang, purpose=_label("cust.purpose", purpose, lang))

    _act("consent", work)


def _merge(path: str, customer_id: str) -> None:
    def work(lang: str) -> str:
        common.permit("resolve")
        other = (st.session_state.get("cust_merge_other") or "").strip().upper()
        if not st.session_state.get("cust_merge_confirm"):
            return _fail("cust.confirm_first", lang)
        if not other:
            return _fail("cust.merge_need_id", lang)
        result = identity.merge_customers(
            common.get_workspace(path), customer_id, other, at=_now(), user=common.current_user()
        )
        merged = result.customer_ids[0]
        st.session_state["cust_merge_confirm"] = False
        st.session_state["cust_merge_other"] = ""
        st.session_state["cust_query"] = merged  # show the merged customer next
        return common.t_md("cust.merged", lang, a=customer_id, b=other, merged=merged)

    _act("merge", work)


def _split(path: str, customer_id: str) -> None:
    def work(lang: str) -> str:
        common.permit("resolve")
        chosen = list(st.session_state.get("cust_split_records") or [])
        if not st.session_state.get("cust_split_confirm"):
            return _fail("cust.confirm_first", lang)
        if not chosen:
            return _fail("cust.split_need_records", lang)
        records = [tuple(x.split(":", 1)) for x in chosen]
        result = identity.split_customer(
            common.get_workspace(path),
            customer_id,
            [(c, i) for c, i in records],
            at=_now(),
            user=common.current_user(),
        )
        st.session_state["cust_split_confirm"] = False
        st.session_state["cust_split_records"] = []
        return common.t_md(
            "cust.split_done", lang, customer=customer_id, parts=", ".join(result.customer_ids)
        )

    _act("split", work)


def _reveal(path: str, customer_id: str) -> None:
    def work(lang: str) -> str:
        common.permit("reveal")
        if not common.reveal_allowed():  # the button is absent then; a stale click does nothing
            return _fail("cust.reveal_off", lang)
        reason = (st.session_state.get("cust_reveal_reason") or "").strip()
        if not reason:
            return _fail("cust.reveal_need_reason", lang)
        values = profile.reveal_pii(
            common.get_workspace(path),
            customer_id,
            user=common.current_user(),
            at=_now(),
            reason=reason,
        )
        st.session_state[REVEALED] = values
        st.session_state["cust_reveal_reason"] = ""
        return common.t_md("cust.reveal_logged", lang, user=common.current_user())

    _act("reveal", work)


# ----------------------------------------------------------------------------- sections


def _resolution_section(ws_path: str, status: dict[str, Any], lang: str) -> None:
    st.subheader(t("cust.resolve_header", lang))
    if status["records"] == 0:
        st.info(t("cust.never_resolved", lang))
    else:
        records, customers, blocked, proposals = st.columns(4)
        records.metric(t("cust.m_records", lang), f"{status['records']:,}", border=True)
        customers.metric(t("cust.m_customers", lang), f"{status['customers']:,}", border=True)
        blocked.metric(
            t("cust.m_blocked", lang),
            f"{status['blocked']:,}",
            help=t("cust.m_blocked_help", lang),
            border=True,
        )
        proposals.metric(t("cust.m_proposals", lang), f"{status['proposals']:,}", border=True)
        by_rule = ", ".join(
            f"{_label('cust.rule', rule, lang)} {n:,}" for rule, n in status["by_rule"].items()
        )
        st.caption(common.t_md("cust.records_by_rule", lang, rules=by_rule))
        if status["unlinked"]:
            st.warning(common.t_md("cust.unlinked", lang, n=f"{status['unlinked']:,}"))
        if status["removed"]:
            st.warning(common.t_md("cust.removed", lang, n=f"{status['removed']:,}"))
    left, right = st.columns([1, 3], vertical_alignment="center")
    left.button(
        t("cust.resolve_button", lang),
        key="cust_resolve",
        type="primary",
        icon=":material/join:",
        on_click=_resolve,
        args=(ws_path,),
        help=t("cust.resolve_help", lang),
        disabled=not common.can("resolve"),
    )
    right.checkbox(t("cust.fuzzy", lang), key="cust_fuzzy", help=t("cust.fuzzy_help", lang))
    _flash("resolve")


def _review_section(ws_path: str, version: str, lang: str) -> None:
    queue = _review(ws_path, version)
    with st.expander(common.t_md("cust.review_header", lang, n=queue.height), expanded=False):
        _flash("review")
        if queue.is_empty():
            st.caption(t("cust.review_empty", lang))
            return
        st.caption(t("cust.review_help", lang))
        yes, no = t("cust.yes", lang), t("cust.no", lang)

        def flag(col: str) -> pl.Expr:
            return (
                pl.when(pl.col(col)).then(pl.lit(yes)).when(pl.col(col).is_null())
                .then(pl.lit("?")).otherwise(pl.lit(no))
            )  # fmt: skip

        def record(side: str) -> pl.Expr:
            channel = pl.col(f"channel_{side}").replace_strict(
                {c: channel_label(c, lang) for c in queue[f"channel_{side}"].unique().to_list()},
                default=pl.col(f"channel_{side}"),
                return_dtype=pl.String,
            )
            return channel + " " + pl.col(f"source_customer_id_{side}")

        shown = queue.select(
            pl.col("review_id").alias(t("cust.col_review", lang)),
            pl.col("score").round(2).alias(t("cust.col_score", lang)),
            pl.col("customer_id_a").alias(t("cust.col_customer_a", lang)),
            pl.col("name_a").alias(t("cust.col_name_a", lang)),
            record("a").alias(t("cust.col_record_a", lang)),
            pl.col("customer_id_b").alias(t("cust.col_customer_b", lang)),
            pl.col("name_b").alias(t("cust.col_name_b", lang)),
            record("b").alias(t("cust.col_record_b", lang)),
            (pl.col("name_score") * 100).round(0).alias(t("cust.col_name_score", lang)),
            flag("same_city").alias(t("cust.col_same_city", lang)),
            flag("same_birth_date").alias(t("cust.col_same_birth", lang)),
        )
        reason = "reason_zh" if lang == "zh" else "reason"
        if reason in queue.columns:  # why, in words (names masked)
            shown = shown.with_columns(queue[reason].alias(t("cust.col_reason", lang)))
        names = {t("cust.col_name_a", lang): "name", t("cust.col_name_b", lang): "name"}
        _table(shown, names)
        labels = {
            r["review_id"]: t(
                "cust.review_option",
                lang,
                review=r["review_id"],
                a=f"{r['customer_id_a']} {mask_name(r['name_a']) or ''}".strip(),
                b=f"{r['customer_id_b']} {mask_name(r['name_b']) or ''}".strip(),
                score=f"{r['score']:.2f}",
            )
            for r in queue.iter_rows(named=True)
        }
        st.selectbox(
            t("cust.review_pick", lang),
            list(labels),
            format_func=labels.__getitem__,
            key="cust_review_pick",
        )
        accept, reject, _ = st.columns([1, 1, 3])
        accept.button(
            t("cust.review_accept", lang),
            key="cust_review_accept",
            icon=":material/check:",
            on_click=_decide,
            args=(ws_path, True),
        )
        reject.button(
            t("cust.review_reject", lang),
            key="cust_review_reject",
            icon=":material/close:",
            on_click=_decide,
            args=(ws_path, False),
        )


def _results_frame(results: pl.DataFrame, lang: str) -> pl.DataFrame:
    return results.select(
        pl.col("customer_id").alias(t("cust.col_customer", lang)),
        pl.col("display_name").alias(t("cust.col_name", lang)),
        pl.col("phone_masked").alias(t("cust.col_phone", lang)),
        pl.col("email_masked").alias(t("cust.col_email", lang)),
        _relabel(results, "channels", lambda c: channel_label(c, lang)).alias(
            t("cust.col_channels", lang)
        ),
        _relabel(results, "matched_on", lambda k: _label("cust.match", k, lang)).alias(
            t("cust.col_matched", lang)
        ),
    )


def _search_section(ws_path: str, version: str, lang: str) -> str | None:
    """The search box and results; returns the customer to open (or None)."""
    st.subheader(t("cust.search_header", lang))
    text = st.text_input(
        t("cust.search", lang),
        key="cust_query",
        placeholder=t("cust.search_placeholder", lang),
        help=t("cust.search_help", lang),
    )
    if not text.strip():
        st.caption(t("cust.search_hint", lang))
        return None
    results = _search(ws_path, version, text.strip())
    if results.is_empty():
        st.info(common.t_md("cust.no_results", lang, text=text.strip()))
        return None
    more = t("cust.results_capped", lang) if results.height >= SEARCH_LIMIT else ""
    st.caption(common.t_md("cust.results", lang, n=results.height, more=more))
    _table(_results_frame(results, lang))
    labels = {
        row["customer_id"]: " · ".join(
            x
            for x in (
                row["customer_id"],
                row["display_name"],
                row["phone_masked"],
                row["email_masked"],
            )
            if x
        )
        for row in results.iter_rows(named=True)
    }
    return st.selectbox(
        t("cust.open", lang),
        list(labels),
        format_func=labels.__getitem__,
        key="cust_pick",
        help=t("cust.open_help", lang),
    )


# ----------------------------------------------------------------------------- the 360 view


def _spend(row: Any, view: profile.CustomerProfile, lang: str) -> None:
    """The net-spend card in ``row``, its label with the reporting currency.

    Converted into the reporting currency; "no rate" when a currency of the customer's lines
    lacks one on their day (the tooltip names it); "not shown" when every amount is a
    placeholder. Amounts as bought, per currency, are under the cards and in the order list."""
    m = view.metrics
    currency = m.get("currency")
    label = common.md_text(
        t("money.header", lang, label=t("cust.m_spend", lang), unit=currency)
        if currency
        else t("cust.m_spend", lang)
    )
    placeholders = int(m.get("placeholder_lines") or 0)
    missing = list(m.get("missing_rates") or [])
    if view.orders.height and placeholders >= view.orders.height:
        row.metric(
            label,
            t("money.not_shown", lang),
            help=common.placeholder_note(lang),
            border=True,
            width="content",
        )
    elif missing:
        row.metric(
            label,
            t("cust.m_spend_no_rate", lang),
            help=common.t_md(
                "cust.m_spend_missing",
                lang,
                currencies=", ".join(missing),
                reporting=currency or "–",
            ),
            border=True,
            width="content",
        )
    else:
        row.metric(
            label,
            f"{m.get('net_spend') or 0.0:,.2f}",
            help=common.t_md(
                "cust.m_spend_help",
                lang,
                gross=f"{m.get('gross_spend') or 0:,.2f}",
                refunds=f"{m.get('refunds') or 0:,.2f}",
            ),
            border=True,
            width="content",
        )


def _spend_by_currency(view: profile.CustomerProfile, lang: str) -> None:
    """The net spend in each original currency, when the lines are not all in the reporting
    currency (what was paid, before any conversion)."""
    m = view.metrics
    totals = list(m.get("spend_by_currency") or [])
    if not totals or [row["currency"] for row in totals] == [m.get("currency")]:
        return
    parts = ", ".join(f"{row['net_spend'] or 0:,.2f} {row['currency']}" for row in totals)
    st.caption(common.t_md("cust.spend_by_currency", lang, totals=parts))
    if m.get("missing_rates"):
        st.button(
            t("money.fix_rates", lang),
            key="cust_fix_rates",
            on_click=common.open_settings,
            icon=":material/edit:",
            help=t("money.fix_rates_help", lang),
        )


def _metrics(view: profile.CustomerProfile, lang: str) -> None:
    m = view.metrics
    row = st.container(horizontal=True)  # natural widths: dates and amounts are never cut
    used = list(m.get("channels") or [])
    for label, value in (
        (t("cust.m_first", lang), common.md_text(_day(m.get("first_purchase")))),
        (t("cust.m_last", lang), common.md_text(_day(m.get("last_purchase")))),
        (t("cust.m_orders", lang), f"{m.get('orders') or 0:,}"),
    ):
        row.metric(label, value, border=True, width="content")
    _spend(row, view, lang)
    row.metric(
        t("cust.m_channels", lang),
        f"{len(used):,}",
        help=common.md_text(_channels(used, lang)) or None,
        border=True,
        width="content",
    )
    _spend_by_currency(view, lang)
    if used:
        st.caption(common.t_md("cust.channels_used", lang, channels=_channels(used, lang)))


def _golden(view: profile.CustomerProfile, lang: str) -> None:
    st.markdown(f"**{t('cust.golden', lang)}**")
    st.caption(t("cust.golden_help", lang))
    g = view.golden
    rows = []
    for attribute in ("name", "phone", "email", "gender", "birth_date", "city", "region",
                      "country", "signup_date", "customer_type", "company"):  # fmt: skip
        value = g.get(attribute)
        if value is None:
            continue
        text = str(value)
        if attribute in ("gender", "customer_type"):
            text = _label(f"cust.{attribute}", text, lang)
        rows.append(
            {
                "attribute": column_label("customers", attribute, lang),
                "kind": attribute,
                "value": text,
                "source": _source(g.get(f"{attribute}_source"), lang),
            }
        )
    frame = pl.DataFrame(
        rows, schema={"attribute": pl.String, "kind": pl.String, "value": pl.String,
                      "source": pl.String},
    )  # fmt: skip
    frame = frame.with_columns(
        pl.when(pl.col("kind") == "phone")
        .then(mask_phone_expr(pl.col("value")))
        .when(pl.col("kind") == "email")
        .then(mask_email_expr(pl.col("value")))
        .when(pl.col("kind") == "name")
        .then(mask_name_expr(pl.col("value")))
        .otherwise(pl.col("value"))
        .alias("value")
    ).drop("kind")
    _table(
        frame.rename(
            {
                "attribute": t("cust.col_attribute", lang),
                "value": t("cust.col_value", lang),
                "source": t("cust.col_source", lang),
            }
        )
    )


def _identities(view: profile.CustomerProfile, lang: str) -> None:
    st.markdown(f"**{common.t_md('cust.identities', lang, n=view.identities.height)}**")
    ids = view.identities
    frame = ids.select(
        _relabel(ids, "channel", lambda c: channel_label(c, lang)).alias(
            t("cust.col_channel", lang)
        ),
        pl.col("source_customer_id").alias(t("cust.col_source_id", lang)),
        _relabel(ids, "tables", lambda x: table_label(x, lang)).alias(t("cust.col_tables", lang)),
        _relabel(ids, "rule", lambda r: _label("cust.rule", r, lang)).alias(
            t("cust.col_rule", lang)
        ),
        pl.col("score").round(2).alias(t("cust.col_score", lang)),
    )
    if ids["score"].null_count() == ids.height:  # deterministic links carry no score
        frame = frame.drop(t("cust.col_score", lang))
    _table(frame)


def _household(view: profile.CustomerProfile, lang: str) -> None:
    """The customer's household, one masked line per person sharing a phone or e-mail."""
    lines = view.household_lines(lang)
    if not lines:
        return
    st.markdown(f"**{t('cust.household', lang)}**")
    st.caption(t("cust.household_help", lang))
    for line in lines:
        st.markdown(common.md_text(line))


def _why(ws_path: str, version: str, customer_id: str, lang: str) -> None:
    st.markdown(f"**{t('cust.why', lang)}**")
    why = _explain(ws_path, version, customer_id)
    reason = "reason_zh" if lang == "zh" else "reason"
    frame = why.select(
        _relabel(why, "rule", lambda r: _label("cust.rule", r, lang)).alias(
            t("cust.col_rule", lang)
        ),
        pl.col(reason).alias(t("cust.col_reason", lang)),
    )
    _table(frame)


def _lineage(view: profile.CustomerProfile, lang: str) -> None:
    with st.expander(common.t_md("cust.lineage", lang, n=view.lineage.height)):
        st.caption(t("cust.lineage_help", lang))
        yes = t("cust.yes", lang)
        value = pl.col("value")
        lineage = view.lineage
        frame = lineage.select(
            _relabel(lineage, "attribute", lambda a: column_label("customers", a, lang)).alias(
                t("cust.col_attribute", lang)
            ),
            pl.when(pl.col("attribute") == "phone")
            .then(mask_phone_expr(value))
            .when(pl.col("attribute") == "email")
            .then(mask_email_expr(value))
            .when(pl.col("attribute").is_in(["name", "customer_name"]))
            .then(mask_name_expr(value))
            .otherwise(value)
            .alias(t("cust.col_value", lang)),
            pl.when(pl.col("selected"))
            .then(pl.lit(yes))
            .otherwise(pl.lit(""))
            .alias(t("cust.col_selected", lang)),
            _relabel(lineage, "channel", lambda c: channel_label(c, lang)).alias(
                t("cust.col_channel", lang)
            ),
            pl.col("source_customer_id").alias(t("cust.col_source_id", lang)),
            _relabel(lineage, "table", lambda x: table_label(x, lang)).alias(
                t("cust.col_table", lang)
            ),
            _when(pl.col("imported_at")).alias(t("cust.col_imported", lang, zone=zone)),
        )
        _table(frame)


def _reveal_section(ws_path: str, customer_id: str, lang: str) -> None:
    st.markdown(f"**{t('cust.reveal_header', lang)}**")
    if not common.reveal_allowed():
        st.session_state.pop(REVEALED, None)
        st.caption(t("cust.reveal_off", lang))
        return
    st.caption(t("cust.reveal_on", lang))
    reason, button = st.columns([3, 1], vertical_alignment="bottom")
    reason.text_input(
        t("cust.reveal_reason", lang),
        key="cust_reveal_reason",
        placeholder=t("cust.reveal_reason_placeholder", lang),
    )
    button.button(
        t("cust.reveal_button", lang),
        key="cust_reveal_go",
        icon=":material/visibility:",
        on_click=_reveal,
        args=(ws_path, customer_id),
    )
    _flash("reveal")
    shown = st.session_state.get(REVEALED)
    if shown and shown.get("customer_id") == customer_id:
        rows = [
            (t("cust.col_name", lang), shown.get("name")),
            (t("cust.col_phone", lang), shown.get("phone")),
            (t("cust.col_email", lang), shown.get("email")),
            (t("cust.reveal_all_phones", lang), ", ".join(shown.get("phones") or [])),
            (t("cust.reveal_all_emails", lang), ", ".join(shown.get("emails") or [])),
        ]
        st.dataframe(  # unmasked on purpose: the reveal was allowed and logged
            pl.DataFrame(
                [(k, v or "–") for k, v in rows],
                schema={t("cust.col_field", lang): pl.String, t("cust.col_value", lang): pl.String},
                orient="row",
            ),
            hide_index=True,
        )


def _orders(view: profile.CustomerProfile, lang: str) -> None:
    orders = view.orders
    if orders.is_empty():
        st.caption(t("cust.no_orders", lang))
        return
    st.caption(
        common.t_md(
            "cust.orders_caption",
            lang,
            n=orders.height,
            shown=min(orders.height, ROWS_SHOWN),
            zone=zone,
        )
    )
    keep = ["order_ts", "channel", "order_id", "line_number", "product_name", "category",
            "quantity", "amount", "currency", "status", "store", "customer_name", "phone",
            "email", "source_customer_id"]  # fmt: skip
    frame = orders.head(ROWS_SHOWN).select([c for c in keep if c in orders.columns])
    frame = frame.with_columns(
        _when(pl.col("order_ts")),
        _relabel(frame, "channel", lambda c: channel_label(c, lang)),
        _relabel(frame, "status", lambda x: _label("cust.status", x, lang)),
    )
    _table(frame, _CONTACT, table="orders", lang=lang)


def _events(frame: pl.DataFrame, table: str, keep: list[str], lang: str) -> None:
    if frame.is_empty():
        st.caption(common.t_md("cust.no_rows", lang, table=table_label(table, lang)))
        return
    shown = frame.head(ROWS_SHOWN).select([c for c in keep if c in frame.columns])
    shown = shown.with_columns(
        _when(pl.col("ts")), _relabel(shown, "channel", lambda c: channel_label(c, lang))
    )
    st.caption(
        common.t_md("cust.rows_caption", lang, n=frame.height, shown=shown.height, zone=zone)
    )
    _table(shown, _CONTACT, table=table, lang=lang)


def _tags(ws_path: str, view: profile.CustomerProfile, lang: str) -> None:
    _flash("tags")
    current = view.tags
    if current.is_empty():
        st.caption(t("cust.no_tags", lang))
    else:
        frame = current.select(
            _relabel(current, "tag", lambda x: _label("cust.tag", x, lang)).alias(
                t("cust.col_tag", lang)
            ),
            _relabel(current, "origin", lambda o: _label("cust.origin", o, lang)).alias(
                t("cust.col_origin", lang)
            ),
            _when(pl.col("since")).alias(t("cust.col_since", lang)),
            pl.col("user_name").alias(t("cust.col_user", lang)),
        )
        _table(frame)
    st.caption(t("cust.tags_help", lang))
    text, add, remove = st.columns([3, 1, 1], vertical_alignment="bottom")
    text.text_input(
        t("cust.tag_input", lang), key="cust_tag_text", placeholder=t("cust.tag_placeholder", lang)
    )
    add.button(
        t("cust.tag_add", lang),
        key="cust_tag_add",
        icon=":material/sell:",
        on_click=_tag,
        args=(ws_path, view.customer_id, True),
    )
    remove.button(
        t("cust.tag_remove", lang),
        key="cust_tag_remove",
        icon=":material/label_off:",
        on_click=_tag,
        args=(ws_path, view.customer_id, False),
    )
    with st.expander(t("cust.rules_header", lang)):
        st.caption(t("cust.rules_help", lang))
        day, go = st.columns([2, 1], vertical_alignment="bottom")
        day.date_input(t("cust.rules_as_of", lang), value=_now().date(), key="cust_rule_as_of")
        go.button(
            t("cust.rules_button", lang),
            key="cust_rules_go",
            icon=":material/refresh:",
            on_click=_refresh_rules,
            args=(ws_path,),
        )
        _flash("rules")


def _consent_since(row: dict[str, Any], lang: str) -> str:
    """When the current consent was given or refused, and where that date comes from: "given
    2026-03-04 (source file)", "given, date not in the file (imported 2026-12-07)"."""
    day = row["since"].astimezone(ZoneInfo(zone)).strftime("%Y-%m-%d")
    state = t("cust.consent_given" if row["granted"] else "cust.consent_refused", lang)
    dated_by = row.get("dated_by") or ("manual" if row["origin"] == "manual" else "import")
    return t(f"cust.consent_dated_{dated_by}", lang, state=state, date=day)


def _consent(ws_path: str, view: profile.CustomerProfile, lang: str) -> None:
    _flash("consent")
    state = {r["purpose"]: r for r in view.consent.iter_rows(named=True)}
    rows = []
    for purpose in consent.PURPOSES:
        row = state.get(purpose)
        if row is None:
            status, since, origin = t("cust.consent_unknown", lang), "", ""
        else:
            status = t("cust.consent_granted" if row["granted"] else "cust.consent_denied", lang)
            since = _consent_since(row, lang)
            origin = _label("cust.origin", row["origin"], lang)
        rows.append((_label("cust.purpose", purpose, lang), status, since, origin))
    columns = [t(f"cust.col_{c}", lang) for c in ("purpose", "state", "since", "decided")]
    _table(pl.DataFrame(rows, schema=columns, orient="row"))
    st.caption(t("cust.consent_rules", lang))
    history = view.consent_history
    with st.expander(common.t_md("cust.consent_history", lang, n=history.height)):
        if history.is_empty():
            st.caption(t("cust.consent_no_history", lang))
        else:
            yes, no = t("cust.yes", lang), t("cust.no", lang)
            frame = history.sort("at", descending=True).select(
                _when(pl.col("at")).alias(t("cust.col_when", lang, zone=zone)),
                _relabel(history, "dated_by", lambda d: _label("cust.dated", d, lang)).alias(
                    t("cust.col_dated", lang)
                ),
                _relabel(history, "purpose", lambda p: _label("cust.purpose", p, lang)).alias(
                    t("cust.col_purpose", lang)
                ),
                pl.when(pl.col("granted"))
                .then(pl.lit(t("cust.consent_in", lang)))
                .otherwise(pl.lit(t("cust.consent_out", lang)))
                .alias(t("cust.col_event", lang)),
                _relabel(history, "origin", lambda o: _label("cust.origin", o, lang)).alias(
                    t("cust.col_origin", lang)
                ),
                pl.coalesce(
                    _relabel(history, "channel", lambda c: channel_label(c, lang))
                    + " "
                    + pl.col("source_customer_id"),
                    pl.col("user_name"),
                ).alias(t("cust.col_by", lang)),
                pl.col("note").alias(t("cust.col_note", lang)),
                pl.when(pl.col("applied"))
                .then(pl.lit(yes))
                .otherwise(pl.lit(no))
                .alias(t("cust.col_applied", lang)),
            )
            _table(frame)
    if not common.can("consent.edit"):  # recorded consent is changed by admins only
        return
    st.markdown(f"**{t('cust.consent_change', lang)}**")
    left, right = st.columns(2)
    left.selectbox(
        t("cust.col_purpose", lang),
        list(consent.PURPOSES),
        format_func=lambda p: _label("cust.purpose", p, lang),
        key="cust_consent_purpose",
    )
    right.radio(
        t("cust.consent_new_state", lang),
        ["out", "in"],
        format_func=lambda x: t(f"cust.consent_{x}", lang),
        key="cust_consent_granted",
        horizontal=True,
    )
    st.text_input(
        t("cust.col_note", lang),
        key="cust_consent_note",
        placeholder=t("cust.consent_note_placeholder", lang),
    )
    confirm = st.checkbox(t("cust.consent_confirm", lang), key="cust_consent_confirm")
    st.button(
        t("cust.consent_button", lang),
        key="cust_consent_go",
        disabled=not confirm,
        on_click=_set_consent,
        args=(ws_path, view.customer_id),
    )


def _merge_split(ws_path: str, view: profile.CustomerProfile, lang: str) -> None:
    st.markdown(f"**{t('cust.merge_header', lang)}**")
    _flash("merge")
    st.caption(common.t_md("cust.merge_help", lang, customer=view.customer_id))
    st.text_input(
        t("cust.merge_other", lang), key="cust_merge_other", placeholder="C000123", max_chars=32
    )
    merge_ok = st.checkbox(
        common.t_md("cust.merge_confirm", lang, customer=view.customer_id), key="cust_merge_confirm"
    )
    st.button(
        t("cust.merge_button", lang),
        key="cust_merge_go",
        disabled=not merge_ok,
        icon=":material/merge:",
        on_click=_merge,
        args=(ws_path, view.customer_id),
    )

    st.markdown(f"**{t('cust.split_header', lang)}**")
    _flash("split")
    records = [
        f"{r['channel']}:{r['source_customer_id']}" for r in view.identities.iter_rows(named=True)
    ]
    if len(records) < 2:
        st.caption(t("cust.split_single", lang))
        return
    st.caption(t("cust.split_help", lang))
    st.multiselect(
        t("cust.split_records", lang),
        records,
        format_func=lambda r: f"{channel_label(r.split(':', 1)[0], lang)} · {r.split(':', 1)[1]}",
        key="cust_split_records",
        placeholder=t("cust.split_placeholder", lang),
    )
    split_ok = st.checkbox(t("cust.split_confirm", lang), key="cust_split_confirm")
    st.button(
        t("cust.split_button", lang),
        key="cust_split_go",
        disabled=not split_ok,
        icon=":material/call_split:",
        on_click=_split,
        args=(ws_path, view.customer_id),
    )


def _customer_360(ws_path: str, version: str, customer_id: str, lang: str) -> None:
    view = _profile(ws_path, version, customer_id)
    name = mask_name(view.golden.get("name")) or t("cust.no_name", lang)
    st.subheader(
        common.t_md("cust.view_header", lang, customer=customer_id, name=name), divider="gray"
    )
    _metrics(view, lang)
    tabs = st.tabs(
        [
            t("cust.tab_profile", lang),
            common.t_md("cust.tab_orders", lang, n=view.orders.height),
            common.t_md("cust.tab_interactions", lang, n=view.interactions.height),
            common.t_md("cust.tab_feedback", lang, n=view.feedback.height),
            t("cust.tab_tags", lang),
            t("cust.tab_consent", lang),
            t("cust.tab_merge", lang),
        ]
    )
    with tabs[0]:
        _golden(view, lang)
        _identities(view, lang)
        _household(view, lang)
        _why(ws_path, version, customer_id, lang)
        _lineage(view, lang)
        _reveal_section(ws_path, customer_id, lang)
    with tabs[1]:
        _orders(view, lang)
    with tabs[2]:
        keep = ["ts", "channel", "type", "note", "interaction_id", "source_customer_id"]
        _events(view.interactions, "interactions", keep, lang)
    with tabs[3]:
        keep = ["ts", "channel", "nps", "csat", "complaint", "text", "feedback_id",
                "source_customer_id"]  # fmt: skip
        _events(view.feedback, "feedback", keep, lang)
    with tabs[4]:
        _tags(ws_path, view, lang)
    with tabs[5]:
        _consent(ws_path, view, lang)
    with tabs[6]:
        if common.can("resolve"):
            _merge_split(ws_path, view, lang)
        else:
            role = common.role_label(common.current_role(), lang)
            st.info(common.t_md("auth.not_allowed", lang, role=role))


# ----------------------------------------------------------------------------- page

lang = common.current_lang()
common.require("page.customers", lang)  # whatever the URL: the role decides
zone = common.business_zone()  # times are shown in it
st.title(t("cust.title", lang))
st.caption(t("cust.intro", lang))
with st.expander(t("cust.help_title", lang)):
    st.markdown(common.t_md("cust.help", lang, env=common.md_code(f"{common.REVEAL_ENV}=1")))
ws_path = str(common.workspace_dir())
common.get_workspace(ws_path)
version = common.data_version(ws_path)
counts = common.load_counts(ws_path, version)

if counts.is_empty() or counts["rows"].sum() == 0:
    st.info(t("cust.no_data", lang))
else:
    status = _status(ws_path, version)
    _resolution_section(ws_path, status, lang)
    if common.can("resolve"):  # review decisions are resolutions
        _review_section(ws_path, version, lang)
    if status["records"]:
        opened = _search_section(ws_path, version, lang)
        if opened is not None:
            if st.session_state.get(REVEALED, {}).get("customer_id") != opened:
                st.session_state.pop(REVEALED, None)  # revealed values never outlive their view
            common.guard(
                functools.partial(_customer_360, ws_path, version, opened, lang),
                lang,
                context=f"customer {opened}",
            )
