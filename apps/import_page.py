"""Import page: upload files, see how they are read, map columns, validate, import; history, undo.

The mapping editor says everything a mapping YAML can: source columns, constants, composed
columns, row filters, reading options, the status map; a mapping can be saved in the workspace
(offered again for the next file of the same layout) and downloaded as YAML.

Session keys start with ``imp_``; per-file keys carry the upload's file id.

An upload lives in memory only until it is imported: then Streamlit's copy of its bytes and
everything read from it (kept per session, :func:`_common.upload_memo`) are released and the
uploader empties (a new key). An undo and leaving the page release them too.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import hashlib
import json
import re
from collections.abc import Callable, Mapping
from typing import Any

import _common as common
import polars as pl
import streamlit as st

from cimlab.contracts.columns import DERIVED_FLAGS, ORDER_STATUSES, TABLES
from cimlab.errors import CimlabError, DataFileError, MappingError
from cimlab.i18n import channel_label, column_label, t, table_label
from cimlab.ingest.importer import (
    COLUMN_KINDS,
    ImportReport,
    check_raw,
    quarantine_csv,
    store_report,
)
from cimlab.ingest.mapping import (
    FILTER_OPS,
    TIME_FORMATS,
    ColumnMapping,
    MappingOptions,
    RowFilter,
    detect_preset,
    list_presets,
    source_required,
    suggest_mapping,
    template_parts,
)
from cimlab.ingest.parsing import FAILURE_REASONS
from cimlab.ingest.reading import LINE, RawTable, read_bytes
from cimlab.ingest.saved_mappings import (
    MappingMatch,
    mapping_yaml,
    matching_mappings,
    save_mapping,
)
from cimlab.ingest.status_map import file_statuses, status_cells, status_values_from

PREVIEW_ROWS = 20
PROBLEMS_SHOWN = 500
STATUSES_SHOWN = 200
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
CURRENCIES = ("CNY", "USD", "EUR", "GBP", "HKD", "JPY", "BRL")
TIMEZONES = (
    "Asia/Shanghai",
    "UTC",
    "Asia/Hong_Kong",
    "Asia/Tokyo",
    "Europe/London",
    "America/New_York",
)
IMPORT_ALL = "imp_import_all"  # set by the "import all" button's callback, for one run
DONE = "imp_done"  # the outcome of the last import and the files that were still waiting
UPLOAD_GENERATION = "imp_upload_generation"  # part of the uploader's key: +1 empties it
RELEASED = "imp_released"  # file ids imported (and released) while the uploader holds others
_TOKEN = re.compile(r"^[a-z][a-z0-9_]*$")
_MASK_KIND = {"phone": "phone", "email": "email", "name": "name", "customer_name": "name"}
_DELIMITER_KEYS = {",": "delim.comma", "\t": "delim.tab", ";": "delim.semicolon", "|": "delim.pipe"}
# choices of a column's source besides the file's headers (no header starts with NUL)
_CONSTANT = "\x00constant"
_TEMPLATE = "\x00template"
_OP_KEYS = {
    "==": "imp.op_eq",
    "!=": "imp.op_ne",
    "in": "imp.op_in",
    "not in": "imp.op_not_in",
    "not empty": "imp.op_not_empty",
}
_SAVED = "saved:"  # the mapping choice of a saved mapping: "saved:<name>"
_UNKNOWN_STATUS = FAILURE_REASONS["status"][0]
# DataFileError reasons (cimlab.ingest.reading) → the text that says them in the app's words
_READ_ERRORS: tuple[tuple[str, str], ...] = (
    (r"^is empty|^sheet .* is empty|has no visible worksheet", "imp.err_empty"),
    (r"binary data|, not a text table", "imp.err_binary"),
    (r"is neither UTF-8 nor GBK|byte-order mark but is not valid", "imp.err_encoding"),
    (r"mixes encodings", "imp.err_mixed_encoding"),
    (r"never closed", "imp.err_quote"),
    (r"has no header row", "imp.err_no_header"),
    (r"JSON", "imp.err_json"),
    (r"XLSX", "imp.err_xlsx"),
    (r"Parquet", "imp.err_parquet"),
    (r"gzip", "imp.err_gzip"),
)


# ----------------------------------------------------------------------------- upload steps
# Memoised per upload (its file id, unique per upload) in this session only
# (:func:`_common.upload_memo`): the same immutable objects on every rerun, never in a cache
# shared by sessions, and all forgotten with Streamlit's copy of the bytes once the file is
# imported, an import is undone, or the user leaves the page (:func:`_common.release_uploads`).


def _read(file_id: str, name: str, sheet: str | None, data: bytes) -> RawTable:
    return common.upload_memo(
        file_id, ("read", sheet), lambda: read_bytes(data, name=name, sheet=sheet)
    )


def _digest(file_id: str, data: bytes) -> str:
    return common.upload_memo(file_id, ("digest",), lambda: hashlib.sha256(data).hexdigest())


def _check(
    file_id: str,
    sheet: str | None,
    channel: str | None,
    mapping_json: str,
    raw: RawTable,
    digest: str,
) -> ImportReport:
    def check() -> ImportReport:
        mapping = ColumnMapping.from_dict(json.loads(mapping_json))
        with st.spinner("…"):
            return check_raw(
                raw, table=mapping.table, channel=channel, mapping=mapping, content_hash=digest
            )

    return common.upload_memo(file_id, ("check", sheet, channel, mapping_json), check)


def _quarantine_csv(
    file_id: str,
    sheet: str | None,
    channel: str | None,
    mapping_json: str,
    lang: str,
    report: ImportReport,
) -> bytes:
    return common.upload_memo(
        file_id,
        ("quarantine", sheet, channel, mapping_json, lang),
        lambda: quarantine_csv(report.quarantine, lang=lang),
    )


@st.cache_data(show_spinner=False, max_entries=32)
def _matches(path: str, version: str, headers: tuple[str, ...]) -> list[MappingMatch]:
    """Saved mappings that fit ``headers`` (cached on the workspace's data version)."""
    del version
    return matching_mappings(common.get_workspace(path), list(headers))


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


@dataclasses.dataclass(frozen=True)
class _Choice:
    """Table, the suggested mapping, where it comes from (``source``: a preset name,
    ``saved:<name>`` or ``none``, part of the editor's widget keys) and the channel box."""

    table: str
    suggestion: ColumnMapping
    source: str
    channel: str | None


def _choose_table_and_mapping(
    raw: RawTable, key: str, lang: str, known_channels: list[str], ws_path: str
) -> _Choice | None:
    """Table, mapping (a saved mapping of the same layout first, then the presets) and channel."""
    headers = list(raw.headers)
    matches = _matches(ws_path, common.data_version(ws_path), tuple(headers))
    exact = [m for m in matches if m.exact]
    _, guessed_table, _ = detect_preset(headers)
    if exact:
        guessed_table = exact[0].saved.table
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
        return None
    saved = {f"{_SAVED}{m.saved.name}": m for m in matches if m.saved.table == table}
    presets = [p for p in list_presets() if table in p.tables]
    by_name = {p.name: p for p in presets}
    found, _, _ = detect_preset(headers, table=table)
    names: list[str | None] = [*saved, None, *by_name]
    if any(m.exact for m in saved.values()):
        default = next(n for n, m in saved.items() if m.exact)
    else:
        default = found.name if found is not None and found.name in by_name else None

    def label(name: str | None) -> str:
        if name is None:
            return t("imp.preset_none", lang)
        if name in saved:
            match = saved[name]
            which = "imp.use_saved" if match.exact else "imp.use_saved_partial"
            return t(which, lang, name=match.saved.name)
        return by_name[name].label_zh if lang == "zh" else by_name[name].label

    choice = middle.selectbox(
        t("imp.preset", lang),
        names,
        index=names.index(default),
        format_func=label,
        key=f"{key}_preset_{table}",
        help=t("imp.preset_help", lang),
    )
    if choice in saved:
        suggestion = saved[choice].mapping
    elif choice:
        suggestion = suggest_mapping(headers, table=table, preset=choice)
    else:
        suggestion = ColumnMapping(table, {})
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
        key=f"{key}_{choice or 'none'}_channel",  # another mapping suggests afresh
        accept_new_options=True,
        placeholder=t("imp.choose_or_type", lang),
        help=t("imp.channel_help", lang),
    )
    return _Choice(table, suggestion, choice or "none", channel)


