"""Import page: upload files, see how they are read, map columns, validate, import; history, undo.

Session keys start with ``imp_``; per-file keys carry the upload's file id.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import hashlib
import json
import re
from typing import Any

import _common as common
import polars as pl
import streamlit as st

from cimlab.contracts.columns import TABLES
from cimlab.i18n import channel_label, column_label, t, table_label
from cimlab.ingest.importer import (
    COLUMN_KINDS,
    ImportReport,
    check_raw,
    quarantine_csv,
    store_report,
)
from cimlab.ingest.mapping import (
    ColumnMapping,
    MappingOptions,
    detect_preset,
    list_presets,
    source_required,
    suggest_mapping,
)
from cimlab.ingest.reading import LINE, RawTable, read_bytes

PREVIEW_ROWS = 20
PROBLEMS_SHOWN = 500
UPLOAD_TYPES = ["csv", "tsv", "txt", "xlsx", "json", "ndjson", "jsonl", "parquet", "gz"]
KNOWN_CHANNELS = (
    "online_shop",
    "tmall",
    "jd",
    "douyin",
    "wechat",
    "youzan",
    "offline_store",
    "call_centre",
)
CURRENCIES = ("CNY", "USD", "EUR", "GBP", "HKD", "JPY")
TIMEZONES = (
    "Asia/Shanghai",
    "UTC",
    "Asia/Hong_Kong",
    "Asia/Tokyo",
    "Europe/London",
    "America/New_York",
)
IMPORT_ALL = "imp_import_all"  # set by the "import all" button's callback, for one run
_TOKEN = re.compile(r"^[a-z][a-z0-9_]*$")
_MASK_KIND = {"phone": "phone", "email": "email", "name": "name", "customer_name": "name"}
_DELIMITER_KEYS = {",": "delim.comma", "\t": "delim.tab", ";": "delim.semicolon", "|": "delim.pipe"}


# ----------------------------------------------------------------------------- cached steps
# Keyed on the upload's file id (unique per upload); the bytes and the raw table are passed
# unhashed (leading underscore). cache_resource hands back the same immutable objects instead
# of unpickling a copy of a large frame on every rerun.


@st.cache_resource(show_spinner=False, max_entries=16, ttl=3600)
def _read(file_id: str, name: str, sheet: str | None, _data: bytes) -> RawTable:
    return read_bytes(_data, name=name, sheet=sheet)


@st.cache_resource(show_spinner=False, max_entries=32, ttl=3600)
def _digest(file_id: str, _data: bytes) -> str:
    return hashlib.sha256(_data).hexdigest()


@st.cache_resource(show_spinner="…", max_entries=16, ttl=3600)
def _check(
    file_id: str, sheet: str | None, channel: str, mapping_json: str, _raw: RawTable, digest: str
) -> ImportReport:
    mapping = ColumnMapping.from_dict(json.loads(mapping_json))
    return check_raw(
        _raw, table=mapping.table, channel=channel, mapping=mapping, content_hash=digest
    )


@st.cache_resource(show_spinner=False, max_entries=16, ttl=3600)
def _quarantine_csv(
    file_id: str, sheet: str | None, channel: str, mapping_json: str, _report: ImportReport
) -> bytes:
    return quarantine_csv(_report.quarantine)


# ----------------------------------------------------------------------------- pieces


def _detected_line(raw: RawTable, lang: str) -> common.Markdown:
    none = common.Markdown(t("imp.not_applicable", lang))
    if raw.delimiter in _DELIMITER_KEYS:
        delimiter = common.Markdown(t(_DELIMITER_KEYS[raw.delimiter], lang))
    else:
        delimiter = common.md_code(raw.delimiter) if raw.delimiter else none
    return common.t_md(
        "imp.detected",
        lang,
        format=raw.format,
        encoding=raw.encoding or none,
        delimiter=delimiter,
        rows=f"{raw.rows_read:,}",
    )


def _mask_kinds(mapping: ColumnMapping) -> dict[str, str]:
    """Source header → mask kind, for the mapped phone, e-mail and name columns."""
    return {src: _MASK_KIND[col] for col, src in mapping.columns.items() if col in _MASK_KIND}


def _preview(raw: RawTable, mapping: ColumnMapping, lang: str) -> pl.DataFrame:
    """First rows as the file wrote them, contact data masked, source line first."""
    unique = len(set(raw.headers)) == len(raw.headers) and all(raw.headers)
    head = raw.preview(PREVIEW_ROWS) if unique else raw.frame.head(PREVIEW_ROWS)
    masked = common.mask_columns(head, _mask_kinds(mapping) if unique else {})
    line = t("imp.col_line", lang)
    return masked.drop(LINE) if line in masked.columns else masked.rename({LINE: line})


def _problems(report: ImportReport, lang: str) -> pl.DataFrame:
    """The first problems: values masked (see ``ImportReport.masked_problems``), reasons in ``lang``."""
    reasons = ["reason_zh", "reason"] if lang == "zh" else ["reason", "reason_zh"]
    return report.masked_problems(PROBLEMS_SHOWN).select(
        pl.col("line").alias(t("imp.col_line", lang)),
        pl.col("column").alias(t("imp.col_column", lang)),
        common.scrub_text(pl.col("value")).alias(t("imp.col_value", lang)),
        pl.coalesce(reasons).alias(t("imp.col_reason", lang)),
    )


def _choose_sheet(upload: Any, key: str, lang: str) -> tuple[RawTable, str | None]:
    data = upload.getvalue()
    raw = _read(upload.file_id, upload.name, None, data)
    if len(raw.sheets) <= 1:
        return raw, raw.sheet
    names = [s.name for s in raw.sheets]
    hidden = {s.name for s in raw.sheets if s.hidden}
    sheet = st.selectbox(
        t("imp.sheet", lang),
        names,
        index=names.index(raw.sheet) if raw.sheet in names else 0,
        format_func=lambda n: t("imp.sheet_hidden", lang, name=n) if n in hidden else n,
        key=f"{key}_sheet",
    )
    if hidden:
        st.caption(common.t_md("imp.sheets_hidden_note", lang, names=", ".join(sorted(hidden))))
    if sheet != raw.sheet:
        raw = _read(upload.file_id, upload.name, sheet, data)
    return raw, sheet


def _channel_from_name(file_name: str, channels: list[str]) -> str | None:
    """The longest channel token the file name contains (``tmall_orders.csv`` → ``tmall``)."""
    stem = re.sub(r"[^a-z0-9]+", "_", file_name.lower())
    found = [c for c in channels if re.search(rf"(^|_){re.escape(c)}(_|$)", stem)]
    return max(found, key=len) if found else None


def _choose_table_preset_channel(
    raw: RawTable, key: str, lang: str, known_channels: list[str]
) -> tuple[str | None, ColumnMapping | None, str | None]:
    """Table, the preset's suggested mapping, and the channel (None where not chosen yet)."""
    headers = list(raw.headers)
    _, guessed_table, _ = detect_preset(headers)
    left, middle, right = st.columns(3)
    table = left.selectbox(
        t("imp.table", lang),
        TABLES,
        index=TABLES.index(guessed_table) if guessed_table in TABLES else None,
        format_func=lambda x: table_label(x, lang),
        key=f"{key}_table",
        placeholder=t("imp.choose", lang),
        help=t("imp.table_help", lang),
    )
    if table is None:
        st.info(t("imp.choose_table", lang))
        return None, None, None
    presets = [p for p in list_presets() if table in p.tables]
    by_name = {p.name: p for p in presets}
    found, _, _ = detect_preset(headers, table=table)
    names: list[str | None] = [None, *by_name]
    preset = middle.selectbox(
        t("imp.preset", lang),
        names,
        index=names.index(found.name) if found is not None and found.name in by_name else 0,
        format_func=lambda n: (
            t("imp.preset_none", lang)
            if n is None
            else (by_name[n].label_zh if lang == "zh" else by_name[n].label)
        ),
        key=f"{key}_preset_{table}",
        help=t("imp.preset_help", lang),
    )
    suggestion = (
        suggest_mapping(headers, table=table, preset=preset) if preset else ColumnMapping(table, {})
    )
    channels = list(dict.fromkeys([*KNOWN_CHANNELS, *known_channels]))
    if suggestion.channel and suggestion.channel not in channels:
        channels.append(suggestion.channel)
    guess = suggestion.channel or _channel_from_name(raw.file, channels)
    channel = right.selectbox(
        t("imp.channel", lang),
        channels,
        index=channels.index(guess) if guess in channels else None,
        format_func=lambda c: (
            f"{channel_label(c, lang)} ({c})" if channel_label(c, lang) != c else c
        ),
        key=f"{key}_channel",
        accept_new_options=True,
        placeholder=t("imp.choose_or_type", lang),
        help=t("imp.channel_help", lang),
    )
    return table, suggestion, channel


