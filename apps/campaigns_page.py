"""Campaigns page (营销活动): pick or build an audience, preview it, export a consent-safe list for
the tool that sends the campaign, and read past exports and their uplift.

Thin by design: the members come from :func:`cimlab.act.audiences.members` (through
:func:`cimlab.act.campaigns.preview_audience` and :func:`cimlab.act.campaigns.export_audience`,
the same functions the CLI and notebooks call), suppression (consent first, no switch) from
:mod:`cimlab.act.suppression`, the care reminders from :mod:`cimlab.act.care` (as audience rules
on ``days_to_…`` fields) and :func:`cimlab.act.holidays.upcoming_holidays`. An export is written
into a temporary folder outside the workspace, read into the download button and deleted at once;
the audit log (:func:`cimlab.act.campaigns.campaign_log`) keeps no personal data. Uploaded lists
(id lists, the exclusion and suppression lists) stay in memory only until they are used: then
Streamlit's copy of the bytes is released and the uploader empties (:func:`_uploader_key`).

The analytic pages hand a draft audience over with :func:`_common.audience_button`
(``st.session_state["cmp_draft"]``); this page opens on it. Session keys start with ``cmp_``.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import json
import re
import secrets
import tempfile
import zipfile
from pathlib import Path
from typing import Any

import _common as common
import polars as pl
import streamlit as st

from cimlab.act.attributes import FIELDS
from cimlab.act.audiences import (
    OPERATORS,
    Audience,
    Rule,
    id_list_csv,
    list_audiences,
    load_audience,
    read_id_list,
    ready_audiences,
    save_audience,
)
from cimlab.act.campaigns import (
    CHANNELS,
    GENERIC_PROFILES,
    AudiencePreview,
    ExportResult,
    campaign_log,
    campaign_uplift,
    export_audience,
    preview_audience,
)
from cimlab.act.holidays import upcoming_holidays
from cimlab.act.labels import (
    audience_label,
    audience_rules_text,
    op_label,
    value_label,
)
from cimlab.act.profiles import PROFILES
from cimlab.act.suppression import (
    REASON_LABELS,
    REASONS,
    contact_list_template,
    read_contact_list,
)
from cimlab.charts.campaigns import reach_chart
from cimlab.errors import CimlabError
from cimlab.i18n import LANGS, t

SOURCES = ("ready", "saved", "build", "draft")
ALL_CHANNELS = ""
CARE_OCCASIONS = ("birthday", "membership_anniversary", "first_purchase_anniversary")
CARE_DAYS = 30
CONTROL_STEPS = (0, 5, 10, 15, 20, 25, 30, 40, 50)  # percent
DEFAULT_CONTROL = 10
LOG_SHOWN = 200
MIME = {
    ".csv": "text/csv",
    ".txt": "text/plain",
    ".zip": "application/zip",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".parquet": "application/vnd.apache.parquet",
    ".json": "application/json",
}
COUNT = st.column_config.NumberColumn(format="%,d")
_MANY = ("in", "not_in", "contains", "contains_all", "not_contains")
_NO_VALUE = ("is_null", "not_null", "is_empty", "not_empty")


def _uploader_key(name: str) -> str:
    """The key of the uploader ``name``: :func:`_used_upload` gives it a new one (empty)."""
    generation = st.session_state.get(f"cmp_gen_{name}", 0)
    return name if generation == 0 else f"{name}_{generation}"


def _used_upload(name: str, upload: Any) -> None:
    """Once a list is read and used, release the upload's bytes and empty its uploader."""
    common.release_uploads([upload.file_id])
    st.session_state[f"cmp_gen_{name}"] = st.session_state.get(f"cmp_gen_{name}", 0) + 1


def _show_rules(audience: Audience, lang: str) -> None:
    joiner = t("cmp.match_all_short" if audience.match == "all" else "cmp.match_any_short", lang)
    lines = audience_rules_text(audience, lang)
    text: str = common.Markdown("")
    for i, line in enumerate(lines):  # one list item per rule, "and"/"or" between them
        suffix = f" ({joiner})" if i < len(lines) - 1 else ""
        text = text + "- " + common.md_text(line + suffix) + "\n"
    st.markdown(common.Markdown(text))


def file_stem(name: str) -> str:
    """A file-name-safe form of an audience name (letters, digits, ``_`` and ``-``).

    >>> file_stem("segment:cannot_lose_them"), file_stem("春节 问候/名单")
    ('segment_cannot_lose_them', '春节_问候_名单')
    """
    return re.sub(r"[^\w-]+", "_", name, flags=re.UNICODE).strip("_") or "audience"


# ----------------------------------------------------------------------------- cached reads