def _source_of(suggestion: ColumnMapping, column: str) -> str | None:
    """The editor's choice for ``column``: a header, a constant, a template or nothing."""
    if column in suggestion.columns:
        return suggestion.columns[column]
    if column in suggestion.constants:
        return _CONSTANT
    if column in suggestion.derived:
        return _TEMPLATE
    return None


def _template_ok(template: str) -> bool:
    try:
        parts = template_parts(template)
    except MappingError:
        return False
    return any(is_header for _, is_header in parts)


def _edit_columns(
    headers: list[str], suggestion: ColumnMapping, prefix: str, lang: str
) -> tuple[dict[str, str], dict[str, str], dict[str, str], bool]:
    """One choice per canonical column: a file column, a constant or a template over headers.

    Returns the columns, constants and templates, and whether every given one is usable.
    """
    table = suggestion.table
    choices: list[str | None] = [None, *headers, _CONSTANT, _TEMPLATE]
    editable = [c for c in COLUMN_KINDS[table] if c not in DERIVED_FLAGS]
    if "channel" not in editable:
        editable.append("channel")
    required = set(source_required(table, suggestion.options))
    columns: dict[str, str] = {}
    constants: dict[str, str] = {}
    derived: dict[str, str] = {}
    usable = True
    names = {
        None: t("imp.none", lang),
        _CONSTANT: t("imp.source_constant", lang),
        _TEMPLATE: t("imp.source_template", lang),
    }
    placeholders = ", ".join("{" + h + "}" for h in headers)
    grid = st.columns(3)
    for i, column in enumerate(editable):
        cell = grid[i % 3]
        label = common.md_text(column_label(table, column, lang))
        if column in required:
            label = common.t_md("imp.required_mark", lang, label=label)
        default = _source_of(suggestion, column)
        chosen = cell.selectbox(
            label,
            choices,
            index=choices.index(default) if default in choices else 0,
            format_func=lambda h: names.get(h, h),
            key=f"{prefix}_{column}_source",
            help=common.md_code(column),
        )
        if chosen == _CONSTANT:
            value = cell.text_input(
                t("imp.constant_value", lang),
                value=suggestion.constants.get(column, ""),
                key=f"{prefix}_{column}_constant",
                placeholder=t("imp.constant_placeholder", lang),
                help=t("imp.constant_help", lang),
            ).strip()
            if value:
                constants[column] = value
            else:
                usable = False
        elif chosen == _TEMPLATE:
            template = cell.text_input(
                t("imp.template", lang),
                value=suggestion.derived.get(column, ""),
                key=f"{prefix}_{column}_template",
                placeholder="{…}-{…}",
                help=common.t_md("imp.template_help", lang, headers=placeholders),
            )
            if _template_ok(template):
                derived[column] = template
            else:
                usable = False
                if template.strip():
                    cell.warning(t("imp.template_invalid", lang))
        elif chosen is not None:
            columns[column] = chosen
    return columns, constants, derived, usable