def _edit_mapping(raw: RawTable, suggestion: ColumnMapping, key: str, lang: str) -> ColumnMapping:
    """One selectbox per canonical column, prefilled from the suggestion."""
    table = suggestion.table
    headers = list(dict.fromkeys(h for h in raw.headers if h.strip()))
    choices: list[str | None] = [None, *headers]
    required = set(source_required(table, suggestion.options))
    columns: dict[str, str] = {}
    no_currency = table == "orders" and not suggestion.options.currency
    no_currency = no_currency and "currency" not in suggestion.columns
    expanded = bool(suggestion.missing_required()) or no_currency
    with st.expander(t("imp.mapping", lang), expanded=expanded):
        st.caption(t("imp.mapping_help", lang))
        grid = st.columns(3)
        for i, column in enumerate(COLUMN_KINDS[table]):
            label = common.md_text(column_label(table, column, lang))
            if column in required:
                label = common.t_md("imp.required_mark", lang, label=label)
            default = suggestion.columns.get(column)
            chosen = grid[i % 3].selectbox(
                label,
                choices,
                index=choices.index(default) if default in choices else 0,
                format_func=lambda h: t("imp.none", lang) if h is None else h,
                key=f"{key}_map_{table}_{suggestion.preset}_{column}",
                help=common.md_code(column),
            )
            if chosen is not None:
                columns[column] = chosen
        options = _edit_options(suggestion, columns, key, lang)
    return ColumnMapping(
        table, columns, preset=suggestion.preset, channel=suggestion.channel, options=options
    )