@st.cache_data(show_spinner=False, max_entries=32)
def _preview(
    path: str,
    version: str,
    currency: str | None,
    audience_yaml: str,
    audience_name: str,
    audience_version: int,
    as_of: dt.date,
    overlaps: tuple[str, ...],
) -> AudiencePreview:
    # every order (no currency filter): the workspace's snapshot serves (cimlab.act.snapshot)
    data = None if currency is None else common.load_customer_data(path, version, currency=currency)
    audience = Audience.from_yaml(audience_yaml, name=audience_name)
    audience = dataclasses.replace(audience, version=audience_version)
    ws = common.get_workspace(path)
    return preview_audience(ws, audience, as_of=as_of, data=data, overlap_with=overlaps)


# ----------------------------------------------------------------------------- the audience


def _set_source(source: str) -> None:
    """Open the audience chooser on ``source`` at the next run (widget states dropped)."""
    st.session_state["cmp_source"] = source
    for lang in LANGS:
        st.session_state.pop(f"cmp_source_{lang}", None)


def _load_builder(audience: Audience) -> None:
    """Put ``audience`` into the rule builder (fresh widgets: a new generation of keys)."""
    st.session_state["cmp_gen"] = st.session_state.get("cmp_gen", 0) + 1
    st.session_state["cmp_rules"] = [
        {"field": r.field, "op": r.op, "value": r.value} for r in audience.rules
    ]
    st.session_state["cmp_match"] = audience.match
    name = audience.name if not audience.ready_made else file_stem(audience.name)
    st.session_state["cmp_name"] = name
    st.session_state["cmp_include"] = tuple(audience.include)
    st.session_state["cmp_exclude"] = tuple(audience.exclude)
    _set_source("build")


def _ready(lang: str) -> Audience:
    names = [a.name for a in ready_audiences()]
    chosen = st.selectbox(
        t("cmp.ready", lang),
        names,
        index=names.index(st.session_state.get("cmp_ready", "all")),
        key=f"cmp_ready_{lang}",
        format_func=lambda n: audience_label(n, lang),
    )
    st.session_state["cmp_ready"] = chosen
    return load_audience(common.get_workspace(str(common.workspace_dir())), chosen)


def _saved(lang: str) -> Audience | None:
    ws = common.get_workspace(str(common.workspace_dir()))
    saved = list_audiences(ws, ready=False)
    if saved.is_empty():
        st.info(t("cmp.no_saved", lang))
        return None
    names = saved["name"].to_list()
    current = st.session_state.get("cmp_saved")
    chosen = st.selectbox(
        t("cmp.saved", lang),
        names,
        index=names.index(current) if current in names else 0,
        key="cmp_saved_pick",
    )
    st.session_state["cmp_saved"] = chosen
    audience = load_audience(ws, chosen)
    st.caption(
        common.t_md(
            "cmp.saved_version",
            lang,
            version=audience.version,
            at=audience.saved_at.strftime("%Y-%m-%d %H:%M") if audience.saved_at else "—",
            by=audience.saved_by or "—",
        )
    )
    return audience


def _value_widget(field: str, op: str, stored: Any, lang: str, key: str) -> Any:
    """The value input of a rule for its field's kind and operator."""
    spec = FIELDS[field]
    label = t("cmp.rule_value", lang)
    if op in _NO_VALUE:
        return None
    if op == "between":
        low, high = (
            stored if isinstance(stored, list | tuple) and len(stored) == 2 else (None, None)
        )
        left, right = st.columns(2)
        if spec.kind == "date":
            today = dt.date.today()
            a = left.date_input(
                t("cmp.rule_low", lang), value=low or today, key=f"{key}_low", format="YYYY-MM-DD"
            )
            b = right.date_input(
                t("cmp.rule_high", lang),
                value=high or today,
                key=f"{key}_high",
                format="YYYY-MM-DD",
            )
            return [a, b]
        lo = left.number_input(t("cmp.rule_low", lang), value=float(low or 0), key=f"{key}_low")
        hi = right.number_input(t("cmp.rule_high", lang), value=float(high or 0), key=f"{key}_high")
        return [lo, hi]
    if spec.kind == "bool":
        return st.selectbox(
            label,
            [True, False],
            index=0 if stored in (None, True) else 1,
            key=key,
            format_func=lambda v: t("cmp.yes" if v else "cmp.no", lang),
        )
    if spec.kind == "number":
        number = stored if isinstance(stored, int | float) and not isinstance(stored, bool) else 0
        return st.number_input(label, value=float(number), key=key)
    if spec.kind == "date":
        day = stored if isinstance(stored, dt.date) else dt.date.today()
        return st.date_input(label, value=day, key=key, format="YYYY-MM-DD")
    if spec.values:
        options = list(spec.values)
        if op in _MANY:
            chosen = [v for v in (stored or []) if v in options]
            return st.multiselect(
                label,
                options,
                default=chosen,
                key=key,
                format_func=lambda v: value_label(field, v, lang),
            )
        return st.selectbox(
            label,
            options,
            index=options.index(stored) if stored in options else 0,
            key=key,
            format_func=lambda v: value_label(field, v, lang),
        )
    if op in _MANY:
        text = ", ".join(str(v) for v in stored) if isinstance(stored, list | tuple) else ""
        typed = st.text_input(label, value=text, key=key, help=t("cmp.rule_list_help", lang))
        return [v.strip() for v in typed.split(",") if v.strip()]
    return st.text_input(label, value="" if stored is None else str(stored), key=key)