def _rule_text(rule: RowFilter) -> str:
    """The values of a rule as the values box shows them (quoted when needed)."""

    def one(value: str) -> str:
        plain = value and value == value.strip() and not any(c in value for c in ",[]\"'")
        return value if plain else json.dumps(value, ensure_ascii=False)

    return ", ".join(one(v) for v in rule.values)


def _add_rule(ids_key: str) -> None:
    """Callback of "Add a rule": a new line with a fresh id (ids are never reused)."""
    new = st.session_state.get(f"{ids_key}_next", 0)
    st.session_state[ids_key] = [*st.session_state.get(ids_key, []), new]
    st.session_state[f"{ids_key}_next"] = new + 1


def _remove_rule(ids_key: str, rule_id: int) -> None:
    st.session_state[ids_key] = [i for i in st.session_state.get(ids_key, []) if i != rule_id]


def _make_rule(column: str, op: str, text: str) -> RowFilter:
    """A rule from the editor's three boxes (raises :class:`MappingError` when unreadable)."""
    if op == "not empty":
        return RowFilter(column, op)
    if op in ("==", "!="):
        if not text.strip():
            raise MappingError("no value")
        return RowFilter(column, op, (text.strip(),))
    quoted = json.dumps(column, ensure_ascii=False)
    rule = RowFilter.parse(f"{quoted} {op} [{text}]")
    return dataclasses.replace(rule, column=column)