def _edit_options(
    suggestion: ColumnMapping, columns: dict[str, str], key: str, lang: str
) -> MappingOptions:
    """Reading options a file cannot say itself: currency, time zone, day-first dates."""
    st.markdown(f"**{t('imp.options', lang)}**")
    base = suggestion.options
    prefix = f"{key}_opt_{suggestion.table}_{suggestion.preset}"
    left, middle, right = st.columns(3)
    currency = base.currency
    if suggestion.table == "orders" and "currency" not in columns:
        currencies = list(dict.fromkeys([*CURRENCIES, *([base.currency] if base.currency else [])]))
        chosen = left.selectbox(
            t("imp.currency", lang),
            currencies,
            index=currencies.index(base.currency) if base.currency in currencies else None,
            key=f"{prefix}_currency",
            accept_new_options=True,
            placeholder=t("imp.choose_or_type", lang),
            help=t("imp.currency_help", lang),
        )
        currency = chosen.strip().upper() if chosen else None
    zones = list(dict.fromkeys([base.timezone, *TIMEZONES]))
    timezone = middle.selectbox(
        t("imp.timezone", lang),
        zones,
        index=0,
        key=f"{prefix}_timezone",
        accept_new_options=True,
        help=t("imp.timezone_help", lang),
    )
    day_first = right.checkbox(
        t("imp.day_first", lang), value=base.day_first, key=f"{prefix}_day_first"
    )
    return dataclasses.replace(
        base, currency=currency, timezone=timezone or base.timezone, day_first=day_first
    )


def _show_result(key: str, signature: str, lang: str) -> None:
    done = st.session_state.get(f"{key}_result")
    if not done or done["signature"] != signature:
        return
    if done["already"]:
        st.info(common.t_md("imp.already", lang, batch=done["batch"]))
        return
    st.success(
        common.t_md(
            "imp.imported",
            lang,
            batch=done["batch"],
            loaded=done["loaded"],
            quarantined=done["quarantined"],
        )
    )
    if done["duplicate"]:
        st.info(common.t_md("imp.duplicates", lang, n=done["duplicate"]))