def _rule_row(i: int, rule: dict[str, Any], gen: int, lang: str) -> dict[str, Any] | None:
    """One rule's widgets; returns the rule (or None when removed)."""
    fields = list(FIELDS)
    with st.container(border=True, key=f"cmp_rule_box_{gen}_{i}"):
        left, middle, right = st.columns([3, 2, 1])
        with left:
            field = st.selectbox(
                t("cmp.rule_field", lang),
                fields,
                index=fields.index(rule["field"]) if rule["field"] in fields else 0,
                key=f"cmp_r{gen}_{i}_field_{lang}",
                format_func=lambda f: FIELDS[f].label(lang),
            )
        ops = list(OPERATORS[FIELDS[field].kind])
        with middle:
            op = st.selectbox(
                t("cmp.rule_op", lang),
                ops,
                index=ops.index(rule["op"]) if rule["op"] in ops else 0,
                key=f"cmp_r{gen}_{i}_op_{field}_{lang}",
                format_func=lambda o: op_label(o, lang),
            )
        with right:
            removed = st.button(
                t("cmp.rule_remove", lang),
                key=f"cmp_r{gen}_{i}_remove",
                icon=":material/delete:",
            )
        stored = rule["value"] if rule["field"] == field else None
        value = _value_widget(field, op, stored, lang, f"cmp_r{gen}_{i}_value_{field}_{op}_{lang}")
    if removed:
        return None
    return {"field": field, "op": op, "value": value}


def _id_list(kind: str, lang: str) -> tuple[str, ...]:
    """The include or exclude list: kept in the session, replaced by an uploaded CSV."""
    key = f"cmp_{kind}"
    upload = st.file_uploader(
        t(f"cmp.{kind}_upload", lang),
        type=["csv", "txt", "xlsx"],
        key=_uploader_key(f"cmp_{kind}_file"),
        help=t("cmp.id_list_help", lang),
    )
    if upload is not None:
        try:
            st.session_state[key] = read_id_list(upload.getvalue())
        except CimlabError as exc:
            st.error(common.error_message(exc, lang))
        else:  # the ids are kept: the file's bytes are not needed any more
            _used_upload(f"cmp_{kind}_file", upload)
    ids: tuple[str, ...] = tuple(st.session_state.get(key, ()))
    if ids:
        st.caption(common.t_md(f"cmp.{kind}_n", lang, n=len(ids)))
    return ids


def _builder(lang: str) -> Audience | None:
    """The rule builder: rule rows, match all/any, include/exclude lists, name and save."""
    gen = st.session_state.setdefault("cmp_gen", 0)
    rules: list[dict[str, Any]] = st.session_state.setdefault("cmp_rules", [])
    kept = []
    for i, rule in enumerate(list(rules)):
        row = _rule_row(i, rule, gen, lang)
        if row is not None:
            kept.append(row)
    if len(kept) != len(rules):  # a rule removed: redraw the rows with fresh keys
        st.session_state["cmp_rules"] = kept
        st.session_state["cmp_gen"] = gen + 1
        st.rerun()
    st.session_state["cmp_rules"] = kept
    if st.button(t("cmp.rule_add", lang), key="cmp_rule_add", icon=":material/add:"):
        kept.append({"field": "segment", "op": "in", "value": []})
        st.rerun()
    match = common.translated_choice(
        st.radio,
        t("cmp.match", lang),
        ("all", "any"),
        key="cmp_match",
        lang=lang,
        default="all",
        format_func=lambda m: t(f"cmp.match_{m}", lang),
        horizontal=True,
    )
    with st.expander(t("cmp.lists", lang)):
        include = _id_list("include", lang)
        exclude = _id_list("exclude", lang)
        st.download_button(
            t("cmp.template", lang),
            data=id_list_csv(),
            file_name="customer_ids.csv",
            mime="text/csv",
            key="cmp_id_template",
            on_click="ignore",
            icon=":material/download:",
        )
    name = st.text_input(
        t("cmp.name", lang),
        value=st.session_state.get("cmp_name", ""),
        key=f"cmp_name_{st.session_state['cmp_gen']}",
        placeholder=t("cmp.name_placeholder", lang),
    )
    st.session_state["cmp_name"] = name
    try:
        audience = Audience(
            name=name.strip() or "draft",
            rules=tuple(Rule(r["field"], r["op"], r["value"]) for r in kept),
            match=match,
            include=include,
            exclude=exclude,
        ).checked()
    except CimlabError as exc:
        st.warning(common.error_message(exc, lang))
        return None
    if st.button(t("cmp.save", lang), key="cmp_save", icon=":material/save:"):
        if not name.strip():
            st.warning(t("cmp.name_needed", lang))
        else:
            common.permit("audience.edit")
            ws = common.get_workspace(str(common.workspace_dir()))
            saved = save_audience(ws, audience, user=common.current_user())
            st.session_state["cmp_saved"] = saved.name
            st.session_state["cmp_flash"] = (saved.name, saved.version)
            _set_source("saved")
            st.rerun()
    return audience