def _edit_filters(
    headers: list[str], suggestion: ColumnMapping, prefix: str, lang: str
) -> tuple[tuple[RowFilter, ...], bool]:
    """The row filters: one line per rule (column, operator, values, remove), and "add a rule".

    Returns the rules and whether every line is a complete rule.
    """
    st.markdown(f"**{t('imp.filters', lang)}**")
    st.caption(t("imp.filters_help", lang))
    ids_key = f"{prefix}_rules"
    if ids_key not in st.session_state:
        st.session_state[ids_key] = list(range(len(suggestion.filters)))
        st.session_state[f"{ids_key}_next"] = len(suggestion.filters)
    rules: list[RowFilter] = []
    complete = True
    for rule_id in list(st.session_state[ids_key]):
        given = suggestion.filters[rule_id] if rule_id < len(suggestion.filters) else None
        left, middle, right, end = st.columns([3, 2, 4, 1], vertical_alignment="bottom")
        column = left.selectbox(
            t("imp.filter_column", lang),
            headers,
            index=headers.index(given.column) if given and given.column in headers else None,
            key=f"{prefix}_rule{rule_id}_column",
            placeholder=t("imp.choose", lang),
        )
        op = middle.selectbox(
            t("imp.filter_op", lang),
            FILTER_OPS,
            index=FILTER_OPS.index(given.op) if given else 0,
            format_func=lambda o: t(_OP_KEYS[o], lang),
            key=f"{prefix}_rule{rule_id}_op",
        )
        text = right.text_input(
            t("imp.filter_values", lang),
            value=_rule_text(given) if given else "",
            key=f"{prefix}_rule{rule_id}_values",
            disabled=op == "not empty",
            placeholder=t("imp.filter_list" if op in ("in", "not in") else "imp.filter_one", lang),
        )
        end.button(
            t("imp.filter_remove", lang),
            key=f"{prefix}_rule{rule_id}_remove",
            on_click=_remove_rule,
            args=(ids_key, rule_id),
            icon=":material/delete:",
        )
        if column is None:
            complete = False
            continue
        try:
            rules.append(_make_rule(column, op, text))
        except MappingError:
            complete = False
            st.warning(common.t_md("imp.filter_invalid", lang, column=column))
    st.button(
        t("imp.filter_add", lang),
        key=f"{prefix}_rule_add",
        on_click=_add_rule,
        args=(ids_key,),
        icon=":material/add:",
    )
    if not complete:
        st.info(t("imp.filters_incomplete", lang))
    return tuple(rules), complete


def _edit_mapping(
    raw: RawTable, choice: _Choice, key: str, lang: str
) -> tuple[ColumnMapping, bool]:
    """The mapping editor: columns, constants, composed columns, row filters, options.

    Returns the mapping and whether it is complete (no half-written constant, template or
    rule: the report waits until it is).
    """
    suggestion = choice.suggestion
    table = suggestion.table
    headers = list(dict.fromkeys(h for h in raw.headers if h.strip()))
    prefix = f"{key}_map_{table}_{choice.source}"
    no_currency = table == "orders" and not suggestion.options.currency
    no_currency = no_currency and "currency" not in suggestion.provided()
    missing = bool(suggestion.missing_required())
    with st.expander(t("imp.mapping", lang), expanded=missing or no_currency):
        st.caption(t("imp.mapping_help", lang))
        columns, constants, derived, usable = _edit_columns(headers, suggestion, prefix, lang)
        filters, complete = _edit_filters(headers, suggestion, prefix, lang)
        given = {*columns, *constants, *derived}
        options = _edit_options(suggestion, given, key, choice.source, lang)
    mapping = ColumnMapping(
        table,
        columns,
        preset=suggestion.preset,
        channel=suggestion.channel,
        options=options,
        filters=filters,
        constants=constants,
        derived=derived,
    )
    return mapping, usable and complete


def _edit_options(
    suggestion: ColumnMapping, given: set[str], key: str, source: str, lang: str
) -> MappingOptions:
    """Reading options a file cannot say itself: currency, time zone, day-first dates, the
    format of times, placeholder amounts."""
    st.markdown(f"**{t('imp.options', lang)}**")
    base = suggestion.options
    prefix = f"{key}_opt_{suggestion.table}_{source}"
    orders = suggestion.table == "orders"
    left, middle, right = st.columns(3)
    currency = base.currency
    if orders and "currency" not in given:
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
    formats: list[str | None] = [None, *TIME_FORMATS]
    time_format = right.selectbox(
        t("imp.time_format", lang),
        formats,
        index=formats.index(base.time_format) if base.time_format in formats else 0,
        format_func=lambda f: t(f"imp.time_format_{f or 'auto'}", lang),
        key=f"{prefix}_time_format",
        help=t("imp.time_format_help", lang),
    )
    day_first = left.checkbox(
        t("imp.day_first", lang), value=base.day_first, key=f"{prefix}_day_first"
    )
    placeholder = False
    if orders:
        placeholder = middle.checkbox(
            t("imp.amount_placeholder", lang),
            value=base.amount_is_placeholder,
            key=f"{prefix}_amount_placeholder",
            help=t("imp.amount_placeholder_help", lang),
        )
    return dataclasses.replace(
        base,
        currency=currency,
        timezone=timezone or base.timezone,
        day_first=day_first,
        time_format=time_format,
        amount_is_placeholder=placeholder,
    )