def _file_section(upload: Any, ws_path: str, lang: str, known_channels: list[str]) -> None:
    key = f"imp_{upload.file_id}"
    raw, sheet = _choose_sheet(upload, key, lang)
    sheet_names = [s.name for s in raw.sheets]
    if raw.sheet in sheet_names:  # another sheet is another table: its choices start afresh
        key = f"{key}_sheet{sheet_names.index(raw.sheet)}"
    st.markdown(_detected_line(raw, lang))
    preview_box = st.container()

    table, suggestion, channel = _choose_table_preset_channel(raw, key, lang, known_channels)
    mapping = (
        _edit_mapping(raw, suggestion, key, lang)
        if suggestion is not None
        else ColumnMapping(TABLES[0], {})
    )
    with preview_box:
        st.caption(common.t_md("imp.preview", lang, n=PREVIEW_ROWS))
        st.dataframe(_preview(raw, mapping, lang), hide_index=True)
    if table is None or suggestion is None:
        return
    unmapped = mapping.unmapped(list(raw.headers))
    if unmapped:
        st.caption(common.t_md("imp.unmapped", lang, columns=", ".join(unmapped)))
    missing = mapping.missing_required()
    if missing:
        labels = ", ".join(column_label(table, c, lang) for c in missing)
        st.warning(common.t_md("imp.required_missing", lang, columns=labels))
        return
    if not channel:
        st.info(t("imp.choose_channel", lang))
        return
    if not _TOKEN.fullmatch(channel):
        st.warning(common.t_md("imp.channel_invalid", lang, channel=channel))
        return

    mapping_json = json.dumps(mapping.to_dict(), ensure_ascii=False, sort_keys=True)
    digest = _digest(upload.file_id, upload.getvalue())
    report = _check(upload.file_id, sheet, channel, mapping_json, raw, digest)

    st.markdown(f"**{t('imp.report', lang)}**")
    read, loadable, quarantined = st.columns(3)
    read.metric(t("imp.rows_read", lang), f"{report.rows_read:,}")
    loadable.metric(t("imp.rows_loadable", lang), f"{report.rows_loaded:,}")
    quarantined.metric(t("imp.rows_quarantined", lang), f"{report.rows_quarantined:,}")
    if report.notes:
        st.caption(common.t_md("imp.notes", lang, notes="; ".join(report.notes)))
    if report.quarantine.is_empty():
        st.success(t("imp.all_valid", lang))
    else:
        shown = min(PROBLEMS_SHOWN, report.quarantine.height)
        st.caption(common.t_md("imp.problems", lang, shown=shown, total=report.quarantine.height))
        st.dataframe(_problems(report, lang), hide_index=True)
        stem = upload.name.split(".")[0] or "file"
        st.download_button(
            t("imp.download", lang),
            data=_quarantine_csv(upload.file_id, sheet, channel, mapping_json, report),
            file_name=f"{stem}_quarantine.csv",
            mime="text/csv",
            key=f"{key}_download",
            on_click="ignore",
            icon=":material/download:",
        )

    signature = f"{sheet}|{channel}|{mapping_json}"
    clicked = st.button(t("imp.import_button", lang), key=f"{key}_import", type="primary")
    if clicked or st.session_state.get(IMPORT_ALL):
        result = store_report(common.get_workspace(ws_path), report)
        st.session_state[f"{key}_result"] = {
            "signature": signature,
            "already": result.batch.already_imported,
            "batch": result.batch.batch_id,
            "loaded": result.batch.rows_loaded,
            "quarantined": result.batch.rows_quarantined,
            "duplicate": result.batch.rows_duplicate,
        }
    _show_result(key, signature, lang)
    READY.append(upload.name)


def _request_import_all() -> None:
    st.session_state[IMPORT_ALL] = True


def _history(ws_path: str, lang: str) -> None:
    st.subheader(t("imp.history", lang))
    batches = common.load_batches(ws_path, common.data_version(ws_path))
    undone = st.session_state.pop("imp_undo_done", None)
    if undone is not None:
        st.success(common.t_md("imp.undone", lang, batch=undone))
        st.session_state["imp_undo_confirm"] = False
    if batches.is_empty():
        st.caption(t("imp.history_empty", lang))
        return
    st.dataframe(common.history_frame(batches, lang), hide_index=True)

    st.markdown(f"**{t('imp.undo', lang)}**")
    active = batches.filter(pl.col("status") == "active")
    if active.is_empty():
        st.caption(t("imp.undo_none", lang))
        return
    labels = {
        row["batch_id"]: t(
            "imp.undo_option",
            lang,
            batch=row["batch_id"],
            file=row["file_name"],
            rows=row["rows_loaded"],
        )
        for row in active.select("batch_id", "file_name", "rows_loaded").iter_rows(named=True)
    }
    batch = st.selectbox(
        t("imp.undo_select", lang),
        list(labels),
        format_func=labels.__getitem__,
        key="imp_undo_batch",
    )
    confirm = st.checkbox(t("imp.undo_confirm", lang), key="imp_undo_confirm")
    if st.button(t("imp.undo_button", lang), key="imp_undo_go", disabled=not confirm):
        common.get_workspace(ws_path).undo(int(batch), at=dt.datetime.now(dt.UTC))
        st.session_state["imp_undo_done"] = batch
        st.rerun()


# ----------------------------------------------------------------------------- page

lang = common.current_lang()
st.title(t("imp.title", lang))
st.caption(t("imp.intro", lang))
ws_path = str(common.workspace_dir())
common.get_workspace(ws_path)
counts = common.load_counts(ws_path, common.data_version(ws_path))
workspace_channels = sorted(counts["channel"].unique().to_list())

uploads = st.file_uploader(
    t("imp.uploader", lang), type=UPLOAD_TYPES, accept_multiple_files=True, key="imp_files"
)
READY: list[str] = []  # files whose report is shown (this run)
if not uploads:
    st.info(t("imp.no_files", lang))
for upload in uploads or []:
    with st.container(border=True):
        st.subheader(common.t_md("imp.file_header", lang, file=upload.name))
        common.guard(
            functools.partial(_file_section, upload, ws_path, lang, workspace_channels),
            lang,
            context=f"file {upload.name}",
        )

st.session_state[IMPORT_ALL] = False
if len(READY) > 1:
    st.button(
        common.t_md("imp.import_all", lang, n=len(READY)),
        key="imp_all_button",
        icon=":material/playlist_add_check:",
        on_click=_request_import_all,
        help=t("imp.import_all_help", lang),
    )

st.divider()
_history(ws_path, lang)