def _draft(lang: str) -> Audience | None:
    draft = st.session_state.get(common.CAMPAIGN_DRAFT_KEY)
    if not isinstance(draft, Audience):
        st.info(t("cmp.no_draft", lang))
        return None
    st.caption(common.t_md("cmp.draft_caption", lang, name=audience_label(draft.name, lang)))
    st.button(
        t("cmp.edit_draft", lang),
        key="cmp_edit_draft",
        on_click=_load_builder,
        args=(draft,),
        icon=":material/edit:",
    )
    return draft


def _audience(lang: str) -> Audience | None:
    st.subheader(t("cmp.audience", lang))
    flash = st.session_state.pop("cmp_flash", None)
    if flash:
        st.success(common.t_md("cmp.saved_as", lang, name=flash[0], version=flash[1]))
    sources = [s for s in SOURCES if s != "draft" or common.CAMPAIGN_DRAFT_KEY in st.session_state]
    source = common.translated_choice(
        st.radio,
        t("cmp.source", lang),
        sources,
        key="cmp_source",
        lang=lang,
        default="draft" if "draft" in sources else "ready",
        format_func=lambda s: t(f"cmp.source.{s}", lang),
        horizontal=True,
    )
    if source == "ready":
        audience: Audience | None = _ready(lang)
    elif source == "saved":
        audience = _saved(lang)
    elif source == "draft":
        audience = _draft(lang)
    else:
        audience = _builder(lang)
    if audience is not None and source != "build":
        _show_rules(audience, lang)
    return audience


# ----------------------------------------------------------------------------- preview


def _preview_tab(audience: Audience, as_of: dt.date, lang: str) -> None:
    path = str(common.workspace_dir())
    version = common.data_version(path)
    ws = common.get_workspace(path)
    names = [n for n in list_audiences(ws)["name"].to_list() if n != audience.name]
    overlaps = st.multiselect(
        t("cmp.overlap_with", lang),
        names,
        key="cmp_overlap",
        format_func=lambda n: audience_label(n, lang),
    )
    preview = _preview(
        path,
        version,
        common.chosen_currency(),
        audience.to_yaml(),
        audience.name,
        audience.version,
        as_of,
        tuple(overlaps),
    )
    left, middle, right = st.columns(3)
    left.metric(t("cmp.size", lang), f"{preview.size:,}")
    share = preview.size / preview.customers if preview.customers else 0.0
    middle.metric(t("cmp.share_of_customers", lang), f"{share:.1%}")
    if preview.expected_value is None:
        right.metric(t("cmp.expected_value", lang), "—")
        st.info(t("cmp.run_value_first", lang))
    else:
        right.metric(t("cmp.expected_value", lang), f"{preview.expected_value:,.0f}")
    st.subheader(t("cmp.reach", lang))
    st.altair_chart(reach_chart(preview.reachable, lang), width="stretch")
    st.caption(t("cmp.reach_caption", lang))
    if preview.overlaps:
        table = pl.DataFrame(
            {
                t("cmp.col.audience", lang): [audience_label(n, lang) for n in preview.overlaps],
                t("cmp.col.in_common", lang): list(preview.overlaps.values()),
            }
        )
        with st.container(key="cmp_overlap_table"):
            st.dataframe(
                table, hide_index=True, column_config={t("cmp.col.in_common", lang): COUNT}
            )


# ----------------------------------------------------------------------------- care reminders