def _status_editor_data(
    cells: pl.Series, base: Mapping[str, str], edits: Mapping[Any, Any], lang: str
) -> tuple[pl.DataFrame, dict[str, str], int]:
    """The status map as the editor shows it, ``base`` with the pending ``edits`` applied (so
    the flags are those of the meanings on screen), the ``status_values`` they make, and the
    number of distinct statuses."""
    found = file_statuses(cells, status_values=base, limit=STATUSES_SHOWN)
    values = found.table["value"].to_list()
    meanings = found.table["meaning"].to_list()
    for row, change in edits.items():
        if isinstance(change, Mapping) and "meaning" in change and 0 <= int(row) < len(values):
            meanings[int(row)] = change["meaning"] or None
    shown = set(values)
    status_values = {k: v for k, v in base.items() if k not in shown}
    status_values.update(status_values_from(values, meanings))
    current = file_statuses(cells, status_values=status_values, limit=STATUSES_SHOWN).table
    how = {
        "built_in": t("imp.sm_built_in", lang),
        "mapping": t("imp.sm_yours", lang),
    }
    table = current.select(
        "value",
        "rows",
        "meaning",
        pl.col("source")
        .replace_strict(how, default=t("imp.sm_unmapped_flag", lang), return_dtype=pl.String)
        .alias("how"),
    )
    return table, status_values, found.distinct


def _status_map(raw: RawTable, mapping: ColumnMapping, key: str, lang: str) -> ColumnMapping:
    """The status map of an orders file with a status column: every distinct status with its
    meaning, unmapped ones flagged, editable; the meanings chosen go into ``status_values``."""
    source = mapping.columns["status"]
    cells = status_cells(raw, mapping)  # the rows the row filters keep
    editor_key = f"{key}_status_{mapping.table}_{source}"
    state = st.session_state.get(editor_key)
    edits = state.get("edited_rows", {}) if isinstance(state, Mapping) else {}
    base = mapping.options.status_values
    table, status_values, distinct = _status_editor_data(cells, base, edits, lang)
    unmapped = table.filter(pl.col("meaning").is_null())["value"].to_list()
    open_key = f"{key}_status_open"
    st.session_state.setdefault(open_key, bool(unmapped))  # open at first sight when needed
    with st.expander(
        t("imp.status_map", lang), key=open_key, on_change="rerun", icon=":material/rule:"
    ):
        st.caption(common.t_md("imp.sm_help", lang, column=source, n=f"{distinct:,}"))
        if distinct > table.height:
            st.caption(common.t_md("imp.sm_partial", lang, shown=table.height, n=f"{distinct:,}"))
        if unmapped:
            st.warning(common.t_md("imp.sm_unmapped", lang, values=", ".join(unmapped)))
        st.data_editor(
            table,
            key=editor_key,
            hide_index=True,
            num_rows="fixed",
            disabled=["value", "rows", "how"],
            column_config={
                "value": st.column_config.TextColumn(t("imp.sm_value", lang)),
                "rows": st.column_config.NumberColumn(t("imp.sm_rows", lang), format="%d"),
                "meaning": st.column_config.SelectboxColumn(
                    t("imp.sm_meaning", lang),
                    options=list(ORDER_STATUSES),
                    format_func=lambda s: t(f"imp.status_{s}", lang),
                    help=t("imp.sm_meaning_help", lang),
                ),
                "how": st.column_config.TextColumn(t("imp.sm_how", lang)),
            },
        )
    options = dataclasses.replace(mapping.options, status_values=status_values)
    return dataclasses.replace(mapping, options=options)


def _open_status_map(open_key: str) -> None:
    st.session_state[open_key] = True


def _show_results(live: list[str], lang: str) -> None:
    """The outcome of the last import (its files are gone from the uploader by then), until
    another file is uploaded."""
    last = st.session_state.get(DONE)
    if not last:
        return
    if not set(live) <= set(last["waiting"]):
        st.session_state.pop(DONE, None)  # new files: the last import's outcome is history now
        return
    for done in last["results"]:
        if done["already"]:
            st.info(common.t_md("imp.already", lang, batch=done["batch"]))
            continue
        st.success(
            common.t_md(
                "imp.imported",
                lang,
                batch=done["batch"],
                loaded=done["loaded"],
                quarantined=done["quarantined"],
            )
        )
        if done["filtered"]:
            st.info(common.t_md("imp.imported_filtered", lang, n=done["filtered"]))
        if done["duplicate"]:
            st.info(common.t_md("imp.duplicates", lang, n=done["duplicate"]))


def _uploader_key() -> str:
    """The uploader's key: a new one empties the uploader (Streamlit lets no code remove a
    file from it)."""
    generation = st.session_state.get(UPLOAD_GENERATION, 0)
    return "imp_files" if generation == 0 else f"imp_files_{generation}"


def _fresh_uploader() -> None:
    """Forget every upload of the page (bytes, reads, reports) and empty the uploader."""
    common.release_uploads()
    st.session_state[UPLOAD_GENERATION] = st.session_state.get(UPLOAD_GENERATION, 0) + 1
    st.session_state.pop(RELEASED, None)


def _after_import(done: list[dict[str, Any]], live: list[str]) -> None:
    """Once files are imported their bytes and everything read from them go (Streamlit's upload
    buffer and our memoised reads and reports); the uploader empties when no file waits."""
    imported = [d["file_id"] for d in done]
    st.session_state[DONE] = {
        "results": [{k: v for k, v in d.items() if k != "file_id"} for d in done],
        "waiting": [f for f in live if f not in imported],
    }
    common.release_uploads(imported)
    released: set[str] = st.session_state.setdefault(RELEASED, set())
    released.update(imported)
    if set(live) <= released:
        _fresh_uploader()
    st.rerun()


def _report_section(report: ImportReport, filters: bool, lang: str) -> None:
    """The counts of the report: read = to load + quarantined + filtered out (by rule)."""
    st.markdown(f"**{t('imp.report', lang)}**")
    shown = [
        ("imp.rows_read", report.rows_read),
        ("imp.rows_loadable", report.rows_loaded),
        ("imp.rows_quarantined", report.rows_quarantined),
    ]
    if filters or report.rows_filtered:
        shown.append(("imp.rows_filtered", report.rows_filtered))
    for column, (label, value) in zip(st.columns(len(shown)), shown, strict=True):
        column.metric(t(label, lang), f"{value:,}")
    st.caption(
        common.t_md(
            "imp.invariant",
            lang,
            read=f"{report.rows_read:,}",
            loaded=f"{report.rows_loaded:,}",
            quarantined=f"{report.rows_quarantined:,}",
            filtered=f"{report.rows_filtered:,}",
        )
    )
    by_rule = {rule: n for rule, n in report.rows_filtered_by_rule.items() if n}
    if by_rule:
        rules = "; ".join(f"{rule}: {n:,}" for rule, n in by_rule.items())
        st.caption(common.t_md("imp.filtered_by_rule", lang, rules=rules))
    if report.notes:
        st.caption(common.t_md("imp.notes", lang, notes="; ".join(report.notes)))


def _save_mapping(ws_path: str, mapping: ColumnMapping, headers: tuple[str, ...], key: str) -> None:
    """Callback of "Save this mapping": saves it under the name typed beside the button."""
    name = st.session_state.get(f"{key}_save_name", "")
    if not common.can("import"):  # a callback runs outside the guard: refuse quietly
        return
    try:
        saved = save_mapping(common.get_workspace(ws_path), name, mapping, headers)
    except MappingError:
        st.session_state[f"{key}_save_flash"] = ("warning", name)
    else:
        st.session_state[f"{key}_save_flash"] = ("success", saved.name)


def _save_section(
    ws_path: str, raw: RawTable, mapping: ColumnMapping, key: str, stem: str, lang: str
) -> None:
    """Save the mapping in the workspace (offered again for the same layout), or download it."""
    left, middle, right = st.columns([3, 2, 2], vertical_alignment="bottom")
    left.text_input(
        t("imp.save_name", lang),
        key=f"{key}_save_name",
        placeholder=t("imp.save_name_placeholder", lang),
        max_chars=80,
    )
    middle.button(
        t("imp.save_button", lang),
        key=f"{key}_save",
        on_click=_save_mapping,
        args=(ws_path, mapping, raw.headers, key),
        icon=":material/bookmark_add:",
        help=t("imp.save_help", lang),
    )
    with right:
        st.download_button(
            t("imp.download_mapping", lang),
            data=mapping_yaml(mapping).encode("utf-8"),
            file_name=f"{stem}_mapping.yaml",
            mime="application/x-yaml",
            key=f"{key}_mapping_yaml",
            on_click="ignore",
            icon=":material/download:",
            help=t("imp.download_mapping_help", lang),
        )
    flash = st.session_state.pop(f"{key}_save_flash", None)
    if flash is not None:
        kind, name = flash
        if kind == "success":
            st.success(common.t_md("imp.saved", lang, name=name))
        else:
            st.warning(t("imp.save_name_invalid", lang))