def _care_tab(audience: Audience | None, as_of: dt.date, lang: str) -> None:
    st.caption(t("cmp.care_intro", lang))
    days = int(
        st.number_input(
            t("cmp.care_days", lang),
            min_value=1,
            max_value=366,
            value=CARE_DAYS,
            key="cmp_care_days",
        )
    )
    occasion = common.translated_choice(
        st.radio,
        t("cmp.care_occasion", lang),
        CARE_OCCASIONS,
        key="cmp_care_occasion",
        lang=lang,
        default=CARE_OCCASIONS[0],
        format_func=lambda o: t(f"cmp.occasion.{o}", lang),
        horizontal=True,
    )
    if st.button(t("cmp.care_make", lang), key="cmp_care_make", icon=":material/cake:"):
        draft = Audience(
            name=f"care_{occasion}_{as_of.isoformat()}_{days}d",
            rules=(Rule(f"days_to_{occasion}", "between", [0, days - 1]),),
        )
        common.open_audience_draft(draft)
        st.rerun()
    st.subheader(t("cmp.holidays", lang))
    from cimlab.act.holidays import shop_holidays

    ws = common.get_workspace(str(common.workspace_dir()))
    coming = upcoming_holidays(as_of, days, extra=shop_holidays(ws))
    if coming.is_empty():
        st.info(common.t_md("cmp.no_holidays", lang, days=days))
        return
    name = "name_zh" if lang == "zh" else "name_en"
    with st.container(key="cmp_holiday_table"):
        st.dataframe(
            coming.select(
                pl.col(name).alias(t("cmp.col.holiday", lang)),
                pl.col("date").alias(t("cmp.col.date", lang)),
                pl.col("days_until").alias(t("cmp.col.days_until", lang)),
            ),
            hide_index=True,
        )
    if audience is None:
        st.info(t("cmp.pick_first", lang))
        return
    rows = coming.rows(named=True)
    picked = st.selectbox(
        t("cmp.holiday_pick", lang),
        range(len(rows)),
        key="cmp_holiday_pick",
        format_func=lambda i: f"{rows[i][name]} · {rows[i]['date'].isoformat()}",
    )
    st.caption(
        common.t_md("cmp.greeting_caption", lang, audience=audience_label(audience.name, lang))
    )
    if st.button(
        t("cmp.greeting_make", lang), key="cmp_greeting_make", icon=":material/celebration:"
    ):
        holiday = rows[int(picked or 0)]
        greeting = dataclasses.replace(
            audience,
            name=f"greeting_{holiday['code']}_{holiday['date'].isoformat()}",
            version=0,
            saved_at=None,
            saved_by=None,
        )
        common.open_audience_draft(greeting)
        st.rerun()


# ----------------------------------------------------------------------------- export


def _profile_title(name: str, lang: str) -> str:
    profile = PROFILES[name]
    return profile.title_zh if lang == "zh" else profile.title_en


def export_download(files: list[dict[str, Any]], stem: str) -> tuple[bytes, str]:
    """The bytes to download for an export's files (``path``: the written file): the file
    itself, or a zip of every part when the profile split the list."""
    paths = [Path(f["path"]) for f in files]
    if len(paths) == 1:
        return paths[0].read_bytes(), paths[0].name
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for path in paths:
            archive.writestr(path.name, path.read_bytes())
    return buffer.getvalue(), f"{stem}.zip"


def _run_export(audience: Audience, as_of: dt.date, settings: dict[str, Any], lang: str) -> None:
    common.permit("export")
    path = str(common.workspace_dir())
    version = common.data_version(path)
    currency = common.chosen_currency()
    data = None if currency is None else common.load_customer_data(path, version, currency=currency)
    profile = PROFILES[settings["profile"]]
    stem = f"{file_stem(audience.name)}_{profile.name}_{as_of.isoformat()}"
    with tempfile.TemporaryDirectory(prefix="cimlab_export_") as folder:
        result = export_audience(
            common.get_workspace(path),
            audience,
            profile=profile.name,
            out=Path(folder) / f"{stem}{profile.suffix}",
            as_of=as_of,
            control=settings["control"] / 100,
            seed=settings["seed"],
            channel=settings["channel"] or None,
            exclude=settings["exclude"],
            lang=settings["columns_lang"],
            one_per_household=settings["one_per_household"],
            user=common.current_user(),
            data=data,
        )
        payload, file_name = export_download(result.files, stem)
    st.session_state["cmp_export"] = {
        "result": result,
        "data": payload,
        "file_name": file_name,
        "mime": MIME.get(Path(file_name).suffix, "application/octet-stream"),
    }


def suppression_rows(result: ExportResult, lang: str) -> pl.DataFrame:
    """The suppression report: reasons in the order applied, in ``lang``, with counts."""
    index = 1 if lang == "zh" else 0
    return pl.DataFrame(
        {
            t("cmp.col.reason", lang): [REASON_LABELS[r][index] for r in REASONS],
            t("cmp.col.customers", lang): [int(result.suppressed.get(r, 0)) for r in REASONS],
        }
    )


def _show_export(lang: str) -> None:
    done = st.session_state.get("cmp_export")
    if not done:
        return
    result: ExportResult = done["result"]
    # nobody left to contact is no success: say so, and point at the report below
    say = st.success if result.exported else st.warning
    say(
        common.t_md(
            "cmp.exported" if result.exported else "cmp.exported_none",
            lang,
            n=f"{result.exported:,}",
            profile=_profile_title(result.profile, lang),
            id=result.export_id,
        )
    )
    columns = st.columns(4)
    for column, (key, value) in zip(
        columns,
        (
            ("cmp.kpi.members", result.members),
            ("cmp.kpi.suppressed", result.suppressed_total),
            ("cmp.kpi.control", result.control),
            ("cmp.kpi.exported", result.exported),
        ),
        strict=True,
    ):
        column.metric(t(key, lang), f"{value:,}")
    st.markdown(f"**{t('cmp.suppression_report', lang)}**")
    with st.container(key="cmp_suppression_table"):
        st.dataframe(
            suppression_rows(result, lang),
            hide_index=True,
            column_config={t("cmp.col.customers", lang): COUNT},
        )
    st.caption(t("cmp.consent_note", lang))
    for file in result.files:
        st.caption(
            common.t_md(
                "cmp.file_hash",
                lang,
                file=Path(file["path"]).name,
                rows=f"{file['rows']:,}",
                sha256=file["sha256"],
            )
        )
    st.download_button(
        t("cmp.download", lang),
        data=done["data"],
        file_name=done["file_name"],
        mime=done["mime"],
        key="cmp_export_download",
        on_click="ignore",
        icon=":material/download:",
        help=t("cmp.download_help", lang),
    )


def _export_tab(audience: Audience, as_of: dt.date, lang: str) -> None:
    names = list(PROFILES)
    left, right = st.columns(2)
    with left:
        profile = common.translated_choice(
            st.selectbox,
            t("cmp.profile", lang),
            names,
            key="cmp_profile",
            lang=lang,
            default="sms",
            format_func=lambda p: _profile_title(p, lang),
        )
        st.caption(common.md_text(PROFILES[profile].about(lang)))
    channel = ALL_CHANNELS
    with right:
        if profile in GENERIC_PROFILES:
            channel = common.translated_choice(
                st.selectbox,
                t("cmp.channel", lang),
                (ALL_CHANNELS, *CHANNELS),
                key="cmp_channel",
                lang=lang,
                default=ALL_CHANNELS,
                format_func=lambda c: t(f"cmp.channel.{c or 'all'}", lang),
                help=t("cmp.channel_help", lang),
            )
        columns_lang = common.translated_choice(
            st.radio,
            t("cmp.columns_lang", lang),
            LANGS,
            key="cmp_columns_lang",
            lang=lang,
            default=lang,
            format_func=lambda code: t(f"cmp.lang.{code}", lang),
            horizontal=True,
        )
    left, right = st.columns(2)
    control = left.select_slider(
        t("cmp.control", lang),
        CONTROL_STEPS,
        value=st.session_state.get("cmp_control", DEFAULT_CONTROL),
        key="cmp_control",
        format_func=lambda p: common.md_text(f"{p} %"),
        help=t("cmp.control_help", lang),
    )
    seed = int(
        right.number_input(
            t("cmp.seed", lang),
            min_value=0,
            max_value=2**31 - 1,
            value=st.session_state.setdefault("cmp_seed_default", secrets.randbelow(2**31)),
            step=1,
            key="cmp_seed",
            help=t("cmp.seed_help", lang),
        )
    )
    one_per_household = st.checkbox(
        t("cmp.one_per_household", lang),
        key="cmp_one_per_household",
        help=t("cmp.one_per_household_help", lang),
    )
    exclude = None
    upload = st.file_uploader(
        t("cmp.exclusion_upload", lang),
        type=["csv", "txt", "xlsx"],
        key=_uploader_key("cmp_exclusion_file"),
        help=t("cmp.exclusion_help", lang),
    )
    if upload is not None:
        data, name = upload.getvalue(), Path(upload.name).name or "list.csv"
        try:  # kept in this session only, until the export used it (or the page is left)
            exclude = common.upload_memo(
                upload.file_id, ("contacts",), lambda: read_contact_list(data, name=name)
            )
        except CimlabError as exc:
            st.error(common.error_message(exc, lang))
            return
        st.caption(common.t_md("cmp.exclusion_n", lang, n=exclude.height))
    settings = {
        "profile": profile,
        "channel": channel,
        "columns_lang": columns_lang,
        "control": int(control),
        "seed": seed,
        "exclude": exclude,
        "one_per_household": bool(one_per_household),
    }
    if st.button(t("cmp.export", lang), key="cmp_export_button", type="primary",
                 icon=":material/send:"):  # fmt: skip
        st.session_state.pop("cmp_export", None)
        with st.spinner(t("cmp.exporting", lang)):
            _run_export(audience, as_of, settings, lang)
        if upload is not None:  # the exclusion list did its work: its contacts go
            _used_upload("cmp_exclusion_file", upload)
    _show_export(lang)