def _file_section(upload: Any, ws_path: str, lang: str, known_channels: list[str]) -> None:
    key = f"imp_{upload.file_id}"
    raw, sheet = _choose_sheet(upload, key, lang)
    sheet_names = [s.name for s in raw.sheets]
    if raw.sheet in sheet_names:  # another sheet is another table: its choices start afresh
        key = f"{key}_sheet{sheet_names.index(raw.sheet)}"
    st.markdown(_detected_line(raw, lang))
    preview_box = st.container()

    choice = _choose_table_and_mapping(raw, key, lang, known_channels, ws_path)
    mapping, complete = (
        _edit_mapping(raw, choice, key, lang)
        if choice is not None
        else (ColumnMapping(TABLES[0], {}), False)
    )
    with preview_box:
        st.caption(common.t_md("imp.preview", lang, n=PREVIEW_ROWS))
        st.dataframe(_preview(raw, mapping, lang), hide_index=True)
    if choice is None:
        return
    table, channel = choice.table, choice.channel
    has_status_map = table == "orders" and "status" in mapping.columns
    if has_status_map:
        mapping = _status_map(raw, mapping, key, lang)
    unmapped = mapping.unmapped(list(raw.headers))
    if unmapped:
        st.caption(common.t_md("imp.unmapped", lang, columns=", ".join(unmapped)))
    missing = mapping.missing_required()
    if missing:
        labels = ", ".join(column_label(table, c, lang) for c in missing)
        st.warning(common.t_md("imp.required_missing", lang, columns=labels))
        return
    if not complete:
        return
    channel_column = "channel" in mapping.provided()
    if channel_column:
        st.caption(t("imp.channel_from_column", lang))
    elif not channel:
        st.info(t("imp.choose_channel", lang))
        return
    if channel and not _TOKEN.fullmatch(channel):
        st.warning(common.t_md("imp.channel_invalid", lang, channel=channel))
        return
    if channel:  # saved with the mapping: the next file of this layout gets it too
        mapping = dataclasses.replace(mapping, channel=channel)

    mapping_json = json.dumps(mapping.to_dict(), ensure_ascii=False, sort_keys=True)
    digest = _digest(upload.file_id, upload.getvalue())
    report = _check(upload.file_id, sheet, channel or None, mapping_json, raw, digest)

    _report_section(report, bool(mapping.filters), lang)
    stem = upload.name.split(".")[0] or "file"
    if report.quarantine.is_empty():
        st.success(t("imp.all_valid", lang))
    else:
        shown = min(PROBLEMS_SHOWN, report.quarantine.height)
        st.caption(common.t_md("imp.problems", lang, shown=shown, total=report.quarantine.height))
        st.dataframe(_problems(report, lang), hide_index=True)
        unknown = report.quarantine.filter(pl.col("reason") == _UNKNOWN_STATUS)
        if has_status_map and unknown.height:
            st.warning(common.t_md("imp.status_unknown", lang, n=unknown["line"].n_unique()))
            st.button(
                t("imp.open_status_map", lang),
                key=f"{key}_to_status_map",
                on_click=_open_status_map,
                args=(f"{key}_status_open",),
                icon=":material/rule:",
            )
        st.download_button(
            t("imp.download", lang),
            data=_quarantine_csv(upload.file_id, sheet, channel, mapping_json, lang, report),
            file_name=f"{stem}_quarantine.csv",
            mime="text/csv",
            key=f"{key}_download",
            on_click="ignore",
            icon=":material/download:",
        )
    _save_section(ws_path, raw, mapping, key, stem, lang)

    clicked = st.button(t("imp.import_button", lang), key=f"{key}_import", type="primary")
    if clicked or st.session_state.get(IMPORT_ALL):
        common.permit("import")
        with common.long_work(common.t_md("app.work_import", lang, file=upload.name), lang):
            ws = common.get_workspace(ws_path)
            result = store_report(ws, report, user=common.current_user())
        IMPORTED.append({
            "file_id": upload.file_id,
            "already": result.batch.already_imported,
            "batch": result.batch.batch_id,
            "loaded": result.batch.rows_loaded,
            "quarantined": result.batch.rows_quarantined,
            "filtered": report.rows_filtered,
            "duplicate": result.batch.rows_duplicate,
        })  # fmt: skip
    READY.append(upload.name)