# ----------------------------------------------------------------------------- past exports

_LOG_COLUMNS = (
    "export_id",
    "exported_at",
    "user_name",
    "audience",
    "audience_version",
    "profile",
    "channel",
    "as_of",
    "members",
    "suppressed",
    "control",
    "exported",
)


def log_rows(log: pl.DataFrame, lang: str, *, zone: str) -> pl.DataFrame:
    """The audit log for display: times in ``zone``, headers in ``lang`` (no personal data is
    in the log: ids, names of audiences and profiles, counts)."""
    return (
        log.select(_LOG_COLUMNS)
        .with_columns(
            pl.col("exported_at").dt.convert_time_zone(zone),
            pl.col("profile").replace_strict(
                {p: _profile_title(p, lang) for p in PROFILES}, default=pl.col("profile")
            ),
            pl.col("audience").replace_strict(
                {a: audience_label(a, lang) for a in log["audience"].unique().to_list()},
                default=pl.col("audience"),
            ),
        )
        .rename({c: t(f"cmp.log.{c}", lang) for c in _LOG_COLUMNS})
    )


def _uplift(export_id: int, lang: str) -> None:
    path = str(common.workspace_dir())
    version = common.data_version(path)
    data = common.load_customer_data(path, version, currency=common.chosen_currency())
    try:
        readout = campaign_uplift(common.get_workspace(path), export_id, data=data)
    except ValueError:  # the export is after the last order imported: nothing to read yet
        st.info(t("cmp.uplift_not_yet", lang))
        return
    if readout.days == 0:  # the window holds no day of imported orders yet
        st.info(t("cmp.uplift_not_yet", lang))
        return
    for line in readout.summary("zh" if lang == "zh" else "en").splitlines():
        if line.strip():
            st.markdown(common.md_text(line))
    frame = readout.frame.with_columns(
        pl.col("metric").replace_strict(
            {m: t(f"cmp.metric.{m}", lang) for m in readout.frame["metric"].to_list()}
        )
    )
    with st.container(key="cmp_uplift_table"):
        st.dataframe(
            frame.rename({c: t(f"cmp.uplift.{c}", lang) for c in frame.columns}),
            hide_index=True,
        )


def _policy_tab(lang: str) -> None:
    """The rules every export obeys that a marketer may set: soft opt-in, the frequency cap and
    the global suppression list (contacts shown masked)."""
    from cimlab.act.campaigns import frequency_cap, set_frequency_cap
    from cimlab.act.suppression import (
        add_to_suppression_list,
        set_soft_opt_in,
        soft_opt_in,
        suppression_list,
    )

    ws = common.get_workspace(str(common.workspace_dir()))
    st.caption(t("cmp.policy_intro", lang))
    with st.form("cmp_policy_form"):
        soft = st.multiselect(
            t("cmp.soft_opt_in", lang),
            list(CHANNELS),
            default=list(soft_opt_in(ws)),
            format_func=lambda p: t(f"cmp.channel.{p}", lang),
            help=t("cmp.soft_opt_in_help", lang),
            key="cmp_soft",
        )
        cap = st.number_input(
            t("cmp.cap_days", lang),
            min_value=0,
            max_value=365,
            value=frequency_cap(ws),
            help=t("cmp.cap_days_help", lang),
            key="cmp_cap",
        )
        if st.form_submit_button(t("cmp.policy_save", lang)):
            common.permit("audience.edit")
            set_soft_opt_in(ws, soft)
            set_frequency_cap(ws, int(cap))
            when = dt.datetime.now(dt.UTC)  # who changed the export policy, for the audit
            common.audit_event("setting", at=when, target="soft_opt_in", detail=",".join(soft))
            common.audit_event("setting", at=when, target="frequency_cap_days", detail=str(cap))
            st.success(t("cmp.policy_saved", lang))
    st.subheader(t("cmp.suppression_list", lang))
    listing = suppression_list(ws)
    st.caption(common.t_md("cmp.suppression_count", lang, n=f"{listing.height:,}"))
    if listing.height:
        shown = common.mask_columns(
            listing.head(LOG_SHOWN)
            .with_columns(
                phone=pl.when(pl.col("kind") == "phone").then(pl.col("value")),
                email=pl.when(pl.col("kind") == "email").then(pl.col("value")),
                customer_id=pl.when(pl.col("kind") == "customer_id").then(pl.col("value")),
            )
            .drop("value"),
            {"phone": "phone", "email": "email"},
        ).select(
            pl.coalesce("customer_id", "phone", "email").alias(t("cmp.col.entry", lang)),
            pl.col("reason").alias(t("cmp.col.reason", lang)),
            pl.col("added_at").alias(t("cmp.col.added_at", lang)),
        )
        st.dataframe(shown, hide_index=True)
    st.download_button(
        t("cmp.suppression_template", lang),
        data=contact_list_template(),
        file_name="suppression_template.csv",
        mime="text/csv",
        key="cmp_suppression_template",
    )
    upload = st.file_uploader(
        t("cmp.suppression_upload", lang),
        type=["csv", "txt", "xlsx"],
        key=_uploader_key("cmp_suppression_file"),
    )
    reason = st.text_input(t("cmp.suppression_reason", lang), key="cmp_suppression_reason")
    if upload is not None and st.button(t("cmp.suppression_add", lang), key="cmp_suppression_add"):
        try:
            entries = read_contact_list(upload.getvalue(), name=upload.name)
        except CimlabError as error:
            st.error(common.md_text(str(error)))
            return
        common.permit("audience.edit")
        added = add_to_suppression_list(ws, entries, reason=reason, user=common.current_user())
        _used_upload("cmp_suppression_file", upload)  # stored in the workspace: the file goes
        st.success(
            common.t_md(
                "cmp.suppression_added", lang, read=f"{entries.height:,}", added=f"{added:,}"
            )
        )


def _history_tab(lang: str) -> None:
    ws = common.get_workspace(str(common.workspace_dir()))
    log = campaign_log(ws)
    if log.is_empty():
        st.info(t("cmp.no_exports", lang))
        return
    with st.container(key="cmp_log_table"):
        st.dataframe(
            log_rows(log.head(LOG_SHOWN), lang, zone=common.business_zone()),
            hide_index=True,
            column_config={
                t("cmp.log.as_of", lang): st.column_config.DateColumn(format="YYYY-MM-DD"),
                t("cmp.log.exported_at", lang): st.column_config.DatetimeColumn(
                    format="YYYY-MM-DD HH:mm"
                ),
            },
        )
    st.caption(t("cmp.log_caption", lang))
    ids = log["export_id"].to_list()
    rows = {r["export_id"]: r for r in log.rows(named=True)}
    export_id = st.selectbox(
        t("cmp.uplift_pick", lang),
        ids,
        key="cmp_uplift_pick",
        format_func=lambda i: (
            f"#{i} · {audience_label(rows[i]['audience'], lang)} · "
            f"{_profile_title(rows[i]['profile'], lang)}"
        ),
    )
    if export_id is not None:
        reasons = json.loads(rows[export_id]["suppressed_by_reason"] or "{}")
        index = 1 if lang == "zh" else 0
        listed = [
            f"{REASON_LABELS[r][index]}: {n:,}"
            for r, n in reasons.items()
            if n and r in REASON_LABELS
        ]
        if listed:
            st.caption(common.t_md("cmp.log_suppressed", lang, reasons="; ".join(listed)))
        st.subheader(t("cmp.uplift", lang))
        _uplift(int(export_id), lang)


# ----------------------------------------------------------------------------- the page


def _page(lang: str) -> None:
    common.require("page.campaigns", lang)  # whatever the URL: the role decides
    st.title(t("cmp.title", lang))
    st.caption(t("cmp.intro", lang))
    inputs = common.analysis_inputs(lang)
    if inputs is None:
        return
    _, as_of = inputs
    audience = _audience(lang)
    names = ["preview", "export", "care", "history", "policy"]
    labels = [
        t("cmp.tab.preview", lang),
        t("cmp.tab.export", lang),
        t("cmp.tab.care", lang),
        t("cmp.tab.history", lang),
        t("cmp.tab.policy", lang),
    ]
    tabs = dict(zip(names, st.tabs(labels), strict=True))
    if audience is not None:
        with tabs["preview"]:
            common.guard(
                lambda: _preview_tab(audience, as_of, lang), lang, context="campaigns/preview"
            )
        with tabs["export"]:
            common.guard(
                lambda: _export_tab(audience, as_of, lang), lang, context="campaigns/export"
            )
    else:
        for name in ("preview", "export"):
            tabs[name].info(t("cmp.pick_first", lang))
    with tabs["care"]:
        common.guard(lambda: _care_tab(audience, as_of, lang), lang, context="campaigns/care")
    with tabs["history"]:
        common.guard(lambda: _history_tab(lang), lang, context="campaigns/history")
    with tabs["policy"]:
        common.guard(lambda: _policy_tab(lang), lang, context="campaigns/policy")


_page(common.current_lang())