def _error_text(exc: Exception, file: str, lang: str) -> common.Markdown:
    """A file-level error in the user's language, saying what to do in the app."""
    if isinstance(exc, MappingError) and exc.code == "no_currency":
        return common.t_md("imp.err_no_currency", lang, file=file)
    if isinstance(exc, DataFileError):
        where = common.t_md("imp.err_line", lang, line=exc.line) if exc.line else ""
        name = exc.file or file
        for pattern, text in _READ_ERRORS:
            if re.search(pattern, exc.reason):
                return common.t_md(text, lang, file=name, where=common.Markdown(where))
        return common.t_md(
            "imp.err_read", lang, file=name, where=common.Markdown(where), reason=exc.reason
        )
    return common.error_message(exc, lang)


def _file_body(body: Callable[[], None], file: str, lang: str) -> None:
    """Run a file's section; its cimlab errors are said in the user's language."""
    try:
        body()
    except CimlabError as exc:
        st.error(_error_text(exc, file, lang))


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
        common.permit("undo")
        when = dt.datetime.now(dt.UTC)
        with common.long_work(common.t_md("app.work_undo", lang, batch=int(batch)), lang):
            removed = common.get_workspace(ws_path).undo(int(batch), at=when)
        common.audit_event("undo", at=when, target=str(int(batch)), n=removed)  # who undid it
        st.session_state["imp_undo_done"] = batch
        st.session_state.pop(DONE, None)
        _fresh_uploader()  # an undo starts afresh: no upload of before stays in memory
        st.rerun()


# ----------------------------------------------------------------------------- first visit

WELCOMED = "imp_welcomed"  # session key: the first-visit guide was dismissed


def _first_visit(ws_path: str, counts: pl.DataFrame, lang: str) -> None:
    """Once per session until dismissed: what cimlab is, what data is loaded (the demo's, when
    the demo builder imported it), and what to do next."""
    if st.session_state.get(WELCOMED):
        return
    batches = common.load_batches(ws_path, common.data_version(ws_path))
    with st.container(border=True):
        st.markdown(t("imp.welcome_what", lang))
        if batches.is_empty():
            st.markdown(t("imp.welcome_empty", lang))
        else:
            demo = bool((batches["user_name"] == "demo").all())
            rows = int(counts["rows"].sum())
            channels = counts["channel"].n_unique()
            key = "imp.welcome_demo" if demo else "imp.welcome_data"
            st.markdown(common.t_md(key, lang, rows=f"{rows:,}", channels=channels))
            st.page_link("segments_page.py", label=t("imp.welcome_segments", lang),
                         icon=":material/donut_small:")  # fmt: skip
        if st.button(t("imp.welcome_close", lang), key="imp_welcome_close"):
            st.session_state[WELCOMED] = True
            st.rerun()


# ----------------------------------------------------------------------------- page

lang = common.current_lang()
common.require("page.import", lang)  # whatever the URL: the role decides
st.title(t("imp.title", lang))
st.caption(t("imp.intro", lang))
ws_path = str(common.workspace_dir())
common.get_workspace(ws_path)
counts = common.load_counts(ws_path, common.data_version(ws_path))
_first_visit(ws_path, counts, lang)
workspace_channels = sorted(counts["channel"].unique().to_list())

uploads = st.file_uploader(
    t("imp.uploader", lang), type=UPLOAD_TYPES, accept_multiple_files=True, key=_uploader_key()
)
released = st.session_state.get(RELEASED, set())
live = [u for u in uploads or [] if hasattr(u, "getvalue") and u.file_id not in released]
READY: list[str] = []  # files whose report is shown (this run)
IMPORTED: list[dict[str, Any]] = []  # files imported in this run
_show_results([u.file_id for u in live], lang)
if not live:
    st.info(t("imp.no_files", lang))
for upload in live:
    with st.container(border=True):
        st.subheader(common.t_md("imp.file_header", lang, file=upload.name))
        section = functools.partial(_file_section, upload, ws_path, lang, workspace_channels)
        common.guard(
            functools.partial(_file_body, section, upload.name, lang),
            lang,
            context=f"file {upload.name}",
        )

st.session_state[IMPORT_ALL] = False
if IMPORTED:
    _after_import(IMPORTED, [u.file_id for u in live])
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
